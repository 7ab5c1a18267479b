"""What every atheris harness shares: instrumented imports, a sandbox, one input → one check.

A harness (``fuzz_zip.py`` …) names the file the input is written to (its suffix decides
how discovery reads it) and calls ``main``.  For each input libFuzzer hands over:

1. the bytes are written to ``<sandbox>/in/<name>`` (the same path every time);
2. ``kcsubmit.engine.check([path], rules=PROFILE)`` runs, with ``tempfile`` and
   ``TMPDIR`` pointed at ``<sandbox>/tmp`` and the working folder ``<sandbox>/cwd``;
3. the report is rendered as JSON (strict: no NaN) and as text;
4. ``<sandbox>/tmp`` and ``<sandbox>/cwd`` must be empty and ``<sandbox>/in`` hold only
   the input: anything else is an escape.

``KcsubmitError`` is an expected outcome (exit code 2 with one line); any other exception
is a crash: libFuzzer stops and writes the input to ``<artifact_prefix>crash-<sha1>``.  A
hang is caught by libFuzzer's ``-timeout`` (default here 30 s), a runaway allocation by
``-rss_limit_mb`` (default 2048).

libFuzzer stops at the first crash, so a bug found and reported but not fixed yet would
stop every later run within minutes.  ``KNOWN_CRASHES`` and ``KNOWN_HANGS`` let the run
go on past them (a line on stderr counts each); remove an entry once the bug is fixed in
src/ (its test in tests/test_fuzz_properties.py passes), or set ``KCSUBMIT_FUZZ_STRICT=1``
to ignore them all.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atheris

# Everything the checker runs for these inputs, instrumented for coverage feedback.  The
# probes are imported lazily by the engine: import them here, inside the hook.
INSTRUMENTED = ["kcsubmit", "zipfile", "tarfile", "docx", "PIL", "pymediainfo", "rarfile", "py7zr"]

with atheris.instrument_imports(include=INSTRUMENTED):
    import zipfile  # noqa: F401

    from PIL import Image

    Image.init()  # every Pillow format plugin, now, under the hook
    import kcsubmit.probes.archive  # noqa: F401
    import kcsubmit.probes.document  # noqa: F401
    import kcsubmit.probes.image  # noqa: F401
    import kcsubmit.probes.video  # noqa: F401
    import kcsubmit.reporters.json  # noqa: F401
    import kcsubmit.reporters.text  # noqa: F401
    import kcsubmit.rules  # noqa: F401
    from kcsubmit import reporters
    from kcsubmit.engine import check
    from kcsubmit.errors import KcsubmitError
    from kcsubmit.profile import load

PROFILE = load("2023")

# Pillow warns about every odd EXIF tag; thousands of lines would bury libFuzzer's own.
# (The image probe still turns DecompressionBombWarning into an error: its own filter comes first.)
warnings.filterwarnings("ignore")

STRICT = os.environ.get("KCSUBMIT_FUZZ_STRICT") == "1"

# Reported, not yet fixed (docs/fuzzing.md): (ID, exception type, function the traceback ends in).
KNOWN_CRASHES: list[tuple[str, str, str]] = [
    # F1 and F3 (probes/video.py) are fixed; tests/test_fuzz_properties.py keeps their inputs.
]
# Reported, not yet fixed: (ID, a test on the input's bytes).  Native hangs cannot be caught
# when they happen (libFuzzer's -timeout ends the run), so the inputs are skipped instead.
KNOWN_HANGS: list[tuple[str, Callable[[bytes], bool]]] = [
    # F2 (MediaInfo given a path) and F4 (absurd table counts, probes/boxes.py) are fixed.
]
SEEN: dict[str, int] = {}


def _known_crash(exc: BaseException) -> str | None:
    if STRICT:
        return None
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1].name if frames else ""
    for known, kind, function in KNOWN_CRASHES:
        if type(exc).__name__ == kind and last == function:
            return known
    return None


def _known_hang(data: bytes) -> str | None:
    if STRICT:
        return None
    for known, test in KNOWN_HANGS:
        if test(data):
            return known
    return None


def _count(known: str) -> None:
    SEEN[known] = SEEN.get(known, 0) + 1
    if SEEN[known] & (SEEN[known] - 1) == 0:  # 1, 2, 4, 8…: a trace, not a flood
        print(f"kcsubmit-fuzz: known issue {known} met {SEEN[known]} times (input skipped)", file=sys.stderr)


class Escape(Exception):
    """The checker left a file where it must not write."""


class Sandbox:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kcsubmit-fuzz-"))
        self.inbox, self.scratch, self.cwd = (self.root / n for n in ("in", "tmp", "cwd"))
        for folder in (self.inbox, self.scratch, self.cwd):
            folder.mkdir()

    def enter(self) -> None:
        """From now on the process works in the sandbox (the corpus paths are absolute)."""
        tempfile.tempdir = str(self.scratch)
        os.environ["TMPDIR"] = str(self.scratch)
        os.chdir(self.cwd)

    def clear(self) -> None:
        """After a known crash: the probe may not have cleaned up behind it."""
        for folder in (self.scratch, self.cwd):
            for item in folder.iterdir():
                shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()

    def assert_clean(self, path: Path) -> None:
        left = list(self.scratch.iterdir()) + list(self.cwd.iterdir())
        beside = [p for p in self.inbox.iterdir() if p != path]
        if left or beside:
            raise Escape(f"left behind: {[str(p) for p in left + beside]}")


def _strict(constant: str) -> Any:
    raise ValueError(f"not JSON: {constant}")


def one_input(sandbox: Sandbox, name: str, data: bytes) -> None:
    hang = _known_hang(data)
    if hang:
        _count(hang)
        return
    path = sandbox.inbox / name
    path.write_bytes(data)
    try:
        report = check([path], rules=PROFILE)
    except KcsubmitError:
        sandbox.assert_clean(path)
        return
    except Exception as exc:
        known = _known_crash(exc)
        if known is None:
            raise
        _count(known)
        sandbox.clear()
        return
    sandbox.assert_clean(path)
    for fmt in ("json", "text"):
        out = io.StringIO()
        reporters.get(fmt)(report, out, reporters.Options(lang="en", color=False, target=str(path)))
        if fmt == "json":
            json.loads(out.getvalue(), parse_constant=_strict)


def _arguments(argv: list[str], target: str) -> list[str]:
    """libFuzzer's arguments with corpus folders made absolute (the harness changes folder)
    and defaults for the crash file prefix and the per-input timeout."""
    out = [argv[0]]
    for arg in argv[1:]:
        out.append(arg if arg.startswith("-") else os.path.abspath(arg))
    if not any(a.startswith("-artifact_prefix=") for a in out):
        out.append(f"-artifact_prefix={os.getcwd()}{os.sep}fuzz-{target}-")
    if not any(a.startswith("-timeout=") for a in out):
        out.append("-timeout=30")
    return out


def main(target: str, name: str) -> None:
    """Fuzz ``check`` on one file called ``name`` (its suffix matters); ``target`` names crash files."""
    args = _arguments(sys.argv, target)
    sandbox = Sandbox()
    atheris.Setup(args, lambda data: one_input(sandbox, name, data))
    sandbox.enter()
    atheris.Fuzz()

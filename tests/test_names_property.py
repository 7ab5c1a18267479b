"""Property (issue 14): whatever a name is, ``check`` in every format and ``pack --dry-run``
end in a report or one line, write nothing outside the output folder and leave no temporary.

Hypothesis draws a name — bytes (not UTF-8 as often as not) or text mixing rich markup
(``[/x]``, ``[bold]``), emoji codes, control characters (ESC sequences, BEL, C1, bidi
overrides, line breaks), separators, dots, Windows' forbidden characters and device names,
braces — and uses it three ways at once: as a folder name and a file name of the submission
checked, and as the ``--studio`` of ``pack --dry-run``.

The CLI runs in process (``kcsubmit.cli_main.run``), each run on fresh stdout/stderr streams that
stay strict UTF-8 (``run`` may not switch them to ``errors="replace"``), so a name that
reached a stream undecoded would be an internal error, and fail the property.  For each run:

- exit 0/1 and a complete report (the ``--output`` file, valid UTF-8; JSON that parses), or
  exit 2 and exactly one stderr line that is not an internal error;
- the text report and the pack plan on stdout hold no control character but line ends;
- afterwards the output folder holds the reports only, and nothing else under the test's
  folder changed.

Profiles (``HYPOTHESIS_PROFILE``) as in tests/test_fuzz_properties.py: ``ci`` (default:
derandomized, 40 examples, about 40 s on 2 busy cores) and ``nightly`` (random, 1,000).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

import docgen

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kcsubmit.names import CONTROL  # noqa: E402

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="byte file names")

FORMATS = ("text", "json", "csv", "junit", "github", "html")
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
SETTINGS = settings(max_examples=40 if PROFILE != "nightly" else 1000, deadline=None,
                    derandomize=PROFILE != "nightly", database=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])

PIECES = ["[/x]", "[bold]", "[/]", "[red]", ":fire:", "\x1b]0;pwned\x07", "\x1b[2J", "\x1b[31m", "\x07",
          "\x9b", "\u202e", "\u2066", "\u200b", "\n", "\r", "\t", "/", "\\", "..", ".", " ", "C:", "<", ">",
          ":", '"', "|", "?", "*", "CON", "nul", "{studio}", "{", "}", "!", "%", ",", "=", "+", "-", "@",
          "人工智能", "⼈⼯智能", "工作室", "\ufffd", "é", "😀"]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), min_size=1, max_size=6).map("".join)
BYTES = st.binary(min_size=1, max_size=24).map(os.fsdecode)  # as the file system and argv give them
NAMES = st.one_of(TEXT, BYTES)


class StrictStream(io.TextIOWrapper):
    """stdout/stderr of one in-process run: UTF-8, strict, whatever the CLI asks."""

    def reconfigure(self, **changes: Any) -> None:  # cli.run asks for errors="replace"
        return None


def cli(*args: str) -> tuple[int, bytes, bytes]:
    """``kcsubmit ARGS`` in this process: exit code, stdout and stderr bytes."""
    from kcsubmit.cli_main import run

    out, err = io.BytesIO(), io.BytesIO()
    streams = StrictStream(out, encoding="utf-8", newline=""), StrictStream(err, encoding="utf-8", newline="")
    saved = sys.stdout, sys.stderr, sys.unraisablehook
    sys.stdout, sys.stderr = streams
    try:
        run(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    finally:
        for stream in streams:
            stream.flush()
        sys.stdout, sys.stderr, sys.unraisablehook = saved
    return code, out.getvalue(), err.getvalue()


def component(name: str, suffix: str = "") -> str:
    """``name`` as one file name: no "/" or NUL, not "." or "..", at most 200 bytes."""
    text = name.replace("/", "_").replace("\x00", "_")
    while len(os.fsencode(text + suffix)) > 200:
        text = text[:-1]
    return text + suffix if text.strip(".") else f"x{text}{suffix}"


def tree(root: Path) -> dict[str, str]:
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(folder, name)
            found[path] = (hashlib.sha256(Path(path).read_bytes()).hexdigest()
                           if os.path.isfile(path) and not os.path.islink(path) else "dir")
    return found


def assert_result(code: int, stdout: bytes, stderr: bytes, label: str) -> None:
    """A report (exit 0/1) or one line (exit 2), never an internal error; no controls on screen."""
    err = stderr.decode("utf-8")
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kcsubmit: error:"), (label, err)
        assert "internal error" not in err, (label, err)
    else:
        assert code in (0, 1) and err == "", (label, code, err)
    text = stdout.decode("utf-8")
    assert [c for c in text if CONTROL.match(c) and c != "\n"] == [], (label, text[-2000:])


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory, make_video: Any) -> tuple[Path, Path, bytes, bytes]:
    """A folder for the examples, the short profile, a compliant JPEG and a 3 s clip."""
    from conftest import profile_text

    root = tmp_path_factory.mktemp("names")
    rules = root / "short.toml"
    rules.write_text(profile_text(min_duration_s=2, max_duration_s=5), encoding="utf-8")
    return root, rules, docgen.jpeg(), make_video("good.mp4").read_bytes()


@SETTINGS
@given(name=NAMES)
@example(name="[/x]")
@example(name="\x1b]0;pwned\x07\x1b[2J")
@example(name=os.fsdecode(b"\xc8\xcb\xb9\xa4\xd6\xc7\xc4\xdc"))  # 人工智能 in GBK
@example(name="../../逃逸")
def test_any_name_gives_a_report_or_one_line(workbench: tuple[Path, Path, bytes, bytes], name: str) -> None:
    root, rules, jpeg, video = workbench
    case = Path(tempfile.mkdtemp(dir=root))
    try:
        checked = case / "in" / component(name)
        checked.mkdir(parents=True)
        (checked / component(name, ".jpg")).write_bytes(jpeg)
        (checked / component(name)).mkdir()
        (checked / component(name) / "p.jpg").write_bytes(jpeg)
        studio = case / "studio"
        studio.mkdir()
        (studio / component("人工智能" + name, ".mp4")).write_bytes(video)
        out = case / "out"
        before = tree(case)

        for fmt in FORMATS:
            report = out / f"report.{fmt}"
            code, stdout, stderr = cli("check", str(checked), "-f", fmt, "-o", str(report), "--rules", str(rules))
            assert_result(code, stdout, stderr, fmt)
            if code != 2:
                text = report.read_bytes().decode("utf-8")
                if fmt == "json":
                    json.loads(text)
        assert_result(*cli("check", str(checked), "--rules", str(rules)), "text on stdout")
        studio_name = name.replace("\x00", "")  # argv cannot carry NUL
        assert_result(*cli("pack", str(studio), "--dry-run", "--studio", studio_name, "-o", str(out / "dist"),
                           "--rules", str(rules)), "pack --dry-run")

        written = sorted(p.name for p in out.iterdir()) if out.exists() else []
        assert set(written) <= {f"report.{fmt}" for fmt in FORMATS}, written  # no temporary, no dist
        after = {k: v for k, v in tree(case).items() if not k.startswith(str(out))}
        assert after == before
    finally:
        shutil.rmtree(case, ignore_errors=True)

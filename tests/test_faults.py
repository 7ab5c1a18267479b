"""Faults around the commands that write: a full disk, a kill at any moment, an output
folder that cannot be written, inputs that vanish while they are read.

What must hold whatever happens: no traceback (exit 2 with one line, or a per-file
failure in the table), no incomplete file under a final name, no ``.kcsubmit-part``
left after anything but SIGKILL, and the originals byte for byte as they were.
Every command runs as a child process (``python -m kcsubmit``) with a private
``TMPDIR``, so that its work folders can be inspected too.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kcsubmit import engine, reporters
from kcsubmit import profile as profile_mod

import docgen
from conftest import profile_text

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals, rlimits and mounts")

if sys.platform != "win32":
    import resource

SHORT = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5), "<short>")
STUDIO = "示例中学青少年科学工作室"
PART = ".kcsubmit-part"
SEED = 20230815  # the random moments are drawn from it: the same moments on every run
MOMENTS = 3  # random moments per command, plus one chosen by an event (see the tests)
SCHEMA = json.loads((Path(__file__).parent / "report.schema.json").read_text(encoding="utf-8"))
CASE_PICTURES = [docgen.jpeg(seed=i) for i in range(4)] + [docgen.jpeg(seed=9, fmt="PNG")]  # the PNG: I001


# --------------------------------------------------------------------------- inputs


@pytest.fixture(scope="module")
def rules_file(short_rules: Path) -> str:
    """The 2023 profile with 2–5 s durations, so that 3-second clips are compliant."""
    return str(short_rules)


@pytest.fixture(scope="module")
def fix_input(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> Path:
    """A folder with one job for every fixer: transcode, remux, copy, document, picture."""
    root = tmp_path_factory.mktemp("fix-input") / "作品"
    (root / "案例").mkdir(parents=True)
    shutil.copy(make_video("portrait-4s.mp4", rotation=90, duration=4), root / "人工智能.mp4")  # transcoded
    shutil.copy(make_video("quicktime.mov"), root / "逐梦航天.mov")  # remuxed
    shutil.copy(make_video("good.mp4"), root / "美丽乡村.mp4")  # copied
    docgen.make_docx(root / "案例" / "案例.docx", paragraphs=[docgen.chinese_text(100)], pictures=CASE_PICTURES)
    (root / "案例" / "照片.png").write_bytes(docgen.jpeg((800, 600), fmt="PNG", seed=20))  # converted
    return root


def _studio(root: Path, videos: dict[str, Path]) -> Path:
    (root / "videos").mkdir(parents=True)
    lines = [f'studio = "{STUDIO}"', "[themes]"]
    for theme, video in videos.items():
        shutil.copy(video, root / "videos" / f"{theme}.mp4")
        lines.append(f'"{theme}" = "videos/{theme}.mp4"')
    docgen.make_docx(root / "case" / "案例.docx", paragraphs=[docgen.chinese_text(100)], pictures=CASE_PICTURES)
    lines += ["[case]", 'document = "case/案例.docx"']
    (root / "kcsubmit.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> Path:
    """A submission that packs only with --fix: a portrait video (transcode) and a PNG in the case."""
    return _studio(tmp_path_factory.mktemp("studio") / "studio", {
        "人工智能": make_video("portrait-4s.mp4", rotation=90, duration=4), "美丽乡村": make_video("good.mp4")})


@pytest.fixture(scope="module")
def light_studio(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> Path:
    """As ``studio`` without the transcode: --fix copies the video and rewrites the document."""
    return _studio(tmp_path_factory.mktemp("light") / "studio", {"美丽乡村": make_video("good.mp4")})


# --------------------------------------------------------------------------- helpers


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root``: the originals must never change."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def final_files(out: Path) -> list[Path]:
    """Files under their final names (no part of the path hidden)."""
    if not out.exists():
        return []
    return [p for p in sorted(out.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)]


def leftovers(root: Path) -> list[str]:
    """Temporary outputs left behind: ``.NAME.kcsubmit-part`` (fix) and ``.NAME.kcsubmit-part.zip`` (pack)."""
    if not root.exists():
        return []
    return [str(p.relative_to(root)) for p in root.rglob("*") if PART in p.name]


def private_tmp(tmp_path: Path, name: str = "tmpdir") -> Path:
    path = tmp_path / name
    path.mkdir()
    return path


def _env(tmpdir: Path) -> dict[str, str]:
    # COLUMNS: the fix table never wraps a reason across lines, so the tests can find it.
    return {**os.environ, "KCSUBMIT_LANG": "zh", "NO_COLOR": "1", "TMPDIR": str(tmpdir), "COLUMNS": "1000"}


def _small_disk(limit: int) -> Callable[[], None]:
    def apply() -> None:  # pragma: no cover - runs in the child
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def kcsubmit(*args: str, tmpdir: Path, fsize: int | None = None,
             timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m kcsubmit ARGS`` with a private TMPDIR, on a disk of ``fsize`` bytes per file if given."""
    return subprocess.run([sys.executable, "-m", "kcsubmit", *args], capture_output=True, text=True,
                          encoding="utf-8", env=_env(tmpdir), timeout=timeout,
                          preexec_fn=_small_disk(fsize) if fsize else None)


def start(*args: str, tmpdir: Path) -> subprocess.Popen[bytes]:
    """A kcsubmit in a session of its own: killpg reaches it and its ffmpeg, not pytest."""
    return subprocess.Popen([sys.executable, "-m", "kcsubmit", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=_env(tmpdir), start_new_session=True)


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\nstderr: {proc.stderr[-3000:]}\nstdout: {proc.stdout[-3000:]}"


def assert_one_line(code: int, stderr: str) -> None:
    """Exit 2 and exactly one line ``kcsubmit: error: …`` on stderr, no traceback."""
    assert code == 2, f"exit {code}: {stderr}"
    assert "Traceback" not in stderr and "Exception ignored" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kcsubmit: error:"), stderr


def assert_outcome(proc: subprocess.CompletedProcess[str]) -> None:
    """A fault ends in exit 2 with one line, or exit 1 with the file's failure in the table."""
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, describe(proc)
    if proc.returncode == 2:
        assert_one_line(proc.returncode, proc.stderr)
    else:
        assert proc.returncode == 1 and proc.stderr == "", describe(proc)
        assert "修复失败" in proc.stdout, describe(proc)


def assert_complete(files: list[Path], rules_file: str, tmpdir: Path) -> None:
    """Every file under a final name is whole: it passes ``kcsubmit check`` (one run for all)."""
    if files:
        proc = kcsubmit("check", "--rules", rules_file, *map(str, files), tmpdir=tmpdir)
        assert proc.returncode == 0, describe(proc)


def assert_message_is_clear(stderr: str, target: Path) -> None:
    """The line names the folder or file the user gave and does not blame kcsubmit."""
    assert "internal error" not in stderr and "--debug" not in stderr, stderr
    assert str(target) in stderr, stderr


def assert_fault_explained(proc: subprocess.CompletedProcess[str], errno_: int) -> None:
    """The failure is told where it is reported (the line, or the table) with the system's reason."""
    shown = proc.stderr if proc.returncode == 2 else proc.stdout
    assert "internal error" not in shown and "--debug" not in shown, describe(proc)
    assert os.strerror(errno_) in shown, describe(proc)


def survivors(marker: str, wait: float = 3.0) -> list[str]:
    """Command lines of live processes naming ``marker`` (an ffmpeg left writing, say); Linux only."""
    if not Path("/proc/self/cmdline").exists():
        return []
    end = time.monotonic() + wait
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            if marker in cmdline:
                found.append(cmdline)
        if not found or time.monotonic() > end:
            return found
        time.sleep(0.1)


@contextmanager
def tmpfs(target: Path, options: str) -> Iterator[bool]:
    """Mount a tmpfs at ``target`` (root on Linux only); yields whether it is mounted."""
    target.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux") or shutil.which("mount") is None:
        yield False
        return
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "kcsubmit-test", str(target)],
                          capture_output=True, timeout=30)
    if done.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        if subprocess.run(["umount", str(target)], capture_output=True, timeout=30).returncode != 0:
            subprocess.run(["umount", "-l", str(target)], capture_output=True, timeout=30)


# --------------------------------------------------------------------------- disk full: fix

# RLIMIT_FSIZE caps every file the child writes (outputs, temporary files, ffmpeg's, which
# is killed by SIGXFSZ because subprocess restores that signal's default).  The outputs of
# fix_input are about 144 KB (transcode), 77 KB (document), 61 KB (copy, remux), 11 KB (picture).
FIX_LIMITS = {
    "transcode-fails": 100_000,  # the transcode fails; everything else fits: a row of the table
    "copy-fails": 30_000,  # the copy of a compliant video fails too
    "document-fails": 70_000,  # the copies fit; the rewritten document does not
}
_fix_runs: dict[str, tuple[subprocess.CompletedProcess[str], Path]] = {}


def _fix_on_small_disk(case: str, fix_input: Path, rules_file: str,
                       tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One run per case, shared by the test of the outcome and the test of the message."""
    if case not in _fix_runs:
        root = tmp_path_factory.mktemp(f"full-{case}")
        out = root / "out"
        proc = kcsubmit("fix", str(fix_input), "-o", str(out), "--rules", rules_file, "--encoder", "libx264",
                        tmpdir=private_tmp(root), fsize=FIX_LIMITS[case])
        _fix_runs[case] = (proc, out)
    return _fix_runs[case]


@pytest.mark.parametrize("case", list(FIX_LIMITS))
def test_disk_full_during_fix(fix_input: Path, rules_file: str, tmp_path_factory: pytest.TempPathFactory,
                              case: str) -> None:
    before = snapshot(fix_input)
    proc, out = _fix_on_small_disk(case, fix_input, rules_file, tmp_path_factory)
    assert_outcome(proc)
    if case == "transcode-fails":
        assert proc.returncode == 1 and "人工智能.mp4" in proc.stdout, describe(proc)
    assert leftovers(out) == []
    assert not (out / "人工智能.mp4").exists()  # the transcode that failed has no output
    assert list((out.parent / "tmpdir").iterdir()) == []
    assert_complete(final_files(out), rules_file, private_tmp(out.parent, "check-tmp"))
    assert snapshot(fix_input) == before


@pytest.mark.parametrize("case", ["copy-fails", "document-fails"])
def test_disk_full_during_fix_says_why(fix_input: Path, rules_file: str,
                                       tmp_path_factory: pytest.TempPathFactory, case: str) -> None:
    """Not an 'internal error': the system's reason.  (The transcode's row says how ffmpeg ended:
    under RLIMIT_FSIZE it dies of SIGXFSZ, which no real disk sends; the tmpfs test has ENOSPC.)"""
    proc, _ = _fix_on_small_disk(case, fix_input, rules_file, tmp_path_factory)
    assert_fault_explained(proc, errno.EFBIG)


def test_disk_full_while_saving_a_document_prints_no_traceback(fix_input: Path, rules_file: str,
                                                               tmp_path: Path) -> None:
    document = fix_input / "案例" / "案例.docx"
    before = snapshot(fix_input)
    for limit in (20_000, 40_000, 60_000):  # the save stops at different points of the zip
        out = tmp_path / f"out-{limit}"
        proc = kcsubmit("fix", str(document), "-o", str(out), "--rules", rules_file,
                        tmpdir=private_tmp(tmp_path, f"tmp-{limit}"), fsize=limit)
        assert leftovers(out) == [] and final_files(out) == []
        assert_outcome(proc)
    assert snapshot(fix_input) == before


def test_disk_full_while_writing_a_report(fix_input: Path, rules_file: str, tmp_path: Path) -> None:
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    proc = kcsubmit("check", str(fix_input), "-f", "json", "--output", str(report), "--rules", rules_file,
                    tmpdir=private_tmp(tmp_path), fsize=1_000)
    assert_one_line(proc.returncode, proc.stderr)
    assert list(report.parent.iterdir()) == []


@pytest.fixture
def full_disk(tmp_path: Path) -> Callable[[str], Any]:
    """full_disk(size) -> a context manager mounting a tmpfs of that size (a real ENOSPC)."""

    @contextmanager
    def mount(size: str) -> Iterator[Path]:
        target = tmp_path / f"disk-{size}"
        with tmpfs(target, f"size={size}") as mounted:
            if not mounted:
                pytest.skip("a small tmpfs cannot be mounted here (needs root on Linux); RLIMIT_FSIZE tests cover it")
            yield target

    return mount


def test_really_full_disk_during_fix(fix_input: Path, rules_file: str, tmp_path: Path,
                                     full_disk: Callable[[str], Any]) -> None:
    before = snapshot(fix_input)
    for size in ("40k", "120k"):
        with full_disk(size) as out:
            proc = kcsubmit("fix", str(fix_input), "-o", str(out), "--rules", rules_file, "--encoder", "libx264",
                            tmpdir=private_tmp(tmp_path, f"tmp-{size}"))
            assert leftovers(out) == []
            assert_complete(final_files(out), rules_file, private_tmp(tmp_path, f"check-{size}"))
            assert_outcome(proc)
            assert_fault_explained(proc, errno.ENOSPC)
    assert snapshot(fix_input) == before


# --------------------------------------------------------------------------- disk full: pack

# (studio, RLIMIT_FSIZE, the exit codes allowed).  light_studio's fixed files are at most 77 KB
# and its case archive about 135 KB; studio's transcode is about 144 KB.  When fix cannot repair
# a file, nothing is packed: exit 1 with its row, or exit 2 with one line; when the archives
# cannot be written, exit 2.
PACK_LIMITS = {
    "archive-fails": ("light_studio", 100_000, {2}),  # every fix fits, the case archive does not
    "transcode-fails": ("studio", 100_000, {1, 2}),  # fix fails for the video: nothing to pack
    "fix-copy-fails": ("light_studio", 50_000, {1, 2}),  # the copy into the work folder fails
}


@pytest.mark.parametrize("case", list(PACK_LIMITS))
def test_disk_full_during_pack_with_fix(request: pytest.FixtureRequest, rules_file: str, tmp_path: Path,
                                        case: str) -> None:
    name, limit, expected = PACK_LIMITS[case]
    source: Path = request.getfixturevalue(name)
    before = snapshot(source)
    dist = tmp_path / "dist"
    tmpdir = private_tmp(tmp_path)
    proc = kcsubmit("pack", str(source), "--fix", "-o", str(dist), "--rules", rules_file, "--encoder", "libx264",
                    tmpdir=tmpdir, fsize=limit)
    assert proc.returncode in expected, describe(proc)
    assert_outcome(proc)
    if case != "transcode-fails":  # (ffmpeg dies of SIGXFSZ: its row says so, not EFBIG)
        assert_fault_explained(proc, errno.EFBIG)
    assert final_files(dist) == [] and leftovers(dist) == []  # all or nothing: nothing
    assert list(tmpdir.iterdir()) == []  # the work folder is gone
    assert snapshot(source) == before


def test_really_full_disk_during_pack(light_studio: Path, rules_file: str, tmp_path: Path,
                                      full_disk: Callable[[str], Any]) -> None:
    before = snapshot(light_studio)
    with full_disk("100k") as dist:
        tmpdir = private_tmp(tmp_path)
        proc = kcsubmit("pack", str(light_studio), "--fix", "-o", str(dist), "--rules", rules_file,
                        tmpdir=tmpdir)
        assert_one_line(proc.returncode, proc.stderr)
        assert str(dist) in proc.stderr
        assert list(dist.iterdir()) == []
        assert list(tmpdir.iterdir()) == []
    assert snapshot(light_studio) == before


# --------------------------------------------------------------------------- killed at any moment


_startup: list[float] = []


def _startup_seconds(tmpdir: Path) -> float:
    """How long the CLI takes to import and answer --help: a signal before that is the startup test's."""
    if not _startup:
        began = time.monotonic()
        subprocess.run([sys.executable, "-m", "kcsubmit", "--help"], capture_output=True, env=_env(tmpdir),
                       timeout=60)
        _startup.append(time.monotonic() - began)
    return _startup[0]


def _moments(length: float, startup: float) -> list[float]:
    rng = random.Random(SEED)
    low = max(0.2, startup)
    return sorted(rng.uniform(low, max(low + 0.1, length)) for _ in range(MOMENTS))


def _interrupt(args: list[str], out: Path, tmpdir: Path, sig: signal.Signals,
               when: float | Callable[[], bool]) -> tuple[int, str, float | None]:
    """Start kcsubmit, send ``sig`` at ``when`` (seconds, or once the predicate holds), reap it.

    SIGINT goes to the process group, as Ctrl-C in a terminal does (ffmpeg gets it too);
    SIGKILL only to kcsubmit: its ffmpeg must die by PR_SET_PDEATHSIG.  Returns the exit
    code, stderr, and when the signal was sent (``time.time()``; None: the run had ended before).
    """
    proc = start(*args, tmpdir=tmpdir)
    began = time.monotonic()
    if callable(when):
        while not when() and proc.poll() is None and time.monotonic() - began < 60:
            time.sleep(0.005)
    else:
        time.sleep(when)
    sent = time.time() if proc.poll() is None else None
    if sent is not None:
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    try:
        code = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"kcsubmit did not stop within 60 s of {sig.name}")
    assert proc.stderr is not None
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    assert survivors(str(out)) == [] and survivors(str(tmpdir)) == [], f"a process outlived kcsubmit ({sig.name})"
    return code, stderr, sent


def _assert_interrupted(code: int, stderr: str, sent: float | None, sig: signal.Signals, outputs: list[Path],
                        complete: bool, label: str) -> None:
    """SIGKILL: died of it; SIGINT: exit 2 and one line, or (work complete, Python exiting) died of it.

    Exit 0 after a signal means the signal was lost: the command went on as if never interrupted.
    Unless it came after the last output was written: Python checks for signals between
    bytecodes, and one that lands while the interpreter shuts down is never raised (the
    window grows on a loaded machine); the work was done before it, so nothing was lost.
    """
    if sent is None:
        assert code == 0 and complete, f"{label}: ended before the signal with exit {code}: {stderr}"
    elif sig == signal.SIGKILL:
        assert code == -signal.SIGKILL, f"{label}: exit {code}: {stderr}"
    elif code == 2:
        assert_one_line(code, stderr)
    else:
        done_at = max((p.stat().st_ctime for p in outputs), default=None)  # ctime: the rename that published it
        if code == 0 and complete and done_at is not None and sent >= done_at:
            return
        assert complete and code == -signal.SIGINT, f"{label}: exit {code}, complete={complete}: {stderr}"
        assert "Traceback" not in stderr, f"{label}: {stderr}"


def _after_the_last_ffmpeg(out: Path) -> Callable[[], bool]:
    """fix_input's remux is its last ffmpeg run: after it come the document, the picture, the re-check.

    (A SIGINT while ffmpeg is being started is the subject of its own test below.)
    """
    return lambda: (out / "逐梦航天.mp4").exists()


def _writing_archives(out: Path) -> Callable[[], bool]:
    return lambda: out.exists()  # pack creates the output folder just before writing the archives


def test_fix_killed_at_random_moments(fix_input: Path, rules_file: str, tmp_path: Path) -> None:
    before = snapshot(fix_input)
    args = ["fix", str(fix_input), "--rules", rules_file, "--encoder", "libx264", "-o"]
    reference = tmp_path / "reference"
    began = time.monotonic()
    proc = kcsubmit(*args, str(reference), tmpdir=private_tmp(tmp_path, "tmp-ref"))
    length = time.monotonic() - began
    assert proc.returncode == 0, describe(proc)
    expected = {str(p.relative_to(reference)) for p in final_files(reference)}
    moments: list[float | str] = list(_moments(length, _startup_seconds(tmp_path)))
    published: list[Path] = []
    for i, when in enumerate([*moments, "after-the-last-ffmpeg"]):
        for sig in (signal.SIGINT, signal.SIGKILL):
            out = tmp_path / f"out-{i}-{sig.name}"
            tmpdir = private_tmp(tmp_path, f"tmp-{i}-{sig.name}")
            label = f"{sig.name} at {when if isinstance(when, str) else f'{when:.2f} s'}"
            code, stderr, sent = _interrupt([*args, str(out)], out, tmpdir, sig,
                                            _after_the_last_ffmpeg(out) if isinstance(when, str) else when)
            names = {str(p.relative_to(out)) for p in final_files(out)}
            assert names <= expected, label
            _assert_interrupted(code, stderr, sent, sig, final_files(out), names == expected, label)
            if sig == signal.SIGINT:
                assert leftovers(out) == [] and list(tmpdir.iterdir()) == [], label
            copy = out / "美丽乡村.mp4"  # a compliant video is copied byte for byte or not at all
            assert not copy.exists() or copy.read_bytes() == (fix_input / "美丽乡村.mp4").read_bytes(), label
            published += final_files(out)
            assert snapshot(fix_input) == before, label
    assert_complete(published, rules_file, private_tmp(tmp_path, "tmp-check"))


def test_pack_killed_at_random_moments(studio: Path, rules_file: str, tmp_path: Path) -> None:
    before = snapshot(studio)
    args = ["pack", str(studio), "--fix", "--rules", rules_file, "--encoder", "libx264", "-o"]
    reference = tmp_path / "reference"
    began = time.monotonic()
    proc = kcsubmit(*args, str(reference), tmpdir=private_tmp(tmp_path, "tmp-ref"))
    length = time.monotonic() - began
    assert proc.returncode == 0, describe(proc)
    expected = {p.name for p in final_files(reference)}
    assert len(expected) == 3
    moments: list[float | str] = list(_moments(length, _startup_seconds(tmp_path)))
    published: list[Path] = []
    for i, when in enumerate([*moments, "writing-archives"]):
        for sig in (signal.SIGINT, signal.SIGKILL):
            out = tmp_path / f"dist-{i}-{sig.name}"
            tmpdir = private_tmp(tmp_path, f"tmp-{i}-{sig.name}")
            label = f"{sig.name} at {when if isinstance(when, str) else f'{when:.2f} s'}"
            code, stderr, sent = _interrupt([*args, str(out)], out, tmpdir, sig,
                                            _writing_archives(out) if isinstance(when, str) else when)
            names = {p.name for p in final_files(out)}
            assert names in (set(), expected), f"{label}: all or nothing, got {sorted(names)}"
            _assert_interrupted(code, stderr, sent, sig, final_files(out), names == expected, label)
            if sig == signal.SIGINT:
                assert leftovers(out) == [] and list(tmpdir.iterdir()) == [], label
            published += final_files(out)
            assert snapshot(studio) == before, label
    assert_complete(published, rules_file, private_tmp(tmp_path, "tmp-check"))


def test_ctrl_c_while_starting_up_is_one_line(fix_input: Path, rules_file: str, tmp_path: Path) -> None:
    """-X importtime tells when typer's import has begun, inside ``from .cli_main import run``.

    An empty bytecode cache makes the imports slow, so the signal surely lands among them.
    """
    env = {**_env(private_tmp(tmp_path)), "PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")}
    proc = subprocess.Popen([sys.executable, "-X", "importtime", "-m", "kcsubmit", "check", str(fix_input),
                             "--rules", rules_file], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, start_new_session=True)
    assert proc.stderr is not None
    lines = []
    for raw in proc.stderr:
        lines.append(raw.decode("utf-8", "replace"))
        if lines[-1].split("|")[-1].strip() == "typer.colors":  # the first module typer imports
            os.killpg(proc.pid, signal.SIGINT)
            break
    lines += [raw.decode("utf-8", "replace") for raw in proc.stderr]
    code = proc.wait(timeout=60)
    proc.stderr.close()
    assert any(line.split("|")[-1].strip() == "typer.colors" for line in lines), "typer was not imported"
    assert_one_line(code, "".join(line for line in lines if not line.startswith("import time:")))


# A SIGINT that arrives while Popen forks is handled by the first Python code that runs after
# the fork: with a preexec_fn, that is an at-fork callback (logging registers one), where
# Python reports the KeyboardInterrupt as "Exception ignored" and drops it.  Seen through
# the CLI in about 1 run in 4 when Ctrl-C follows the first output of fix_input: the fix
# goes on to the end, exit 0 (or 1 when ffmpeg got the SIGINT); cli.run's unraisablehook
# hides the "Exception ignored" traceback, not the loss.
# Here the SIGINT is raised from an at-fork callback, so that it always lands in that window;
# a fix must also stop the ffmpeg already started (exit 44 says it was left running).
LOST_SIGINT = """
import os, signal, sys
from pathlib import Path
from kcsubmit import ffmpeg
fired = []

def ctrl_c() -> None:
    fired.append(True)
    os.kill(os.getpid(), signal.SIGINT)

def live_children() -> list[str]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z":
            found.append(stat.parent.name)
    return found

os.register_at_fork(before=ctrl_c)
try:
    ffmpeg.run(["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "20", "-f", "null", "-"])
except KeyboardInterrupt:
    sys.exit(44 if live_children() else 42)  # 42: the Ctrl-C reached kcsubmit, and ffmpeg is stopped
sys.exit(43 if not fired else 0)  # 43: no Python code runs at fork, so there is no such window
"""


def test_ctrl_c_while_ffmpeg_starts_is_not_lost(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", LOST_SIGINT], capture_output=True, text=True,
                          env=_env(private_tmp(tmp_path)), timeout=120)
    assert proc.returncode in (42, 43), describe(proc)


# --------------------------------------------------------------------------- output that cannot be written


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """An output folder nobody may write: chmod 0o555, or (as root, who ignores it) a read-only tmpfs."""
    folder = tmp_path / "只读"
    folder.mkdir()
    folder.chmod(0o555)
    probe = folder / ".probe"
    try:
        probe.touch()
    except PermissionError:
        yield folder, "chmod"
        folder.chmod(0o755)
        return
    probe.unlink()
    folder.chmod(0o755)
    with tmpfs(folder, "ro,size=64k") as mounted:
        if not mounted:
            pytest.skip("running as root, where chmod does not stop writes, and no read-only tmpfs can be mounted")
        yield folder, "tmpfs"


def _commands(fix_input: Path, light_studio: Path, target: Path) -> dict[str, list[str]]:
    return {
        "fix": ["fix", str(fix_input), "-o", str(target)],
        "pack": ["pack", str(light_studio), "--fix", "-o", str(target)],
        "check": ["check", str(fix_input), "-f", "json", "--output", str(target / "report.json")],
    }


@pytest.mark.parametrize("command", ["fix", "pack", "check"])
def test_read_only_output_folder(fix_input: Path, light_studio: Path,
                                 rules_file: str, tmp_path: Path, read_only_folder: tuple[Path, str],
                                 command: str) -> None:
    folder, _ = read_only_folder
    before = snapshot(fix_input), snapshot(light_studio)
    proc = kcsubmit(*_commands(fix_input, light_studio, folder)[command], "--rules", rules_file,
                    tmpdir=private_tmp(tmp_path))
    assert (snapshot(fix_input), snapshot(light_studio)) == before
    assert list(folder.iterdir()) == []
    assert_one_line(proc.returncode, proc.stderr)
    assert_message_is_clear(proc.stderr, folder)


OUTPUT_UNDER_A_FILE = ["fix", "pack", "check", "fix-onto-the-file"]


def _under_a_file(fix_input: Path, light_studio: Path, rules_file: str, tmp_path: Path,
                  command: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    blocker = tmp_path / "成绩单.txt"
    blocker.write_text("not a folder\n", encoding="utf-8")
    if command == "fix-onto-the-file":
        args = ["fix", str(fix_input), "-o", str(blocker)]
    else:
        args = _commands(fix_input, light_studio, blocker / "输出")[command]
    proc = kcsubmit(*args, "--rules", rules_file, tmpdir=private_tmp(tmp_path))
    assert blocker.read_text(encoding="utf-8") == "not a folder\n"
    return proc, blocker


@pytest.mark.parametrize("command", OUTPUT_UNDER_A_FILE)
def test_output_under_a_file_is_exit_2_with_one_line(fix_input: Path, light_studio: Path, rules_file: str,
                                                      tmp_path: Path, command: str) -> None:
    before = snapshot(fix_input), snapshot(light_studio)
    proc, _ = _under_a_file(fix_input, light_studio, rules_file, tmp_path, command)
    assert_one_line(proc.returncode, proc.stderr)
    assert (snapshot(fix_input), snapshot(light_studio)) == before


@pytest.mark.parametrize("command", OUTPUT_UNDER_A_FILE)
def test_output_under_a_file_says_so(fix_input: Path, light_studio: Path, rules_file: str, tmp_path: Path,
                                     command: str) -> None:
    proc, blocker = _under_a_file(fix_input, light_studio, rules_file, tmp_path, command)
    assert_message_is_clear(proc.stderr, blocker)


# --------------------------------------------------------------------------- inputs that vanish

GATES = {"video": {"V002"}, "document": {"D002"}, "image": {"I003"}, "archive": {"A008", "A012"}}


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> Path:
    """200 files, 50 of each kind: the source copied for each test that destroys it."""
    import archivegen

    root = tmp_path_factory.mktemp("many") / "files"
    root.mkdir()
    video = make_video("good.mp4").read_bytes()
    picture = docgen.jpeg(seed=3)
    document = docgen.make_docx(root.parent / "case.docx", pictures=[picture]).read_bytes()
    archive = archivegen.zip_of(root.parent / "a.zip", {"人工智能.mp4": video}).read_bytes()
    for i in range(50):
        (root / f"{i:03d}-人工智能.mp4").write_bytes(video)
        (root / f"{i:03d}-案例.docx").write_bytes(document)
        (root / f"{i:03d}-图片.jpg").write_bytes(picture)
        (root / f"{i:03d}-作品.zip").write_bytes(archive)
    return root


def _vanish(path: Path, how: str) -> None:
    if how == "deleted":
        path.unlink()
    elif how == "truncated":
        with open(path, "r+b") as f:
            f.truncate(path.stat().st_size // 2)
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "replaced-by-a-folder":
        path.unlink()
        path.mkdir()


@pytest.mark.parametrize("how", ["deleted", "truncated", "emptied", "replaced-by-a-folder"])
def test_inputs_that_change_between_discovery_and_probing(many_files: Path, tmp_path: Path, how: str) -> None:
    """Once the first file is done, every other one vanishes: each is a finding, never an exception."""
    folder = tmp_path / "files"
    shutil.copytree(many_files, folder)
    done: list[str] = []

    def on_file(result: Any) -> None:
        if not done:
            for path in sorted(folder.iterdir())[1:]:
                _vanish(path, how)
        done.append(result.path)

    report = engine.check([folder], rules=SHORT, on_file=on_file)
    tops = [r for r in report.files if "!" not in r.path]
    assert len(tops) == 200
    for result in tops[1:]:
        assert {f.rule for f in result.findings} & GATES[result.kind], (result.path, result.findings)
    # Every reporter renders such a report (html reads the files again for its previews).
    for name in reporters.REPORTERS if how == "deleted" else ["json"]:
        reporters.get(name)(report, io.StringIO(), reporters.Options(lang="en", color=False))


def test_inputs_deleted_by_a_thread_while_check_runs(many_files: Path, tmp_path: Path, rules_file: str) -> None:
    """The real CLI with two workers while a thread deletes the files in random order."""
    folder = tmp_path / "files"
    shutil.copytree(many_files, folder)
    victims = sorted(folder.iterdir())
    random.Random(SEED).shuffle(victims)
    stop = threading.Event()

    def delete() -> None:
        time.sleep(0.3)
        for path in victims:
            if stop.is_set():
                return
            path.unlink(missing_ok=True)
            time.sleep(0.005)

    thread = threading.Thread(target=delete)
    thread.start()
    try:
        proc = kcsubmit("check", str(folder), "-f", "json", "--jobs", "2", "--rules", rules_file,
                        tmpdir=private_tmp(tmp_path))
    finally:
        stop.set()
        thread.join()
    if proc.returncode == 2:
        assert_one_line(proc.returncode, proc.stderr)
        return
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, describe(proc)
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    tops = [r for r in report["files"] if "!" not in r["path"]]
    assert len(tops) + len(report["skipped"]) <= 200

"""Names, paths and outputs chosen by an attacker or an accident (issue 14), through the real CLI.

One test (or one parametrized family) per class of the issue, each driving
``python -m kcsubmit`` in a subprocess with names and files built here:

1. names are data: never rich markup, never terminal control (text report, fix and pack tables);
2. names that are not UTF-8 work in every format, to stdout and with ``--output``;
3. outputs never escape their folder (S006) and never follow a planted link; two runs into
   one folder keep their own temporary files and sha256;
4. the output folder cannot overlap the input; defaults stay out of the next walk;
5. name templates are checked before use;
8. resource limits are one line or a finding: ``--jobs`` above ``ulimit -n``, a folder nested
   thousands deep, absolute and ``..`` globs, a read-only folder for ``init``, GBK names GBK
   cannot hold, a 9400x9400 PNG of 260 KB in the HTML report;
9. Pillow's EXIF warnings, the 180° V003 message, look-alike theme names.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import struct
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from test_faults import read_only_folder, tmpfs  # noqa: F401 - the fixture, and what it needs
from test_hostile import MAX_RSS, check_bounded

from kcsubmit.names import CONTROL

import docgen

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="byte file names, rlimits, symlinks")

STUDIO = "示例中学青少年科学工作室"
FORMATS = ("text", "json", "csv", "junit", "github", "html")
SGR = re.compile(rb"\x1b\[[0-9;]*m")  # rich's own colours: the only escape sequences allowed
GBK_AI = "人工智能".encode("gbk")  # a file name written by an old Chinese unzip tool


def kcsubmit(*args: str | bytes | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
             limit_files: int | None = None, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """``python -m kcsubmit ARGS``; arguments may be bytes (names that are not UTF-8)."""
    full = {**os.environ, "KCSUBMIT_LANG": "en", "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    for key in [k for k, v in full.items() if v is None]:
        del full[key]

    def limits() -> None:  # pragma: no cover - runs in the child
        if limit_files:
            resource.setrlimit(resource.RLIMIT_NOFILE, (limit_files, limit_files))

    argv = [sys.executable, "-m", "kcsubmit", *(a if isinstance(a, bytes) else str(a) for a in args)]
    return subprocess.run(argv, capture_output=True, env=full, cwd=cwd, timeout=timeout,
                          preexec_fn=limits if limit_files else None)


def one_line(proc: subprocess.CompletedProcess[bytes], *words: str) -> str:
    """Exit 2 and exactly one line on stderr, no internal error; the line, which holds ``words``."""
    err = proc.stderr.decode("utf-8")
    lines = err.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, (proc.returncode, err, proc.stdout[-2000:])
    assert lines[0].startswith("kcsubmit: error:") and "internal error" not in err and "Traceback" not in err
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def report(proc: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    assert proc.returncode in (0, 1), proc.stderr.decode("utf-8", "replace")
    return json.loads(proc.stdout.decode("utf-8"))


def tree(root: Path) -> dict[str, str]:
    """Every path under ``root`` (links not followed) with a digest of what it is."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder) / name
            if path.is_symlink():
                found[str(path)] = "link:" + os.readlink(path)
            elif path.is_file():
                found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[str(path)] = "dir"
    return found


def manifest(folder: Path, studio: str | None = STUDIO, themes: dict[str, str] | None = None,
             extra: str = "") -> Path:
    lines = [f"studio = {json.dumps(studio, ensure_ascii=False)}"] if studio is not None else []
    lines.append("[themes]")
    lines += [f"{json.dumps(t, ensure_ascii=False)} = {json.dumps(v)}" for t, v in
              (themes or {"人工智能": "ai.mp4"}).items()]
    (folder / "kcsubmit.toml").write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return folder / "kcsubmit.toml"


@pytest.fixture
def studio(tmp_path: Path, good_video: Path) -> Path:
    """A compliant submission (under the short profile): one theme video and a manifest."""
    root = tmp_path / "studio"
    root.mkdir()
    shutil.copy(good_video, root / "ai.mp4")
    manifest(root)
    return root


def tagged(video: bytes, tag: bytes) -> bytes:
    """The clip with its codec's four characters (``avc1``, ``avcC``) replaced: MediaInfo then
    reports ``tag`` as the video codec."""
    return video.replace(b"avc1", tag).replace(b"avcC", b"[/b]")


# --------------------------------------------------------------------------- 1. data, not markup


HOSTILE = {
    "[bold]p.jpg": "[bold]p.jpg",
    "e\x1b]0;pwned\x07\x1b[2Jv.jpg": "e\\x1b]0;pwned\\x07\\x1b[2Jv.jpg",  # set the title, clear the screen
    "c1\x9b31mx.jpg": "c1\\x9b31mx.jpg",  # C1 CSI
    "bidi\u202egpj.exe.jpg": "bidi\\u202egpj.exe.jpg",  # right-to-left override
    ":fire: emoji.jpg": ":fire: emoji.jpg",
}


def assert_shown_as_text(out: bytes, shown: list[str]) -> None:
    text = SGR.sub(b"", out).decode("utf-8")
    for name in shown:
        assert name in text, (name, text[-3000:])
    assert [c for c in text if CONTROL.match(c) and c != "\n"] == []


@pytest.mark.parametrize("colour", ["no-color", "NO_COLOR", "FORCE_COLOR"])
def test_names_are_text_not_markup_nor_terminal_control(tmp_path: Path, good_video: Path,
                                                        short_rules: Path, colour: str) -> None:
    folder = tmp_path / "[/x]"  # a folder "[" holding "x]": the path reads as a closing markup tag
    folder.mkdir(parents=True)
    for name in HOSTILE:
        (folder / name).write_bytes(docgen.jpeg(seed=len(name)))
    (folder / "[b]人工智能.mp4").write_bytes(tagged(good_video.read_bytes(), b"[/a]"))  # codec "[/a]"
    env = {"FORCE_COLOR": "1", "NO_COLOR": None} if colour == "FORCE_COLOR" else {}
    flags = ["--no-color"] if colour == "no-color" else []
    proc = kcsubmit("check", folder, "--rules", short_rules, *flags, env=env)  # type: ignore[arg-type]
    assert proc.returncode == 0, proc.stderr.decode()  # V008 is a warning
    assert proc.stderr == b""
    if colour == "FORCE_COLOR":
        assert SGR.search(proc.stdout)  # colours on: rich's escapes, and only those
    assert_shown_as_text(proc.stdout, [f"[/x]/{shown}" for shown in HOSTILE.values()]
                         + ["[/x]/[b]人工智能.mp4", "[/a]/AAC", "V008"])

    # The fix table and the pack plan print the same names through the same path.
    pictures = sorted(p for p in folder.iterdir() if p.suffix == ".jpg")
    env = {**env, "COLUMNS": "1000"}  # long temporary paths: no cell folds a name across lines
    fixed = kcsubmit("fix", *pictures, "-o", tmp_path / "[red]out", "--rules", short_rules, *flags, env=env)  # type: ignore[arg-type]
    assert fixed.returncode in (0, 1) and fixed.stderr == b"", fixed.stderr.decode()
    assert_shown_as_text(fixed.stdout, [*HOSTILE.values(), "[red]out"])
    plan = kcsubmit("pack", folder, "--dry-run", "--studio", "[b]工作室[/b]", "-o", tmp_path / "dist",
                    "--rules", short_rules, *flags, env=env)  # type: ignore[arg-type]
    assert plan.returncode in (0, 1), plan.stderr.decode()
    assert_shown_as_text(plan.stdout, ["[b]工作室[/b]-人工智能"])


def test_one_line_errors_show_control_characters_escaped(tmp_path: Path) -> None:
    missing = tmp_path / "gone\x1b]0;title\x07.mp4"
    line = one_line(kcsubmit("check", missing), "gone\\x1b]0;title\\x07.mp4")
    assert "\x1b" not in line


# --------------------------------------------------------------------------- 2. not UTF-8


def non_utf8_folder(tmp_path: Path, good_video: Path) -> Path:
    """A folder whose names are bytes: GBK (人工智能.mp4), Latin-1 (café.jpg), a tar member in GBK."""
    folder = tmp_path / "作品"
    folder.mkdir()
    raw = os.fsencode(folder)
    with open(os.path.join(raw, GBK_AI + b".mp4"), "wb") as out:
        out.write(good_video.read_bytes())
    with open(os.path.join(raw, b"caf\xe9.jpg"), "wb") as out:
        out.write(docgen.jpeg())
    # GBK bytes that are not UTF-8 by chance (those of 图片 are: they would read as "ͼƬ").
    member = tarfile.TarInfo("作品".encode("gbk").decode("utf-8", "surrogateescape") + ".jpg")
    picture = docgen.jpeg(seed=3)
    member.size = len(picture)
    with tarfile.open(folder / "old.tar", "w", format=tarfile.GNU_FORMAT, encoding="utf-8",
                      errors="surrogateescape") as tar:
        import io

        tar.addfile(member, io.BytesIO(picture))
    return folder


def test_names_that_are_not_utf8_work_in_every_format(tmp_path: Path, good_video: Path) -> None:
    folder = non_utf8_folder(tmp_path, good_video)
    out = tmp_path / "reports"
    out.mkdir()
    for fmt in FORMATS:  # the 2023 rules: the 3 s video is V005, so GitHub annotates it too
        target = out / f"report.{fmt}"
        proc = kcsubmit("check", folder, "-f", fmt, "-o", target)
        # stderr holds only where the report went (issue 19), never an error
        said = proc.stderr.decode("utf-8").splitlines()
        assert proc.returncode == 1 and len(said) == 1 and str(target) in said[0], (fmt, said)
        text = target.read_bytes().decode("utf-8")  # strict: valid UTF-8 or the test fails
        assert "人工智能.mp4" in text, fmt
        if fmt != "github":  # which annotates findings only
            assert "caf\ufffd.jpg" in text, fmt  # Latin-1: replaced, not lost
            assert "old.tar!作品.jpg" in text, fmt  # the tar member, decoded as GBK
        assert not any(CONTROL.match(c) for c in text if c not in "\n\r\t"), fmt
        on_screen = kcsubmit("check", folder, "-f", fmt)
        assert on_screen.returncode == proc.returncode and on_screen.stderr == b"", fmt
        on_screen.stdout.decode("utf-8")
    assert sorted(p.name for p in out.iterdir()) == sorted(f"report.{fmt}" for fmt in FORMATS)  # no temporary
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    video = next(f for f in data["files"] if f["path"].endswith(".mp4"))
    assert video["theme"] == "人工智能"  # the theme is found in the name as it was meant


# --------------------------------------------------------------------------- 3. outputs stay inside

UNSAFE_STUDIOS = {
    "../逃逸": "separator", "a/b": "separator", "a\\b": "separator", ".隐藏": "hidden",
    "C:盘": "windows", "a<b>": "windows", "a|b": "windows", 'a"b': "windows", "a?b*": "windows",
    "a\x00b": "control", "a\x1b[2Jb": "control", "a\u202eb": "control", "a\nb": "control",
    "x" * 250: "long",
}


@pytest.mark.parametrize("name", list(UNSAFE_STUDIOS), ids=lambda n: repr(n)[:24])
def test_unsafe_studio_names_are_refused(tmp_path: Path, studio: Path, short_rules: Path, name: str) -> None:
    manifest(studio, name)
    before = tree(tmp_path)
    checked = report(kcsubmit("check", studio, "-f", "json", "--rules", short_rules))
    found = [f for f in checked["submission"]["findings"] if f["rule"] == "S006"]
    assert len(found) == 1 and checked["ok"] is False, checked["submission"]
    packed = kcsubmit("pack", studio, "-o", tmp_path / "dist", "--rules", short_rules)
    assert packed.returncode == 1 and b"S006" in packed.stdout
    assert tree(tmp_path) == before  # nothing created, truncated or deleted anywhere
    if "\x00" not in name:  # argv cannot carry NUL
        folder = tmp_path / "init"
        folder.mkdir()
        shutil.copy(studio / "ai.mp4", folder / "人工智能.mp4")
        one_line(kcsubmit("init", folder, "--studio", name, "--theme", "人工智能"))
        assert list(folder.iterdir()) == [folder / "人工智能.mp4"]


@pytest.mark.parametrize("template, studio_name, reason", [
    ("{studio}.{theme}", "CON", "device"), ("{studio}.{theme}", "nul", "device"),
    ("{studio}.{theme}", "Com1", "device"),
    ("{theme}-{studio}", "结尾.", "end"), ("{theme}{studio} ", "学校", "end"), ("{theme}:{studio}", "x", "windows"),
])
def test_names_made_by_the_template_are_checked_too(studio: Path, short_rules: Path, template: str,
                                                    studio_name: str, reason: str) -> None:
    manifest(studio, studio_name, extra=f"[pack]\nname = {json.dumps(template)}\n")
    checked = report(kcsubmit("check", studio, "-f", "json", "--rules", short_rules))
    [finding] = checked["submission"]["findings"]
    assert finding["rule"] == "S006", finding


def test_a_name_template_with_separators_is_refused(tmp_path: Path, studio: Path, short_rules: Path) -> None:
    manifest(studio, extra='[pack]\nname = "../../{studio}-{theme}"\n')
    before = tree(tmp_path)
    proc = kcsubmit("pack", studio, "-o", tmp_path / "dist", "--rules", short_rules)
    assert proc.returncode == 1 and b"S006" in proc.stdout
    assert tree(tmp_path) == before


def plant(link: Path, victim: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim)


def test_no_output_is_written_through_a_planted_link(tmp_path: Path, studio: Path, short_rules: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    dist = tmp_path / "dist"
    final = f"{STUDIO}-人工智能.zip"
    for name in (f".{final[:-4]}.kcsubmit-part.zip", final, ".kcsubmit-output"):  # the names of old
        plant(dist / name, victim)
    proc = kcsubmit("pack", studio, "-o", dist, "--rules", short_rules)
    assert proc.returncode == 0, proc.stdout.decode()[-2000:]
    assert not (dist / final).is_symlink() and zipfile.ZipFile(dist / final).testzip() is None

    reports = tmp_path / "reports"
    for name in (".report.json.kcsubmit-tmp", "report.json"):
        plant(reports / name, victim)
    assert kcsubmit("check", studio, "-f", "json", "-o", reports / "report.json",
                    "--rules", short_rules).returncode == 0
    assert json.loads((reports / "report.json").read_text(encoding="utf-8"))["ok"] is True

    folder = tmp_path / "init"
    folder.mkdir()
    shutil.copy(studio / "ai.mp4", folder / "人工智能.mp4")
    plant(folder / ".kcsubmit.toml.part", victim)
    assert kcsubmit("init", folder, "--studio", STUDIO, "--theme", "人工智能").returncode == 0
    assert "人工智能" in (folder / "kcsubmit.toml").read_text(encoding="utf-8")

    pictures = tmp_path / "pictures"
    pictures.mkdir()
    (pictures / "p.jpg").write_bytes(docgen.jpeg())
    fixed = tmp_path / "fixed"
    for name in (".p.jpg.kcsubmit-part", ".kcsubmit-output"):
        plant(fixed / name, victim)
    assert kcsubmit("fix", pictures, "-o", fixed, "--rules", short_rules).returncode == 0
    assert (fixed / "p.jpg").read_bytes() == (pictures / "p.jpg").read_bytes()
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_two_runs_into_one_folder_keep_their_own_archives(tmp_path: Path, make_video: Any,
                                                          short_rules: Path) -> None:
    """Same studio, same theme, other videos, one output folder, at the same time: each run
    verifies and reports the archive it wrote (temporary names are unique to the run)."""
    runs = []
    for i, seconds in enumerate((3.0, 4.0)):
        root = tmp_path / f"studio{i}"
        root.mkdir()
        shutil.copy(make_video("good.mp4", duration=seconds), root / "ai.mp4")
        manifest(root)
        solo = kcsubmit("pack", root, "-o", tmp_path / f"solo{i}", "--rules", short_rules)
        assert solo.returncode == 0
        digest = hashlib.sha256((tmp_path / f"solo{i}" / f"{STUDIO}-人工智能.zip").read_bytes()).hexdigest()
        runs.append((root, digest))
    shared = tmp_path / "shared"
    for _ in range(3):
        env = {**os.environ, "KCSUBMIT_LANG": "en", "NO_COLOR": "1", "COLUMNS": "200"}
        procs = [subprocess.Popen([sys.executable, "-m", "kcsubmit", "pack", str(root), "-o", str(shared),
                                   "--rules", str(short_rules)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env) for root, _ in runs]
        for proc, (_, digest) in zip(procs, runs):
            out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err.decode()
            assert digest[:16].encode() in out  # its own archive's sha256, not the other run's
        assert [p.name for p in shared.iterdir() if "kcsubmit-part" in p.name] == []
        final = hashlib.sha256((shared / f"{STUDIO}-人工智能.zip").read_bytes()).hexdigest()
        assert final in {digest for _, digest in runs}


# --------------------------------------------------------------------------- 4. no overlap


@pytest.mark.parametrize("command", ["pack", "fix"])
@pytest.mark.parametrize("where", ["same", "inside", "above", "dot"])
def test_an_output_folder_overlapping_the_input_is_refused(tmp_path: Path, studio: Path, short_rules: Path,
                                                           command: str, where: str) -> None:
    out = {"same": studio, "inside": studio / "out", "above": tmp_path, "dot": Path(".")}[where]
    before = tree(tmp_path)
    proc = kcsubmit(command, studio if where != "dot" else ".", "-o", out, "--rules", short_rules, cwd=studio)
    one_line(proc, "overlaps")
    assert tree(tmp_path) == before


def test_default_outputs_stay_out_of_the_next_walk(tmp_path: Path, studio: Path, short_rules: Path) -> None:
    (studio / "kcsubmit.toml").unlink()  # a folder by convention: every video in it counts
    (studio / "ai.mp4").rename(studio / "人工智能.mp4")
    fixed = kcsubmit("fix", ".", "--rules", short_rules, cwd=studio)  # the default ./fixed: inside the input
    assert fixed.returncode == 0, fixed.stdout.decode()[-2000:]
    copies = studio / "fixed"
    assert (copies / "人工智能.mp4").is_file() and (copies / ".kcsubmit-output").is_file()
    for _ in range(2):  # the second run must not take the first run's archives for a second video
        packed = kcsubmit("pack", ".", "--studio", STUDIO, "--rules", short_rules, cwd=studio)
        assert packed.returncode == 0, packed.stdout.decode()[-2000:]
    assert (studio / "dist" / f"{STUDIO}-人工智能.zip").is_file()
    shutil.copy(studio / "人工智能.mp4", studio / "人工智能-第二版.mp4")
    again = kcsubmit("pack", ".", "--studio", STUDIO, "--rules", short_rules, cwd=studio)
    assert again.returncode == 1 and b"S002" in again.stdout  # a real second video is still seen
    whole = report(kcsubmit("check", tmp_path, "-f", "json", "--rules", short_rules))
    paths = [f["path"] for f in whole["files"]]
    assert paths and not [p for p in paths if "/fixed/" in p or "/dist/" in p], paths


def test_check_output_refuses_its_own_input(tmp_path: Path, studio: Path, short_rules: Path) -> None:
    before = tree(tmp_path)
    one_line(kcsubmit("check", studio / "ai.mp4", "-o", studio / "ai.mp4"), "ai.mp4")
    one_line(kcsubmit("check", studio, "-f", "json", "-o", studio / "kcsubmit.toml"), "kcsubmit.toml")
    one_line(kcsubmit("check", studio, "-f", "json", "-o", studio / "ai.mp4"), "ai.mp4")
    assert tree(tmp_path) == before
    assert kcsubmit("check", studio, "-f", "json", "-o", studio / "report.json",
                    "--rules", short_rules).returncode == 0  # a new file beside them is fine


# --------------------------------------------------------------------------- 5. templates


@pytest.mark.parametrize("template, key", [
    ("{foo}-{theme}", "{foo}"), ("{studio:>50000000}{theme}", "{studio}"), ("{studio!r}{theme}", "{studio}"),
    ("{studio.__class__}{theme}", "{studio.__class__}"), ("{0}{theme}", "{0}"), ("{studio[0]}{theme}", "{studio[0]}"),
    ("{studio", "pack.name"), ("{studio}", "{theme}"),
])
def test_name_templates_are_checked_before_use(studio: Path, template: str, key: str) -> None:
    manifest(studio, extra=f"[pack]\nname = {json.dumps(template)}\n")
    began = time.monotonic()
    for command in ("check", "pack"):
        one_line(kcsubmit(command, studio), "pack.name", key)
    assert time.monotonic() - began < 30


# --------------------------------------------------------------------------- 8. limits


def test_jobs_above_the_open_file_limit_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(60):
        (folder / f"{i:02d}.jpg").write_bytes(docgen.jpeg(seed=i % 5))
    began = time.monotonic()
    proc = kcsubmit("check", folder, "-q", "--jobs", "60", limit_files=64, timeout=60)
    one_line(proc, "ulimit -n")
    assert time.monotonic() - began < 60
    assert kcsubmit("check", folder, "-q", "--jobs", "2", limit_files=256).returncode == 0


def deep_folder(root: Path, depth: int, name: str = "dddd") -> None:
    """``root/dddd/dddd/…`` ``depth`` levels deep (longer than PATH_MAX), made through folder handles."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        with open(os.open("deep.jpg", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd), "wb") as out:
            out.write(docgen.jpeg())
    finally:
        os.close(fd)


def remove_deep(root: Path, depth: int, name: str = "dddd") -> None:
    fds = [os.open(root, os.O_RDONLY)]
    for _ in range(depth):
        fds.append(os.open(name, os.O_RDONLY, dir_fd=fds[-1]))
    os.unlink("deep.jpg", dir_fd=fds[-1])
    for fd in reversed(fds[1:]):
        os.close(fd)
    for level in range(depth, 0, -1):
        fd = os.open(root, os.O_RDONLY)
        for _ in range(level - 1):
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        os.rmdir(name, dir_fd=fd)
        os.close(fd)
    os.close(fds[0])


def test_a_folder_nested_thousands_deep_is_skipped_not_a_crash(tmp_path: Path) -> None:
    root = tmp_path / "deep"
    root.mkdir()
    (root / "top.jpg").write_bytes(docgen.jpeg())
    depth = 1200  # beyond Python's recursion limit, 6,000 bytes of path: beyond PATH_MAX
    deep_folder(root, depth)
    try:
        data = report(kcsubmit("check", root, "-f", "json", timeout=120))
        assert [f["path"] for f in data["files"]] == [str(root / "top.jpg")]
        assert [s["reason"] for s in data["skipped"]] == ["other:too deep"]
    finally:
        remove_deep(root, depth)


def test_absolute_and_parent_globs_in_images(tmp_path: Path, studio: Path, short_rules: Path) -> None:
    pictures = tmp_path / "照片"
    pictures.mkdir()
    for i in range(2):
        (pictures / f"{i}.jpg").write_bytes(docgen.jpeg(seed=i))
    globs = json.dumps([str(pictures / "*.jpg"), "../照片/*.jpg"], ensure_ascii=False)
    manifest(studio, extra=f"[case]\nimages = {globs}\n")
    data = report(kcsubmit("check", studio, "-f", "json", "--rules", short_rules))
    # Both patterns name the same two pictures: each is checked once.
    assert sorted(Path(f["path"]).name for f in data["files"] if f["kind"] == "image") == ["0.jpg", "1.jpg"]


def test_init_on_a_read_only_folder_is_one_line(read_only_folder: tuple[Path, str]) -> None:  # noqa: F811
    folder, _ = read_only_folder
    one_line(kcsubmit("init", folder, "--studio", STUDIO, "--theme", "人工智能=ai.mp4"), "kcsubmit.toml")
    assert list(folder.iterdir()) == []


def test_a_gbk_name_for_a_name_gbk_cannot_hold_is_one_line(tmp_path: Path, studio: Path, short_rules: Path) -> None:
    for command in (["--dry-run"], []):
        proc = kcsubmit("pack", studio, "--studio", "工作室😀", "--name-encoding", "gbk", "-o", tmp_path / "dist",
                        "--rules", short_rules, *command)
        one_line(proc, "😀", "gbk")
    assert not (tmp_path / "dist").exists()


def test_html_report_of_a_huge_small_png_is_bounded(tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "huge.png"
    Image.new("RGB", (9400, 9400), (200, 30, 30)).save(png, optimize=True)
    assert png.stat().st_size < 400_000
    html = tmp_path / "report.html"
    run = check_bounded(png, fmt="html", extra=("-o", str(html)))
    assert run.code == 1, run.describe()  # I002: not 640x480
    assert run.max_rss < MAX_RSS, run.describe()
    assert "huge.png" in html.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- 9. small ones


def test_corrupt_exif_warnings_do_not_reach_stderr(tmp_path: Path) -> None:
    payload = b"Exif\x00\x00" + b"II*\x00\x08\x00\x00\x00" + b"\x05\x00" + b"\x0f\x01\x02\x00"  # 5 tags, 1 there
    jpeg = docgen.jpeg()
    for name in ("exif.jpg", "exif-2.jpg"):
        (tmp_path / name).write_bytes(jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:])
    for jobs in ("1", "2"):  # in the process, and in worker processes
        proc = kcsubmit("check", tmp_path / "exif.jpg", tmp_path / "exif-2.jpg", "--jobs", jobs)
        assert proc.returncode in (0, 1) and proc.stderr == b"", proc.stderr.decode()


def test_an_upside_down_video_is_said_to_be_upside_down(make_video: Any) -> None:
    clip = make_video("flip.mp4", rotation=180)
    data = report(kcsubmit("check", clip, "-f", "json"))
    message = next(f["message"] for f in data["files"][0]["findings"] if f["rule"] == "V003")
    assert "upside down" in message and "not 1920x1080" not in message


def test_look_alike_theme_names(tmp_path: Path, studio: Path, short_rules: Path) -> None:
    manifest(studio, themes={"⼈⼯智能": "ai.mp4"})  # Kangxi radicals ⼈ ⼯ (U+2F08, U+2F2F)
    data = report(kcsubmit("check", studio, "-f", "json", "--rules", short_rules))
    assert data["submission"]["findings"] == [] and data["files"][0]["theme"] == "人工智能"
    (studio / "kcsubmit.toml").unlink()
    (studio / "ai.mp4").rename(studio / "⼈⼯智能-作品.mp4")
    data = report(kcsubmit("check", studio, "-f", "json", "--rules", short_rules))
    assert data["submission"]["findings"] == [] and data["files"][0]["theme"] == "人工智能"

    (studio / "⼈⼯智能-作品.mp4").rename(studio / "ai.mp4")
    for theme, hidden in (("人工\u200b智能", "\\u200b"), ("\u2060人工智能", "\\u2060")):
        manifest(studio, themes={theme: "ai.mp4"})
        data = report(kcsubmit("check", studio, "-f", "json", "--rules", short_rules))
        [finding] = data["submission"]["findings"]
        assert finding["rule"] == "S003" and hidden in finding["message"], finding
        assert f"“{theme}”" not in finding["message"]  # never reads the same as the suggestion

"""Every A rule fires on an archive crafted to break it, and on no compliant archive.

The archives are made at test time by ``fixtures/archivegen.py`` (and RAR ones
by ``tests/rarwriter.py``); nothing here is committed.  Beyond the findings:
nothing is ever written outside the checker's temporary folder, and the real
CLI ends every crafted input without a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kcsubmit import profile as profile_mod
from kcsubmit.engine import check
from kcsubmit.i18n import finding_message
from kcsubmit.models import FileResult

import archivegen as ag
import docgen
from conftest import profile_text

try:
    import rarwriter
except ImportError:  # written by another helper; the RAR cases wait for it
    rarwriter = None

SHORT = {"min_duration_s": 2, "max_duration_s": 5}  # the 3-second test clip is compliant
PROFILE = profile_mod.parse(profile_text(**SHORT), source="<test>")
SCHEMA = json.loads((Path(__file__).parent / "report.schema.json").read_text(encoding="utf-8"))
DATA = Path(__file__).parent / "data" / "rar"
TEXTS = {"一.txt": b"first\n" * 300, "二.txt": b"second\n" * 300, "三.txt": b"third\n" * 300}


@dataclass(frozen=True)
class Media:
    video: bytes  # a theme video, compliant under PROFILE
    docx: bytes  # a compliant case document
    jpeg: bytes  # a compliant 640x480 picture
    outside: str  # a folder outside any extraction folder: where symlink entries point


def _from(src: Callable[[Path], Path], make: Callable[[Path, Path], Path]) -> Callable[[Path, Media], Path]:
    """Build a sound ``source`` archive beside the case, then derive the case's archive from it."""
    return lambda p, m: make(p, src(p.parent / "source"))


def _texts_zip(p: Path) -> Path:
    return ag.zip_of(p.with_suffix(".zip"), TEXTS)


def _split_last(p: Path) -> Path:
    """The last volume (the .zip) of ``zip -s 64k`` of 150 KB that does not compress."""
    work = p.parent / "split"
    work.mkdir()
    (work / "人工智能.mp4").write_bytes(os.urandom(150_000))
    subprocess.run(["zip", "-q", "-s", "64k", p.name, "人工智能.mp4"], cwd=work, check=True, timeout=60)
    return Path(shutil.move(work / p.name, p))


def _rar(version: int, **options: Any) -> Callable[[Path, Media], Path]:
    entries = options.pop("entries", None)
    return lambda p, m: rarwriter.write_rar(p, entries if entries is not None else [("人工智能.mp4", m.video)],
                                            version=version, **options)


# (case: a unique folder/name of the crafted file, how to make it, the rules the ARCHIVE breaks: exactly)
CASES: list[tuple[str, Callable[[Path, Media], Any], set[str]]] = [
    ("人工智能.zip", lambda p, m: ag.zip_of(p, {"人工智能.mp4": m.video}), set()),
    ("deflated/人工智能.zip", lambda p, m: ag.zip_of(p, {"人工智能.mp4": m.video}, stored=False), set()),
    ("case/优秀案例.zip", lambda p, m: ag.zip_of(p, {"案例.docx": m.docx, "图片/01.jpg": m.jpeg}), set()),
    ("unicode-path/人工智能.zip", lambda p, m: ag.unicode_path_zip(p, {"人工智能.mp4": m.video}), set()),
    ("7z/人工智能.7z", lambda p, m: ag.seven_zip(p, {"人工智能.mp4": m.video}), {"A001"}),
    ("targz.zip", lambda p, m: ag.targz_named_zip(p, {"人工智能.mp4": m.video}), {"A001"}),
    ("text.zip", lambda p, m: p.write_text("这不是压缩包\n", encoding="utf-8"), {"A001"}),
    ("zip-named.rar", lambda p, m: ag.zip_of(p, {"readme.txt": b"hello\n"}), {"A001"}),
    ("encrypted.zip", lambda p, m: ag.encrypted_zip(p), {"A003"}),
    ("encrypted/人工智能.zip", lambda p, m: ag.encrypted_zip(p, {"人工智能.mp4": m.video}), {"A003"}),
    ("encrypted-aes.7z", lambda p, m: ag.seven_zip(p, {"secret.txt": b"x" * 100}, password="x"), {"A001", "A003"}),
    ("encrypted-names.7z", lambda p, m: ag.seven_zip(p, {"secret.txt": b"x" * 100}, password="x",
                                                     header_encryption=True), {"A001", "A003"}),
    ("slip-up.zip", lambda p, m: ag.zip_slip(p, "../evil.txt"), {"A004"}),
    ("slip-deep.zip", lambda p, m: ag.zip_slip(p, "a/../../evil.txt"), {"A004"}),
    ("slip-backslash.zip", lambda p, m: ag.zip_slip(p, "..\\evil.txt"), {"A004"}),
    ("slip-video.zip", lambda p, m: ag.zip_slip(p, "../evil.mp4", m.video), {"A004"}),
    ("absolute-posix.zip", lambda p, m: ag.absolute_paths_zip(p, ("/etc/evil",)), {"A004"}),
    ("absolute-drive.zip", lambda p, m: ag.absolute_paths_zip(p, ("C:\\evil.txt",)), {"A004"}),
    ("absolute-drive-slash.zip", lambda p, m: ag.absolute_paths_zip(p, ("C:/evil.txt",)), {"A004"}),
    ("symlink.zip", lambda p, m: ag.symlink_zip(p, target=m.outside), {"A004"}),
    ("device.zip", lambda p, m: ag.device_zip(p), {"A004"}),
    ("junk/优秀案例.zip", lambda p, m: ag.junk_zip(p, {"案例.docx": m.docx, "图片/01.jpg": m.jpeg}), {"A005"}),
    ("gbk/人工智能.zip", lambda p, m: ag.gbk_names_zip(p, {"人工智能.mp4": m.video}), {"A006"}),
    ("bomb.zip", lambda p, m: ag.deflate_bomb(p, megabytes=300), {"A007"}),
    ("many-entries.zip", lambda p, m: ag.many_entries(p, n=11_000), {"A007"}),
    ("truncated.zip", _from(_texts_zip, lambda p, src: ag.truncated(p, src, 0.6)), {"A008"}),
    ("crc-broken.zip", _from(_texts_zip, lambda p, src: ag.crc_broken(p, src, index=1)), {"A008"}),
    ("lying-sizes.zip", lambda p, m: ag.lying_bomb(p, megabytes=300, claimed=4096), {"A008"}),
    ("nested.zip", lambda p, m: ag.nested_zip(p), {"A009"}),
    ("z01/作品.z01", _from(_texts_zip, lambda p, src: ag.split_volume(p, src)), {"A010"}),
    ("001/作品.zip.001", _from(_texts_zip, lambda p, src: ag.split_volume(p, src)), {"A010"}),
    ("last-disk.zip", _from(_texts_zip, lambda p, src: ag.last_disk_zip(p, src, disk=1)), {"A010"}),
    ("zip-s/作品.zip", lambda p, m: _split_last(p), {"A010"}),
    ("hidden-first.zip", lambda p, m: ag.hidden_entry_zip(p, {"readme.txt": b"hello\n"}, {"../evil.txt": b"pwned\n"},
                                                         first=True), {"A004"}),
    ("hidden-streamed.zip", lambda p, m: ag.hidden_entry_zip(p, TEXTS, {"../evil.mp4": m.video}, stored=False,
                                                            streamed=True), {"A004"}),
    ("hidden-crc.zip", lambda p, m: ag.hidden_entry_zip(p, TEXTS, {"b.txt": b"x" * 300}, flip=True), {"A008"}),
    ("two-videos/人工智能.zip",
     lambda p, m: ag.zip_of(p, {"人工智能.mp4": m.video, "人工智能-2.mp4": m.video}), {"A011"}),
    ("no-video/人工智能.zip", lambda p, m: ag.zip_of(p, {"案例.docx": m.docx}), {"A011"}),
    ("two-docs/优秀案例.zip", lambda p, m: ag.zip_of(p, {"案例.docx": m.docx, "案例2.docx": m.docx}), {"A011"}),
    ("empty.zip", lambda p, m: ag.empty_zip(p), {"A012"}),
    ("folders-only.zip", lambda p, m: ag.empty_zip(p, ("作品", "作品/视频")), {"A012"}),
    ("zero-bytes.zip", lambda p, m: p.write_bytes(b""), {"A012"}),
] + [
    case for v in (4, 5) for case in [
        (f"rar{v}/人工智能.rar", _rar(v), set()),
        (f"rar{v}-encrypted.rar", _rar(v, entries=[("secret.txt", b"x" * 100)], encrypted=True), {"A003"}),
        (f"rar{v}-volume.part1.rar", _rar(v, entries=[("a.txt", b"x" * 100)], volume=1), {"A010"}),
        (f"rar{v}-volume.part2.rar", _rar(v, entries=[("a.txt", b"x" * 100)], volume=2), {"A010"}),
        (f"rar{v}-symlink.rar", _rar(v, entries=[("a.txt", b"x")], symlinks=[("link", "/tmp")]), {"A004"}),
        (f"rar{v}-truncated.rar",
         _from(lambda p, v=v: rarwriter.write_rar(p.with_suffix(".rar"), list(TEXTS.items()), version=v),
               lambda p, src: ag.truncated(p, src, 0.6)), {"A008"}),
        # Made by RAR itself with -hp (tests/data/README.md): even the names need the password.
        (f"rar{v}-encrypted-headers.rar",
         lambda p, m, v=v: shutil.copyfile(DATA / ("rar5-hpsw.rar" if v == 5 else "rar3-comment-hpsw.rar"), p),
         {"A003"}),
    ]
]

# The RAR cases hold stored entries, which rarfile reads itself: no extraction tool is needed
# (compressed RAR, the tool choice and A013: tests/test_archive_tools.py).
UNSAFE = [c for c, _, rules in CASES if rules & {"A004", "A007"} or c == "lying-sizes.zip"]


def _marks(case: str) -> list[pytest.MarkDecorator]:
    if case.endswith(".rar") and case != "zip-named.rar":
        if rarwriter is None:
            return [pytest.mark.skip(reason="tests/rarwriter.py is not there to write RAR archives")]
    if case.startswith("zip-s/") and shutil.which("zip") is None:
        return [pytest.mark.skip(reason="no zip tool to make a split zip: apt-get install zip")]
    return []


def params(cases: list[tuple]) -> list:
    """(case, ..., expectation) rows as parameters (case, expectation), skipped when a tool is missing."""
    return [pytest.param(c[0], c[-1], id=c[0], marks=_marks(c[0])) for c in cases]


@pytest.fixture(scope="session")
def media(good_video: Path, tmp_path_factory: pytest.TempPathFactory) -> Media:
    folder = tmp_path_factory.mktemp("media")
    docx = docgen.make_docx(folder / "案例.docx", paragraphs=[docgen.chinese_text(120)],
                            pictures=docgen.compliant_pictures(5))
    return Media(good_video.read_bytes(), docx.read_bytes(), docgen.jpeg(seed=3),
                 str(tmp_path_factory.getbasetemp()))


@pytest.fixture(scope="session")
def crafted(tmp_path_factory: pytest.TempPathFactory, media: Media) -> Callable[[str], Path]:
    """crafted(case): the case's archive, made once per session in a folder of its own."""
    folder = tmp_path_factory.mktemp("archives")
    builders = {case: build for case, build, _ in CASES}
    made: dict[str, Path] = {}

    def make(case: str) -> Path:
        if case not in made:
            path = folder / f"{len(made):02d}" / Path(case).name
            path.parent.mkdir()
            builders[case](path, media)
            made[case] = path
        return made[case]

    return make


def archive_result(path: Path, profile: Any = PROFILE) -> tuple[FileResult, dict[str, FileResult]]:
    """The archive's own FileResult, and those of the files inside by inner path."""
    report = check([path], rules=profile)
    outer = report.files[0]
    assert (outer.kind, outer.path) == ("archive", str(path)), outer
    inner = {r.path.removeprefix(f"{outer.path}!"): r for r in report.files[1:]}
    assert all(r.path.startswith(f"{outer.path}!") for r in report.files[1:]), report.files
    return outer, inner


def rules_of(result: FileResult) -> set[str]:
    return {f.rule for f in result.findings}


@pytest.mark.parametrize("case,expected", params(CASES))
def test_archive_rule_fires_exactly(crafted, case, expected):
    outer, _ = archive_result(crafted(case))
    assert rules_of(outer) == expected


def test_every_archive_rule_has_a_breaking_case():
    # A002: test_a002_at_the_limit; A013 depends on the RAR tools present: tests/test_archive_tools.py
    covered = set().union(*(c[2] for c in CASES)) | {"A002", "A013"}
    assert covered == {f"A{n:03d}" for n in range(1, 14)}


# (a case holding just a compliant 人工智能.mp4, the archive's format fact)
INSIDE = [
    ("人工智能.zip", "zip"), ("deflated/人工智能.zip", "zip"), ("unicode-path/人工智能.zip", "zip"),
    ("7z/人工智能.7z", "7z"), ("rar4/人工智能.rar", "rar"), ("rar5/人工智能.rar", "rar"),
]


@pytest.mark.parametrize("case,fmt", params(INSIDE))
def test_video_inside_is_checked_at_its_inner_path(crafted, media, case, fmt):
    path = crafted(case)
    outer, inner = archive_result(path)
    facts = {k: outer.facts.get(k) for k in ("format", "size_bytes", "entries", "unpacked_bytes")}
    assert facts == {"format": fmt, "size_bytes": path.stat().st_size, "entries": 1,
                     "unpacked_bytes": len(media.video)}
    assert list(inner) == ["人工智能.mp4"] and inner["人工智能.mp4"].kind == "video"
    assert rules_of(inner["人工智能.mp4"]) == set()
    # Under the real 2023 durations the 3-second clip is too short: found at its inner path.
    _, strict = archive_result(path, profile_mod.load("2023"))
    video = strict["人工智能.mp4"]
    assert rules_of(video) == {"V005"} and {f.location for f in video.findings} == {video.path}


@pytest.mark.parametrize("case", ["case/优秀案例.zip", "junk/优秀案例.zip"])
def test_case_archive_inspects_document_and_picture_not_junk(crafted, case):
    _, inner = archive_result(crafted(case))
    assert {name: r.kind for name, r in inner.items() if "!" not in name} == {
        "案例.docx": "document", "图片/01.jpg": "image"}
    assert all(rules_of(r) == set() for r in inner.values())


@pytest.mark.parametrize("case", ["encrypted/人工智能.zip", "slip-video.zip", "nested.zip", "bomb.zip",
                                  "many-entries.zip"])
def test_encrypted_unsafe_nested_and_bomb_entries_are_not_inspected(crafted, case):
    _, inner = archive_result(crafted(case))
    assert inner == {}


@pytest.mark.parametrize("case,fmt", [("targz.zip", "gzip"), ("text.zip", "unknown"),
                                      ("encrypted-aes.7z", "7z"), ("zip-named.rar", "zip")])
def test_format_is_named_by_content(crafted, case, fmt):
    assert archive_result(crafted(case))[0].facts["format"] == fmt


@pytest.mark.parametrize("case,variant", [("bomb.zip", "ratio"), ("many-entries.zip", "entries")])
def test_a007_says_which_limit(crafted, case, variant):
    (a007,) = archive_result(crafted(case))[0].findings
    assert (a007.rule, a007.variant) == ("A007", variant)


def test_a002_at_the_limit(crafted):
    path = crafted("人工智能.zip")
    size = path.stat().st_size
    at = profile_mod.parse(profile_text(**SHORT, max_bytes=size), source="<at>")
    below = profile_mod.parse(profile_text(**SHORT, max_bytes=size + 1), source="<below>")
    assert rules_of(archive_result(path, at)[0]) == {"A002"}
    assert rules_of(archive_result(path, below)[0]) == set()


def test_a006_shows_the_name_decoded_as_gbk(crafted):
    outer, _ = archive_result(crafted("gbk/人工智能.zip"))
    (a006,) = outer.findings
    assert a006.values["decoded"] == "人工智能.mp4"
    assert "人工智能.mp4" in finding_message(a006, "zh")


@pytest.mark.parametrize("case", [pytest.param(c, marks=_marks(c)) for c in UNSAFE])
def test_nothing_is_written_outside_the_temporary_folder(crafted, media, tmp_path, monkeypatch, case):
    path = crafted(case)
    scratch, cwd = tmp_path / "tmp", tmp_path / "cwd"
    scratch.mkdir(), cwd.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.chdir(cwd)
    outside = Path(media.outside)
    before = set(outside.rglob("*"))
    check([path], rules=PROFILE)
    assert list(scratch.iterdir()) == [] and list(cwd.iterdir()) == []
    assert set(outside.rglob("*")) - before == set()
    assert list(outside.rglob("evil*")) == [] and not Path("/etc/evil").exists()


def _limit_file_size() -> None:
    """In the child: no file the checker writes may pass 64 MiB (a bomb inflated to disk would)."""
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (64 << 20, 64 << 20))


@pytest.mark.parametrize("case,expected", params(CASES))
def test_cli_survives_every_crafted_archive(crafted, short_rules, tmp_path, case, expected):
    path = crafted(case)
    env = {**os.environ, "KCSUBMIT_LANG": "zh", "NO_COLOR": "1", "TMPDIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "kcsubmit", "check", "-f", "json", "--rules", str(short_rules), str(path)],
        capture_output=True, text=True, encoding="utf-8", env=env, stdin=subprocess.DEVNULL, timeout=60,
        preexec_fn=_limit_file_size if sys.platform.startswith("linux") else None)
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    outer = report["files"][0]
    assert (outer["path"], outer["kind"]) == (str(path), "archive")
    assert {f["rule"] for f in outer["findings"]} == expected
    assert proc.returncode == (1 if report["summary"]["errors"] else 0)
    assert list(tmp_path.iterdir()) == []

"""`kcsubmit fix` on archives: repacked into a clean zip, with what is inside repaired."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from kcsubmit import profile as profile_mod
from kcsubmit.engine import check
from kcsubmit.fixers import FixOptions
from kcsubmit.repair import fix

import archivegen
from conftest import profile_text
from rarwriter import write_rar

SHORT = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5), "<short>")


def rules_everywhere(path: Path) -> set[str]:
    return {f.rule for r in check([path], rules=SHORT).files for f in r.findings}


@pytest.fixture(scope="module")
def clip(make_video) -> bytes:
    return make_video("人工智能.mp4").read_bytes()


@pytest.mark.parametrize("name,make,rule", [
    ("seven.7z", lambda p, v: archivegen.seven_zip(p, {"人工智能.mp4": v}), "A001"),
    ("targz.zip", lambda p, v: archivegen.targz_named_zip(p, {"人工智能.mp4": v}), "A001"),
    ("rar5.rar", lambda p, v: write_rar(p, [("人工智能.mp4", v), (".DS_Store", b"x")], version=5), "A005"),
    ("junk.zip", lambda p, v: archivegen.junk_zip(p, {"人工智能.mp4": v}), "A005"),
    ("gbk.zip", lambda p, v: archivegen.gbk_names_zip(p, {"人工智能.mp4": v}), "A006"),
])
def test_repack_removes_the_rule(tmp_path, clip, name, make, rule):
    src = make(tmp_path / name, clip)
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    if rule:
        assert rule in {f.rule for f in check([src], rules=SHORT).files[0].findings}
    report = fix([src], tmp_path / "out", rules=SHORT)
    done, = report.files
    out = Path(done.output)
    assert done.action == "repacked" and out.suffix == ".zip"
    assert rules_everywhere(out) == set(), [f.rule for f in done.after]
    with zipfile.ZipFile(out) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["人工智能.mp4"]
        assert infos[0].flag_bits & 0x800 and infos[0].compress_type == zipfile.ZIP_STORED
        assert z.read("人工智能.mp4") == clip
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("name,make,rule", [
    ("ok.rar", lambda p, v: write_rar(p, [("人工智能.mp4", v)], version=5), None),
    ("slip.zip", lambda p, v: archivegen.zip_of(p, {"人工智能.mp4": v, "../evil.txt": b"x"}), "A004"),
])
def test_nothing_fixable_is_copied(tmp_path, clip, name, make, rule):
    """A compliant rar is accepted as it is; A004 is not fixable (SPEC §3): copied, said."""
    src = make(tmp_path / name, clip)
    done, = fix([src], tmp_path / "out", rules=SHORT).files
    assert done.action == "copied" and Path(done.output).read_bytes() == src.read_bytes()
    assert {f.rule for f in done.after} == ({rule} if rule else set())


def test_video_inside_is_repaired(tmp_path, make_video):
    portrait = make_video("portrait.mp4", rotation=90).read_bytes()
    src = archivegen.zip_of(tmp_path / "人工智能.zip", {"人工智能.mov": portrait})
    assert {"V001", "V003", "V004"} <= rules_everywhere(src)
    report = fix([src], tmp_path / "out", rules=SHORT, options=FixOptions(encoder="libx264"))
    out = Path(report.files[0].output)
    assert rules_everywhere(out) == set()
    with zipfile.ZipFile(out) as z:
        assert z.namelist() == ["人工智能.mp4"]


def test_archive_over_the_limit_is_refitted(tmp_path, make_video):
    big = make_video("big.mp4", bitrate="8M").read_bytes()
    tight = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5, max_bytes=int(len(big) * 0.7)), "<t>")
    src = archivegen.zip_of(tmp_path / "人工智能.zip", {"人工智能.mp4": big})
    assert "A002" in {f.rule for f in check([src], rules=tight).files[0].findings}
    done, = fix([src], tmp_path / "out", rules=tight, options=FixOptions(encoder="libx264")).files
    assert done.action == "repacked" and done.after == ()
    assert Path(done.output).stat().st_size < len(big) * 0.7

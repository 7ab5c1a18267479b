"""`kcsubmit pack`: upload-ready archives, verified, byte-identical, never half-written."""

from __future__ import annotations

import hashlib
import json
import resource
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import make_demo
import pytest
from test_cli import kcsubmit

from kcsubmit import profile as profile_mod
from kcsubmit.engine import check
from kcsubmit.fixers import FixOptions
from kcsubmit.packing import pack

import docgen
from conftest import profile_text

SHORT = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5), "<short>")
STUDIO = "示例中学青少年科学工作室"


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def studio(tmp_path, make_video):
    """A compliant submission (under the short profile) with a manifest."""
    root = tmp_path / "studio"
    (root / "videos").mkdir(parents=True)
    shutil.copy(make_video("good.mp4"), root / "videos" / "ai.mp4")
    shutil.copy(make_video("good.mp4"), root / "videos" / "rocket.mp4")
    docgen.make_docx(root / "case" / "案例.docx", paragraphs=[docgen.chinese_text(100)],
                     pictures=docgen.compliant_pictures(5))
    (root / "kcsubmit.toml").write_text(f'''studio = "{STUDIO}"
[themes]
"人工智能" = "videos/ai.mp4"
"逐梦航天" = "videos/rocket.mp4"
[case]
document = "case/案例.docx"
''', encoding="utf-8")
    return root


def names(archive: Path) -> list[str]:
    with zipfile.ZipFile(archive) as z:
        return z.namelist()


def test_archives_hold_exactly_the_entries_of_spec(studio, tmp_path):
    report = pack(studio, tmp_path / "dist", rules=SHORT)
    assert report.ok, report.blocking
    files = sorted(p.name for p in (tmp_path / "dist").glob("*.zip"))  # and the hidden output marker
    assert files == [f"{STUDIO}-人工智能.zip", f"{STUDIO}-优秀案例.zip", f"{STUDIO}-逐梦航天.zip"]
    assert names(tmp_path / "dist" / f"{STUDIO}-人工智能.zip") == [f"{STUDIO}-人工智能.mp4"]
    # No loose pictures named: the document's own pictures, in its order.
    assert names(tmp_path / "dist" / f"{STUDIO}-优秀案例.zip") == [
        f"{STUDIO}-优秀案例.docx", *(f"图片/{i:02d}.jpg" for i in range(1, 6))]
    for archive in (tmp_path / "dist").glob("*.zip"):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                assert info.flag_bits & 0x800 and info.compress_type == zipfile.ZIP_STORED
                assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert check([archive], rules=SHORT).errors == 0


def test_packing_twice_gives_byte_identical_archives(studio, tmp_path):
    first = pack(studio, tmp_path / "a", rules=SHORT)
    second = pack(studio, tmp_path / "b", rules=SHORT)
    assert [a.sha256 for a in first.archives] == [b.sha256 for b in second.archives]
    assert [sha(a.path) for a in first.archives] == [a.sha256 for a in first.archives]


def test_pack_fix_twice_gives_byte_identical_archives(studio, tmp_path):
    """A repaired document and a converted iPhone photo carry no time of the run."""
    docgen.make_docx(studio / "case" / "案例.docx", paragraphs=[docgen.chinese_text(100)],
                     pictures=[docgen.jpeg((1024, 768), fmt="PNG", seed=60), *docgen.compliant_pictures(4)])
    (studio / "case" / "照片").mkdir()
    (studio / "case" / "照片" / "IMG_0001.HEIC").write_bytes(docgen.heic((1024, 768), orientation=6))
    (studio / "case" / "照片" / "IMG_0002.jpg").write_bytes(docgen.jpeg(seed=61))
    manifest = studio / "kcsubmit.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + 'images = ["case/照片/*"]\n', encoding="utf-8")
    first = pack(studio, tmp_path / "a", rules=SHORT, fix=True)
    assert first.ok, first.blocking
    fixed = {f.output for f in first.fixed.files if f.output}
    assert any(o.endswith("案例.docx") for o in fixed) and any(o.endswith("IMG_0001.jpg") for o in fixed)
    time.sleep(2.1)  # past the 2-second step of zip timestamps
    second = pack(studio, tmp_path / "b", rules=SHORT, fix=True)
    assert [a.sha256 for a in first.archives] == [b.sha256 for b in second.archives]
    case = first.archives[-1]
    assert case.entries == (f"{STUDIO}-优秀案例.docx", "图片/01.jpg", "图片/02.jpg")
    assert check([case.path], rules=SHORT).errors == 0


def test_refuses_while_an_error_remains(studio, tmp_path, make_video):
    shutil.copy(make_video("portrait.mp4", rotation=90), studio / "videos" / "rocket.mp4")
    proc = kcsubmit("pack", str(studio), "-o", str(tmp_path / "dist"), "--rules", _rules_file(tmp_path))
    assert proc.returncode == 1
    assert "V003" in proc.stdout and "--fix" in proc.stdout and "没有生成任何压缩包" in proc.stdout
    assert not (tmp_path / "dist").exists() or list((tmp_path / "dist").iterdir()) == []


def test_fix_then_pack(studio, tmp_path, make_video):
    shutil.copy(make_video("portrait.mp4", rotation=90), studio / "videos" / "rocket.mp4")
    before = sha(studio / "videos" / "rocket.mp4")
    report = pack(studio, tmp_path / "dist", rules=SHORT, fix=True, options=FixOptions(encoder="libx264"))
    assert report.ok and len(report.archives) == 3
    assert sha(studio / "videos" / "rocket.mp4") == before
    assert check([tmp_path / "dist"], rules=SHORT).errors == 0


def test_dry_run_writes_nothing(studio, tmp_path):
    report = pack(studio, tmp_path / "dist", rules=SHORT, dry_run=True)
    assert report.ok and [p.name for p in report.plan][0] == f"{STUDIO}-人工智能.zip"
    assert not (tmp_path / "dist").exists()


def test_gbk_names_with_unicode_path_pass_a006(studio, tmp_path):
    report = pack(studio, tmp_path / "dist", rules=SHORT, name_encoding="gbk")
    archive = Path(report.archives[0].path)
    with zipfile.ZipFile(archive) as z:
        info = z.infolist()[0]
        assert not info.flag_bits & 0x800
        assert info.orig_filename.encode("cp437") == f"{STUDIO}-人工智能.mp4".encode("gbk")
    result = check([archive], rules=SHORT)
    assert result.errors == 0 and result.warnings == 0
    assert result.files[1].path.endswith(f"!{STUDIO}-人工智能.mp4")


def test_loose_pictures_and_no_loose_images(studio, tmp_path):
    (studio / "case" / "照片").mkdir()
    for i in range(3):
        (studio / "case" / "照片" / f"p{i}.jpg").write_bytes(docgen.jpeg(seed=40 + i))
    manifest = studio / "kcsubmit.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + 'images = ["case/照片/*.jpg"]\n', encoding="utf-8")
    loose = pack(studio, tmp_path / "a", rules=SHORT).archives[-1]
    assert loose.entries == (f"{STUDIO}-优秀案例.docx", "图片/01.jpg", "图片/02.jpg", "图片/03.jpg")
    bare = pack(studio, tmp_path / "b", rules=SHORT, loose_images=False).archives[-1]
    assert bare.entries == (f"{STUDIO}-优秀案例.docx",)


def test_folder_needs_a_studio(tmp_path, make_video):
    folder = tmp_path / "作品"
    folder.mkdir()
    shutil.copy(make_video("good.mp4"), folder / "人工智能.mp4")
    refused = pack(folder, tmp_path / "dist", rules=SHORT)
    assert [f.rule for _, f in refused.blocking] == ["S004"]
    done = pack(folder, tmp_path / "dist", rules=SHORT, studio="阳光小学")
    assert [Path(a.path).name for a in done.archives] == ["阳光小学-人工智能.zip"]


def _rules_file(tmp_path: Path) -> str:
    path = tmp_path / "short.toml"
    path.write_text(profile_text(min_duration_s=2, max_duration_s=5), encoding="utf-8")
    return str(path)


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_disk_full_leaves_no_archive_and_no_temporary_file(studio, tmp_path):
    dist = tmp_path / "dist"
    dist.mkdir()
    limit = 100_000  # bytes any one file may reach: the first archive (a video) cannot be written

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run([sys.executable, "-m", "kcsubmit", "pack", str(studio), "-o", str(dist), "--rules",
                           _rules_file(tmp_path)], capture_output=True, text=True, preexec_fn=small_disk, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert list(dist.iterdir()) == []


def test_demo_broken_as_generated_packs_with_fix(tmp_path_factory):
    demo = tmp_path_factory.mktemp("demo")
    make_demo.build(demo)
    dist = tmp_path_factory.mktemp("dist")
    proc = kcsubmit("pack", str(demo), "-o", str(dist), "--fix", "--encoder", "libx264")
    assert proc.returncode == 0, proc.stdout[-3000:]
    studio = "示例中学青少年科学工作室"
    expected = {f"{studio}-{t}.zip": [f"{studio}-{t}.mp4"] for t in ("人工智能", "逐梦航天", "美丽乡村", "助力双减")}
    expected[f"{studio}-优秀案例.zip"] = [f"{studio}-优秀案例.docx", "图片/01.jpg", "图片/02.jpg", "图片/03.jpg"]
    assert {p.name: names(p) for p in dist.glob("*.zip")} == expected
    assert kcsubmit("check", str(dist)).returncode == 0


# --- --format json (pack and fix) ---------------------------------------------------------


def test_pack_json_lists_each_archive_with_its_sha256(studio, tmp_path):
    out = tmp_path / "dist"
    proc = kcsubmit("pack", str(studio), "-o", str(out), "--rules", _rules_file(tmp_path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == "kcsubmit.pack/1" and data["ok"] is True and data["dry_run"] is False
    assert data["out_dir"] == str(out) and data["blocking"] == [] and data["fixed"] is None
    archives = data["archives"]
    assert [Path(a["path"]).name for a in archives] == [
        f"{STUDIO}-人工智能.zip", f"{STUDIO}-逐梦航天.zip", f"{STUDIO}-优秀案例.zip"]
    for archive in archives:
        assert set(archive) == {"path", "theme", "size_bytes", "sha256", "entries"}
        assert archive["sha256"] == sha(archive["path"])
        assert archive["size_bytes"] == Path(archive["path"]).stat().st_size
        assert archive["entries"] == names(Path(archive["path"]))
    assert [a["theme"] for a in archives] == ["人工智能", "逐梦航天", None]
    # The report to a file instead: the same JSON, stdout empty.
    report = tmp_path / "pack.json"
    again = kcsubmit("pack", str(studio), "-o", str(tmp_path / "dist2"), "--rules", _rules_file(tmp_path),
                     "-f", "json", "--report", str(report))
    assert again.returncode == 0 and again.stdout == "", again.stderr
    assert [a["sha256"] for a in json.loads(report.read_text(encoding="utf-8"))["archives"]] == \
        [a["sha256"] for a in archives]


def test_pack_json_blocking_and_dry_run(studio, tmp_path, make_video):
    dry = kcsubmit("pack", str(studio), "-o", str(tmp_path / "dist"), "--rules", _rules_file(tmp_path),
                   "--dry-run", "-f", "json")
    assert dry.returncode == 0, dry.stderr
    plan = json.loads(dry.stdout)
    assert plan["dry_run"] is True and plan["archives"] == [] and not (tmp_path / "dist").exists()
    first = plan["plan"][0]
    assert first["name"] == f"{STUDIO}-人工智能.zip" and first["theme"] == "人工智能"
    assert first["entries"] == [{"name": f"{STUDIO}-人工智能.mp4", "source": str(studio / "videos" / "ai.mp4")}]
    assert first["size_bytes"] == (studio / "videos" / "ai.mp4").stat().st_size
    shutil.copy(make_video("portrait.mp4", rotation=90), studio / "videos" / "rocket.mp4")
    proc = kcsubmit("pack", str(studio), "-o", str(tmp_path / "dist"), "--rules", _rules_file(tmp_path),
                    "-f", "json", "--lang", "en")
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["ok"] is False and data["archives"] == []
    blocking = {(Path(b["path"]).name, b["rule"]) for b in data["blocking"]}
    assert ("rocket.mp4", "V003") in blocking
    assert all(b["severity"] == "error" and b["message"] for b in data["blocking"])


def test_fix_json_lists_each_file_before_and_after(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "photo.png").write_bytes(docgen.jpeg((1024, 768), fmt="PNG", seed=3))
    (folder / "fine.jpg").write_bytes(docgen.compliant_pictures(1)[0])
    proc = kcsubmit("fix", str(folder), "-o", str(tmp_path / "out"), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["schema"] == "kcsubmit.fix/1" and data["ok"] is True and data["rules"] == "2023"
    assert data["out_dir"] == str(tmp_path / "out")
    files = {Path(f["source"]).name: f for f in data["files"]}
    png, fine = files["photo.png"], files["fine.jpg"]
    assert png["action"] == "converted" and Path(png["output"]).name == "photo.jpg"
    assert "I001" in {f["rule"] for f in png["before"]} and png["after"] == png["remaining"] == []
    assert fine["action"] == "copied" and fine["before"] == [] and fine["error"] is None
    assert Path(png["output"]).read_bytes()[:2] == b"\xff\xd8"  # a JPEG, as the report says

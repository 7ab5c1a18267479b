"""The manifest, the folder convention, S001–S005 and `kcsubmit init`."""

from __future__ import annotations

import json
import shutil

import pytest
from test_cli import assert_one_line_error, kcsubmit

from kcsubmit.engine import check
from kcsubmit.profile import load
from kcsubmit.rules.submission import suggest_theme

import docgen

PROFILE = load("2023")


@pytest.fixture
def studio(tmp_path, make_video):
    """A studio folder with two themed videos, a case document and two loose pictures."""
    (tmp_path / "videos").mkdir()
    for name in ("人工智能-作品.mp4", "逐梦航天-作品.mp4"):
        shutil.copy(make_video(name), tmp_path / "videos" / name)
    docgen.make_docx(tmp_path / "案例" / "案例.docx", paragraphs=[docgen.chinese_text(100)],
                     pictures=docgen.compliant_pictures())
    (tmp_path / "案例" / "图片").mkdir()
    for i in (1, 2):
        (tmp_path / "案例" / "图片" / f"0{i}.jpg").write_bytes(docgen.jpeg(seed=i))
    return tmp_path


def write_manifest(folder, text):
    (folder / "kcsubmit.toml").write_text(text, encoding="utf-8")
    return folder / "kcsubmit.toml"


GOOD = """studio = "示例中学青少年科学工作室"
[themes]
"人工智能" = "videos/人工智能-作品.mp4"
"逐梦航天" = "videos/逐梦航天-作品.mp4"
[case]
document = "案例/案例.docx"
images = ["案例/图片/*.jpg"]
"""


def whole(report) -> list[tuple[str, str | None]]:
    return sorted((f.rule, f.variant) for f in report.submission)


def test_manifest_names_what_is_checked(studio):
    write_manifest(studio, GOOD)
    report = check([studio], rules=PROFILE)
    kinds = [(r.kind, r.theme) for r in report.files if "!" not in r.path]
    assert kinds == [("video", "人工智能"), ("video", "逐梦航天"), ("document", None),
                     ("image", None), ("image", None)]
    assert report.submission == ()


@pytest.mark.parametrize("change,expected", [
    (lambda t: t.replace('studio = "示例中学青少年科学工作室"\n', ""), [("S004", "manifest")]),
    (lambda t: t.replace('"人工智能" =', '"双减" ='), [("S003", None)]),
    (lambda t: t.replace('"人工智能" =', '"AI" ='), [("S003", None)]),
    (lambda t: t.replace('"人工智能" =', '"宇宙探索" ='), [("S003", "nosuggest")]),
    (lambda t: t.replace("人工智能-作品.mp4", "丢了.mp4"), [("S005", None)]),
    (lambda t: t.replace("案例/案例.docx", "案例/没有.docx"), [("S005", None)]),
    (lambda t: t.replace("案例/图片/*.jpg", "照片/*.jpg"), [("S005", None)]),
    (lambda t: t.split("[themes]")[0] + "[themes]\n" + t.split("[case]")[1].join(["[case]", ""]), [("S001", None)]),
])
def test_submission_rules_fire(studio, change, expected):
    write_manifest(studio, change(GOOD))
    assert whole(check([studio], rules=PROFILE)) == expected


def test_s003_suggests_the_nearest_theme(studio):
    write_manifest(studio, GOOD.replace('"人工智能" =', '"双减" ='))
    finding, = check([studio / "kcsubmit.toml"], rules=PROFILE).submission
    assert finding.values["suggestion"] == "助力双减"


@pytest.mark.parametrize("name,theme", [
    ("双减", "助力双减"), ("AI", "人工智能"), ("ai", "人工智能"), ("人工只能", "人工智能"),
    ("航天", "逐梦航天"), ("乡村振兴", "美丽乡村"), ("美丽新乡村", "美丽乡村"), ("宇宙", None),
])
def test_suggest_theme(name, theme):
    assert suggest_theme(name, PROFILE) == theme


def test_folder_convention(studio, make_video):
    shutil.copy(make_video("second.mp4"), studio / "videos" / "人工智能-第二个.mp4")
    shutil.copy(make_video("untitled.mp4"), studio / "videos" / "无题.mp4")
    report = check([studio], rules=PROFILE)
    assert whole(report) == [("S002", None), ("S003", "unnamed")]
    s002 = next(f for f in report.submission if f.rule == "S002")
    assert s002.values["theme"] == "人工智能" and s002.values["count"] == 2


def test_single_files_are_no_submission(studio):
    report = check([studio / "videos" / "人工智能-作品.mp4", studio / "案例" / "案例.docx"], rules=PROFILE)
    assert report.submission == ()


@pytest.mark.parametrize("text,key", [
    ('studio = "x"\ncolour = "red"\n', "colour"),
    ('studio = 3\n', "studio"),
    ('[themes]\n"人工智能" = 5\n', "themes.人工智能"),
    ('[case]\ndocument = "a.docx"\nphotos = []\n', "case.photos"),
    ('[pack]\nname = "{studio}"\n', "pack.name"),
])
def test_bad_manifest_exits_2_naming_key(tmp_path, text, key):
    write_manifest(tmp_path, text)
    proc = kcsubmit("check", str(tmp_path))
    assert_one_line_error(proc)
    assert f"key '{key}'" in proc.stderr and "kcsubmit.toml" in proc.stderr


def test_no_path_reads_the_manifest_of_the_current_folder(studio):
    write_manifest(studio, GOOD.replace('"逐梦航天" = "videos/逐梦航天-作品.mp4"\n', ""))
    report = json.loads(kcsubmit("check", "-f", "json", cwd=studio).stdout)
    videos = [f["path"] for f in report["files"] if f["kind"] == "video"]
    assert videos == ["videos/人工智能-作品.mp4"]


def test_manifest_rules_path_is_relative_to_it(studio):
    from conftest import profile_text

    (studio / "2024.toml").write_text(profile_text(name='"2024"', min_duration_s=2), encoding="utf-8")
    write_manifest(studio, 'rules = "2024.toml"\n' + GOOD)
    assert check([studio]).rules == "2024"


def test_init_with_flags_writes_a_manifest_check_reads(studio):
    proc = kcsubmit("init", str(studio), "--studio", "阳光小学科学工作室", "--theme", "人工智能",
                    "--theme", "逐梦航天=videos/逐梦航天-作品.mp4")
    assert proc.returncode == 0, proc.stderr
    assert "kcsubmit check" in proc.stdout
    text = (studio / "kcsubmit.toml").read_text(encoding="utf-8")
    assert '"人工智能" = "videos/人工智能-作品.mp4"' in text and 'document = "案例/案例.docx"' in text
    report = check([studio], rules=PROFILE)
    assert report.submission == () and len([r for r in report.files if r.kind == "video"]) == 2


def test_init_never_overwrites_without_force(studio):
    original = write_manifest(studio, GOOD).read_bytes()
    assert_one_line_error(kcsubmit("init", str(studio), "--studio", "x"))
    assert (studio / "kcsubmit.toml").read_bytes() == original
    assert kcsubmit("init", str(studio), "--studio", "x", "--force").returncode == 0
    assert b'studio = "x"' in (studio / "kcsubmit.toml").read_bytes()


def test_init_refuses_unknown_theme_with_suggestion(studio):
    proc = kcsubmit("init", str(studio), "--studio", "x", "--theme", "双减")
    assert_one_line_error(proc)
    assert "助力双减" in proc.stderr and not (studio / "kcsubmit.toml").exists()


def test_init_without_a_terminal_needs_the_studio(studio):
    assert_one_line_error(kcsubmit("init", str(studio)))


def test_a_theme_archive_counts_as_that_themes_upload(studio, tmp_path):
    import zipfile

    with zipfile.ZipFile(studio / "人工智能.zip", "w") as z:
        z.write(studio / "videos" / "人工智能-作品.mp4", "人工智能.mp4")
    (studio / "videos" / "人工智能-作品.mp4").unlink()
    (studio / "videos" / "逐梦航天-作品.mp4").unlink()
    assert whole(check([studio], rules=PROFILE)) == []

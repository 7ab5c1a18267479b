"""The real entry point: exit codes, one-line errors, JSON against the schema."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from kcsubmit.profile import load as load_profile
from kcsubmit.rules import RULES

from conftest import profile_text

SCHEMA = json.loads((Path(__file__).parent / "report.schema.json").read_text(encoding="utf-8"))


def kcsubmit(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "KCSUBMIT_LANG": "zh", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "kcsubmit", *args], capture_output=True,
                          text=True, encoding="utf-8", env=full_env, cwd=cwd, timeout=120)


def assert_one_line_error(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kcsubmit: error:"), proc.stderr


def test_version():
    proc = kcsubmit("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == "kcsubmit 0.1.0"


def test_missing_path_exits_2_with_one_line(tmp_path):
    proc = kcsubmit("check", str(tmp_path / "nope.mp4"))
    assert_one_line_error(proc)
    assert "nope.mp4" in proc.stderr and "找不到" in proc.stderr
    english = kcsubmit("check", "--lang", "en", str(tmp_path / "nope.mp4"))
    assert "no such file or folder" in english.stderr


def test_bad_option_exits_2(good_video):
    assert_one_line_error(kcsubmit("check", "--format", "yaml", str(good_video)))
    assert_one_line_error(kcsubmit("check", "--jobs", "0", str(good_video)))


def test_exit_codes(good_video, make_video, short_rules):
    assert kcsubmit("check", "--rules", str(short_rules), str(good_video)).returncode == 0
    warned = make_video("silent.mp4", audio=None)
    assert kcsubmit("check", "--rules", str(short_rules), str(warned)).returncode == 0
    assert kcsubmit("check", "--strict", "--rules", str(short_rules), str(warned)).returncode == 1
    assert kcsubmit("check", str(good_video)).returncode == 1  # 3 s is too short under 2023


def test_json_validates_against_schema(tmp_path, make_video, short_rules):
    folder = tmp_path / "sub"
    folder.mkdir()
    for name, opts in {"人工智能.mov": {}, "逐梦航天-竖屏.mp4": {"rotation": 90}, "ok.mp4": {}}.items():
        (folder / name).write_bytes(make_video(name, **opts).read_bytes())
    (folder / "empty.mp4").write_bytes(b"")
    (folder / "notes.txt").write_text("hello", encoding="utf-8")
    proc = kcsubmit("check", "--format", "json", "--rules", str(short_rules), str(folder))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["schema"] == "kcsubmit.report/1" and report["rules"] == "2023"
    by_name = {Path(f["path"]).name: f for f in report["files"]}
    assert set(by_name) == {"人工智能.mov", "逐梦航天-竖屏.mp4", "ok.mp4", "empty.mp4"}
    assert by_name["人工智能.mov"]["theme"] == "人工智能"
    assert [f["rule"] for f in by_name["人工智能.mov"]["findings"]] == ["V001"]
    assert by_name["人工智能.mov"]["facts"]["container"] == "QuickTime"
    portrait = by_name["逐梦航天-竖屏.mp4"]
    assert {f["rule"] for f in portrait["findings"]} == {"V003", "V004"}
    assert (portrait["facts"]["display_width"], portrait["facts"]["display_height"]) == (1080, 1920)
    assert by_name["ok.mp4"]["findings"] == [] and by_name["ok.mp4"]["theme"] is None
    # The folder is a submission: the two videos whose names hold no theme get one S003 (issue 17).
    whole = report["submission"]["findings"]
    assert [(f["rule"], sorted(Path(p).name for p in f["actual"])) for f in whole] == [
        ("S003", ["empty.mp4", "ok.mp4"])]
    summary = report["summary"]
    assert summary == {"files": 4, "errors": 5, "warnings": 0, "infos": 0, "fixable": 3}
    assert report["ok"] is False
    assert [Path(s["path"]).name for s in report["skipped"]] == ["notes.txt"]


def test_json_report_english_messages(good_video):
    report = json.loads(kcsubmit("check", "--format", "json", "--lang", "en", str(good_video)).stdout)
    finding, = report["files"][0]["findings"]
    assert finding["rule"] == "V005" and finding["message"].startswith("The video lasts 3 s")
    assert set(finding) == {"rule", "severity", "fixable", "message", "location", "actual", "expected"}


def test_text_report_in_chinese_names_the_next_step(make_video, short_rules):
    proc = kcsubmit("check", "--rules", str(short_rules), str(make_video("quicktime.mov")))
    assert proc.returncode == 1
    assert "V001" in proc.stdout and "QuickTime" in proc.stdout
    assert "kcsubmit fix" in proc.stdout and "错误 1" in proc.stdout


def test_output_file_is_written_whole(tmp_path, good_video):
    out = tmp_path / "report.json"
    proc = kcsubmit("check", "--format", "json", "--output", str(out), str(good_video))
    assert proc.returncode == 1 and proc.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["errors"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_jobs_gives_the_same_report(tmp_path, make_video, short_rules):
    for name in ("a.mp4", "b.mov", "c.mp4"):
        (tmp_path / name).write_bytes(make_video(name).read_bytes())
    one = kcsubmit("check", "-f", "json", "--rules", str(short_rules), str(tmp_path)).stdout
    two = kcsubmit("check", "-f", "json", "-j", "3", "--rules", str(short_rules), str(tmp_path)).stdout
    assert one == two


def test_no_path_checks_current_folder(tmp_path, good_video, short_rules):
    (tmp_path / "clip.mp4").write_bytes(good_video.read_bytes())
    proc = kcsubmit("check", "--rules", str(short_rules), "-f", "json", cwd=tmp_path)
    assert [f["path"] for f in json.loads(proc.stdout)["files"]] == ["clip.mp4"]


def test_rules_lists_every_rule():
    proc = kcsubmit("rules", "--lang", "en")
    assert proc.returncode == 0
    for rule_id in ("V001", "V013", "D003", "I006", "A012", "S005"):
        assert rule_id in proc.stdout


def test_explain(tmp_path):
    zh = kcsubmit("explain", "V003")
    assert zh.returncode == 0 and "检查什么" in zh.stdout and "1920x1080" in zh.stdout
    en = kcsubmit("explain", "v006", "--lang", "en")
    assert en.returncode == 0 and "How to fix it by hand" in en.stdout
    assert_one_line_error(kcsubmit("explain", "X999"))


def test_bad_profile_exits_2_naming_key_and_file(tmp_path, good_video):
    bad = tmp_path / "2024.toml"
    bad.write_text(profile_text().replace("width = 1920", "widht = 1920"), encoding="utf-8")
    proc = kcsubmit("check", "--rules", str(bad), str(good_video))
    assert_one_line_error(proc)
    assert "2024.toml" in proc.stderr and "video.widht" in proc.stderr


def test_debug_shows_traceback_for_internal_errors(tmp_path):
    proc = kcsubmit("--debug", "check", str(tmp_path / "missing"))
    assert proc.returncode != 0 and "Traceback" in proc.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="POSIX only")
def test_fifo_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "clip.mp4"
    os.mkfifo(fifo)
    proc = kcsubmit("check", str(fifo))
    assert_one_line_error(proc)
    assert "不是普通文件" in proc.stderr


def test_legacy_code_page_does_not_crash(good_video):
    proc = subprocess.run([sys.executable, "-m", "kcsubmit", "check", "--lang", "en", str(good_video)],
                          capture_output=True, env={**os.environ, "PYTHONIOENCODING": "ascii"}, timeout=60)
    assert proc.returncode == 1 and b"Traceback" not in proc.stderr
    assert b"V005" in proc.stdout


def test_verbose_lists_every_rule_checked(good_video, short_rules):
    proc = kcsubmit("check", "-v", "--rules", str(short_rules), str(good_video))
    assert proc.returncode == 0
    profile = load_profile(short_rules)  # a rule whose numbers the profile does not give is not checked
    video_rules = [r.id for r in RULES.values() if r.kind == "video" and r.applies(profile)]
    for rule_id in video_rules:
        assert rule_id in proc.stdout
    assert proc.stdout.count("✓ 通过") == len(video_rules)

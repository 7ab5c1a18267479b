"""The demo submission, as `make demo` builds it, gets the findings it was made for."""

from __future__ import annotations

import json

import jsonschema
import make_demo
import pytest
from test_cli import SCHEMA, kcsubmit

# What the manifest names, and what each breaks (pictures inside the document by content).
EXPECTED = {
    "videos/人工智能-合格.mp4": set(),
    "videos/逐梦航天-竖屏.mp4": {"V003", "V004"},
    "videos/美丽乡村-4比3.mp4": {"V003", "V004"},
    "videos/助力双减-HEVC.mp4": {"V008", "V011"},
    "案例/科学工作室活动案例.docx": set(),
    "案例/图片/01.jpg": set(),
    "案例/图片/02.jpg": {"I001"},
    "案例/图片/03.jpg": {"I002"},
}
EMBEDDED = [set(), set(), {"I001"}, {"I002"}, {"I005"}, {"I004"}]

# The clips outside the manifest, each checked on its own.
OTHERS = {
    "助力双减-隔行.mp4": {"V007"},
    "人工智能-太短.mp4": {"V005"},
    "逐梦航天-苹果.mov": {"V001"},
    "美丽乡村-moov在末尾.mp4": {"V010"},
}


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    make_demo.build(folder)
    return folder


def rel(path: str, demo) -> str:
    return path.replace("\\", "/").split(demo.name + "/", 1)[1]


def test_demo_manifest_findings(demo):
    proc = kcsubmit("check", "--format", "json", str(demo))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    files = {rel(f["path"], demo): f for f in report["files"]}
    top = {p: {x["rule"] for x in f["findings"]} for p, f in files.items() if "!" not in p}
    assert top == EXPECTED
    embedded = [{x["rule"] for x in f["findings"]} for p, f in files.items() if "!" in p]
    assert embedded == EMBEDDED
    assert files["案例/科学工作室活动案例.docx"]["facts"]["images"] == 6
    themes = {f["theme"] for f in report["files"] if f["kind"] == "video"}
    assert themes == {"助力双减", "人工智能", "逐梦航天", "美丽乡村"}
    assert report["submission"]["findings"] == []


@pytest.mark.parametrize("name,expected", OTHERS.items())
def test_demo_other_clips(demo, name, expected):
    report = json.loads(kcsubmit("check", "--format", "json", str(demo / "videos" / name)).stdout)
    assert {f["rule"] for f in report["files"][0]["findings"]} == expected


def test_demo_text_report_is_chinese_and_readable(demo):
    proc = kcsubmit("check", str(demo))
    out = proc.stdout
    assert proc.returncode == 1 and proc.stderr == ""
    assert "视频带有" in out and "旋转标记" in out           # the portrait clip, in words
    assert "实际是 PNG 格式" in out and "CMYK" in out
    assert "人工智能-合格.mp4" in out.split("没有发现问题的文件")[1]
    assert "检查了 14 个文件：错误 8，警告 4" in out
    assert "kcsubmit fix" in out

"""The demo submission, as `make demo` builds it, gets the findings it was made for."""

from __future__ import annotations

import json

import make_demo
import pytest
from test_cli import SCHEMA, kcsubmit

import jsonschema

EXPECTED = {
    "人工智能-合格.mp4": set(),
    "逐梦航天-竖屏.mp4": {"V003", "V004"},
    "美丽乡村-4比3.mp4": {"V003", "V004"},
    "助力双减-HEVC.mp4": {"V008", "V011"},
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


def test_demo_findings_with_the_builtin_profile(demo):
    proc = kcsubmit("check", "--format", "json", str(demo))
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    found = {f["path"].replace("\\", "/").rsplit("/", 1)[-1]: {x["rule"] for x in f["findings"]}
             for f in report["files"]}
    assert found == EXPECTED
    assert {f["theme"] for f in report["files"]} == {"助力双减", "人工智能", "逐梦航天", "美丽乡村"}


def test_demo_text_report_is_chinese_and_readable(demo):
    proc = kcsubmit("check", str(demo))
    out = proc.stdout
    assert proc.returncode == 1 and proc.stderr == ""
    assert "视频带有" in out and "旋转标记" in out           # the portrait clip, in words
    assert "QuickTime" in out and "隔行扫描" in out
    assert "人工智能-合格.mp4" in out.split("没有发现问题的文件")[1]
    assert "检查了 8 个文件：错误 7，警告 3" in out
    assert "kcsubmit fix" in out

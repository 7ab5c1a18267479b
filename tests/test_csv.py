"""The CSV report through the real CLI: the bytes Excel on Chinese Windows opens."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kcsubmit.models import FileResult, Finding, Report, Severity
from kcsubmit.reporters import Options
from kcsubmit.reporters import csv as csv_reporter

BOM = b"\xef\xbb\xbf"
HEADER = ["path", "kind", "theme", "rule", "severity", "fixable", "message",
          "location", "actual", "expected"]
HAN = re.compile(r"[\u4e00-\u9fff]")


def kcsubmit(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """The CLI with stdout kept as bytes (``text=True`` would hide BOM and CRLF)."""
    full_env = {**os.environ, "KCSUBMIT_LANG": "zh", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "kcsubmit", *args], capture_output=True,
                          env=full_env, cwd=cwd, timeout=120)


def table(data: bytes) -> list[list[str]]:
    """The rows as Excel (and a script) reads them: BOM dropped, excel dialect."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def assert_excel_bytes(data: bytes, rows: int) -> None:
    """One BOM at the very start, every row ends CRLF, no bare CR or LF."""
    assert data.startswith(BOM) and data.count(BOM) == 1
    assert data.endswith(b"\r\n")
    assert data.count(b"\r\n") == data.count(b"\n") == data.count(b"\r") == rows


@pytest.fixture(scope="module")
def two_clips(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> Path:
    """A compliant clip and a QuickTime one (V001), both named after a theme."""
    folder = tmp_path_factory.mktemp("two") / "工作室"
    folder.mkdir()
    (folder / "人工智能.mp4").write_bytes(make_video("人工智能.mp4").read_bytes())
    (folder / "逐梦航天.mov").write_bytes(make_video("逐梦航天.mov").read_bytes())
    return folder


@pytest.fixture(scope="module")
def formula_name(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> Path:
    """A compliant clip whose name starts with "=" and holds no theme (S003)."""
    folder = tmp_path_factory.mktemp("formula") / "sub"
    folder.mkdir()
    (folder / "=cmd.mp4").write_bytes(make_video("good.mp4").read_bytes())
    return folder


def json_messages(folder: Path, rules: Path, lang: str) -> list[str]:
    """The finding messages of the JSON report, in report order (files, then submission)."""
    proc = kcsubmit("check", "-f", "json", "--lang", lang, "--rules", str(rules), cwd=folder)
    report = json.loads(proc.stdout.decode("utf-8"))
    found = [f for r in report["files"] for f in r["findings"]] + report["submission"]["findings"]
    return [f["message"] for f in found]


def test_rows_bom_and_crlf(two_clips, short_rules):
    proc = kcsubmit("check", "--jobs", "2", "--format", "csv", "--rules", str(short_rules), cwd=two_clips)
    assert proc.returncode == 1, proc.stderr
    assert_excel_bytes(proc.stdout, rows=3)
    header, ok, broken = table(proc.stdout)
    assert header == HEADER
    assert ok == ["人工智能.mp4", "video", "人工智能", "", "ok", "", "", "", "", ""]
    message = broken.pop(6)
    assert broken == ["逐梦航天.mov", "video", "逐梦航天", "V001", "error", "true", "", "QuickTime", "MPEG-4"]
    # The same words as the JSON report, in Chinese, naming the next step.
    assert [message] == json_messages(two_clips, short_rules, "zh")
    assert HAN.search(message) and "QuickTime" in message and "kcsubmit fix" in message


def test_english_messages(two_clips, short_rules):
    zh = table(kcsubmit("check", "-f", "csv", "--rules", str(short_rules), cwd=two_clips).stdout)
    proc = kcsubmit("check", "-f", "csv", "--lang", "en", "--rules", str(short_rules), cwd=two_clips)
    en = table(proc.stdout)
    assert en[0] == HEADER  # the header is English whatever the language
    message = en[2][6]
    assert [message] == json_messages(two_clips, short_rules, "en")
    assert not HAN.search(message) and message != zh[2][6]
    # Only the message changes with the language; names and values do not.
    assert [r[:6] + r[7:] for r in en] == [r[:6] + r[7:] for r in zh]


def test_output_file_has_the_same_bytes(two_clips, short_rules, tmp_path):
    out = tmp_path / "report.csv"
    args = ("check", "-f", "csv", "--rules", str(short_rules))
    screen = kcsubmit(*args, cwd=two_clips).stdout
    proc = kcsubmit(*args, "--output", str(out), cwd=two_clips)
    assert proc.returncode == 1 and proc.stdout == b""
    assert out.read_bytes() == screen
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def test_gbk_stdout_still_gets_utf8(two_clips, short_rules):
    """Redirected stdout on Chinese Windows encodes GBK; the CSV must not follow it."""
    args = ("check", "-f", "csv", "--rules", str(short_rules))
    gbk = kcsubmit(*args, cwd=two_clips, env={"PYTHONIOENCODING": "gbk"}).stdout
    assert gbk == kcsubmit(*args, cwd=two_clips).stdout


def test_submission_finding_is_a_row(formula_name, short_rules):
    proc = kcsubmit("check", "-f", "csv", "--rules", str(short_rules), str(formula_name))
    assert proc.returncode == 1, proc.stderr
    assert_excel_bytes(proc.stdout, rows=3)
    _, clip, whole = table(proc.stdout)
    assert clip[:6] == [str(formula_name / "=cmd.mp4"), "video", "", "", "ok", ""]
    path, kind, theme, rule, severity, fixable, message, location, actual, expected = whole
    assert (path, kind, theme, rule, severity, fixable) == (
        str(formula_name), "submission", "", "S003", "error", "false")
    assert "=cmd.mp4" in message and location == str(formula_name / "=cmd.mp4")
    assert json.loads(actual) == [str(formula_name / "=cmd.mp4")]  # the videos without a theme
    # A list is compact JSON in one cell, quoted the excel way (doubled quotes).
    assert json.loads(expected) == ["助力双减", "人工智能", "逐梦航天", "美丽乡村"]
    assert '"[""助力双减"",""人工智能"",' in proc.stdout.decode("utf-8-sig")


def test_formula_cells_get_an_apostrophe(formula_name, short_rules, tmp_path, make_video):
    # Checked from inside the folder, the paths start the cell: Excel would run "=cmd.mp4".
    proc = kcsubmit("check", "-f", "csv", "--rules", str(short_rules), cwd=formula_name)
    _, clip, whole = table(proc.stdout)
    assert clip[0] == "'=cmd.mp4"
    assert whole[0] == "." and whole[7] == "'=cmd.mp4" and json.loads(whole[8]) == ["=cmd.mp4"]
    # Every start OWASP names: = + - @ tab CR.
    for name in ("=a.mp4", "+a.mp4", "-a.mp4", "@a.mp4", "\ta.mp4", "\ra.mp4"):
        (tmp_path / name).write_bytes(make_video("good.mp4").read_bytes())
    rows = table(kcsubmit("check", "-f", "csv", "--rules", str(short_rules), cwd=tmp_path).stdout)
    assert sorted(r[0] for r in rows[1:] if r[1] == "video") == sorted(
        ["'=a.mp4", "'+a.mp4", "'-a.mp4", "'@a.mp4", "'\ta.mp4", "'\ra.mp4"])


def test_numbers_and_plain_cells_are_left_alone():
    # A bare number cannot be a formula; scripts keep a value they can parse.
    for cell in ("-3", "+1.5", "42", "人工智能.mp4", "a=b", ""):
        assert csv_reporter._neutralise(cell) == cell
    for cell in ("-3+cmd|' /C calc'!A0", "=1+1", "@SUM(A1)", "-", "+"):
        assert csv_reporter._neutralise(cell) == "'" + cell


def test_windows_stdout_gets_no_extra_cr():
    """Windows' stdout turns "\\n" into "\\r\\n" and encodes GBK; the reporter bypasses both."""
    report = Report(
        rules="2023",
        files=(FileResult("人工智能.mp4", "video", {}, theme="人工智能"),
               FileResult("坏.mov", "video", {}, findings=(
                   Finding("V001", Severity.ERROR, True, values={"container": "QuickTime"},
                           actual="QuickTime", expected=["MPEG-4", None], location=None),))),
        submission=(Finding("S004", Severity.ERROR, False, expected="studio name"),),
    )
    options = Options(lang="zh", target="工作室")
    windows = io.TextIOWrapper(io.BytesIO(), encoding="gbk", newline="\r\n")
    csv_reporter.render(report, windows, options)
    data = windows.buffer.getvalue()
    assert_excel_bytes(data, rows=4)
    assert table(data)[2][8:] == ["QuickTime", '["MPEG-4",null]']
    assert table(data)[3][:6] == ["工作室", "submission", "", "S004", "error", "false"]
    # A stream without a byte buffer gets the same text.
    plain = io.StringIO(newline="")
    csv_reporter.render(report, plain, options)
    assert plain.getvalue().encode("utf-8") == data

"""The CI formats through the real CLI: JUnit XML, GitHub workflow commands, ``--format auto``,
the exit codes of every format, and the pre-commit hook definition."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml, Skipped

from kcsubmit.models import FileResult, Finding, Report, Severity
from kcsubmit.models import Skipped as SkippedFile
from kcsubmit.reporters import Options, github, junit
from kcsubmit.rules import RULES

import archivegen as ag
import docgen
from conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

HAN = re.compile(r"[\u4e00-\u9fff]")
# GitHub's workflow-command syntax for a finding on a file (the title is the rule ID).
FILE_COMMAND = re.compile(r"^::(error|warning|notice) file=[^,:]+(,title=[A-Z]\d{3})?::.+$")
ANY_COMMAND = re.compile(r"^::(error|warning|notice) (file=[^,:]+,)?title=[A-Z]\d{3}::.+$")
FORMATS = ("text", "json", "csv", "junit", "github", "auto")


def kcsubmit(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The CLI with stdout as bytes; GITHUB_ACTIONS is taken out (these tests may run in Actions)."""
    base = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    full_env = {**base, "KCSUBMIT_LANG": "zh", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "kcsubmit", *args], capture_output=True,
                          env=full_env, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> Path:
    """A folder with something of every kind, judged under the 2023 rules.

    - 人工智能.zip holding 人工智能.mp4 (3 s: V005 error on ``ARCHIVE!INNER``) and .DS_Store (A005 warning);
    - 案例.docx with four JPEGs and one PNG (I001 error on ``DOC!word/media/image5.png``);
    - ok.mp4 and clip.mp4, loose clips whose names hold no theme (V005 each, and two S003
      findings for the submission: one testcase, two failures);
    - notes.txt, which no rule applies to (skipped).
    """
    folder = tmp_path_factory.mktemp("ci") / "工作室"
    folder.mkdir()
    clip = make_video("人工智能.mp4").read_bytes()
    ag.zip_of(folder / "人工智能.zip", {"人工智能.mp4": clip, ".DS_Store": b"\x00\x05\x16\x07junk"})
    docgen.make_docx(folder / "案例.docx", paragraphs=[docgen.chinese_text(120)],
                     pictures=docgen.compliant_pictures(4) + [docgen.jpeg(fmt="PNG", seed=20)])
    (folder / "ok.mp4").write_bytes(make_video("good.mp4").read_bytes())
    (folder / "clip.mp4").write_bytes(make_video("good.mp4").read_bytes())
    (folder / "notes.txt").write_text("备注\n", encoding="utf-8")
    return folder


def json_report(folder: Path, *args: str) -> dict[str, Any]:
    proc = kcsubmit("check", "-f", "json", *args, str(folder))
    return json.loads(proc.stdout.decode("utf-8"))


def shown(value: Any) -> str:
    """A JSON value as the JUnit text writes it (containers as compact JSON)."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


# --- JUnit --------------------------------------------------------------------------------


def test_junit_mirrors_the_report(studio, tmp_path):
    out = tmp_path / "report.xml"
    proc = kcsubmit("check", "--format", "junit", "--output", str(out), str(studio))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == b""
    xml = JUnitXml.fromfile(str(out))
    report = json_report(studio)
    files = report["files"]

    suites = list(xml)
    names = [s.name for s in suites]
    assert names == [f["path"] for f in files] + ["submission"] + [s["path"] for s in report["skipped"]]
    # Files inside an archive or a document have suites of their own.
    assert str(studio / "人工智能.zip!人工智能.mp4") in names
    assert str(studio / "案例.docx!word/media/image5.png") in names

    for suite, result in zip(suites, files):
        cases = list(suite)
        assert [c.name for c in cases] == [f"{r} {RULES[r].name}" for r in sorted(result["rules_checked"])]
        assert [c.classname for c in cases] == [f"kcsubmit.{RULES[r].kind}" for r in sorted(result["rules_checked"])]
        for case in cases:
            rule = case.name.split()[0]
            errors = [f for f in result["findings"] if f["rule"] == rule and f["severity"] == "error"]
            others = [f for f in result["findings"] if f["rule"] == rule and f["severity"] != "error"]
            failures = [r for r in case.result if isinstance(r, Failure)]
            assert [(x.message, x.type) for x in failures] == [(f["message"], rule) for f in errors]
            assert case.is_passed == (not errors)
            for failure, finding in zip(failures, errors):
                assert failure.text.startswith(finding["message"])
                assert f"file: {result['path']}" in failure.text
                assert f"actual: {shown(finding['actual'])}" in failure.text
            if others:  # warnings and infos are told, not failed
                assert all(f"{f['severity']} {rule}: {f['message']}" in case.system_out for f in others)
            else:
                assert case.system_out is None
        assert suite.tests == len(cases)
        assert suite.failures == sum(1 for f in result["findings"] if f["severity"] == "error")
        assert suite.errors == 0 and suite.skipped == 0

    whole = suites[len(files)]
    assert {c.name.split()[0] for c in whole} == {f["rule"] for f in report["submission"]["findings"]}
    themeless = next(c for c in whole if c.name == "S003 submission-unknown-theme")
    # Videos without a theme in their names: one S003 naming them all (issue 17).
    assert [(r.type, Path(r.text.split("location: ")[1].splitlines()[0]).name) for r in themeless.result] == [
        ("S003", "clip.mp4")]
    assert "ok.mp4" in themeless.result[0].message
    assert whole.failures == len(report["submission"]["findings"]) >= 1
    assert all(c.classname == "kcsubmit.submission" for c in whole)
    skipped = suites[-1]
    assert skipped.tests == skipped.skipped == 1 and isinstance(next(iter(skipped)).result[0], Skipped)

    # Totals: failures are the error findings, as in the JSON summary.
    assert xml.failures == report["summary"]["errors"] > 0
    assert xml.tests == sum(s.tests for s in suites) and xml.errors == 0 and xml.skipped == 1
    recount = JUnitXml.fromfile(str(out))
    recount.update_statistics()
    assert (recount.tests, recount.failures, recount.errors, recount.skipped) == (
        xml.tests, xml.failures, xml.errors, xml.skipped)


def test_junit_named_failures_and_chinese_text(studio):
    proc = kcsubmit("check", "-f", "junit", str(studio))
    xml = JUnitXml.fromstring(proc.stdout)
    by_name = {s.name: s for s in xml}
    inner = by_name[str(studio / "人工智能.zip!人工智能.mp4")]
    case = next(c for c in inner if c.name == "V005 video-too-short")
    failure, = case.result
    assert failure.type == "V005" and HAN.search(failure.message) and "1分钟" in failure.message
    assert case.classname == "kcsubmit.video"
    picture = by_name[str(studio / "案例.docx!word/media/image5.png")]
    failure, = next(c for c in picture if c.name == "I001 image-not-jpeg").result
    assert failure.type == "I001" and "image5.png" in failure.message and "PNG" in failure.text
    archive = by_name[str(studio / "人工智能.zip")]
    junk = next(c for c in archive if c.name.startswith("A005 "))
    assert junk.is_passed and ".DS_Store" in junk.system_out and "warning A005" in junk.system_out


def test_junit_has_the_shape_gitlab_and_jenkins_read(studio):
    """testsuites → testsuite(name, tests, failures) → testcase(name, classname) → failure(message, type)."""
    data = kcsubmit("check", "-f", "junit", str(studio)).stdout
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    data.decode("utf-8")  # UTF-8, no BOM, whatever the console's code page
    assert not data.startswith(b"\xef\xbb\xbf")
    root = ET.fromstring(data)
    assert root.tag == "testsuites"
    assert {"tests", "failures", "errors", "skipped"} <= set(root.attrib)
    assert {child.tag for child in root} == {"testsuite"}
    failures = 0
    for suite in root:
        assert suite.get("name") and int(suite.get("tests")) == len(suite.findall("testcase")) > 0
        assert int(suite.get("failures")) == len(suite.findall("testcase/failure"))
        assert suite.get("errors") == "0"
        assert [c.tag for c in suite][:1] in (["properties"], ["testcase"])
        assert {c.tag for c in suite} <= {"properties", "testcase"}
        for case in suite.iter("testcase"):
            assert case.get("name") and case.get("classname", "").startswith("kcsubmit.")
            tags = [c.tag for c in case]
            assert set(tags) <= {"failure", "skipped", "system-out"}
            assert tags == sorted(tags, key=["failure", "skipped", "system-out"].index)
            for failure in case.iter("failure"):
                assert failure.get("message") and re.fullmatch(r"[A-Z]\d{3}", failure.get("type"))
                failures += 1
    assert int(root.get("failures")) == failures
    assert int(root.get("tests")) == len(root.findall("testsuite/testcase"))


def test_junit_in_english_keeps_names(studio):
    zh = JUnitXml.fromstring(kcsubmit("check", "-f", "junit", str(studio)).stdout)
    en = JUnitXml.fromstring(kcsubmit("check", "-f", "junit", "--lang", "en", str(studio)).stdout)
    report = json_report(studio, "--lang", "en")
    found = [f for r in report["files"] for f in r["findings"]] + report["submission"]["findings"]
    messages = sorted(f["message"] for f in found if f["severity"] == "error")
    assert sorted(r.message for s in en for c in s for r in c.result if isinstance(r, Failure)) == messages
    assert any(m.startswith("The video lasts 3 s") for m in messages)
    assert not any(HAN.search(m) for m in messages if m.startswith("The video lasts"))
    assert [(s.name, [(c.classname, c.name) for c in s]) for s in zh] == [
        (s.name, [(c.classname, c.name) for c in s]) for s in en]


def test_junit_survives_names_xml_cannot_hold():
    """Control characters and undecodable bytes in a file name: replaced, still valid XML."""
    odd = "a\x01<b>&\"c\udcff.mp4"
    report = Report(rules="2023", files=(
        FileResult(odd, "video", {}, findings=(
            Finding("V001", Severity.ERROR, True, values={"container": "QuickTime"},
                    actual="Quick<Time>", expected=["MPEG-4"]),), rules_checked=("V001",)),
        FileResult(f"{odd}!inner.mp4", "video", {}, rules_checked=("V001",))),
        skipped=(SkippedFile("x\x02.txt", "other:unknown"),))
    buffer = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    junit.render(report, buffer, Options(lang="en"))
    data = buffer.buffer.getvalue()
    xml = JUnitXml.fromstring(data)
    names = [s.name for s in xml]
    assert names == ["a\ufffd<b>&\"c\ufffd.mp4", "a\ufffd<b>&\"c\ufffd.mp4!inner.mp4", "x\ufffd.txt"]
    failure, = next(iter(next(iter(xml)))).result
    assert failure.type == "V001" and "actual: Quick<Time>" in failure.text
    assert 'expected: ["MPEG-4"]' in failure.text
    # The inner file's testcases name the outer file for GitLab's link.
    assert ET.fromstring(data).find("testsuite[2]/testcase").get("file") == "a\ufffd<b>&\"c\ufffd.mp4"


# --- GitHub -------------------------------------------------------------------------------


def test_github_one_command_per_finding(studio):
    proc = kcsubmit("check", "--format", "github", str(studio))
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.decode("utf-8").splitlines()
    report = json_report(studio)
    commands = [line for line in lines if line.startswith("::")]
    file_findings = [(r, f) for r in report["files"] for f in r["findings"]]
    assert len(commands) == len(file_findings) + len(report["submission"]["findings"])
    for line, (result, finding) in zip(commands, file_findings):
        assert FILE_COMMAND.match(line), line
        level = {"error": "error", "warning": "warning", "info": "notice"}[finding["severity"]]
        assert line.startswith(f"::{level} file=") and f",title={finding['rule']}::" in line
        outer = result["path"].split("!", 1)[0]
        assert line.startswith(f"::{level} file={outer},")  # the file in the repository
        message = line.split("::", 2)[2]
        if "!" in result["path"]:  # the inner path leads the message
            assert message.startswith(result["path"].split("!", 1)[1] + ": ")
        assert finding["message"] in message
    video = next(c for c in commands if ",title=V005::人工智能.mp4: " in c)
    assert video.startswith(f"::error file={studio / '人工智能.zip'},")
    picture = next(c for c in commands if ",title=I001::" in c)
    assert picture.startswith(f"::error file={studio / '案例.docx'},title=I001::word/media/image5.png: ")
    assert any(c.startswith("::warning ") and ",title=A005::" in c for c in commands)
    # A folder without a manifest: submission findings name no file.
    whole = commands[len(file_findings):]
    assert whole and all(ANY_COMMAND.match(c) and not c.startswith(("::error file=", "::warning file=")) for c in whole)
    assert any(c.startswith("::error title=S003::") for c in whole)
    # Then plain lines, the summary last; never a command.
    assert not lines[-1].startswith("::") and "错误" in lines[-1]
    assert lines[:len(commands)] == commands


def test_escape_functions():
    text = "100% done: a,b\r\nnext %0A"
    assert github.escape_data(text) == "100%25 done: a,b%0D%0Anext %250A"
    assert github.escape_property(text) == "100%25 done%3A a%2Cb%0D%0Anext %250A"
    finding = Finding("S005", Severity.WARNING, False)
    assert github.command(finding, "x: 1,\n2", file="a,b:c.mp4") == "::warning file=a%2Cb%3Ac.mp4,title=S005::x: 1,%0A2"
    assert github.command(Finding("V013", Severity.INFO, True), "50%") == "::notice title=V013::50%25"


def test_github_plain_lines_start_no_command():
    """A skipped file named with a line break and "::error" must not forge an annotation."""
    report = Report(rules="2023", files=(), skipped=(SkippedFile("x\n::error::forged.txt", "other:unknown"),))
    out = github.lines(report, Options(lang="en", target="."))
    assert [line for line in out if line.startswith("::")] == []
    assert any("x\\n::error::forged.txt" in line for line in github.lines(report, Options(lang="en")))


def test_github_escapes_and_names_the_manifest(tmp_path, good_video):
    """A manifest naming a file "50%: a,b<newline>c.mp4" that does not exist (S005)."""
    (tmp_path / "videos").mkdir()
    shutil.copy(good_video, tmp_path / "videos" / "ai.mp4")
    (tmp_path / "kcsubmit.toml").write_text(
        'studio = "示例中学"\n[themes]\n"人工智能" = "videos/ai.mp4"\n"逐梦航天" = "videos/50%: a,b\\nc.mp4"\n',
        encoding="utf-8")
    proc = kcsubmit("check", "-f", "github", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.decode("utf-8").splitlines()
    missing, = [line for line in lines if ",title=S005::" in line]
    assert missing.startswith("::error file=kcsubmit.toml,title=S005::")
    assert "videos/50%25: a,b%0Ac.mp4" in missing and "\r" not in missing
    assert all(FILE_COMMAND.match(line) for line in lines if line.startswith("::"))


# --- --format auto ------------------------------------------------------------------------


def test_auto_is_github_inside_actions_else_text(studio):
    github_lines = kcsubmit("check", "-f", "github", str(studio)).stdout
    inside = kcsubmit("check", "-f", "auto", str(studio), env={"GITHUB_ACTIONS": "true"})
    assert inside.returncode == 1 and inside.stdout == github_lines
    text = kcsubmit("check", str(studio)).stdout
    outside = kcsubmit("check", "-f", "auto", str(studio))
    assert outside.returncode == 1 and outside.stdout == text
    assert not outside.stdout.startswith(b"::") and "错误".encode() in outside.stdout
    assert kcsubmit("check", "-f", "auto", str(studio), env={"GITHUB_ACTIONS": "false"}).stdout == text
    # The default stays text, in Actions too.
    assert kcsubmit("check", str(studio), env={"GITHUB_ACTIONS": "true"}).stdout == text


# --- exit codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_exit_codes_do_not_depend_on_the_format(fmt, tmp_path, good_video, make_video, short_rules):
    rules = ("--rules", str(short_rules))
    silent = make_video("silent.mp4", audio=None)  # V009: a warning only
    env = {"GITHUB_ACTIONS": "true"} if fmt == "auto" else None
    assert kcsubmit("check", "-f", fmt, *rules, str(good_video), env=env).returncode == 0
    assert kcsubmit("check", "-f", fmt, *rules, str(silent), env=env).returncode == 0
    assert kcsubmit("check", "-f", fmt, "--strict", *rules, str(silent), env=env).returncode == 1
    assert kcsubmit("check", "-f", fmt, str(good_video), env=env).returncode == 1  # too short for 2023
    missing = kcsubmit("check", "-f", fmt, str(tmp_path / "nope.mp4"), env=env)
    assert missing.returncode == 2
    assert missing.stderr.decode("utf-8").strip().count("\n") == 0 and b"Traceback" not in missing.stderr


# --- pre-commit ---------------------------------------------------------------------------


def read_hooks(path: Path) -> list[dict[str, Any]]:
    """``.pre-commit-hooks.yaml``: with PyYAML when installed, else a reader for its simple form
    (a list of flat mappings; plain, single-quoted, ``[a, b]`` and true/false values)."""
    text = path.read_text(encoding="utf-8")
    try:
        import yaml
    except ImportError:
        pass
    else:
        return yaml.safe_load(text)
    hooks: list[dict[str, Any]] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("- "):
            hooks.append({})
            line = line[2:]
        assert hooks and line.startswith(("  ", "id:")), raw
        key, sep, value = line.strip().partition(": ")
        assert sep, raw
        hooks[-1][key] = _scalar(value.strip())
    return hooks


def _scalar(value: str) -> Any:
    if value.startswith("'") and value.endswith("'"):
        return value[1:-1].replace("''", "'")
    if value.startswith("[") and value.endswith("]"):
        return [_scalar(item.strip()) for item in value[1:-1].split(",") if item.strip()]
    return {"true": True, "false": False}.get(value, value)


def test_pre_commit_hooks(tmp_path, good_video):
    hooks = {hook["id"]: hook for hook in read_hooks(ROOT / ".pre-commit-hooks.yaml")}
    assert set(hooks) == {"kcsubmit-check", "kcsubmit-check-strict"}
    assert hooks["kcsubmit-check-strict"]["args"] == ["--strict"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    for hook in hooks.values():
        assert hook["entry"] == "kcsubmit check" and hook["entry"].split()[0] in scripts
        assert hook["language"] == "python" and hook["name"]
        assert hook["pass_filenames"] is True and hook["require_serial"] is True
        files = re.compile(hook["files"])  # pre-commit uses Python's re.search
        for name in ("videos/人工智能.mp4", "A.MOV", "clip.m4v", "x.mkv", "y.AVI", "案例.docx", "old.doc",
                     "案例.WPS", "图片/01.jpg", "p.JPEG", "p.png", "dist/a.zip", "b.rar", "c.7z",
                     "kcsubmit.toml", "studio/kcsubmit.toml", "KCSUBMIT.TOML"):
            assert files.search(name), name
        for name in ("notes.txt", "README.md", "a.mp4.bak", "zip", "mykcsubmit.toml", "kcsubmit.toml.orig"):
            assert not files.search(name), name

    # The entry runs: the console script pyproject declares, as pre-commit calls it.
    script = shutil.which("kcsubmit", path=str(Path(sys.executable).parent))
    command = [script] if script else [sys.executable, "-m", "kcsubmit"]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    env.update(KCSUBMIT_LANG="zh", NO_COLOR="1")
    for hook, code in ((hooks["kcsubmit-check"], 1), (hooks["kcsubmit-check-strict"], 1)):
        argv = command + hook["entry"].split()[1:] + hook.get("args", []) + [str(good_video)]
        proc = subprocess.run(argv, capture_output=True, env=env, timeout=120)
        assert proc.returncode == code, proc.stderr  # a 3 s clip is too short for 2023
        assert b"V005" in proc.stdout

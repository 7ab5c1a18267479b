"""The JUnit XML report, for the test views of GitLab, Jenkins and other CI servers.

The shape (what GitLab and Jenkins read: testsuites → testsuite → testcase →
failure with ``message`` and ``type``)::

    <testsuites name="kcsubmit" tests failures errors="0" skipped>
      <testsuite name="PATH" tests failures errors="0" skipped>   one per file checked,
          files inside an archive or a document too (``a.zip!人工智能.mp4``,
          ``案例.docx!word/media/image3.png``)
        <properties>  kind, and theme when known
        <testcase classname="kcsubmit.video" name="V003 video-not-1080p-frame" file="OUTER">
            one per rule checked on the file (``FileResult.rules_checked``), in ID order
          <failure message="…" type="V003">…</failure>   one per error finding of the rule
          <system-out>…</system-out>                      its warnings and infos (they do not fail)
      <testsuite name="submission">   the submission's findings, one testcase per rule found
      <testsuite name="PATH">         a file no rule applies to: one testcase, <skipped>
      <testsuite name="manual">       the profile's [[manual]] checks: one skipped testcase each

Every suite's properties name the ``profile`` that judged it; the manual suite's add its title,
file, whether it was verified against the notice and whether its deadline has passed.

``failure`` messages are the finding's words in the chosen language; element
text repeats them with the file, ``actual``, ``expected`` and ``location``, since
GitLab shows only the text and Jenkins groups tests by class, not by suite.
Everything else (names, classnames, types, labels) is language-neutral.

Counts: ``tests`` is the number of testcases, ``failures`` the number of
``<failure>`` elements (as junitparser counts them), so the root's ``failures``
equals ``summary.errors`` of the JSON report; ``skipped`` counts the manual checks and the files no rule
applies to.  Exit codes do not depend on the format: under ``--strict`` a
warning fails the run although it is no ``<failure>`` here.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import TextIO

from ..i18n import full_message, ui
from ..models import FileResult, Finding, Report, Severity, Skipped
from ..names import readable
from ..rules import RULES
from . import Options, outer_files, plain, write_utf8

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
SUBMISSION = "submission"
MANUAL = "manual"

# Characters XML 1.0 cannot carry at all, escaped or not (C0 controls but tab, LF
# and CR; lone surrogates from undecodable file names; U+FFFE/U+FFFF).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(report: Report, out: TextIO, options: Options) -> None:
    """Write ``report`` as JUnit XML to ``out``: UTF-8 bytes, with the XML declaration."""
    root = to_element(readable(report), options.lang, options.next_args)
    ET.indent(root, space="  ")
    write_utf8(out, DECLARATION + ET.tostring(root, encoding="unicode") + "\n")


def to_element(report: Report, lang: str, target: str = ".") -> ET.Element:
    """The ``<testsuites>`` element of a report."""
    root = ET.Element("testsuites", name="kcsubmit")
    outer = outer_files(report)
    for result in report.files:
        root.append(file_suite(result, lang, outer[result.path], target))
    if report.submission:
        root.append(submission_suite(report.submission, lang, target))
    for skipped in report.skipped:
        root.append(skipped_suite(skipped, lang))
    if report.profile is not None and report.profile.manual:
        root.append(manual_suite(report, lang))
    profile = report.profile.name if report.profile is not None else report.rules
    for suite in root.findall("testsuite"):  # which profile judged each file
        properties = suite.find("properties")
        if properties is None:
            properties = ET.Element("properties")
            suite.insert(0, properties)
        ET.SubElement(properties, "property", name="profile", value=_safe(profile))
    _totals(root, root.findall("testsuite"))
    return root


def manual_suite(report: Report, lang: str) -> ET.Element:
    """The profile's checks only a person can make: one skipped testcase each (never pass/fail)."""
    assert report.profile is not None
    suite = ET.Element("testsuite", name=MANUAL)
    properties = ET.SubElement(suite, "properties")
    for name, value in (("profile_title", report.profile.title), ("profile_source", report.profile.source),
                        ("profile_verified", "true" if report.profile.verified else "false"),
                        ("profile_deadline_passed", "true" if report.profile.deadline_passed else "false")):
        ET.SubElement(properties, "property", name=name, value=_safe(value))
    for item in report.profile.manual:
        case = ET.SubElement(suite, "testcase", classname="kcsubmit.manual", name=f"{item.id} {item.text('en')}")
        ET.SubElement(case, "skipped", message=_safe(f"{ui('manual_title', lang)} {item.text(lang)}"))
    _totals(suite, [suite])
    return suite


def file_suite(result: FileResult, lang: str, outer: str, target: str = ".") -> ET.Element:
    """One file's testsuite: a testcase per rule checked, failing on its error findings."""
    suite = ET.Element("testsuite", name=_safe(result.path))
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="kind", value=result.kind)
    if result.theme:
        ET.SubElement(properties, "property", name="theme", value=_safe(result.theme))
    found = _by_rule(result.findings)
    # A finding always comes from a rule checked; the union only guards against losing one.
    for rule_id in sorted({*result.rules_checked, *found}):
        suite.append(testcase(rule_id, found.get(rule_id, []), lang, target=target, fallback_kind=result.kind,
                              file=outer, path=result.path))
    _totals(suite, [suite])
    return suite


def submission_suite(findings: Iterable[Finding], lang: str, target: str = ".") -> ET.Element:
    """The submission as a whole: a testcase per rule that found something.

    The report does not record which submission rules ran without finding
    anything, so only those that found something are listed.
    """
    suite = ET.Element("testsuite", name=SUBMISSION)
    found = _by_rule(findings)
    for rule_id in sorted(found):
        suite.append(testcase(rule_id, found[rule_id], lang, target=target, fallback_kind=SUBMISSION))
    _totals(suite, [suite])
    return suite


def skipped_suite(skipped: Skipped, lang: str) -> ET.Element:
    """A file no rule applies to (a .txt in the folder): one skipped testcase."""
    suite = ET.Element("testsuite", name=_safe(skipped.path))
    case = ET.SubElement(suite, "testcase", classname="kcsubmit.other", name="not checked")
    reason = ui("skipped", lang, count=1, names=[skipped.path])
    ET.SubElement(case, "skipped", message=_safe(f"{reason} ({skipped.reason})"))
    _totals(suite, [suite])
    return suite


def testcase(rule_id: str, findings: list[Finding], lang: str, fallback_kind: str,
             file: str | None = None, path: str | None = None, target: str = ".") -> ET.Element:
    """One rule on one file: a ``<failure>`` per error, warnings and infos in ``<system-out>``."""
    rule = RULES.get(rule_id)
    case = ET.Element("testcase", classname=f"kcsubmit.{rule.kind if rule else fallback_kind}",
                      name=f"{rule_id} {rule.name}" if rule else rule_id)
    if file:
        case.set("file", _safe(file))  # GitLab links the test to this file of the repository
    notes: list[str] = []
    for finding in findings:
        if finding.severity is Severity.ERROR:
            failure = ET.SubElement(case, "failure", message=_safe(full_message(finding, lang, target)),
                                    type=finding.rule)
            failure.text = _safe(details(finding, lang, path, target))
        else:
            notes.append(f"{finding.severity.value} {finding.rule}: {details(finding, lang, path, target)}")
    if notes:  # after the failures: the order the JUnit schema gives
        ET.SubElement(case, "system-out").text = _safe("\n\n".join(notes))
    return case


def details(finding: Finding, lang: str, path: str | None = None, target: str = ".") -> str:
    """The finding's words, then ``file``, ``actual``, ``expected``, ``location`` lines."""
    lines = [full_message(finding, lang, target)]
    if path:
        lines.append(f"file: {path}")
    for key in ("actual", "expected", "location"):
        value = getattr(finding, key)
        if value is not None and not (key == "location" and value == path):
            lines.append(f"{key}: {plain(value)}")
    lines.append(f"fixable: {'true' if finding.fixable else 'false'}")
    return "\n".join(lines)


def _by_rule(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.rule, []).append(finding)
    return grouped


def _totals(element: ET.Element, suites: list[ET.Element]) -> None:
    """Set tests, failures, errors (always 0: a broken file is a failure) and skipped."""
    cases = [case for suite in suites for case in suite.findall("testcase")]
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(len(case.findall("failure")) for case in cases)))
    element.set("errors", "0")
    element.set("skipped", str(sum(len(case.findall("skipped")) for case in cases)))


def _safe(text: str) -> str:
    """``text`` with the characters XML cannot hold replaced by U+FFFD (ElementTree would not)."""
    return NOT_XML.sub("\ufffd", text)

"""The JSON report of SPEC §4 (schema ``kcsubmit.report/1``)."""

from __future__ import annotations

import json
from typing import Any, TextIO

from .. import __version__
from ..i18n import full_message
from ..models import Finding, Report
from ..names import readable
from . import Options

SCHEMA_ID = "kcsubmit.report/1"


def finding_dict(finding: Finding, lang: str) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "fixable": finding.fixable,
        "message": full_message(finding, lang),
        "location": finding.location,
        "actual": finding.actual,
        "expected": finding.expected,
    }


def to_dict(report: Report, lang: str = "zh") -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "tool": {"name": "kcsubmit", "version": __version__},
        "rules": report.rules,
        "ok": report.ok,
        "summary": {
            "files": len(report.files),
            "errors": report.errors,
            "warnings": report.warnings,
            "infos": report.infos,
            "fixable": report.fixable,
        },
        "files": [
            {
                "path": r.path,
                "kind": r.kind,
                "theme": r.theme,
                "facts": dict(r.facts),
                "findings": [finding_dict(f, lang) for f in r.findings],
                "rules_checked": list(r.rules_checked),
            }
            for r in report.files
        ],
        "submission": {"findings": [finding_dict(f, lang) for f in report.submission]},
        "skipped": [{"path": s.path, "reason": s.reason} for s in report.skipped],
    }


def render(report: Report, out: TextIO, options: Options) -> None:
    json.dump(to_dict(readable(report), options.lang), out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")

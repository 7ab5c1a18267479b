"""The JSON reports: check's of SPEC §4 (``kcsubmit.report/1``), fix's (``kcsubmit.fix/1``)
and pack's (``kcsubmit.pack/1``); the shapes are in the README."""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..i18n import full_message
from ..models import Finding, Fixed, FixPlan, FixReport, PackReport, Report
from ..names import readable
from ..version import __version__
from . import Options, write_utf8

SCHEMA_ID = "kcsubmit.report/1"
FIX_SCHEMA_ID = "kcsubmit.fix/1"
PACK_SCHEMA_ID = "kcsubmit.pack/1"
TOOL = {"name": "kcsubmit", "version": __version__}


def finding_dict(finding: Finding, lang: str, target: str = ".") -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "fixable": finding.fixable,
        "message": full_message(finding, lang, target),
        "location": finding.location,
        "actual": finding.actual,
        "expected": finding.expected,
    }


def to_dict(report: Report, lang: str = "zh", target: str = ".") -> dict[str, Any]:
    return {
        "schema": SCHEMA_ID,
        "tool": TOOL,
        "rules": report.rules,
        "profile": profile_dict(report),
        "manifest": report.manifest,
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
                "findings": [finding_dict(f, lang, target) for f in r.findings],
                "rules_checked": list(r.rules_checked),
                **_deliverable(r.deliverable),
            }
            for r in report.files
        ],
        "submission": {"findings": [finding_dict(f, lang, target) for f in report.submission]},
        "skipped": [{"path": s.path, "reason": s.reason, "ignored": s.ignored} for s in report.skipped],
        # Checks only a person can make (the profile's [[manual]]): a checklist, never pass/fail.
        "manual": [{"id": m.id, "text": m.text(lang)} for m in (report.profile.manual if report.profile else ())],
    }


def _deliverable(deliverable: str | None) -> dict[str, str]:
    """``{"deliverable": id}`` under a profile with deliverables; nothing otherwise (the keys of a
    theme/case report stay as they were)."""
    return {"deliverable": deliverable} if deliverable else {}


def profile_dict(report: Report) -> dict[str, Any] | None:
    """The profile that judged the report: ``source`` is its file, ``notice`` the call it was written from."""
    p = report.profile
    if p is None:
        return None
    return {"name": p.name, "title": p.title, "source": p.source, "verified": p.verified, "notice": dict(p.notice),
            "year": p.year, "deadline": p.deadline, "deadline_passed": p.deadline_passed}


def fix_dict(report: FixReport, lang: str = "zh") -> dict[str, Any]:
    return {
        "schema": FIX_SCHEMA_ID,
        "tool": TOOL,
        "rules": report.rules,
        "ok": report.ok,
        "out_dir": report.out_dir,
        "stopped": report.stopped,
        "dry_run": report.dry_run,
        "plan": plan_dict(report.plan, lang) if report.plan is not None else None,
        "files": [fixed_dict(f, lang) for f in report.files],
    }


def plan_dict(plan: FixPlan, lang: str) -> dict[str, Any]:
    """Each file's step, estimate and cache hit; the blocking errors with the option that clears them."""
    return {
        "seconds": round(plan.seconds, 1),
        "files": [{"source": f.source, "kind": f.kind, "step": f.step, "seconds": round(f.seconds, 1),
                   "cached": f.cached, "rules": list(f.rules)} for f in plan.files],
        "blocking": [{"path": b.path, "option": b.option, **finding_dict(b.finding, lang)} for b in plan.blocking],
        "options": list(plan.options),
    }


def fixed_dict(fixed: Fixed, lang: str) -> dict[str, Any]:
    return {
        "source": fixed.source,
        "kind": fixed.kind,
        "action": fixed.action,
        "output": fixed.output,
        "cached": fixed.cached,
        "details": list(fixed.details),
        "error": fixed.error,
        "before": [finding_dict(f, lang) for f in fixed.before],
        "after": [finding_dict(f, lang) for f in fixed.after],
        "remaining": [finding_dict(f, lang) for f in fixed.remaining],
    }


def pack_dict(report: PackReport, lang: str = "zh") -> dict[str, Any]:
    return {
        "schema": PACK_SCHEMA_ID,
        "tool": TOOL,
        "ok": report.ok,
        "dry_run": report.dry_run,
        "out_dir": report.out_dir,
        "limit_bytes": report.limit,
        "archives": [{"path": a.path, "theme": a.theme, "size_bytes": a.size, "sha256": a.sha256,
                      "entries": list(a.entries), **_deliverable(a.deliverable)} for a in report.archives],
        "plan": [{"name": p.name, "theme": p.theme, "size_bytes": p.size,
                  "entries": [{"name": name, "source": str(source)} for name, source in p.entries],
                  **_deliverable(p.deliverable)}
                 for p in report.plan],
        "blocking": [{"path": path, **finding_dict(f, lang)} for path, f in report.blocking],
        "failures": [{"path": path, "reason": reason} for path, reason in report.failures],
        "fixed": fix_dict(report.fixed, lang) if report.fixed is not None else None,
        "fix_plan": plan_dict(report.fix_plan, lang) if report.fix_plan is not None else None,
    }


def render(report: Report, out: TextIO, options: Options) -> None:
    _dump(to_dict(readable(report), options.lang, options.next_args), out)


def render_fix(report: FixReport, out: TextIO, options: Options) -> None:
    _dump(fix_dict(readable(report), options.lang), out)


def render_pack(report: PackReport, out: TextIO, options: Options) -> None:
    _dump(pack_dict(readable(report), options.lang), out)


def _dump(data: dict[str, Any], out: TextIO) -> None:
    # UTF-8 whatever the console's code page (JSON is UTF-8; `> report.json` on Chinese Windows
    # would otherwise be GBK).
    write_utf8(out, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")

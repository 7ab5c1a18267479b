"""check(): discover the inputs, probe each file once, run the rules of its kind."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from . import discover
from .models import FileResult, Finding, Report, Severity, Skipped
from .profile import Profile, load
from .rules import RULES, Rule, rules_for

# kind → probe(path) -> facts.  A kind missing here is listed as skipped.
Probe = Callable[[Path], dict[str, Any]]


def _probes() -> dict[str, Probe]:
    from .probes import video

    return {"video": video.probe}


def check(
    paths: Iterable[str | Path],
    rules: str | Path | Profile = "2023",
    jobs: int = 1,
    on_file: Callable[[FileResult], None] | None = None,
) -> Report:
    """Inspect files and folders against a rules profile and return the Report.

    ``on_file`` is called after each file (the CLI moves its progress bar with it).
    """
    profile = rules if isinstance(rules, Profile) else load(rules)
    targets = discover.collect(paths)
    probes = _probes()
    checkable = [t for t in targets if t.detected.kind in probes]
    skipped = tuple(
        Skipped(t.display, f"{t.detected.kind}:{t.detected.format}")
        for t in targets if t.detected.kind not in probes
    )

    def one(target: discover.Target) -> FileResult:
        result = inspect(target, profile, probes[target.detected.kind])
        if on_file is not None:
            on_file(result)
        return result

    if jobs > 1 and len(checkable) > 1:
        # MediaInfo parses in C and releases the GIL: threads give real parallelism.
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            results = list(pool.map(one, checkable))
    else:
        results = [one(t) for t in checkable]
    return Report(rules=profile.name, files=tuple(results), skipped=skipped)


def inspect(target: discover.Target, profile: Profile, probe: Probe) -> FileResult:
    """Probe one file once and judge it by every active rule of its kind."""
    kind = target.detected.kind
    facts = probe(target.path)
    facts.setdefault("format", target.detected.format)
    findings, checked = evaluate(kind, facts, profile)
    return FileResult(
        path=target.display, kind=kind, facts=facts, findings=tuple(findings),
        theme=theme_of(target.path, profile), rules_checked=tuple(checked),
    )


def evaluate(kind: str, facts: Mapping[str, Any], profile: Profile) -> tuple[list[Finding], list[str]]:
    """Run the rules of ``kind`` on ``facts``; a gate rule that fires stops the rest."""
    findings: list[Finding] = []
    checked: list[str] = []
    for rule in rules_for(kind):
        severity = active_severity(rule, profile)
        if severity is None or rule.check is None:
            continue
        checked.append(rule.id)
        fired = [make_finding(rule, severity, v) for v in rule.check(facts, profile)]
        findings.extend(fired)
        if fired and rule.gate:
            break
    findings.sort(key=lambda f: (f.severity.rank, f.rule))
    return findings, checked


def active_severity(rule: Rule, profile: Profile) -> Severity | None:
    """The rule's severity under the profile, or None when the profile turns it off."""
    level = profile.severity.get(rule.id)
    if level == "off":
        return None
    return Severity(level) if level else rule.severity


def make_finding(rule: Rule, severity: Severity, violation: Any) -> Finding:
    fixable = rule.fixable if violation.fixable is None else violation.fixable
    return Finding(
        rule=rule.id, severity=severity, fixable=fixable, values=dict(violation.values),
        location=violation.location, actual=violation.actual, expected=violation.expected,
        variant=violation.variant,
    )


def theme_of(path: Path, profile: Profile) -> str | None:
    """The theme named in a file's name (SPEC §5 folder convention), if any."""
    for theme in profile.themes:
        if theme in path.name:
            return theme
    return None


__all__ = ["check", "inspect", "evaluate", "RULES"]

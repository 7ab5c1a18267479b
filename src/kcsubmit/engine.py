"""check(): discover the inputs, probe each file once, run the rules of its kind."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import deliverables, discover, manifest
from .errors import KcsubmitError, UsageError
from .models import FileResult, Finding, Report, Severity, Skipped
from .names import canonical
from .probes import PROBES, measure  # kind → probe module; measure(kind) imports it when met
from .profile import Profile, info, load
from .rules import RULES, Rule, rules_for

# A probe (path, format found by content, profile) -> facts may return files found
# inside the file (pictures in a document) under CHILDREN as (inner path, kind, facts); each becomes a
# FileResult of its own, at ``OUTER!INNER``.
Probe = Callable[[Path, str, Profile], dict[str, Any]]
CHILDREN = "children"


def default_jobs() -> int:
    """Files inspected at once by default: the cores, at most 4 (MediaInfo is I/O-light)."""
    return max(1, min(4, os.cpu_count() or 1))


def check(
    paths: Iterable[str | Path] = (),
    rules: str | Path | Profile | None = None,
    jobs: int = 1,
    on_file: Callable[[FileResult], None] | None = None,
    for_pack: bool = False,
    exclude: Iterable[Path] = (),
    studio: str | None = None,
) -> Report:
    """Inspect files, folders or a manifest against a rules profile and return the Report.

    One folder or one manifest is a submission and is also judged as a whole
    (S rules); ``rules=None`` takes the manifest's profile, else ``2023``.
    ``on_file`` is called after each file (the CLI moves its progress bar with it).
    Folders in ``exclude`` are not walked (``fix`` writes its outputs there).
    ``studio`` replaces the manifest's studio name (``pack --studio``) for the S rules.
    """
    given = [str(p) for p in paths] or ["."]
    submission = find_submission(given)
    profile = profile_for(submission, rules)
    if submission is not None:
        if not profile.deliverables and any(e.deliverable for e in submission.entries):
            raise UsageError(f"{submission.manifest}: key 'deliverables': the rules profile {profile.name} has no "
                             "[[deliverable]] (use [themes] and [case], or a profile with deliverables)")
        targets = submission_targets(submission, profile, exclude)
    else:
        targets = discover.collect(given, exclude)
        # A folder of loose videos or documents (any loose file, under a profile with deliverables)
        # is one studio's submission; a folder of archives only is a batch (a reviewer's downloads),
        # judged file by file.
        loose = any(t.detected.kind in ("video", "document") for t in targets) or (
            bool(profile.deliverables) and any(t.detected.kind != "archive" for t in targets))
        if len(given) == 1 and Path(given[0]).is_dir() and loose:
            submission = manifest.by_convention(Path(given[0]), targets, profile.themes)
    themes = {e.path: e.theme for e in submission.entries} if submission is not None else {}
    ignored = set(submission.ignored) if submission is not None else set()
    assignment = None
    if profile.deliverables:
        assignment = assignment_of(submission, targets, profile)
    checkable = [t for t in targets if t.detected.kind in PROBES and t.path not in ignored]
    skipped = tuple(
        Skipped(t.display, f"{t.detected.kind}:{t.detected.format}", ignored=t.path in ignored)
        for t in targets if t.detected.kind not in PROBES or t.path in ignored
    )

    work = [(t, _judge(t, profile, assignment), themes.get(t.path)) for t in checkable]
    batches = _run(work, jobs, on_file or (lambda result: None))
    if assignment is not None:  # each file's own result says which deliverable it is
        batches = [[replace(b[0], deliverable=_deliverable_of(t, assignment)), *b[1:]] if b else b
                   for (t, _, _), b in zip(work, batches)]
    results = tuple(r for batch in batches for r in batch)
    whole: tuple[Finding, ...] = ()
    if submission is not None:
        facts = {**submission.facts(), "for_pack": for_pack}
        if studio and studio.strip():
            facts["studio"] = studio.strip()
            facts["fields"] = {**facts.get("fields", {}), "studio": studio.strip()}
        if assignment is not None:  # deliverables replace the theme videos and the case (S001–S003, S006)
            facts.update(assignment.facts(targets), themes=[], document=None)
        whole = tuple(apply_rules("submission", facts, profile)[0])
    checked = submission.manifest if submission is not None else None
    return Report(rules=profile.name, files=results, submission=whole, skipped=skipped,
                  profile=info(profile),
                  manifest=str(checked) if checked is not None else None,
                  source=submission.source if submission is not None else None)


def submission_targets(submission: manifest.Submission, profile: Profile,
                       exclude: Iterable[Path] = ()) -> list[discover.Target]:
    """The files of a submission: those its manifest names; for a profile with deliverables and a
    manifest naming none (or a folder), every file of its folder (sorted by kind and name)."""
    listed = [str(e.path) for e in submission.entries]
    if profile.deliverables and not any(e.role == "deliverable" for e in submission.entries):
        listed = [str(submission.root)]
    own = submission.manifest.resolve() if submission.manifest is not None else None
    return [t for t in discover.collect(listed, exclude) if own is None or t.path.resolve() != own]


def assignment_of(submission: manifest.Submission | None, targets: list[discover.Target],
                  profile: Profile) -> deliverables.Assignment:
    named = {e.path: e.deliverable for e in submission.entries if e.deliverable} if submission else {}
    return deliverables.assign(targets, profile, named, submission.manifest if submission else None)


def run_rule(rule_id: str, facts: Mapping[str, Any], profile: Profile) -> list[Finding]:
    """One rule on ``facts`` (pack's A014 over its plan), at its severity under the profile."""
    rule = RULES[rule_id]
    severity = active_severity(rule, profile)
    if severity is None:
        return []
    return _fire(rule, severity, facts, profile)


def _fire(rule: Rule, severity: Severity, facts: Mapping[str, Any], profile: Profile) -> list[Finding]:
    """The findings of one rule; a violation may soften its rule's severity unless the profile set it."""
    own = rule.id not in profile.severity
    return [make_finding(rule, Severity(v.severity) if v.severity and own else severity, v)
            for v in rule.check(facts, profile)]


def _deliverable_of(target: discover.Target, assignment: deliverables.Assignment) -> str | None:
    return assignment.by_path.get(target.path) or assignment.archives.get(target.path)


def _judge(target: discover.Target, profile: Profile, assignment: deliverables.Assignment | None) -> Profile:
    """The profile a file is judged by: its deliverable's (SPEC §7.1), else the whole profile's."""
    if assignment is None:
        return profile
    if target.path in assignment.archives:  # its archive limits; its files were judged one by one
        return deliverables.archive_profile(profile, assignment.archives[target.path])
    return profile.judging(assignment.by_path.get(target.path))


Work = tuple[discover.Target, Profile, "str | None"]


def _one(work: Work) -> list[FileResult]:
    target, profile, theme = work
    return check_file(target, profile, measure(target.detected.kind), theme)


def _run(work: list[Work], jobs: int, on_file: Callable[[FileResult], None]) -> list[list[FileResult]]:
    """Inspect every file, in worker processes when ``jobs`` > 1; results keep the input order.

    Processes, not threads: reading archives and documents is Python work that holds
    the GIL. Each worker handles one file at a time, so memory stays that of one file
    per worker whatever the number of files.
    """
    if jobs <= 1 or len(work) <= 1:
        done = []
        for item in work:
            done.append(_one(item))
            on_file(done[-1][0])
        return done
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if any(target.detected.format == "rar" for target, _, _ in work):
        from .probes import rartool

        rartool.selected()  # the RAR tool is chosen once per run: forked workers inherit it
    results: list[list[FileResult]] = [[] for _ in work]
    with ProcessPoolExecutor(max_workers=_workers(jobs, len(work))) as pool:
        try:
            futures = {pool.submit(_one, item): index for index, item in enumerate(work)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                on_file(results[futures[future]][0])
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return results


FDS_PER_WORKER = 3  # in the parent: the worker's sentinel and the pipes being set up
FDS_SPARE = 32  # for the files each worker opens (a forked worker shares the parent's limit)


def _workers(jobs: int, files: int) -> int:
    """Worker processes for ``jobs``; one line (exit 2) when the file-handle limit cannot hold
    them (``ulimit -n``: 256 by default on macOS), after raising the soft limit up to the hard one.

    Past the limit, worker start-up fails midway and the pool waits for ever for workers
    that never came, or forked workers cannot open the files they inspect.
    """
    workers = min(jobs, files)
    try:
        import resource
    except ImportError:  # Windows: no such limit on handles
        return workers
    try:
        opened = len(os.listdir("/dev/fd"))
    except OSError:
        opened = 16
    need = opened + FDS_PER_WORKER * workers + FDS_SPARE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if need > soft and (hard == resource.RLIM_INFINITY or hard > soft):
        try:
            soft = need if hard == resource.RLIM_INFINITY else min(need, hard)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        except (OSError, ValueError):
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if need > soft:
        most = max(1, (soft - opened - FDS_SPARE) // FDS_PER_WORKER)
        raise KcsubmitError(f"--jobs {jobs} needs more open files than the limit ({soft}, ulimit -n) allows; "
                            f"use --jobs {most} or raise ulimit -n", key="jobs_limit", jobs=jobs, limit=soft,
                            most=most)
    return workers


def find_submission(paths: list[str]) -> manifest.Submission | None:
    """The manifest submission one path stands for (the file, or a folder holding one)."""
    if len(paths) != 1:
        return None
    found = manifest.find_manifest(Path(paths[0]))
    return manifest.load(found) if found is not None else None


def profile_for(submission: manifest.Submission | None, spec: str | Path | Profile | None) -> Profile:
    """The profile asked for, else the manifest's, else 2023."""
    if isinstance(spec, Profile):
        return spec
    return load(spec or _manifest_rules(submission) or "2023")


def _manifest_rules(submission: manifest.Submission | None) -> str | None:
    if submission is None or not submission.rules:
        return None
    rules = submission.rules
    if rules.endswith(".toml") and submission.manifest is not None:
        return str(submission.manifest.parent / rules)
    return rules


def check_file(target: discover.Target, profile: Profile, probe: Probe,
               theme: str | None = None) -> list[FileResult]:
    """Probe one file once and judge it (and what it holds) by every active rule."""
    kind = target.detected.kind
    facts = probe(target.path, target.detected.format, profile)
    facts.setdefault("format", target.detected.format)
    return judge_tree(target.display, kind, facts, profile, theme or theme_of(target.path, profile))


def judge_tree(path: str, kind: str, facts: dict[str, Any], profile: Profile, theme: str | None = None,
               inside: bool = False) -> list[FileResult]:
    """A file's result, then those of the files inside it (an archive's document's pictures too)."""
    children = facts.pop(CHILDREN, [])
    results = [file_result(path, kind, facts, profile, theme, location=path if inside else None)]
    for inner, child_kind, child_facts in children:
        child = f"{path}!{inner}"
        results += judge_tree(child, child_kind, child_facts, profile, theme_of(Path(inner), profile), inside=True)
    return results


def file_result(path: str, kind: str, facts: dict[str, Any], profile: Profile,
                theme: str | None = None, location: str | None = None) -> FileResult:
    """The FileResult of measured facts; ``location`` marks findings of a file inside another."""
    findings, checked = apply_rules(kind, facts, profile)
    if location is not None:
        findings = [f if f.location else replace(f, location=location) for f in findings]
    return FileResult(path=path, kind=kind, facts=facts, findings=tuple(findings),
                      theme=theme, rules_checked=tuple(checked))


def apply_rules(kind: str, facts: Mapping[str, Any], profile: Profile) -> tuple[list[Finding], list[str]]:
    """Run the rules of ``kind`` on ``facts``; a gate rule that fires stops the rest."""
    findings: list[Finding] = []
    checked: list[str] = []
    for rule in rules_for(kind):
        severity = active_severity(rule, profile)
        if severity is None or rule.check is None or not rule.applies(profile):
            continue
        checked.append(rule.id)
        fired = _fire(rule, severity, facts, profile)
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
    name = canonical(path.name)  # a look-alike theme (Kangxi radical ⼈) is the theme
    for theme in profile.themes:
        if theme in name:
            return theme
    return None


__all__ = ["check", "check_file", "apply_rules", "RULES"]

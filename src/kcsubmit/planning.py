"""The plan of a fix, made from a check report before anything is encoded (issue 19).

:func:`plan` says, per file, what fix will do (copy, remux, transcode…), how long it should take
and whether the cache already holds the result, and lists the errors no fix clears with the
options given, each with the option that would (``--trim``).  It starts no program: no ffmpeg,
no LibreOffice (a test counts ffmpeg runs).  :func:`overall` turns per-file progress into the
fraction of the whole job, for a total progress bar (the CLI's, or ``serve``'s).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

from . import cache
from .fixers import FixOptions
from .fixers.target import video_target
from .models import Blocker, FileResult, FileStep, Finding, FixPlan, Profile, Report, Severity
from .rules.base import RULES, allowed, fix_steps, to_fix

#: Seconds of encoding per megapixel of frame (the output's 1920x1080 plus a quarter of the
#: source's, for decoding and scaling), with libx264 ``veryfast`` on one of 2 shared cores:
#: 0.0046 measured on a synthetic 1080p30 clip (10 s: 3.6 s), rounded up for camera footage,
#: which is harder to encode. An estimate to plan with, said as such ("about").
SECONDS_PER_MEGAPIXEL_FRAME = 0.006
COPY_BYTES_PER_S = 200e6  # a copy or a stream-copy remux runs at disk speed
#: Rough costs of the other fixers: a picture, a .docx rewrite, a LibreOffice conversion.
PICTURE_S = 0.2
DOCUMENT_S = 1.0
CONVERT_S = 8.0
#: The order of the video steps, heaviest last: a file's step is its heaviest.
ORDER = ("copy", "remux", "audio", "convert", "rewrite", "repack", "transcode")


def plan(report: Report, profile: Profile, options: FixOptions, *, whole: bool = False) -> FixPlan:
    """What ``fix`` will do with the files of ``report`` (checked with ``profile``).

    ``whole``: the blocking list also holds the submission's errors (``pack --fix``); else it
    holds only what a fix option would clear (``fix`` repairs the rest and lists what is left).
    Hashes each file that needs a repair (its cache key); starts no program.
    """
    steps: list[FileStep] = []
    blocking: list[Blocker] = []
    for result in report.files:
        if "!" in result.path:
            continue
        findings = (*result.findings, *inside(report, result))
        # a deliverable's file by its own limits: its estimate, and a cache key that changes with them
        steps.append(_step(result, findings, profile.judging(result.deliverable), options))
        for finding in findings:
            blocker = _blocker(result.path, finding, options)
            if blocker is not None and (whole or blocker.option):
                blocking.append(blocker)
    if whole:
        blocking += [Blocker("submission", f) for f in report.submission if f.severity is Severity.ERROR]
    return FixPlan(profile.name, tuple(steps), tuple(blocking))


def inside(report: Report, result: FileResult) -> list[Finding]:
    """Findings of what a file holds (pictures of a document, entries of an archive)."""
    prefix = result.path + "!"
    return [f for r in report.files if r.path.startswith(prefix) for f in r.findings]


def _blocker(path: str, finding: Finding, options: FixOptions) -> Blocker | None:
    """An error this fix leaves: not fixable, or fixable only with an option not given."""
    if finding.severity is not Severity.ERROR:
        return None
    if finding.fixable and finding.rule in RULES and RULES[finding.rule].fix:
        if allowed(finding.rule, options):
            return None
        return Blocker(path, finding, RULES[finding.rule].fix_option)
    return Blocker(path, finding)


def _step(result: FileResult, findings: tuple[Finding, ...], profile: Profile, options: FixOptions) -> FileStep:
    rule_ids = to_fix(findings, options)
    facts = result.facts
    size = float(facts.get("size_bytes") or _size(result.path))
    if not rule_ids:
        return FileStep(result.path, result.kind, "copy", size / COPY_BYTES_PER_S)
    step = step_name(result.kind, rule_ids, options, facts)
    seconds = estimate(step, result.kind, facts, profile, options, size)
    try:
        digest = cache.content_hash(Path(result.path))
    except OSError:
        return FileStep(result.path, result.kind, step, seconds, rules=tuple(sorted(rule_ids)))
    key = cache.key(digest, result.kind, rule_ids, options.fit, options.encoder, profile)
    hit = cache.lookup(key) is not None
    return FileStep(result.path, result.kind, step, size / COPY_BYTES_PER_S if hit else seconds, hit,
                    tuple(sorted(rule_ids)), key)


def step_name(kind: str, rule_ids: set[str], options: FixOptions, facts: Any = None) -> str:
    """The heaviest fixer step the rules need, as one word (``video.transcode`` → ``transcode``)."""
    names = {s.split(".", 1)[1] for s in fix_steps(rule_ids, options)}
    if kind == "document" and names == {"convert"} and str((facts or {}).get("format", "")).lower() == "docx":
        names = {"rewrite"}  # only its pictures: no LibreOffice
    return max(names or {"copy"}, key=lambda n: ORDER.index(n) if n in ORDER else 0)


def estimate(step: str, kind: str, facts: Any, profile: Profile, options: FixOptions, size: float) -> float:
    """Estimated seconds of one file's repair (see the constants above)."""
    if step == "transcode":
        duration = float(facts.get("duration_s") or 0)
        if options.trim and profile.video.get("max_duration_s") is not None:
            duration = min(duration, float(profile.video["max_duration_s"]))
        goal = video_target(profile, facts)  # what the fix writes: size and frame rate
        fps = float(Fraction(goal.rate))
        out_mp = goal.width * goal.height / 1e6
        src_mp = float(facts.get("width") or 1920) * float(facts.get("height") or 1080) / 1e6
        return duration * fps * (out_mp + src_mp / 4) * SECONDS_PER_MEGAPIXEL_FRAME
    if step == "audio":
        return size / COPY_BYTES_PER_S + float(facts.get("duration_s") or 0) * 0.02
    if step == "rewrite":
        return DOCUMENT_S + PICTURE_S * int(facts.get("images") or 0)
    if step == "convert":
        return CONVERT_S if kind == "document" else PICTURE_S
    return size / COPY_BYTES_PER_S


def overall(plan: FixPlan, index: int, fraction: float) -> float:
    """The fraction of the whole plan done while file ``index`` is ``fraction`` done (0..1),
    weighting each file by its estimated seconds."""
    weights = [max(f.seconds, 0.01) for f in plan.files]
    total = sum(weights) or 1.0
    done = sum(weights[:index]) + (weights[index] * fraction if index < len(weights) else 0.0)
    return min(1.0, done / total)


def _size(path: str) -> int:
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0

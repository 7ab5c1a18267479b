"""fix(): check, repair what can be repaired into an output folder, check the results.

The originals are only read.  Every output is written under a temporary name in
the output folder (created exclusively, unique to the run: :mod:`kcsubmit.outdir`)
and renamed when complete, then checked again; a file that needs no repair is
copied, not re-encoded.  A folder given with ``-o`` may not overlap the inputs; the default
``./fixed`` may (it is marked, and folder walks skip it).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from . import cache, engine, planning
from .errors import KcsubmitError, UsageError
from .fixers import FIXERS, FixOptions, Outcome
from .fixers import fixer as fixer_of
from .models import FileResult, FileStep, Finding, Fixed, FixPlan, FixReport, Report
from .outdir import Parts, ensure_writable, mark, refuse_overlap
from .profile import Profile
from .rules.base import to_fix

__all__ = ["fix", "default_output", "Fixed", "FixReport"]  # the result types live in models


DEFAULT_OUTPUT = "fixed"  # SPEC §2: ./fixed; walks skip it by its marker even inside the input


def default_output(paths: Iterable[str | Path]) -> Path:
    """Where fix writes without ``-o``: ``./fixed`` (SPEC §2).  When that lies inside the input
    folder it is not refused: it carries kcsubmit's output marker, so no later walk reads it."""
    return Path(DEFAULT_OUTPUT)


#: ``ask(plan) -> FixOptions | None``: shown the blocking errors a fix option would clear, the
#: caller (a terminal's question, serve's page) returns the options to go on with, or None to stop.
Ask = Callable[[FixPlan], FixOptions | None]


def fix(paths: Iterable[str | Path] = (), out_dir: str | Path | None = None,
        rules: str | Path | Profile | None = None, options: FixOptions = FixOptions(),
        on_file: Callable[[str, int, int], None] | None = None, *, dry_run: bool = False,
        ask: Ask | None = None, on_plan: Callable[[FixPlan], None] | None = None) -> FixReport:
    """Repair copies of ``paths`` into ``out_dir``; the originals are never changed.

    ``out_dir`` None: :func:`default_output`.  A folder given that is, holds or lies inside an
    input is refused (UsageError).  First a plan (:func:`kcsubmit.planning.plan`): when an error
    would remain that a fix option clears (V006 without ``--trim``), ``ask`` may give options to
    go on with; else nothing is repaired and the report is ``stopped`` (exit 1) with the plan.
    ``dry_run``: only the plan.  ``on_plan(plan)`` is called once before the work starts;
    ``on_file(path, index, total)`` as each file starts (with ``options.progress`` the fraction
    of the current file: :func:`kcsubmit.planning.overall` makes the fraction of the whole).
    Repaired copies are kept in the cache (:mod:`kcsubmit.cache`) and reused, never redone.
    """
    given = [str(p) for p in paths] or ["."]
    if out_dir is None:
        out = default_output(paths)
    else:
        out = Path(out_dir)
        refuse_overlap(out, given)
    if not dry_run:
        ensure_writable(out, create=False)  # a folder that refuses: one line before any work
    profile = engine.profile_for(engine.find_submission(given), rules)
    report = engine.check(given, rules=profile, exclude=[out])
    options, the_plan = decide(report, profile, options, ask, whole=dry_run)  # a dry run lists all that remains
    if dry_run or the_plan.blocking:
        return FixReport(profile.name, str(out), (), plan=the_plan, stopped=not dry_run, dry_run=dry_run)
    ensure_writable(out, create=True)
    if on_plan is not None:
        on_plan(the_plan)
    return run(report, profile, given, out, options, the_plan, on_file)


def decide(report: Report, profile: Profile, options: FixOptions, ask: Ask | None,
           whole: bool) -> tuple[FixOptions, FixPlan]:
    """The plan, after ``ask`` was given the chance to add the options its blocking errors need."""
    the_plan = planning.plan(report, profile, options, whole=whole)
    if the_plan.options and ask is not None:
        chosen = ask(the_plan)
        if chosen is not None and chosen != options:
            options = chosen
            the_plan = planning.plan(report, profile, options, whole=whole)
    return options, the_plan


def run(report: Report, profile: Profile, given: list[str], out: Path, options: FixOptions, the_plan: FixPlan,
        on_file: Callable[[str, int, int], None] | None = None) -> FixReport:
    """Carry out ``the_plan`` (made from ``report``) into ``out``, then check every output."""
    roots = [_root(Path(p)) for p in given]
    tops = [r for r in report.files if "!" not in r.path]
    steps = {s.source: s for s in the_plan.files}
    done: list[Fixed] = []
    used: set[Path] = set()
    judged: dict[str, Profile] = {}  # output → the profile of its deliverable (profile format 2)
    for index, result in enumerate(tops):
        if on_file is not None:
            on_file(result.path, index, len(tops))
        own = profile.judging(result.deliverable)  # fixed to its deliverable's limits
        done.append(_fix_one(result, _inside(report, result), own, out, roots, options, used,
                             steps.get(result.path)))
        if done[-1].output:
            judged[str(done[-1].output)] = own
            mark(out)  # with its first output: later folder walks leave this folder out
    return FixReport(rules=profile.name, out_dir=str(out), files=tuple(_recheck(done, profile, judged)),
                     plan=the_plan, source=report.source, flags=_flags(options))


def _flags(options: FixOptions) -> tuple[str, ...]:
    """The options of this fix as command-line words, repeated in the suggested pack command."""
    flags: list[str] = []
    if options.fit != FixOptions.fit:
        flags += ["--fit", options.fit]
    if options.trim:
        flags.append("--trim")
    if options.encoder != FixOptions.encoder:
        flags += ["--encoder", options.encoder]
    return tuple(flags)


def _fix_one(result: FileResult, inside: list[Finding], profile: Profile, out: Path,
             roots: list[Path], options: FixOptions, used: set[Path], step: FileStep | None) -> Fixed:
    src = Path(result.path)
    before = tuple(result.findings) + tuple(inside)
    needs = bool(to_fix(before, options))
    fixer = FIXERS.get(result.kind) if needs else None
    key = step.key if step is not None and fixer is not None else None
    hit = cache.lookup(key) if key else None
    with Parts() as parts:  # what is not published is removed, whatever ends the block (Ctrl-C too)
        try:
            final = _output_path(src, roots, out, fixer[1] if fixer else src.suffix, used)
            handle, part = parts.create(final)
        except OSError as exc:
            return Fixed(str(src), result.kind, "failed", before=before,
                         error=f"cannot write in {out}: {exc.strerror or exc}")
        try:
            with handle:
                source = hit.path if hit is not None else src if fixer is None else None
                if source is not None:
                    with open(source, "rb") as data:
                        shutil.copyfileobj(data, handle, 1 << 20)
                    outcome = Outcome(hit.action, hit.details) if hit is not None else Outcome("copied")
            if hit is not None:
                if options.progress is not None:
                    options.progress(1.0)
            elif fixer is not None:
                outcome = fixer_of(result.kind).fix(src, result, profile, part, options)
                if key:
                    cache.store(key, part, outcome.action, outcome.details)  # kept even if a later file fails
            parts.publish((part, final))
        except KcsubmitError as exc:
            return Fixed(str(src), result.kind, "failed", before=before, error=str(exc))
        except OSError as exc:  # a full disk, a read-only folder: this file's failure, said with its name
            return Fixed(str(src), result.kind, "failed", before=before,
                         error=f"cannot write {final}: {exc.strerror or exc}")
    return Fixed(str(src), result.kind, outcome.action, str(final), outcome.details, before, cached=hit is not None)


def _recheck(done: list[Fixed], profile: Profile, judged: dict[str, Profile] | None = None) -> list[Fixed]:
    """Check every output once more (each by its deliverable's profile); its findings are the 'after' column."""
    outputs = [f.output for f in done if f.output]
    if not outputs:
        return done
    if profile.deliverables and judged:
        files = [r for o in outputs for r in engine.check([o], rules=judged.get(o, profile)).files]
        report = Report(rules=profile.name, files=tuple(files))
    else:
        report = engine.check(outputs, rules=profile)
    after = {r.path: r for r in report.files if "!" not in r.path}
    return [replace(f, after=tuple(after[f.output].findings) + tuple(_inside(report, after[f.output])))
            if f.output in after else f for f in done]


_inside = planning.inside


def _root(path: Path) -> Path:
    if path.is_dir():
        return path
    return path.parent


def _output_path(src: Path, roots: list[Path], out: Path, suffix: str, used: set[Path]) -> Path:
    """The output keeps the source's place under its input folder, with the right suffix
    (a.mov and a.mp4 in one folder become a.mp4 and a-2.mp4)."""
    rel = Path(src.name)
    for root in roots:
        try:
            rel = src.resolve().relative_to(root.resolve())
            break
        except ValueError:
            continue
    final = (out / rel).with_suffix(suffix)
    n = 2
    while final in used:
        final = (out / rel).with_name(f"{rel.stem}-{n}{suffix}")
        n += 1
    used.add(final)
    if not final.resolve().is_relative_to(out.resolve()):
        raise UsageError(f"output outside {out}: {final}")
    if final.resolve() == src.resolve():
        raise UsageError(f"the output would replace the original {src}; choose another -o folder",
                         key="fix_same_file", path=str(src))
    final.parent.mkdir(parents=True, exist_ok=True)
    return final

"""pack(): build, verify and publish the upload archives of a submission (SPEC §5).

Check first (with ``fix``: repair copies into a private work folder first); while
any error finding remains, write nothing. Otherwise write every archive under a
temporary name in the output folder, re-open it, test every CRC, check it with
every A rule and the rules of its contents, and only when all of them pass,
rename them to their final names.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import engine, manifest, packplan
from .cache import content_hash
from .errors import KcsubmitError, UsageError
from .filenames import CASE_THEME, fill, name_problem, not_in_encoding
from .fixers import FixOptions
from .interrupts import scratch_dir
from .models import Finding, FixPlan, Packed, PackReport, Planned, Severity
from .outdir import Parts, ensure_writable, mark, refuse_overlap
from .profile import Profile
from .repair import Ask, decide
from .repair import run as run_fix
from .zipwrite import write_zip

DEFAULT_OUTPUT = "dist"


@dataclass
class _State:
    profile: Profile
    submission: manifest.Submission
    studio: str | None
    current: dict[Path, Path] = field(default_factory=dict)  # source → the file to pack (fixed or not)


def pack(target: str | Path = ".", out_dir: str | Path | None = None, *, studio: str | None = None,
         fix: bool = False, options: FixOptions = FixOptions(), name_encoding: str = "utf-8",
         loose_images: bool = True, dry_run: bool = False, rules: str | Path | Profile | None = None,
         ask: Ask | None = None, on_stage: Callable[[str], None] | None = None,
         on_plan: Callable[[FixPlan], None] | None = None,
         on_file: Callable[[str, int, int], None] | None = None) -> PackReport:
    """Build the upload archives of the submission at ``target`` into ``out_dir``.

    ``out_dir`` None: ``./dist``.  A folder given that is, holds or lies inside the submission's
    folder is refused (UsageError); the default is not, and folder walks skip it (its marker).
    With ``fix``, the fix is planned first (:func:`kcsubmit.planning.plan`, ``whole``): while an
    error would remain, nothing is encoded (``ask`` may first add the options that clear some:
    see :func:`kcsubmit.repair.fix`); repaired copies come from and go to the cache.
    ``on_stage(name)`` is called as each stage starts: ``check``, ``fix``, ``pack``, ``recheck``;
    ``on_plan`` and ``on_file`` as in :func:`kcsubmit.repair.fix`.
    """
    stage = on_stage or (lambda name: None)
    if out_dir is None:
        out = Path(DEFAULT_OUTPUT)
    else:
        out = Path(out_dir)
        refuse_overlap(out, [target])
    state = _state(Path(target), rules, studio)
    if not state.profile.deliverables:
        _check_encoding(state, name_encoding)
    if not dry_run:
        ensure_writable(out, create=False)  # before minutes of fixing, not after
    limit = state.profile.archive.get("max_bytes") or 0
    stage("check")
    report = engine.check([str(target)], rules=state.profile, for_pack=True, exclude=[out], studio=state.studio)
    whole = [("submission", f) for f in report.submission]
    with scratch_dir(prefix="kcsubmit-pack-") as work:
        fixed = None
        if fix:
            options, fix_plan = decide(report, state.profile, options, ask, whole=True)
            if fix_plan.blocking or dry_run:
                blockers = tuple((b.path, b.finding) for b in fix_plan.blocking)
                return PackReport(str(out), limit, blocking=blockers, dry_run=dry_run, fix_plan=fix_plan)
            stage("fix")
            if on_plan is not None:
                on_plan(fix_plan)
            fixed = run_fix(report, state.profile, [str(target)], Path(work) / "fixed", options, fix_plan, on_file)
            state.current = {Path(f.source).resolve(): Path(f.output) for f in fixed.files if f.output}
            problems = [(f.source, x) for f in fixed.files for x in f.remaining]
            failures = tuple((f.source, f.error) for f in fixed.files if f.error)
            if failures:  # pack could not do its job: one line, exit 2
                source, error = failures[0]
                raise KcsubmitError(f"cannot repair {source}: {error}", key="pack_fix_failed",
                                    path=source, reason=error)
        else:
            problems = [(r.path, f) for r in report.files for f in r.findings]
            failures = ()
        blocking = tuple(p for p in problems + whole if p[1].severity is Severity.ERROR)
        if blocking or failures:
            return PackReport(str(out), limit, blocking=blocking, failures=failures, fixed=fixed, dry_run=dry_run)
        if state.profile.deliverables:
            plan = tuple(packplan.plan(state.profile, state.submission, state.studio,
                                       lambda path: _file(state, path), exclude=[out]))
            _check_plan_encoding(plan, name_encoding)
            over = packplan.total_findings(plan, state.profile)
            if any(f.severity is Severity.ERROR for f in over):
                return PackReport(str(out), limit, blocking=tuple(("pack", f) for f in over), plan=plan,
                                  fixed=fixed, dry_run=dry_run)
        else:
            plan = tuple(_plan(state, loose_images, Path(work)))
        if dry_run:
            return PackReport(str(out), limit, plan=plan, dry_run=True)
        stage("pack")
        archives, blocking = _write(plan, out, state.profile, name_encoding, lambda: stage("recheck"))
        return PackReport(str(out), limit, blocking=blocking, plan=plan, archives=archives, fixed=fixed)


def _state(target: Path, rules: str | Path | Profile | None, studio: str | None) -> _State:
    found = manifest.find_manifest(target)
    submission = manifest.load(found) if found else None
    profile = engine.profile_for(submission, rules)
    if submission is None:
        if not target.is_dir():
            raise UsageError(f"pack needs a kcsubmit.toml or a folder: {target}", key="pack_target", path=str(target))
        from . import discover

        submission = manifest.by_convention(target, discover.collect([target]), profile.themes)
    return _State(profile, submission, (studio or submission.studio or "").strip() or None)


def _names(state: _State) -> list[tuple[str | None, str]]:
    """(theme, name) of every archive: one per theme video, then the case (theme None)."""
    template = state.submission.name_template
    names = [(e.theme, fill(template, state.studio, e.theme)) for e in state.submission.videos()]
    if any(e.role == "document" for e in state.submission.entries):
        names.append((None, fill(template, state.studio, CASE_THEME)))
    return names


def _check_encoding(state: _State, encoding: str) -> None:
    """``--name-encoding gbk`` with a name GBK cannot hold: one line before any work (a name that
    is no text at all, with undecodable bytes, is S006's)."""
    if encoding == "utf-8":
        return
    for _, name in _names(state):
        char = not_in_encoding(name, encoding)
        if char is not None:
            raise UsageError(f"--name-encoding {encoding} cannot write {char!r} of the name {name}",
                             key="name_encoding", encoding=encoding, char=char, name=name)


def _check_plan_encoding(plan: tuple[Planned, ...], encoding: str) -> None:
    if encoding == "utf-8":
        return
    for planned in plan:
        for name in (planned.name, *planned.entry_names):
            char = not_in_encoding(name, encoding)
            if char is not None:
                raise UsageError(f"--name-encoding {encoding} cannot write {char!r} of the name {name}",
                                 key="name_encoding", encoding=encoding, char=char, name=name)


def _file(state: _State, path: Path) -> Path:
    return state.current.get(path.resolve(), path)


def _plan(state: _State, loose_images: bool, work: Path) -> list[Planned]:
    plans = []
    names = _names(state)
    for entry, (_, name) in zip(state.submission.videos(), names):
        plans.append(_planned(f"{name}.zip", entry.theme, ((f"{name}.mp4", _file(state, entry.path)),)))
    documents = [e for e in state.submission.entries if e.role == "document"]
    if documents:
        name = names[-1][1]
        document = _file(state, documents[0].path)
        entries = [(f"{name}.docx", document)]
        if loose_images:
            pictures = [_file(state, e.path) for e in state.submission.entries if e.role == "image"]
            pictures = pictures or _pictures_of(document, work)
            entries += [(f"图片/{i:02d}.jpg", p) for i, p in enumerate(pictures, 1)]
        plans.append(_planned(f"{name}.zip", None, tuple(entries)))
    return plans


def _planned(name: str, theme: str | None, entries: tuple[tuple[str, Path], ...]) -> Planned:
    return Planned(name, theme, entries, sum(p.stat().st_size for _, p in entries))


def _pictures_of(document: Path, work: Path) -> list[Path]:
    """The distinct pictures of a (fixed) document, in document order, as files."""
    from .probes.document import picture_ids
    from .probes.opc import open_docx

    doc, _ = open_docx(document)  # a WPS picture lost as ../NULL must not stop the packing
    seen: set[str] = set()
    files: list[Path] = []
    for rid in picture_ids(doc.part.element):
        rel = doc.part.rels.get(rid)
        if rel is None or rel.is_external:
            continue
        blob = rel.target_part.blob
        digest = hashlib.sha256(blob).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        path = work / f"picture-{len(files) + 1:02d}.jpg"
        path.write_bytes(blob)
        files.append(path)
    return files


def _write(plan: tuple[Planned, ...], out: Path, profile: Profile,
           encoding: str, on_recheck: Callable[[], None]) -> tuple[tuple[Packed, ...], tuple[tuple[str, Finding], ...]]:
    """Write every archive under a temporary name, verify them all, then rename them all.

    Each temporary is created exclusively in ``out`` under a name unique to the run; every final
    name must be a plain name inside ``out`` (S006 has refused the others: this is the last guard).
    """
    parts: list[Path] = []
    try:
        with Parts() as temporaries:  # none is left behind, whatever ends the block (Ctrl-C too)
            out.mkdir(parents=True, exist_ok=True)
            for planned in plan:
                stem, ext = os.path.splitext(planned.name)
                problem = name_problem(stem)
                if problem is not None or os.path.basename(planned.name) != planned.name:
                    raise KcsubmitError(f"unsafe archive name {planned.name!r}", key="unsafe_name",
                                        name=planned.name)
                handle, part = temporaries.create(out / planned.name, suffix=f".kcsubmit-part{ext}")
                parts.append(part)
                with handle:
                    if planned.bare:
                        with open(planned.entries[0][1], "rb") as source:
                            shutil.copyfileobj(source, handle, 1 << 20)
                    else:
                        write_zip(handle, planned.entries, encoding)
            on_recheck()
            # Re-opened and checked: A008 reads every entry through, so every CRC is tested once.
            shown = {str(part): str(out / planned.name) for planned, part in zip(plan, parts)}
            if profile.deliverables:  # each with its deliverable's limits
                files = [r for planned, part in zip(plan, parts)
                         for r in engine.check([str(part)], rules=packplan.verify_profile(planned, profile)).files]
            else:
                files = list(engine.check([str(p) for p in parts], rules=profile).files)
            blocking = tuple((_final_name(r.path, shown), f)
                             for r in files for f in r.findings if f.severity is Severity.ERROR)
            if blocking:
                return (), blocking
            digests = [content_hash(part) for part in parts]
            temporaries.publish(*((part, out / planned.name) for planned, part in zip(plan, parts)))
        packed = tuple(Packed(str(out / planned.name), planned.theme, (out / planned.name).stat().st_size, digest,
                              tuple(name for name, _ in planned.entries), planned.deliverable)
                       for planned, digest in zip(plan, digests))
        mark(out)  # once published: later folder walks leave this folder out
        return packed, ()
    except OSError as exc:
        raise KcsubmitError(f"cannot write the archives in {out}: {exc.strerror or exc}", key="pack_write",
                            folder=str(out), reason=exc.strerror or str(exc)) from None


def _final_name(path: str, shown: dict[str, str]) -> str:
    """A path inside a temporary archive, as it will be named: dist/x.zip!x.mp4."""
    outer, sep, inner = path.partition("!")
    return shown.get(outer, outer) + sep + inner


__all__ = ["pack", "PackReport", "Packed", "Planned"]

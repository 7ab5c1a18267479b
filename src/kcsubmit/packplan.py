"""What ``pack`` writes for a profile with deliverables (SPEC §7.1): names from the templates.

Each deliverable's files get the names of its ``name`` template (``{author}-照片{n}`` with
``n`` = 1, 2…; the file's own name without a template), keeping the (fixed) file's extension.
Deliverables with the same filled ``archive`` template share one zip; a deliverable without
``archive`` is uploaded as a bare file, copied under its templated name.  The plan's total
is held against ``archive.total_max_bytes`` (A014) before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from . import engine
from .deliverables import archive_profile, file_name
from .filenames import fill_fields
from .manifest import Submission
from .models import Finding, Planned, Profile


def plan(profile: Profile, submission: Submission, studio: str | None, current: Callable[[Path], Path],
         exclude: Iterable[Path] = ()) -> list[Planned]:
    """The archives (and bare files) of a deliverables submission; ``current(path)``: the file to
    pack for a source (its fixed copy when ``pack --fix`` made one)."""
    targets = engine.submission_targets(submission, profile, exclude)
    assignment = engine.assignment_of(submission, targets, profile)
    fields = {**submission.fields, **({"studio": studio} if studio else {})}
    zips: dict[str, list[tuple[str, Path]]] = {}
    carried: dict[str, list[str]] = {}
    bare: list[Planned] = []
    for d in profile.deliverables:
        files = sorted((t.path for t in targets if assignment.by_path.get(t.path) == d.id), key=str)
        for index, path in enumerate(files, 1):
            source = current(path)
            entry = (file_name(d, fields, index, len(files)) or path.stem) + source.suffix.lower()
            if d.archive is None:  # two files of one stem (photos/a.jpg, more/a.jpg) get a.jpg, a-2.jpg
                entry = _unique(entry, {b.name for b in bare})
                bare.append(_planned(entry, ((entry, source),), d.id, bare=True))
                continue
            name = fill_fields(d.archive, fields)
            entries = zips.setdefault(name, [])
            entries.append((_unique(entry, {e for e, _ in entries}), source))
            if d.id not in carried.setdefault(name, []):
                carried[name].append(d.id)
    archives = [_planned(f"{name}.zip", tuple(entries), "+".join(carried[name])) for name, entries in zips.items()]
    return archives + bare


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, k = name, 2
    while candidate in taken:
        candidate = f"{stem}-{k}{dot}{ext}" if dot else f"{name}-{k}"
        k += 1
    return candidate


def _planned(name: str, entries: tuple[tuple[str, Path], ...], deliverable: str, bare: bool = False) -> Planned:
    return Planned(name, None, entries, sum(p.stat().st_size for _, p in entries), deliverable=deliverable,
                   bare=bare)


def total_findings(planned: tuple[Planned, ...], profile: Profile) -> list[Finding]:
    """A014: the plan's archives together against ``archive.total_max_bytes``."""
    facts = {"pack_total_bytes": sum(p.size for p in planned), "pack_archives": len(planned)}
    return engine.run_rule("A014", facts, profile)


def verify_profile(planned: Planned, profile: Profile) -> Profile:
    """The profile a written archive (or bare file) is checked by again before it gets its name."""
    if not planned.deliverable:
        return profile
    first = planned.deliverable.split("+")[0]
    if planned.bare:
        return profile.judging(first)
    return archive_profile(profile, first)

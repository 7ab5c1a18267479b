"""Which file is which deliverable of a format-2 profile (``[[deliverable]]``, SPEC §7.1).

A file the manifest names under ``[deliverables]`` is that deliverable.  Any other file goes
by its kind (found by content): to the first deliverable of that kind whose ``match`` globs
match its name, else to the first of that kind without ``match`` that still has room, else to
the first of that kind without ``match`` (S007 then says there are too many).  A file no
deliverable takes stays unassigned (S010).  An archive is matched against the deliverables'
archive name templates (``{title}`` read as ``*``) and judged with that deliverable's archive
limits.  Each file is then judged by ``Profile.for_deliverable``: rules never see deliverables.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .discover import Target
from .errors import UsageError
from .filenames import fill_fields
from .models import Deliverable, Profile
from .names import canonical

#: The kinds found by content that a deliverable of the same kind takes; ``other`` takes the rest
#: (a PPT, a PDF, an archive no template names).
KINDS = ("video", "image", "document")


@dataclass
class Assignment:
    by_path: dict[Path, str] = field(default_factory=dict)  # target path → deliverable id
    archives: dict[Path, str] = field(default_factory=dict)  # an archive → the deliverable its name carries
    unassigned: list[Target] = field(default_factory=list)

    def facts(self, targets: Iterable[Target]) -> dict[str, list[list[str]]]:
        """What the S rules read: ``assigned`` [[id, path]] and ``unassigned`` [[kind, path]]."""
        assigned, archives = [], []
        for t in targets:
            if t.path in self.by_path:
                assigned.append([self.by_path[t.path], t.display])
            elif t.path in self.archives:
                archives.append([self.archives[t.path], t.display])
        return {"assigned": assigned, "archives": archives,
                "unassigned": [[t.detected.kind, t.display] for t in self.unassigned]}


def assign(targets: list[Target], profile: Profile, named: dict[Path, str], manifest: Path | None) -> Assignment:
    """Give each target its deliverable; ``named``: what the manifest's ``[deliverables]`` says."""
    known = {d.id for d in profile.deliverables}
    for deliverable in named.values():
        if deliverable not in known:
            where = manifest or "kcsubmit.toml"
            raise UsageError(f"{where}: key 'deliverables.{deliverable}': not a deliverable of the profile "
                             f"{profile.name} (known: {', '.join(sorted(known))})")
    result = Assignment()
    counts = {d.id: 0 for d in profile.deliverables}
    for target in targets:
        if manifest is not None and target.path.resolve() == manifest.resolve():
            continue
        resolved = target.path.resolve()
        chosen = next((d for p, d in named.items() if p.resolve() == resolved), None)
        if chosen is None and target.detected.kind == "archive":
            carrier = _archive_deliverable(target.path.name, profile.deliverables)
            if carrier is not None:
                result.archives[target.path] = carrier.id
                continue
        if chosen is None:
            chosen = _by_kind(target, profile.deliverables, counts)
        if chosen is None:
            result.unassigned.append(target)
        else:
            result.by_path[target.path] = chosen
            counts[chosen] += 1
    return result


def _by_kind(target: Target, deliverables: tuple[Deliverable, ...], counts: dict[str, int]) -> str | None:
    kind = target.detected.kind if target.detected.kind in KINDS else "other"
    same = [d for d in deliverables if d.kind == kind]
    name = canonical(target.path.name).lower()
    for d in same:
        if d.match and any(fnmatch.fnmatchcase(name, canonical(g).lower()) for g in d.match):
            return d.id
    open_ = [d for d in same if not d.match]
    for d in open_:
        if d.max_count is None or counts[d.id] < d.max_count:
            return d.id
    return open_[0].id if open_ else None


def _archive_deliverable(name: str, deliverables: tuple[Deliverable, ...]) -> Deliverable | None:
    stem = canonical(name).rsplit(".", 1)[0].lower()
    for d in deliverables:
        if d.archive and fnmatch.fnmatchcase(stem, _glob(d.archive).lower()):
            return d
    return None


def _glob(template: str) -> str:
    """A name template as a glob: every placeholder any text, brackets taken literally."""
    escaped = canonical(template).replace("[", "[[]")
    return fill_fields(escaped, {}, missing="*")


def file_name(d: Deliverable, fields: dict[str, str], index: int, count: int) -> str | None:
    """The stem a deliverable's ``index``-th file (1-based) gets from its ``name`` template, or None
    without a template.  Without ``{n}`` in a template of several files, ``-N`` is added."""
    if d.name is None:
        return None
    stem = fill_fields(d.name, {**fields, "n": str(index)})
    if count > 1 and "{n}" not in d.name:
        stem = f"{stem}-{index}"
    return stem


def missing_fields(template: str | None, fields: dict[str, str]) -> list[str]:
    """The placeholders of ``template`` the manifest gives no value for (``n`` is always known)."""
    from .filenames import template_fields

    if template is None:
        return []
    return [f for f in template_fields(template) if f != "n" and not fields.get(f)]


def fields_needed(profile: Profile) -> list[str]:
    """The placeholders the profile's name templates use that a person gives (``[fields]``), in
    order: not ``studio`` (the studio name), ``theme`` or ``n`` (known to kcsubmit)."""
    from .filenames import template_fields

    names = [name for d in profile.deliverables for t in (d.name, d.archive) if t for name in template_fields(t)]
    return [name for name in dict.fromkeys(names) if name not in ("studio", "theme", "n")]


def archive_profile(profile: Profile, deliverable_id: str) -> Profile:
    """The profile an archive carrying ``deliverable_id`` is judged by: that deliverable's archive
    ``formats`` and ``max_bytes``, the profile's own rules for what it holds (an archive may carry
    several deliverables: each file was judged by its own before packing)."""
    from dataclasses import replace

    d = profile.deliverable(deliverable_id)
    return replace(profile, archive=profile.for_deliverable(d).archive) if d is not None else profile

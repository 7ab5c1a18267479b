"""S007–S010: the deliverables of a format-2 profile (SPEC §7.1), for the submission as a whole.

Facts come from :mod:`kcsubmit.deliverables` through the engine: ``assigned`` [[id, path]],
``archives`` [[id, path]], ``unassigned`` [[kind, path]] and ``fields`` (the manifest's
``[fields]`` and the studio).  A profile without deliverables gives none of them: nothing fires.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING

from ..deliverables import file_name, missing_fields
from ..facts import SubmissionFacts
from ..filenames import fill_fields
from ..names import canonical
from .base import Violation, rule

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = SubmissionFacts


def _expected(low: int, high: int | None) -> str:
    if high is None:
        return f"≥ {low}"
    return str(low) if low == high else f"{low}–{high}"


@rule("S007", "deliverable-wrong-count", "submission", "error", None)
def wrong_count(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if "assigned" not in facts:
        return
    for d in profile.deliverables:
        files = [path for id_, path in facts.get("assigned", []) if id_ == d.id]
        count = len(files)
        expected = _expected(d.min_count, d.max_count)
        values = {"deliverable": d.title or d.id, "count": count, "expected": expected, "kind": d.kind,
                  "files": files}
        if count < d.min_count:
            yield Violation(actual=count, expected=expected, location=d.id, values=values,
                            variant="none" if count == 0 else None)
        elif d.max_count is not None and count > d.max_count:
            yield Violation(actual=count, expected=expected, location=d.id, values=values, variant="many")


@rule("S008", "deliverable-name-not-template", "submission", "warning", None)
def name_not_template(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """A file or an archive not named as its deliverable's template says (``pack`` names them so)."""
    fields = dict(facts.get("fields") or {})
    for id_, group in _grouped(facts.get("assigned", [])).items():
        d = profile.deliverable(id_)
        if d is None or d.name is None or missing_fields(d.name, fields):
            continue
        for index, path in enumerate(sorted(group), 1):
            want = file_name(d, fields, index, len(group)) or ""
            yield from _compare(path, want, d.title or d.id)
    for id_, path in facts.get("archives", []):
        d = profile.deliverable(id_)
        if d is None or d.archive is None or missing_fields(d.archive, fields):
            continue
        yield from _compare(path, fill_fields(d.archive, fields), d.title or d.id, variant="archive")


def _compare(path: str, want: str, deliverable: str, variant: str | None = None) -> Iterator[Violation]:
    stem = PurePath(path.rpartition("!")[2]).stem
    if canonical(stem) != canonical(want):
        yield Violation(actual=stem, expected=want, location=path, variant=variant,
                        values={"file": path, "name": stem, "expected": want, "deliverable": deliverable})


def _grouped(pairs: list[list[str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for id_, path in pairs:
        found.setdefault(id_, []).append(path)
    return found


@rule("S009", "deliverable-field-missing", "submission", "error", None)
def field_missing(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """A name template needs a value (``{author}``) the manifest's ``[fields]`` does not give."""
    if "assigned" not in facts or not (facts.get("source") == "manifest" or facts.get("for_pack")):
        return
    fields = dict(facts.get("fields") or {})
    reported: set[str] = set()
    for d in profile.deliverables:
        for template in (d.name, d.archive):
            for name in missing_fields(template, fields):
                if name in reported:
                    continue
                reported.add(name)
                yield Violation(actual=None, expected=name, location=f"fields.{name}",
                                values={"field": name, "template": template, "deliverable": d.title or d.id})


@rule("S010", "deliverable-unexpected-file", "submission", "warning", None)
def unexpected_file(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """A file of the submission that no deliverable takes: it is neither judged as one nor packed."""
    kinds = sorted({d.kind for d in profile.deliverables})
    for kind, path in facts.get("unassigned", []):
        yield Violation(actual=kind, expected=kinds, location=path,
                        values={"file": path, "kind": kind, "kinds": "、".join(kinds)})

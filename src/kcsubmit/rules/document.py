"""D001–D007: the case document.

Each check reads the facts of :func:`kcsubmit.probes.document.probe` and the
``[case]`` numbers of the profile.  D001 and D002 are gates: a PDF or a
damaged file cannot be counted or searched for pictures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..facts import DocumentFacts
from ..units import Bytes, Openings
from .base import Violation, rule
from .limits import keys

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = DocumentFacts  # every key its probe writes: a misspelt one is a type error

CONVERTIBLE = ("Word 97-2003", "WPS", "RTF", "ODT")
DOCX = "docx"  # what the document probe opens, when a profile names no format


@rule("D001", "document-not-docx", "document", "error", "document.convert", gate=True,
      keys=keys("case", "document_format"))
def not_docx(facts: Facts, profile: Profile) -> Iterator[Violation]:
    fmt = facts.get("format")
    expected = profile.case.get("document_format")
    if expected is None or fmt == expected or facts.get("encrypted"):
        return
    shown = {"Word 97-2003": "Word 97-2003 (.doc)"}.get(fmt or "", fmt or "?")
    if fmt in CONVERTIBLE:
        yield Violation(actual=fmt, expected=expected, values={"format": shown},
                        fixable=bool(facts.get("converter")))
    else:
        variant = "pdf" if fmt == "PDF" else None
        yield Violation(actual=fmt, expected=expected, values={"format": shown}, variant=variant,
                        fixable=False)


@rule("D002", "document-unreadable", "document", "error", None, gate=True)
def unreadable(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if facts.get("opened"):
        return
    if facts.get("encrypted"):
        yield Violation(actual="encrypted", expected="opens", variant="encrypted")
    elif facts.get("oversized"):
        big = facts["oversized"]
        where = f"{big['part']} unpacks" if big["part"] else "all parts unpack"
        yield Violation(actual=f"{where} to {big['size'] / 1e6:.0f} MB", expected=f"<= {big['limit'] / 1e6:.0f} MB",
                        variant="oversized" if big["part"] else "oversized_total",
                        values={"part": big["part"], "size": Bytes(big["size"]), "limit": Bytes(big["limit"])})
    elif facts.get("format") == profile.case.get("document_format", DOCX):
        reason = facts.get("open_error") or "?"
        yield Violation(actual=reason, expected="opens", variant="corrupt", values={"reason": reason})


@rule("D003", "document-too-many-words", "document", "error", None, keys=keys("case", "max_words"))
def too_many_words(facts: Facts, profile: Profile) -> Iterator[Violation]:
    count = facts.get("word_count")
    limit = profile.case.get("max_words")
    if count is None or limit is None or count <= limit:
        return
    body = facts.get("word_count_body", count)
    values = {"count": count, "count_body": body, "max": limit, "excess": count - limit,
              "paragraphs": Openings(tuple(tuple(p) for p in facts.get("longest_paragraphs", ())))}
    yield Violation(actual=count, expected=f"<= {limit}", values=values,
                    variant="body" if body != count else None)


@rule("D004", "document-too-few-pictures", "document", "error", None, keys=keys("case", "min_images"))
def too_few_pictures(facts: Facts, profile: Profile) -> Iterator[Violation]:
    count = facts.get("images")
    minimum = profile.case.get("min_images")
    if count is not None and minimum is not None and count < minimum:
        yield Violation(actual=count, expected=f">= {minimum}",
                        values={"count": count, "min": minimum, "missing": minimum - count})


@rule("D005", "document-picture-repeated", "document", "warning", None)
def repeated_pictures(facts: Facts, profile: Profile) -> Iterator[Violation]:
    refs, distinct = facts.get("image_refs"), facts.get("images")
    if refs is not None and distinct is not None and refs > distinct:
        names = list(facts.get("repeated_images", []))
        yield Violation(actual=refs - distinct, expected=0,
                        values={"count": refs - distinct, "names": names})


@rule("D006", "document-tracked-changes", "document", "warning", None)
def tracked_changes(facts: Facts, profile: Profile) -> Iterator[Violation]:
    revisions, comments = facts.get("revisions") or 0, facts.get("comments") or 0
    if revisions or comments:
        yield Violation(actual={"revisions": revisions, "comments": comments}, expected=0,
                        values={"revisions": revisions, "comments": comments})


@rule("D007", "document-empty", "document", "error", None)
def empty(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if facts.get("opened") and facts.get("word_count") == 0:
        yield Violation(actual=0, expected="> 0")


@rule("D008", "text-too-long", "document", "error", None, keys=keys("case", "max_chars"))
def too_many_chars(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """A caption or text limit (``max_chars``), counted as Word's 字数 like D003."""
    count, limit = facts.get("word_count"), profile.case.get("max_chars")
    if count is not None and limit is not None and count > limit:
        yield Violation(actual=count, expected=f"<= {limit}",
                        values={"count": count, "max": limit, "excess": count - limit})

"""A001–A014: an archive given to `check` (and every archive `pack` writes; A014 all of them together).

Each check reads the facts of :func:`kcsubmit.probes.archive.probe` and the
``[archive]`` numbers of the profile.  A7z or tar archive is A001 but its
contents are still checked, so the teacher learns everything at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..facts import ArchiveFacts
from ..units import Bytes, Phrase
from .base import Violation, rule
from .limits import keys

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = ArchiveFacts  # every key its probe writes: a misspelt one is a type error
ARCHIVE_SUFFIXES = {"zip": (".zip",), "rar": (".rar",)}
SHOWN = 5  # names listed in a message


@rule("A001", "archive-not-zip-or-rar", "archive", "error", "archive.repack", keys=keys("archive", "formats"))
def not_zip_or_rar(facts: Facts, profile: Profile) -> Iterator[Violation]:
    fmt = facts.get("format") or "unknown"
    if facts.get("size_bytes") == 0:
        return  # nothing at all: A012
    accepted = profile.archive.get("formats")
    if accepted and fmt not in accepted:
        yield Violation(actual=fmt, expected=list(accepted), values={"format": fmt},
                        fixable=fmt != "unknown")
        return
    suffix = (facts.get("suffix") or "").lower()
    if suffix not in ARCHIVE_SUFFIXES.get(fmt, (f".{fmt}",)):
        yield Violation(actual=suffix or "(none)", expected=f".{fmt}", variant="name",
                        values={"format": fmt, "suffix": suffix or "—"})


@rule("A002", "archive-too-big", "archive", "error", "archive.repack", keys=keys("archive", "max_bytes"))
def too_big(facts: Facts, profile: Profile) -> Iterator[Violation]:
    size, limit = facts.get("size_bytes") or 0, profile.archive.get("max_bytes")
    if limit is not None and size >= limit:
        yield Violation(actual=size, expected=f"< {limit}", fixable=bool(facts.get("videos")),
                        values={"size": Bytes(size), "limit": Bytes(limit), "over": Bytes(size - limit + 1)})


@rule("A003", "archive-encrypted", "archive", "error", None)
def encrypted(facts: Facts, profile: Profile) -> Iterator[Violation]:
    names = facts.get("encrypted") or []
    if facts.get("headers_encrypted"):
        yield Violation(actual="encrypted headers", expected="not encrypted", variant="all")
    elif names:
        yield Violation(actual=names[:20], expected="not encrypted", values={"entries": len(names)})


@rule("A004", "archive-unsafe-path", "archive", "error", None)
def unsafe_path(facts: Facts, profile: Profile) -> Iterator[Violation]:
    unsafe = facts.get("unsafe") or []
    if unsafe:
        entry, why = unsafe[0]
        yield Violation(actual=[name for name, _ in unsafe[:20]], expected="relative paths inside the archive",
                        location=entry, values={"entry": entry, "reason": Phrase(f"unsafe_{why}"),
                                                "count": len(unsafe)})


@rule("A005", "archive-junk-entries", "archive", "warning", "archive.repack")
def junk(facts: Facts, profile: Profile) -> Iterator[Violation]:
    names = facts.get("junk") or []
    if names:
        yield Violation(actual=names[:20], expected=[], values={"count": len(names), "names": names[:SHOWN]})


@rule("A006", "archive-names-not-utf8", "archive", "warning", "archive.repack")
def names_not_utf8(facts: Facts, profile: Profile) -> Iterator[Violation]:
    names = facts.get("non_utf8") or []
    if names:
        shown, decoded = names[0]
        yield Violation(actual=shown, expected=decoded or "UTF-8 name", location=shown,
                        values={"count": len(names), "example": shown, "decoded": decoded or "?"})


@rule("A007", "archive-bomb", "archive", "error", None, gate=True)
def bomb(facts: Facts, profile: Profile) -> Iterator[Violation]:
    kind = facts.get("bomb")
    if not kind:
        return
    limits = profile.archive
    values = {"entries": facts.get("entries", 0), "unpacked": Bytes(facts.get("unpacked_bytes", 0)),
              "ratio": facts.get("ratio", 0), "max_entries": limits["max_entries"],
              "max_unpacked": Bytes(limits["max_unpacked_bytes"]), "max_ratio": limits["max_ratio"]}
    yield Violation(actual=kind, expected="within the bomb limits", variant=kind, values=values)


@rule("A008", "archive-damaged", "archive", "error", None)
def damaged(facts: Facts, profile: Profile) -> Iterator[Violation]:
    reason = facts.get("damaged")
    if reason:
        yield Violation(actual=reason, expected="intact",
                        values={"reason": reason, "readable": facts.get("readable", 0)})


@rule("A009", "archive-nested", "archive", "warning", None)
def nested(facts: Facts, profile: Profile) -> Iterator[Violation]:
    names = facts.get("nested") or []
    if names:
        yield Violation(actual=names[:20], expected=[], location=names[0], values={"entry": names[0]})


@rule("A010", "archive-split-volume", "archive", "error", None, gate=True)
def split_volume(facts: Facts, profile: Profile) -> Iterator[Violation]:
    volume = facts.get("volume")
    if volume:
        yield Violation(actual=volume, expected="a single-volume archive", values={"volume": volume})


@rule("A011", "archive-wrong-contents", "archive", "error", None)
def wrong_contents(facts: Facts, profile: Profile) -> Iterator[Violation]:
    role = facts.get("role")
    if facts.get("encrypted") or facts.get("damaged") or facts.get("unverified"):
        return  # what the archive holds cannot be counted: A003/A008/A013 say why
    if role == "theme" and len(facts.get("videos", [])) != 1:
        count = len(facts["videos"])
        yield Violation(actual=count, expected=1, variant="theme",
                        values={"count": count, "upload": Phrase("upload_theme"),
                                "expected_kind": Phrase("kind_video")})
    elif role == "case" and len(facts.get("documents", [])) != 1:
        count = len(facts["documents"])
        yield Violation(actual=count, expected=1, variant="case",
                        values={"count": count, "upload": Phrase("upload_case"),
                                "expected_kind": Phrase("kind_document")})


@rule("A012", "archive-empty", "archive", "error", None)
def empty(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if facts.get("headers_encrypted"):
        return  # its entries cannot even be listed: A003
    if facts.get("size_bytes") == 0 or (facts.get("files") == 0 and not facts.get("damaged")):
        yield Violation(actual=0, expected="> 0 files")


@rule("A013", "archive-contents-unverified", "archive", "info", None)
def unverified(facts: Facts, profile: Profile) -> Iterator[Violation]:
    names = facts.get("unverified") or []
    if names:
        tool = facts.get("unverified_tool")
        values = {"count": len(names), "names": names[:SHOWN], "tool": tool or "—",
                  "detail": facts.get("unverified_detail") or "",
                  "install": Phrase(f"rar_install_{facts.get('host') or 'linux'}")}
        yield Violation(actual=names[:20], expected="verified", location=names[0], values=values,
                        variant="no_tool" if tool is None else None)


@rule("A014", "archives-total-too-big", "archive", "error", None)
def total_too_big(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """``archive.total_max_bytes``: every archive ``pack`` writes, together (``pack_total_bytes``,
    set by pack over its plan; a single archive checked alone has no such fact)."""
    total, limit = facts.get("pack_total_bytes"), profile.archive.get("total_max_bytes")
    if total is None or limit is None or total <= limit:
        return
    yield Violation(actual=total, expected=f"<= {limit}",
                    values={"size": Bytes(total), "limit": Bytes(limit), "count": facts.get("pack_archives", 0)})

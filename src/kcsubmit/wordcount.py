"""The 字数 that Microsoft Word shows (审阅 → 字数统计, text boxes, footnotes and endnotes included).

Word defines 字数 = 中文字符和朝鲜语单词 + 非中文单词 (SPEC §6). Within one paragraph:

* every East Asian character counts 1: the blocks CJK Radicals Supplement to CJK Unified
  Ideographs Extension A (U+2E80–4DBF: radicals, CJK Symbols and Punctuation, kana, Bopomofo,
  Hangul compatibility jamo, Enclosed CJK Letters and Months, CJK Compatibility), CJK Unified
  Ideographs, Hangul (jamo, syllables), CJK Compatibility Ideographs, Vertical Forms, CJK
  Compatibility Forms, Halfwidth and Fullwidth Forms (so ＡＢＣ１２３ count 1 each), the kana
  supplements and the ideographs of planes 2 and 3. U+3000 (ideographic space) is white space;
* every run of other non-space characters counts 1 (Latin words, numbers such as ``3.14``,
  ASCII punctuation, emoji, ①②); a run ends at white space (``str.isspace``: U+3000, NBSP and
  tabs included), at U+200B (zero-width space) or at an East Asian character.

Decisions where Word itself looks at fonts rather than code points:

* “ ” ‘ ’ … — ― · are "ambiguous" characters: Word counts them as Chinese characters when the
  run uses its East Asian font, which is what a Chinese input method produces. The SPEC lists
  “” among the characters that count 1, and a case document is Chinese, so they count 1 each
  (``他说——“好”……`` = 9). One exception keeps English words whole: such a character with a
  run character on both sides belongs to the run (``don’t``, ``Xi’an``, ``a·b`` = 1 each),
  because a Chinese input method never puts it inside a Latin word.
* The Enclosed Ideographic Supplement (🈶, 🉐) is taken as emoji, not CJK: it joins runs.
* Combining marks and variation selectors after an East Asian character belong to it; soft
  hyphens and zero-width (non-)joiners are invisible: never a word, never a break.
* Hangul counts per syllable, as the SPEC's ``안녕하세요`` = 5 says (Word's label speaks of
  Korean *words*; the SPEC is the contract here).
* ``hanzi`` counts Han ideographs only: CJK Unified Ideographs and Extensions A–I, the
  compatibility ideographs; not 〇 (U+3007) nor radicals, which still count to ``words``.

The document walk reads the XML of the main part (body, tables, text boxes) and of the
footnotes and endnotes parts; headers, footers and comments are never read.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from docx.opc.part import XmlPart
from lxml import etree

_EAST_ASIAN = (
    (0x1100, 0x11FF), (0x2E80, 0x4DBF), (0x4E00, 0x9FFF), (0xA960, 0xA97F),
    (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF), (0x1AFF0, 0x1B16F), (0x20000, 0x3FFFF),
)  # fmt: skip
_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_AMBIGUOUS = frozenset("\u2018\u2019\u201c\u201d\u2026\u2014\u2015\u00b7")
_INVISIBLE = frozenset("\u00ad\u200c\u200d\u2060\ufeff")
_ZWSP = "\u200b"


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    i = bisect_right(ranges, (ord(ch), 0x10FFFF))
    return i > 0 and ranges[i - 1][0] <= ord(ch) <= ranges[i - 1][1]


def _is_run_char(ch: str) -> bool:
    """A character that can continue a run of non-East-Asian text."""
    return not (ch.isspace() or ch == _ZWSP or ch in _AMBIGUOUS or _in(_EAST_ASIAN, ch))


@dataclass(frozen=True)
class TextCount:
    """The 字数 of some text and its two parts."""

    words: int  # 字数 = East Asian characters + runs of other non-space characters
    hanzi: int  # Han ideographs only
    latin_words: int  # runs of non-East-Asian, non-space characters

    def __add__(self, other: TextCount) -> TextCount:
        return TextCount(
            self.words + other.words, self.hanzi + other.hanzi, self.latin_words + other.latin_words
        )


def count_text(text: str) -> TextCount:
    """Count one paragraph's text the way Word does: ``count_text("使用 Adobe 软件").words == 5``."""
    east_asian = hanzi = runs = 0
    state = " "  # " " after white space, "e" after an East Asian character, "r" inside a run
    for i, ch in enumerate(text):
        if ch.isspace() or ch == _ZWSP:
            state = " "
        elif ch in _INVISIBLE or (state == "e" and unicodedata.category(ch).startswith("M")):
            continue
        elif _in(_EAST_ASIAN, ch) or (
            ch in _AMBIGUOUS
            and not (state == "r" and i + 1 < len(text) and _is_run_char(text[i + 1]))
        ):
            east_asian += 1
            hanzi += _in(_HAN, ch)
            state = "e"
        elif state != "r":
            runs += 1
            state = "r"
    return TextCount(east_asian + runs, hanzi, runs)


def count_paragraphs(paragraphs: Iterable[str]) -> TextCount:
    """Sum of ``count_text`` over paragraphs: a paragraph boundary always ends a run."""
    total = TextCount(0, 0, 0)
    for text in paragraphs:
        total += count_text(text)
    return total


@dataclass(frozen=True)
class DocumentCount:
    """The 字数 of a Word document (SPEC §6)."""

    word_count: int  # body + tables (nested) + text boxes + footnotes + endnotes
    word_count_body: int  # body and tables only
    hanzi: int  # over the same scope as word_count
    latin_words: int  # over the same scope as word_count
    saved_word_count: int | None  # <Words> of docProps/app.xml: a cache, never decide on it
    paragraphs: tuple[tuple[int, str], ...]  # (words, text) of every counted paragraph, in order


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_EP = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
_DELETED = frozenset(_W + t for t in ("del", "moveFrom"))
# Only w:t and the elements below are text, so field codes (w:instrText) and deleted text
# (w:delText) never count. Not descended into: ruby guides (w:rt; the base text counts) and
# properties (w:pPr holds w:tabs/w:tab, tab stops rather than tab characters).
_NOT_TEXT = frozenset(_W + t for t in ("rt", "pPr", "rPr"))
_WHITE = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n"}


def _safe_parse(blob: bytes) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(blob, parser)


def _children(element: Any) -> list[Any]:
    """Child elements that Word shows: first mc:Choice over mc:Fallback, no deleted text."""
    if element.tag == _MC + "AlternateContent":
        choices = [c for c in element if c.tag == _MC + "Choice"]
        return choices[:1] or [c for c in element if c.tag == _MC + "Fallback"][:1]
    return [c for c in element if isinstance(c.tag, str) and c.tag not in _DELETED]


def _symbol(sym: Any) -> str:
    try:
        code = int(sym.get(_W + "char", ""), 16)
        return chr(code) if not 0xD800 <= code <= 0xDFFF else "\ufffd"
    except (ValueError, OverflowError):
        return "\ufffd"


def _inline_text(element: Any, boxes: list[Any]) -> Iterator[str]:
    """Text of a paragraph's own runs; text boxes met on the way are appended to ``boxes``."""
    for child in _children(element):
        tag = child.tag
        if tag == _W + "t":
            yield child.text or ""
        elif tag in _WHITE:
            yield _WHITE[tag]
        elif tag == _W + "noBreakHyphen":
            yield "-"
        elif tag == _W + "sym":
            yield _symbol(child)
        elif tag == _W + "txbxContent":
            boxes.append(child)
        elif tag not in _NOT_TEXT:
            yield from _inline_text(child, boxes)


def _paragraphs(container: Any, in_body: bool) -> Iterator[tuple[str, bool]]:
    """(text, in_body) of every paragraph below ``container``; a text box follows its anchor."""
    for child in _children(container):
        if child.tag != _W + "p":
            yield from _paragraphs(child, in_body)
            continue
        boxes: list[Any] = []
        yield "".join(_inline_text(child, boxes)), in_body
        for box in boxes:
            yield from _paragraphs(box, False)


def _notes(document_part: Any, kind: str) -> Iterator[Any]:
    """The w:footnote / w:endnote elements of real notes (not the separators)."""
    for rel in list(document_part.rels.values()):
        if rel.is_external or not rel.reltype.endswith("/" + kind + "s"):
            continue
        part = rel.target_part
        root = part.element if isinstance(part, XmlPart) else _safe_parse(part.blob)
        for note in root.iter(_W + kind):
            if note.get(_W + "type") in (None, "normal"):
                yield note


def _saved_word_count(package: Any) -> int | None:
    for part in package.iter_parts():
        if part.partname != "/docProps/app.xml":
            continue
        try:
            words = _safe_parse(part.blob).find(_EP + "Words")
            return int(words.text.strip()) if words is not None and words.text else None
        except (etree.XMLSyntaxError, ValueError):
            return None
    return None


def count_document(document: Any) -> DocumentCount:
    """Count a python-docx ``Document`` (``docx.Document(path)``) as Word's 字数统计 does.

    Raises ``lxml.etree.XMLSyntaxError`` when a footnotes or endnotes part is not well-formed
    XML (Word refuses such a file too); a broken ``docProps/app.xml`` only gives ``None``.
    """
    part = document.part
    body_element = part.element.find(_W + "body")
    found = [] if body_element is None else list(_paragraphs(body_element, True))
    for kind in ("footnote", "endnote"):
        for note in _notes(part, kind):
            found.extend(_paragraphs(note, False))
    total = body = TextCount(0, 0, 0)
    paragraphs = []
    for text, in_body in found:
        counted = count_text(text)
        total += counted
        body += counted if in_body else TextCount(0, 0, 0)
        paragraphs.append((counted.words, text))
    return DocumentCount(
        word_count=total.words,
        word_count_body=body.words,
        hanzi=total.hanzi,
        latin_words=total.latin_words,
        saved_word_count=_saved_word_count(part.package),
        paragraphs=tuple(paragraphs),
    )


def longest_paragraphs(
    count: DocumentCount, n: int = 3, opening: int = 20
) -> list[tuple[int, str]]:
    """The ``n`` paragraphs with most words (ties in document order), each as (words, opening).

    The opening is the paragraph's first ``opening`` characters, white space collapsed to
    single spaces, with "…" appended when it was cut. Paragraphs without words are left out.
    """
    ranked = sorted((p for p in count.paragraphs if p[0] > 0), key=lambda p: -p[0])[: max(n, 0)]
    result = []
    for words, text in ranked:
        flat = re.sub(r"\s+", " ", text).strip()
        result.append((words, flat[:opening] + "…" if len(flat) > opening else flat))
    return result

"""Names from outside shown as data: never markup, never terminal control, always text.

File names, folder names, archive entry names, studio names and measured facts
(a codec tag is four bytes anyone can write) reach every report.  Two functions
turn them into what a report may print, and every reporter passes its whole
result through one of them before it writes a character:

- :func:`readable` (JSON, CSV, JUnit, HTML): a name that is not UTF-8 — a file
  unpacked by an old Chinese tool, a tar member — arrives from the file system
  with its bytes as surrogate escapes; it is decoded as it was meant (UTF-8,
  else GB18030, which includes GBK) or, failing both, with U+FFFD replacement
  characters, so no output stream ever meets a character it cannot encode;
- :func:`visible` (the text report, the fix and pack tables, GitHub annotations,
  the one-line errors): :func:`readable`, then every control character (C0, DEL,
  C1, the line and paragraph separators) and every bidi control shown escaped as
  ``\\x1b`` / ``\\u202e``, so a name can neither move the cursor, clear the screen,
  set the window title nor reorder the text around it.

Both walk strings inside dataclasses, tuples, lists and dicts (``Report``,
``FixReport``, ``PackReport``); anything else (numbers, paths, enums) is kept.
The library keeps the original names: ``fix`` must still find the file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

# What a terminal acts on instead of showing: C0 (tab and line breaks too: a name is one line),
# DEL, C1, the Unicode line/paragraph separators, and the bidi marks, embeddings, overrides and
# isolates (U+061C, U+200E/F, U+202A-E, U+2066-9).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
SURROGATE = re.compile("[\ud800-\udfff]")
# Path separators, and "!" between an archive and its entry: each part may come from another tool.
PARTS = re.compile(r"([/\\!])")


def escape_char(char: str) -> str:
    """``\\x1b``, ``\\u202e`` or ``\\U000e0001``: the character as Python would write it."""
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def decode(text: str) -> str:
    """``text`` with the bytes of a non-UTF-8 name decoded as meant (see the module docstring)."""
    if text.isascii() or not SURROGATE.search(text):
        return text
    return "".join(_decode_part(part) for part in PARTS.split(text))


def _decode_part(part: str) -> str:
    if not SURROGATE.search(part):
        return part
    try:
        raw = part.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that stands for no byte (not from the file system)
        return SURROGATE.sub("\ufffd", part)
    return meant(raw) or raw.decode("utf-8", "replace")


def meant(raw: bytes) -> str | None:
    """What the bytes of a name meant: UTF-8 when valid (macOS, Linux), else GB18030, which holds
    GBK (Chinese Windows and its zip tools), else None."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def escape_controls(text: str, keep: str = "") -> str:
    """Every control and bidi character of ``text`` escaped visibly (but those in ``keep``)."""
    return CONTROL.sub(lambda m: m.group() if m.group() in keep else escape_char(m.group()), text)


def show(text: str, keep: str = "") -> str:
    """One string as a terminal may print it: decoded, controls escaped (but those in ``keep``)."""
    return escape_controls(decode(text), keep)


def readable(value: T) -> T:
    """``value`` with every string in it decoded (for the data formats)."""
    return _walk(value, decode)


def visible(value: T, keep: str = "") -> T:
    """``value`` with every string in it decoded and its controls escaped (for terminals).

    ``keep``: controls a later step escapes its own way (GitHub's ``%0A`` for a line break)."""
    return _walk(value, lambda text: show(text, keep))


def _walk(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, Enum):  # Severity is a str: keep the member
        return value
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, tuple):
        items = [_walk(v, fn) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    if isinstance(value, dict) or (hasattr(value, "items") and hasattr(value, "keys")):
        return {_walk(k, fn): _walk(v, fn) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name), fn) for f in fields(value) if f.init}
        return replace(value, **changes)
    return value


def canonical(text: str) -> str:
    """How theme names are compared: decoded (a GBK file name), NFKC (a Kangxi radical ⼈ or a CJK
    compatibility ideograph becomes the ideograph it looks like, full-width letters half-width),
    without surrounding space."""
    return unicodedata.normalize("NFKC", decode(text)).strip()


def invisible(text: str) -> list[str]:
    """The characters of ``text`` a reader cannot see (format characters such as U+200B, and
    controls), each as ``U+200B``."""
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cf", "Cc", "Co", "Cn")]

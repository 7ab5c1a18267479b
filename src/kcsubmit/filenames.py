"""The names kcsubmit gives files: ``{studio}-{theme}.zip`` and what it holds.

A studio name and a ``[pack] name`` template are typed by people and may come
from anyone; the names made from them become files in the output folder and
entries of the archives.  Three checks keep them harmless, each used by the
manifest, ``init``, the S006 rule and ``pack`` alike:

- :func:`template_problem`: a template is plain text with ``{studio}`` and
  ``{theme}`` only — no other placeholder, no format spec (``{studio:>50000000}``),
  no conversion, attribute or index;
- :func:`fill`: the substitution itself, which evaluates nothing else;
- :func:`name_problem`: a filled name is one portable file name: no separator
  (``/`` ``\\``), not hidden or ``..``, no control character (NUL, ESC, bidi),
  none of the characters Windows cannot store (``<>:"|?*``, so no drive letter),
  no trailing dot or space, no device name (``CON``, ``NUL``, ``COM1``…), valid
  text (no undecodable bytes), and at most 255 bytes with its extension.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from .names import CONTROL, SURROGATE, escape_char

PLACEHOLDERS = ("studio", "theme")
DEFAULT_TEMPLATE = "{studio}-{theme}"
CASE_THEME = "优秀案例"  # the case archive's "theme" in its name
EXTENSIONS = (".zip", ".mp4", ".docx")  # what a name is given in pack: the longest decides
WINDOWS_FORBIDDEN = '<>:"|?*'
DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
           "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³", "CONIN$", "CONOUT$"}
MAX_BYTES = 255  # a file name on ext4, APFS, NTFS (UTF-16 units there; UTF-8 bytes is stricter for CJK)


def template_problem(template: str) -> str | None:
    """Why ``template`` cannot name archives (English, for the manifest's one-line error), or None."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:  # "{studio" or a lone "}"
        return f"{exc} (write a literal brace as {{{{ or }}}})"
    found = set()
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return f"unknown placeholder {{{name}}} (known: {{studio}}, {{theme}})"
        if spec or conversion:
            return f"{{{name}}} takes no format spec or conversion"
        found.add(name)
    if "theme" not in found:
        return 'it must contain {theme}, e.g. "{studio}-{theme}"'
    return None


FIELD = r"[a-z][a-z0-9_]*"  # a profile template's placeholder: {title}, {author}, {school}, {group}, {n}


def field_template_problem(template: str) -> str | None:
    """Why a profile's deliverable name template (``{group}+《{title}》+{author}+{school}``) cannot
    name files, or None: placeholders are plain lower-case names, no format spec or conversion."""
    import re

    try:
        fields = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"{exc} (write a literal brace as {{{{ or }}}})"
    for _, name, spec, conversion in fields:
        if name is None:
            continue
        if not re.fullmatch(FIELD, name):
            return f"placeholder {{{name}}}: expected a lower-case name such as {{title}}"
        if spec or conversion:
            return f"{{{name}}} takes no format spec or conversion"
    return None


def template_fields(template: str) -> list[str]:
    """The placeholders of a checked template, in order, each once."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    return list(dict.fromkeys(names))


def fill_fields(template: str, values: dict[str, str], missing: str = "") -> str:
    """A checked template filled from ``values``; a placeholder without a value becomes ``missing``."""
    parts: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(values.get(name) or missing)
    return "".join(parts)


def fill(template: str, studio: str | None, theme: str | None) -> str:
    """The name made from a checked template: plain substitution, nothing else evaluated."""
    values = {"studio": studio or "", "theme": theme or ""}
    parts: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(values.get(name, ""))
    return "".join(parts)


@dataclass(frozen=True)
class Problem:
    """Why a name is no portable file name: a reason (S006's variant) and the character at fault."""

    reason: str  # separator | hidden | control | windows | end | device | undecodable | long
    char: str = ""  # as shown: "/" or "\x1b"


def name_problem(name: str) -> Problem | None:
    """The first reason ``name`` (before its extension) cannot be a file everywhere, or None."""
    for char in name:
        if char in "/\\":
            return Problem("separator", char)
    bad = SURROGATE.search(name)
    if bad:  # a byte the file system or the command line could not decode, as \xff
        code = ord(bad.group())
        return Problem("undecodable", f"\\x{code - 0xDC00:02x}" if code >= 0xDC80 else escape_char(bad.group()))
    control = CONTROL.search(name)
    if control:
        return Problem("control", escape_char(control.group()))
    if name.startswith("."):
        return Problem("hidden", ".")
    for char in name:
        if char in WINDOWS_FORBIDDEN:
            return Problem("windows", char)
    if name.endswith((".", " ")):
        return Problem("end", name[-1])
    if name.split(".")[0].strip().upper() in DEVICES:
        return Problem("device", name.split(".")[0])
    longest = max(len(f"{name}{ext}".encode()) for ext in EXTENSIONS)
    if longest > MAX_BYTES:
        return Problem("long", str(longest))
    return None


def not_in_encoding(name: str, encoding: str) -> str | None:
    """The first character of ``name`` that ``encoding`` cannot write (``--name-encoding gbk``)."""
    try:
        name.encode(encoding)
    except UnicodeEncodeError as exc:
        return name[exc.start]
    return None

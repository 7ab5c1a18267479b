"""Reporters turn a result into output.  ``REPORTERS`` (check), ``FIX_REPORTERS`` and
``PACK_REPORTERS`` name them for the CLI.

Each check format is a module with ``render(report, out, options)`` writing to a text
stream; fix and pack formats are ``render_fix`` / ``render_pack`` functions of such modules.
A new format is one module and one entry here.  A reporter reads only the result
(:mod:`kcsubmit.models`) and the helpers below; it loads no profile, searches no disk,
decodes no media and imports no other reporter (``tests/test_architecture.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from json import dumps  # not `import json`: the submodule reporters.json would replace it here
from typing import Any, TextIO

from ..i18n import ui
from ..models import FixReport, PackReport, Report
from ..units import Bytes, Seconds

# format name → module (imported only when used: rich is slow to import).
REPORTERS: dict[str, str] = {
    "text": "kcsubmit.reporters.text",
    "json": "kcsubmit.reporters.json",
    "csv": "kcsubmit.reporters.csv",
    "junit": "kcsubmit.reporters.junit",
    "github": "kcsubmit.reporters.github",
    "html": "kcsubmit.reporters.html",
}


# The formats of fix and pack: name → "module:function" (text and json at least).
FIX_REPORTERS: dict[str, str] = {
    "text": "kcsubmit.reporters.text:render_fix",
    "json": "kcsubmit.reporters.json:render_fix",
}
PACK_REPORTERS: dict[str, str] = {
    "text": "kcsubmit.reporters.text:render_pack",
    "json": "kcsubmit.reporters.json:render_pack",
}


@dataclass(frozen=True)
class Options:
    lang: str = "zh"
    color: bool = True
    verbose: bool = False
    quiet: bool = False
    target: str = "."  # what the user checked, as the report names it
    command: str = ""  # the same as arguments of a suggested command (quoted, with its --rules)

    @property
    def next_args(self) -> str:
        """The arguments a suggested ``kcsubmit fix …`` / ``pack …`` line repeats."""
        return self.command or self.target


def get(name: str) -> Callable[[Report, TextIO, Options], None]:
    return import_module(REPORTERS[name]).render


def get_fix(name: str) -> Callable[[FixReport, TextIO, Options], None]:
    return _function(FIX_REPORTERS[name])


def get_pack(name: str) -> Callable[[PackReport, TextIO, Options], None]:
    return _function(PACK_REPORTERS[name])


def _function(spec: str) -> Any:
    module, _, name = spec.partition(":")
    return getattr(import_module(module), name)


def write_utf8(out: TextIO, text: str) -> None:
    """Write ``text`` as UTF-8 bytes, untouched by the stream's encoding and newlines.

    ``sys.stdout`` redirected to a file on Chinese Windows encodes with the
    ANSI code page (GBK, which has no BOM) and turns each ``\\n`` into
    ``\\r\\n``, so every CSV row would end ``\\r\\r\\n``.  A stream with a binary
    ``buffer`` (stdout, a file opened in text mode) gets the bytes directly;
    anything else (``io.StringIO``) gets the text as it is.
    """
    binary = getattr(out, "buffer", None)
    if binary is None:
        out.write(text)
        return
    out.flush()  # anything already written through the text layer comes first
    binary.write(text.encode("utf-8", "replace"))  # reporters pass names through names.readable first
    binary.flush()


def plain(value: Any) -> str:
    """A measured value as plain text: None empty, booleans and containers as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return str(value)


def outer_files(report: Report) -> dict[str, str]:
    """Each file's path → the path of the outermost file holding it (itself when on disk).

    The engine writes a file found inside another as ``OUTER!INNER`` and reports
    the outer one too, so the outer path is the shortest reported path that is
    followed by ``!``; matching against reported paths (rather than cutting at
    the first ``!``) keeps a ``!`` in an ordinary file name intact.
    """
    paths = {r.path for r in report.files}
    outer: dict[str, str] = {}
    for path in paths:
        top = path
        cut = path.find("!")
        while cut != -1:
            if path[:cut] in paths:
                top = path[:cut]
                break
            cut = path.find("!", cut + 1)
        outer[path] = top
    return outer


def profile_lines(report: Report, lang: str) -> list[str]:
    """Which profile judged the report: its name and title, "not verified", a deadline passed."""
    p = report.profile
    if p is None:
        return []
    head = ui("profile_line", lang, name=p.name, title=p.title or p.name)
    if not p.verified:
        head += " · " + ui("profile_unverified", lang)
    lines = [head]
    if p.deadline_passed and p.deadline:
        lines.append(ui("profile_deadline_passed", lang, deadline=p.deadline[:16].replace("T", " ")))
    return lines


def facts_line(kind: str, facts: Mapping[str, Any], lang: str) -> str:
    """A one-line portrait of a file: "1920x1080 · 1分5秒 · AVC/AAC · MPEG-4 · 5.1 MB"."""
    if kind == "submission":
        return ""
    parts: list[str] = [ui(f"kind_{kind}", lang)]
    if facts.get("format"):
        parts.append(str(facts["format"]))
    if kind == "archive" and facts.get("rar_tool"):  # which program read the compressed RAR entries
        parts.append(ui("fact_rar_tool", lang, tool=f"{facts['rar_tool']} ({facts.get('rar_tool_path')})"))
    if kind == "document" and facts.get("word_count") is not None:
        parts.append(ui("fact_words", lang, words=facts["word_count"], images=facts.get("images", 0)))
    if kind == "image" and facts.get("display_width"):
        parts.append(f"{facts['display_width']}x{facts['display_height']} {facts.get('mode') or ''}".strip())
    if kind == "video":
        if facts.get("display_width"):
            parts.append(f"{facts['display_width']}x{facts['display_height']}")
        if facts.get("duration_s") is not None:
            parts.append(Seconds(facts["duration_s"]).render(lang))
        codecs = [c for c in (facts.get("video_codec"), facts.get("audio_codec")) if c]
        if codecs:
            parts.append("/".join(codecs))
    if facts.get("size_bytes") is not None:
        parts.append(Bytes(facts["size_bytes"]).render(lang))
    return " · ".join(parts)

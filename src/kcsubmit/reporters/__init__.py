"""Reporters turn a Report into output.  ``REPORTERS`` names them for the CLI.

Each module has ``render(report, out, options)`` writing to a text stream;
a new format is one module and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from json import dumps  # not `import json`: the submodule reporters.json would replace it here
from typing import Any, Callable, TextIO

from ..models import Report

# format name → module (imported only when used: rich is slow to import).
REPORTERS: dict[str, str] = {
    "text": "kcsubmit.reporters.text",
    "json": "kcsubmit.reporters.json",
    "csv": "kcsubmit.reporters.csv",
    "junit": "kcsubmit.reporters.junit",
    "github": "kcsubmit.reporters.github",
    "html": "kcsubmit.reporters.html",
}


@dataclass(frozen=True)
class Options:
    lang: str = "zh"
    color: bool = True
    verbose: bool = False
    quiet: bool = False
    target: str = "."  # what the user checked, for the suggested next command


def get(name: str) -> Callable[[Report, TextIO, Options], None]:
    return import_module(REPORTERS[name]).render  # type: ignore[no-any-return]


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

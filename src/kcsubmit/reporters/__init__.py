"""Reporters turn a Report into output.  ``REPORTERS`` names them for the CLI.

Each module has ``render(report, out, options)`` writing to a text stream;
a new format is one module and one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Callable, TextIO

from ..models import Report

# format name → module (imported only when used: rich is slow to import).
REPORTERS: dict[str, str] = {
    "text": "kcsubmit.reporters.text",
    "json": "kcsubmit.reporters.json",
    "csv": "kcsubmit.reporters.csv",
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

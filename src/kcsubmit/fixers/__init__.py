"""Fixers: each writes a repaired copy of one file; the originals are never touched.

A fixer is ``fix(src, result, profile, target, options) -> Outcome``: it reads
``src`` (whose check result is ``result``), writes the repaired file at
``target`` (a temporary name chosen by the caller, who renames it when
complete), and says what it did.  Each fixer module names the fixer steps it
performs in ``STEPS`` (see ``kcsubmit.rules.base.FIX_STEPS``); a rule names the
step that repairs it (``Rule.fix``), and a fixer reads those, not rule IDs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType

FITS = ("pad", "crop", "blur", "stretch")
#: kind → (fixer module, suffix of the repaired file); imported only when a file of that kind needs it.
FIXERS = {"video": ("kcsubmit.fixers.video", ".mp4"), "image": ("kcsubmit.fixers.image", ".jpg"),
          "document": ("kcsubmit.fixers.document", ".docx"), "archive": ("kcsubmit.fixers.archive", ".zip")}
ENCODERS = ("auto", "libx264", "h264_nvenc", "h264_qsv", "h264_amf", "h264_videotoolbox")


@dataclass(frozen=True)
class FixOptions:
    fit: str = "pad"  # how another shape reaches the target: bars, cut edges, blurred copy, distortion
    trim: bool = False  # allow cutting a video longer than the maximum
    encoder: str = "auto"
    progress: Callable[[float], None] | None = None  # fraction done, 0..1, of the current file


@dataclass(frozen=True)
class Outcome:
    action: str  # "copied" | "remuxed" | "transcoded" | "converted" | "repacked" | "rewritten"
    details: tuple[str, ...] = field(default_factory=tuple)  # e.g. ("scale 1080x1920 → 1920x1080 (pad)",)


def fixer(kind: str) -> ModuleType:
    """The fixer module of ``kind`` (KeyError for a kind without one)."""
    return import_module(FIXERS[kind][0])

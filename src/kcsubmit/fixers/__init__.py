"""Fixers: each writes a repaired copy of one file; the originals are never touched.

A fixer is ``fix(src, result, profile, target, options) -> Outcome``: it reads
``src`` (whose check result is ``result``), writes the repaired file at
``target`` (a temporary name chosen by the caller, who renames it when
complete), and says what it did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

FITS = ("pad", "crop", "blur", "stretch")
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

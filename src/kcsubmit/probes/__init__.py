"""Probes measure a file once and return its facts as a plain dict.

``PROBES`` maps a kind to the module that measures it; each such module has
``measure(path, fmt, profile) -> facts`` (``fmt``: the format found by content).
A module is imported only when a file of its kind is met (python-docx, lxml,
MediaInfo load when needed).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..profile import Profile

#: kind → probe module (with ``measure``); a kind missing here is listed as skipped.
PROBES = {"video": "kcsubmit.probes.video", "document": "kcsubmit.probes.document",
          "image": "kcsubmit.probes.image", "archive": "kcsubmit.probes.archive"}


def measure(kind: str) -> Callable[[Path, str, Profile], dict[str, Any]]:
    """The ``measure`` function of ``kind``'s probe module, imported on first use."""
    return import_module(PROBES[kind]).measure

"""How a rule reads a number of the profile: exact, a minimum, a maximum or a range.

Format 2 profiles (SPEC §7.1) may leave any number out, and give a size either exactly
(``width = 1920``) or as bounds (``min_width = 1920``); an absent key means "not checked".
Every rule reads its numbers through these helpers, so none of them meets a KeyError.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

FPS_TOLERANCE = 0.01  # a nominal rate matches an allowed one within ±0.01 fps
ORIENTATIONS = ("landscape", "portrait")
SIZE = ("width", "height", "min_width", "max_width", "min_height", "max_height")
IMAGE_SIZE = tuple(f"image_{key}" for key in SIZE)


def keys(section: str, *names: str) -> tuple[str, ...]:
    """``Rule.keys``: ``keys("video", "fps")`` → ``("video.fps",)``."""
    return tuple(f"{section}.{name}" for name in names)


def _names(key: str) -> tuple[str, str]:
    """``width`` → (``min_width``, ``max_width``); ``image_width`` → (``image_min_width``, …)."""
    prefix, rest = ("image_", key[6:]) if key.startswith("image_") else ("", key)
    return f"{prefix}min_{rest}", f"{prefix}max_{rest}"


def bounds(section: Mapping[str, Any], key: str) -> tuple[Any, Any]:
    """``(lo, hi)`` of one number: both the exact ``key`` when given, else its
    ``min_``/``max_`` keys; None for a side that is not checked."""
    exact = section.get(key)
    if exact is not None:
        return exact, exact
    low, high = _names(key)
    return section.get(low), section.get(high)


def inside(value: float, lo: float | None, hi: float | None) -> bool:
    return (lo is None or value >= lo) and (hi is None or value <= hi)


def checked(lo: Any, hi: Any) -> bool:
    return lo is not None or hi is not None


def range_text(lo: Any, hi: Any, unit: str = "") -> str:
    """``1920``, ``>= 1920``, ``<= 300``, ``100-300`` (language-neutral, for ``expected``)."""
    if lo is not None and hi is not None:
        return f"{lo:g}{unit}" if lo == hi else f"{lo:g}-{hi:g}{unit}"
    if lo is not None:
        return f">= {lo:g}{unit}"
    return f"<= {hi:g}{unit}"


def size_text(width: tuple[Any, Any], height: tuple[Any, Any]) -> str:
    """The size a profile allows, e.g. ``1920x1080``, ``>= 1920x1080``, ``(<= 640)x*`` (``*``: any)."""
    (wlo, whi), (hlo, hhi) = width, height
    if (wlo, whi) == (whi, wlo) and (hlo, hhi) == (hhi, hlo) and None not in (wlo, hlo):
        return f"{wlo}x{hlo}"
    if whi is None and hhi is None and None not in (wlo, hlo):
        return f">= {wlo}x{hlo}"
    if wlo is None and hlo is None and None not in (whi, hhi):
        return f"<= {whi}x{hhi}"
    def side(lo: Any, hi: Any) -> str:  # no words: the same text in every language
        if not checked(lo, hi):
            return "*"
        return f"{lo}" if lo == hi else f"({range_text(lo, hi)})"

    return f"{side(wlo, whi)}x{side(hlo, hhi)}"


def exact_size(section: Mapping[str, Any], prefix: str = "") -> tuple[int, int] | None:
    """The exact ``(width, height)`` when the profile gives both, else None."""
    width, height = section.get(f"{prefix}width"), section.get(f"{prefix}height")
    return (width, height) if width is not None and height is not None else None


def orientation_of(width: float, height: float) -> str:
    """``landscape``, ``portrait`` or ``square``."""
    return "landscape" if width > height else "portrait" if height > width else "square"


def wanted_orientation(section: Mapping[str, Any], key: str = "orientation") -> str | None:
    """The orientation the profile asks for explicitly (``any`` or absent: None)."""
    value = section.get(key)
    return value if value in ORIENTATIONS else None


def aspect_of(section: Mapping[str, Any]) -> tuple[int, int] | None:
    """The ``aspect`` asked for as (w, h), turned to an explicit ``orientation``: a portrait
    profile that writes "16:9" means 9:16. None when the profile gives no aspect."""
    aspect = section.get("aspect")
    if not aspect:
        return None
    w, h = (int(x) for x in str(aspect).split(":"))
    wanted = wanted_orientation(section)
    if wanted == "portrait" and w > h or wanted == "landscape" and h > w:
        return h, w
    return w, h


def allowed_rates(section: Mapping[str, Any]) -> Sequence[float] | None:
    """The nominal frame rates of ``fps = [25, 50]``, or None when the profile gives no list."""
    rates = section.get("fps")
    return [float(r) for r in rates] if rates else None


def rate_allowed(fps: float, rates: Sequence[float]) -> bool:
    return any(abs(fps - r) <= FPS_TOLERANCE for r in rates)


def kbps(value: float | None) -> str:
    return "?" if value is None else f"{value:g} kb/s"

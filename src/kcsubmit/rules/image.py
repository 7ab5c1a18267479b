"""I001–I006: each picture of the case, embedded in the document or loose.

Each check reads the facts of :func:`kcsubmit.probes.image.probe` and the
``[case]`` numbers of the profile.

Choices where SPEC §3 is silent:

- I003 fires for a picture that fails to decode (truncated, corrupt, a
  decompression bomb), for an empty or unreadable file, for a file that is not
  a picture at all (random bytes named ``.jpg``), and for a picture a document
  refers to but does not hold (``missing``: WPS's ``../NULL``; ``linked``: a file
  outside the document).  It is not a gate: what the header shows is still
  reported — a truncated PNG is I001 too, a truncated 1512x2688 JPEG I002 too —
  so the teacher knows what to export again; those findings are not fixable
  (the fix needs the pixels).  I004–I006 describe pixels a fix would change and
  stay quiet until the picture decodes.  A file that is no picture at all is
  I003 alone: converting cannot help, the file must be copied or exported again.
- A picture this installation has no decoder for (EMF/WMF without a renderer,
  AVIF without support) is not damaged: I003 stays quiet, I001 names the format
  and is not fixable.  HEIC is an ordinary convertible format (pillow-heif is a
  dependency); the ``heic`` variant, which names pillow-heif, is only for an
  installation where it fails to load.
- I006 fires when the displayed picture is narrower or lower than the target:
  some ``--fit`` would then have to enlarge it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..facts import ImageFacts
from .base import Violation, rule
from .limits import IMAGE_SIZE, bounds, checked, exact_size, inside, keys, size_text

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = ImageFacts  # every key its probe writes: a misspelt one is a type error

COLOUR_MODES = ("RGB", "L")  # what browsers show right and a JPEG can hold
HEIF_FORMATS = ("HEIC", "HEIF")

# I003 variants: the probe's decode_error is "<code>: <technical detail>".
REASON_CODES = ("empty", "unreadable", "not_picture", "truncated", "bomb", "corrupt", "missing", "linked")


def _size(facts: Facts) -> tuple[int, int] | None:
    width, height = facts.get("display_width"), facts.get("display_height")
    return (width, height) if width and height else None


def formats(profile: Profile) -> list[str]:
    """The picture formats allowed: ``image_formats``, else ``[image_format]`` (empty: any)."""
    listed = profile.case.get("image_formats")
    if listed:
        return list(listed)
    one = profile.case.get("image_format")
    return [one] if one else []


def colour_modes(profile: Profile) -> tuple[str, ...]:
    """The colour modes allowed: the profile's ``image_color_mode``, else RGB or greyscale."""
    mode = profile.case.get("image_color_mode")
    return (mode,) if mode else COLOUR_MODES


def size_bounds(profile: Profile) -> tuple[tuple[int | None, int | None], tuple[int | None, int | None]]:
    return bounds(profile.case, "image_width"), bounds(profile.case, "image_height")


def _fixable(facts: Facts) -> bool | None:
    """None (the rule's default) for a decoded picture; False when the pixels are lost."""
    return None if facts.get("decoded") else False


@rule("I001", "image-not-jpeg", "image", "error", "image.convert",
      keys=keys("case", "image_format", "image_formats", "image_extensions"))
def not_jpeg(facts: Facts, profile: Profile) -> Iterator[Violation]:
    fmt = facts.get("format")
    allowed = formats(profile)
    expected = "/".join(allowed)
    name = facts.get("name") or "—"
    if fmt is None:  # no picture at all, or none held: I003 says it
        return
    if allowed and fmt not in allowed:
        decoded = bool(facts.get("decoded"))
        if fmt in HEIF_FORMATS and not decoded and not facts.get("decode_error"):
            yield Violation(actual=fmt, expected=expected, variant="heic", fixable=False,
                            values={"name": name, "format": fmt})
        elif facts.get("decode_error"):  # what the header shows; converting needs the pixels
            yield Violation(actual=fmt, expected=expected, variant="damaged", fixable=False,
                            values={"name": name, "format": fmt})
        elif allowed != ["JPEG"]:  # a profile of other formats: name them
            yield Violation(actual=fmt, expected=expected, fixable=decoded and "JPEG" in allowed,
                            variant="formats", values={"name": name, "format": fmt, "expected": expected})
        else:  # EMF/AVIF with no decoder here cannot be converted either
            yield Violation(actual=fmt, expected=expected, fixable=decoded,
                            values={"name": name, "format": fmt})
        return
    suffix = facts.get("suffix") or ""
    extensions = profile.case.get("image_extensions")
    if not extensions:
        return
    if facts.get("loose", True) and suffix.lower() not in [e.lower() for e in extensions]:
        yield Violation(actual=suffix or "(none)", expected=extensions[0], variant="name",
                        values={"name": name, "suffix": suffix or "—"}, fixable=_fixable(facts))


@rule("I002", "image-not-640x480", "image", "error", "image.convert", fix_option="--fit",
      keys=keys("case", *IMAGE_SIZE))
def wrong_size(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """Exactly ``image_width`` x ``image_height``, or inside the ``image_min_``/``image_max_`` bounds."""
    size = _size(facts)
    wide, high = size_bounds(profile)
    if not size or not (checked(*wide) or checked(*high)):
        return
    exact = exact_size(profile.case, "image_")
    if exact is not None:
        if size == exact:
            return
        expected, variant = f"{exact[0]}x{exact[1]}", None
    elif inside(size[0], *wide) and inside(size[1], *high):
        return
    else:
        expected, variant = size_text(wide, high), "range"
    target = exact or (_either(wide), _either(high))
    damaged = bool(facts.get("decode_error"))  # the size of the header: resizing needs the pixels
    values = {"width": size[0], "height": size[1], "target_width": target[0], "target_height": target[1]}
    if variant:
        values["expected"] = expected
    yield Violation(actual=f"{size[0]}x{size[1]}", expected=expected, values=values,
                    variant="damaged" if damaged else variant, fixable=False if damaged else None)


def _either(pair: tuple[int | None, int | None]) -> int | str:
    low, high = pair
    return low if low is not None else high if high is not None else "?"


@rule("I003", "image-corrupt", "image", "error", None)
def corrupt(facts: Facts, profile: Profile) -> Iterator[Violation]:
    error = facts.get("decode_error")
    detail = ""
    if facts.get("size_bytes") == 0:
        code = "empty"
    elif error:
        code, _, detail = str(error).partition(": ")
        code = code if code in REASON_CODES else "corrupt"
    elif not facts.get("format"):
        code = "not_picture"
    else:
        return
    yield Violation(actual=code, expected="decodable picture", variant=code,
                    values={"reason": code, "detail": detail[:120] or "—",
                            "count": facts.get("references") or 1})


@rule("I004", "image-exif-orientation", "image", "warning", "image.convert")
def orientation(facts: Facts, profile: Profile) -> Iterator[Violation]:
    value = facts.get("orientation")
    if facts.get("decoded") and value is not None and value != 1:
        yield Violation(actual=value, expected=1, values={"orientation": value})


@rule("I005", "image-not-rgb", "image", "warning", "image.convert")
def colour_mode(facts: Facts, profile: Profile) -> Iterator[Violation]:
    mode, allowed = facts.get("mode"), colour_modes(profile)
    if facts.get("decoded") and mode and mode not in allowed:
        if allowed == COLOUR_MODES:
            yield Violation(actual=mode, expected="/".join(COLOUR_MODES), values={"mode": mode})
        else:
            yield Violation(actual=mode, expected="/".join(allowed), variant="profile",
                            values={"mode": mode, "expected": "/".join(allowed)},
                            fixable=None if {"RGB", "L"} & set(allowed) else False)  # fix writes RGB/L


@rule("I006", "image-too-small", "image", "info", None, keys=keys("case", *IMAGE_SIZE))
def too_small(facts: Facts, profile: Profile) -> Iterator[Violation]:
    size = _size(facts)
    (wlo, _), (hlo, _) = size_bounds(profile)
    if not facts.get("decoded") or not size or (wlo is None and hlo is None):
        return
    target = (wlo if wlo is not None else 0, hlo if hlo is not None else 0)
    if size[0] < target[0] or size[1] < target[1]:
        yield Violation(actual=f"{size[0]}x{size[1]}", expected=f">= {target[0]}x{target[1]}",
                        values={"width": size[0], "height": size[1],
                                "target_width": target[0], "target_height": target[1]})

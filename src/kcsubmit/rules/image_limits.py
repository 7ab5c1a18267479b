"""I007–I010: the limits other calls set on a picture (profile format 2, SPEC §7.1).

Each reads the facts of :func:`kcsubmit.probes.image.probe` and keys of ``[case]`` that a
format-2 profile may give; an absent key is not checked (the 2023 profile has none).
Sizes are the displayed picture's (after its EXIF orientation), as I002 reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..facts import ImageFacts
from ..units import Bytes
from .base import Violation, rule
from .limits import exact_size, keys, orientation_of, wanted_orientation

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = ImageFacts


@rule("I007", "image-long-side-too-short", "image", "error", None, keys=keys("case", "image_min_long_side"))
def long_side(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """The longer side reaches ``image_min_long_side`` (enlarging would only fake the detail)."""
    minimum = profile.case.get("image_min_long_side")
    width, height = facts.get("display_width"), facts.get("display_height")
    if minimum is None or not width or not height:
        return
    longest = max(width, height)
    if longest < minimum:
        yield Violation(actual=longest, expected=f">= {minimum}",
                        values={"width": width, "height": height, "long_side": longest, "min": minimum})


@rule("I008", "image-file-too-small", "image", "error", None, keys=keys("case", "image_min_bytes"))
def too_few_bytes(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """At least ``image_min_bytes``: never fixable (a file is not padded; a better original is needed)."""
    size, minimum = facts.get("size_bytes"), profile.case.get("image_min_bytes")
    if size and minimum is not None and size < minimum:
        yield Violation(actual=size, expected=f">= {minimum}",
                        values={"size": Bytes(size), "min": Bytes(minimum)})


@rule("I009", "image-file-too-big", "image", "error", "image.convert", keys=keys("case", "image_max_bytes"))
def too_many_bytes(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """At most ``image_max_bytes``; the fix encodes the picture again, smaller."""
    size, maximum = facts.get("size_bytes"), profile.case.get("image_max_bytes")
    if size and maximum is not None and size > maximum:
        yield Violation(actual=size, expected=f"<= {maximum}",
                        values={"size": Bytes(size), "max": Bytes(maximum)},
                        fixable=None if facts.get("decoded") else False)


@rule("I010", "image-orientation", "image", "error", "image.convert", fix_option="--fit",
      keys=keys("case", "image_orientation"))
def orientation(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """Landscape or portrait as displayed, per ``image_orientation``. The fix needs an exact
    size to aim at (``image_width``/``image_height``); without one it is left to the teacher."""
    wanted = wanted_orientation(profile.case, "image_orientation")
    width, height = facts.get("display_width"), facts.get("display_height")
    if wanted is None or not width or not height:
        return
    shown = orientation_of(width, height)
    if shown != wanted:
        fixable = bool(facts.get("decoded")) and exact_size(profile.case, "image_") is not None
        yield Violation(actual=shown, expected=wanted, variant=wanted, fixable=None if fixable else False,
                        values={"width": width, "height": height})

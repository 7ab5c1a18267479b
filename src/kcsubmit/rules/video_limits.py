"""V015–V020: the limits other calls set on a video (profile format 2, SPEC §7.1).

Each reads the facts of :func:`kcsubmit.probes.video.probe` and keys of ``[video]`` that a
format-2 profile may give; a key that is absent is not checked (the 2023 profile has none
of them, so these rules stay quiet for it).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..facts import VideoFacts
from ..units import Bytes
from .base import Violation, rule
from .limits import (
    allowed_rates,
    bounds,
    checked,
    inside,
    kbps,
    keys,
    orientation_of,
    range_text,
    rate_allowed,
    wanted_orientation,
)

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = VideoFacts


@rule("V015", "video-orientation", "video", "error", "video.transcode", fix_option="--fit",
      keys=keys("video", "orientation"))
def orientation(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """Landscape or portrait as the picture is shown (after rotation and pixel aspect)."""
    wanted = wanted_orientation(profile.video)
    dw, dh = facts.get("display_width"), facts.get("display_height")
    if wanted is None or not dw or not dh:
        return
    shown = orientation_of(dw, dh)
    if shown != wanted:
        yield Violation(actual=shown, expected=wanted, variant=wanted,
                        values={"display_width": dw, "display_height": dh})


@rule("V016", "video-frame-rate-not-allowed", "video", "error", "video.transcode", keys=keys("video", "fps"))
def frame_rate_allowed(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """The nominal rate (MediaInfo's, else the timestamps' mean) is one of ``fps``."""
    rates = allowed_rates(profile.video)
    fps = facts.get("frame_rate") or facts.get("fps_mean")
    if not rates or not fps or rate_allowed(fps, rates):
        return
    allowed = "/".join(f"{r:g}" for r in rates)
    yield Violation(actual=f"{fps:g} fps", expected=f"{allowed} fps",
                    values={"fps": f"{fps:.3f}".rstrip("0").rstrip("."), "allowed": allowed})


@rule("V017", "video-bitrate", "video", "warning", "video.transcode",
      keys=keys("video", "min_bitrate_kbps", "max_bitrate_kbps"))
def bitrate(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """The video stream's average bitrate inside ``min_bitrate_kbps``–``max_bitrate_kbps``."""
    low, high = bounds(profile.video, "bitrate_kbps")
    rate = facts.get("video_bitrate_kbps")
    if rate is None or not checked(low, high) or inside(rate, low, high):
        return
    yield Violation(actual=rate, expected=range_text(low, high, " kb/s"),
                    variant="low" if low is not None and rate < low else "high",
                    values={"bitrate": kbps(rate), "expected": range_text(low, high, " kb/s")})


@rule("V018", "audio-settings", "video", "warning", "video.audio", keys=keys("video", "audio"))
def audio_settings(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """The first audio track's sampling rate, channels and bitrate as ``[video.audio]`` asks.
    A missing track is V009's."""
    wanted = profile.video.get("audio") or {}
    if not facts.get("audio_codec") or not wanted:
        return
    problems = []
    rate, want_rate = facts.get("audio_sample_rate"), wanted.get("sample_rate")
    if rate and want_rate and rate != want_rate:
        problems.append((f"{rate} Hz", f"{want_rate} Hz"))
    channels, want_channels = facts.get("audio_channels"), wanted.get("channels")
    if channels and want_channels and channels != want_channels:
        problems.append((f"{channels} ch", f"{want_channels} ch"))
    low, high = wanted.get("min_bitrate_kbps"), wanted.get("max_bitrate_kbps")
    audio_rate = facts.get("audio_bitrate_kbps")
    if audio_rate is not None and checked(low, high) and not inside(audio_rate, low, high):
        problems.append((kbps(audio_rate), range_text(low, high, " kb/s")))
    if problems:  # units, no words: the same text in every language
        actual = ", ".join(value for value, _ in problems)
        expected = ", ".join(value for _, value in problems)
        yield Violation(actual=actual, expected=expected, values={"actual": actual, "expected": expected})


@rule("V019", "video-file-too-small", "video", "error", None, keys=keys("video", "min_bytes"))
def too_small(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """Below ``min_bytes``: never fixable (padding a file with nothing is not what a call asks)."""
    size, minimum = facts.get("size_bytes"), profile.video.get("min_bytes")
    if size and minimum is not None and size < minimum:
        yield Violation(actual=size, expected=f">= {minimum}",
                        values={"size": Bytes(size), "min": Bytes(minimum), "missing": Bytes(minimum - size)})


@rule("V020", "video-file-too-big", "video", "error", "video.transcode", keys=keys("video", "max_bytes"))
def too_big(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """Over ``max_bytes`` (the video file's own size; V012 is the archive's)."""
    size, maximum = facts.get("size_bytes"), profile.video.get("max_bytes")
    if size and maximum is not None and size > maximum:
        yield Violation(actual=size, expected=f"<= {maximum}",
                        values={"size": Bytes(size), "max": Bytes(maximum), "over": Bytes(size - maximum)})

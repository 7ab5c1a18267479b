"""What a transcode aims at, computed from the profile alone: one place for every fix target.

:func:`video_target` gives the picture size, frame rate, bitrate limits and audio settings a
repaired video must have for the profile (SPEC §7.1); :func:`image_size` the size of a
repaired picture.  Format 1 (the 2023 profile) gives what kcsubmit always aimed at: 1920x1080,
the source's standard rate within 24–60 fps, AAC 48 kHz stereo 192 kb/s, under the archive limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..rules.limits import aspect_of, bounds, exact_size, inside, orientation_of, wanted_orientation
from ..zipwrite import ZIP_OVERHEAD

if TYPE_CHECKING:
    from ..models import Profile

STANDARD_RATES = (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 50.0, 60000 / 1001, 60.0)
RATIONALS = {24000 / 1001: "24000/1001", 30000 / 1001: "30000/1001", 60000 / 1001: "60000/1001"}
DEFAULT_RATE = "25"
AUDIO_BITRATE = 192_000  # bit/s, when the profile says nothing
AUDIO_RATE = 48_000
AUDIO_CHANNELS = 2
SHAPE = {"landscape": (16, 9), "portrait": (9, 16)}  # what another orientation is padded to


@dataclass(frozen=True)
class VideoTarget:
    width: int
    height: int
    rate: str  # an ffmpeg frame rate: "25", "30000/1001"
    max_bytes: int | None  # the file's own cap: the profile's video limit, or its archive's
    min_kbps: float | None  # the video stream's bitrate range, kb/s
    max_kbps: float | None
    audio_codec: str  # always AAC: the one audio encoder a fix uses
    audio_rate: int
    audio_channels: int
    audio_bitrate: int  # bit/s


def video_target(profile: Profile, facts: Mapping[str, Any]) -> VideoTarget:
    """The video a fix writes for ``profile``, from the source's ``facts``."""
    video = profile.video
    width, height = video_size(video, facts)
    low, high = bounds(video, "bitrate_kbps")
    caps = [video.get("max_bytes")]
    if profile.archive.get("max_bytes") is not None:
        caps.append(profile.archive["max_bytes"] - ZIP_OVERHEAD)
    known = [c for c in caps if c is not None]
    return VideoTarget(width, height, frame_rate(video, facts.get("frame_rate")),
                       min(known) if known else None, low, high, "AAC", *_audio(video))


def video_size(video: Mapping[str, Any], facts: Mapping[str, Any]) -> tuple[int, int]:
    """Exact ``width``/``height``; else the source's displayed size when it is allowed, else the
    smallest allowed size of the wanted shape ("a ``min_width`` profile aims at the minimum")."""
    exact = exact_size(video)
    if exact is not None:
        return exact
    shown_w = int(facts.get("display_width") or facts.get("width") or 0)
    shown_h = int(facts.get("display_height") or facts.get("height") or 0)
    wide, high = bounds(video, "width"), bounds(video, "height")
    shape = _shape(video, wide, high, shown_w, shown_h)
    same_shape = shown_w and shown_h and abs(shown_w * shape[1] / (shown_h * shape[0]) - 1) <= 0.01
    if same_shape and inside(shown_w, *wide) and inside(shown_h, *high):
        return _even(shown_w), _even(shown_h)
    # The smallest size of this shape that meets both minimums, else the source's long side.
    long_side = max(shown_w, shown_h) or 1920
    w = max(wide[0] or 0, (high[0] or 0) * shape[0] / shape[1])
    if not w:
        w = long_side if shape[0] >= shape[1] else long_side * shape[0] / shape[1]
    h = w * shape[1] / shape[0]
    if wide[1] is not None and w > wide[1]:  # the maximums win over the shape's minimums
        w, h = wide[1], wide[1] * shape[1] / shape[0]
    if high[1] is not None and h > high[1]:
        w, h = high[1] * shape[0] / shape[1], high[1]
    return _even(w), _even(h)


def _shape(video: Mapping[str, Any], wide: tuple[Any, Any], high: tuple[Any, Any],
           shown_w: int, shown_h: int) -> tuple[int, int]:
    """The target's shape: ``aspect`` turned to the orientation asked for (or the bounds'), else 16:9 or 9:16."""
    orientation = wanted_orientation(video)
    if orientation is None and wide[0] and high[0] and wide[0] != high[0]:
        orientation = orientation_of(wide[0], high[0])
    if orientation is None and shown_w and shown_h:
        orientation = orientation_of(shown_w, shown_h)
    aspect = aspect_of(video)
    if aspect is not None:
        return aspect
    return SHAPE.get(orientation or "landscape", SHAPE["landscape"])


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def frame_rate(video: Mapping[str, Any], fps: float | None) -> str:
    """A ``fps = [...]`` profile: the allowed rate nearest the source's (the first one when the
    source says nothing). Else the source's rate when it lies within ``min_fps``–``max_fps`` (as the
    nearest standard rate); above that halved until it fits (120 → 60); else 25."""
    rates = video.get("fps")
    if rates:
        chosen = float(rates[0]) if not fps else min((float(r) for r in rates), key=lambda r: abs(r - fps))
        return _rational(chosen)
    low, high = video.get("min_fps") or 0, video.get("max_fps") or 1000
    while fps and fps > high * 1.005 and fps / 2 >= low:
        fps /= 2
    if not fps or not low <= fps <= high * 1.005:
        return DEFAULT_RATE
    best = min(STANDARD_RATES, key=lambda r: abs(r - fps))
    return RATIONALS.get(best, f"{best:g}")


def _rational(rate: float) -> str:
    for value, text in RATIONALS.items():
        if abs(value - rate) < 0.01:
            return text
    return f"{rate:g}"


def _audio(video: Mapping[str, Any]) -> tuple[int, int, int]:
    """Sampling rate, channels and bitrate (bit/s): the ``audio`` table's, else 48 kHz stereo 192 kb/s;
    the bitrate inside its range (a little under a maximum: the encoder's average wanders)."""
    audio = video.get("audio") or {}
    bitrate = AUDIO_BITRATE
    low, high = audio.get("min_bitrate_kbps"), audio.get("max_bitrate_kbps")
    if low is not None and high is not None:
        bitrate = int((low + high) / 2 * 1000)
    elif low is not None:
        bitrate = max(bitrate, int(low * 1000 * 1.05))
    elif high is not None:
        bitrate = min(bitrate, int(high * 1000 * 0.95))
    return int(audio.get("sample_rate") or AUDIO_RATE), int(audio.get("channels") or AUDIO_CHANNELS), bitrate


def image_size(case: Mapping[str, Any], facts: Mapping[str, Any]) -> tuple[int, int]:
    """The size of a repaired picture: exact ``image_width``/``image_height``; else the displayed
    size brought inside the bounds, keeping its shape (the maximums win)."""
    exact = exact_size(case, "image_")
    if exact is not None:
        return exact
    width = float(facts.get("display_width") or 0)
    height = float(facts.get("display_height") or 0)
    if not width or not height:
        return int(width), int(height)
    (wlo, whi), (hlo, hhi) = bounds(case, "image_width"), bounds(case, "image_height")
    scale = max(1.0, (wlo or 0) / width, (hlo or 0) / height)
    scale = min(scale, (whi or 1e9) / width, (hhi or 1e9) / height)
    return max(1, round(width * scale)), max(1, round(height * scale))

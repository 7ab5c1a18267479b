"""V001–V014: the theme video.

Each check reads the facts of :func:`kcsubmit.probes.video.probe` and the
``[video]``/``[archive]`` numbers of the profile.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from ..facts import VideoFacts
from ..units import Bytes, Seconds
from ..zipwrite import ZIP_OVERHEAD
from .base import Violation, rule
from .limits import SIZE, aspect_of, bounds, checked, exact_size, inside, keys, size_text

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = VideoFacts  # every key its probe writes: a misspelt one is a type error

ISO_CONTAINERS = ("MPEG-4", "QuickTime")
ASPECT_TOLERANCE = 0.01  # when a profile gives an aspect without a tolerance
AUDIO_CODEC = "AAC"


def ratio_text(width: float, height: float) -> str:
    """A picture shape as people say it: 1440x1080 → "4:3", 1080x1920 → "9:16"."""
    if not width or not height:
        return "?"
    f = Fraction(round(width), round(height)).limit_denominator(21)
    if abs(f.numerator / f.denominator - width / height) < 0.005:
        return f"{f.numerator}:{f.denominator}"
    return f"{width / height:.2f}:1"


@rule("V001", "video-not-mp4", "video", "error", "video.remux", keys=keys("video", "container", "extensions"))
def not_mp4(facts: Facts, profile: Profile) -> Iterator[Violation]:
    container = facts.get("container")
    if not container:
        return
    expected = profile.video.get("container")
    if expected is not None and container != expected:
        yield Violation(actual=container, expected=expected,
                        values={"container": container, "expected": expected})
        return
    suffix = facts.get("suffix", "")
    extensions = profile.video.get("extensions")
    if extensions and suffix.lower() not in extensions:
        yield Violation(actual=suffix or "(none)", expected=extensions[0], variant="name",
                        values={"suffix": suffix or "—", "expected": extensions[0]})


@rule("V002", "video-unreadable", "video", "error", None, gate=True)
def unreadable(facts: Facts, profile: Profile) -> Iterator[Violation]:
    size = facts.get("size_bytes")
    if size == 0:
        yield Violation(actual="empty", expected="video", variant="empty")
    elif size is None:  # could not even be opened
        yield Violation(actual=facts.get("error", "unreadable"), expected="video",
                        values={"reason": facts.get("error", "")})
    elif facts.get("timeout_s"):
        yield Violation(actual="no answer", expected="video", variant="timeout",
                        values={"seconds": Seconds(facts["timeout_s"])})
    elif facts.get("damaged"):
        damaged = facts["damaged"]
        yield Violation(actual=f"{damaged['box']} table of {damaged['count']} entries", expected="video",
                        variant="damaged", values=dict(damaged))
    elif not facts.get("container"):
        yield Violation(actual="not media", expected="video", variant="unreadable",
                        values={"size": Bytes(size)})
    elif facts.get("truncated"):
        yield Violation(actual="truncated", expected="complete file", variant="truncated",
                        values={"size": Bytes(size)})
    elif outside := facts.get("samples_outside"):
        yield from _outside(outside)
    elif not facts.get("video_codec"):
        yield Violation(actual="no video track", expected="video track", variant="no_video",
                        values={"container": facts["container"]})


def _outside(found: Mapping[str, Any]) -> Iterator[Violation]:
    """The sample tables point at bytes the media data does not hold (probes/samples.py)."""
    if found.get("kind") == "chunk":
        yield Violation(actual=f"chunk offset {found['offset']}", expected="offsets inside the media data",
                        variant="outside_chunk",
                        values={"track": found.get("track") or "?", "offset": found["offset"],
                                "start": found["data_start"], "end": found["data_end"]})
    else:
        yield Violation(actual=f"{found['bytes']} bytes of samples", expected=f"<= {found['room']}",
                        variant="outside_sizes",
                        values={"bytes": Bytes(found["bytes"]), "room": Bytes(found["room"])})


@rule("V003", "video-not-1080p-frame", "video", "error", "video.transcode", keys=keys("video", *SIZE))
def frame_size(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """An exact size is the stored frame (square pixels, no rotation flag); bounds
    (``min_width``…) are the displayed picture's, and a rotation flag still fails."""
    width, height = facts.get("width"), facts.get("height")
    if not width or not height:
        return
    wide, high = bounds(profile.video, "width"), bounds(profile.video, "height")
    if not checked(*wide) and not checked(*high):
        return
    exact = exact_size(profile.video)
    tw, th = exact or (_either(wide), _either(high))
    rotation = facts.get("rotation") or 0
    par = facts.get("pixel_aspect_ratio") or 1.0
    dw, dh = facts.get("display_width") or width, facts.get("display_height") or height
    values = {"width": width, "height": height, "rotation": rotation,
              "display_width": facts.get("display_width"), "display_height": facts.get("display_height"),
              "target_width": tw, "target_height": th, "par": f"{par:.3f}"}
    expected = f"{tw}x{th}" if exact else size_text(wide, high)
    fits = inside(dw, *wide) and inside(dh, *high)
    if rotation and rotation % 360 == 180:  # still landscape: the problem is the picture upside down
        yield Violation(actual=f"{width}x{height} rotation={rotation}", expected=expected,
                        variant="upside_down", values=values)
    elif rotation and exact:
        yield Violation(actual=f"{width}x{height} rotation={rotation}", expected=expected,
                        variant="rotated", values=values)
    elif rotation and not fits:
        yield Violation(actual=f"{width}x{height} rotation={rotation}", expected=expected,
                        variant="range", values={**values, "expected": expected})
    elif rotation:  # shown at an allowed size, but only by players that honour the flag
        yield Violation(actual=f"{width}x{height} rotation={rotation}", expected=expected,
                        variant="flag", values=values)
    elif exact and (width, height) != (tw, th):
        yield Violation(actual=f"{width}x{height}", expected=expected, values=values)
    elif not exact and not fits:
        yield Violation(actual=f"{dw}x{dh}", expected=expected, variant="range",
                        values={**values, "expected": expected})
    elif abs(par - 1.0) > 0.01:
        yield Violation(actual=f"{width}x{height} SAR={par:.3f}", expected=expected,
                        variant="anamorphic", values=values)


def _either(pair: tuple[int | None, int | None]) -> int | str:
    """The number a message names for a bound: the minimum, else the maximum."""
    low, high = pair
    return low if low is not None else high if high is not None else "?"


@rule("V004", "video-not-16-9", "video", "error", "video.transcode", fix_option="--fit", keys=keys("video", "aspect"))
def aspect(facts: Facts, profile: Profile) -> Iterator[Violation]:
    dw, dh = facts.get("display_width"), facts.get("display_height")
    wanted = aspect_of(profile.video)  # "16:9" in a portrait profile means 9:16
    if not dw or not dh or wanted is None:
        return
    target = wanted[0] / wanted[1]
    if abs((dw / dh) / target - 1.0) > profile.video.get("aspect_tolerance", ASPECT_TOLERANCE):
        shape, expected = ratio_text(dw, dh), f"{wanted[0]}:{wanted[1]}"
        yield Violation(actual=shape, expected=expected,
                        values={"ratio": shape, "expected": expected,
                                "display_width": dw, "display_height": dh})


@rule("V005", "video-too-short", "video", "error", None, keys=keys("video", "min_duration_s"))
def too_short(facts: Facts, profile: Profile) -> Iterator[Violation]:
    duration = facts.get("duration_s")
    minimum = profile.video.get("min_duration_s")
    if duration is not None and minimum is not None and duration < minimum:
        claim = facts.get("duration_header_s")
        yield Violation(actual=duration, expected=f">= {minimum}", variant="header" if claim else None,
                        values={"duration": Seconds(duration), "min": Seconds(minimum),
                                "missing": Seconds(minimum - duration), **_claimed(claim)})


@rule("V006", "video-too-long", "video", "error", "video.transcode", fix_option="--trim",
      keys=keys("video", "max_duration_s"))
def too_long(facts: Facts, profile: Profile) -> Iterator[Violation]:
    duration = facts.get("duration_s")
    maximum = profile.video.get("max_duration_s")
    if duration is not None and maximum is not None and duration > maximum:
        claim = facts.get("duration_header_s")
        yield Violation(actual=duration, expected=f"<= {maximum}", variant="header" if claim else None,
                        values={"duration": Seconds(duration), "max": Seconds(maximum),
                                "excess": Seconds(duration - maximum), **_claimed(claim)})


def audio_codecs(profile: Profile) -> list[str]:
    """The allowed audio codecs: ``audio_codecs``, else the ``audio`` table's ``codec``."""
    codecs = profile.video.get("audio_codecs")
    if codecs:
        return list(codecs)
    codec = (profile.video.get("audio") or {}).get("codec")
    return [codec] if codec else []


def _claimed(claim: float | None) -> dict[str, Any]:
    """The headers' duration when it differs from what the frames hold (probes/samples.py)."""
    return {"header": Seconds(claim)} if claim else {}


@rule("V007", "video-interlaced", "video", "error", "video.transcode", keys=keys("video", "progressive"))
def interlaced(facts: Facts, profile: Profile) -> Iterator[Violation]:
    scan = facts.get("scan_type")
    if profile.video.get("progressive") and scan and scan != "Progressive":
        yield Violation(actual=scan, expected="Progressive", values={"scan_type": scan})


@rule("V008", "video-codec-not-h264", "video", "warning", "video.transcode", keys=keys("video", "codecs"))
def video_codec(facts: Facts, profile: Profile) -> Iterator[Violation]:
    codec = facts.get("video_codec")
    codecs = profile.video.get("codecs")
    if codec and codecs and codec not in codecs:
        yield Violation(actual=codec, expected=codecs[0] if len(codecs) == 1 else list(codecs),
                        values={"codec": codec, "expected": "/".join(codecs)})


@rule("V009", "audio-missing-or-not-aac", "video", "warning", "video.audio",
      keys=keys("video", "audio_codecs", "audio"))
def audio(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """A missing track whenever the profile asks anything of the audio; another codec when it names codecs."""
    codecs = audio_codecs(profile)
    shown = codecs or [AUDIO_CODEC]  # an [audio] table without a codec: what fix would write
    expected = shown[0] if len(shown) == 1 else list(shown)
    codec = facts.get("audio_codec")
    if codec is None:
        yield Violation(actual=None, expected=expected, variant="missing", fixable=False,
                        values={"expected": "/".join(shown)})
    elif codecs and codec not in codecs:
        yield Violation(actual=codec, expected=expected,
                        values={"codec": codec, "expected": "/".join(codecs)})


@rule("V010", "video-not-faststart", "video", "warning", "video.remux")
def faststart(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if facts.get("container") in ISO_CONTAINERS and facts.get("faststart") is False:
        yield Violation(actual="moov after mdat", expected="moov before mdat")


@rule("V011", "video-not-8bit-420", "video", "warning", "video.transcode",
      keys=keys("video", "bit_depth", "chroma_subsampling"))
def pixel_format(facts: Facts, profile: Profile) -> Iterator[Violation]:
    depth, chroma = facts.get("bit_depth"), facts.get("chroma_subsampling")
    want_depth, want_chroma = profile.video.get("bit_depth"), profile.video.get("chroma_subsampling")
    bad_depth = depth is not None and want_depth is not None and depth != want_depth
    bad_chroma = chroma is not None and want_chroma is not None and chroma != want_chroma
    if bad_depth or bad_chroma:
        actual = f"{depth or '?'}-bit {chroma or '?'}"
        yield Violation(actual=actual, expected=f"{want_depth}-bit {want_chroma}",
                        values={"pixels": actual, "expected": f"{want_depth}-bit {want_chroma}"})


@rule("V012", "video-too-big-for-archive", "video", "error", "video.transcode", keys=keys("archive", "max_bytes"))
def too_big(facts: Facts, profile: Profile) -> Iterator[Violation]:
    size = facts.get("size_bytes") or 0
    limit = profile.archive.get("max_bytes")
    packed = size + ZIP_OVERHEAD
    if limit is not None and packed >= limit:
        yield Violation(actual=packed, expected=f"< {limit}",
                        values={"size": Bytes(size), "limit": Bytes(limit),
                                "over": Bytes(packed - limit + 1)})


@rule("V013", "video-frame-rate", "video", "info", "video.transcode", keys=keys("video", "min_fps", "max_fps", "fps"))
def frame_rate(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """The frame timestamps decide when the box walk measured them (``fps_*``, and
    ``frame_rate_mode`` from them); else MediaInfo's claim."""
    fps, mode = facts.get("fps_mean") or facts.get("frame_rate"), facts.get("frame_rate_mode")
    low, high = profile.video.get("min_fps"), profile.video.get("max_fps")
    if low is None and high is None and not profile.video.get("fps"):
        return  # no frame rate asked for; V016 checks a list of rates
    rates = profile.video.get("fps") or ()
    shown_low = low if low is not None else min(rates, default=0)
    shown_high = high if high is not None else max(rates, default="∞")
    values = {"fps": f"{fps:g}" if fps else "?", "min_fps": shown_low, "max_fps": shown_high}
    expected = f"CFR {_g(shown_low)}-{_g(shown_high)} fps"
    if mode == "VFR" and facts.get("fps_min") and facts.get("fps_max"):
        measured = {k: f"{facts[k]:.2f}".rstrip("0").rstrip(".") for k in ("fps_min", "fps_mean", "fps_max")}
        yield Violation(actual=f"VFR {measured['fps_min']}-{measured['fps_max']} fps", expected=expected,
                        variant="vfr_measured", values={**values, **measured})
    elif mode == "VFR":
        yield Violation(actual="VFR", expected=expected, variant="vfr", values=values)
    elif fps is not None and checked(low, high) and not inside(fps, low, high):
        yield Violation(actual=f"{fps:g} fps", expected=expected, values=values)


def _g(value: float | str) -> str:
    return value if isinstance(value, str) else f"{value:g}"


@rule("V014", "video-not-sdr-bt709", "video", "warning", "video.transcode")
def dynamic_range(facts: Facts, profile: Profile) -> Iterator[Violation]:
    hdr, primaries = facts.get("hdr_format"), facts.get("color_primaries")
    expected = "SDR BT.709"
    if hdr and facts.get("dolby_vision_compatible") is False:
        # Profile 5 and the like: without the Dolby Vision metadata the picture has no meaning.
        yield Violation(actual=hdr, expected=expected, variant="dolby_only", fixable=False,
                        values={"hdr": hdr})
    elif hdr:
        yield Violation(actual=hdr, expected=expected, values={"hdr": hdr})
    elif primaries == "BT.2020":
        yield Violation(actual=f"SDR {primaries}", expected=expected, variant="wide",
                        values={"primaries": primaries})

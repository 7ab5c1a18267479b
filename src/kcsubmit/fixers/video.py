"""The video fixer: one ffmpeg run per file, planned from the findings.

The findings' rules name the step (``Rule.fix``):

- ``video.remux``: only the container or the index is wrong (V001 with H.264/AAC inside, V010):
  stream copy into MP4 with ``+faststart``; nothing is re-encoded.
- ``video.audio``: only the audio is wrong (V009 not AAC): the video is copied, the audio encoded.
- ``video.transcode``: anything about the picture (V003 V004 V007 V008 V011 V012 V013 V014,
  V006 when its ``fix_option`` ``--trim`` is given): transcode to H.264 High yuv420p + AAC 48 kHz, ``+faststart``;
  upright (ffmpeg applies the rotation), square pixels, 1920x1080 by ``fit``,
  ``bwdif`` for interlaced video, a constant frame rate, SDR BT.709 colours
  (HDR tone-mapped, other colours converted: :mod:`.colour`) tagged as such.
  Only the first video track and the first audio track are kept (a motion
  photo's second picture, timecode and metadata tracks are left out).
- Size: quality-based (CRF) with a VBV cap computed from the archive limit and
  the duration (at most ``MAX_VIDEO_RATE``, whatever the duration), so the
  result fits; checked afterwards, and encoded once more in two passes at a
  lower target if it still does not fit.
- The targets (size, frame rate, bitrate range, audio, the file's size cap) come from
  :func:`.target.video_target`: a ``fps = [25]`` profile gets 25 fps, a portrait profile a
  portrait frame, a bitrate range a constant bitrate inside it, ``[video.audio]`` its rate.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import ffmpeg
from ..interrupts import scratch_dir
from ..models import FileResult
from ..profile import Profile
from ..rules.base import RULES, fix_steps, to_fix
from ..rules.video import audio_codecs
from ..zipwrite import ZIP_OVERHEAD
from . import FixOptions, Outcome, colour
from .image import Unfixable
from .target import VideoTarget, video_target

STEPS = ("video.remux", "video.audio", "video.transcode")  # the fixer steps this module performs (Rule.fix)

SAFETY = 0.95  # of the limit, for the container and the encoder's misses
PRESET = "veryfast"  # chosen from bench/: see docs/benchmarks.md
CRF = 22  # HandBrake's RF 22: no larger than its files at a VMAF at least as high (docs/benchmarks.md)
#: The VBV ceiling: H.264 High level 4.2 (1080p60) allows 62.5 Mb/s; CRF 20 needs far less.
#: Without it a sub-second clip asks x264 for gigabits ("Numerical result out of range").
MAX_VIDEO_RATE = 50_000_000


@dataclass
class Plan:
    """The ffmpeg arguments of one run, and what they do in words."""

    args: list[str] = field(default_factory=list)
    action: str = "remuxed"
    details: list[str] = field(default_factory=list)


def plan(src: Path, facts: Mapping[str, Any], rule_ids: set[str], profile: Profile,
         options: FixOptions, encoder: str, video_bitrate: int | None = None) -> Plan:
    """The ffmpeg arguments (all but the output) that repair ``rule_ids`` of the video at ``src``
    (the rules whose fix may run with ``options``: :func:`kcsubmit.rules.base.to_fix`)."""
    goal = video_target(profile, facts)
    duration = float(facts.get("duration_s") or 0)
    trim = options.trim and any(RULES[r].fix_option == "--trim" for r in rule_ids if r in RULES)
    maximum = profile.video.get("max_duration_s")
    out_duration = min(duration, maximum) if trim and maximum is not None else duration
    picture = "video.transcode" in fix_steps(rule_ids, options)
    codecs = audio_codecs(profile)
    audio_bad = facts.get("audio_codec") is not None and (
        bool(codecs) and facts.get("audio_codec") not in codecs or "video.audio" in fix_steps(rule_ids, options))
    p = Plan(args=["-i", str(src), "-map", "0:v:0", "-map", "0:a:0?", "-dn", "-sn", "-map_metadata", "-1"])
    if trim:
        p.args += ["-t", f"{out_duration:.3f}"]
        p.details.append(f"trim {duration:.1f} s → {out_duration:.1f} s, 1 s fade-out")
    if picture:
        if facts.get("dolby_vision_compatible") is False:
            raise Unfixable(f"{src.name}: {facts.get('hdr_format')} has no picture a player without Dolby "
                            "Vision can show; export it as SDR (HDR off) from the phone or the editor")
        p.action = "transcoded"
        p.args += ["-vf", _filters(facts, rule_ids, goal, options.fit, out_duration if trim else None, p.details)]
        p.args += _video_codec(encoder, _video_rate(goal, out_duration, video_bitrate), _range_rate(goal))
        p.args += ["-r", goal.rate, "-fps_mode", "cfr"]
        p.details.append(f"H.264 ({encoder})")
        fps = facts.get("frame_rate")
        if fps and abs(float(Fraction(goal.rate)) - fps) > 0.01:
            p.details.append(f"{_shown_rate(fps)} → {goal.rate} fps")
    else:
        p.args += ["-c:v", "copy"]
    if picture or audio_bad:
        p.args += ["-c:a", "aac", "-b:a", str(goal.audio_bitrate), "-ar", str(goal.audio_rate),
                   "-ac", str(goal.audio_channels)]
        if trim:
            p.args += ["-af", f"afade=t=out:st={max(0.0, out_duration - 1):.3f}:d=1"]
        if audio_bad:
            p.details.append(f"audio {facts.get('audio_codec')} → AAC {goal.audio_rate} Hz "
                             f"{goal.audio_channels} ch {goal.audio_bitrate // 1000} kb/s")
            p.action = "transcoded" if picture else "audio"
    else:
        p.args += ["-c:a", "copy"]
    if p.action == "remuxed":
        moved = "QuickTime → MP4, " if facts.get("container") == "QuickTime" else ""
        p.details.append(f"{moved}moov moved to the front (stream copy)")
    return p


def _mp4(target: Path) -> list[str]:
    return ["-movflags", "+faststart", "-f", "mp4", str(target)]


def _shown_rate(fps: float | None) -> str:
    return "?" if not fps else f"{fps:.3f}".rstrip("0").rstrip(".")


def _filters(facts: Mapping[str, Any], rule_ids: set[str], goal: VideoTarget, fit: str,
             trim_at: float | None, details: list[str]) -> str:
    w, h = goal.width, goal.height
    fit = "pad" if fit == "auto" else fit  # a video keeps its whole picture (SPEC §2's pad)
    steps = []
    if "V007" in rule_ids:
        steps.append("bwdif=mode=send_frame")
        details.append(f"deinterlace ({facts.get('scan_type')})")
    steps.append("scale=trunc(iw*sar/2)*2:ih,setsar=1")  # square pixels first
    convert = colour.filters(facts, details)  # at the picture's own size: cheap for a 4K source
    shown = f"{facts.get('display_width')}x{facts.get('display_height')}"
    if fit == "crop":
        steps.append(f"scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h}")
    elif fit == "stretch":
        steps.append(f"scale={w}:{h}")
    elif fit == "blur":
        steps.append(f"split[bg][fg];[bg]scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},"
                     f"boxblur=luma_radius=min(h\\,w)/20:luma_power=2[bg];"
                     f"[fg]scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2[fg];"
                     f"[bg][fg]overlay=(W-w)/2:(H-h)/2")
    else:  # the picture is converted before the bars are added (a portrait clip: a third of the pixels)
        steps.append(f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2,{convert},"
                     f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:black")
        convert = ""
    if shown != f"{w}x{h}":
        details.append(f"{shown} → {w}x{h} ({fit})")
    steps.append("setsar=1")
    if trim_at is not None:
        steps.append(f"fade=t=out:st={max(0.0, trim_at - 1):.3f}:d=1")
    if convert:
        steps.append(convert)
    return ",".join(steps)


def _video_rate(goal: VideoTarget, duration: float, forced: int | None) -> int:
    """The highest video bitrate (bit/s) that keeps the file under its size cap and the
    profile's maximum bitrate."""
    if forced:
        return forced
    rate = MAX_VIDEO_RATE
    if goal.max_bytes is not None:
        budget = (goal.max_bytes + ZIP_OVERHEAD) * SAFETY * 8 / max(duration, 1.0)
        rate = int(min(rate, max(500_000, budget - goal.audio_bitrate)))
    if goal.max_kbps is not None:
        rate = min(rate, int(goal.max_kbps * 1000 * SAFETY))
    return rate


def _range_rate(goal: VideoTarget) -> int | None:
    """With a minimum bitrate: the constant bitrate (bit/s) aimed at, inside the range
    (CRF would undershoot it on simple pictures)."""
    if goal.min_kbps is None:
        return None
    if goal.max_kbps is not None:
        return int((goal.min_kbps + goal.max_kbps) / 2 * 1000)
    return int(goal.min_kbps * 1000 * 1.2)


def _video_codec(encoder: str, cap: int, constant: int | None = None) -> list[str]:
    if constant is not None:  # a bitrate range: constant bitrate, filler data where the picture is simple
        rate = str(min(constant, cap))
        fixed = ["-pix_fmt", "yuv420p", *colour.OUTPUT_TAGS, "-b:v", rate, "-minrate", rate,
                 "-maxrate", rate, "-bufsize", rate]
        if encoder == "libx264":
            return ["-c:v", "libx264", "-preset", PRESET, "-profile:v", "high", *fixed, "-x264-params", "nal-hrd=cbr"]
        return ["-c:v", encoder, "-profile:v", "high", *fixed]
    common = ["-pix_fmt", "yuv420p", *colour.OUTPUT_TAGS, "-maxrate", str(cap), "-bufsize", str(cap * 2)]
    if encoder == "libx264":
        return ["-c:v", "libx264", "-preset", PRESET, "-profile:v", "high", "-crf", str(CRF), *common]
    if encoder == "h264_nvenc":
        return ["-c:v", encoder, "-profile:v", "high", "-rc", "vbr", "-cq", "23", *common]
    if encoder == "h264_qsv":
        return ["-c:v", encoder, "-profile:v", "high", "-global_quality", "23", *common]
    return ["-c:v", encoder, "-profile:v", "high", "-b:v", str(int(cap * 0.8)), *common]


def fix(src: Path, result: FileResult, profile: Profile, target: Path, options: FixOptions) -> Outcome:
    """Repair the video at ``src`` into ``target`` (MP4) in one ffmpeg run; retry once if too big."""
    facts = result.facts
    rule_ids = to_fix(result.findings, options)
    encoder = ffmpeg.choose_encoder(options.encoder) if "video.transcode" in fix_steps(rule_ids) else "libx264"
    first = plan(src, facts, rule_ids, profile, options, encoder)
    duration = float(facts.get("duration_s") or 0) or None
    ffmpeg.run(first.args + _mp4(target), duration, options.progress)
    goal = video_target(profile, facts)
    size = os.path.getsize(target)
    if goal.max_bytes is not None and size >= goal.max_bytes and duration:
        # Missed the limit: two passes at an average bitrate below what would have fitted.
        limit = goal.max_bytes + ZIP_OVERHEAD
        rate = int((limit * SAFETY * 8 / duration - goal.audio_bitrate) * 0.9)
        again = plan(src, facts, rule_ids | {"V012"}, profile, options, "libx264", video_bitrate=rate)
        args = _average_bitrate(again.args, rate)
        with scratch_dir(prefix="kcsubmit-") as scratch:
            log = str(Path(scratch) / "x264")
            ffmpeg.run(args + ["-pass", "1", "-passlogfile", log, "-an", "-f", "null", os.devnull],
                       duration, options.progress)
            ffmpeg.run(args + ["-pass", "2", "-passlogfile", log] + _mp4(target), duration, options.progress)
        first.details.append(f"two passes at {rate // 1000} kb/s to fit")
    return Outcome(first.action, tuple(first.details))


def _average_bitrate(args: list[str], rate: int) -> list[str]:
    """The same run at an average bitrate instead of a constant quality (for two passes)."""
    out = list(args)
    if "-crf" in out:
        i = out.index("-crf")
        out[i:i + 2] = ["-b:v", str(rate)]
    return out

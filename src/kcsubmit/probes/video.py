"""Facts of a video file from MediaInfo (pymediainfo), read from its headers."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, BinaryIO


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def probe(path: Path | str, file: BinaryIO | None = None) -> dict[str, Any]:
    """Measure a video once. Never raises for a broken file: the facts say what is missing.

    ``file`` lets a caller pass an open file object (a stored zip entry) instead of a path.
    """
    path = Path(path)
    facts: dict[str, Any] = {"suffix": path.suffix, "container": None, "video_codec": None}
    try:
        facts["size_bytes"] = os.path.getsize(path) if file is None else _size_of(file)
    except OSError as exc:
        facts.update(size_bytes=None, error=str(exc))
        return facts
    if facts["size_bytes"] == 0:
        return facts
    try:
        from pymediainfo import MediaInfo

        # ParseSpeed 0: headers only. The default (0.5) reads megabytes of media data
        # for no fact we use (bench/: identical facts on every test and demo clip).
        info = MediaInfo.parse(file if file is not None else path, parse_speed=0)
    except Exception as exc:  # noqa: BLE001 - any parser failure means "not readable media"
        facts["error"] = f"{type(exc).__name__}: {exc}"
        return facts
    general = info.general_tracks[0] if info.general_tracks else None
    if general is None or not general.format:
        return facts
    facts.update(_general(general))
    if info.video_tracks:
        facts.update(_video(info.video_tracks[0]))
        if facts.get("duration_s") is None and general.duration is not None:
            facts["duration_s"] = round(float(general.duration) / 1000, 3)
    facts["video_tracks"] = len(info.video_tracks)
    facts["audio_tracks"] = len(info.audio_tracks)
    facts["audio_codec"] = info.audio_tracks[0].format if info.audio_tracks else None
    return facts


def _size_of(file: BinaryIO) -> int:
    pos = file.tell()
    size = file.seek(0, os.SEEK_END)
    file.seek(pos)
    return size


def _general(track: Any) -> dict[str, Any]:
    container = track.format
    codec_id = (track.codec_id or "").strip()
    if container == "MPEG-4" and (track.format_profile == "QuickTime" or codec_id == "qt"):
        container = "QuickTime"
    streamable = track.isstreamable
    return {
        "container": container,
        "brand": codec_id or None,
        "truncated": track.istruncated == "Yes",
        "faststart": None if streamable is None else streamable == "Yes",
    }


def _video(track: Any) -> dict[str, Any]:
    width, height = int(track.width or 0), int(track.height or 0)
    par = _number(track.pixel_aspect_ratio) or 1.0
    rotation = int(round(_number(track.rotation) or 0)) % 360
    shown_w, shown_h = round(width * par), height
    if rotation in (90, 270):
        shown_w, shown_h = shown_h, shown_w
    duration = _number(track.duration)
    depth = _number(track.bit_depth)
    return {
        "video_codec": track.format,
        "video_profile": track.format_profile,
        "width": width,
        "height": height,
        "pixel_aspect_ratio": round(par, 3),
        "rotation": rotation,
        "display_width": shown_w,
        "display_height": shown_h,
        "duration_s": None if duration is None else round(duration / 1000, 3),
        "scan_type": track.scan_type,
        "bit_depth": None if depth is None else int(depth),
        "chroma_subsampling": track.chroma_subsampling,
        "frame_rate": _number(track.frame_rate),
        "frame_rate_mode": track.frame_rate_mode,
    }

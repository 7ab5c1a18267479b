"""Facts from the box walk (probes/boxes.py): what the file is by content, and what its
sample tables hold, whatever the headers and MediaInfo say.

- ``container``: an ISO base media file is "MPEG-4" whatever its major brand (``mp4v``,
  ``M4V ``, ``avc1``, ``3gp5``…) when one of its brands is an ISO base media brand and it
  has a ``moov`` or ``moof`` box; a major brand ``qt  `` (or no ``ftyp`` at all: the
  classic QuickTime layout) is "QuickTime".
- ``fps_min``/``fps_mean``/``fps_max`` and ``frame_rate_mode`` from the video track's
  sample durations (``stts``, or ``trun`` with the ``tfhd``/``trex`` defaults), the first
  and last sample left out; "CFR" while the durations stay within ``JITTER_TICKS`` ticks
  or ``JITTER_SHARE`` of the mean of each other (timestamps rounded to the timescale).
- ``duration_s``: what the video track's samples hold, as its edit list presents them
  (an edit list can shorten the samples, never lengthen them; an empty edit is blank
  time, not video); ``duration_header_s`` the track header's claim, when it differs by
  more than ``CLAIM_SLACK_S``.
- ``samples_outside``: a chunk offset outside the media data (``mdat``; of each chunk table
  the first, the last and every 16th offset are looked at), or sample sizes adding up to
  more than the media data holds (extents as declared: a file cut short is MediaInfo's
  "truncated", not this).
"""

from __future__ import annotations

from typing import Any

from .boxes import Scan
from .movie import Movie, Track

# ISO base media brands (ISO/IEC 14496-12/-14/-15, 3GPP, Apple's M4V, Adobe's f4v, DASH/CMAF).
ISO_BRANDS = {"isom", "mp41", "mp42", "mp71", "avc1", "avc2", "mp4v", "M4V", "M4VH", "M4VP", "f4v",
              "dash", "msdh", "msix", "cmfc", "cmf2", "MSNV", "XAVC", "mmp4", "hvc1", "hev1"}
ISO_FAMILIES = ("iso", "3gp", "3g2", "3ge", "3gg", "3gs", "3gr")
QUICKTIME = "qt"

JITTER_TICKS = 2  # ±1 tick around the frame duration: timestamps rounded to the timescale
JITTER_SHARE = 0.005  # of the mean duration: capture-clock jitter at a fine timescale (90 kHz)
CLAIM_SLACK_S = 1.0


def facts(scan: Scan) -> dict[str, Any]:
    """The facts of one walk (an empty dict for a file that is not ISO base media)."""
    movie = scan.movie
    out: dict[str, Any] = {}
    container = _container(scan)
    if container:
        out["container"] = container
    if movie.major is not None:
        out.update(brand=movie.major or None, compatible_brands=list(movie.compatible))
    outside = _outside(scan)
    if outside:
        out["samples_outside"] = outside
    video = next((t for t in movie.tracks if t.handler == b"vide" and t.timing.samples and t.timescale), None)
    if video is not None:
        out.update(_frame_rate(video))
        out.update(_durations(movie, video))
    return out


def _iso(brand: str) -> bool:
    return brand in ISO_BRANDS or brand.startswith(ISO_FAMILIES)


def _container(scan: Scan) -> str | None:
    movie = scan.movie
    if movie.major is None:
        return "QuickTime" if b"moov" in scan.top else None
    if movie.major == QUICKTIME:
        return "QuickTime"
    if any(_iso(b) for b in (movie.major, *movie.compatible)) and scan.top & {b"moov", b"moof"}:
        return "MPEG-4"
    return None


def _outside(scan: Scan) -> dict[str, Any] | None:
    if not scan.media_data:
        return None
    start = min(body for body, _ in scan.media_data)
    end = max(declared for _, declared in scan.media_data)
    for track in scan.movie.tracks:
        low, high = track.chunk_min, track.chunk_max
        if track.sample_count and low is not None and high is not None and (low < start or high >= end):
            return {"kind": "chunk", "track": track.id, "offset": low if low < start else high,
                    "data_start": start, "data_end": end}
    room = sum(declared - body for body, declared in scan.media_data)
    total = sum(t.sample_bytes for t in scan.movie.tracks if t.chunks)
    if total > room:
        return {"kind": "sizes", "bytes": total, "room": room}
    return None


def _frame_rate(track: Track) -> dict[str, Any]:
    timing, scale = track.timing, track.timescale
    count, ticks = timing.middle
    if count < 1 or ticks <= 0 or not timing.longest:
        return {}
    mean = ticks / count
    spread = timing.longest - (timing.shortest or 0)
    steady = spread <= max(JITTER_TICKS, JITTER_SHARE * mean)
    return {
        "fps_min": round(scale / timing.longest, 3),
        "fps_mean": round(scale / mean, 3),
        "fps_max": round(scale / timing.shortest, 3) if timing.shortest else None,
        "frame_rate_mode": "CFR" if steady else "VFR",
    }


def _durations(movie: Movie, track: Track) -> dict[str, Any]:
    scale = track.timescale
    held = track.timing.ticks / scale
    shown = _edited(movie, track, held)
    out: dict[str, Any] = {"duration_s": round(shown, 3)}
    if track.header_duration and movie.timescale:
        claim = track.header_duration / movie.timescale
    else:
        claim = track.duration / scale
    if claim and abs(claim - shown) > CLAIM_SLACK_S:
        out["duration_header_s"] = round(claim, 3)
    return out


def _edited(movie: Movie, track: Track, held: float) -> float:
    """Seconds of samples the edit list presents (``held`` when it has none or is unusual)."""
    if not track.edits or not movie.timescale:
        return held
    scale, shown = track.timescale, 0.0
    end = held + track.composition_shift / scale  # the last frame's display end, at the latest
    for duration, media_time, rate in track.edits:
        if media_time < 0 or rate == 0:  # empty edit or a still: no frames of the samples
            continue
        if rate != 1:
            return held
        available = max(0.0, end - media_time / scale)
        shown += min(duration / movie.timescale, available) if duration else available
    return min(shown, held) if shown else held  # presenting nothing: a broken list, not a blank clip

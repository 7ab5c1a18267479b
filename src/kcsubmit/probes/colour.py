"""Colour facts of a video track (MediaInfo): primaries, transfer, matrix, range, HDR format.

MediaInfo reads them from the container's ``colr`` box and from the bitstream (the HEVC/AVC
VUI and SEI, the AV1 sequence header, the Dolby Vision ``dvcC``/``dvvC`` record), so a phone
clip that signals HDR only in its bitstream is still seen. Names are MediaInfo's
(``BT.2020``, ``HLG``, ``PQ``, ``BT.2020 non-constant``, ``Limited``).
"""

from __future__ import annotations

import re
from typing import Any

#: dv_bl_signal_compatibility_id, as MediaInfo names it: what a player without Dolby Vision shows.
DOLBY_COMPATIBILITY = {"HDR10": 1, "SDR": 2, "HLG": 4, "Blu-ray": 6}
HDR_TRANSFERS = ("HLG", "PQ")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _field(track: Any, *names: str) -> str | None:
    """The first of ``names`` the track has (pymediainfo 7 says ``color_``, 6 ``colour_``)."""
    for name in names:
        value = _text(getattr(track, name, None))
        if value is not None:
            return value
    return None


def _one(value: str | None) -> str | None:
    """One value of a field MediaInfo reports twice ("HLG / HLG", "BT.2020 (10-bit) / HLG": the
    VUI and the alternative transfer SEI): the HDR one if any, else the first."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(" / ") if p.strip()]
    return next((p for p in parts if p in HDR_TRANSFERS), parts[0] if parts else None)


def facts(track: Any) -> dict[str, Any]:
    """``color_primaries``, ``transfer``, ``matrix``, ``color_range``, ``hdr_format``,
    ``dolby_vision_compatible`` (None without Dolby Vision) and ``peak_luminance`` (cd/m², PQ)."""
    transfer = _one(_field(track, "transfer_characteristics"))
    hdr, compatible = hdr_format(track, transfer)
    return {
        "color_primaries": _one(_field(track, "color_primaries", "colour_primaries")),
        "transfer": transfer,
        "matrix": _one(_field(track, "matrix_coefficients")),
        "color_range": _one(_field(track, "color_range", "colour_range")),
        "hdr_format": hdr,
        "dolby_vision_compatible": compatible,
        "peak_luminance": peak_luminance(track),
    }


def hdr_format(track: Any, transfer: str | None) -> tuple[str | None, bool | None]:
    """What a person calls the HDR of the track ("Dolby Vision 8.4, HLG", "HDR10", "PQ"), or None;
    and, for Dolby Vision, whether its base layer can be shown without it (8.1, 8.2, 8.4, 7)."""
    text = " / ".join(filter(None, (_field(track, "hdr_format"), _field(track, "hdr_format_commercial"),
                                    _field(track, "hdr_format_compatibility"))))
    parts: list[str] = []
    compatible: bool | None = None
    if "Dolby Vision" in text:
        profile = re.search(r"\.(\d+)", _field(track, "hdr_format_profile") or "")
        base = _field(track, "hdr_format_compatibility") or ""
        ids = [DOLBY_COMPATIBILITY[name] for name in re.split(r"\s*/\s*", base) if name in DOLBY_COMPATIBILITY]
        compatible = bool(ids)
        name = "Dolby Vision"
        if profile:
            name += f" {int(profile.group(1))}" + (f".{ids[0]}" if ids else "")
        parts.append(name)
    if "HDR10+" in text or "2094" in text:
        parts.append("HDR10+")
    elif re.search(r"HDR10(?!\+)", text) or "2086" in text:
        parts.append("HDR10")
    if transfer == "HLG":
        parts.append("HLG")
    elif transfer == "PQ" and not any(p.startswith("HDR10") for p in parts):
        parts.append("PQ")
    return (", ".join(parts) or None), compatible


def peak_luminance(track: Any) -> int | None:
    """The brightest light of the content in cd/m²: MaxCLL, else the mastering display's maximum."""
    cll = re.match(r"\s*([\d.]+)", _field(track, "maximum_content_light_level") or "")
    if cll and float(cll.group(1)) > 0:
        return round(float(cll.group(1)))
    mastering = re.search(r"max:\s*([\d.]+)", _field(track, "mastering_display_luminance") or "")
    if mastering and float(mastering.group(1)) > 0:
        return round(float(mastering.group(1)))
    return None

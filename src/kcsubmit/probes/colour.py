"""Colour facts of a video track (MediaInfo): primaries, transfer, matrix, range, HDR format.

MediaInfo reads them from the container's ``colr`` box and from the bitstream (the HEVC/AVC
VUI and SEI, the AV1 sequence header, the Dolby Vision ``dvcC``/``dvvC`` record), so a phone
clip that signals HDR only in its bitstream is still seen. Names are MediaInfo's
(``BT.2020``, ``HLG``, ``PQ``, ``BT.2020 non-constant``, ``Limited``).
"""

from __future__ import annotations

import re
from typing import Any

from .varint import leb128

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
    cll = re.match(r"\s*(\d+(?:\.\d+)?)", _field(track, "maximum_content_light_level") or "")
    if cll and float(cll.group(1)) > 0:
        return round(float(cll.group(1)))
    mastering = re.search(r"max:\s*(\d+(?:\.\d+)?)", _field(track, "mastering_display_luminance") or "")
    if mastering and float(mastering.group(1)) > 0:
        return round(float(mastering.group(1)))
    return None


# --- AV1: MediaInfo reads neither the colours nor the bit depth from the av1C box -----------------

#: ISO/IEC 23091-2 code points → MediaInfo's names (the ones the rules and the fixer read).
CICP_PRIMARIES = {1: "BT.709", 5: "BT.601 PAL", 6: "BT.601 NTSC", 9: "BT.2020", 11: "DCI P3", 12: "Display P3"}
CICP_TRANSFERS = {1: "BT.709", 6: "BT.601", 13: "sRGB/sYCC", 14: "BT.2020 (10-bit)", 15: "BT.2020 (12-bit)",
                  16: "PQ", 18: "HLG"}
CICP_MATRICES = {0: "RGB", 1: "BT.709", 5: "BT.601", 6: "BT.601", 9: "BT.2020 non-constant", 10: "BT.2020 constant"}
MOOV_LIMIT = 64 << 20  # the av1C box is in moov; a bigger moov is not read for it
TOP_BOXES = 1000  # top-level boxes looked at before giving up (a crafted file may hold millions)


def av1_facts(stream: Any) -> dict[str, Any]:
    """Bit depth and colours of an AV1 track from its ``av1C`` box and the sequence header OBU
    it carries; {} when there is none. The HDR format follows from the transfer."""
    config = _av1c(stream)
    if config is None or len(config) < 4:
        return {}
    flags = config[2]  # tier, high_bitdepth, twelve_bit, monochrome, subsampling x, y
    chroma = {(1, 1): "4:2:0", (1, 0): "4:2:2", (0, 0): "4:4:4"}.get(((flags >> 3) & 1, (flags >> 2) & 1))
    found: dict[str, Any] = {"bit_depth": 12 if flags & 0x20 else 10 if flags & 0x40 else 8,
                             "chroma_subsampling": None if flags & 0x10 else chroma}
    try:
        colours = _sequence_header_colours(config[4:])
    except (IndexError, ValueError):
        colours = None
    if colours:
        primaries, transfer, matrix, full = colours
        found.update(color_primaries=CICP_PRIMARIES.get(primaries), transfer=CICP_TRANSFERS.get(transfer),
                     matrix=CICP_MATRICES.get(matrix), color_range="Full" if full else "Limited")
        if found["transfer"] in HDR_TRANSFERS:
            found["hdr_format"] = found["transfer"]
    return found


def _av1c(stream: Any) -> bytes | None:
    stream.seek(0, 2)
    size = stream.tell()
    at = 0
    for _ in range(TOP_BOXES):
        if at + 8 > size:
            break
        stream.seek(at)
        head = stream.read(16)
        length, kind = int.from_bytes(head[:4], "big"), head[4:8]
        header = 8
        if length == 1 and len(head) >= 16:
            length, header = int.from_bytes(head[8:16], "big"), 16
        elif length == 0:
            length = size - at
        if length < header:
            return None
        if kind == b"moov":
            if length > MOOV_LIMIT:
                return None
            stream.seek(at + header)
            moov = stream.read(length - header)
            found = moov.find(b"av1C")
            if found < 4:
                return None
            box = int.from_bytes(moov[found - 4:found], "big")
            return moov[found + 4:found - 4 + box] if box >= 12 else None
        at += length
    return None


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def f(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]  # IndexError past the end: a cut header
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value

    def uvlc(self) -> int:
        zeros = 0
        while not self.f(1):
            zeros += 1
            if zeros >= 32:
                raise ValueError("uvlc")
        return self.f(zeros) + (1 << zeros) - 1


def _sequence_header_colours(obus: bytes) -> tuple[int, int, int, bool] | None:
    """(primaries, transfer, matrix, full range) from the first sequence header OBU (AV1 §5.5)."""
    at = 0
    while at < len(obus):
        head = obus[at]
        kind, extension, has_size = (head >> 3) & 15, head & 4, head & 2
        at += 2 if extension else 1
        if has_size:
            size, at = leb128(obus, at)
        else:
            size = len(obus) - at
        if kind == 1:
            return _colour_config(_Bits(obus[at:at + size]))
        at += size
    return None


def _colour_config(b: _Bits) -> tuple[int, int, int, bool] | None:
    profile, _still, reduced = b.f(3), b.f(1), b.f(1)
    if reduced:
        b.f(5)  # seq_level_idx[0]
    else:
        decoder_model = False
        if b.f(1):  # timing_info_present_flag
            b.f(32), b.f(32)
            if b.f(1):  # equal_picture_interval
                b.uvlc()
            decoder_model = bool(b.f(1))
            if decoder_model:
                delay_bits = b.f(5) + 1
                b.f(32), b.f(5), b.f(5)
        initial_delay = b.f(1)
        for _ in range(b.f(5) + 1):  # operating points
            b.f(12)
            if b.f(5) > 7:
                b.f(1)
            if decoder_model and b.f(1):
                b.f(delay_bits), b.f(delay_bits), b.f(1)
            if initial_delay and b.f(1):
                b.f(4)
    width_bits, height_bits = b.f(4) + 1, b.f(4) + 1
    b.f(width_bits), b.f(height_bits)
    if not reduced and b.f(1):  # frame_id_numbers_present_flag
        b.f(4), b.f(3)
    b.f(1), b.f(1), b.f(1)  # 128x128 superblock, filter intra, intra edge filter
    if not reduced:
        b.f(1), b.f(1), b.f(1), b.f(1)  # interintra, masked compound, warped motion, dual filter
        order_hint = b.f(1)
        if order_hint:
            b.f(1), b.f(1)
        screen_content = 2 if b.f(1) else b.f(1)
        if screen_content and not b.f(1):
            b.f(1)
        if order_hint:
            b.f(3)
    b.f(1), b.f(1), b.f(1)  # superres, cdef, restoration
    high = b.f(1)
    if profile == 2 and high:
        b.f(1)
    mono = 0 if profile == 1 else b.f(1)
    if not b.f(1):  # color_description_present_flag
        return None
    primaries, transfer, matrix = b.f(8), b.f(8), b.f(8)
    if not mono and (primaries, transfer, matrix) == (1, 13, 0):  # sRGB
        return primaries, transfer, matrix, True
    return primaries, transfer, matrix, bool(b.f(1))

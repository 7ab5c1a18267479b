"""The colour step of every transcode: the output is SDR BT.709, limited range, and says so.

- HDR (PQ, HLG; a Dolby Vision 8.x base layer is one of them): zscale takes the picture to
  linear light with the HDR reference white (203 cd/m², ITU-R BT.2408) at 1.0 and to BT.709
  primaries; ffmpeg's ``tonemap`` (mobius) keeps everything below ``KNEE`` as it is and rolls
  the highlights off up to the source's peak; zscale takes it back to BT.709 Y'CbCr. SDR white
  is thus where the phone put its reference white, and a colour chart keeps its colours
  (chosen against libplacebo and the other curves by measurement: docs/decisions.md).
- SDR in other colours (a BT.601 matrix or primaries, BT.2020 SDR, full range, untagged SD):
  zscale converts to BT.709.
- BT.709 SDR: nothing to convert.

The step runs after scaling, at the output size (a 4K source costs 1080p's conversion).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: MediaInfo's names → zscale's.
PRIMARIES = {"BT.709": "709", "BT.2020": "2020", "BT.601 NTSC": "170m", "BT.601 PAL": "bt470bg",
             "BT.470 System M": "bt470m", "SMPTE 240M": "240m", "Display P3": "smpte432",
             "DCI P3": "smpte431", "Generic film": "film"}
TRANSFERS = {"BT.709": "709", "BT.601": "601", "PQ": "smpte2084", "HLG": "arib-std-b67",
             "BT.2020 (10-bit)": "2020_10", "BT.2020 (12-bit)": "2020_12", "sRGB/sYCC": "iec61966-2-1",
             "Linear": "linear", "SMPTE 240M": "240m", "BT.470 System M": "bt470m",
             "BT.470 System B/G": "bt470bg"}
MATRICES = {"BT.709": "709", "BT.601": "470bg", "BT.2020 non-constant": "2020_ncl",
            "BT.2020 constant": "2020_cl", "SMPTE 240M": "240m", "FCC 73.682": "fcc", "YCgCo": "ycgco"}
RANGES = {"Limited": "limited", "Full": "full"}

REFERENCE_WHITE = 203  # cd/m²: HDR reference white (BT.2408), shown as SDR white
HLG_PEAK = 1000        # cd/m²: the nominal HLG display
PQ_PEAK = 1000         # cd/m²: when a PQ clip does not say (most are graded on 1000 cd/m²)
KNEE = 0.6             # tonemap=mobius: linear below this (SDR ~80 %), highlights rolled off above
#: What an encoder is told about its output, and what the last filter stamps on the frames.
OUTPUT_TAGS = ["-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"]
STAMP = "setparams=color_primaries=bt709:color_trc=bt709:colorspace=bt709:range=tv"
#: Converted frames lose the source's side data: HDR10 mastering display and light levels, HDR10+
#: and Dolby Vision metadata would otherwise reach the encoder and label the SDR output HDR.
FORGET = "sidedata=mode=delete"


def is_hdr(facts: Mapping[str, Any]) -> bool:
    return facts.get("transfer") in ("PQ", "HLG")


def source(facts: Mapping[str, Any]) -> dict[str, str]:
    """The source's colours in zscale's words; an untagged clip is what players assume:
    BT.601 below 720 lines, else BT.709."""
    sd = 0 < (facts.get("height") or 0) < 720 and 0 < (facts.get("width") or 0) < 1280
    guess = {"primaries": "170m" if sd else "709", "transfer": "601" if sd else "709",
             "matrix": "470bg" if sd else "709", "range": "limited"}
    found = {"primaries": PRIMARIES.get(facts.get("color_primaries") or ""),
             "transfer": TRANSFERS.get(facts.get("transfer") or ""),
             "matrix": MATRICES.get(facts.get("matrix") or ""),
             "range": RANGES.get(facts.get("color_range") or "")}
    return {key: found[key] or guess[key] for key in guess}


def needs_conversion(facts: Mapping[str, Any]) -> bool:
    """Anything but BT.709 SDR in limited range (transfer BT.601/BT.2020 SDR is the same curve)."""
    src = source(facts)
    return (is_hdr(facts) or src["primaries"] != "709" or src["matrix"] != "709"
            or src["range"] != "limited")


def peak(facts: Mapping[str, Any]) -> float:
    """The source's brightest light relative to the reference white (tonemap's ``peak``)."""
    nits = HLG_PEAK if facts.get("transfer") == "HLG" else (facts.get("peak_luminance") or PQ_PEAK)
    return max(1.0, min(nits, 10_000) / REFERENCE_WHITE)


def filters(facts: Mapping[str, Any], details: list[str]) -> str:
    """The filter steps from the (scaled) source to 8-bit BT.709 SDR, tagged."""
    src = source(facts)
    given = f"tin={src['transfer']}:pin={src['primaries']}:min={src['matrix']}:rin={src['range']}"
    if is_hdr(facts):
        details.append(f"tone-mapped {facts.get('hdr_format') or facts.get('transfer')} → SDR BT.709")
        return (f"zscale={given}:t=linear:npl={REFERENCE_WHITE}:p=709,format=gbrpf32le,"
                f"tonemap=mobius:param={KNEE}:desat=0:peak={peak(facts):.3f},"
                f"zscale=t=709:m=709:r=limited:d=ordered,format=yuv420p,{FORGET},{STAMP}")
    if needs_conversion(facts):
        shown = "/".join(filter(None, (facts.get("color_primaries"), facts.get("matrix"),
                                       facts.get("color_range")))) or "untagged SD (BT.601)"
        details.append(f"colours {shown} → BT.709")
        return f"zscale={given}:t=709:p=709:m=709:r=limited:d=ordered,format=yuv420p,{FORGET},{STAMP}"
    return f"format=yuv420p,{STAMP}"

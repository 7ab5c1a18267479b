"""HDR phone video (V014) and what `fix` makes of it: SDR BT.709 that looks like the picture
filmed, not grey; and every source shape transcodes (sub-second, 4K60 VFR, 120 fps, extra tracks).

The HDR clips are made at test time from SDR pictures (fixtures/hdrgen.py: zscale to BT.2020
10-bit HLG/PQ, reference white at 203 cd/m²), so the fixed copy can be compared with the
picture it came from: patch colours of a colour chart (CIEDE2000), saturation of a moving
colourful pattern, and the tags read from the output's own colr box.
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kcsubmit import profile as profile_mod
from kcsubmit.engine import check
from kcsubmit.fixers import FixOptions
from kcsubmit.repair import Fixed, fix

import colourchart
import hdrgen
import videogen
from conftest import profile_text

# One-second clips are compliant in length under this profile.
BRIEF = profile_mod.parse(profile_text(min_duration_s=0.1, max_duration_s=5), "<brief>")
LIBX264 = FixOptions(encoder="libx264")


@pytest.fixture(scope="module")
def make_hdr(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """make_hdr(name, **hdrgen options): a clip made once per module."""
    folder = tmp_path_factory.mktemp("hdr")
    cache: dict[tuple, Path] = {}

    def make(name: str, **options: Any) -> Path:
        key = (name, tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = hdrgen.make_hdr_video(folder / str(len(cache)) / name, **options)
        return cache[key]

    return make


def findings(path: Path) -> dict[str, Any]:
    report = check([path], rules=BRIEF)
    return {f.rule: f for f in report.files[0].findings}


def facts(path: Path | str) -> dict[str, Any]:
    return dict(check([path], rules=BRIEF).files[0].facts)


def colr(path: Path) -> tuple[int, int, int, int]:
    """(primaries, transfer, matrix, full range) of the file's own colr box (nclx), read by hand."""
    data = path.read_bytes()
    at = data.index(b"colrnclx")
    primaries, transfer, matrix, flags = struct.unpack_from(">HHHB", data, at + 8)
    return primaries, transfer, matrix, flags >> 7


def frame(path: Path, out: Path, at: float = 0.5) -> Image.Image:
    """One frame as 8-bit RGB, decoded by ffmpeg as a player does (by the file's own tags)."""
    subprocess.run([videogen.ffmpeg_exe(), "-v", "error", "-y", "-ss", str(at), "-i", str(path), "-vf",
                    "scale=out_range=pc,format=rgb24", "-frames:v", "1", "-update", "1", str(out)], check=True)
    return Image.open(out).convert("RGB")


def fixed(src: Path, out: Path, options: FixOptions = LIBX264, profile: Any = BRIEF) -> Fixed:
    report = fix([src], out, rules=profile, options=options)
    done, = report.files
    assert done.error is None, done.error
    return done


# --- check: V014 -----------------------------------------------------------------------------------

HDR_CASES = [
    ("hlg.mp4", {"transfer": "hlg"}, "HLG"),
    ("pq.mp4", {"transfer": "pq"}, "PQ"),
    ("hdr10-bitstream-only.mp4", {"transfer": "pq", "hdr10": True, "colr": False}, "HDR10"),
    ("iphone-dolby-vision.mp4", {"transfer": "hlg", "dolby_vision": "8.4", "colr": False}, "Dolby Vision 8.4, HLG"),
    ("dolby-vision-8.1.mp4", {"transfer": "pq", "dolby_vision": "8.1", "hdr10": True}, "Dolby Vision 8.1, HDR10"),
    ("av1-bitstream-only.mp4", {"transfer": "pq", "codec": "av1", "colr": False}, "PQ"),
]


@pytest.mark.parametrize("name,options,hdr", HDR_CASES, ids=[c[0] for c in HDR_CASES])
def test_hdr_is_v014(make_hdr, name, options, hdr):
    clip = make_hdr(name, **options)
    found = findings(clip)
    v014 = found["V014"]
    assert (v014.severity.value, v014.fixable, v014.actual, v014.expected) == ("warning", True, hdr, "SDR BT.709")
    measured = facts(clip)
    assert (measured["hdr_format"], measured["color_primaries"], measured["bit_depth"]) == (hdr, "BT.2020", 10)
    assert measured["transfer"] == ("HLG" if options["transfer"] == "hlg" else "PQ")
    assert measured["matrix"] == "BT.2020 non-constant" and measured["color_range"] == "Limited"
    assert {"V008", "V011"} <= set(found)


def test_hdr10_peak_is_read(make_hdr):
    assert facts(make_hdr("hdr10.mp4", transfer="pq", hdr10=True))["peak_luminance"] == 1000


def test_wide_gamut_sdr_is_v014(make_hdr):
    v014 = findings(make_hdr("bt2020-sdr.mp4", transfer="sdr2020"))["V014"]
    assert (v014.variant, v014.actual, v014.fixable) == ("wide", "SDR BT.2020", True)


@pytest.mark.parametrize("name,options", [("bt709.mp4", {"transfer": "sdr"}), ("bt601.mp4", {"transfer": "sdr601"}),
                                          ("untagged.mp4", {"transfer": "sdr", "tags": False})])
def test_sdr_is_v014_free(make_hdr, name, options):
    measured = facts(make_hdr(name, **options))
    assert "V014" not in findings(make_hdr(name, **options))
    assert measured["hdr_format"] is None


def test_plain_phone_clip_is_v014_free(good_video):
    assert "V014" not in findings(good_video)


def test_dolby_vision_without_a_compatible_picture_cannot_be_fixed(make_hdr, tmp_path):
    clip = make_hdr("dolby-vision-5.mp4", transfer="pq", dolby_vision="5.0")
    v014 = findings(clip)["V014"]
    assert (v014.variant, v014.fixable, v014.actual) == ("dolby_only", False, "Dolby Vision 5, PQ")
    report = fix([clip], tmp_path / "out", rules=BRIEF, options=LIBX264)
    assert report.files[0].action == "failed" and "Dolby Vision" in report.files[0].error
    assert report.exit_code() == 1


# --- fix: tone mapping ------------------------------------------------------------------------------

@pytest.mark.parametrize("transfer", ["hlg", "pq"])
def test_fix_tone_maps_to_sdr_bt709_and_keeps_the_colours(make_hdr, tmp_path, transfer):
    clip = make_hdr(f"{transfer}-testsrc2.mp4", transfer=transfer, picture="testsrc2", width=320, height=180)
    done = fixed(clip, tmp_path / "out")
    assert {"V008", "V011", "V014"} <= {f.rule for f in done.before}
    assert done.after == (), [f.rule for f in done.after]
    out = Path(done.output)
    assert colr(out) == (1, 1, 1, 0)                   # BT.709 primaries, transfer, matrix; limited range
    sdr = make_hdr("sdr-testsrc2.mp4", transfer="sdr", picture="testsrc2", width=320, height=180)
    original = colourchart.saturation(frame(sdr, tmp_path / "sdr.png"))
    after = colourchart.saturation(frame(out, tmp_path / "out.png").resize((320, 180)))
    assert abs(after / original - 1) < 0.2, (after, original)


CHART_CASES = [("hlg", {"transfer": "hlg"}), ("hdr10", {"transfer": "pq", "hdr10": True}),
               ("iphone", {"transfer": "hlg", "dolby_vision": "8.4", "colr": False})]


@pytest.mark.parametrize("name,options", CHART_CASES, ids=[c[0] for c in CHART_CASES])
def test_fix_keeps_a_colour_charts_patches(make_hdr, tmp_path, name, options):
    clip = make_hdr(f"chart-{name}.mp4", **options)
    shown = colourchart.read(frame(clip, tmp_path / "src.png"))
    assert colourchart.mean_delta_e(shown) > 5  # shown as it is, the HDR clip is off (grey, pale)
    out = Path(fixed(clip, tmp_path / "out").output)
    patches = colourchart.read(frame(out, tmp_path / "out.png"))
    assert colourchart.mean_delta_e(patches) < 2.5
    for i in (colourchart.ORANGE, colourchart.RED):  # not pale yellow, not salmon
        assert colourchart.delta_e(colourchart.PATCHES[i], patches[i]) < 4, (i, patches[i])


@pytest.mark.parametrize("tags", [True, False], ids=["tagged", "untagged"])
def test_fix_converts_bt601_colours(make_hdr, tmp_path, tags):
    """A 4:3 SD clip in BT.601 (tagged, or untagged: players take SD for BT.601) keeps its colours."""
    clip = make_hdr("sd-601.mp4", transfer="sdr601", width=640, height=480, tags=tags)
    out = Path(fixed(clip, tmp_path / "out").output)
    assert colr(out) == (1, 1, 1, 0)
    image = frame(out, tmp_path / "out.png")
    patches = colourchart.read(image, (240, 0, 1680, 1080))  # pillarboxed: 1440x1080 in the middle
    assert colourchart.mean_delta_e(patches) < 1.5


# --- fix: every source shape -------------------------------------------------------------------------

def test_sub_second_clip_transcodes(make_video, tmp_path):
    clip = make_video("blink.mp4", duration=0.2, width=640, height=360)
    done = fixed(clip, tmp_path / "out")
    assert done.action == "transcoded" and done.after == ()
    out = Path(done.output)
    assert colr(out) == (1, 1, 1, 0)
    assert 0.15 <= facts(out)["duration_s"] <= 0.3


def test_4k60_vfr_clip_becomes_1080p60_cfr_in_sync(make_video, tmp_path):
    clip = make_video("4k60-vfr.mp4", width=3840, height=2160, fps=60, vfr=True, duration=1.0)
    before = facts(clip)
    assert before["frame_rate_mode"] == "VFR"
    out = Path(fixed(clip, tmp_path / "out").output)
    after = facts(out)
    assert (after["width"], after["height"], after["frame_rate_mode"]) == (1920, 1080, "CFR")
    assert round(after["frame_rate"]) == 60
    assert abs(after["duration_s"] - before["duration_s"]) < 0.05
    assert abs(_audio_seconds(out) - after["duration_s"]) < 0.05  # no drift


def test_8k_clip_scales_down(make_video, tmp_path):
    clip = make_video("8k.mp4", width=7680, height=4320, duration=0.2)
    after = facts(fixed(clip, tmp_path / "out").output)
    assert (after["width"], after["height"], after["rotation"]) == (1920, 1080, 0)


def _audio_seconds(path: Path) -> float:
    from pymediainfo import MediaInfo

    return float(MediaInfo.parse(str(path)).audio_tracks[0].duration) / 1000


@pytest.mark.parametrize("fps,expected", [(120, 60), (50, 50), (100, 50)])
def test_frame_rate_kept_within_24_60_else_halved(make_video, tmp_path, fps, expected):
    clip = make_video(f"{fps}fps.mp4", fps=fps, width=640, height=360, duration=1.0)
    out = Path(fixed(clip, tmp_path / "out").output)
    assert round(facts(out)["frame_rate"]) == expected


def test_second_video_track_and_timecode_are_left_out(make_video, tmp_path):
    """A motion photo's second picture track and a QuickTime timecode track are not errors."""
    main = make_video("main.mp4", width=640, height=360)
    still = make_video("still.mp4", width=320, height=240, audio=None)
    clip = tmp_path / "motion.mov"
    subprocess.run([videogen.ffmpeg_exe(), "-v", "error", "-y", "-i", str(main), "-i", str(still),
                    "-map", "0:v", "-map", "1:v", "-map", "0:a", "-c", "copy", "-timecode", "01:00:00:00",
                    str(clip)], check=True)
    before = facts(clip)
    assert before["video_tracks"] == 2 and before["width"] == 640
    done = fixed(clip, tmp_path / "out")
    after = facts(done.output)
    assert done.after == () and after["video_tracks"] == 1 and after["audio_tracks"] == 1

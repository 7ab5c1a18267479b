"""Issue 16: the limits of other calls (profile format 2) — each new rule on a clip, picture or
document made here that passes and one that breaks it; an absent key is not checked; every fix
target (frame rate, bitrate, audio, portrait, RGB, bytes) read back from the output's facts.

Profiles are the built-in 2023 with its sections replaced (``dataclasses.replace``), as a
format-2 profile that gives only these keys would load.
"""

from __future__ import annotations

import io
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kcsubmit.engine import apply_rules, check
from kcsubmit.fixers import FixOptions
from kcsubmit.fixers.target import image_size, video_target
from kcsubmit.i18n import finding_message, finding_next
from kcsubmit.probes import image as image_probe
from kcsubmit.probes import video as video_probe
from kcsubmit.profile import load
from kcsubmit.repair import fix
from kcsubmit.rules import RULES

import docgen

BASE = load("2023")
NEW_RULES = {*(f"V{n:03d}" for n in range(15, 21)), *(f"I{n:03d}" for n in range(7, 11)), "D008"}
SMALL = {"width": 320, "height": 180, "duration": 2}  # every clip: tiny and short


def limits(video: dict[str, Any] | None = None, case: dict[str, Any] | None = None,
           archive: dict[str, Any] | None = None) -> Any:
    """A profile whose sections hold only the keys given (absent: not checked)."""
    return replace(BASE, video=video or {}, case=case or {}, archive=archive or {})


def found(path: Path, profile: Any) -> set[str]:
    report = check([path], rules=profile)
    assert len(report.files) == 1, report
    return {f.rule + (f":{f.variant}" if f.variant else "") for f in report.files[0].findings}


# --- video rules: (id, clip options, [video] keys, findings: exactly these) ---
VIDEO_CASES = [
    ("nothing-asked", {"codec": "mpeg4", "audio": "mp3", "rotation": 90}, {}, set()),
    ("landscape-ok", {}, {"orientation": "landscape"}, set()),
    ("landscape-portrait", {"width": 180, "height": 320}, {"orientation": "landscape"}, {"V015:landscape"}),
    ("portrait-ok", {"width": 180, "height": 320}, {"orientation": "portrait"}, set()),
    ("portrait-landscape", {}, {"orientation": "portrait"}, {"V015:portrait"}),
    ("any", {"width": 180, "height": 320}, {"orientation": "any"}, set()),
    ("portrait-16-9", {"width": 180, "height": 320}, {"orientation": "portrait", "aspect": "16:9"}, set()),
    ("portrait-16-9-landscape", {}, {"orientation": "portrait", "aspect": "16:9"}, {"V004", "V015:portrait"}),
    ("min-size-ok", {}, {"min_width": 320, "min_height": 180}, set()),
    ("min-size-small", {"width": 256, "height": 144}, {"min_width": 320, "min_height": 180}, {"V003:range"}),
    ("max-size-big", {}, {"max_width": 256, "max_height": 144}, {"V003:range"}),
    ("min-size-flag", {"rotation": 90}, {"min_width": 180, "min_height": 180}, {"V003:flag"}),
    ("min-size-rotated-small", {"rotation": 90}, {"min_width": 320, "min_height": 180}, {"V003:range"}),
    ("fps-ok", {}, {"fps": [25]}, set()),
    ("fps-30", {"fps": 30}, {"fps": [25]}, {"V016"}),
    ("fps-list", {"fps": 50}, {"fps": [25, 50]}, set()),
    ("fps-ntsc", {"fps": 30000 / 1001}, {"fps": [29.97]}, set()),
    ("bitrate-ok", {"bitrate": "1M"}, {"min_bitrate_kbps": 500, "max_bitrate_kbps": 2000}, set()),
    ("bitrate-low", {}, {"min_bitrate_kbps": 500}, {"V017:low"}),
    ("bitrate-high", {"bitrate": "1M"}, {"max_bitrate_kbps": 300}, {"V017:high"}),
    ("audio-ok", {}, {"audio": {"codec": "AAC", "sample_rate": 48000, "channels": 2}}, set()),
    ("audio-44k", {"audio_rate": 44100}, {"audio": {"sample_rate": 48000}}, {"V018"}),
    ("audio-mono", {"audio_channels": 1}, {"audio": {"channels": 2}}, {"V018"}),
    ("audio-bitrate", {}, {"audio": {"min_bitrate_kbps": 128}}, {"V018"}),
    ("audio-codec", {"audio": "mp3"}, {"audio": {"codec": "AAC"}}, {"V009"}),
    ("audio-missing", {"audio": None}, {"audio": {"sample_rate": 48000}}, {"V009:missing"}),
    ("bytes-ok", {}, {"min_bytes": 1000, "max_bytes": 10_000_000}, set()),
    ("bytes-small", {}, {"min_bytes": 10_000_000}, {"V019"}),
    ("bytes-big", {}, {"max_bytes": 1000}, {"V020"}),
]


@pytest.mark.parametrize("options,video,expected", [c[1:] for c in VIDEO_CASES], ids=[c[0] for c in VIDEO_CASES])
def test_video_limit(make_video, options, video, expected):
    clip = make_video("clip.mp4", **{**SMALL, **options})
    assert found(clip, limits(video=video)) == expected


def test_video_bounds_for_1080p_and_up(make_video):
    """≥1080p: a 4K clip passes, 720p fails and names what is asked for."""
    profile = limits(video={"min_width": 1920, "min_height": 1080})
    assert found(make_video("uhd.mp4", width=3840, height=2160, duration=1), profile) == set()
    report = check([make_video("hd.mp4", width=1280, height=720, duration=1)], rules=profile)
    (finding,) = report.files[0].findings
    assert (finding.rule, finding.variant, finding.expected) == ("V003", "range", ">= 1920x1080")
    assert "1280x720" in finding_message(finding, "en") and ">= 1920x1080" in finding_message(finding, "zh")


def test_size_below_minimum_is_never_fixable(make_video):
    report = check([make_video("clip.mp4", **SMALL)], rules=limits(video={"min_bytes": 10_000_000}))
    (finding,) = report.files[0].findings
    assert finding.rule == "V019" and not finding.fixable
    assert "higher quality" in finding_next(finding, "en") and "填充" in finding_next(finding, "zh")


# --- picture rules: (id, name, docgen/noise picture, [case] keys, findings) ---
def noise(size: tuple[int, int], fmt: str = "JPEG", mode: str = "RGB") -> bytes:
    image = Image.frombytes("RGB", size, random.Random(0).randbytes(size[0] * size[1] * 3)).convert(mode)
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


IMAGE_CASES = [
    ("nothing-asked", "a.bmp", lambda: docgen.jpeg((50, 40), fmt="BMP"), {}, set()),
    ("formats-png", "a.png", lambda: docgen.jpeg(fmt="PNG"), {"image_formats": ["JPEG", "PNG"]}, set()),
    ("formats-bmp", "a.bmp", lambda: docgen.jpeg(fmt="BMP"), {"image_formats": ["JPEG", "PNG"]},
     {"I001:formats"}),
    ("bounds-ok", "a.jpg", lambda: docgen.jpeg((800, 600)), {"image_min_width": 640, "image_min_height": 480}, set()),
    ("bounds-small", "a.jpg", lambda: docgen.jpeg((320, 240)), {"image_min_width": 640, "image_min_height": 480},
     {"I002:range", "I006"}),
    ("bounds-big", "a.jpg", lambda: docgen.jpeg((800, 600)), {"image_max_width": 640}, {"I002:range"}),
    ("long-side-ok", "a.jpg", lambda: docgen.jpeg((600, 1200)), {"image_min_long_side": 1000}, set()),
    ("long-side-short", "a.jpg", lambda: docgen.jpeg((800, 600)), {"image_min_long_side": 1000}, {"I007"}),
    ("min-bytes-ok", "a.jpg", lambda: noise((640, 480)), {"image_min_bytes": 100_000}, set()),
    ("min-bytes-small", "a.jpg", lambda: docgen.jpeg(), {"image_min_bytes": 100_000}, {"I008"}),
    ("max-bytes-ok", "a.jpg", lambda: docgen.jpeg(), {"image_max_bytes": 100_000}, set()),
    ("max-bytes-big", "a.jpg", lambda: noise((640, 480)), {"image_max_bytes": 100_000}, {"I009"}),
    ("rgb-ok", "a.jpg", lambda: docgen.jpeg(), {"image_color_mode": "RGB"}, set()),
    ("rgb-grey", "a.jpg", lambda: docgen.jpeg(mode="L"), {"image_color_mode": "RGB"}, {"I005:profile"}),
    ("rgb-cmyk", "a.jpg", lambda: docgen.jpeg(mode="CMYK"), {"image_color_mode": "RGB"}, {"I005:profile"}),
    ("portrait-ok", "a.jpg", lambda: docgen.jpeg((480, 640)), {"image_orientation": "portrait"}, set()),
    ("portrait-landscape", "a.jpg", lambda: docgen.jpeg(), {"image_orientation": "portrait"}, {"I010:portrait"}),
    ("landscape-portrait", "a.jpg", lambda: docgen.jpeg((480, 640)), {"image_orientation": "landscape"},
     {"I010:landscape"}),
]


@pytest.mark.parametrize("name,make,case,expected", [c[1:] for c in IMAGE_CASES], ids=[c[0] for c in IMAGE_CASES])
def test_picture_limit(tmp_path, name, make, case, expected):
    path = tmp_path / name
    path.write_bytes(make())
    findings, _ = apply_rules("image", image_probe.probe(path), limits(case=case))
    assert {f.rule + (f":{f.variant}" if f.variant else "") for f in findings} == expected


def test_orientation_fix_needs_an_exact_size(tmp_path):
    path = tmp_path / "a.jpg"
    path.write_bytes(docgen.jpeg())
    facts = image_probe.probe(path)
    loose_only, _ = apply_rules("image", facts, limits(case={"image_orientation": "portrait"}))
    exact, _ = apply_rules("image", facts, limits(case={"image_orientation": "portrait", "image_width": 480,
                                                        "image_height": 640}))
    assert [f.fixable for f in loose_only] == [False]
    assert {f.rule: f.fixable for f in exact} == {"I010": True, "I002": True, "I006": False}


@pytest.mark.parametrize("words,expected", [(10, set()), (120, {"D008"})])
def test_text_limit(tmp_path, words, expected):
    doc = docgen.make_docx(tmp_path / "caption.docx", paragraphs=[docgen.chinese_text(words)], pictures=[])
    assert found(doc, limits(case={"max_chars": 100})) == expected


def test_every_new_rule_has_a_breaking_case():
    broken = {e.split(":")[0] for c in VIDEO_CASES + IMAGE_CASES for e in c[-1]} | {"D008"}
    assert NEW_RULES <= broken | {"V003", "V009"}
    assert NEW_RULES <= set(RULES)


# --- the one fix target: computed from the profile (cheap, no encoding) ---
TARGETS = [
    ("2023", BASE.video, {"frame_rate": 29.97, "display_width": 1280, "display_height": 720},
     (1920, 1080, "30000/1001")),
    ("fps-25", {"fps": [25]}, {"frame_rate": 30.0, "display_width": 1920, "display_height": 1080}, (1920, 1080, "25")),
    ("fps-nearest", {"fps": [25, 50]}, {"frame_rate": 59.94, "display_width": 1920, "display_height": 1080},
     (1920, 1080, "50")),
    ("1080p-up-keeps-4k", {"min_width": 1920, "min_height": 1080},
     {"frame_rate": 25.0, "display_width": 3840, "display_height": 2160}, (3840, 2160, "25")),
    ("1080p-up-from-720p", {"min_width": 1920, "min_height": 1080},
     {"frame_rate": 25.0, "display_width": 1280, "display_height": 720}, (1920, 1080, "25")),
    ("portrait", {"orientation": "portrait", "min_width": 1080, "min_height": 1920},
     {"frame_rate": 25.0, "display_width": 1920, "display_height": 1080}, (1080, 1920, "25")),
    ("portrait-aspect", {"orientation": "portrait", "aspect": "16:9", "min_height": 1280},
     {"frame_rate": 25.0, "display_width": 1920, "display_height": 1080}, (720, 1280, "25")),
    ("max-only", {"max_width": 1280, "max_height": 720},
     {"frame_rate": 25.0, "display_width": 1920, "display_height": 1080}, (1280, 720, "25")),
]


@pytest.mark.parametrize("video,facts,expected", [t[1:] for t in TARGETS], ids=[t[0] for t in TARGETS])
def test_video_target(video, facts, expected):
    goal = video_target(replace(BASE, video=video), facts)
    assert (goal.width, goal.height, goal.rate) == expected


def test_audio_and_size_targets():
    goal = video_target(replace(BASE, video={"audio": {"sample_rate": 44100, "channels": 1, "min_bitrate_kbps": 128,
                                                       "max_bitrate_kbps": 160}, "max_bytes": 50_000_000}), {})
    assert (goal.audio_rate, goal.audio_channels, goal.audio_bitrate, goal.max_bytes) == (44100, 1, 144_000, 50_000_000)
    assert video_target(BASE, {}).max_bytes == 300_000_000 - 1024  # the archive's, less the zip's overhead
    assert image_size({"image_min_width": 640, "image_min_height": 480}, {"display_width": 320,
                                                                        "display_height": 240}) == (640, 480)
    assert image_size({"image_max_width": 1000}, {"display_width": 4000, "display_height": 3000}) == (1000, 750)


# --- fixes, read back from the output ---
def fixed(src: Path, out: Path, profile: Any, **options: Any) -> tuple[dict[str, Any], Any]:
    report = fix([src], out, rules=profile, options=FixOptions(encoder="libx264", **options))
    (done,) = report.files
    assert done.output, done.error
    return video_probe.probe(done.output) if done.kind == "video" else image_probe.probe(done.output), done


def test_fix_frame_rate_to_the_profile(make_video, tmp_path):
    profile = limits(video={"fps": [25]})
    facts, done = fixed(make_video("clip.mp4", fps=30, **SMALL), tmp_path / "out", profile)
    assert abs(facts["frame_rate"] - 25) < 0.01 and done.after == ()


def test_fix_bitrate_into_the_range(make_video, tmp_path):
    profile = limits(video={"min_bitrate_kbps": 1024, "max_bitrate_kbps": 1280})
    facts, done = fixed(make_video("clip.mp4", **SMALL), tmp_path / "out", profile)
    assert 1024 <= facts["video_bitrate_kbps"] <= 1280, facts["video_bitrate_kbps"]
    assert done.after == ()


def test_fix_audio_to_the_profile(make_video, tmp_path):
    profile = limits(video={"audio": {"codec": "AAC", "sample_rate": 48000, "channels": 2, "min_bitrate_kbps": 128}})
    src = make_video("clip.mp4", audio="mp3", audio_rate=44100, audio_channels=1, **SMALL)
    facts, done = fixed(src, tmp_path / "out", profile)
    assert done.action == "audio"  # the picture copied
    assert (facts["audio_codec"], facts["audio_sample_rate"], facts["audio_channels"]) == ("AAC", 48000, 2)
    assert facts["audio_bitrate_kbps"] >= 128 and done.after == ()


def test_fix_to_portrait_at_the_minimum_size(make_video, tmp_path):
    """A portrait call with minimums: a landscape clip becomes an upright 1080x1920 (9:16)."""
    profile = limits(video={"orientation": "portrait", "min_width": 1080, "min_height": 1920})
    facts, done = fixed(make_video("clip.mp4", width=320, height=180, duration=1), tmp_path / "out", profile,
                        fit="blur")
    assert (facts["display_width"], facts["display_height"], facts["rotation"]) == (1080, 1920, 0)
    assert done.after == ()


def test_fix_picture_to_rgb(tmp_path):
    out = tmp_path / "out"
    for mode in ("L", "CMYK"):
        src = tmp_path / f"{mode}.jpg"
        src.write_bytes(docgen.jpeg(mode=mode))
        facts, done = fixed(src, out / mode, limits(case={"image_color_mode": "RGB"}))
        assert facts["mode"] == "RGB" and done.after == ()


def test_fix_picture_under_max_bytes(tmp_path):
    src = tmp_path / "big.jpg"
    src.write_bytes(noise((800, 600)))
    facts, done = fixed(src, tmp_path / "out", limits(case={"image_max_bytes": 60_000}))
    assert facts["size_bytes"] <= 60_000 and done.after == ()


def test_fix_picture_up_to_the_minimum(tmp_path):
    src = tmp_path / "small.jpg"
    src.write_bytes(docgen.jpeg((320, 240)))
    facts, done = fixed(src, tmp_path / "out", limits(case={"image_min_width": 640, "image_min_height": 480}))
    assert (facts["display_width"], facts["display_height"]) == (640, 480)
    assert {f.rule for f in done.after} == set()


def test_fix_file_size_under_the_maximum(make_video, tmp_path):
    src = make_video("clip.mp4", bitrate="1M", **SMALL)
    cap = src.stat().st_size // 3
    facts, done = fixed(src, tmp_path / "out", limits(video={"max_bytes": cap}))
    assert facts["size_bytes"] <= cap and done.after == ()


@pytest.mark.parametrize("rule_id", sorted(NEW_RULES))
def test_explain_new_rules(rule_id):
    from typer.testing import CliRunner

    from kcsubmit.cli import app

    for lang in ("zh", "en"):
        result = CliRunner().invoke(app, ["explain", rule_id, "--lang", lang])
        assert result.exit_code == 0 and rule_id in result.output and RULES[rule_id].name in result.output


def test_fix_aims_at_the_deliverables_limits(tmp_path):
    """A file judged as a ``[[deliverable]]`` is fixed to that deliverable's limits (the built-in
    poster call: portrait 1080x1920 RGB ≤ 5 MB). Runs once the format-2 loader is merged."""
    from kcsubmit.profile import builtin_names

    if "poster-photo" not in builtin_names():
        pytest.skip("needs the format-2 built-in profiles (branch profiles)")
    folder = tmp_path / "poster"
    folder.mkdir()
    (folder / "海报.jpg").write_bytes(docgen.jpeg((1920, 1080), mode="CMYK"))
    report = fix([folder], tmp_path / "out", rules="poster-photo", options=FixOptions(fit="blur"))
    (done,) = report.files
    facts = image_probe.probe(done.output)
    assert (facts["display_width"], facts["display_height"], facts["mode"]) == (1080, 1920, "RGB")
    assert done.after == ()


def test_a_rule_without_its_numbers_is_not_checked(make_video):
    """Format 2: a rule whose keys the profile leaves out is not even listed as checked; the
    2023 profile gives none of the new rules' keys."""
    clip = make_video("clip.mp4", **SMALL)
    checked = set(check([clip], rules=limits(video={"fps": [25]})).files[0].rules_checked)
    assert {"V013", "V016"} <= checked and not checked & {"V003", "V005", "V015", "V017", "V019"}
    assert not set(check([clip], rules=BASE).files[0].rules_checked) & NEW_RULES

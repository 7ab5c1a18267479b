"""Every V rule fires on a file made to break it, and on no compliant file."""

from __future__ import annotations

import pytest

from kcsubmit import profile as profile_mod
from kcsubmit.engine import check
from kcsubmit.rules import RULES

from conftest import assert_findings, profile_text, rule_ids

# (file name, make_video options, the rules it must break: exactly these)
CASES = [
    ("good.mp4", {}, set()),
    ("good-30fps-mp3less.mp4", {"fps": 30}, set()),
    ("quicktime.mov", {}, {"V001"}),
    ("matroska.mkv", {}, {"V001"}),
    ("mp4-named.m4v", {"container": "mp4"}, {"V001"}),
    ("anamorphic.mp4", {"width": 1440, "sar": "4:3"}, {"V003"}),
    ("720p.mp4", {"width": 1280, "height": 720}, {"V003"}),
    ("portrait.mp4", {"rotation": 90}, {"V003", "V004"}),
    ("four-three.mp4", {"width": 1440}, {"V003", "V004"}),
    ("short.mp4", {"duration": 1}, {"V005"}),
    ("long.mp4", {"duration": 6}, {"V006"}),
    ("interlaced.mp4", {"interlaced": True}, {"V007"}),
    ("hevc.mp4", {"codec": "hevc"}, {"V008"}),
    ("silent.mp4", {"audio": None}, {"V009"}),
    ("mp3.mp4", {"audio": "mp3"}, {"V009"}),
    ("moov-last.mp4", {"faststart": False}, {"V010"}),
    ("ten-bit.mp4", {"pix_fmt": "yuv420p10le"}, {"V011"}),
    ("four-two-two.mp4", {"pix_fmt": "yuv422p"}, {"V011"}),
    ("slow.mp4", {"fps": 15}, {"V013"}),
    ("vfr.mp4", {"vfr": True}, {"V013"}),
]


@pytest.mark.parametrize("name,options,expected", CASES, ids=[c[0] for c in CASES])
def test_rule_fires_exactly(make_video, short_profile, name, options, expected):
    assert_findings(make_video(name, **options), expected, short_profile)


def test_every_video_rule_has_a_breaking_case():
    covered = set().union(*(c[2] for c in CASES)) | {"V002", "V012", "V014"}  # V014: tests/test_hdr.py
    covered |= {f"V{n:03d}" for n in range(15, 21)}  # format-2 limits: tests/test_limits.py
    video_rules = {r for r in RULES if r.startswith("V")}
    assert covered == video_rules


def test_v012_too_big_for_archive(good_video, short_profile):
    size = good_video.stat().st_size
    tight = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5, max_bytes=size), "<t>")
    roomy = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5, max_bytes=size + 10_000), "<t>")
    assert rule_ids(good_video, tight) == {"V012"}
    assert rule_ids(good_video, roomy) == set()


@pytest.mark.parametrize("content", [b"", b"hello, this is not a video\n", b"\x00" * 5000])
def test_not_media_is_v002(tmp_path, short_profile, content):
    path = tmp_path / "clip.mp4"
    path.write_bytes(content)
    report = check([path], rules=short_profile)
    finding, = report.files[0].findings
    assert (finding.rule, finding.severity.value, finding.fixable) == ("V002", "error", False)
    assert finding.variant == ("empty" if not content else "unreadable")


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.9])
def test_truncated_is_v002(tmp_path, good_video, short_profile, fraction):
    import videogen

    cut = videogen.truncate(good_video, tmp_path / f"cut{fraction}.mp4", fraction)
    assert rule_ids(cut, short_profile) == {"V002"}


def test_truncated_before_moov_is_v002(tmp_path, make_video, short_profile):
    import videogen

    late = make_video("late-moov.mp4", faststart=False)
    assert rule_ids(videogen.truncate(late, tmp_path / "cut.mp4", 0.5), short_profile) == {"V002"}


def test_portrait_facts(make_video, short_profile):
    result = check([make_video("portrait.mp4", rotation=90)], rules=short_profile).files[0]
    facts = result.facts
    assert (facts["width"], facts["height"]) == (1920, 1080)
    assert (facts["display_width"], facts["display_height"]) == (1080, 1920)
    assert facts["rotation"] in (90, 270)
    v004 = next(f for f in result.findings if f.rule == "V004")
    assert v004.actual == "9:16" and v004.expected == "16:9"


def test_anamorphic_facts(make_video, short_profile):
    facts = check([make_video("anamorphic.mp4", width=1440, sar="4:3")], rules=short_profile).files[0].facts
    assert facts["pixel_aspect_ratio"] == pytest.approx(1.333, abs=0.001)
    assert (facts["display_width"], facts["display_height"]) == (1920, 1080)


def test_interlaced_reports_scan_type(make_video, short_profile):
    finding = check([make_video("interlaced.mp4", interlaced=True)], rules=short_profile).files[0].findings[0]
    assert finding.actual in ("MBAFF", "Interlaced")


def test_missing_audio_is_not_fixable_but_mp3_is(make_video, short_profile):
    silent = check([make_video("silent.mp4", audio=None)], rules=short_profile).files[0].findings[0]
    mp3 = check([make_video("mp3.mp4", audio="mp3")], rules=short_profile).files[0].findings[0]
    assert (silent.fixable, silent.actual) == (False, None)
    assert (mp3.fixable, mp3.actual) == (True, "MPEG Audio")


def test_compliant_65s_clip_passes_builtin_profile(make_video):
    report = check([make_video("compliant-65s.mp4", duration=65)], rules="2023")
    assert report.files[0].findings == ()
    assert report.ok and report.exit_code(strict=True) == 0
    assert 64.5 < report.files[0].facts["duration_s"] < 65.5


def test_builtin_profile_flags_short_clip(good_video):
    assert rule_ids(good_video, "2023") == {"V005"}


def test_severity_off_and_override(good_video):
    muted = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5).replace(
        "[severity]", '[severity]\nV009 = "off"\nV010 = "error"'), "<t>")

    report = check([good_video], rules=muted)
    assert "V009" not in report.files[0].rules_checked
    assert "V010" in report.files[0].rules_checked


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_messages_render_every_placeholder(make_video, short_profile, lang):
    from kcsubmit.i18n import finding_message, finding_next

    for name, options, _ in CASES:
        for finding in check([make_video(name, **options)], rules=short_profile).files[0].findings:
            for text in (finding_message(finding, lang), finding_next(finding, lang)):
                assert "?" not in text and "{" not in text, (name, finding.rule, text)

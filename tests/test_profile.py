"""The rules profile: every number in TOML, every mistake named with its key and file."""

from __future__ import annotations

import pytest

from kcsubmit import profile
from kcsubmit.profile import ProfileError

from conftest import profile_text


def test_builtin_2023_holds_the_notice():
    p = profile.load("2023")
    assert p.themes == ("助力双减", "人工智能", "逐梦航天", "美丽乡村")
    assert (p.video["width"], p.video["height"], p.video["aspect"]) == (1920, 1080, "16:9")
    assert (p.video["min_duration_s"], p.video["max_duration_s"]) == (60, 300)
    assert p.archive["max_bytes"] == 300_000_000
    assert (p.case["max_words"], p.case["min_images"]) == (500, 5)
    assert (p.case["image_width"], p.case["image_height"]) == (640, 480)
    assert p.deadline.isoformat() == "2023-08-16T00:00:00+08:00"


def test_load_from_file(tmp_path):
    path = tmp_path / "2024.toml"
    path.write_text(profile_text(name='"2024"', max_duration_s=240), encoding="utf-8")
    p = profile.load(path)
    assert (p.name, p.video["max_duration_s"], p.source) == ("2024", 240, str(path))


@pytest.mark.parametrize("text_change,key", [
    (lambda t: t.replace("width = 1920", "width = 1920\nwidht = 1"), "video.widht"),
    (lambda t: t.replace("width = 1920", 'width = "1920"'), "video.width"),
    (lambda t: t.replace("width = 1920", "width = -5"), "video.width"),
    (lambda t: t.replace("width = 1920\n", ""), "video.width"),
    (lambda t: t.replace('aspect = "16:9"', 'aspect = "wide"'), "video.aspect"),
    (lambda t: "surprise = 1\n" + t, "surprise"),
    (lambda t: t.replace("[severity]", '[severity]\nV999 = "error"'), "severity.V999"),
    (lambda t: t.replace("[severity]", '[severity]\nV001 = "fatal"'), "severity.V001"),
    (lambda t: t.replace("min_duration_s = 60", "min_duration_s = 600"), "video.min_duration_s"),
    (lambda t: t.replace("themes = [", "themes = 3 #"), "themes"),
])
def test_bad_profile_names_key_and_source(text_change, key):
    with pytest.raises(ProfileError) as err:
        profile.parse(text_change(profile_text()), source="my.toml")
    assert str(err.value).startswith(f"my.toml: key '{key}'")


def test_not_toml():
    with pytest.raises(ProfileError, match="my.toml: not valid TOML"):
        profile.parse("name = ", source="my.toml")


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="built-in: 2023"):
        profile.load("2031")

"""Every I rule fires on a picture made to break it (generated here with Pillow), and on no compliant one."""

from __future__ import annotations

import io
import json
import random
import struct
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageFile

from kcsubmit.engine import apply_rules
from kcsubmit.i18n import finding_message, finding_next
from kcsubmit.probes import image as image_probe
from kcsubmit.profile import load
from kcsubmit.rules import RULES

import docgen

PROFILE = load("2023")
HEIC_HEAD = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 40
# A minimal enhanced metafile header: how Word stores pasted charts and drawings.
EMF_HEAD = (struct.pack("<II4i4i4sII", 1, 108, 0, 0, 639, 479, 0, 0, 16933, 12700, b" EMF", 0x10000, 108)
            + b"\x00" * 60)


def picture(size: tuple[int, int] = (640, 480), fmt: str = "JPEG", mode: str = "RGB",
            orientation: int | None = None, cut: float | None = None, ycck: bool = False,
            raw: bytes | None = None) -> bytes:
    """A noisy picture (so the JPEG scan data is long), encoded as asked."""
    if raw is not None:
        return raw
    image = _noise(size).convert(mode)
    options: dict[str, Any] = {}
    if orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    if fmt == "MPO":  # a JPEG plus a second picture, as many phone cameras write
        options.update(save_all=True, append_images=[image.resize((160, 120))])
    out = io.BytesIO()
    image.save(out, fmt, **options)
    data = out.getvalue()
    if ycck:  # libjpeg marks CMYK with Adobe transform 0; 2 makes it read the data as YCCK
        transform = data.index(b"Adobe") + 11
        data = data[:transform] + b"\x02" + data[transform + 1:]
    if cut is not None:  # cut inside the scan data, well before the end
        scan = data.index(b"\xff\xda")
        data = data[: scan + int((len(data) - scan) * cut)]
    return data


def _noise(size: tuple[int, int]) -> Image.Image:
    return Image.frombytes("RGB", size, random.Random(0).randbytes(size[0] * size[1] * 3))


# (file name, picture options, findings as "ID" or "ID:variant": exactly these)
CASES = [
    ("good.jpg", {}, set()),
    ("good-upper.JPEG", {}, set()),
    ("grey.jpg", {"mode": "L"}, set()),
    ("phone-mpo.jpg", {"fmt": "MPO"}, set()),
    ("png-named.jpg", {"fmt": "PNG"}, {"I001"}),
    ("jpeg-named.png", {}, {"I001:name"}),
    ("jpeg-no-suffix", {}, {"I001:name"}),
    ("anim.gif", {"fmt": "GIF"}, {"I001", "I005"}),
    ("bitmap.bmp", {"fmt": "BMP"}, {"I001"}),
    ("web.webp", {"fmt": "WEBP"}, {"I001"}),
    ("scan.tiff", {"fmt": "TIFF"}, {"I001"}),
    ("alpha.png", {"fmt": "PNG", "mode": "RGBA"}, {"I001", "I005"}),
    ("heic-header-only.heic", {"raw": HEIC_HEAD}, {"I003:corrupt", "I001:damaged"}),
    ("chart.emf", {"raw": EMF_HEAD}, {"I001"}),
    ("big.jpg", {"size": (800, 600)}, {"I002"}),
    ("small.jpg", {"size": (320, 240)}, {"I002", "I006"}),
    ("portrait-tagged.jpg", {"size": (480, 640), "orientation": 6}, {"I004"}),
    ("landscape-tagged.jpg", {"orientation": 6}, {"I002", "I004", "I006"}),
    ("upside-down.jpg", {"orientation": 3}, {"I004"}),
    ("portrait.jpg", {"size": (480, 640)}, {"I002", "I006"}),
    ("cmyk.jpg", {"mode": "CMYK"}, {"I005"}),
    ("ycck.jpg", {"mode": "CMYK", "ycck": True}, {"I005"}),
    ("truncated.jpg", {"cut": 0.5}, {"I003:truncated"}),
    ("truncated-early.jpg", {"cut": 0.05}, {"I003:truncated"}),
    # What the header shows is still said: the format (I001), the displayed size (I002).
    ("truncated-png.png", {"fmt": "PNG", "cut": 0.5}, {"I003:truncated", "I001:damaged"}),
    ("truncated-portrait.jpg", {"size": (1512, 2688), "cut": 0.3}, {"I003:truncated", "I002:damaged"}),
    ("truncated-tagged.jpg", {"size": (2688, 1512), "orientation": 6, "cut": 0.3},
     {"I003:truncated", "I002:damaged"}),
    ("random.jpg", {"raw": random.Random(1).randbytes(5000)}, {"I003:not_picture"}),
    ("text.jpg", {"raw": b"hello, this is not a picture\n"}, {"I003:not_picture"}),
    ("empty.jpg", {"raw": b""}, {"I003:empty"}),
]


def found(facts: dict[str, Any]) -> set[str]:
    findings, _ = apply_rules("image", facts, PROFILE)
    return {f.rule + (f":{f.variant}" if f.variant else "") for f in findings}


def loose(tmp_path: Path, name: str, options: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / name
    path.write_bytes(picture(**options))
    return image_probe.probe(path)


def embedded(name: str, options: dict[str, Any]) -> dict[str, Any]:
    return image_probe.probe(f"word/media/{name}", picture(**options), loose=False)


@pytest.mark.parametrize("name,options,expected", CASES, ids=[c[0] for c in CASES])
def test_loose_picture(tmp_path, name, options, expected):
    assert found(loose(tmp_path, name, options)) == expected


@pytest.mark.parametrize("name,options,expected", CASES, ids=[c[0] for c in CASES])
def test_embedded_picture(name, options, expected):
    assert found(embedded(name, options)) == expected - {"I001:name"}


def test_every_image_rule_has_a_breaking_case():
    covered = {e.split(":")[0] for c in CASES for e in c[2]}
    covered |= {f"I{n:03d}" for n in range(7, 11)}  # format-2 limits: tests/test_limits.py
    assert covered == {r for r in RULES if r.startswith("I")}
    assert all(RULES[r].check is not None for r in covered)


def test_facts_of_a_tagged_portrait(tmp_path):
    facts = loose(tmp_path, "p.jpg", {"size": (480, 640), "orientation": 6})
    assert (facts["width"], facts["height"], facts["orientation"]) == (480, 640, 6)
    assert (facts["display_width"], facts["display_height"]) == (640, 480)
    assert facts["format"] == "JPEG" and facts["decoded"] and facts["decode_error"] is None
    json.dumps(facts)  # plain values only: nothing of Pillow's stays alive in the facts


def test_ycck_and_cmyk_modes():
    assert embedded("a.jpg", {"mode": "CMYK"})["mode"] == "CMYK"
    assert embedded("b.jpg", {"mode": "CMYK", "ycck": True})["mode"] == "YCCK"


def test_no_decoder_is_not_damage():
    facts = embedded("b.emf", {"raw": EMF_HEAD})
    assert facts["format"] == "EMF" and facts["width"] is None
    assert not facts["decoded"] and facts["decode_error"] is None
    finding, = apply_rules("image", facts, PROFILE)[0]
    assert (finding.actual, finding.expected, finding.fixable) == ("EMF", "JPEG", False)


def test_heic_on_a_broken_pillow_heif_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setattr(image_probe, "_heif", False)  # as if pillow-heif failed to load
    facts = loose(tmp_path, "iphone.heic", {"raw": docgen.heic((800, 600))})
    assert facts["format"] == "HEIC" and facts["decode_error"] is None and not facts["decoded"]
    finding, = apply_rules("image", facts, PROFILE)[0]
    assert (finding.rule, finding.variant, finding.fixable) == ("I001", "heic", False)
    assert "pillow-heif" in finding_next(finding, "en")


@pytest.mark.parametrize("stored,orientation,shown,expected", [
    ((800, 600), 1, (800, 600), {"I001", "I002"}),
    ((1024, 768), 6, (768, 1024), {"I001", "I002"}),  # a portrait iPhone photo
    ((480, 640), 6, (640, 480), {"I001"}),  # stored on its side, shown 640x480: the size is right
])
def test_heic_is_measured_as_displayed(tmp_path, stored, orientation, shown, expected):
    data = docgen.heic(stored, orientation)
    if orientation != 1:
        assert b"irot" in data
    facts = loose(tmp_path, "IMG_0001.HEIC", {"raw": data})
    assert facts["format"] == "HEIC" and facts["decoded"] and facts["decode_error"] is None
    assert (facts["display_width"], facts["display_height"]) == shown
    findings = {f.rule: f for f in apply_rules("image", facts, PROFILE)[0]}
    assert set(findings) == expected and all(f.fixable for f in findings.values())
    assert findings["I001"].actual == "HEIC"
    if "I002" in findings:
        assert findings["I002"].actual == f"{shown[0]}x{shown[1]}"


def test_truncated_picture_reports_its_header(tmp_path):
    facts = loose(tmp_path, "IMG_2001.jpg", {"size": (1512, 2688), "cut": 0.3})
    assert (facts["display_width"], facts["display_height"], facts["decoded"]) == (1512, 2688, False)
    findings = {f.rule: f for f in apply_rules("image", facts, PROFILE)[0]}
    assert findings["I002"].actual == "1512x2688" and not findings["I002"].fixable
    assert not findings["I003"].fixable
    png = {f.rule: f for f in apply_rules("image", loose(tmp_path, "a.png", {"fmt": "PNG", "cut": 0.5}), PROFILE)[0]}
    assert (png["I001"].actual, png["I001"].fixable) == ("PNG", False)
    assert "I003" in finding_message(png["I001"], "en")


def test_findings_carry_language_neutral_values(tmp_path):
    png = {f.rule: f for f in apply_rules("image", loose(tmp_path, "a.jpg", {"fmt": "PNG"}), PROFILE)[0]}
    assert (png["I001"].actual, png["I001"].expected, png["I001"].fixable) == ("PNG", "JPEG", True)
    big = apply_rules("image", loose(tmp_path, "b.jpg", {"size": (4032, 3024)}), PROFILE)[0][0]
    assert (big.actual, big.expected) == ("4032x3024", "640x480")
    cut = apply_rules("image", loose(tmp_path, "c.jpg", {"cut": 0.5}), PROFILE)[0][0]
    assert (cut.rule, cut.actual, cut.fixable) == ("I003", "truncated", False)
    assert image_probe.probe(tmp_path / "c.jpg")["decode_error"].startswith("truncated: ")


def test_truncated_even_if_someone_allows_it(tmp_path, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    assert found(loose(tmp_path, "cut.jpg", {"cut": 0.5})) == {"I003:truncated"}


@pytest.mark.parametrize("limit", [200_000, 100_000])  # Pillow warns above the limit, refuses above twice it
def test_decompression_bomb_is_i003(monkeypatch, limit):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", limit)
    facts = embedded("bomb.png", {"fmt": "PNG"})
    assert facts["decode_error"].startswith("bomb: ") and not facts["decoded"]
    assert found(facts) == {"I003:bomb", "I001:damaged"}  # the header says PNG


def test_missing_file_does_not_raise(tmp_path):
    facts = image_probe.probe(tmp_path / "gone.jpg")
    assert facts["decode_error"].startswith("unreadable: ") and facts["size_bytes"] is None
    assert found(facts) == {"I003:unreadable"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_messages_render_every_placeholder(tmp_path, lang):
    every = [image_probe.probe(tmp_path / "missing.jpg")]
    for name, options, _ in CASES:
        every += [loose(tmp_path, name, options), embedded(name, options)]
    for facts in every:
        for finding in apply_rules("image", facts, PROFILE)[0]:
            for text in (finding_message(finding, lang), finding_next(finding, lang)):
                assert text and "?" not in text and "{" not in text, (facts["name"], finding.rule, text)

"""fix_picture, the loose-picture fixer and the document fixer leave no fixable I finding.

Each breaking picture is generated here; a fixed one is probed and judged by the
same rules as ``check``.  Originals are compared by sha256 before and after.
"""

from __future__ import annotations

import hashlib
import io
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from kcsubmit import soffice
from kcsubmit.engine import apply_rules, check
from kcsubmit.errors import ToolMissing
from kcsubmit.fixers import FixOptions, Outcome, document, image
from kcsubmit.probes import image as image_probe
from kcsubmit.profile import load

import docgen

PROFILE = load("2023")
FIXABLE = {"I001", "I002", "I004", "I005"}
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
A_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
R_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"
MAGENTA, RED, GREEN, BLUE, YELLOW = (200, 30, 200), (200, 30, 30), (30, 160, 30), (30, 30, 200), (200, 200, 30)


def encode(picture: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, format=fmt, **options)
    return out.getvalue()


def rules_of(data: bytes) -> set[str]:
    facts = image_probe.probe("fixed.jpg", data=data, loose=True)
    return {f.rule for f in apply_rules("image", facts, PROFILE)[0]}


def opened(data: bytes) -> Image.Image:
    picture = Image.open(io.BytesIO(data))
    picture.load()
    return picture


def mean_difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), b.convert("RGB"))).mean) / 3


def near(pixel: tuple[int, ...], colour: tuple[int, ...], tolerance: int = 30) -> bool:
    return all(abs(p - c) <= tolerance for p, c in zip(pixel, colour))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def transparent(mode: str) -> bytes:
    """800x600, the left half fully transparent (black underneath), the right half opaque blue."""
    picture = Image.new("RGBA", (800, 600), (0, 0, 0, 0))
    picture.paste((20, 40, 200, 255), (400, 0, 800, 600))
    if mode == "P":
        paletted = picture.convert("RGB").quantize(colors=4)
        black = paletted.getpixel((10, 10))
        return encode(paletted, "GIF", transparency=black)
    return encode(picture.convert(mode) if mode == "LA" else picture)


def wide_source() -> bytes:
    """1000x400 (not 4:3): coloured quadrants between magenta stripes 100 px wide at each side."""
    picture = Image.new("RGB", (1000, 400), RED)
    draw = ImageDraw.Draw(picture)
    draw.rectangle((500, 0, 999, 199), fill=GREEN)
    draw.rectangle((0, 200, 499, 399), fill=BLUE)
    draw.rectangle((500, 200, 999, 399), fill=YELLOW)
    draw.rectangle((0, 0, 99, 399), fill=MAGENTA)
    draw.rectangle((900, 0, 999, 399), fill=MAGENTA)
    return encode(picture, "JPEG", quality=95)


BREAKING = {
    "png": (docgen.jpeg(fmt="PNG", seed=1), {"I001"}),
    "4032x3024": (docgen.jpeg((4032, 3024), seed=2), {"I002"}),
    "exif-6": (docgen.jpeg((480, 640), orientation=6, seed=3), {"I004"}),
    "cmyk": (docgen.jpeg(mode="CMYK", seed=4), {"I005"}),
    "rgba-png": (transparent("RGBA"), {"I001", "I002", "I005"}),
    "la-png": (transparent("LA"), {"I001", "I002", "I005"}),
    "gif-transparent": (transparent("P"), {"I001", "I002", "I005"}),
    "16-bit-png": (encode(Image.new("I;16", (640, 480), 40000)), {"I001", "I005"}),
    "1-bit-png": (encode(Image.new("1", (640, 480), 1)), {"I001", "I005"}),
    "wide": (wide_source(), {"I002"}),
}


@pytest.mark.parametrize("name", BREAKING)
def test_fixed_picture_breaks_no_fixable_rule(name):
    data, broken = BREAKING[name]
    assert broken <= rules_of(data) and image.needs_fix(image_probe.probe("x", data=data), PROFILE)
    fixed = image.fix_picture(data, PROFILE)
    assert not rules_of(fixed) & (FIXABLE | {"I003"})
    result = opened(fixed)
    assert (result.format, result.size, result.mode) == ("JPEG", (640, 480), "RGB")
    assert not result.getexif() and "exif" not in result.info and not result.info.get("progressive")


def test_exif_orientation_is_applied_upright():
    data, _ = BREAKING["exif-6"]
    fixed = opened(image.fix_picture(data, PROFILE))
    source = opened(data)
    upright = ImageOps.exif_transpose(source).resize((640, 480), Image.Resampling.LANCZOS)
    sideways = source.resize((640, 480), Image.Resampling.LANCZOS)  # the orientation ignored
    assert mean_difference(fixed, upright) < 3
    assert mean_difference(fixed, sideways) > 20


def test_cmyk_keeps_its_colours():
    data, _ = BREAKING["cmyk"]
    assert mean_difference(opened(image.fix_picture(data, PROFILE)), opened(data)) < 3


@pytest.mark.parametrize("name", ["rgba-png", "la-png", "gif-transparent"])
def test_transparency_becomes_white(name):
    fixed = opened(image.fix_picture(BREAKING[name][0], PROFILE))
    assert near(fixed.getpixel((100, 240)), (255, 255, 255), 6)
    assert not near(fixed.getpixel((540, 240)), (255, 255, 255), 60)


def test_16_bit_grey_is_scaled_not_clipped():
    fixed = opened(image.fix_picture(BREAKING["16-bit-png"][0], PROFILE))
    assert near(fixed.getpixel((320, 240)), (156, 156, 156), 3)


@pytest.fixture(scope="module")
def fits() -> dict[str, Image.Image]:
    return {fit: opened(image.fix_picture(wide_source(), PROFILE, fit)) for fit in image.FITTERS}


def corners(picture: Image.Image) -> list[tuple[int, ...]]:
    return [picture.getpixel(xy) for xy in ((3, 3), (636, 3), (3, 476), (636, 476))]


def test_pad_puts_white_bars_above_and_below(fits):
    pad = fits["pad"]  # 1000x400 → 640x256, 112 px of white above and below
    assert pad.size == (640, 480)
    assert all(near(c, (255, 255, 255), 6) for c in corners(pad))
    assert near(pad.getpixel((4, 240)), MAGENTA) and near(pad.getpixel((200, 140)), RED)


def test_crop_cuts_the_edges(fits):
    crop = fits["crop"]  # 1000x400 → 1200x480, 280 px cut at each side: no magenta stripe
    assert [near(c, want) for c, want in zip(corners(crop), (RED, GREEN, BLUE, YELLOW))] == [True] * 4
    assert not near(crop.getpixel((4, 240)), MAGENTA)


def test_blur_fills_the_bars_with_the_picture(fits):
    blur, pad = fits["blur"], fits["pad"]
    assert not any(near(c, (255, 255, 255), 40) or near(c, (0, 0, 0), 40) for c in corners(blur))
    band = (0, 120, 640, 360)  # the sharp picture sits where pad puts it
    assert mean_difference(blur.crop(band), pad.crop(band)) < 3


def test_stretch_fills_the_frame_with_everything(fits):
    stretch = fits["stretch"]  # distorted: the magenta stripes stay at both sides, no bars
    assert all(near(c, MAGENTA) for c in corners(stretch))
    assert near(stretch.getpixel((200, 100)), RED) and near(stretch.getpixel((440, 380)), YELLOW)


def test_unknown_fit_is_refused():
    with pytest.raises(ValueError, match="fit"):
        image.fix_picture(BREAKING["png"][0], PROFILE, "zoom")


@pytest.mark.parametrize("data", [docgen.jpeg(), docgen.jpeg(mode="L")], ids=["rgb", "grey"])
def test_compliant_picture_needs_no_fix(data):
    assert not image.needs_fix(image_probe.probe("01.jpg", data=data), PROFILE)


@pytest.mark.parametrize("data", [docgen.jpeg()[:3000], b"not a picture at all" * 10], ids=["cut", "junk"])
def test_undecodable_picture_is_unfixable(data):
    assert not image.needs_fix(image_probe.probe("01.jpg", data=data), PROFILE)
    with pytest.raises(image.Unfixable) as caught:
        image.fix_picture(data, PROFILE)
    assert isinstance(caught.value, ValueError)


def test_heic_on_a_broken_pillow_heif_names_the_package(monkeypatch):
    monkeypatch.setattr(image_probe, "_heif", False)  # as if pillow-heif failed to load
    data = docgen.heic()
    assert image.needs_fix(image_probe.probe("a.heic", data=data), PROFILE)
    with pytest.raises(ToolMissing, match="pip install pillow-heif") as caught:
        image.fix_picture(data, PROFILE)
    assert caught.value.key == "heif_missing"


def test_loose_heic_is_converted_upright(tmp_path, unchanged):
    # An iPhone portrait: stored 1024x768 on its side (irot + EXIF 6), shown 768x1024.
    src = tmp_path / "IMG_0001.HEIC"
    src.write_bytes(docgen.heic((1024, 768), orientation=6, band=RED, colour=BLUE))
    unchanged.append(src)
    result = check([src], rules=PROFILE).files[0]
    assert {f.rule for f in result.findings} == {"I001", "I002"}
    assert all(f.fixable for f in result.findings)
    target = tmp_path / "IMG_0001.jpg"
    outcome = image.fix(src, result, PROFILE, target, FixOptions(fit="stretch"))
    assert outcome.details == ("HEIC → JPEG", "768x1024 → 640x480 (stretch)")
    assert check([target], rules=PROFILE).files[0].findings == ()
    fixed = opened(target.read_bytes()).convert("RGB")
    # The stored top band is shown on the right (orientation 6): turned once, not twice.
    assert near(fixed.getpixel((635, 240)), RED) and near(fixed.getpixel((5, 240)), BLUE)
    assert near(fixed.getpixel((320, 5)), BLUE)


class Watched(list):
    """Source files, each hashed when added: the test's fixes must leave them unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.before: dict[Path, str] = {}

    def append(self, path: Path) -> None:
        self.before[path] = sha256(path)
        super().append(path)


@pytest.fixture
def unchanged() -> Iterator[Watched]:
    watched = Watched()
    yield watched
    assert watched.before and {p: sha256(p) for p in watched} == watched.before


def test_loose_picture_is_converted(tmp_path, unchanged):
    src = tmp_path / "01.png"
    src.write_bytes(docgen.jpeg((4032, 3024), fmt="PNG", seed=7))
    unchanged.append(src)
    result = check([src], rules=PROFILE).files[0]
    target = tmp_path / "out" / "01.jpg"
    target.parent.mkdir()
    outcome = image.fix(src, result, PROFILE, target, FixOptions(fit="crop"))
    assert outcome.action == "converted"
    assert outcome.details == ("PNG → JPEG", "4032x3024 → 640x480")
    assert check([target], rules=PROFILE).files[0].findings == ()


def test_loose_jpeg_with_a_wrong_name_is_copied_as_is(tmp_path, unchanged):
    src = tmp_path / "02.png"
    src.write_bytes(docgen.jpeg(seed=8))
    unchanged.append(src)
    result = check([src], rules=PROFILE).files[0]
    assert {f.rule for f in result.findings} == {"I001"}
    target = tmp_path / "02.jpg"
    outcome = image.fix(src, result, PROFILE, target, FixOptions())
    assert outcome == Outcome("copied", ("02.png → 02.jpg",))
    assert target.read_bytes() == src.read_bytes() and check([target], rules=PROFILE).files[0].findings == ()


def extents(path: Path) -> list[tuple[str | None, str | None]]:
    body = docx.Document(str(path)).part.element
    return [(e.get("cx"), e.get("cy")) for e in body.iter(f"{WP}extent")]


def text_of(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


PICTURES = [docgen.jpeg(seed=20), docgen.jpeg(seed=21), docgen.jpeg(fmt="PNG", seed=22),
            docgen.jpeg((4032, 3024), seed=23), docgen.jpeg(mode="CMYK", seed=24),
            docgen.jpeg((480, 640), orientation=6, seed=25)]


@pytest.fixture(scope="module")
def fixed_doc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("doc")
    src = docgen.make_docx(folder / "案例.docx", pictures=PICTURES,
                           paragraphs=[docgen.chinese_text(120), "使用 Adobe Photoshop 打开图片"])
    before = sha256(src)
    report = check([src], rules=PROFILE)
    target = folder / "fixed.docx"
    outcome = document.fix(src, report.files[0], PROFILE, target, FixOptions())
    assert sha256(src) == before
    return src, report, target, outcome, check([target], rules=PROFILE)


def test_document_pictures_are_fixed(fixed_doc):
    src, before, target, outcome, after = fixed_doc
    broken = [r for r in before.files[1:] if {f.rule for f in r.findings} & FIXABLE]
    assert len(broken) == 4
    assert after.files[0].findings == ()
    assert all(not {f.rule for f in r.findings} & FIXABLE for r in after.files[1:])
    assert outcome.action == "rewritten" and len(outcome.details) == 4
    assert "word/media/image3.png → word/media/image3.jpeg (PNG → JPEG)" in outcome.details


def test_document_keeps_its_text_pictures_and_frame_widths(fixed_doc):
    src, before, target, outcome, after = fixed_doc
    assert after.files[0].facts["images"] == before.files[0].facts["images"] == 6
    assert after.files[0].facts["word_count"] == before.files[0].facts["word_count"]
    assert text_of(target) == text_of(src)
    old, new = extents(src), extents(target)
    assert len(old) == 6 and [w for w, _ in new] == [w for w, _ in old]  # the widths the teacher set
    # Issue 19: every frame has the 640x480 picture's shape, so Word stretches none of them.
    assert all(int(h) * 4 == int(w) * 3 for w, h in new) and old[5][1] == "2400000"


def test_old_parts_leave_the_package(fixed_doc):
    src, before, target, outcome, after = fixed_doc
    with zipfile.ZipFile(target) as z:
        names = set(z.namelist())
        types = z.read("[Content_Types].xml").decode()
    assert "word/media/image3.png" not in names and "word/media/image3.jpeg" in names
    assert not any(n.endswith(".png") for n in names) and 'ContentType="image/png"' not in types
    assert '<Default Extension="jpeg" ContentType="image/jpeg"/>' in types


def test_compliant_document_is_copied_byte_for_byte(tmp_path, unchanged):
    src = docgen.make_docx(tmp_path / "ok.docx", pictures=docgen.compliant_pictures(5))
    unchanged.append(src)
    outcome = document.fix(src, None, PROFILE, tmp_path / "out.docx", FixOptions())
    assert outcome.action == "copied" and (tmp_path / "out.docx").read_bytes() == src.read_bytes()


def test_document_fixed_twice_gives_the_same_bytes(tmp_path, unchanged):
    """python-docx stamps each zip entry with the time of the run; a repaired copy must not."""
    src = docgen.make_docx(tmp_path / "案例.docx", pictures=[docgen.jpeg(fmt="PNG", seed=31),
                                                           *docgen.compliant_pictures(4)])
    unchanged.append(src)
    first, second = tmp_path / "1.docx", tmp_path / "2.docx"
    document.fix(src, None, PROFILE, first, FixOptions())
    time.sleep(2.1)  # past the 2-second step of zip timestamps
    document.fix(src, None, PROFILE, second, FixOptions())
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_wps_document_with_a_lost_picture_is_fixed_and_keeps_it_lost(tmp_path, unchanged):
    """The ../NULL relationship is written back as it was (internal, same target): the copy
    opens wherever the source did, and the empty frame is still reported for the teacher."""
    src = docgen.make_docx(tmp_path / "wps.docx", pictures=[docgen.jpeg(fmt="PNG", seed=32),
                                                          *docgen.compliant_pictures(5)])
    rid, = docgen.lose_pictures(src, 1)
    unchanged.append(src)
    target = tmp_path / "fixed.docx"
    outcome = document.fix(src, None, PROFILE, target, FixOptions())
    assert outcome.action == "rewritten" and outcome.details[0].endswith("(PNG → JPEG)")
    with zipfile.ZipFile(target) as z:
        rels = z.read("word/_rels/document.xml.rels").decode()
    assert re.search(rf'<Relationship Id="{rid}" Type="[^"]+/image" Target="../NULL"/>', rels)
    after = check([target], rules=PROFILE)
    assert after.files[0].facts["images"] == 5 and after.files[0].findings == ()
    assert [(r.path.split("!")[1], [f.variant for f in r.findings]) for r in after.files if r.findings] == [
        ("NULL", ["missing"])]


def test_picture_used_twice_is_fixed_once(tmp_path, unchanged):
    """Two references through two relationships to one PNG part: one new part serves both."""
    png = docgen.jpeg(fmt="PNG", seed=30)
    made = docgen.make_docx(tmp_path / "made.docx", pictures=[*docgen.compliant_pictures(4), png, png])
    word = docx.Document(str(made))
    blips = list(word.part.element.iter(A_BLIP))
    shared = word.part.related_parts[blips[-1].get(R_EMBED)]
    word.part.rels.add_relationship(RT.IMAGE, shared, "rId900")
    blips[-1].set(R_EMBED, "rId900")
    src = tmp_path / "twice.docx"
    word.save(str(src))
    unchanged.append(src)
    assert {f.rule for r in check([src], rules=PROFILE).files for f in r.findings} == {"D005", "I001"}
    target = tmp_path / "out.docx"
    outcome = document.fix(src, None, PROFILE, target, FixOptions())
    assert len(outcome.details) == 1 and outcome.details[0].endswith("(PNG → JPEG)")
    result = docx.Document(str(target)).part
    ids = [b.get(R_EMBED) for b in result.element.iter(A_BLIP)][-2:]
    assert ids[1] == "rId900" and result.related_parts[ids[0]] is result.related_parts[ids[1]]
    assert str(result.related_parts["rId900"].partname).endswith(".jpeg")
    assert {f.rule for r in check([target], rules=PROFILE).files for f in r.findings} == {"D005"}


def test_soffice_missing_names_how_to_install(tmp_path, monkeypatch, unchanged):
    src = tmp_path / "case.rtf"
    src.write_bytes(b"{\\rtf1\\ansi hello}")
    unchanged.append(src)
    monkeypatch.setattr(soffice.shutil, "which", lambda name: None)
    monkeypatch.setattr(soffice, "PLACES", ())
    with pytest.raises(ToolMissing, match="LibreOffice") as caught:
        document.fix(src, None, PROFILE, tmp_path / "out.docx", FixOptions())
    assert caught.value.key == "soffice_missing"


def rtf_with_picture(data: bytes) -> bytes:
    return (b"{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0 SimSun;}}\\f0 Hello case study\\par "
            b"{\\pict\\pngblip\\picw800\\pich600\\picwgoal4800\\pichgoal3600 "
            + data.hex().encode() + b"}\\par}")


@pytest.mark.skipif(document.find_soffice() is None, reason="LibreOffice is not installed")
@pytest.mark.parametrize("suffix", [".rtf", ".doc", ".wps"])
def test_convertible_document_is_converted_and_its_pictures_fixed(tmp_path, suffix, unchanged):
    rtf = tmp_path / "source.rtf"
    rtf.write_bytes(rtf_with_picture(docgen.jpeg((800, 600), fmt="PNG", seed=40)))
    src = tmp_path / f"活动案例{suffix}"
    if suffix == ".rtf":
        src = rtf.rename(src)
    else:  # a Word 97 file made by LibreOffice itself
        import subprocess

        subprocess.run([document.find_soffice(), f"-env:UserInstallation={(tmp_path / 'p').as_uri()}",
                        "--headless", "--convert-to", "doc", "--outdir", str(tmp_path / "doc"), str(rtf)],
                       check=True, capture_output=True, timeout=120)
        (tmp_path / "doc" / "source.doc").rename(src)
    unchanged.append(src)
    before = check([src], rules=PROFILE).files[0]
    assert {f.rule for f in before.findings} == {"D001"}
    target = tmp_path / "out.docx"
    outcome = document.fix(src, before, PROFILE, target, FixOptions())
    assert outcome.action == "converted" and outcome.details[0].endswith("→ docx")
    after = check([target], rules=PROFILE)
    assert after.files[0].facts["format"] == "docx" and "Hello case study" in " ".join(text_of(target))
    assert after.files[0].facts["images"] == 1
    assert not {f.rule for r in after.files for f in r.findings} & (FIXABLE | {"D001", "D002"})
    assert not list(tmp_path.glob(".~lock*"))


@pytest.mark.skipif(document.find_soffice() is None, reason="LibreOffice is not installed")
def test_converted_document_is_the_same_bytes_on_every_run(tmp_path, unchanged):
    """LibreOffice stamps the zip entries with the time of the run; the copy kcsubmit writes does not."""
    src = tmp_path / "活动案例.rtf"
    src.write_bytes(rtf_with_picture(docgen.jpeg(seed=41)))  # a compliant JPEG: converted, then copied
    unchanged.append(src)
    first, second = tmp_path / "1.docx", tmp_path / "2.docx"
    assert document.fix(src, None, PROFILE, first, FixOptions()).action == "converted"
    time.sleep(2.1)
    document.fix(src, None, PROFILE, second, FixOptions())
    assert first.read_bytes() == second.read_bytes()

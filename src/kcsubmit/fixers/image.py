"""Fix a picture of the case (I001, I002, I004, I005): a 640x480 RGB JPEG, upright, no EXIF.

Pillow only.  The picture is decoded once, turned upright by its EXIF
orientation, brought to RGB (greyscale stays ``L`` unless the profile's
``image_color_mode`` is RGB; transparency is laid over white), fitted to the
profile's ``[case]`` size by ``fit`` (:func:`.target.image_size`: the exact size, or
the picture's own brought inside the bounds) and encoded as a baseline JPEG
(quality 92, 4:2:0, optimised; lower qualities, then smaller sizes, until it
is under ``image_max_bytes`` when the profile sets one).  The output carries no EXIF at
all; an RGB ICC profile of the source is kept, because dropping it would shift
the colours of wide-gamut phone photos.

``fit`` says how a picture of another shape reaches the target (SPEC §2):

- ``pad``: scaled to fit inside, centred on a white canvas (white bars);
- ``crop``: scaled to cover, the edges that overflow are cut, centred;
- ``blur``: a blurred, enlarged copy fills the canvas behind the picture scaled to fit;
- ``stretch``: resized to the target ignoring its shape (distorts);
- ``auto`` (the default): ``crop`` when the cut keeps at least ``CROP_KEEPS`` of the picture
  (a 3:2 camera photo keeps 89 %), else ``blur`` (a 16:9 or square photo keeps 75 %, a portrait
  photo 56 %, a phone screenshot 35 %): measured in docs/decisions.md (Pictures).
"""

from __future__ import annotations

import io
import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image, ImageFile, ImageFilter, ImageOps

from ..errors import KcsubmitError, ToolMissing
from ..models import FileResult
from ..probes import image as probe_image
from ..profile import Profile
from ..rules.image import HEIF_FORMATS, colour_modes, formats
from . import FITS, FixOptions, Outcome
from .target import image_size

STEPS = ("image.convert",)  # the fixer steps this module performs (Rule.fix)

LANCZOS = Image.Resampling.LANCZOS
JPEG_OPTIONS: dict[str, Any] = {"quality": 92, "subsampling": "4:2:0", "progressive": False,
                                "optimize": True}
WHITE = "white"
SMALLER_QUALITIES = (85, 75, 65, 55, 45)  # tried in turn for a picture over image_max_bytes
SHRINK = 0.85  # then the size, a step at a time
FULL_SIZE = (1 << 30, 1 << 30)  # decode at full size (no JPEG draft scaling)


class Unfixable(KcsubmitError, ValueError):
    """Nothing to convert: a picture that cannot be decoded (I003, or no decoder here: EMF,
    AVIF), a document that does not open. ``fix`` reports it as that file's failure."""


def target_size(profile: Profile, facts: Mapping[str, Any] | None = None) -> tuple[int, int]:
    """The size of the repaired picture: the profile's ``(image_width, image_height)``, or the
    picture's displayed size (from ``facts``) brought inside the profile's bounds."""
    return image_size(profile.case, facts or {})


def needs_fix(facts: Mapping[str, Any], profile: Profile) -> bool:
    """Whether the picture's content must be re-encoded (I001 format, I002, I004, I005).

    Read from the facts of :func:`kcsubmit.probes.image.probe`.  A JPEG of the
    right size, upright and RGB/greyscale is left alone, whatever its name (a
    wrong suffix of a loose file is fixed by copying it to a ``.jpg`` name).
    False for a picture that is damaged or no picture at all (I003): there is
    nothing to convert.  True for HEIC without pillow-heif and for EMF: the fix
    is needed, and :func:`fix_picture` says why it cannot be done.
    """
    if facts.get("decode_error") or not facts.get("format") or facts.get("size_bytes") == 0:
        return False
    allowed = formats(profile)
    if allowed and facts.get("format") not in allowed:
        return True
    shown = (facts.get("display_width"), facts.get("display_height"))
    maximum = profile.case.get("image_max_bytes")
    return (shown != target_size(profile, facts) or facts.get("orientation") not in (None, 1)
            or facts.get("mode") not in colour_modes(profile)
            or (maximum is not None and (facts.get("size_bytes") or 0) > maximum))


CROP_KEEPS = 0.85


def picture_fit(width: int, height: int, size: tuple[int, int]) -> str:
    """``auto`` for a picture shown ``width`` x ``height``: crop or blur (see the module's docstring)."""
    shape, target = width / max(height, 1), size[0] / size[1]
    kept = min(shape, target) / max(shape, target)
    return "crop" if kept >= CROP_KEEPS else "blur"


def changes(facts: Mapping[str, Any], profile: Profile, fit: str = "pad") -> tuple[str, ...]:
    """Short language-neutral lines saying what :func:`fix_picture` does to this picture.

    The fit is named only when the shapes differ (it changes nothing otherwise).
    """
    width, height = target_size(profile, facts)
    lines: list[str] = []
    fmt, allowed = facts.get("format"), formats(profile)
    if fmt and allowed and fmt not in allowed:
        lines.append(f"{fmt} → JPEG")
    if facts.get("orientation") not in (None, 1):
        lines.append(f"EXIF orientation {facts['orientation']} applied")
    mode = facts.get("mode")
    if mode and mode not in colour_modes(profile):
        lines.append(f"{mode} → RGB")
    maximum, size = profile.case.get("image_max_bytes"), facts.get("size_bytes") or 0
    if maximum is not None and size > maximum:
        lines.append(f"{size} bytes → at most {maximum}")
    shown_w, shown_h = facts.get("display_width"), facts.get("display_height")
    if shown_w and shown_h and (shown_w, shown_h) != (width, height):
        chosen = picture_fit(shown_w, shown_h, (width, height)) if fit == "auto" else fit
        shape = f" ({chosen})" if shown_w * height != shown_h * width else ""
        lines.append(f"{shown_w}x{shown_h} → {width}x{height}{shape}")
    return tuple(lines)


def fix_picture(data: bytes, profile: Profile, fit: str = "pad") -> bytes:
    """The picture ``data`` as a JPEG of exactly the profile's size, upright, RGB, without EXIF.

    Raises :class:`Unfixable` when it cannot be decoded, ``ToolMissing``
    (key ``heif_missing``) for HEIC/HEIF without pillow-heif, ``ValueError`` for
    an unknown ``fit``.
    """
    if fit not in FITS:
        raise ValueError(f"fit must be one of {', '.join(FITS)}, not {fit!r}")
    exact = _exact(profile)
    image = _open(data, target_size(profile) if exact else FULL_SIZE)
    try:
        icc = image.info.get("icc_profile")
        upright = ImageOps.exif_transpose(image)
    finally:
        image.close()
    size = target_size(profile, {"display_width": upright.width, "display_height": upright.height})
    flat = _to_rgb(upright, colour_modes(profile))
    if not (isinstance(icc, bytes) and icc[16:20] == b"RGB " and flat.mode == "RGB"):
        icc = None  # a CMYK or grey profile does not describe the RGB pixels written
    if fit == "auto":
        fit = picture_fit(flat.width, flat.height, size)
    fitted = flat if flat.size == size else FITTERS[fit](flat, size)
    options = dict(JPEG_OPTIONS, icc_profile=icc) if icc else JPEG_OPTIONS
    return _encode(fitted, options, profile.case.get("image_max_bytes"), shrink=not exact)


def _exact(profile: Profile) -> bool:
    return profile.case.get("image_width") is not None and profile.case.get("image_height") is not None


def _encode(image: Image.Image, options: dict[str, Any], maximum: int | None, shrink: bool = True) -> bytes:
    """A JPEG of ``image`` (no exif= given: none is written); over ``maximum`` bytes, encoded again
    at lower qualities, then (``shrink``: no exact size asked for) at smaller sizes, until it fits."""
    def jpeg(picture: Image.Image, **changes: Any) -> bytes:
        out = io.BytesIO()
        picture.save(out, format="JPEG", **dict(options, **changes))
        return out.getvalue()

    data = jpeg(image)
    if maximum is None or len(data) <= maximum:
        return data
    for quality in SMALLER_QUALITIES:
        data = jpeg(image, quality=quality)
        if len(data) <= maximum:
            return data
    smaller = image
    while shrink and len(data) > maximum and min(smaller.size) > 16:
        smaller = smaller.resize((max(1, round(smaller.width * SHRINK)), max(1, round(smaller.height * SHRINK))),
                                 LANCZOS)
        data = jpeg(smaller, quality=SMALLER_QUALITIES[-1])
    return data


def fix(src: Path, result: FileResult | None, profile: Profile, target: Path,
        options: FixOptions) -> Outcome:
    """Write the fixed copy of the loose picture ``src`` at ``target`` (a ``.jpg`` name).

    A picture whose content is already compliant is copied byte for byte
    (``Outcome("copied")``): only its name changes.  Raises like :func:`fix_picture`.
    """
    facts = result.facts if result is not None and result.facts.get("format") else probe_image.probe(src)
    if not needs_fix(facts, profile):
        if facts.get("decode_error") or not facts.get("format"):
            raise Unfixable(f"{src.name}: {facts.get('decode_error') or 'not a picture'}")
        shutil.copyfile(src, target)
        renamed = (f"{src.name} → {target.name}",) if src.name != target.name else ()
        return Outcome("copied", renamed)
    target.write_bytes(fix_picture(src.read_bytes(), profile, options.fit))
    return Outcome("converted", changes(facts, profile, options.fit))


def _open(data: bytes, size: tuple[int, int]) -> Image.Image:
    """Open and decode in full; a JPEG much larger than ``size`` is decoded at a reduced scale."""
    fmt = probe_image.sniff(data[:64])
    if fmt in HEIF_FORMATS and not probe_image.heif_available():
        raise ToolMissing(f"converting {fmt} pictures needs pillow-heif: pip install pillow-heif",
                          key="heif_missing")
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a cut-off picture is I003, never half-converted
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            if image.format == "JPEG":
                swapped = _orientation(image) in (5, 6, 7, 8)
                # DCT scaling by 1/2, 1/4 or 1/8, never below the target on either side.
                image.draft(None, (size[1], size[0]) if swapped else size)
            image.load()
        except Exception as exc:  # noqa: BLE001 - any decoder failure: the picture is damaged
            raise Unfixable(f"cannot decode the picture: {exc}") from exc
    return image


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(probe_image.ORIENTATION_TAG)
    except Exception:  # noqa: BLE001 - unreadable EXIF: nothing to apply
        return 1
    return value if isinstance(value, int) else 1


def _to_rgb(image: Image.Image, allowed: tuple[str, ...] = ("RGB", "L")) -> Image.Image:
    """RGB, or L for greyscale when ``allowed``; alpha composited over white; 16-bit scaled, not clipped."""
    mode = image.mode
    if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, WHITE)
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    if mode in ("RGB", "L"):
        return image if mode in allowed else image.convert("RGB")
    if mode == "CMYK":
        return _cmyk_to_rgb(image)
    if mode.startswith("I") or mode == "F":
        if mode.startswith("I;16"):
            image = image.convert("I")
        _, high = image.getextrema()
        if isinstance(high, (int, float)) and high > 255:
            image = image.point(lambda v: v * (255 / 65535))
        return image.convert("L").convert("RGB")
    if mode == "1":
        return image.convert("L").convert("RGB")
    return image.convert("RGB")


def _cmyk_to_rgb(image: Image.Image) -> Image.Image:
    """Through the embedded CMYK ICC profile when there is one, else Pillow's plain formula."""
    icc = image.info.get("icc_profile")
    if icc:
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                                  outputMode="RGB")
            if converted is not None:
                return converted
        except Exception:  # noqa: BLE001 - no LittleCMS or a broken profile: the formula will do
            pass
    return image.convert("RGB")


def _pad(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    inner = ImageOps.contain(image, size, LANCZOS)
    canvas = Image.new(image.mode, size, WHITE)
    canvas.paste(inner, ((size[0] - inner.width) // 2, (size[1] - inner.height) // 2))
    return canvas


def _crop(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return ImageOps.fit(image, size, LANCZOS, centering=(0.5, 0.5))


def _blur(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    # Blur a small copy, then enlarge it: as soft as a big radius, at a fraction of the cost.
    small = ImageOps.fit(image, (max(1, size[0] // 8), max(1, size[1] // 8)), LANCZOS)
    back = small.filter(ImageFilter.GaussianBlur(3)).resize(size, Image.Resampling.BICUBIC)
    inner = ImageOps.contain(image, size, LANCZOS)
    back.paste(inner, ((size[0] - inner.width) // 2, (size[1] - inner.height) // 2))
    return back


def _stretch(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    return image.resize(size, LANCZOS)


FITTERS = {"pad": _pad, "crop": _crop, "blur": _blur, "stretch": _stretch}
assert set(FITTERS) == set(FITS) - {"auto"}

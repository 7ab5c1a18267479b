"""Facts of a picture from Pillow: its real format, size, orientation, colour mode, integrity.

A picture is measured once and decoded in full (``load()``), so that a truncated
or corrupt file is caught, then closed at once: only one decoded frame is alive
at a time.  Broken files never raise; the facts say what went wrong:

- ``format``: the format by content — Pillow's name (``"JPEG"``, ``"PNG"``…),
  or ``"HEIC"``/``"HEIF"``/``"AVIF"``/``"EMF"``/``"WMF"`` recognised by their
  first bytes when Pillow cannot open them; ``None`` when not a picture at all.
- ``width``/``height`` as stored, ``display_width``/``display_height`` after the
  EXIF orientation (5–8 swap them); ``None`` when the size is unknown.  They
  come from the header, so a picture that fails to decode still has them.  A
  HEIC/HEIF is measured as libheif decodes it, its ``irot``/``imir`` transform
  applied (how every viewer shows it; pillow-heif then resets the EXIF tag to 1).
- ``orientation``: EXIF tag 0x0112, 1 when absent or invalid (viewers ignore
  such values); ``None`` when the picture could not be opened.
- ``mode``: Pillow's mode, except ``"YCCK"`` for an Adobe JPEG with transform 2.
- ``decoded``: the full decode succeeded.  ``decode_error``: ``"<code>: <detail>"``
  with code ``unreadable``, ``truncated``, ``bomb``, ``corrupt``, or for a picture
  a document refers to but does not hold (:func:`absent`) ``missing``/``linked``;
  ``None`` when nothing failed — also when there was no decoder to try (EMF/WMF
  without a renderer, AVIF without support, HEIC on a broken pillow-heif
  install), which is not damage.
- ``loose``: a file of its own (its name matters), not a picture inside a document.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from PIL import Image, ImageFile, UnidentifiedImageError

from .. import discover

ORIENTATION_TAG = 0x0112

VECTOR = ("WMF", "EMF")
HEIF = ("HEIC", "HEIF")
# Formats this Pillow may lack a decoder for: unreadable here is not damage.
NO_DECODER = ("AVIF", *VECTOR)

_heif: bool | None = None


def heif_available() -> bool:
    """Whether pillow-heif (a dependency) works; its opener is registered on first use.

    Imported only when a HEIC/HEIF picture is met (it costs ~50 ms of start-up).
    """
    global _heif
    if _heif is None:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif = True
        except Exception:  # noqa: BLE001 - absent or broken plugin: HEIC stays unreadable
            _heif = False
    return _heif


def sniff(head: bytes) -> str | None:
    """The picture format named by the first bytes (discover's table), or None."""
    found = discover.sniff_bytes(head)
    return found.format if found is not None and found.kind == "image" else None


def measure(path: Path, fmt: str | None, profile: Any) -> dict[str, Any]:
    """The probe with the engine's signature (``kcsubmit.probes.PROBES``)."""
    return probe(path)


def probe(path: PurePath | str, data: bytes | None = None, *, loose: bool = True) -> dict[str, Any]:
    """Measure one picture, from the file at ``path`` or from ``data``.

    With ``data`` (a picture embedded in a .docx), ``path`` is only its display
    name (``word/media/image3.png``) and ``loose`` should be False.
    """
    name = Path(path)
    facts: dict[str, Any] = {
        "format": None, "name": name.name, "suffix": name.suffix, "size_bytes": None,
        "width": None, "height": None, "display_width": None, "display_height": None,
        "orientation": None, "mode": None, "decoded": False, "decode_error": None,
        "loose": loose,
    }
    try:
        if data is not None:
            facts["size_bytes"] = len(data)
            head = data[:64]
        else:
            facts["size_bytes"] = os.path.getsize(path)
            with open(path, "rb") as f:
                head = f.read(64)
    except OSError as exc:
        facts["decode_error"] = f"unreadable: {exc.strerror or exc}"
        return facts
    if not head:
        return facts
    facts["format"] = sniff(head)
    if facts["format"] in HEIF and not heif_available():
        return facts  # a broken install: no decoder to try, which is not damage
    source: BinaryIO | Path = io.BytesIO(data) if data is not None else Path(path)
    _measure(source, facts)
    return facts


def absent(name: str, code: str, target: str, references: int = 1) -> dict[str, Any]:
    """The facts of a picture a document refers to but does not hold: its part is
    ``missing`` (WPS's ``../NULL``) or it is ``linked`` to a file outside; ``target``
    is where the document points, as written."""
    return {
        "format": None, "name": name, "suffix": "", "size_bytes": None,
        "width": None, "height": None, "display_width": None, "display_height": None,
        "orientation": None, "mode": None, "decoded": False,
        "decode_error": f"{code}: {target}", "loose": False, "references": references,
    }


def _measure(source: BinaryIO | Path, facts: dict[str, Any]) -> None:
    """Open, decode in full and close; fill ``facts`` in place."""
    # Never accept a cut-off picture silently, whatever another module set.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    # catch_warnings swaps the process-wide filter list, so threads (--jobs) may race
    # on it; a race may leave this one filter in place after the call, which is harmless.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(source)
        except UnidentifiedImageError:
            # HEIC without plugin, or not a picture: the sniffed format stands.  A
            # raster format Pillow knows yet cannot parse has a damaged header.
            if facts["format"] and facts["format"] not in NO_DECODER:
                facts["decode_error"] = f"corrupt: not a valid {facts['format']} header"
            return
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            facts["decode_error"] = f"bomb: {exc}"
            return
        except Exception as exc:  # noqa: BLE001 - a header a plugin chokes on
            if facts["format"]:
                facts["decode_error"] = f"corrupt: {exc}"
            return
        with image:
            _read(image, facts)


def _read(image: Image.Image, facts: dict[str, Any]) -> None:
    fmt = image.format or facts["format"]
    if fmt == "MPO":  # a JPEG with extra frames (many phone cameras): JPEG to every viewer
        fmt = "JPEG"
    if fmt == "WMF" and facts["format"] == "EMF":
        fmt = "EMF"  # Pillow names both metafile kinds WMF
    if fmt == "HEIF" and facts["format"] in HEIF:
        fmt = facts["format"]  # pillow-heif names every brand HEIF; an iPhone photo is HEIC
    facts["format"] = fmt
    mode = image.mode
    if fmt == "JPEG" and mode == "CMYK" and image.info.get("adobe_transform") == 2:
        mode = "YCCK"  # libjpeg hands YCCK over as CMYK
    facts.update(mode=mode, width=image.width, height=image.height)
    _show(facts, _orientation(image))  # from the header: kept if the pixels fail to decode
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        facts["decode_error"] = f"bomb: {exc}"
        return
    except Exception as exc:  # noqa: BLE001 - every decoder failure means "damaged"
        if fmt in VECTOR:  # no renderer here: unsupported, not damaged; no pixel size
            facts.update(mode=None, width=None, height=None, orientation=None,
                         display_width=None, display_height=None)
            return
        code = "truncated" if "truncated" in str(exc) else "corrupt"
        facts["decode_error"] = f"{code}: {exc}"
        return
    facts["decoded"] = True
    _show(facts, _orientation(image))  # again after load(): a PNG may keep eXIf after its pixels


def _show(facts: dict[str, Any], orientation: int) -> None:
    width, height = facts["width"], facts["height"]
    shown = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    facts.update(orientation=orientation, display_width=shown[0], display_height=shown[1])


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ORIENTATION_TAG)
    except Exception:  # noqa: BLE001 - unreadable EXIF: no tag any viewer could honour
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1

"""Facts of a picture from Pillow: its real format, size, orientation, colour mode, integrity.

A picture is measured once and decoded in full (``load()``), so that a truncated
or corrupt file is caught, then closed at once: only one decoded frame is alive
at a time.  Broken files never raise; the facts say what went wrong:

- ``format``: the format by content — Pillow's name (``"JPEG"``, ``"PNG"``…),
  or ``"HEIC"``/``"HEIF"``/``"AVIF"``/``"EMF"``/``"WMF"`` recognised by their
  first bytes when Pillow cannot open them; ``None`` when not a picture at all.
- ``width``/``height`` as stored, ``display_width``/``display_height`` after the
  EXIF orientation (5–8 swap them); ``None`` when the size is unknown.
- ``orientation``: EXIF tag 0x0112, 1 when absent or invalid (viewers ignore
  such values); ``None`` when the picture could not be opened.
- ``mode``: Pillow's mode, except ``"YCCK"`` for an Adobe JPEG with transform 2.
- ``decoded``: the full decode succeeded.  ``decode_error``: ``"<code>: <detail>"``
  with code ``unreadable``, ``truncated``, ``bomb`` or ``corrupt``; ``None`` when
  nothing failed — also when there was no decoder to try (HEIC without
  pillow-heif, EMF/WMF without a renderer), which is not damage.
- ``loose``: a file of its own (its name matters), not a picture inside a document.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image, ImageFile, UnidentifiedImageError

from .. import discover

ORIENTATION_TAG = 0x0112

VECTOR = ("WMF", "EMF")
# Formats this Pillow may lack a decoder for: unreadable here is not damage.
NO_DECODER = ("HEIC", "HEIF", "AVIF", *VECTOR)

_heif: bool | None = None


def heif_available() -> bool:
    """Whether pillow-heif is installed; its opener is registered on first use."""
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


def probe(path: Path | str, data: bytes | None = None, *, loose: bool = True) -> dict[str, Any]:
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
    if facts["format"] in ("HEIC", "HEIF"):
        heif_available()
    source: BinaryIO | Path = io.BytesIO(data) if data is not None else Path(path)
    _measure(source, facts)
    return facts


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
    facts["format"] = fmt
    mode = image.mode
    if fmt == "JPEG" and mode == "CMYK" and image.info.get("adobe_transform") == 2:
        mode = "YCCK"  # libjpeg hands YCCK over as CMYK
    facts.update(mode=mode, width=image.width, height=image.height)
    try:
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        facts["decode_error"] = f"bomb: {exc}"
        return
    except Exception as exc:  # noqa: BLE001 - every decoder failure means "damaged"
        if fmt in VECTOR:  # no renderer here: unsupported, not damaged; no pixel size
            facts.update(mode=None, width=None, height=None)
            return
        code = "truncated" if "truncated" in str(exc) else "corrupt"
        facts["decode_error"] = f"{code}: {exc}"
        return
    width, height = image.size
    orientation = _orientation(image)  # after load(): a PNG may keep eXIf after its pixels
    shown = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    facts.update(decoded=True, orientation=orientation,
                 display_width=shown[0], display_height=shown[1])


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ORIENTATION_TAG)
    except Exception:  # noqa: BLE001 - unreadable EXIF: no tag any viewer could honour
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1

"""Small pictures of the files for the HTML report: video frames and pictures, as data URIs.

- A video: three frames (at 10 %, 50 % and 90 % of its duration) as a player
  shows them (upright, square pixels), taken by :func:`kcsubmit.ffmpeg.frame`;
  when it breaks V003/V004, a fourth: the middle frame as ``fix`` will make it
  (fitted to the profile's 16:9 by ``fit``, with Pillow, no second ffmpeg run).
- A picture: as a viewer shows it (EXIF orientation applied); when ``fix``
  will convert it (I001/I002/I004/I005), also as it will be after the fix
  (:func:`kcsubmit.fixers.image.fix_picture`).
- :func:`attach` puts every file's strip on the report (``Report.previews``)
  before the HTML reporter, which decodes nothing itself, renders it.
- Anything that cannot be read or decoded (a broken video, an entry of a RAR,
  a nested archive, a document, an archive) gets a neutral placeholder: an
  inline SVG.  Nothing here raises: a thumbnail never breaks a report.

A file inside a zip or a document (``OUTER!inner/name``) is read from its
outer file when that is a zip container on disk.  Every thumbnail is a small
JPEG (fits in 240x240, quality 70) so the page stays light.
"""

from __future__ import annotations

import base64
import io
import os
import threading
import zipfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter, ImageOps

from .interrupts import scratch_dir
from .models import FileResult, Report, Thumb
from .profile import Profile
from .rules.base import fix_steps

BOX = 240  # a thumbnail fits inside BOX x BOX pixels
QUALITY = 70
FRAME_AT = (0.10, 0.50, 0.90)  # of the duration
MAX_PICTURE_BYTES = 64 << 20  # larger "pictures" are not decoded for a thumbnail
# Memory: a 9400x9400 PNG is 260 KB on disk and 350 MB decoded.  A JPEG decodes at 1/8 scale
# (draft); any other picture is decoded whole, then reduced at once, one large one at a time
# (the report's threads share the process), and not at all above MAX_PIXELS (a placeholder).
MAX_PIXELS = 40_000_000  # 160 MB as RGBA
LARGE_PIXELS = 4_000_000
FIX_PREVIEW_PIXELS = 25_000_000  # the "after" picture decodes the source whole again
_LARGE = threading.Semaphore(1)

LANCZOS = Image.Resampling.LANCZOS


def attach(report: Report, profile: Profile, fit: str = "auto") -> Report:
    """``report`` with each file's thumbnails in ``previews`` (videos in parallel: each frame is
    one short ffmpeg run).  Files are read by their names on disk, so call it before any
    rewriting of names for display."""
    files = report.files
    if not files:
        return report
    workers = min(len(files), max(1, min(8, os.cpu_count() or 2)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        strips = list(pool.map(lambda r: tuple(strip(r, profile, fit)), files))
    return replace(report, previews={r.path: s for r, s in zip(files, strips)})


def strip(result: FileResult, profile: Profile, fit: str = "auto") -> list[Thumb]:
    """The thumbnails of one file of the report (never raises)."""
    try:
        if result.kind == "video":
            steps = fix_steps(f.rule for f in result.findings if f.fixable)
            return video_strip(result.path, result.facts, profile, fix_preview="video.transcode" in steps, fit=fit)
        if result.kind == "image":
            steps = fix_steps(f.rule for f in result.findings if f.fixable)
            return picture_strip(result.path, result.facts, profile,
                                 fix_preview="image.convert" in steps, fit=fit)
    except Exception:  # noqa: BLE001 - a thumbnail must never break the report
        return [placeholder(result.kind)]
    return [placeholder(result.kind, role="icon")]  # documents, archives: nothing to look at


def video_strip(path: str, facts: Mapping[str, Any], profile: Profile, fix_preview: bool = False,
                fit: str = "auto") -> list[Thumb]:
    """Frames at 10/50/90 % of the video; with ``fix_preview`` the middle one as ``fix`` makes it."""
    from . import ffmpeg

    duration = facts.get("duration_s")
    times = [duration * share for share in FRAME_AT] if isinstance(duration, (int, float)) and duration > 0 else [0.0]
    thumbs: list[Thumb] = []
    middle: Image.Image | None = None
    with _local_file(path, limit=int(profile.archive.get("max_bytes", 1 << 30))) as local:
        if local is None:
            return [placeholder("video")]
        for i, at in enumerate(times):
            try:
                image = _open(ffmpeg.frame(local, at, BOX))
            except Exception:  # noqa: BLE001 - no frame there: a damaged or cut-off video
                continue
            thumbs.append(_thumb(image, "frame", _clock(at)))
            if i == len(times) // 2:
                middle = image
    if not thumbs:
        return [placeholder("video")]
    if fix_preview and middle is not None:
        from .fixers.target import video_target

        goal = video_target(profile, facts)
        width, height = goal.width, goal.height
        canvas = (BOX, max(1, round(BOX * height / width)))
        thumbs.append(_thumb(fit_frame(middle, canvas, fit), "after", f"{width}×{height}"))
    return thumbs


def picture_strip(path: str, facts: Mapping[str, Any], profile: Profile, fix_preview: bool = False,
                  fit: str = "auto") -> list[Thumb]:
    """The picture as a viewer shows it; with ``fix_preview`` also as ``fix`` will write it."""
    from .fixers import image as fix_image

    data = read_bytes(path, MAX_PICTURE_BYTES)
    if data is None:
        return [placeholder("image")]
    try:
        image = _open(data, draft=True)
    except Exception:  # noqa: BLE001 - damaged (I003), no decoder here (EMF, HEIC), too many pixels
        return [placeholder("image")]
    shown = f"{facts.get('display_width') or image.width}×{facts.get('display_height') or image.height}"
    thumbs = [_thumb(image, "picture", shown)]
    pixels = int(facts.get("width") or 0) * int(facts.get("height") or 0)
    if fix_preview and fix_image.needs_fix(facts, profile) and pixels <= FIX_PREVIEW_PIXELS:
        try:
            with _LARGE if pixels > LARGE_PIXELS else nullcontext():
                fixed = _open(fix_image.fix_picture(data, profile, fit))
        except Exception:  # noqa: BLE001 - HEIC without pillow-heif, EMF: fix cannot do it either
            return thumbs
        width, height = fix_image.target_size(profile, facts)
        thumbs.append(_thumb(fixed, "after", f"{width}×{height}"))
    return thumbs


def fit_frame(image: Image.Image, size: tuple[int, int], fit: str = "auto") -> Image.Image:
    """``image`` brought to ``size`` the way the video fixer does: black bars, blur, crop or stretch."""
    if fit == "crop":
        return ImageOps.fit(image, size, LANCZOS)
    if fit == "stretch":
        return image.resize(size, LANCZOS)
    inner = ImageOps.contain(image, size, LANCZOS)
    if fit == "blur":
        small = ImageOps.fit(image, (max(1, size[0] // 8), max(1, size[1] // 8)), LANCZOS)
        canvas = small.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BICUBIC)
    else:
        canvas = Image.new("RGB", size, "black")
    canvas.paste(inner, ((size[0] - inner.width) // 2, (size[1] - inner.height) // 2))
    return canvas


def read_bytes(path: str, limit: int) -> bytes | None:
    """The bytes of a file on disk, or of an entry of a zip container (``OUTER!inner``) on disk.

    None when it cannot be read that way (a RAR or 7z entry, a nested archive,
    an encrypted or damaged entry) or holds more than ``limit`` bytes.
    """
    try:
        if os.path.isfile(path):  # also a file on disk whose name holds a "!"
            return Path(path).read_bytes() if os.path.getsize(path) <= limit else None
        outer, _, inner = path.partition("!")
        info = _zip_entry(outer, inner) if inner else None
        if info is None or info.file_size > limit:
            return None
        with zipfile.ZipFile(outer) as archive, archive.open(info) as stream:
            data = stream.read(limit + 1)  # the header may lie: never more than the limit
        return data if len(data) <= limit else None
    except Exception:  # noqa: BLE001 - unreadable: the placeholder is shown
        return None


def placeholder(kind: str, role: str = "placeholder") -> Thumb:
    """A neutral grey tile with an outline icon of the kind (an inline SVG).

    ``role`` is ``placeholder`` when a picture was expected but could not be
    made, ``icon`` for kinds that have none (documents, archives).
    """
    icon = ICONS.get(kind, ICONS["other"])
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{BOX}" height="135" viewBox="0 0 240 135">'
           f'<rect width="240" height="135" rx="6" fill="#eef0f3"/>'
           f'<g fill="none" stroke="#a3aab5" stroke-width="4" stroke-linejoin="round" '
           f'stroke-linecap="round">{icon}</g></svg>')
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Thumb(uri, BOX, 135, role)


ICONS = {
    "video": '<rect x="82" y="40" width="76" height="55" rx="6"/><path d="M111 55v25l20-12.5z"/>',
    "image": '<rect x="82" y="40" width="76" height="55" rx="6"/><circle cx="103" cy="58" r="6"/>'
             '<path d="M86 90l22-20 14 12 10-8 22 16"/>',
    "document": '<path d="M100 32h28l16 16v55h-44z"/><path d="M128 32v16h16M109 66h26M109 76h26M109 86h18"/>',
    "archive": '<rect x="88" y="40" width="64" height="58" rx="5"/><path d="M88 56h64M120 40v40"/>'
               '<rect x="114" y="76" width="12" height="10" rx="2"/>',
    "other": '<path d="M100 32h28l16 16v55h-44z"/><path d="M128 32v16h16"/>',
}


def data_uri(image: Image.Image) -> str:
    """``image`` as a small JPEG data URI."""
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _thumb(image: Image.Image, role: str, caption: str) -> Thumb:
    small = ImageOps.contain(image, (BOX, BOX), LANCZOS) if max(image.size) > BOX else image
    return Thumb(data_uri(small), small.width, small.height, role, caption)


def _open(data: bytes, draft: bool = False) -> Image.Image:
    """Decode ``data`` upright (EXIF orientation applied) and in RGB, as a viewer shows it.

    ``draft``: for a thumbnail, so a JPEG decodes at a fraction of its size and any other
    picture is brought down to about twice the thumbnail right after decoding (see MAX_PIXELS).
    """
    from .probes import image as probe_image

    if probe_image.sniff(data[:64]) in probe_image.HEIF:
        probe_image.heif_available()  # registers the HEIC opener (this process may not have probed it)
    image: Image.Image = Image.open(io.BytesIO(data))
    if draft and image.format == "JPEG":
        image.draft(None, (BOX * 2, BOX * 2))  # a phone photo decodes at 1/8 scale: fast
    pixels = image.width * image.height
    if pixels > MAX_PIXELS:
        raise ValueError(f"{image.width}x{image.height}: too many pixels for a thumbnail")
    with _LARGE if pixels > LARGE_PIXELS else nullcontext():
        image.load()
        if draft and max(image.size) > BOX * 2:
            image = _shrink(image, max(image.size) // (BOX * 2))
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)
    if image.mode.startswith("I") or image.mode == "F":
        image = ImageOps.autocontrast(image.convert("F").convert("L"))  # 16-bit: show its range
    return image.convert("RGB")


def _shrink(image: Image.Image, factor: int) -> Image.Image:
    """``image`` made ``factor`` times smaller without a full-size copy in another mode."""
    if factor <= 1:
        return image
    size = (max(1, image.width // factor), max(1, image.height // factor))
    try:
        small = image.reduce(factor)  # L, RGB, RGBA, I, F…: box average
    except (ValueError, NotImplementedError):
        small = image.resize(size, Image.Resampling.NEAREST)  # P and 1: no averaging of indices
    small.info = image.info  # keep the EXIF orientation and transparency for what follows
    return small


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _zip_entry(outer: str, inner: str) -> zipfile.ZipInfo | None:
    """The entry ``inner`` of the zip container (zip, docx) ``outer`` on disk, if it can be read."""
    if "!" in inner or not os.path.isfile(outer) or not zipfile.is_zipfile(outer):
        return None
    from .probes.readers import ZipReader

    reader = ZipReader(Path(outer))
    try:
        # Names as the probe decoded them (GBK names, the Unicode Path field), not zipfile's.
        entry = next((e for e in reader.entries() if e.name == inner), None)
    finally:
        reader.close()
    if entry is None or entry.encrypted or entry.is_dir or entry.is_link or entry.is_device:
        return None
    info: zipfile.ZipInfo = entry.handle
    return info


@contextmanager
def _local_file(path: str, limit: int) -> Iterator[str | None]:
    """A path ffmpeg can open: the file itself, or a temporary copy of a zip entry (at most ``limit``)."""
    if os.path.isfile(path):
        yield path
        return
    outer, _, inner = path.partition("!")
    info = _zip_entry(outer, inner) if inner else None
    if info is None or info.file_size > limit:
        yield None
        return
    with scratch_dir(prefix="kcsubmit-thumb-") as scratch:
        target = Path(scratch) / f"video{Path(inner).suffix.lower()[:10]}"
        yield str(target) if _copy_entry(outer, info, target, limit) else None


def _copy_entry(outer: str, info: zipfile.ZipInfo, target: Path, limit: int) -> bool:
    """Copy one zip entry into ``target``, at most ``limit`` bytes whatever its header claims."""
    try:
        with zipfile.ZipFile(outer) as archive, archive.open(info) as stream, open(target, "wb") as out:
            copied = 0
            while chunk := stream.read(1 << 20):
                copied += len(chunk)
                if copied > limit:
                    return False
                out.write(chunk)
        return True
    except Exception:  # noqa: BLE001 - a damaged entry: the placeholder is shown
        return False

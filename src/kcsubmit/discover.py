"""Walk the inputs and tell each file's kind by its content, not its name.

A name only decides when the content says nothing (an empty file, a text
file called ``.mp4``): then the file is taken for what its name claims, so
that the checker reports it as broken instead of skipping it.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError

MANIFEST_NAME = "kcsubmit.toml"
MARKER = ".kcsubmit-output"  # fix and pack leave it in their output folder; folder walks skip such folders


def find_manifest(path: Path) -> Path | None:
    """The manifest a path stands for: the file itself, or kcsubmit.toml in a folder."""
    if path.is_file() and path.name == MANIFEST_NAME:
        return path
    if path.is_dir() and (path / MANIFEST_NAME).is_file():
        return path / MANIFEST_NAME
    return None


def is_output(folder: Path) -> bool:
    """Whether ``folder`` is an output folder of fix or pack (it holds the marker)."""
    try:
        return stat.S_ISREG(os.lstat(folder / MARKER).st_mode)
    except OSError:
        return False


VIDEO_EXTS = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".flv", ".wmv", ".ts",
              ".mts", ".m2ts", ".3gp", ".mpg", ".mpeg", ".vob"}
DOCUMENT_EXTS = {".docx", ".doc", ".wps", ".rtf", ".odt", ".pdf"}
IMAGE_EXTS = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".tif", ".tiff", ".heic",
              ".heif", ".emf", ".wmf"}
ARCHIVE_EXTS = {".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz"}

# ISO base media brands that are still pictures, not video.
IMAGE_BRANDS = {b"heic": "HEIC", b"heix": "HEIC", b"heim": "HEIC", b"heis": "HEIC",
                b"mif1": "HEIF", b"msf1": "HEIF", b"avif": "AVIF", b"avis": "AVIF"}
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot"}

# Files people and their systems leave behind; never worth a line in a report.
JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}

# Deeper folders are not walked: listed as skipped (a real submission is a few levels deep; a
# folder nested thousands deep exceeds PATH_MAX and Python's recursion limit).
MAX_DEPTH = 64


@dataclass(frozen=True)
class Detected:
    kind: str  # video | document | image | archive | other
    format: str  # what the content is: "MPEG-4", "QuickTime", "JPEG", "zip", "text"…


def sniff(path: Path) -> Detected:
    """The kind and format of a file, from its first bytes."""
    with open(path, "rb") as f:
        head = f.read(4096)
    found = _by_magic(head)
    if found is None:
        return _by_name(path, "empty" if not head else "unknown")
    if found.format == "zip":
        return _inside_zip(path)
    if found.format == "OLE2":
        suffix = path.suffix.lower()
        return Detected("document", "WPS" if suffix == ".wps" else "Word 97-2003")
    return found


def sniff_bytes(head: bytes) -> Detected | None:
    """The kind and format named by a file's first bytes, or None (no zip look-inside)."""
    return _by_magic(head)


def _by_magic(head: bytes) -> Detected | None:
    if len(head) >= 12 and head[4:8] in ISO_BOXES:
        brand = head[8:12] if head[4:8] == b"ftyp" else b"qt  "
        if brand in IMAGE_BRANDS:
            return Detected("image", IMAGE_BRANDS[brand])
        if brand in AUDIO_BRANDS:
            return Detected("other", "MPEG-4 audio")
        return Detected("video", "QuickTime" if brand == b"qt  " else "MPEG-4")
    table = (
        (b"\x1a\x45\xdf\xa3", Detected("video", "Matroska")),
        (b"FLV", Detected("video", "FLV")),
        (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", Detected("video", "WMV")),
        (b"\x00\x00\x01\xba", Detected("video", "MPEG-PS")),
        (b"\xff\xd8\xff", Detected("image", "JPEG")),
        (b"\x89PNG\r\n\x1a\n", Detected("image", "PNG")),
        (b"GIF8", Detected("image", "GIF")),
        (b"II*\x00", Detected("image", "TIFF")),
        (b"MM\x00*", Detected("image", "TIFF")),
        (b"\xd7\xcd\xc6\x9a", Detected("image", "WMF")),
        (b"PK\x03\x04", Detected("archive", "zip")),
        (b"PK\x05\x06", Detected("archive", "zip")),
        (b"PK\x07\x08", Detected("archive", "zip")),
        (b"Rar!\x1a\x07", Detected("archive", "rar")),
        (b"7z\xbc\xaf\x27\x1c", Detected("archive", "7z")),
        (b"\x1f\x8b", Detected("archive", "gzip")),
        (b"BZh", Detected("archive", "bzip2")),
        (b"\xfd7zXZ\x00", Detected("archive", "xz")),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", Detected("document", "OLE2")),
        (b"{\\rtf", Detected("document", "RTF")),
        (b"%PDF", Detected("document", "PDF")),
    )
    for magic, detected in table:
        if head.startswith(magic):
            return detected
    if head.startswith(b"RIFF") and len(head) >= 12:
        form = head[8:12]
        if form == b"AVI ":
            return Detected("video", "AVI")
        if form == b"WEBP":
            return Detected("image", "WEBP")
        return Detected("other", "RIFF")
    if head.startswith(b"BM") and len(head) >= 14 and head[6:10] == b"\x00\x00\x00\x00":  # reserved
        return Detected("image", "BMP")
    if len(head) >= 44 and head[:4] == b"\x01\x00\x00\x00" and head[40:44] == b" EMF":
        return Detected("image", "EMF")
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return Detected("video", "MPEG-TS")
    if len(head) >= 262 and head[257:262] == b"ustar":
        return Detected("archive", "tar")
    return None


def _inside_zip(path: Path) -> Detected:
    """A zip may be a Word, OpenDocument or other Office package.

    A damaged zip or an Office package without its document part that is *named*
    .docx is taken for a damaged Word document (D002), not for an archive.
    """
    named_docx = path.suffix.lower() == ".docx"
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist()[:2000])
            if "mimetype" in names:
                mime = z.read("mimetype")[:100]
                if b"opendocument.text" in mime:
                    return Detected("document", "ODT")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, NotImplementedError):
        return Detected("document", "docx") if named_docx else Detected("archive", "zip")
    if "word/document.xml" in names or (named_docx and "[Content_Types].xml" in names):
        return Detected("document", "docx")
    if "[Content_Types].xml" in names:
        return Detected("other", "Office")
    return Detected("archive", "zip")


def _by_name(path: Path, what: str) -> Detected:
    suffix = path.suffix.lower()
    for exts, kind in ((VIDEO_EXTS, "video"), (DOCUMENT_EXTS, "document"),
                       (IMAGE_EXTS, "image"), (ARCHIVE_EXTS, "archive")):
        if suffix in exts:
            return Detected(kind, what)
    return Detected("other", what)


@dataclass(frozen=True)
class Target:
    path: Path
    display: str  # the path as the report shows it
    detected: Detected


def collect(paths: Iterable[str | Path], exclude: Iterable[Path] = ()) -> list[Target]:
    """Every file under the given paths, in a stable order; a missing path is a UsageError.

    Files under a folder of ``exclude`` are left out (``fix`` and ``pack`` write there).
    """
    targets: list[Target] = []
    seen: set[Path] = set()
    skip = [p.resolve() for p in exclude]
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise UsageError(f"no such file or folder: {raw}", key="path_missing", path=str(raw))
        if not path.is_dir() and not path.is_file():  # a FIFO or device would block or never end
            raise UsageError(f"not a regular file: {raw}", key="not_a_file", path=str(raw))
        files = [(path, None)] if not path.is_dir() else _walk(path)
        for file, problem in files:
            key = Path(os.path.abspath(file)) if problem else file.resolve()
            if key in seen or any(key.is_relative_to(folder) for folder in skip):
                continue
            seen.add(key)
            detected = Detected("other", problem) if problem else _safe_sniff(file)
            targets.append(Target(file, str(file), detected))
    return targets


def _walk(folder: Path) -> list[tuple[Path, str | None]]:
    """Files under ``folder`` in sorted order, with None; or a folder that cannot be walked
    with the reason (``too deep``, ``unreadable folder``), which the report lists as skipped.

    Symlinked folders are not followed; hidden folders, ``__MACOSX`` and kcsubmit's own output
    folders (:func:`is_output`: ``fixed``, ``dist``, ``*-修复后``) are left out.
    Iterative (a stack, not recursion), so depth costs no Python frames.
    """

    found: list[tuple[Path, str | None]] = []
    stack: list[tuple[Path, int]] = [(folder, 0)]
    while stack:
        here, depth = stack.pop()
        if depth > MAX_DEPTH:
            found.append((here, "too deep"))
            continue
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
            dirs = [e.name for e in entries if _is_dir(e)]
        except OSError:
            found.append((here, "unreadable folder"))
            continue
        for entry in entries:
            name = entry.name
            if name in dirs or name.startswith((".", "~$")) or name.lower() in JUNK_NAMES:
                continue
            try:
                if entry.is_file():
                    found.append((Path(entry.path), None))
            except OSError:
                continue
        subfolders = [here / d for d in dirs if not d.startswith(".") and d != "__MACOSX"]
        stack.extend((sub, depth + 1) for sub in reversed(subfolders) if not is_output(sub))
    return found


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _safe_sniff(path: Path) -> Detected:
    try:
        return sniff(path)
    except OSError:
        # Unreadable (permissions, vanished): let the checker of its kind say so.
        return _by_name(path, "unreadable")

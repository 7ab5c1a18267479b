"""Deterministic zip archives: the same inputs give the same bytes.

Fixed timestamps (1980-01-01 00:00), permissions and creator system, entries in
the order given, media stored rather than deflated again, and names in UTF-8
with the flag — or, for old Chinese Windows unzip tools, in GBK without the flag
plus the Info-ZIP Unicode Path extra field (0x7075) that modern tools read.
"""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

STORED_SUFFIXES = {".mp4", ".m4v", ".mov", ".jpg", ".jpeg", ".png", ".docx", ".zip", ".rar", ".7z", ".gz"}
#: Bytes a zip adds around one stored entry: local header, central directory
#: record and end record (with room for a long UTF-8 name and zip64 extras).
ZIP_OVERHEAD = 1024
EPOCH = (1980, 1, 1, 0, 0, 0)
CHUNK = 1 << 20


class _GbkInfo(zipfile.ZipInfo):
    """A ZipInfo whose name is written in GBK, without the UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # noqa: N802 - zipfile's own hook
        try:
            return self.filename.encode("gbk"), self.flag_bits & ~0x800
        except UnicodeEncodeError:
            return super()._encodeFilenameFlags()  # type: ignore[misc]  # a private hook typeshed omits


def _info(name: str, size: int, encoding: str) -> zipfile.ZipInfo:
    info: zipfile.ZipInfo
    if encoding == "gbk" and not name.isascii():
        info = _GbkInfo(name, date_time=EPOCH)
        raw, utf8 = name.encode("gbk"), name.encode("utf-8")
        info.extra = struct.pack("<HHBI", 0x7075, 5 + len(utf8), 1, zlib.crc32(raw)) + utf8
    else:
        info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_STORED if Path(name).suffix.lower() in STORED_SUFFIXES else zipfile.ZIP_DEFLATED
    info.create_system = 3  # the same bytes whatever system packs it
    info.external_attr = 0o644 << 16
    info.file_size = size
    return info


def write_zip(target: Path | BinaryIO, entries: Iterable[tuple[str, Path]], encoding: str = "utf-8") -> None:
    """Write ``entries`` (name in the archive, file to read) to ``target`` in that order.

    ``target`` may be a file opened for writing (pack creates it exclusively: kcsubmit.outdir)."""
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for name, source in entries:
            info = _info(name, os.path.getsize(source), encoding)
            with open(source, "rb") as data, archive.open(info, "w", force_zip64=info.file_size > 0xFFFF0000) as out:
                while chunk := data.read(CHUNK):
                    out.write(chunk)


def write_members(target: Path, members: Iterable[tuple[str, bytes]]) -> None:
    """Write in-memory ``members`` (name, bytes) to ``target`` in that order, as :func:`write_zip`
    does: a repaired .docx carries no time of the run, so packing it twice gives the same bytes."""
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members:
            archive.writestr(_info(name, len(data), "utf-8"), data)

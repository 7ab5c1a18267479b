"""Readers for zip, rar, 7z and tar archives behind one small interface.

A reader lists its entries from the archive's own directory (nothing is
extracted to list), opens one entry as a stream, and copies one entry into a
file with a byte cap.  Readers never trust the headers: the copy stops at the
cap whatever an entry claims, and names are never used as paths.
"""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import KcsubmitError
from ..names import meant

FORMATS = ("zip", "rar", "7z", "tar", "gzip", "bzip2", "xz")
UTF8_FLAG = 0x800
ENCRYPTED_FLAG = 0x1
UNICODE_PATH_EXTRA = 0x7075
CHUNK = 1 << 20


class CapExceeded(Exception):
    """An entry inflated to more bytes than allowed (a bomb or a lying header)."""


@dataclass(frozen=True)
class Entry:
    name: str  # as the archive names it (zip: UTF-8, or CP437 without the flag)
    size: int  # uncompressed, as declared
    packed: int  # compressed, as declared (0 when unknown)
    is_dir: bool = False
    is_link: bool = False
    is_device: bool = False
    encrypted: bool = False
    stored: bool = False  # not compressed: can be read in place
    raw_name: bytes | None = None  # zip: the name's bytes when not marked UTF-8
    marked_utf8: bool = True  # zip: the UTF-8 flag or a Unicode Path extra field
    handle: Any = None  # the reader's own record (ZipInfo, RarInfo, TarInfo…)


class Reader:
    """Base reader: subclasses list entries and open one."""

    format = "?"

    def entries(self) -> list[Entry]:
        raise NotImplementedError

    def open(self, entry: Entry) -> IO[bytes]:
        raise NotImplementedError

    def verify(self, entry: Entry) -> None:
        """Read an entry through, so that its CRC is checked; raises on damage."""
        with self.open(entry) as stream:
            while stream.read(CHUNK):
                pass

    def copy(self, entry: Entry, target: Path, cap: int) -> Path:
        """Copy one entry into ``target`` (a path the caller chose), at most ``cap`` bytes."""
        written = 0
        with self.open(entry) as stream, open(target, "wb") as out:
            while chunk := stream.read(CHUNK):
                written += len(chunk)
                if written > cap:
                    raise CapExceeded(entry.name)
                out.write(chunk)
        return target

    def close(self) -> None:
        pass


class ZipReader(Reader):
    format = "zip"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path)
        self.hidden: list[Entry] = []

    def entries(self) -> list[Entry]:
        """The central directory's entries, then the local entries it leaves out (7-Zip lists
        them, streaming extractors unpack them): they are judged like the others."""
        from .zipwalk import hidden

        self.hidden = [self._entry(info) for info in hidden(self.zip)]
        return [self._entry(info) for info in self.zip.infolist()] + self.hidden

    @staticmethod
    def _entry(info: zipfile.ZipInfo) -> Entry:
        mode = info.external_attr >> 16
        flagged = bool(info.flag_bits & UTF8_FLAG)
        raw = None if flagged else info.orig_filename.encode("cp437", "replace")
        unicode_name = None if flagged or raw is None else _unicode_path(info.extra, raw)
        return Entry(
            name=unicode_name or (guess_name(raw) if raw else None) or info.filename,
            size=info.file_size, packed=info.compress_size,
            is_dir=info.is_dir(), is_link=stat.S_ISLNK(mode),
            is_device=bool(mode) and (stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)),
            encrypted=bool(info.flag_bits & ENCRYPTED_FLAG), stored=info.compress_type == zipfile.ZIP_STORED,
            raw_name=raw, marked_utf8=flagged or unicode_name is not None, handle=info,
        )

    def open(self, entry: Entry) -> IO[bytes]:
        return self.zip.open(entry.handle)

    def window(self, entry: Entry) -> IO[bytes]:
        """A stored, unencrypted entry as a seekable file of its own: its bytes lie in one
        range of the archive (zipfile's own stream seeks forward by reading)."""
        info = entry.handle
        f = open(self.path, "rb")
        f.seek(info.header_offset)
        local = f.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            f.close()
            raise zipfile.BadZipFile(f"{entry.name}: bad local header")
        name_len, extra_len = int.from_bytes(local[26:28], "little"), int.from_bytes(local[28:30], "little")
        start = info.header_offset + 30 + name_len + extra_len
        return io.BufferedReader(_Window(f, start, info.compress_size), buffer_size=CHUNK)

    def close(self) -> None:
        self.zip.close()


class _Window(io.RawIOBase):
    """Bytes [start, start + size) of an open file, as a seekable read-only file."""

    def __init__(self, file: IO[bytes], start: int, size: int) -> None:
        self.file, self.start, self.size, self.pos = file, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, min(self.size, base + offset))
        return self.pos

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.size - self.pos)
        if n <= 0:
            return 0
        self.file.seek(self.start + self.pos)
        data = self.file.read(n)
        buffer[:len(data)] = data
        self.pos += len(data)
        return len(data)

    def close(self) -> None:
        self.file.close()
        super().close()


def guess_name(raw: bytes) -> str | None:
    """What an unflagged non-ASCII name meant (:func:`kcsubmit.names.meant`), else None."""
    return None if raw.isascii() else meant(raw)


def _unicode_path(extra: bytes, raw_name: bytes) -> str | None:
    """The UTF-8 name of an Info-ZIP Unicode Path extra field (0x7075), when it is there
    and belongs to this entry's raw name (its CRC-32 matches), as modern unzip tools read it."""
    i = 0
    while i + 4 <= len(extra):
        tag = int.from_bytes(extra[i:i + 2], "little")
        size = int.from_bytes(extra[i + 2:i + 4], "little")
        body = extra[i + 4:i + 4 + size]
        if tag == UNICODE_PATH_EXTRA and len(body) >= 5 and body[0] == 1:
            if int.from_bytes(body[1:5], "little") == zlib.crc32(raw_name):
                try:
                    return body[5:].decode("utf-8")
                except UnicodeDecodeError:
                    return None
        i += 4 + size
    return None


class VolumeError(Exception):
    """A later volume of a multi-volume archive: it cannot be read alone (A010)."""


class HeadersEncrypted(Exception):
    """Even the entries' names need the password (RAR 4 ``-hp``, RAR 5 header encryption): A003."""


class Unreadable(KcsubmitError):
    """No tool here can read an entry's contents, so they are not verified (A013) — which says
    nothing about damage.  ``tool`` is the tool that tried (None: there is none); ``detail``
    what it said, or ``no_tool``."""

    def __init__(self, entry: str, tool: str | None, detail: str) -> None:
        what = "no RAR extraction tool works here" if tool is None else f"{tool}: {detail}"
        super().__init__(f"cannot read {entry}: {what}")
        self.entry, self.tool, self.detail = entry, tool, detail


class SevenZipReader(Reader):
    format = "7z"

    def __init__(self, path: Path) -> None:
        import py7zr

        self.path = path
        try:
            self.archive = py7zr.SevenZipFile(path)
        except py7zr.exceptions.PasswordRequired:  # 7z -mhe=on: the names are encrypted too
            raise HeadersEncrypted(path.name) from None

    def entries(self) -> list[Entry]:
        return [
            Entry(name=i.filename, size=i.uncompressed or 0, packed=i.compressed or 0,
                  is_dir=i.is_directory, is_link=i.is_symlink, encrypted=self.archive.needs_password(),
                  handle=i)
            for i in self.archive.list()
        ]

    def copy(self, entry: Entry, target: Path, cap: int) -> Path:
        # py7zr extracts by name into a folder of ours; the size is checked after.
        if entry.size > cap:
            raise CapExceeded(entry.name)
        import py7zr

        folder = target.parent / (target.name + ".d")
        folder.mkdir()
        with py7zr.SevenZipFile(self.path) as archive:
            archive.extract(path=folder, targets=[entry.name])
        found = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
        if len(found) != 1 or found[0].stat().st_size > cap:
            shutil.rmtree(folder, ignore_errors=True)
            raise CapExceeded(entry.name)
        os.replace(found[0], target)
        shutil.rmtree(folder, ignore_errors=True)
        return target

    def open(self, entry: Entry) -> IO[bytes]:
        raise NotImplementedError("7z entries are copied, not streamed")

    def verify(self, entry: Entry) -> None:
        pass  # py7zr checks CRCs while extracting; see test() in the probe

    def test(self) -> bool | None:
        if self.archive.needs_password():
            return None  # cannot be tested without the password: A003 says so
        try:
            return self.archive.testzip() is None
        except Exception:  # noqa: BLE001 - damaged
            return False

    def close(self) -> None:
        self.archive.close()


class TarReader(Reader):
    """tar, tar.gz, tar.bz2, tar.xz (A001: not accepted, but the contents are still checked)."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.format = fmt
        self.tar = tarfile.open(path, "r:*")

    def entries(self) -> list[Entry]:
        return [
            Entry(name=m.name, size=m.size, packed=0, is_dir=m.isdir(), is_link=m.issym() or m.islnk(),
                  is_device=m.isdev(), handle=m)
            for m in self.tar.getmembers()
        ]

    def open(self, entry: Entry) -> IO[bytes]:
        stream = self.tar.extractfile(entry.handle)
        if stream is None:
            raise CapExceeded(entry.name)
        return stream

    def close(self) -> None:
        self.tar.close()


def scan_local_headers(path: Path, limit: int = 1 << 30) -> Iterator[int]:
    """Offsets of zip local file headers, for telling what a damaged zip still holds."""
    with open(path, "rb") as f:
        offset, tail = 0, b""
        while offset < limit and (chunk := f.read(CHUNK)):
            data = tail + chunk
            start = 0
            while (i := data.find(b"PK\x03\x04", start)) != -1:
                yield offset - len(tail) + i
                start = i + 1
            tail = data[-3:]
            offset += len(chunk)

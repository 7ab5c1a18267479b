"""Local entries of a zip that its central directory leaves out.

A zip names each entry twice: in a local header before the entry's data, and in the central
directory at the end.  zipfile reads only the directory; 7-Zip also lists, and streaming
extractors (which read from the front) unpack, an entry that has a local header but no
directory record.  So the local headers are walked from the start of the file and compared with
the directory; what only the walk finds is returned as ``ZipInfo`` records that zipfile can open,
and the archive's rules judge those entries like any other.

The walk is bounded: a listed entry is skipped by the sizes the directory gives (a 280 MB stored
video costs one 30-byte read), and bytes are scanned only where no listed entry accounts for
them (normally nowhere), or to find where an unlisted streamed entry ends.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from typing import IO

LOCAL, CENTRAL, DESCRIPTOR = b"PK\x03\x04", b"PK\x01\x02", b"PK\x07\x08"
METHODS = {0, 1, 6, 8, 9, 12, 14, 93, 95, 98, 99}  # stored, shrunk … deflate, bzip2, lzma, zstd, xz, ppmd, AES
DATA_DESCRIPTOR = 0x8
ZIP64_EXTRA = 0x0001
CHUNK = 1 << 20
MAX_HIDDEN = 10_001  # past A007's entry limit nothing more is learnt


def hidden(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The local entries of ``zf`` that its central directory does not list."""
    end = getattr(zf, "start_dir", None)
    if end is None or not isinstance(zf.filename, str):
        return []
    with open(zf.filename, "rb") as f:
        return _Walk(f, zf.infolist(), end).run()


class _Walk:
    """One pass over the local headers in [0, end), reading at most twice the bytes of the file:
    only a crafted file full of header-like bytes spends that budget, and it is then damaged."""

    def __init__(self, f: IO[bytes], listed: list[zipfile.ZipInfo], end: int) -> None:
        self.f, self.end = f, end
        self.listed = {info.header_offset: info for info in listed}
        self.starts = sorted(o for o in self.listed if o < end)
        self.budget = 2 * end + CHUNK

    def run(self) -> list[zipfile.ZipInfo]:
        found: list[zipfile.ZipInfo] = []
        pos = 0
        while pos + 30 <= self.end and len(found) < MAX_HIDDEN and self.budget > 0:
            head = self.read(pos, 30)
            if head[:4] == LOCAL and pos in self.listed:
                # Its data by the directory's size; a descriptor after it is a gap the scan crosses.
                name_len, extra_len = struct.unpack_from("<HH", head, 26)
                pos += 30 + name_len + extra_len + self.listed[pos].compress_size
                continue
            local = self.local(pos, head) if head[:4] == LOCAL else None
            if local is not None:
                found.append(local[0])
                pos = local[1]
                continue
            pos = self.next_local(pos + 1)
        if self.budget <= 0:  # only bytes made to look like headers get here: A008, not silence
            raise zipfile.BadZipFile("the local headers cannot be walked: the bytes between the "
                                     "listed entries hold header-like records that never end")
        return found

    def read(self, pos: int, size: int) -> bytes:
        self.f.seek(pos)
        data = self.f.read(size)
        self.budget -= len(data)
        return data

    def next_start(self, pos: int) -> int:
        return next((start for start in self.starts if start > pos), self.end)

    def chunks(self, pos: int, limit: int, keep: int) -> Iterator[tuple[int, bytes]]:
        """(offset of buf, buf) over [pos, limit), each buf starting with the last ``keep`` bytes
        of the one before, so that a signature across two reads is seen."""
        tail = b""
        while pos < limit and self.budget > 0:
            chunk = self.read(pos, min(CHUNK, limit - pos))
            if not chunk:
                return
            yield pos - len(tail), tail + chunk
            tail = (tail + chunk)[-keep:]
            pos += len(chunk)

    def next_local(self, pos: int) -> int:
        """The next local header signature before the next listed entry (a gap no listed entry
        accounts for: normally a data descriptor's 16 bytes, or nothing), else that entry."""
        limit = self.next_start(pos - 1)
        for base, buf in self.chunks(pos, limit, 3):
            i = buf.find(LOCAL)
            if i != -1:
                return base + i
        return limit

    def local(self, pos: int, head: bytes) -> tuple[zipfile.ZipInfo, int] | None:
        """An unlisted local header at ``pos`` as a ZipInfo (and where its entry ends), or None
        when it does not hold together."""
        (_, version, flags, method, _, _, crc, packed, size, name_len,
         extra_len) = struct.unpack("<4sHHHHHIIIHH", head)
        data = pos + 30 + name_len + extra_len
        if method not in METHODS or name_len == 0 or version > 100 or data > self.end:
            return None
        raw_extra = self.read(pos + 30, name_len + extra_len)
        raw, extra = raw_extra[:name_len], raw_extra[name_len:]
        size, packed = _zip64_sizes(extra, size, packed)
        if flags & DATA_DESCRIPTOR:
            described = self.descriptor(data, self.next_start(pos))
            if described is None:
                return None
            crc, packed, size, after = described
        else:
            after = data + packed
            if after > self.end:
                return None
        name = raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
        info = zipfile.ZipInfo(name)
        info.orig_filename = name
        info.flag_bits, info.compress_type, info.CRC = flags, method, crc
        info.compress_size, info.file_size, info.header_offset = packed, size, pos
        info.extra = extra
        return info, after

    def descriptor(self, data: int, limit: int) -> tuple[int, int, int, int] | None:
        """(crc, packed, size, end) of a streamed entry: the first data descriptor after ``data``
        whose compressed size is its distance from ``data`` (signed or not, 32 or 64 bit)."""
        for base, buf in self.chunks(data, min(limit + 4, self.end + 4), 24):
            for i in _signatures(buf):
                p = base + i
                if buf[i:i + 4] == DESCRIPTOR:
                    if i + 16 <= len(buf) and struct.unpack_from("<I", buf, i + 8)[0] == p - data:
                        crc, packed, size = struct.unpack_from("<III", buf, i + 4)
                        return crc, packed, size, p + 16
                    if i + 24 <= len(buf) and struct.unpack_from("<Q", buf, i + 8)[0] == p - data:
                        crc, packed, size = struct.unpack_from("<IQQ", buf, i + 4)
                        return crc, packed, size, p + 24
                elif i >= 12 and struct.unpack_from("<I", buf, i - 8)[0] == p - 12 - data:
                    crc, packed, size = struct.unpack_from("<III", buf, i - 12)
                    return crc, packed, size, p
        return None


def _zip64_sizes(extra: bytes, size: int, packed: int) -> tuple[int, int]:
    """Sizes of 0xFFFFFFFF are in the zip64 extra field (uncompressed first)."""
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, i)
        if tag == ZIP64_EXTRA:
            count = min(length, len(extra) - i - 4, 16) // 8
            values = list(struct.unpack_from(f"<{count}Q", extra, i + 4))
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if packed == 0xFFFFFFFF and values:
                packed = values.pop(0)
            break
        i += 4 + length
    return size, packed


def _signatures(buf: bytes) -> list[int]:
    found, i = [], buf.find(b"PK")
    while i != -1:
        if buf[i + 2:i + 4] in (b"\x07\x08", b"\x03\x04", b"\x01\x02"):
            found.append(i)
        i = buf.find(b"PK", i + 1)
    return found

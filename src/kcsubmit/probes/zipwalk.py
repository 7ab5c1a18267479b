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
from typing import IO

LOCAL, CENTRAL, DESCRIPTOR = b"PK\x03\x04", b"PK\x01\x02", b"PK\x07\x08"
METHODS = {0, 1, 6, 8, 9, 12, 14, 93, 95, 98, 99}  # stored, shrunk … deflate, bzip2, lzma, zstd, xz, ppmd, AES
DATA_DESCRIPTOR = 0x8
ZIP64_EXTRA = 0x0001
CHUNK = 1 << 20
MAX_HIDDEN = 10_001  # past A007's entry limit nothing more is learnt


def hidden(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The local entries of ``zf`` that its central directory does not list."""
    listed = {info.header_offset: info for info in zf.infolist()}
    end = getattr(zf, "start_dir", None)
    if end is None or zf.fp is None:
        return []
    found: list[zipfile.ZipInfo] = []
    with open(zf.filename, "rb") as f:  # type: ignore[arg-type]
        starts = sorted(o for o in listed if o < end)
        pos = 0
        while pos + 30 <= end and len(found) < MAX_HIDDEN:
            f.seek(pos)
            head = f.read(30)
            if head[:4] == LOCAL and pos in listed:
                pos = _after_listed(pos, head, listed[pos])
                continue
            local = _local(f, pos, head, starts, end) if head[:4] == LOCAL else None
            if local is not None:
                found.append(local[0])
                pos = local[1]
                continue
            pos = _next_local(f, pos + 1, _next_start(starts, pos, end))
    return found


def _after_listed(pos: int, head: bytes, info: zipfile.ZipInfo) -> int:
    """Where a listed entry ends: its data by the directory's size, then its descriptor (if any)
    is left to the gap scan, which finds the next header a few bytes on."""
    name_len, extra_len = struct.unpack_from("<HH", head, 26)
    return pos + 30 + name_len + extra_len + info.compress_size


def _next_start(starts: list[int], pos: int, end: int) -> int:
    for start in starts:
        if start > pos:
            return start
    return end


def _next_local(f: IO[bytes], pos: int, limit: int) -> int:
    """The next local header signature in [pos, limit), else ``limit``: a gap no listed entry
    accounts for (normally a data descriptor's 16 bytes, or nothing)."""
    tail = b""
    f.seek(pos)
    at = pos
    while at < limit:
        chunk = f.read(min(CHUNK, limit - at))
        if not chunk:
            break
        data = tail + chunk
        i = data.find(LOCAL)
        if i != -1:
            return at - len(tail) + i
        tail = data[-3:]
        at += len(chunk)
    return limit


def _local(f: IO[bytes], pos: int, head: bytes, starts: list[int],
           end: int) -> tuple[zipfile.ZipInfo, int] | None:
    """An unlisted local header at ``pos`` as a ZipInfo (and where its entry ends), or None when
    it does not hold together."""
    (_, version, flags, method, _, _, crc, packed, size, name_len,
     extra_len) = struct.unpack("<4sHHHHHIIIHH", head)
    data = pos + 30 + name_len + extra_len
    if method not in METHODS or name_len == 0 or version > 100 or data > end:
        return None
    raw = f.read(name_len)
    extra = f.read(extra_len)
    if len(raw) < name_len or len(extra) < extra_len:
        return None
    zip64 = _zip64_sizes(extra, size, packed)
    if zip64 is not None:
        size, packed = zip64
    limit = _next_start(starts, pos, end)
    if flags & DATA_DESCRIPTOR:
        described = _descriptor(f, data, limit)
        if described is None:
            return None
        crc, packed, size, after = described
    else:
        after = data + packed
        if after > end:
            return None
    try:
        name = raw.decode("utf-8") if flags & 0x800 else raw.decode("cp437")
    except UnicodeDecodeError:
        name = raw.decode("utf-8", "replace")
    info = zipfile.ZipInfo(name)
    info.orig_filename = name
    info.flag_bits, info.compress_type, info.CRC = flags, method, crc
    info.compress_size, info.file_size, info.header_offset = packed, size, pos
    info.extra = extra
    return info, after


def _zip64_sizes(extra: bytes, size: int, packed: int) -> tuple[int, int] | None:
    i = 0
    while i + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, i)
        if tag == ZIP64_EXTRA:
            values = list(struct.unpack_from(f"<{min(length, 16) // 8}Q", extra, i + 4))
            if size == 0xFFFFFFFF and values:
                size = values.pop(0)
            if packed == 0xFFFFFFFF and values:
                packed = values.pop(0)
            return size, packed
        i += 4 + length
    return None


def _descriptor(f: IO[bytes], data: int, limit: int) -> tuple[int, int, int, int] | None:
    """(crc, packed, size, end) of a streamed entry: the first data descriptor after ``data``
    whose recorded compressed size is its distance from ``data`` (signed or not, 32 or 64 bit)."""
    at, tail = data, b""
    f.seek(data)
    while at < limit + 4:  # the header after the entry shows where an unsigned descriptor ends
        chunk = f.read(min(CHUNK, limit + 4 - at))
        if not chunk:
            break
        buf = tail + chunk
        base = at - len(tail)
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
        tail = buf[-24:]
        at += len(chunk)
    return None


def _signatures(buf: bytes) -> list[int]:
    found, i = [], buf.find(b"PK")
    while i != -1:
        if buf[i + 2:i + 4] in (b"\x07\x08", b"\x03\x04", b"\x01\x02"):
            found.append(i)
        i = buf.find(b"PK", i + 1)
    return found

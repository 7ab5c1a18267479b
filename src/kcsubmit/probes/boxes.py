"""One walk of an MP4/QuickTime box tree before MediaInfo reads it.

MediaInfo trusts the entry count of a table: a count of billions in a box of a few
bytes makes it loop for minutes or allocate gigabytes (docs/fuzzing.md, F4-F7).
This walk reads the top-level box headers (media data is skipped by seeking) and the
boxes that hold tables (``moov``, ``moof``, ``mfra``: small, a few MB for a long clip),
and reports the first table whose entries cannot fit in the bytes its box declares
(clipped to its parent).  A file cut short is not judged here: entries missing past
the end of the file are MediaInfo's "truncated".  On the way it records, through
probes/movie.py, the brands, where the media data lies and a summary of each track
(probes/samples.py makes facts of them); it judges nothing else.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from . import movie as movie_mod

# Boxes whose children are boxes (``meta`` is a full box in MP4, a plain one in QuickTime).
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"udta",
              b"moof", b"traf", b"mfra", b"meta", b"tref", b"sinf", b"schi"}
READ = {b"moov", b"moof", b"mfra"}  # top-level boxes read and walked
BOX_CAP = 256 << 20  # a top-level box holding more than this is not read here (MediaInfo still reads it)
TOP_LEVEL_CAP = 100_000  # top-level boxes before the walk stops
DEPTH_CAP = 16


@dataclass(frozen=True)
class BadTable:
    """A table whose declared entries do not fit in its box."""

    box: str
    count: int
    room: int


# A table's layout from its body (version, flags, fields): (count, offset of the first entry
# from the body, bits per entry (at least)); None when the body is too short to say.
Layout = Callable[[bytes, int], "tuple[int, int, int] | None"]


def _u32(data: bytes, at: int) -> int | None:
    return struct.unpack_from(">I", data, at)[0] if at + 4 <= len(data) else None


def _simple(entry_bytes: int, v1_bytes: int | None = None) -> Layout:
    """Version/flags, a 32-bit count, entries of a fixed size."""
    def layout(data: bytes, body: int) -> tuple[int, int, int] | None:
        count = _u32(data, body + 4)
        if count is None:
            return None
        size = v1_bytes if v1_bytes is not None and data[body] == 1 else entry_bytes
        return count, 8, 8 * size
    return layout


def _sbgp(data: bytes, body: int) -> tuple[int, int, int] | None:
    at = body + (12 if data[body] == 1 else 8)  # grouping type, (v1) its parameter, then the count
    count = _u32(data, at)
    return None if count is None else (count, at - body + 4, 64)


def _sgpd(data: bytes, body: int) -> tuple[int, int, int] | None:
    version = data[body]
    if version == 1:
        length, count = _u32(data, body + 8), _u32(data, body + 12)
        if length is None or count is None:
            return None
        return count, 16, 8 * (length or 4)  # a 4-byte length before each entry when no default
    at = body + (16 if version >= 2 else 8)
    count = _u32(data, at)
    return None if count is None else (count, at - body + 4, 8)


def _saio(data: bytes, body: int) -> tuple[int, int, int] | None:
    at = body + (12 if data[body + 3] & 1 else 4)  # flag 1: aux_info_type and its parameter first
    count = _u32(data, at)
    return None if count is None else (count, at - body + 4, 64 if data[body] == 1 else 32)


def _saiz(data: bytes, body: int) -> tuple[int, int, int] | None:
    at = body + (12 if data[body + 3] & 1 else 4)
    if at + 5 > len(data):
        return None
    default, count = data[at], _u32(data, at + 1)
    return None if count is None else (count, at - body + 5, 0 if default else 8)


def _stsz(data: bytes, body: int) -> tuple[int, int, int] | None:
    size, count = _u32(data, body + 4), _u32(data, body + 8)
    return None if size is None or count is None else (count, 12, 0 if size else 32)


def _stz2(data: bytes, body: int) -> tuple[int, int, int] | None:
    if body + 12 > len(data):
        return None
    return _u32(data, body + 8) or 0, 12, data[body + 7]  # field size in bits: 4, 8 or 16


def _trun(data: bytes, body: int) -> tuple[int, int, int] | None:
    count = _u32(data, body + 4)
    if count is None:
        return None
    flags = int.from_bytes(data[body + 1:body + 4], "big")
    head = 8 + 4 * bool(flags & 0x1) + 4 * bool(flags & 0x4)
    per_sample = 4 * sum(bool(flags & bit) for bit in (0x100, 0x200, 0x400, 0x800))
    return count, head, 8 * per_sample


def _tfra(data: bytes, body: int) -> tuple[int, int, int] | None:
    sizes, count = _u32(data, body + 8), _u32(data, body + 12)
    if sizes is None or count is None:
        return None
    entry = (16 if data[body] == 1 else 8) + ((sizes >> 4) & 3) + ((sizes >> 2) & 3) + (sizes & 3) + 3
    return count, 16, 8 * entry


TABLES: dict[bytes, Layout] = {
    b"stts": _simple(8), b"ctts": _simple(8), b"stsc": _simple(12), b"stco": _simple(4), b"co64": _simple(8),
    b"stss": _simple(4), b"stps": _simple(4), b"stsh": _simple(8), b"elst": _simple(12, 20),
    b"stsd": _simple(8), b"dref": _simple(8), b"subs": _simple(6), b"keys": _simple(8),
    b"sbgp": _sbgp, b"sgpd": _sgpd, b"saio": _saio, b"saiz": _saiz, b"stsz": _stsz, b"stz2": _stz2,
    b"trun": _trun, b"tfra": _tfra,
}


def top_level(file: IO[bytes]) -> Iterator[tuple[bytes, int, int]]:
    """(type, start of the body, declared end) of each top-level box, up to the first nonsense."""
    end = file.seek(0, os.SEEK_END)
    at = 0
    for _ in range(TOP_LEVEL_CAP):
        header = _header(file, at, end)
        if header is None:
            return
        yield header
        if header[2] <= at:
            return
        at = header[2]


@dataclass
class Scan:
    """What one walk found: the first impossible table, where media data starts (each
    ``mdat``'s body and the first chunk of each track: where MediaInfo reads frames),
    the declared extent of each ``mdat`` body, the top-level box types, and the movie."""

    bad: BadTable | None = None
    media_starts: list[int] = field(default_factory=list)
    media_data: list[tuple[int, int]] = field(default_factory=list)  # (body, declared end)
    top: set[bytes] = field(default_factory=set)
    movie: movie_mod.Movie = field(default_factory=movie_mod.Movie)


def scan(file: IO[bytes]) -> Scan:
    """Walk the boxes once; stops at the first impossible table."""
    result = Scan()
    end = file.seek(0, os.SEEK_END)
    for kind, body, declared_end in list(top_level(file)):
        result.top.add(kind)
        if kind == b"mdat":
            result.media_starts.append(body)
            result.media_data.append((body, declared_end))
        elif kind == b"ftyp" and result.movie.major is None:
            file.seek(body)
            data = file.read(min(declared_end - body, 8 + 4 * movie_mod.BRANDS_CAP))
            movie_mod.read(result.movie, kind, data, 0, len(data))
        elif kind in READ:
            available = min(declared_end, end) - body
            if available > BOX_CAP:
                continue
            file.seek(body)
            result.bad = _walk(file.read(available), 0, declared_end - body, 0, result)
            if result.bad:
                break
    return result


def _header(file: IO[bytes], at: int, end: int) -> tuple[bytes, int, int] | None:
    """(type, start of the body, declared end) of the box at ``at``; None at the end or on nonsense."""
    if at + 8 > end:
        return None
    file.seek(at)
    raw = file.read(16)
    if len(raw) < 8:
        return None
    size, kind = struct.unpack_from(">I4s", raw)
    body = at + 8
    if size == 1:  # a 64-bit size follows the type
        if len(raw) < 16:
            return None
        size = struct.unpack_from(">Q", raw, 8)[0]
        body = at + 16
    elif size == 0:  # to the end of the file
        size = end - at
    if size < body - at:
        return None
    return kind, body, at + size


def _walk(data: bytes, at: int, end: int, depth: int, found: Scan) -> BadTable | None:
    """Boxes from ``at`` to ``end`` (declared, may lie past the bytes read: a cut file);
    the first chunk offset of each chunk table goes to ``found.media_starts``, what the
    movie needs of each box to ``found.movie``."""
    while at + 8 <= min(end, len(data)) and depth < DEPTH_CAP:
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1:
            if at + 16 > len(data):
                return None
            size, head = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < head:
            return None  # nonsense from here on: MediaInfo stops at it too
        body, limit = at + head, min(at + size, end)  # a box reaches no further than its parent
        if kind in CONTAINERS:
            if kind == b"meta" and data[body:body + 4] == b"\0\0\0\0":
                body += 4  # MP4's meta: version and flags first
            found.movie.enter(kind)
            bad = _walk(data, body, limit, depth + 1, found)
            if bad:
                return bad
        elif kind in TABLES and body + 4 <= len(data):
            bad = _table(kind, data, body, limit)
            if bad:
                return bad
            if kind in (b"stco", b"co64") and (_u32(data, body + 4) or 0) > 0 and body + 16 <= len(data):
                first = data[body + 8:body + (12 if kind == b"stco" else 16)]
                found.media_starts.append(int.from_bytes(first, "big"))
        if kind in movie_mod.READERS and body + 8 <= len(data):
            movie_mod.read(found.movie, kind, data, body, limit)
        at += size
    return None


def _table(kind: bytes, data: bytes, body: int, limit: int) -> BadTable | None:
    layout = TABLES[kind](data, body)
    if layout is None:
        return None
    count, first, bits = layout
    room_bits = max(0, limit - body - first) * 8
    if bits and count * bits > room_bits:
        return BadTable(kind.decode("latin-1"), count, room_bits // bits)
    return None

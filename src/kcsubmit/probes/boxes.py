"""A sanity walk of an MP4/QuickTime box tree before MediaInfo reads it.

MediaInfo trusts the entry count of a sample table: a count of 4 billion in a box
of a few bytes makes it loop for minutes (docs/fuzzing.md, F4).  This walk reads
the box headers only (the media data is skipped by seeking) and the movie box
(``moov``, small: a few MB for a long clip) and reports the first table whose count
cannot fit in its box.  It decides nothing else: every other fact is MediaInfo's.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from typing import BinaryIO

# Boxes whose children are boxes.
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex", b"udta"}
# Full boxes: (bytes per entry for version 0, for version 1) after a 4-byte entry count.
TABLES = {b"stts": (8, 8), b"ctts": (8, 8), b"stsc": (12, 12), b"stco": (4, 4), b"co64": (8, 8),
          b"stss": (4, 4), b"stps": (4, 4), b"elst": (12, 20), b"stsd": (8, 8), b"dref": (8, 8)}
MOOV_CAP = 256 << 20  # a movie box larger than this is not read here (MediaInfo still reads it)
TOP_LEVEL_CAP = 10_000  # boxes at the top level before the walk gives up looking for moov


@dataclass(frozen=True)
class BadTable:
    """A table whose declared entries do not fit in its box."""

    box: str
    count: int
    room: int


def find_bad_table(file: BinaryIO) -> BadTable | None:
    """The first impossible table of the movie box, or None (also when there is no movie box)."""
    end = file.seek(0, os.SEEK_END)
    at = 0
    for _ in range(TOP_LEVEL_CAP):
        header = _header(file, at, end)
        if header is None:
            return None
        kind, body, box_end = header
        if kind == b"moov":
            if box_end - body > MOOV_CAP:
                return None
            file.seek(body)
            return _walk(file.read(box_end - body), 0)
        at = box_end
    return None


def _header(file: BinaryIO, at: int, end: int) -> tuple[bytes, int, int] | None:
    """(type, start of the body, end of the box) of the box at ``at``; None at the end or on nonsense."""
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
    return kind, body, min(at + size, end)


def _walk(data: bytes, depth: int) -> BadTable | None:
    at = 0
    while at + 8 <= len(data) and depth < 16:
        size, kind = struct.unpack_from(">I4s", data, at)
        head = 8
        if size == 1 and at + 16 <= len(data):
            size, head = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = len(data) - at
        if size < head:
            return None  # nonsense from here on: MediaInfo stops at it too
        body, box_end = at + head, min(at + size, len(data))
        whole = at + size <= len(data)  # a box cut off by a truncated file is MediaInfo's to judge
        if kind in CONTAINERS:
            found = _walk(data[body:box_end], depth + 1)
            if found:
                return found
        elif kind in TABLES and whole and box_end - body >= 8:
            version = data[body]
            count = struct.unpack_from(">I", data, body + 4)[0]
            entry = TABLES[kind][1 if version == 1 else 0]
            room = (box_end - body - 8) // entry
            if count > room:
                return BadTable(kind.decode("latin-1"), count, room)
        elif kind == b"stsz" and whole and box_end - body >= 12:
            sample_size, count = struct.unpack_from(">II", data, body + 4)
            room = (box_end - body - 12) // 4
            if sample_size == 0 and count > room:
                return BadTable("stsz", count, room)
        at += size
    return None

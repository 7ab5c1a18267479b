"""Bytes MediaInfo is not shown: the encoder's text in an H.264 stream.

x264 (and Elecard's eavc) write their name and settings as an SEI message, a
user-data block tagged with a UUID. MediaInfo parses that text, and a crafted
settings string makes it loop for ever (docs/fuzzing.md, F2). None of our facts
come from it, so the UUID is altered in what MediaInfo reads (the file is never
written): MediaInfo then skips the block as unknown user data.  The SEI leads the
first frame, so it is looked for in the first 64 KB after each place where frames
start (each ``mdat`` and each track's first chunk, from ``boxes.scan``): about
0.1 ms a file.
"""

from __future__ import annotations

import io
from typing import IO, Any

# How the UUIDs are stored (MediaInfo compares them read as little-endian numbers).
ENCODER_UUIDS = (bytes.fromhex("dc45e9bde6d948b7962cd820d923eeef"),  # x264
                 bytes.fromhex("fb574a60ac924e68"))  # eavc: the half MediaInfo looks at
SEARCHED = 64 << 10  # after each place where frames start: the SEI leads the first frame


def encoder_text_offsets(file: IO[bytes], media_starts: list[int]) -> list[int]:
    """Offsets of encoder-text UUIDs just after each place where media data starts (the
    start of each ``mdat`` and the first chunk of each track, from ``boxes.scan``)."""
    found: set[int] = set()
    for start in sorted(set(media_starts)):
        file.seek(start)
        window = file.read(SEARCHED)
        for uuid in ENCODER_UUIDS:
            at = window.find(uuid)
            while at != -1:
                found.add(start + at)
                at = window.find(uuid, at + 1)
    return sorted(found)


class Masked(io.RawIOBase):
    """``file`` read as if the byte at each offset in ``offsets`` were inverted."""

    def __init__(self, file: IO[bytes] | io.RawIOBase, offsets: list[int]) -> None:
        self.file, self.offsets = file, offsets

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.file.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def readinto(self, buffer: Any) -> int:
        start = self.file.tell()
        data = bytearray(self.file.read(len(buffer)))
        for at in self.offsets:
            if start <= at < start + len(data):
                data[at - start] ^= 0xFF
        buffer[:len(data)] = data
        return len(data)

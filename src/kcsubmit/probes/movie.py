"""What the box walk (probes/boxes.py) records of an MP4/QuickTime movie.

The walk hands each header or table box it meets to :func:`read`, which keeps, per track,
only summaries of fixed size: the handler, the timescale, the durations its headers claim,
the edit list, the sample count, the total of the sample sizes, the range of the chunk
offsets, and the sample durations (count, total, shortest, longest).  Fragments (``moof``)
add their ``trun`` samples to the track their ``tfhd`` names, with the ``tfhd``/``trex``
defaults.  Tables are read in slices of ``SLICE`` entries, so a table of millions of
entries (already in memory as part of ``moov``) costs no second copy of itself.

Nothing here judges: probes/samples.py turns these records into facts.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import mul

SLICE = 1 << 16  # table entries read at a time
EDITS_CAP = 64  # an edit list longer than this is not a phone's or an editor's: not used
BRANDS_CAP = 64
CHUNK_STRIDE = 16  # chunk offsets looked at: the first, the last and every 16th


def _u32(data: bytes, at: int) -> int:
    return struct.unpack_from(">I", data, at)[0]


def _u32s(data: bytes, at: int, count: int, end: int) -> array:
    """``count`` big-endian 32-bit numbers from ``at`` (as many as there are before ``end``)."""
    count = max(0, min(count, (end - at) // 4))
    numbers = array("I")
    numbers.frombytes(data[at:at + 4 * count])
    if sys.byteorder == "little":
        numbers.byteswap()
    return numbers


@dataclass
class Timing:
    """Sample durations in the track's ticks: the first and the last sample are left out of
    the shortest, longest and mean (muxers set them oddly: ffmpeg stretches a fragmented
    clip's first frame over the audio's priming, and guesses the last one)."""

    samples: int = 0
    ticks: int = 0  # every sample
    first: int = 0
    last: int | None = None  # the latest sample's duration, held back from the statistics
    shortest: int | None = None
    longest: int | None = None

    def _seen(self, low: int, high: int) -> None:
        self.shortest = low if self.shortest is None else min(self.shortest, low)
        self.longest = high if self.longest is None else max(self.longest, high)

    def _take_first(self, delta: int) -> None:
        self.first, self.samples, self.ticks = delta, 1, delta

    def _hold(self, last: int) -> None:
        if self.last is not None:  # no longer the last: one of the middle
            self._seen(self.last, self.last)
        self.last = last

    def runs(self, counts: array, deltas: array) -> None:
        """Entries of ``stts``: ``counts[i]`` samples of ``deltas[i]`` ticks each."""
        if 0 in counts:  # legal and useless: dropped
            kept = [(c, d) for c, d in zip(counts, deltas) if c]
            counts, deltas = array("I", (c for c, _ in kept)), array("I", (d for _, d in kept))
        if counts and not self.samples:
            self._take_first(deltas[0])
            counts = counts[1:] if counts[0] == 1 else array("I", [counts[0] - 1]) + counts[1:]
            deltas = deltas[1:] if len(counts) < len(deltas) else deltas
        if not counts:
            return
        body = deltas[:len(deltas) - 1] if counts[-1] == 1 else deltas  # one sample of the last held back
        if body:
            self._seen(min(body), max(body))
        self.samples += sum(counts)
        self.ticks += sum(map(mul, counts, deltas))
        self._hold(deltas[-1])

    def each(self, deltas: array) -> None:
        """Per-sample durations (a ``trun``)."""
        if deltas and not self.samples:
            self._take_first(deltas[0])
            deltas = deltas[1:]
        if not deltas:
            return
        if len(deltas) > 1:
            body = deltas[:-1]
            self._seen(min(body), max(body))
        self.samples += len(deltas)
        self.ticks += sum(deltas)
        self._hold(deltas[-1])

    @property
    def middle(self) -> tuple[int, int]:
        """(samples, ticks) but the first and the last."""
        if self.samples < 3 or self.last is None:
            return 0, 0
        return self.samples - 2, self.ticks - self.first - self.last


@dataclass
class Track:
    id: int | None = None
    handler: bytes = b""
    timescale: int = 0
    duration: int = 0  # mdhd, in the track's timescale
    header_duration: int = 0  # tkhd, in the movie's timescale
    edits: list[tuple[int, int, float]] | None = None  # (segment duration, media time, rate)
    composition_shift: int = 0  # ctts: the largest offset of a frame's display time
    sample_count: int = 0  # stsz
    sample_bytes: int = 0
    chunks: int = 0
    chunk_min: int | None = None
    chunk_max: int | None = None
    timing: Timing = field(default_factory=Timing)
    trex: tuple[int, int] = (0, 0)  # default sample duration and size of fragments


@dataclass
class Fragment:
    """The ``traf`` being read: its track and its default sample duration."""

    track: Track | None = None
    duration: int = 0


@dataclass
class Movie:
    major: str | None = None  # ftyp: major brand, then the compatible brands
    compatible: list[str] = field(default_factory=list)
    timescale: int = 0
    duration: int = 0  # mvhd, in the movie's timescale
    tracks: list[Track] = field(default_factory=list)
    by_id: dict[int, Track] = field(default_factory=dict)
    fragment: Fragment = field(default_factory=Fragment)

    def enter(self, kind: bytes) -> None:
        """A ``trak`` or ``traf`` starts."""
        if kind == b"trak":
            self.tracks.append(Track())
        elif kind == b"traf":
            self.fragment = Fragment()

    @property
    def track(self) -> Track:
        if not self.tracks:
            self.tracks.append(Track())
        return self.tracks[-1]

    def track_of(self, track_id: int) -> Track:
        if track_id not in self.by_id:
            self.tracks.append(Track(id=track_id))
            self.by_id[track_id] = self.tracks[-1]
        return self.by_id[track_id]


def _brand(raw: bytes) -> str:
    return raw.decode("latin-1").rstrip(" \0")


def _ftyp(movie: Movie, data: bytes, body: int, end: int) -> None:
    movie.major = _brand(data[body:body + 4])
    at = body + 8
    while at + 4 <= end and len(movie.compatible) < BRANDS_CAP:
        movie.compatible.append(_brand(data[at:at + 4]))
        at += 4


def _time_header(data: bytes, body: int) -> tuple[int, int]:
    """(timescale, duration) of an ``mvhd`` or ``mdhd``."""
    if data[body] == 1:
        return _u32(data, body + 20), struct.unpack_from(">Q", data, body + 24)[0]
    return _u32(data, body + 12), _u32(data, body + 16)


def _mvhd(movie: Movie, data: bytes, body: int, end: int) -> None:
    movie.timescale, movie.duration = _time_header(data, body)


def _mdhd(movie: Movie, data: bytes, body: int, end: int) -> None:
    movie.track.timescale, movie.track.duration = _time_header(data, body)


def _tkhd(movie: Movie, data: bytes, body: int, end: int) -> None:
    track = movie.track
    if data[body] == 1:
        track.id, track.header_duration = _u32(data, body + 20), struct.unpack_from(">Q", data, body + 28)[0]
    else:
        track.id, track.header_duration = _u32(data, body + 12), _u32(data, body + 20)
    movie.by_id.setdefault(track.id, track)


def _hdlr(movie: Movie, data: bytes, body: int, end: int) -> None:
    if movie.tracks:  # a hdlr of a meta box outside any track says nothing of a track
        movie.track.handler = movie.track.handler or data[body + 8:body + 12]


def _elst(movie: Movie, data: bytes, body: int, end: int) -> None:
    count, wide = _u32(data, body + 4), data[body] == 1
    if count > EDITS_CAP:
        return
    form, size = (">QqhH", 20) if wide else (">IihH", 12)
    edits = []
    for at in range(body + 8, min(body + 8 + count * size, end - size + 1), size):
        duration, media_time, whole, fraction = struct.unpack_from(form, data, at)
        edits.append((duration, media_time, whole + fraction / 65536))
    movie.track.edits = edits


def _entries(data: bytes, at: int, end: int, size: int) -> int:
    """The entries of ``size`` bytes from ``at`` that the table declares and the bytes hold."""
    return max(0, min(_u32(data, at - 4), (end - at) // size))


def _stts(movie: Movie, data: bytes, body: int, end: int) -> None:
    at, timing = body + 8, movie.track.timing
    count = _entries(data, at, end, 8)
    for start in range(0, count, SLICE):
        pairs = _u32s(data, at + 8 * start, 2 * min(SLICE, count - start), end)
        timing.runs(pairs[0::2], pairs[1::2])


def _ctts(movie: Movie, data: bytes, body: int, end: int) -> None:
    at, track = body + 8, movie.track
    count = _entries(data, at, end, 8)
    for start in range(0, count, SLICE):
        pairs = _u32s(data, at + 8 * start, 2 * min(SLICE, count - start), end)
        offsets = pairs[1::2]
        if data[body] == 1:  # version 1: signed offsets
            offsets = array("i", offsets.tobytes())
        if offsets:
            track.composition_shift = max(track.composition_shift, max(offsets))


def _stsz(movie: Movie, data: bytes, body: int, end: int) -> None:
    size, count, track = _u32(data, body + 4), _u32(data, body + 8), movie.track
    track.sample_count = count
    if size:
        track.sample_bytes = size * count
        return
    for start in range(0, min(count, (end - body - 12) // 4), SLICE):
        track.sample_bytes += sum(_u32s(data, body + 12 + 4 * start, min(SLICE, count - start), end))


def _stz2(movie: Movie, data: bytes, body: int, end: int) -> None:
    bits, count, track = data[body + 7], _u32(data, body + 8), movie.track
    track.sample_count = count
    packed = data[body + 12:min(end, body + 12 + (count * bits + 7) // 8)]
    if bits == 4:
        track.sample_bytes = sum(b >> 4 for b in packed) + sum(b & 15 for b in packed)
        if count % 2 and packed:
            track.sample_bytes -= packed[-1] & 15  # the padding nibble
    elif bits in (8, 16):
        track.sample_bytes = sum(packed) if bits == 8 else sum(struct.unpack(f">{len(packed) // 2}H",
                                                                             packed[:len(packed) // 2 * 2]))


def _chunks(movie: Movie, data: bytes, body: int, end: int, wide: bool) -> None:
    """The range of a chunk table, from its first and last entries and every ``CHUNK_STRIDE``-th
    between: a table spliced from another file or zeroed by a repair tool shows there, and a
    long clip's tables are not read number by number (the walk stays well under a millisecond)."""
    track, size = movie.track, 8 if wide else 4
    count = _entries(data, body + 8, end, size)
    if not count:
        return
    at = body + 8
    if wide:
        picked = [struct.unpack_from(">Q", data, at + 8 * i)[0]
                  for i in (*range(0, count, CHUNK_STRIDE), count - 1)]
    else:
        raw = _u32s(data, at, count, end)
        picked = [*raw[::CHUNK_STRIDE], raw[-1]]
    track.chunks += count
    low, high = min(picked), max(picked)
    track.chunk_min = low if track.chunk_min is None else min(track.chunk_min, low)
    track.chunk_max = high if track.chunk_max is None else max(track.chunk_max, high)


def _trex(movie: Movie, data: bytes, body: int, end: int) -> None:
    movie.track_of(_u32(data, body + 4)).trex = (_u32(data, body + 12), _u32(data, body + 16))


def _tfhd(movie: Movie, data: bytes, body: int, end: int) -> None:
    flags = int.from_bytes(data[body + 1:body + 4], "big")
    track = movie.track_of(_u32(data, body + 4))
    at = body + 8 + 8 * bool(flags & 0x1) + 4 * bool(flags & 0x2)
    duration = _u32(data, at) if flags & 0x8 else track.trex[0]
    movie.fragment = Fragment(track, duration)


def _trun(movie: Movie, data: bytes, body: int, end: int) -> None:
    fragment = movie.fragment
    if fragment.track is None:
        return
    flags, count = int.from_bytes(data[body + 1:body + 4], "big"), _u32(data, body + 4)
    at = body + 8 + 4 * bool(flags & 0x1) + 4 * bool(flags & 0x4)
    stride = sum(bool(flags & bit) for bit in (0x100, 0x200, 0x400, 0x800))
    timing = fragment.track.timing
    if not flags & 0x100:
        if fragment.duration:
            timing.runs(array("I", [count]), array("I", [fragment.duration]))
        return
    for start in range(0, min(count, (end - at) // (4 * stride)), SLICE):
        fields = _u32s(data, at + 4 * stride * start, stride * min(SLICE, count - start), end)
        timing.each(fields[0:len(fields) - len(fields) % stride:stride])


Reader = Callable[[Movie, bytes, int, int], None]
READERS: dict[bytes, Reader] = {
    b"ftyp": _ftyp, b"mvhd": _mvhd, b"mdhd": _mdhd, b"tkhd": _tkhd, b"hdlr": _hdlr, b"elst": _elst,
    b"stts": _stts, b"ctts": _ctts, b"stsz": _stsz, b"stz2": _stz2, b"trex": _trex, b"tfhd": _tfhd, b"trun": _trun,
    b"stco": lambda m, d, b, e: _chunks(m, d, b, e, False), b"co64": lambda m, d, b, e: _chunks(m, d, b, e, True),
}


def read(movie: Movie, kind: bytes, data: bytes, body: int, end: int) -> None:
    """Record what ``movie`` needs of the box ``kind`` whose body runs from ``body`` to ``end``
    in ``data`` (clipped to its parent; fewer bytes when the file is cut short).  A field
    missing from a short box is not recorded, never an error."""
    try:
        READERS[kind](movie, data, body, min(end, len(data)))
    except (struct.error, IndexError, ValueError, OverflowError):
        pass

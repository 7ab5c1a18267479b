"""The box walk that runs before MediaInfo (probes/boxes.py): it flags impossible tables
and nothing else, whatever the layout of a sound file."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from kcsubmit.probes import boxes
from kcsubmit.probes.video import probe

from conftest import rule_ids


def _boxes(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of the top-level boxes."""
    out, at = [], 0
    while at + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, at)
        out.append((kind, at, size))
        at += size
    return out


@pytest.mark.parametrize("faststart", [True, False], ids=["moov-first", "moov-last"])
def test_sound_clips_pass(make_video: Callable[..., Path], faststart: bool) -> None:
    clip = make_video("boxes.mp4", faststart=faststart)
    with open(clip, "rb") as f:
        assert boxes.scan(f).bad is None


def test_mov_passes(make_video: Callable[..., Path]) -> None:
    with open(make_video("boxes.mov", container="mov"), "rb") as f:
        assert boxes.scan(f).bad is None


def test_64_bit_and_to_the_end_sizes_are_followed(make_video: Callable[..., Path]) -> None:
    """mdat written with a 64-bit size, then moov with size 0 ("to the end of the file")."""
    data = make_video("boxes.mp4", faststart=False).read_bytes()
    layout = {kind: (at, size) for kind, at, size in _boxes(data)}
    at, size = layout[b"mdat"]
    mdat = struct.pack(">I4sQ", 1, b"mdat", size + 8) + data[at + 8:at + size]
    at_moov, moov_size = layout[b"moov"]
    moov = struct.pack(">I4s", 0, b"moov") + data[at_moov + 8:at_moov + moov_size]
    rebuilt = data[:at] + mdat + moov
    assert boxes.scan(io.BytesIO(rebuilt)).bad is None
    bad = bytearray(rebuilt)
    stco = bytes(bad).index(b"stco") - 4
    struct.pack_into(">I", bad, stco + 12, 10_000_000)
    found = boxes.scan(io.BytesIO(bytes(bad))).bad
    assert found is not None and (found.box, found.count) == ("stco", 10_000_000), found


@pytest.mark.parametrize("table", ["stsz", "stsc", "stss", "stco"])
def test_each_table_is_measured(make_video: Callable[..., Path], table: str, short_profile: object,
                                tmp_path: Path) -> None:
    data = bytearray(make_video("boxes.mp4").read_bytes())
    if table.encode() not in data:
        pytest.skip(f"the clip has no {table}")
    at = data.index(table.encode()) - 4
    field = at + (16 if table == "stsz" else 12)  # stsz: sample size first, then the count
    struct.pack_into(">I", data, field, 0xFFFFFF00)
    clip = tmp_path / "人工智能.mp4"
    clip.write_bytes(bytes(data))
    facts = probe(clip)
    assert facts["damaged"]["box"] == table and facts["damaged"]["count"] == 0xFFFFFF00, facts
    assert rule_ids(clip, short_profile) == {"V002"}


def test_a_cut_movie_box_is_left_to_mediainfo(make_video: Callable[..., Path], tmp_path: Path) -> None:
    """A copy cut inside moov is "truncated" (MediaInfo's word), not a damaged table."""
    data = make_video("boxes.mp4", faststart=False).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[:len(data) - 40])
    facts = probe(cut)
    assert "damaged" not in facts

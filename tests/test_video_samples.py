"""What the box walk reads of the sample tables (probes/movie.py, probes/samples.py), on
clips made with the bundled ffmpeg and then rewritten the way real files come:
brands (V001 by content), tables pointing outside the file (V002), frame timestamps
(V013) and durations held by the samples (V005/V006)."""

from __future__ import annotations

import io
import struct
import subprocess
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from kcsubmit.engine import check
from kcsubmit.i18n import finding_message
from kcsubmit.probes import boxes
from kcsubmit.probes.video import probe

import videogen
from conftest import rule_ids


def _find(data: bytes | bytearray, kind: bytes, at: int = 0, end: int | None = None) -> list[int]:
    """Offsets of every ``kind`` box, through the container boxes."""
    found, end = [], len(data) if end is None else end
    while at + 8 <= end:
        size, name = struct.unpack_from(">I4s", data, at)
        if size < 8:
            break
        if name == kind:
            found.append(at)
        if name in boxes.CONTAINERS and name != b"meta":
            found += _find(data, kind, at + 8, at + size)
        at += size
    return found


def _ffmpeg(*args: str) -> None:
    subprocess.run([videogen.ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
                   check=True, capture_output=True)


def _only(path: Path, profile: object, rule: str):
    findings = check([path], rules=profile).files[0].findings
    assert [f.rule for f in findings] == [rule], findings
    return findings[0]


# ---- V001: an MP4 by content -----------------------------------------------------------------

def _with_brands(clip: Path, out: Path, major: bytes, compatible: list[bytes] | None = None) -> Path:
    """The clip with its ftyp's major brand (and, given, its compatible brands) rewritten."""
    data = bytearray(clip.read_bytes())
    assert data[4:8] == b"ftyp"
    data[8:12] = major
    for i, brand in enumerate(compatible or []):
        data[16 + 4 * i:20 + 4 * i] = brand
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("major,compatible", [
    (b"mp4v", None), (b"M4V ", None), (b"avc1", None), (b"3gp5", None),
    (b"3gp5", [b"3gp5", b"3gp4", b"3gp5", b"3gp4"]),  # 3GPP is ISO base media too
], ids=["mp4v", "M4V", "avc1", "3gp5", "3gp5-only-3gpp"])
def test_iso_brands_are_mp4(good_video: Path, short_profile: object, tmp_path: Path,
                            major: bytes, compatible: list[bytes] | None) -> None:
    clip = _with_brands(good_video, tmp_path / "人工智能.mp4", major, compatible)
    assert rule_ids(clip, short_profile) == set()
    facts = probe(clip)
    assert (facts["container"], facts["brand"]) == ("MPEG-4", major.decode().strip())


@pytest.mark.parametrize("major,compatible", [
    (b"qt  ", None),  # QuickTime, whatever else it claims to be compatible with
    (b"abcd", [b"abcd"] * 4),  # nothing ISO about it
], ids=["qt", "unknown"])
def test_other_brands_are_v001(good_video: Path, short_profile: object, tmp_path: Path,
                               major: bytes, compatible: list[bytes] | None) -> None:
    clip = _with_brands(good_video, tmp_path / "人工智能.mp4", major, compatible)
    finding = _only(clip, short_profile, "V001")
    assert finding.actual == ("QuickTime" if major == b"qt  " else "abcd")


def test_no_file_type_box_is_quicktime(good_video: Path, short_profile: object, tmp_path: Path) -> None:
    """The classic QuickTime layout: no ftyp at all."""
    data = bytearray(good_video.read_bytes())
    data[4:8] = b"free"
    clip = tmp_path / "人工智能.mp4"
    clip.write_bytes(bytes(data))
    assert _only(clip, short_profile, "V001").actual == "QuickTime"


# ---- V002: sample tables that point outside the file -------------------------------------------

def _rewrite_entries(clip: Path, out: Path, kind: bytes, change: Callable[[int, int], int]) -> Path:
    """The clip with every entry of its first ``kind`` table (stco or stsz) rewritten."""
    data = bytearray(clip.read_bytes())
    at = _find(data, kind)[0]
    first = at + (20 if kind == b"stsz" else 16)
    count = struct.unpack_from(">I", data, first - 4)[0]
    for i in range(count):
        struct.pack_into(">I", data, first + 4 * i, change(struct.unpack_from(">I", data, first + 4 * i)[0], i))
    out.write_bytes(bytes(data))
    return out


def test_chunk_offsets_of_zero_are_v002(good_video: Path, short_profile: object, tmp_path: Path) -> None:
    clip = _rewrite_entries(good_video, tmp_path / "a.mp4", b"stco", lambda offset, i: 0)
    finding = _only(clip, short_profile, "V002")
    assert finding.variant == "outside_chunk" and finding.values["offset"] == 0
    assert "0" in finding_message(finding, "en")


def test_chunk_offsets_inside_the_movie_box_are_v002(good_video: Path, short_profile: object,
                                                     tmp_path: Path) -> None:
    moov = _find(good_video.read_bytes(), b"moov")[0]
    clip = _rewrite_entries(good_video, tmp_path / "a.mp4", b"stco", lambda offset, i: moov + 8 + i)
    finding = _only(clip, short_profile, "V002")
    assert finding.variant == "outside_chunk" and finding.values["offset"] == moov + 8


def test_inflated_sample_sizes_are_v002(good_video: Path, short_profile: object, tmp_path: Path) -> None:
    clip = _rewrite_entries(good_video, tmp_path / "a.mp4", b"stsz", lambda size, i: size * 40)
    finding = _only(clip, short_profile, "V002")
    assert finding.variant == "outside_sizes"
    facts = probe(clip)["samples_outside"]
    assert facts["bytes"] > facts["room"] and facts["room"] < clip.stat().st_size


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_a_file_cut_short_stays_truncated(good_video: Path, short_profile: object, tmp_path: Path,
                                          fraction: float) -> None:
    cut = videogen.truncate(good_video, tmp_path / "cut.mp4", fraction)
    assert _only(cut, short_profile, "V002").variant == "truncated"
    assert "samples_outside" not in probe(cut)


# ---- V013 from the frame timestamps ------------------------------------------------------------

@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Clips made with ffmpeg the way phones and screen recorders time their frames."""
    folder = tmp_path_factory.mktemp("timing")
    made: dict[str, Path] = {}
    lavfi = ["-f", "lavfi", "-i"]
    x264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    tone = ["-f", "lavfi", "-i", "sine=sample_rate=48000", "-c:a", "aac", "-b:a", "48k"]

    def src(rate: str) -> str:
        return f"testsrc2=size=480x270:rate={rate},scale=1920:1080:flags=neighbor"

    def make(name: str) -> Path:
        if name in made:
            return made[name]
        out = folder / f"{name}.mp4"
        if name == "30-then-60":  # a concatenation of a 30 fps and a 60 fps segment
            parts = []
            for rate in ("30", "60"):
                part = folder / f"part{rate}.mp4"
                _ffmpeg(*lavfi, src(rate), "-t", "1.5", *x264, str(part))
                parts.append(part)
            listing = folder / "parts.txt"
            listing.write_text("".join(f"file '{p}'\n" for p in parts))
            _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-movflags", "+faststart",
                    str(out))
        elif name == "slow-motion":  # 25 fps, then every frame twice as long (a phone's slow part)
            _ffmpeg("-i", str(make("steady-25")), "-c", "copy",
                    "-bsf:v", r"setts=ts=if(lt(N\,30)\,N\,30+(N-30)*2)*512", "-movflags", "+faststart", str(out))
        elif name == "steady-25":
            _ffmpeg(*lavfi, src("25"), "-t", "3", *x264, "-video_track_timescale", "12800", str(out))
        elif name == "ntsc-jitter":  # 30000/1001, timestamps jittered: frames of 1001 ± 2 ticks
            _ffmpeg(*lavfi, src("30000/1001") + ",settb=1/30000,setpts='(N*1001+mod(N\\,2))/30000/TB'",
                    "-t", "3", *x264, "-fps_mode", "passthrough", "-enc_time_base:v", "1:30000",
                    "-video_track_timescale", "30000", str(out))
        elif name == "ntsc-600":  # 29.97 fps on the 1/600 s clock phones use: 20 and 21 ticks
            _ffmpeg(*lavfi, src("30000/1001"), "-t", "3", *x264, "-video_track_timescale", "600", str(out))
        elif name == "fragmented":  # ffmpeg stretches the first frame over the audio's priming
            _ffmpeg(*lavfi, src("30"), *tone[:4], "-t", "3", *x264, *tone[4:], "-shortest",
                    "-movflags", "frag_keyframe+empty_moov", "-g", "30", str(out))
        elif name == "fragmented-30-then-60":
            _ffmpeg("-i", str(make("30-then-60")), "-c", "copy", "-movflags", "frag_keyframe+empty_moov", str(out))
        else:
            raise ValueError(name)
        made[name] = out
        return out

    return make


@pytest.mark.parametrize("name,low,mean,high", [
    ("30-then-60", 30, 45, 60),
    ("slow-motion", 12.5, 15.5, 25),
    ("fragmented-30-then-60", 30, 45, 60),
])
def test_varying_frame_durations_are_v013(clips: Callable[[str], Path], short_profile: object, name: str,
                                          low: float, mean: float, high: float) -> None:
    report = check([clips(name)], rules=short_profile).files[0]
    finding = next(f for f in report.findings if f.rule == "V013")
    assert {f.rule for f in report.findings} <= {"V013", "V009"}  # no audio track in some
    facts = report.facts
    assert finding.variant == "vfr_measured" and facts["frame_rate_mode"] == "VFR"
    assert facts["fps_min"] == pytest.approx(low, abs=0.01)
    assert facts["fps_mean"] == pytest.approx(mean, rel=0.05)
    assert facts["fps_max"] == pytest.approx(high, abs=0.01)
    for lang in ("zh", "en"):
        text = finding_message(finding, lang)
        assert f"{low:g}" in text and f"{high:g}" in text, text


@pytest.mark.parametrize("name,fps", [
    ("steady-25", 25), ("ntsc-jitter", 29.97), ("ntsc-600", 29.97), ("fragmented", 30),
])
def test_steady_frame_durations_are_not_v013(clips: Callable[[str], Path], short_profile: object,
                                             name: str, fps: float) -> None:
    """±1 tick of jitter, a 1/600 s clock and ffmpeg's stretched first fragment are constant
    (MediaInfo calls the last three variable)."""
    facts = probe(clips(name))
    assert facts["frame_rate_mode"] == "CFR", facts
    assert facts["fps_mean"] == pytest.approx(fps, abs=0.01)
    assert "V013" not in rule_ids(clips(name), short_profile)


def test_fragmented_clip_is_measured_from_its_fragments(clips: Callable[[str], Path], short_profile: object) -> None:
    facts = probe(clips("fragmented"))
    assert facts["container"] == "MPEG-4" and "samples_outside" not in facts
    assert facts["duration_s"] == pytest.approx(3.0, abs=0.05)
    assert rule_ids(clips("fragmented"), short_profile) == set()


def _bare_movie(count: int) -> bytes:
    """ftyp and a moov holding one video track whose stts has ``count`` entries of one frame
    each, all 512 ticks but one of 1024 in the middle."""
    def box(kind: bytes, *parts: bytes) -> bytes:
        body = b"".join(parts)
        return struct.pack(">I4s", 8 + len(body), kind) + body

    entries = bytearray(struct.pack(">II", 1, 512) * count)
    struct.pack_into(">II", entries, 8 * (count // 2), 1, 1024)
    stts = box(b"stts", struct.pack(">II", 0, count), bytes(entries))
    mdhd = box(b"mdhd", struct.pack(">IIIII", 0, 0, 0, 12800, 512 * count), b"\0" * 4)
    hdlr = box(b"hdlr", struct.pack(">II4s", 0, 0, b"vide"), b"\0" * 13)
    trak = box(b"trak", box(b"mdia", mdhd, hdlr, box(b"minf", box(b"stbl", stts))))
    return box(b"ftyp", b"isom", b"\0\0\0\0", b"isom") + box(b"moov", trak)


def test_a_huge_time_table_is_read_in_bounded_time() -> None:
    """Two million stts entries (16 MB: an 18-hour clip at 30 fps, each frame its own entry)."""
    movie = _bare_movie(2_000_000)
    started = time.perf_counter()
    walked = boxes.scan(io.BytesIO(movie))
    elapsed = time.perf_counter() - started
    timing = walked.movie.tracks[0].timing
    assert (timing.samples, timing.shortest, timing.longest) == (2_000_000, 512, 1024)
    assert elapsed < 3.0, elapsed  # about 0.7 s on the 2-core test machine


def test_a_time_table_is_read_in_slices() -> None:
    """No copy of the table as Python numbers (its 200,000 would take 7 MB): the movie box
    read once (0.8 MB), then slices of 65,536 entries (about 1.3 MB at a time)."""
    movie = _bare_movie(100_000)
    tracemalloc.start()
    boxes.scan(io.BytesIO(movie))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < len(movie) + (2 << 20), (peak, len(movie))


# ---- V005/V006: the duration the samples hold --------------------------------------------------

def _claiming(clip: Path, out: Path, seconds: float, edits: bool = True) -> Path:
    """The clip with its movie, track and media headers (and edit lists) claiming ``seconds``."""
    data = bytearray(clip.read_bytes())
    mvhd = _find(data, b"mvhd")[0]
    movie_scale = struct.unpack_from(">I", data, mvhd + 20)[0]
    struct.pack_into(">I", data, mvhd + 24, round(seconds * movie_scale))
    for tkhd in _find(data, b"tkhd"):
        struct.pack_into(">I", data, tkhd + 28, round(seconds * movie_scale))
    for mdhd in _find(data, b"mdhd"):
        scale = struct.unpack_from(">I", data, mdhd + 20)[0]
        struct.pack_into(">I", data, mdhd + 24, round(seconds * scale))
    for elst in _find(data, b"elst") if edits else []:
        struct.pack_into(">I", data, elst + 16, round(seconds * movie_scale))
    out.write_bytes(bytes(data))
    return out


def test_headers_claiming_120s_over_59s_of_frames_are_v005(make_video: Callable[..., Path], tmp_path: Path) -> None:
    clip = _claiming(make_video("59s.mp4", duration=59), tmp_path / "人工智能.mp4", 120)
    assert probe(clip)["duration_s"] == pytest.approx(59, abs=0.05)
    finding = _only(clip, "2023", "V005")
    facts = check([clip], rules="2023").files[0].facts
    assert facts["duration_s"] == pytest.approx(59, abs=0.05) and facts["duration_header_s"] == 120
    assert finding.variant == "header"
    assert "59 s" in finding_message(finding, "en") and "2 min" in finding_message(finding, "en")
    assert "59秒" in finding_message(finding, "zh") and "2分钟" in finding_message(finding, "zh")


def test_headers_claiming_less_than_the_frames_hold_are_v006(make_video: Callable[..., Path], short_profile: object,
                                                             tmp_path: Path) -> None:
    """The edit lists left alone: they say how much is played, and that is the 6 s held."""
    clip = _claiming(make_video("long.mp4", duration=6), tmp_path / "人工智能.mp4", 4, edits=False)
    finding = _only(clip, short_profile, "V006")
    assert finding.variant == "header" and finding.actual == pytest.approx(6, abs=0.05)
    assert "4 s" in finding_message(finding, "en")


def test_edit_lists_of_ffmpeg_keep_the_length_shown(tmp_path: Path) -> None:
    """B-frames (an edit list that skips the reorder delay) and a stream-copy cut at 2.3 s (an
    edit list that starts past the first key frame): the length is the one played, 8 s and
    5.7 s, not the samples' 8 s nor a few frames less."""
    whole, cut = tmp_path / "whole.mp4", tmp_path / "cut.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "8", "-c:v", "libx264",
            "-preset", "veryfast", "-g", "100", str(whole))
    _ffmpeg("-ss", "2.3", "-i", str(whole), "-c", "copy", str(cut))
    assert b"ctts" in whole.read_bytes()
    for clip, seconds in ((whole, 8.0), (cut, 5.7)):
        facts = probe(clip)
        assert facts["duration_s"] == pytest.approx(seconds, abs=0.01), clip
        assert "duration_header_s" not in facts


def test_frame_durations_leave_out_the_first_and_the_last_however_the_tables_are_cut() -> None:
    """The same durations given as stts runs or trun lists, in pieces of any size (slices of a
    long table, fragments), give the same shortest, longest and middle."""
    import random
    from array import array

    from kcsubmit.probes.movie import Timing

    rnd = random.Random(3)
    for _ in range(2000):
        durations = [rnd.choice([512, 512, 512, 1024, 256, 0, 7]) for _ in range(rnd.randint(0, 12))]
        timing, at = Timing(), 0
        while at < len(durations):
            piece = durations[at:at + rnd.randint(1, 4)]
            at += len(piece)
            if rnd.random() < 0.5:
                timing.each(array("I", piece))
                continue
            counts: list[int] = []
            deltas: list[int] = []
            for d in piece:
                if deltas and deltas[-1] == d and rnd.random() < 0.7:
                    counts[-1] += 1
                else:
                    counts.append(1)
                    deltas.append(d)
                if rnd.random() < 0.1:  # an entry of no samples
                    counts.append(0)
                    deltas.append(99)
            timing.runs(array("I", counts), array("I", deltas))
        middle = durations[1:-1]
        assert (timing.samples, timing.ticks) == (len(durations), sum(durations))
        assert timing.middle == ((len(middle), sum(middle)) if middle else (0, 0)), durations
        if middle:
            assert (timing.shortest, timing.longest) == (min(middle), max(middle)), durations

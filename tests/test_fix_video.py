"""`kcsubmit fix` on videos: each fixable V rule is gone from the output; originals untouched."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from kcsubmit import profile as profile_mod
from kcsubmit.engine import check
from kcsubmit.fixers import FixOptions
from kcsubmit.repair import fix

import videogen
from conftest import profile_text

# A 3-second clip is compliant under this profile (2–5 s).
SHORT = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5), "<short>")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# (name, make_video options, the rule it breaks, fix options, expected action)
CASES = [
    ("quicktime.mov", {}, "V001", {}, "remuxed"),
    ("anamorphic.mp4", {"width": 1440, "sar": "4:3"}, "V003", {}, "transcoded"),
    ("720p.mp4", {"width": 1280, "height": 720}, "V003", {}, "transcoded"),
    ("portrait.mp4", {"rotation": 90}, "V004", {"fit": "blur"}, "transcoded"),
    ("four-three.mp4", {"width": 1440}, "V004", {"fit": "crop"}, "transcoded"),
    ("long.mp4", {"duration": 6}, "V006", {"trim": True}, "transcoded"),
    ("interlaced.mp4", {"interlaced": True}, "V007", {}, "transcoded"),
    ("hevc.mp4", {"codec": "hevc", "pix_fmt": "yuv420p10le"}, "V008", {}, "transcoded"),
    ("mp3.mp4", {"audio": "mp3"}, "V009", {}, "audio"),
    ("moov-last.mp4", {"faststart": False}, "V010", {}, "remuxed"),
    ("ten-bit.mp4", {"pix_fmt": "yuv420p10le"}, "V011", {}, "transcoded"),
    ("slow.mp4", {"fps": 15}, "V013", {}, "transcoded"),
    ("vfr.mp4", {"vfr": True}, "V013", {}, "transcoded"),
]


@pytest.mark.parametrize("name,options,rule,fix_options,action", CASES, ids=[c[0] for c in CASES])
def test_fix_removes_the_rule(tmp_path, make_video, name, options, rule, fix_options, action):
    src = make_video(name, **options)
    before = sha(src)
    assert rule in {f.rule for f in check([src], rules=SHORT).files[0].findings}
    report = fix([src], tmp_path / "out", rules=SHORT, options=FixOptions(encoder="libx264", **fix_options))
    done, = report.files
    assert done.action == action and done.output and Path(done.output).suffix == ".mp4"
    assert rule in {f.rule for f in done.before}
    assert done.after == (), [f.rule for f in done.after]   # nothing left at all
    assert report.exit_code() == 0
    assert sha(src) == before                                # the original is untouched


def test_trimmed_video_lasts_the_maximum(tmp_path, make_video):
    report = fix([make_video("long.mp4", duration=6)], tmp_path / "out", rules=SHORT,
                 options=FixOptions(trim=True, encoder="libx264"))
    facts = check([report.files[0].output], rules=SHORT).files[0].facts
    assert 4.9 <= facts["duration_s"] <= 5.05


def test_without_trim_a_long_video_stops_fix_before_any_work(tmp_path, make_video):
    # Issue 19: an error that --trim would clear stops the plan; nothing is copied or encoded.
    report = fix([make_video("long.mp4", duration=6)], tmp_path / "out", rules=SHORT)
    assert report.stopped and report.files == () and report.exit_code() == 1
    assert report.plan is not None
    assert [(b.finding.rule, b.option) for b in report.plan.blocking] == [("V006", "--trim")]


def test_too_big_is_reencoded_to_fit(tmp_path, make_video):
    src = make_video("big.mp4", bitrate="8M")
    size = src.stat().st_size
    tight = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5, max_bytes=int(size * 0.7)), "<t>")
    assert "V012" in {f.rule for f in check([src], rules=tight).files[0].findings}
    report = fix([src], tmp_path / "out", rules=tight, options=FixOptions(encoder="libx264"))
    assert report.files[0].after == () and Path(report.files[0].output).stat().st_size < size * 0.7


def frame(path: Path, out: Path, at: float = 1.0, matrix: str | None = None) -> Image.Image:
    """One decoded frame, as a player shows it (ffmpeg applies the rotation). ``matrix`` for an
    untagged clip: ffmpeg reads it as BT.601 whatever its size, players read HD as BT.709."""
    shown = ["-vf", f"scale=in_color_matrix={matrix}"] if matrix else []
    subprocess.run([videogen.ffmpeg_exe(), "-v", "error", "-y", "-ss", str(at), "-i", str(path), *shown,
                    "-frames:v", "1", str(out)], check=True)
    return Image.open(out).convert("RGB")


def test_portrait_clip_becomes_upright_1920x1080(tmp_path, make_video):
    src = make_video("portrait.mp4", rotation=90)
    report = fix([src], tmp_path / "out", rules=SHORT, options=FixOptions(encoder="libx264"))
    out = Path(report.files[0].output)
    facts = check([out], rules=SHORT).files[0].facts
    assert (facts["width"], facts["height"], facts["rotation"]) == (1920, 1080, 0)
    shown = frame(src, tmp_path / "src.png", matrix="bt709")  # 1080x1920, upright; untagged HD
    fixed = frame(out, tmp_path / "out.png")            # 1920x1080, picture padded in the middle
    assert shown.size == (1080, 1920) and fixed.size == (1920, 1080)
    inner_w = round(1080 * 1080 / 1920)
    left = (1920 - inner_w) // 2
    middle = fixed.crop((left + 4, 4, left + inner_w - 4, 1076))
    expected = shown.resize((inner_w, 1080)).crop((4, 4, inner_w - 4, 1076))
    diff = ImageStat.Stat(ImageChops.difference(middle, expected)).mean
    assert max(diff) < 12, diff
    rotated = shown.transpose(Image.Transpose.ROTATE_180).resize((inner_w, 1080)).crop((4, 4, inner_w - 4, 1076))
    assert max(ImageStat.Stat(ImageChops.difference(middle, rotated)).mean) > max(diff) + 5
    bars = fixed.crop((0, 0, left - 2, 1080))
    assert max(ImageStat.Stat(bars).mean) < 20                 # black bars (pad)


def test_compliant_file_is_copied_not_reencoded(tmp_path, good_video):
    report = fix([good_video], tmp_path / "out", rules=SHORT)
    assert report.files[0].action == "copied"
    assert sha(Path(report.files[0].output)) == sha(good_video)


def test_output_folder_inside_the_input_is_not_walked(tmp_path, good_video, monkeypatch):
    folder = tmp_path / "studio"
    folder.mkdir()
    (folder / "人工智能.mp4").write_bytes(good_video.read_bytes())
    monkeypatch.chdir(folder)
    first = fix(["."], rules=SHORT)                             # default: ./fixed, inside the input
    assert Path(first.out_dir) == Path("fixed") and (folder / "fixed" / "人工智能.mp4").is_file()
    report = fix(["."], rules=SHORT)                            # a second run must not fix its own outputs
    assert [Path(f.source).name for f in report.files] == ["人工智能.mp4"]


def _start_fix(src: Path, out: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kcsubmit", "fix", str(src), "-o", str(out), "--encoder", "libx264"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_for_part(out: Path, proc: subprocess.Popen, seconds: float = 30) -> None:
    end = time.time() + seconds
    while time.time() < end and proc.poll() is None:
        if out.exists() and any(p.name.endswith(".kcsubmit-part") for p in out.iterdir()):
            time.sleep(0.5)  # ffmpeg is writing
            return
        time.sleep(0.05)
    pytest.fail("the transcode never started")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_killing_fix_mid_transcode_leaves_no_output(tmp_path, make_video, sig):
    src = make_video("portrait-40s.mp4", rotation=90, duration=40)
    before = sha(src)
    out = tmp_path / "out"
    proc = _start_fix(src, out)
    _wait_for_part(out, proc)
    proc.send_signal(sig)
    code = proc.wait(timeout=30)
    time.sleep(0.5)
    assert not (out / "portrait-40s.mp4").exists()              # nothing under the final name
    if sig == signal.SIGINT:                                     # Ctrl-C: one line, exit 2, no leftovers
        assert code == 2 and b"Traceback" not in proc.stderr.read()
        assert list(out.iterdir()) == []
    assert sha(src) == before


def test_fix_command_table_and_exit_codes(tmp_path, make_video):
    from test_cli import kcsubmit

    rules = tmp_path / "short.toml"
    rules.write_text(profile_text(min_duration_s=2, max_duration_s=5), encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "人工智能.mov").write_bytes(make_video("quicktime.mov").read_bytes())
    proc = kcsubmit("fix", str(folder), "-o", str(tmp_path / "out"), "--rules", str(rules))
    assert proc.returncode == 0, proc.stderr
    assert "修复前" in proc.stdout and "V001" in proc.stdout and "全部修复完成" in proc.stdout
    assert (tmp_path / "out" / "人工智能.mp4").is_file()
    (folder / "太短.mp4").write_bytes(make_video("short.mp4", duration=1).read_bytes())
    proc = kcsubmit("fix", str(folder), "-o", str(tmp_path / "out"), "--rules", str(rules))
    assert proc.returncode == 1 and "V005" in proc.stdout and "还需要你手动处理" in proc.stdout
    bad = kcsubmit("fix", str(folder), "--fit", "zoom")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1

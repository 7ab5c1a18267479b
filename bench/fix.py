"""Benchmark ``kcsubmit fix`` against hand-written ffmpeg: ``python bench/fix.py [--runs N]``.

- a 3-minute 1080p HEVC portrait clip: ``kcsubmit fix`` against the ffmpeg command it runs,
  typed by hand (the overhead of kcsubmit: check, plan, progress, re-check);
- the remux path (a QuickTime MOV with H.264/AAC) against the transcode path;
- libx264 presets at CRF 20 on the same clip: encode speed (x real time) and output size.
Media go to bench/out (git-ignored). Prints a table; the figures go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT / "fixtures"))
import videogen  # noqa: E402

from kcsubmit.engine import check  # noqa: E402
from kcsubmit.fixers import FixOptions  # noqa: E402
from kcsubmit.fixers import video as video_fixer  # noqa: E402
from kcsubmit.profile import load  # noqa: E402

SECONDS = 180.0
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")


def ensure(name: str, **options: object) -> Path:
    path = OUT / name
    if not path.is_file():
        print(f"making {name} ...", flush=True)
        videogen.make_video(path, duration=SECONDS, bitrate="6M", **options)
    return path


def timed(cmd: list[str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    code = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    if code not in ok:
        raise SystemExit(f"exit {code}: {' '.join(cmd)}")
    return time.perf_counter() - start


def median(runs: int, cmd: list[str], ok: tuple[int, ...] = (0,)) -> float:
    return statistics.median(timed(cmd, ok) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    kc = str(Path(sys.executable).parent / "kcsubmit")
    ffmpeg = videogen.ffmpeg_exe()
    portrait = ensure("portrait-hevc-180s.mp4", codec="hevc", rotation=90)
    mov = ensure("quicktime-180s.mov", container="mov")
    profile = load("2023")
    scratch = Path(tempfile.mkdtemp(prefix="kcbench-"))
    try:
        result = check([portrait], rules=profile).files[0]
        rules = {f.rule for f in result.findings if f.fixable}
        plan = video_fixer.plan(portrait, result.facts, rules, profile, FixOptions(), "libx264")
        by_hand = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *plan.args,
                   "-movflags", "+faststart", "-f", "mp4", str(scratch / "by-hand.mp4")]
        print("hand-written:", " ".join(by_hand[1:]).replace(str(ROOT) + "/", ""), flush=True)
        rows = []
        hand = median(args.runs, by_hand)
        ours = median(args.runs, [kc, "fix", str(portrait), "-o", str(scratch / "kc"), "--encoder", "libx264"], (0, 1))
        rows.append(("ffmpeg by hand, 180 s HEVC portrait → 1080p H.264", hand, None))
        rows.append(("kcsubmit fix, same clip", ours, ours / hand))
        remux = median(args.runs, [kc, "fix", str(mov), "-o", str(scratch / "remux")], (0, 1))
        rows.append(("kcsubmit fix, 180 s MOV (remux path)", remux, remux / ours))
        for preset in PRESETS:
            target = scratch / f"{preset}.mp4"
            cmd = [a if a != video_fixer.PRESET else preset for a in by_hand[:-1]] + [str(target)]
            seconds = median(1, cmd)
            size = target.stat().st_size / 1e6
            rows.append((f"libx264 -preset {preset} -crf {video_fixer.CRF}: {SECONDS / seconds:.1f}x real time, "
                         f"{size:.1f} MB", seconds, None))
        width = max(len(r[0]) for r in rows)
        for what, seconds, ratio in rows:
            print(f"{what.ljust(width)}  {seconds:7.2f} s  {'' if ratio is None else f'{ratio:.3f}x'}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

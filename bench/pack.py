"""Benchmark ``kcsubmit pack`` of one 280 MB compliant video against ``zip -0`` and ``cp``.

``python bench/pack.py [--runs N]``: median wall time, throughput (MB/s of the video) and
peak RSS (``/usr/bin/time -f %M``) of each; media in bench/out (git-ignored).
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

VIDEO = OUT / "人工智能-280MB.mp4"


def run(cmd: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(seconds, peak RSS MiB) of one run."""
    timer = shutil.which("time") or "/usr/bin/time"
    start = time.perf_counter()
    proc = subprocess.run([timer, "-f", "%M", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"exit {proc.returncode}: {' '.join(cmd)}\n{proc.stderr[-1000:]}")
    return seconds, int(proc.stderr.strip().splitlines()[-1]) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not VIDEO.is_file():
        print(f"making {VIDEO.name} ...", flush=True)
        videogen.make_video(VIDEO, duration=262.0, bitrate="9M")
    zip_tool = shutil.which("zip")
    if zip_tool is None:
        raise SystemExit("no zip on PATH: apt-get install -y zip")
    kc = str(Path(sys.executable).parent / "kcsubmit")
    mb = VIDEO.stat().st_size / 1e6
    with tempfile.TemporaryDirectory(prefix="kcbench-") as scratch:
        studio = Path(scratch) / "studio"
        studio.mkdir()
        (studio / "ai.mp4").symlink_to(VIDEO)
        (studio / "kcsubmit.toml").write_text('studio = "示例中学"\n[themes]\n"人工智能" = "ai.mp4"\n', encoding="utf-8")
        cases = {
            "cp": [shutil.which("cp") or "/bin/cp", str(VIDEO), f"{scratch}/copy.mp4"],
            "zip -0": [zip_tool, "-0", "-q", "-j", f"{scratch}/zip0.zip", str(VIDEO)],
            "kcsubmit pack": [kc, "pack", str(studio), "-o", f"{scratch}/dist"],
        }
        rows = {}
        for what, cmd in cases.items():
            run(cmd)  # warm-up (and the page cache)
            samples = []
            for _ in range(args.runs):
                Path(f"{scratch}/zip0.zip").unlink(missing_ok=True)
                samples.append(run(cmd))
            rows[what] = (statistics.median(s for s, _ in samples), max(m for _, m in samples))
    print(f"{mb:.0f} MB compliant 1080p mp4, median of {args.runs} runs")
    for what, (seconds, peak) in rows.items():
        ratio = (mb / seconds) / (mb / rows["zip -0"][0])
        print(f"{what:14s} {seconds:6.3f} s  {mb / seconds:7.0f} MB/s  {ratio:5.2f}x of zip -0's throughput"
              f"  peak {peak:5.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark ``kcsubmit pack`` of one 282 MB compliant video against ``zip -0`` and ``cp``; part of
``bench/run.py``.

Alone: ``python bench/pack.py [--runs N]`` prints the table. Media in bench/out (git-ignored).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, Aim, Case, Section, Timing, kcsubmit_exe  # noqa: E402

VIDEO = OUT / "人工智能-280MB.mp4"
#: pack's throughput at least 0.8x that of `zip -0`: a time ratio of at most 1.25.
PACK_AIM = 1.25


def ensure_video() -> Path:
    if not VIDEO.is_file():
        import videogen

        print(f"making {VIDEO.name} ...", flush=True)
        videogen.make_video(VIDEO, duration=262.0, bitrate="9M")
    return VIDEO


def section(kc: str, scratch: Path, runs: int = 5) -> Section:
    """cp, zip -0 and kcsubmit pack of the same video; outputs removed before every run."""
    video = ensure_video()
    zip_tool = shutil.which("zip")
    if zip_tool is None:
        raise SystemExit("no zip on PATH: apt-get install -y zip")
    studio = scratch / "studio"
    studio.mkdir()
    (studio / "ai.mp4").symlink_to(video)
    (studio / "kcsubmit.toml").write_text('studio = "示例中学"\n[themes]\n"人工智能" = "ai.mp4"\n', encoding="utf-8")
    copy, zipped, dist = scratch / "copy.mp4", scratch / "zip0.zip", scratch / "dist"
    mb = video.stat().st_size / 1e6
    cases = [
        Case("pack-cp", "cp", [shutil.which("cp") or "/bin/cp", str(video), str(copy)],
             before=lambda: copy.unlink(missing_ok=True)),
        Case("pack-zip0", "zip -0", [zip_tool, "-0", "-q", "-j", str(zipped), str(video)],
             before=lambda: zipped.unlink(missing_ok=True)),
        Case("pack-kc", "kcsubmit pack (check, write stored, re-open, re-check every CRC, sha256)",
             [kc, "pack", str(studio), "-o", str(dist)], refs=("pack-zip0", "pack-cp"), aims=(Aim("ratio", PACK_AIM),),
             before=lambda: shutil.rmtree(dist, ignore_errors=True)),
    ]

    def after(timings: dict[str, Timing]) -> str:
        rate = {c.what.split(" (")[0]: mb / timings[c.key].median for c in cases}
        return ("Throughput (MB of the video per second): "
                + ", ".join(f"{what} {r:.0f} MB/s" for what, r in rate.items())
                + f"; kcsubmit pack reaches {rate['kcsubmit pack'] / rate['zip -0']:.2f}x of `zip -0`'s "
                f"(aim ≥ {1 / PACK_AIM:.1f}x, i.e. a time ratio ≤ {PACK_AIM:.2f}x).")

    return Section(
        "pack", "Pack against zip -0 and cp",
        f"One {mb:.0f} MB compliant 1080p mp4 (page cache warm): `kcsubmit pack` of a studio holding it "
        "(a symlink and a kcsubmit.toml) against storing it with `zip -0` and copying it with `cp`. The "
        "outputs are removed before every run (untimed).",
        cases, runs=runs, after=after)


def main(argv: list[str] | None = None) -> int:
    from common import HEAD, measure_section, rows, scratch_dir, text_table

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with scratch_dir() as scratch:
        sec = section(kcsubmit_exe(), scratch, args.runs)
        timings: dict[str, Timing] = {}
        measure_section(sec, timings)
        print("\n" + text_table(HEAD, rows(sec, timings, {c.key: c.what for c in sec.cases})))
        print("\n" + sec.after(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark ``kcsubmit fix`` against hand-written ffmpeg; part of ``bench/run.py``.

- a 3-minute 1080p HEVC portrait clip: ``kcsubmit fix`` against the ffmpeg command it runs,
  typed by hand (the overhead of kcsubmit: check, plan, progress, re-check);
- the remux path (a QuickTime MOV with H.264/AAC) against the transcode path;
- libx264 presets at CRF 20 on the first minute of the same clip: encode speed and output size.

Alone: ``python bench/fix.py [--no-presets]`` prints the table. Media go to bench/out.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FINDINGS, OUT, Aim, Case, Section, Timing, kcsubmit_exe, md_table  # noqa: E402

SECONDS = 180.0
#: The preset sweep encodes only the first minute: the ranking is the same, at a third of the time.
PRESET_SECONDS = 60
PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium")
FIX_AIM = 1.05  # kcsubmit fix within 5 % of the ffmpeg command it runs


def ensure(name: str, **options: object) -> Path:
    import videogen

    path = OUT / name
    if not path.is_file():
        print(f"making {name} ...", flush=True)
        videogen.make_video(path, duration=SECONDS, bitrate="6M", **options)
    return path


def by_hand(portrait: Path, target: Path) -> tuple[list[str], str]:
    """The ffmpeg command ``kcsubmit fix --encoder libx264`` runs on ``portrait``, and its preset option."""
    from kcsubmit.engine import check
    from kcsubmit.fixers import FixOptions
    from kcsubmit.fixers import video as video_fixer
    from kcsubmit.profile import load

    import videogen

    profile = load("2023")
    result = check([portrait], rules=profile).files[0]
    rules = {f.rule for f in result.findings if f.fixable}
    plan = video_fixer.plan(portrait, result.facts, rules, profile, FixOptions(), "libx264")
    cmd = [videogen.ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *plan.args,
           "-movflags", "+faststart", "-f", "mp4", str(target)]
    return cmd, video_fixer.PRESET


def _remove(path: Path):  # noqa: ANN202
    return lambda: shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def section(kc: str, scratch: Path, presets: bool = True) -> Section:
    """The fix table: by hand, kcsubmit fix, remux; then (``presets``) the libx264 preset sweep."""
    from kcsubmit.fixers.video import CRF

    portrait = ensure("portrait-hevc-180s.mp4", codec="hevc", rotation=90)
    mov = ensure("quicktime-180s.mov", container="mov")
    hand, default_preset = by_hand(portrait, scratch / "by-hand.mp4")
    # ffmpeg-bound runs of ~37 s: no warm-up (the page cache is warmed by the check above), 2 runs.
    slow = {"runs": 2, "warmup": False, "ok_codes": FINDINGS}
    cases = [
        Case("fix-hand", f"ffmpeg by hand, {SECONDS:.0f} s HEVC portrait → 1080p H.264", hand,
             runs=2, warmup=False, before=_remove(scratch / "by-hand.mp4")),
        Case("fix-kc", "kcsubmit fix, same clip (check, plan, encode, re-check)",
             [kc, "fix", str(portrait), "-o", str(scratch / "kc"), "--encoder", "libx264"],
             refs=("fix-hand",), aims=(Aim("ratio", FIX_AIM),), before=_remove(scratch / "kc"), **slow),
        Case("fix-remux", f"kcsubmit fix, {SECONDS:.0f} s QuickTime MOV H.264/AAC (remux path)",
             [kc, "fix", str(mov), "-o", str(scratch / "remux")], refs=("fix-kc",), runs=5,
             ok_codes=FINDINGS, before=_remove(scratch / "remux")),
    ]
    outputs = {}
    if presets:
        for preset in PRESETS:
            target = scratch / f"preset-{preset}.mp4"
            outputs[preset] = target
            cmd = [preset if a == default_preset else a for a in hand[:-1]] + ["-t", str(PRESET_SECONDS), str(target)]
            label = " (default)" if preset == default_preset else ""
            cases.append(Case(f"preset-{preset}", f"ffmpeg libx264 -preset {preset}{label}, first {PRESET_SECONDS} s",
                              cmd, refs=(f"preset-{default_preset}",), runs=1, warmup=False))

    def after(timings: dict[str, Timing]) -> str:
        if not presets:
            return ""
        body = [[f"{p}{' (default)' if p == default_preset else ''}",
                 f"{PRESET_SECONDS / timings[f'preset-{p}'].median:.1f}x real time",
                 f"{outputs[p].stat().st_size / 1e6:.1f} MB", f"{timings[f'preset-{p}'].peak:.0f} MiB"]
                for p in PRESETS]
        return (f"libx264 presets at CRF {CRF} on the first {PRESET_SECONDS} s of the clip (one run each; "
                "the same command with only `-preset` changed and `-t "
                f"{PRESET_SECONDS}` added):\n\n" + md_table(["preset", "speed", "output", "peak RSS"], body))

    return Section(
        "fix", "Fix against raw ffmpeg",
        f"A {SECONDS:.0f} s 1080p HEVC clip with a portrait rotation flag (synthetic, `fixtures/videogen.py`, "
        "6 Mb/s), fixed to 1920x1080 H.264 (pad), against the exact ffmpeg command kcsubmit runs, typed by "
        "hand; then the remux path (stream copy) against that transcode. ffmpeg-bound: no warm-up run, "
        "2 runs each (the remux: 5 after a warm-up). Peak RSS of `kcsubmit fix` is that of ffmpeg, its "
        "biggest process.",
        cases, runs=2, after=after)


def main(argv: list[str] | None = None) -> int:
    from common import HEAD, measure_section, rows, scratch_dir, text_table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-presets", action="store_true", help="skip the preset sweep (about 90 s)")
    args = parser.parse_args(argv)
    with scratch_dir() as scratch:
        sec = section(kcsubmit_exe(), scratch, presets=not args.no_presets)
        timings: dict[str, Timing] = {}
        measure_section(sec, timings)
        print("\n" + text_table(HEAD, rows(sec, timings, {c.key: c.what for c in sec.cases})))
        print("\n" + sec.after(timings) if sec.after else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())

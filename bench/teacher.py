"""The teacher's folder end to end (issue 19): ``fix`` then ``pack --fix``, against ``pack --fix``
alone, each with an empty cache of its own.

The folder, made at bench time with the bundled ffmpeg: a portrait phone clip, a lesson longer
than the maximum, a 4:3 clip, a compliant clip and a Word file with portrait phone photos; the
profile's durations are scaled to the clips (``--seconds``, default 20: at most 16 s allowed, so
the lesson is trimmed).  Encode time is measured for real: ``KCSUBMIT_FFMPEG`` points at a
wrapper that times each ffmpeg run with ``-progress`` (an encode) and logs it.  Aim: the two runs
together encode ≤ 1.05x what one ``pack --fix`` encodes (the second run reuses every copy).

``python bench/teacher.py [--seconds 20]`` prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))
sys.path.insert(0, str(ROOT / "tests"))

import docgen  # noqa: E402
import videogen  # noqa: E402

STUDIO = "示例中学科学工作室"


def make_folder(root: Path, seconds: float) -> None:
    videos = root / "videos"
    videos.mkdir(parents=True)
    videogen.make_video(videos / "竖屏.mp4", width=1920, height=1080, rotation=90, duration=seconds * 0.6)
    videogen.make_video(videos / "课堂实录.mp4", duration=seconds * 1.0)
    videogen.make_video(videos / "4比3.mp4", width=1440, height=1080, duration=seconds * 0.5)
    videogen.make_video(videos / "合格.mp4", duration=seconds * 0.5)
    photos = [docgen.jpeg((1512, 2016), seed=i, orientation=6 if i % 2 else 1) for i in range(5)]
    docgen.make_docx(root / "案例.docx", paragraphs=[docgen.chinese_text(300)], pictures=photos)
    base = (ROOT / "src" / "kcsubmit" / "profiles" / "2023.toml").read_text(encoding="utf-8")
    import re

    profile = re.sub(r"(?m)^min_duration_s = .*$", f"min_duration_s = {int(seconds * 0.2)}", base)
    profile = re.sub(r"(?m)^max_duration_s = .*$", f"max_duration_s = {int(seconds * 0.8)}", profile)
    (root / "short.toml").write_text(profile, encoding="utf-8")
    (root / "kcsubmit.toml").write_text(textwrap.dedent(f'''\
        studio = "{STUDIO}"
        rules = "short.toml"
        [themes]
        "人工智能" = "videos/竖屏.mp4"
        "逐梦航天" = "videos/课堂实录.mp4"
        "美丽乡村" = "videos/4比3.mp4"
        "助力双减" = "videos/合格.mp4"
        [case]
        document = "案例.docx"
        '''), encoding="utf-8")


def wrapper(folder: Path, log: Path) -> Path:
    """An ffmpeg that logs the seconds of each encode (a run with ``-progress``)."""
    import imageio_ffmpeg

    path = folder / "ffmpeg-timed"
    path.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import subprocess, sys, time
        start = time.perf_counter()
        code = subprocess.run([{imageio_ffmpeg.get_ffmpeg_exe()!r}, *sys.argv[1:]]).returncode
        if "-progress" in sys.argv:
            with open({str(log)!r}, "a") as f:
                f.write(f"{{time.perf_counter() - start:.3f}}\\n")
        sys.exit(code)
        """), encoding="utf-8")
    path.chmod(0o755)
    return path


def run(env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "kcsubmit", *args], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"kcsubmit {' '.join(args)}: exit {proc.returncode}\n{proc.stdout[-2000:]}{proc.stderr}")
    return time.perf_counter() - start


def encode_seconds(log: Path) -> tuple[int, float]:
    times = [float(x) for x in log.read_text().split()] if log.exists() else []
    return len(times), sum(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="the lesson's length (the others scale)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kcsubmit-bench-teacher-") as scratch:
        work = Path(scratch)
        make_folder(work / "studio", args.seconds)
        rows = []
        for name, steps in (("pack --fix alone", [("pack", "--fix")]),
                            ("fix, then pack --fix", [("fix",), ("pack", "--fix")])):
            log = work / f"{len(rows)}.log"
            env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "KCSUBMIT_CACHE_DIR": str(work / f"cache{len(rows)}"),
                   "KCSUBMIT_FFMPEG": str(wrapper(work, log))}
            wall = []
            for step in steps:
                out = work / f"out{len(rows)}-{step[0]}"
                wall.append(run(env, step[0], str(work / "studio"), *step[1:], "--trim", "--encoder", "libx264",
                                "-o", str(out)))
            runs, seconds = encode_seconds(log)
            rows.append((name, runs, seconds, wall))
            shutil.rmtree(work / f"cache{len(rows) - 1}", ignore_errors=True)
        base = rows[0][2]
        print("| run | encodes | encode s | ratio | wall s per command |")
        print("|---|---|---|---|---|")
        for name, runs, seconds, wall in rows:
            walls = " + ".join(f"{w:.1f}" for w in wall)
            print(f"| {name} | {runs} | {seconds:.1f} | {seconds / base:.2f}x | {walls} |")


if __name__ == "__main__":
    main()

"""Benchmark ``kcsubmit fix`` against HandBrakeCLI on phone-shaped video; part of ``bench/run.py``.

Two sources are made at bench time into bench/out, ``--seconds`` long (default 180):

- a 4K 60 fps HLG 10-bit portrait clip as phones write it (HEVC Main 10, BT.2020, stored
  3840x2160 with a 90° rotation): a colour chart above a panned colourful picture with
  sensor-like grain whose whites reach 400 cd/m² (the chart's white sits at the 203 cd/m²
  reference white, hdrgen's BT.2408 mapping);
- a 1080p 30 fps SDR BT.709 4:3 clip (1440x1080 H.264): the chart above the same panned picture.

A ``SEED``-second piece is encoded once and repeated by stream copy up to the length (the
encoders still have every frame to do). Each source goes through HandBrakeCLI's "Fast 1080p30"
preset set to kcsubmit's output (1920x1080, source frame rate, constant, black padding), the same
with ``--colorspace bt709`` (HandBrake's own tone mapping, HDR only), and ``kcsubmit fix``.

For each output: wall time and peak RSS (the launcher of common.py), size, VMAF (libvmaf of the
bundled ffmpeg, every ``VMAF_STEP``-th frame) of its picture against one reference chain applied to
the source at the size that output chose (zscale spline36; for HLG then linear light with the
203 cd/m² reference white at SDR white, BT.709 primaries, clipped: BT.2408's display-light
mapping without a roll-off, a curve neither tool uses), and the mean CIEDE2000 of the chart's
24 patches in three frames. The source itself is shown as an SDR player shows it (no tone map).

Alone: ``python bench/hdr.py [--seconds N] [--write-docs]``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures"))
import colourchart  # noqa: E402
import hdrgen  # noqa: E402
import videogen  # noqa: E402
from common import OUT, ROOT, kcsubmit_exe, md_table, run_once, scratch_dir, shown, text_table  # noqa: E402

SECONDS = 180.0
SEED = 10.0          # seconds encoded once, then repeated by stream copy
VMAF_STEP = 5        # VMAF on every 5th frame (the reference chain runs on those only)
DELTA_E_AIM = 5.0
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- hdr -->", "<!-- /hdr -->"
HANDBRAKE = shutil.which("HandBrakeCLI") or "HandBrakeCLI"

#: name, display size, stored size, fps, rotation, transfer, the chart's share of the height
SOURCES = {
    "hdr": ("4K 60 fps HLG 10-bit portrait (HEVC, rotation 90°)", (2160, 3840), 60, "hlg", 1216 / 3840),
    "sdr": ("1080p 30 fps SDR BT.709 4:3 (1440x1080 H.264)", (1440, 1080), 30, "sdr", 540 / 1080),
}


@dataclass
class Row:
    what: str
    cmd: list[str]
    output: Path
    seconds: float = 0.0
    peak: float = 0.0
    size: int = 0
    vmaf: float | None = None
    delta_e: float = 0.0
    box: tuple[int, int, int, int] = (0, 0, 0, 0)
    notes: list[str] = field(default_factory=list)


@dataclass
class Table:
    key: str
    title: str
    source: Path
    naive_delta_e: float
    rows: list[Row]


# --- sources -------------------------------------------------------------------------------------

def texture(path: Path, width: int, height: int) -> Path:
    """A detailed colourful picture to pan over: saturated shapes of every size, thin lines and
    text, sharp (seeded: the same every run). Fine detail is what makes encoders differ."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    if path.is_file():
        return path
    rng = random.Random(2023)
    image = Image.new("RGB", (width, height), (40, 60, 90))
    pen = ImageDraw.Draw(image)
    colour = lambda: tuple(round(255 * c) for c in _hsv(rng.random(), rng.uniform(0.4, 1.0),  # noqa: E731
                                                      rng.uniform(0.3, 1.0)))
    for _ in range(width * height // 800):
        r = rng.choice((2, 4, 8, 16, 32, 64))
        x, y = rng.randrange(width), rng.randrange(height)
        (pen.ellipse if rng.random() < 0.6 else pen.rectangle)([x - r, y - r, x + r, y + r], fill=colour())
    for _ in range(width * height // 20000):
        x, y = rng.randrange(width), rng.randrange(height)
        end = (x + rng.randint(-300, 300), y + rng.randint(-300, 300))
        pen.line([x, y, *end], fill=colour(), width=rng.choice((1, 2, 3)))
    for _ in range(width * height // 40000):
        font = ImageFont.load_default(size=rng.choice((14, 20, 32, 48)))
        words = rng.choice(("科创筑梦", "kcsubmit", "2023", "云上工作室"))
        pen.text((rng.randrange(width), rng.randrange(height)), words, fill=colour(), font=font)
    # Surface detail that moves with the picture (like grass, fabric, skin): zero-mean grain, 2 px.
    grain = Image.effect_noise((width // 2, height // 2), 22).resize((width, height), Image.Resampling.BICUBIC)
    ImageChops.add(image, Image.merge("RGB", (grain, grain, grain)), 1.0, -128).save(path)
    return path


def _hsv(h: float, s: float, v: float) -> tuple[float, float, float]:
    import colorsys

    return colorsys.hsv_to_rgb(h, s, v)


def ensure_source(key: str, seconds: float) -> Path:
    """The ``key`` source clip of ``seconds`` in bench/out: its seed repeated (both made once)."""
    path = OUT / f"{key}-{seconds:g}s.mp4"
    if path.is_file():
        return path
    seed = ensure_seed(key)
    rotation = ["-display_rotation", "90"] if SOURCES[key][3] == "hlg" else []
    part = OUT / f".{path.name}.part"
    _ffmpeg(["-stream_loop", "-1", *rotation, "-i", str(seed), "-f", "lavfi", "-i",
             "sine=frequency=440:sample_rate=48000", "-map", "0:v", "-map", "1:a", "-c:v", "copy",
             "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-t", f"{seconds:.3f}", "-movflags", "+faststart",
             "-f", "mp4", str(part)])
    part.replace(path)
    return path


def ensure_seed(key: str) -> Path:
    """``SEED`` seconds of the ``key`` source, video only, stored as the encoder sees it."""
    label, (width, height), fps, transfer, share = SOURCES[key]
    path = OUT / f"{key}-seed-{SEED:g}s.mp4"
    if path.is_file():
        return path
    print(f"making {path.name} ({label}) ...", flush=True)
    started = time.perf_counter()
    chart_h = round(height * share / 2) * 2
    with tempfile.TemporaryDirectory(prefix="hdr-", dir=OUT) as scratch:
        work = Path(scratch)
        chart = colourchart.save(work / "chart.png", width, chart_h)
        tex = texture(OUT / f"texture-{width}x{height}.png", round(width * 1.5), round((height - chart_h) * 1.3))
        if transfer == "hlg":
            params = "log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc"
            encoder = ["-c:v", "libx265", "-preset", "ultrafast", "-crf", "16", "-x265-params", params,
                       "-pix_fmt", "yuv420p10le", "-tag:v", "hvc1", "-color_primaries", "bt2020",
                       "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc"]
            below, store = 400, ",transpose=clock"  # stored landscape; the rotation flag turns it back
        else:
            encoder = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "14", "-pix_fmt", "yuv420p",
                       "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709"]
            below, store = 203, ""
        pan = (f"crop={width}:{height - chart_h}:x='(iw-ow)/2*(1+sin(2*PI*t/{SEED:g}))'"
               f":y='(ih-oh)/2*(1+sin(4*PI*t/{SEED:g}))'")
        graph = (f"[0:v]format=gbrp,noise=alls=4:allf=t,{hdrgen.to_hdr(transfer, rgb_in=True)},format=yuv420p10le[c];"
                 f"[1:v]{pan},format=gbrp,noise=alls=5:allf=t,{hdrgen.to_hdr(transfer, below, rgb_in=True)},"
                 f"format=yuv420p10le[m];[c][m]vstack{store}")
        part = work / "seed.mp4"
        _ffmpeg(["-loop", "1", "-framerate", str(fps), "-i", str(chart), "-loop", "1", "-framerate", str(fps),
                 "-i", str(tex), "-filter_complex", graph, "-t", f"{SEED:.3f}", *encoder, "-an", str(part)])
        part.replace(path)
    print(f"  made in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def _ffmpeg(args: list[str]) -> str:
    proc = subprocess.run([videogen.ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *args],
                          capture_output=True, text=True, errors="replace", check=False)
    if proc.returncode != 0:
        raise SystemExit(f"ffmpeg failed: {' '.join(args)}\n{proc.stderr[-2000:]}")
    return proc.stderr


# --- the runs --------------------------------------------------------------------------------------

def rows_for(key: str, source: Path, scratch: Path, kc: str) -> list[Row]:
    fps = SOURCES[key][2]
    hb = [HANDBRAKE, "-i", str(source), "--preset", "Fast 1080p30", "--non-anamorphic", "--maxWidth", "1920",
          "--maxHeight", "1080", "--pad", "width=1920:height=1080:color=black", "-r", str(fps), "--cfr"]
    out = scratch / key
    rows = [Row("HandBrakeCLI, preset Fast 1080p30", [*hb, "-o", str(out / "handbrake.mp4")],
                out / "handbrake.mp4")]
    if SOURCES[key][3] == "hlg":
        rows.append(Row("HandBrakeCLI, same + --colorspace bt709 (its tone mapping)",
                        [*hb, "--colorspace", "bt709", "-o", str(out / "handbrake-bt709.mp4")],
                        out / "handbrake-bt709.mp4"))
    rows.append(Row("kcsubmit fix", [kc, "fix", str(source), "-o", str(out / "kc"), "--encoder", "libx264"],
                    out / "kc" / source.name))
    return rows


def measure(table: Table) -> None:
    """Run every row once (a warm-up would double the cost: these are minutes of encoding)."""
    for row in table.rows:
        row.output.parent.mkdir(parents=True, exist_ok=True)
        print(f"  {row.what} ...", flush=True)
        row.seconds, row.peak = run_once(row.cmd, ok_codes=(0, 1))
        row.size = row.output.stat().st_size
        row.box = picture_box(row.output)
        print(f"    {row.seconds:.1f} s, {row.size / 1e6:.1f} MB, picture {row.box}", flush=True)


def picture_box(path: Path) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the picture inside the padding, from a decoded frame (even numbers)."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as scratch:
        png = Path(scratch) / "f.png"
        _ffmpeg(["-ss", "1", "-i", str(path), "-frames:v", "1", "-update", "1", str(png)])
        gray = Image.open(png).convert("L").point(lambda v: 255 if v > 24 else 0)
        left, top, right, bottom = gray.getbbox() or (0, 0, *gray.size)
    left, top = left + left % 2, top + top % 2
    return left, top, (right - left) // 2 * 2, (bottom - top) // 2 * 2


def reference_chain(key: str, width: int, height: int) -> str:
    scale = f"zscale=w={width}:h={height}:f=spline36"
    if SOURCES[key][3] != "hlg":
        return f"{scale},format=yuv420p"
    return (f"{scale},zscale=tin=arib-std-b67:pin=2020:min=2020_ncl:rin=limited:t=linear:npl=203:p=709,"
            "format=gbrpf32le,zscale=t=709:m=709:r=limited,format=yuv420p")


def vmaf(table: Table, scratch: Path) -> None:
    """One ffmpeg run: the source decoded once, one reference per output (at its picture size)."""
    every = f"select='not(mod(n\\,{VMAF_STEP}))',settb=1/25,setpts=N"
    n = len(table.rows)
    parts = [f"[0:v]{every},split={n}" + "".join(f"[s{i}]" for i in range(n))]
    inputs = ["-i", str(table.source)]
    logs = []
    for i, row in enumerate(table.rows):
        x, y, w, h = row.box
        inputs += ["-i", str(row.output)]
        log = scratch / f"vmaf-{table.key}-{i}.json"
        logs.append(log)
        parts.append(f"[s{i}]{reference_chain(table.key, w, h)}[r{i}]")
        parts.append(f"[{i + 1}:v]{every},crop={w}:{h}:{x}:{y},format=yuv420p[d{i}]")
        parts.append(f"[d{i}][r{i}]libvmaf=n_threads=2:log_fmt=json:log_path={log}")
    print(f"  VMAF of {n} outputs ...", flush=True)
    _ffmpeg([*inputs, "-filter_complex", ";".join(parts), "-f", "null", "-"])
    for row, log in zip(table.rows, logs):
        row.vmaf = json.loads(log.read_text())["pooled_metrics"]["vmaf"]["mean"]


def chart_delta_e(path: Path, box: tuple[int, int, int, int], share: float, seconds: float) -> float:
    """Mean CIEDE2000 of the chart's patches in three frames of ``path`` (chart on top of ``box``)."""
    from PIL import Image

    x, y, w, h = box
    errors = []
    with tempfile.TemporaryDirectory() as scratch:
        for i, at in enumerate((0.25, 0.5, 0.75)):
            png = Path(scratch) / f"{i}.png"
            _ffmpeg(["-ss", f"{seconds * at:.2f}", "-i", str(path), "-vf", "scale=out_range=pc,format=rgb24",
                     "-frames:v", "1", "-update", "1", str(png)])
            patches = colourchart.read(Image.open(png), (x, y, x + w, y + round(h * share)))
            errors.append(colourchart.mean_delta_e(patches))
    return sum(errors) / len(errors)


def run(kc: str, seconds: float, scratch: Path) -> list[Table]:
    tables = []
    for key, (label, (width, height), _fps, _transfer, share) in SOURCES.items():
        source = ensure_source(key, seconds)
        naive = chart_delta_e(source, (0, 0, width, height), share, seconds)
        table = Table(key, f"{label}, {seconds:g} s", source, naive, rows_for(key, source, scratch, kc))
        print(f"{table.title}:", flush=True)
        measure(table)
        vmaf(table, scratch)
        for row in table.rows:
            row.delta_e = chart_delta_e(row.output, row.box, share, seconds)
        tables.append(table)
    return tables


# --- the report ------------------------------------------------------------------------------------

HEAD = ["what", "wall s", "peak RSS MiB", "output MB", "VMAF", "chart ΔE2000", "aims (vs HandBrake preset)"]


def body(table: Table) -> list[list[str]]:
    hb = table.rows[0]
    out = [["the source, as an SDR player shows it", "—", "—", f"{table.source.stat().st_size / 1e6:.1f}",
            "—", f"{table.naive_delta_e:.2f}", "—"]]
    for row in table.rows:
        aims = "—"
        if row.what.startswith("kcsubmit"):
            checks = [("time ≤", row.seconds <= hb.seconds), ("VMAF ≥", (row.vmaf or 0) >= (hb.vmaf or 0)),
                      ("size ≤", row.size <= hb.size), (f"ΔE ≤ {DELTA_E_AIM:g}", row.delta_e <= DELTA_E_AIM)]
            aims = ", ".join(f"{name} {'yes' if ok else 'NO'}" for name, ok in checks)
        out.append([row.what, f"{row.seconds:.1f}", f"{row.peak:.0f}", f"{row.size / 1e6:.1f}",
                    f"{row.vmaf:.2f}" if row.vmaf is not None else "—", f"{row.delta_e:.2f}", aims])
    return out


def misses(tables: list[Table]) -> list[str]:
    return [f"{t.title}: {r[0]}: {r[6]}" for t in tables for r in body(t) if "NO" in r[6]]


def markdown(tables: list[Table], seconds: float, took: float, tools: dict[str, str]) -> str:
    parts = [f"{BEGIN}\n## HDR phone video and 4:3 SDR: fix against HandBrake\n\n"
             f"Sources made at bench time ({seconds:g} s each; `bench/hdr.py`, {_minutes(took)} in all): "
             + "; ".join(f"{label}" for label, *_ in SOURCES.values()) + ". "
             f"A {SEED:g} s piece is encoded once and repeated by stream copy. One run per command "
             "(minutes of encoding each). VMAF: libvmaf (model vmaf_v0.6.1) on every "
             f"{VMAF_STEP}th frame of the picture (padding cropped), against the source through one "
             "reference chain at that picture's size (zscale spline36; for HLG: linear light with the "
             "203 cd/m² reference white at SDR white, BT.709 primaries, clipped). Chart ΔE2000: mean "
             "CIEDE2000 of the 24 patches against their sRGB values, three frames."]
    for t in tables:
        commands = "\n".join(shown(r.cmd, tools) for r in t.rows)
        parts.append(f"### {t.title}\n\n{md_table(HEAD, body(t))}\n\n```\n{commands}\n```")
    if seconds < SECONDS:
        parts.append(f"Measured at {seconds:g} s instead of {SECONDS:g} s: the whole table has to finish in "
                     "about 25 minutes on this shared 2-core machine; `python bench/hdr.py` (default "
                     f"{SECONDS:g} s) makes the full-length run.")
    return "\n\n".join(parts) + f"\n{END}\n"


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def write_docs(section: str) -> None:
    """Replace the HDR section of docs/benchmarks.md (or put it before "How to reproduce")."""
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        before, rest = text.split(BEGIN, 1)
        text = before + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        at = text.index("## How to reproduce")
        text = text[:at] + section + "\n" + text[at:]
    DOCS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=SECONDS, help=f"length of each source (default {SECONDS:g})")
    parser.add_argument("--write-docs", action="store_true", help=f"rewrite the HDR section of {DOCS.name}")
    args = parser.parse_args(argv)
    if shutil.which(HANDBRAKE) is None:
        raise SystemExit("no HandBrakeCLI on PATH: apt-get install -y handbrake-cli")
    OUT.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    kc = kcsubmit_exe()
    with scratch_dir() as scratch:
        tables = run(kc, args.seconds, scratch)
    took = time.perf_counter() - began
    for t in tables:
        print(f"\n{t.title}\n{text_table(HEAD, body(t))}")
    print(f"\naims not met: {len(misses(tables))}" + "".join(f"\n  {m}" for m in misses(tables)))
    print(f"the HDR bench took {_minutes(took)}")
    if args.write_docs:
        tools = {kc: "kcsubmit", HANDBRAKE: "HandBrakeCLI"}
        write_docs(markdown(tables, args.seconds, took, tools))
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark ``kcsubmit check`` against the ``mediainfo`` CLI: ``python bench/run.py [--write-docs]``.

Every command runs in a fresh child process: one warm-up run, then ``--runs``
timed runs; the table shows the median wall time (``time.perf_counter`` around
spawn + exit) and the peak RSS of the child, read from the ``rusage`` that
``os.wait4`` returns for that one child (so earlier children never inflate it).
Generated media go to ``bench/out/`` and are reused when already there.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DOCS = ROOT / "docs" / "benchmarks.md"
NOTES_MARKER = "<!-- notes -->"
sys.path.insert(0, str(ROOT / "fixtures"))
import videogen  # noqa: E402  (fixtures/videogen.py, importable once the path is set)

#: Long clip, so both files have the same index (moov) and differ only in media bytes.
BIG_SECONDS = 262.0
#: name -> (target MB, bitrate); both 1920x1080 25 fps H.264/AAC, compliant.
SIZED = {"big-250MB.mp4": (250, "8M"), "small-25MB.mp4": (25, "750k")}
SIZE_TOLERANCE = 0.15
#: The 50-file folder: (label, videogen options) x 5 copies with slightly different lengths.
THEMES = ["助力双减", "人工智能", "逐梦航天", "美丽乡村"]
VARIANTS = [
    ("合格", {}), ("竖屏", {"rotation": 90}), ("4比3", {"width": 1440}),
    ("HEVC", {"codec": "hevc", "pix_fmt": "yuv420p10le"}), ("隔行", {"interlaced": True}),
    ("太短", {"duration": 20.0}), ("苹果.mov", {"container": "mov"}),
    ("moov在末尾", {"faststart": False}), ("VFR", {"vfr": True}), ("截断", None),
]
COPIES = 5
SCALING_AIM = 1.10  # "same time": the 250 MB run within 10 % of the 25 MB run


@dataclass(frozen=True)
class Case:
    key: str
    what: str
    cmd: list[str]
    ref: str | None = None        # key of the case this one is compared with
    aim_s: float | None = None    # aim: median below this many seconds
    aim_ratio: float | None = None  # aim: median / reference median at most this
    ok_codes: tuple[int, ...] = (0,)
    shown: str | None = None      # command line for the docs when too long to print


@dataclass(frozen=True)
class Timing:
    median_s: float
    peak_mib: float
    runs: int


# ---------------------------------------------------------------- media

def ensure_sized(name: str, target_mb: int, bitrate: str) -> Path:
    """The compliant 1080p clip ``name`` of about ``target_mb`` MB (made if missing)."""
    path = OUT / name
    if not path.is_file() or abs(path.stat().st_size / 1e6 / target_mb - 1) > SIZE_TOLERANCE:
        print(f"making {path.name} (~{target_mb} MB) ...", flush=True)
        videogen.make_video(path, duration=BIG_SECONDS, bitrate=bitrate)
    return path


def ensure_folder() -> Path:
    """``bench/out/folder50``: 50 small clips, compliant and broken ones mixed."""
    folder = OUT / "folder50"
    for copy in range(COPIES):
        for index, (label, options) in enumerate(VARIANTS):
            theme = THEMES[(copy + index) % len(THEMES)]
            stem, _, suffix = label.partition(".")
            path = folder / f"{theme}-{stem}-{copy + 1}.{suffix or 'mp4'}"
            if path.is_file() and path.stat().st_size > 0:
                continue
            print(f"making {path.relative_to(OUT)} ...", flush=True)
            if options is None:  # a download cut short: the first 30 % of a compliant clip
                whole = videogen.make_video(OUT / "whole.mp4", duration=61.0 + copy)
                videogen.truncate(whole, path, keep_fraction=0.3)
                whole.unlink()
            else:
                videogen.make_video(path, **{"duration": 61.0 + copy, **options})
    return folder


# ---------------------------------------------------------------- measuring

#: Runs argv[1:] in a forked child and prints "exit seconds ru_maxrss". Peak RSS is read from
#: os.wait4 in this small launcher, not in the benchmark process: a child started by
#: subprocess (vfork) inherits its parent's RSS high-water mark through exec, and
#: RUSAGE_CHILDREN is a maximum over all children so far.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0), os.dup2(null, 1)
        os.execv(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss)
"""
#: ru_maxrss is in KiB on Linux, in bytes on macOS.
RSS_UNIT = 1024 * 1024 if sys.platform == "darwin" else 1024


def run_once(cmd: list[str], ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run ``cmd`` once via the launcher (stdout to /dev/null); return (wall s, peak RSS MiB)."""
    launcher = [sys.executable, "-I", "-S", "-c", LAUNCHER, *cmd]
    proc = subprocess.run(launcher, capture_output=True, text=True, errors="replace")
    try:
        code, seconds, maxrss = proc.stdout.split()
    except ValueError:
        code, seconds, maxrss = proc.returncode, 0, 0
    if int(code) not in ok_codes:
        raise SystemExit(f"exit {code}: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return float(seconds), int(maxrss) / RSS_UNIT


def measure(case: Case, runs: int) -> Timing:
    """One warm-up run, then ``runs`` timed runs of the case in fresh children."""
    run_once(case.cmd, case.ok_codes)
    samples = [run_once(case.cmd, case.ok_codes) for _ in range(runs)]
    return Timing(statistics.median(t for t, _ in samples), max(p for _, p in samples), runs)


# ---------------------------------------------------------------- cases

def find_tools() -> tuple[str, str]:
    """``kcsubmit`` next to this interpreter and ``mediainfo`` on PATH; exit if missing."""
    bindir = Path(sys.executable).parent
    kcsubmit = next((p for p in (bindir / "kcsubmit", bindir / "kcsubmit.exe") if p.is_file()), None)
    mediainfo = shutil.which("mediainfo")
    if kcsubmit is None:
        raise SystemExit(f"no kcsubmit next to {sys.executable}: run `make test` (or pip install -e .)")
    if mediainfo is None:
        raise SystemExit("no mediainfo on PATH: apt-get install -y mediainfo")
    return str(kcsubmit), mediainfo


def build_cases(kc: str, mi: str, big: Path, small: Path, folder: Path) -> list[Case]:
    """Every command of the benchmark, with its reference and aim."""
    files = [str(p) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]
    findings = (0, 1)  # `kcsubmit check` exits 1 when a file has findings: not a failure
    cases = []
    for size, path in (("250 MB", big), ("25 MB", small)):
        tag = size.split()[0]
        cases += [
            Case(f"mi{tag}", f"mediainfo, {size}", [mi, str(path)]),
            Case(f"mij{tag}", f"mediainfo --Output=JSON, {size}", [mi, "--Output=JSON", str(path)]),
            Case(f"kc{tag}", f"kcsubmit check, {size}", [kc, "check", str(path)],
                 ref=f"mi{tag}", aim_s=0.35, ok_codes=findings),
            Case(f"kcj{tag}", f"kcsubmit check --format json, {size}",
                 [kc, "check", "--format", "json", str(path)],
                 ref=f"mij{tag}", aim_s=0.35, ok_codes=findings),
        ]
    shown = f"{mi} {folder}/*   # the {len(files)} files, in name order"
    cases += [
        Case("mi50", f"mediainfo, {len(files)} files", [mi, *files], shown=shown),
        Case("kc50", f"kcsubmit check DIR ({len(files)} files)", [kc, "check", str(folder)],
             ref="mi50", aim_ratio=1.2, ok_codes=findings),
        Case("kc50j2", f"kcsubmit check --jobs 2 DIR ({len(files)} files)",
             [kc, "check", "--jobs", "2", str(folder)], ref="mi50", aim_ratio=1.2, ok_codes=findings),
        Case("floor", "python -c pass (floor)", [sys.executable, "-c", "pass"]),
        Case("version", "kcsubmit --version", [kc, "--version"], ref="floor", aim_s=0.25),
        Case("help", "kcsubmit check --help", [kc, "check", "--help"], ref="floor"),
    ]
    return cases


# ---------------------------------------------------------------- reporting

def machine() -> list[tuple[str, str]]:
    """What the figures were measured on."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                if line.startswith("model name")), platform.processor() or "?")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    ram = next((f"{int(line.split()[1]) / 1024**2:.1f} GiB" for line in meminfo.splitlines()
                if line.startswith("MemTotal")), "?")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    probe = ("import importlib.metadata as m\nfrom pymediainfo import MediaInfo\n"
             "lib = MediaInfo._get_library()\nprint(m.version('kcsubmit'), m.version('pymediainfo'),"
             " lib[2], lib[0]._name)")
    kc_ver, pmi_ver, lib_ver, lib_path = _output([sys.executable, "-c", probe]).split(maxsplit=3)
    cli_ver = _output(["mediainfo", "--Version"]).split()[-1]
    return [
        ("CPU", f"{cpu}, {os.cpu_count()} logical cores ({usable} usable)"),
        ("RAM", ram), ("OS", platform.platform()),
        ("Python", f"{platform.python_version()} ({sys.executable})"),
        ("kcsubmit", kc_ver), ("pymediainfo", pmi_ver),
        ("MediaInfoLib used by kcsubmit", f"{lib_ver} ({lib_path})"),
        ("MediaInfoLib of the mediainfo CLI", cli_ver.lstrip("v")),
    ]


def _output(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()


def verdict(case: Case, median_s: float, ratio: float | None) -> tuple[str, str]:
    """(aim, met) of a row: the median against an absolute aim, or the ratio against a ratio aim."""
    if case.aim_s is not None:
        return f"< {case.aim_s:.2f} s", "yes" if median_s < case.aim_s else "NO"
    if case.aim_ratio is not None:
        return f"≤ {case.aim_ratio:.1f}x", "yes" if ratio is not None and ratio <= case.aim_ratio else "NO"
    return "—", "—"


def main_rows(cases: list[Case], t: dict[str, Timing]) -> list[list[str]]:
    by_key = {c.key: c for c in cases}
    rows = []
    for c in cases:
        median, peak = t[c.key].median_s, t[c.key].peak_mib
        ratio = median / t[c.ref].median_s if c.ref else None
        rows.append([c.what, f"{median:.3f}", f"{peak:.1f}",
                     by_key[c.ref].what if c.ref else "—",
                     "—" if ratio is None else f"{ratio:.2f}x", *verdict(c, median, ratio)])
    return rows


def scaling_rows(cases: list[Case], t: dict[str, Timing]) -> list[list[str]]:
    """250 MB vs 25 MB: header-only parsing means the bigger file costs no more."""
    rows = []
    for prefix, name in (("kc", "kcsubmit check"), ("kcj", "kcsubmit check --format json"),
                         ("mi", "mediainfo"), ("mij", "mediainfo --Output=JSON")):
        small, big = t[f"{prefix}25"].median_s, t[f"{prefix}250"].median_s
        aimed = prefix.startswith("kc")
        met = ("yes" if big / small <= SCALING_AIM else "NO") if aimed else "—"
        rows.append([name, f"{small:.3f}", f"{big:.3f}", f"{big / small:.2f}x",
                     f"≤ {SCALING_AIM:.2f}x" if aimed else "—", met])
    return rows


MAIN_HEAD = ["what", "median s", "peak RSS MiB", "reference", "ratio", "aim", "met"]
SCALING_HEAD = ["what", "25 MB s", "250 MB s", "250 MB / 25 MB", "aim", "met"]


def text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def md_table(head: list[str], rows: list[list[str]]) -> str:
    line = lambda r: "| " + " | ".join(cell.replace("|", "\\|") for cell in r) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "---|" * len(head), *map(line, rows)])


def shown(case: Case, kc: str) -> str:
    """The command line as a reader would type it (repo-relative paths, bare tool names)."""
    text = case.shown or " ".join(case.cmd)
    text = text.replace(kc, "kcsubmit").replace(sys.executable, "python")
    return text.replace(str(ROOT) + os.sep, "").replace(shutil.which("mediainfo") or "\0", "mediainfo")


def write_docs(info, cases, timings, kc: str, runs: int) -> None:
    """Rewrite docs/benchmarks.md, keeping whatever follows the notes marker."""
    old = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    notes = old.split(NOTES_MARKER, 1)[1] if NOTES_MARKER in old else "\n"
    commands = "\n".join(shown(c, kc) for c in cases)
    text = f"""# Benchmarks

Written by `bench/run.py --write-docs` on {time.strftime('%Y-%m-%d')}; edit only the Notes
section at the end (the script keeps everything under the `{NOTES_MARKER}` marker).

## Machine

{chr(10).join(f"- {k}: {v}" for k, v in info)}

## Results

Median wall time of {runs} runs after one warm-up run, each in a fresh process (spawn to exit,
Python start-up included, stdout to `/dev/null`, files in the page cache). Peak RSS is
`ru_maxrss` of that one child, from `os.wait4`, the largest of the timed runs. A ratio is
this row's median / the reference row's median. `kcsubmit check` exits 1 when a file has
findings; that counts as a normal run.

{md_table(MAIN_HEAD, main_rows(cases, timings))}

Only headers should be read, so the 250 MB file should take no longer than the 25 MB one.
Both are {BIG_SECONDS:g} s 1920x1080 25 fps H.264/AAC clips (same index size) at 8 Mbit/s and
750 kbit/s: they differ only in the bytes of the media data.

{md_table(SCALING_HEAD, scaling_rows(cases, timings))}

The 50-file folder holds {COPIES} clips each of: {", ".join(label for label, _ in VARIANTS)}
(61-65 s, 1080p unless the variant says otherwise; 截断 = first 30 % of a compliant clip).

## Command lines

```
{commands}
```

## How to reproduce

```
make bench                              # creates .venv, prints the table
.venv/bin/python bench/run.py --write-docs   # also rewrites this file
```

`mediainfo` must be on PATH (`apt-get install -y mediainfo`). Media are generated into
`bench/out/` (git-ignored) on the first run and reused afterwards; `--runs N` changes N.

## Notes

{NOTES_MARKER}{notes}"""
    DOCS.write_text(text, encoding="utf-8")
    print(f"wrote {DOCS.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark kcsubmit check against mediainfo.")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (default 7, min 5)")
    parser.add_argument("--write-docs", action="store_true", help=f"rewrite {DOCS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    kc, mi = find_tools()
    big, small = (ensure_sized(name, mb, rate) for name, (mb, rate) in SIZED.items())
    cases = build_cases(kc, mi, big, small, ensure_folder())
    info = machine()
    print("\n".join(f"{k}: {v}" for k, v in info), end="\n\n", flush=True)
    timings = {}
    for case in cases:
        print(f"  {case.what} ...", end="", flush=True)
        timings[case.key] = measure(case, args.runs)
        print(f" {timings[case.key].median_s:.3f} s", flush=True)
    print(f"\n{text_table(MAIN_HEAD, main_rows(cases, timings))}\n")
    print(text_table(SCALING_HEAD, scaling_rows(cases, timings)))
    if args.write_docs:
        write_docs(info, cases, timings, kc, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

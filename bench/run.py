"""Benchmark ``kcsubmit check`` against the ``mediainfo`` CLI: ``python bench/run.py [--write-docs]``.

Median wall time and peak RSS of fresh processes (see ``LAUNCHER``); POSIX only.
"""

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
try:
    import videogen  # fixtures/videogen.py; needs imageio-ffmpeg, a kcsubmit dependency
except ImportError as exc:
    raise SystemExit(f"{exc}: run this with the Python kcsubmit is installed in (make bench)") from None

#: Same length, so the same index (moov) size: only the media bytes differ. name -> (MB, bitrate).
SIZED_SECONDS = 262.0
SIZED = {"big-250MB.mp4": (250, "8M"), "small-25MB.mp4": (25, "750k"), "人工智能-280MB.mp4": (280, "9M")}
ARCHIVES = 200  # small theme archives for the batch rows
#: The 50-file folder: COPIES x each (label, videogen options); None = cut-off download.
THEMES = ["助力双减", "人工智能", "逐梦航天", "美丽乡村"]
VARIANTS = [("合格", {}), ("竖屏", {"rotation": 90}), ("4比3", {"width": 1440}),
            ("HEVC", {"codec": "hevc", "pix_fmt": "yuv420p10le"}), ("隔行", {"interlaced": True}),
            ("太短", {"duration": 20.0}), ("苹果.mov", {"container": "mov"}),
            ("moov在末尾", {"faststart": False}), ("VFR", {"vfr": True}), ("截断", None)]
COPIES = 5
SCALING_AIM = 1.10  # "the same time": 250 MB within 10 % of 25 MB
MAIN_HEAD = ["what", "median s", "peak RSS MiB", "reference", "ratio", "aim", "met"]
SCALING_HEAD = ["what", "25 MB s", "250 MB s", "250 MB / 25 MB", "aim", "met"]

#: Runs argv[1:] in a forked child (stdin, stdout: /dev/null); prints exit code, seconds and ru_maxrss
#: (KiB; bytes on macOS) in MiB from os.wait4 on that one child. Not done here: RUSAGE_CHILDREN is a max over
#: all children, and a vfork()ed child keeps its parent's RSS high-water mark through exec(). Floor: /bin/true.
LAUNCHER = """
import os, sys, time
start, null, unit = time.perf_counter(), os.open(os.devnull, os.O_RDWR), 1 << (20 if sys.platform == "darwin" else 10)
if (pid := os.fork()) == 0:
    try: os.dup2(null, 0), os.dup2(null, 1), os.execv(sys.argv[1], sys.argv[1:])
    finally: os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss / unit)  # s, MiB
"""


@dataclass(frozen=True)
class Case:
    key: str
    what: str
    cmd: list[str]
    ref: str | None = None          # key of the case this one is compared with
    aim_s: float | None = None      # aim: median under this many seconds
    aim_ratio: float | None = None  # aim: median / reference median at most this
    aim_mib: float | None = None    # aim: peak RSS under this many MiB
    ok_codes: tuple[int, ...] = (0,)


def ensure_sized(name: str, target_mb: int, bitrate: str) -> Path:
    """The compliant clip ``name`` of about ``target_mb`` MB, made unless already there."""
    path = OUT / name
    if not path.is_file() or abs(path.stat().st_size / 1e6 / target_mb - 1) > 0.15:
        print(f"making {path.name} ...", flush=True)
        videogen.make_video(path, duration=SIZED_SECONDS, bitrate=bitrate)
    return path


def ensure_folder() -> Path:
    """``bench/out/folder50``: 50 clips of 61-65 s, compliant and broken ones mixed."""
    folder = OUT / "folder50"
    for copy in range(COPIES):
        for index, (label, options) in enumerate(VARIANTS):
            stem, _, suffix = label.partition(".")
            path = folder / f"{THEMES[(copy + index) % 4]}-{stem}-{copy + 1}.{suffix or 'mp4'}"
            if path.is_file() and path.stat().st_size > 0:
                continue
            print(f"making {path.relative_to(OUT)} ...", flush=True)
            if options is None:  # the first 30 % of a compliant clip
                whole = videogen.make_video(OUT / "whole.mp4", duration=61.0 + copy)
                videogen.truncate(whole, path, keep_fraction=0.3)
                whole.unlink()
            else:
                videogen.make_video(path, **{"duration": 61.0 + copy, **options})
    return folder


def ensure_zip(video: Path) -> Path:
    """The 280 MB clip stored (not deflated) in a theme zip, as `pack` writes it."""
    import zipfile

    path = OUT / "人工智能-280MB.zip"
    if not path.is_file() or path.stat().st_size < video.stat().st_size:
        print(f"making {path.name} ...", flush=True)
        with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
            z.write(video, "人工智能.mp4")
    return path


def ensure_archives() -> Path:
    """``bench/out/archives200``: 200 small theme zips, each holding one 61 s clip."""
    import zipfile

    folder = OUT / "archives200"
    folder.mkdir(parents=True, exist_ok=True)
    clip = OUT / "clip-61s.mp4"
    if not clip.is_file():
        videogen.make_video(clip, duration=61.0)
    for i in range(ARCHIVES):
        path = folder / f"学校{i + 1:03d}-{THEMES[i % 4]}.zip"
        if not path.is_file():
            with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
                z.write(clip, f"学校{i + 1:03d}-{THEMES[i % 4]}.mp4")
    return folder


def ensure_big_docx() -> Path:
    """A case document holding 30 distinct JPEG photos of about 5 MB each (noise compresses badly)."""
    path = OUT / "case-30x5MB.docx"
    if path.is_file() and path.stat().st_size > 140e6:
        return path
    import docgen  # fixtures/docgen.py: python-docx and Pillow
    from PIL import Image

    print(f"making {path.name} ...", flush=True)
    photos = []
    for i in range(30):
        noise = Image.frombytes("RGB", (2600, 1950), os.urandom(2600 * 1950 * 3))
        out = __import__("io").BytesIO()
        noise.save(out, format="JPEG", quality=92)
        photos.append(out.getvalue())
    docgen.make_docx(path, paragraphs=[docgen.chinese_text(300)], pictures=photos)
    return path


def run_once(cmd: list[str], ok_codes: tuple[int, ...]) -> tuple[float, float]:
    """Run ``cmd`` once through the launcher; return (wall seconds, peak RSS MiB)."""
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, *cmd],
                          capture_output=True, text=True, errors="replace")
    fields = proc.stdout.split()
    if proc.returncode != 0 or len(fields) != 3 or int(fields[0]) not in ok_codes:
        status = f"exit {fields[0]}" if len(fields) == 3 else "launcher failed"
        raise SystemExit(f"{status}: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return float(fields[1]), float(fields[2])


def measure(case: Case, runs: int) -> tuple[float, float]:
    """(median seconds, peak RSS MiB) of ``runs`` runs after one warm-up run."""
    run_once(case.cmd, case.ok_codes)
    samples = [run_once(case.cmd, case.ok_codes) for _ in range(runs)]
    return statistics.median(s for s, _ in samples), max(m for _, m in samples)


def find_tools() -> tuple[str, str]:
    """``kcsubmit`` next to this interpreter and ``mediainfo`` on PATH; exit if missing."""
    kcsubmit, mediainfo = Path(sys.executable).parent / "kcsubmit", shutil.which("mediainfo")
    if not kcsubmit.is_file():
        raise SystemExit(f"no {kcsubmit}: run `make bench` (or pip install -e . in this venv)")
    if mediainfo is None:
        raise SystemExit("no mediainfo on PATH: apt-get install -y mediainfo")
    return str(kcsubmit), mediainfo


def build_cases(kc: str, mi: str, sized: dict[str, str], folder: Path, big_docx: Path,
                big_zip: Path, archives: Path) -> list[Case]:
    """Every command of the benchmark, with its reference and aim, in table order."""
    files = [str(p) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]
    findings = (0, 1)  # `kcsubmit check` exits 1 when a file has findings: a normal run
    cases = []
    for mb, file in sized.items():
        if mb == "280":
            continue
        cases += [
            Case(f"mi{mb}", f"mediainfo, {mb} MB", [mi, file]),
            Case(f"mij{mb}", f"mediainfo --Output=JSON, {mb} MB", [mi, "--Output=JSON", file]),
            Case(f"mi0{mb}", f"mediainfo --ParseSpeed=0, {mb} MB", [mi, "--ParseSpeed=0", file]),
            Case(f"kc{mb}", f"kcsubmit check, {mb} MB", [kc, "check", file],
                 ref=f"mi{mb}", aim_s=0.35, ok_codes=findings),
            Case(f"kcj{mb}", f"kcsubmit check --format json, {mb} MB",
                 [kc, "check", "--format", "json", file], ref=f"mij{mb}", aim_s=0.35, ok_codes=findings),
        ]
    n = len(files)
    return cases + [
        Case("mi50", f"mediainfo, {n} files in one call", [mi, *files]),
        Case("kc50", f"kcsubmit check DIR ({n} files)", [kc, "check", str(folder)],
             ref="mi50", aim_ratio=1.2, ok_codes=findings),
        Case("kc50j2", f"kcsubmit check --jobs 2 DIR ({n} files)", [kc, "check", "--jobs", "2", str(folder)],
             ref="mi50", aim_ratio=1.2, ok_codes=findings),
        Case("mp4280", "kcsubmit check, 280 MB mp4", [kc, "check", "-f", "json", sized["280"]], ok_codes=findings),
        Case("zip280", "kcsubmit check, 280 MB zip holding it (stored)", [kc, "check", "-f", "json", str(big_zip)],
             ref="mp4280", aim_ratio=1.2, ok_codes=findings),
        Case("zip280mem", "  same, peak memory", [kc, "check", "-f", "json", str(big_zip)], aim_mib=150,
             ok_codes=findings),
        Case("arc200j1", f"kcsubmit check --jobs 1, {ARCHIVES} small zips", [kc, "check", "-j", "1", "-f", "json",
             str(archives)], ok_codes=findings),
        Case("arc200j2", f"kcsubmit check --jobs 2, {ARCHIVES} small zips", [kc, "check", "-j", "2", "-f", "json",
             str(archives)], ref="arc200j1", ok_codes=findings),
        Case("docx30", f"kcsubmit check, .docx with 30 pictures ({big_docx.stat().st_size / 1e6:.0f} MB)",
             [kc, "check", str(big_docx)], aim_mib=300, ok_codes=findings),
        Case("true", "/bin/true (launcher floor)", [shutil.which("true") or "/bin/true"]),
        Case("floor", "python -c pass (floor)", [sys.executable, "-c", "pass"]),
        Case("version", "kcsubmit --version", [kc, "--version"], ref="floor", aim_s=0.25),
        Case("help", "kcsubmit check --help", [kc, "check", "--help"], ref="floor"),
    ]


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on: hardware and the versions that matter."""
    def first(path: str, key: str) -> str:
        lines = Path(path).read_text().splitlines() if Path(path).exists() else []
        return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), "?")
    output = lambda cmd: subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: E731
    probe = ("import importlib.metadata as m; from pymediainfo import MediaInfo; lib = MediaInfo._get_library(); "
             "print(m.version('kcsubmit'), m.version('pymediainfo'), lib[2], lib[0]._name)")
    kc_ver, pmi_ver, lib_ver, lib_path = output([sys.executable, "-c", probe]).strip().split(maxsplit=3)
    return [
        ("CPU", f"{first('/proc/cpuinfo', 'model name')}, {os.cpu_count()} logical cores"),
        ("RAM", f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024**3:.1f} GiB"),
        ("OS", platform.platform()), ("Python", platform.python_version()),
        ("kcsubmit", kc_ver), ("pymediainfo", pmi_ver),
        ("MediaInfoLib used by kcsubmit", f"{lib_ver} ({Path(lib_path).name} in {Path(lib_path).parent.name}/)"),
        ("mediainfo CLI", output(["mediainfo", "--Version"]).split()[-1].lstrip("v")),
    ]


def verdict(case: Case, median: float, ratio: float | None, peak: float = 0.0) -> tuple[str, str]:
    """(aim, met) of a row: the median against a time aim, the ratio against a ratio aim,
    or the peak RSS against a memory aim."""
    if case.aim_mib is not None:
        return f"< {case.aim_mib:.0f} MiB", "yes" if peak < case.aim_mib else "NO"
    if case.aim_s is not None:
        return f"< {case.aim_s:.2f} s", "yes" if median < case.aim_s else "NO"
    if case.aim_ratio is not None:
        return f"≤ {case.aim_ratio:.2g}x", "yes" if ratio is not None and ratio <= case.aim_ratio else "NO"
    return "—", "—"


def main_rows(cases: list[Case], t: dict[str, tuple[float, float]]) -> list[list[str]]:
    """what, median s, peak RSS MiB, reference, ratio, aim, met."""
    names = {c.key: c.what for c in cases}
    rows = []
    for c in cases:
        median, peak = t[c.key]
        ratio = median / t[c.ref][0] if c.ref else None
        rows.append([c.what, f"{median:.3f}", f"{peak:.1f}", names.get(c.ref, "—"),
                     "—" if ratio is None else f"{ratio:.2f}x", *verdict(c, median, ratio, peak)])
    return rows


def scaling_rows(t: dict[str, tuple[float, float]]) -> list[list[str]]:
    """25 MB against 250 MB: header-only parsing makes the bigger file cost no more."""
    rows = []
    for key, name in (("kc", "kcsubmit check"), ("kcj", "kcsubmit check --format json"), ("mi", "mediainfo"),
                      ("mij", "mediainfo --Output=JSON"), ("mi0", "mediainfo --ParseSpeed=0")):
        small, big = t[f"{key}25"][0], t[f"{key}250"][0]
        aimed, ratio = key.startswith("kc"), big / small
        met = ("yes" if ratio <= SCALING_AIM else "NO") if aimed else "—"
        rows.append([name, f"{small:.3f}", f"{big:.3f}", f"{ratio:.2f}x", f"≤ {SCALING_AIM:.2f}x" if aimed else "—", met])
    return rows


def text_table(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, rows)])


def md_table(head: list[str], rows: list[list[str]]) -> str:
    line = lambda r: "| " + " | ".join(r) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "---|" * len(head), *map(line, rows)])


def shown(cmd: list[str], tools: dict[str, str]) -> str:
    """A command line as a reader types it: bare tool names, repo-relative paths, globbed folder."""
    words = [tools.get(w, os.path.relpath(w, ROOT) if w.startswith(str(ROOT)) else w) for w in cmd]
    if len(words) > 10:  # mediainfo f1 ... f50
        words = [words[0], f"{os.path.dirname(words[1])}/*", f"  # {len(words) - 1} files"]
    return " ".join(words)


def render_docs(info, cases: list[Case], t, tools: dict[str, str], runs: int, notes: str) -> str:
    """The text of docs/benchmarks.md; ``tools`` maps executable paths to the names shown."""
    return f"""# Benchmarks

Written by `python bench/run.py --write-docs` on {time.strftime('%Y-%m-%d')}; edit only the
Notes at the end (the script keeps everything below the notes marker comment there).

## Machine

{chr(10).join(f"- {k}: {v}" for k, v in info)}

## Results

Median wall time of {runs} runs after one warm-up, each a fresh process that a small
launcher forks and execs with stdout on `/dev/null`, timed from fork to exit (start-up
included, files in the page cache). Peak RSS: the largest `ru_maxrss` of the runs, from
`os.wait4` on that one child (floor: the `/bin/true` row). ratio = median / reference
median. `kcsubmit check` exits 1 when a file has findings: that counts as a normal run.

{md_table(MAIN_HEAD, main_rows(cases, t))}

A header-only check takes the same time on both clips: both are {SIZED_SECONDS:g} s, compliant
1080p25 H.264/AAC (same index size), at 8 Mbit/s and 750 kbit/s.

{md_table(SCALING_HEAD, scaling_rows(t))}

`bench/out/folder50`: {COPIES} clips (61-65 s) each of {", ".join(v for v, _ in VARIANTS)} (截断: a cut-off copy).

## Command lines

```
{chr(10).join(shown(c.cmd, tools) for c in cases)}
```

## How to reproduce

`make bench` (makes `.venv`, prints the table) or `.venv/bin/python bench/run.py --write-docs`
(also rewrites this file); `--runs N` sets N. Needs `mediainfo` on PATH (`apt-get install -y
mediainfo`). The media are generated into `bench/out/` (git-ignored) once and then reused.

## Notes

{NOTES_MARKER}{notes}"""


def kept_notes() -> str:
    """Whatever follows the notes marker (at the start of a line) in the current docs/benchmarks.md."""
    old = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    return old.partition(f"\n{NOTES_MARKER}")[2] or "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark kcsubmit check against mediainfo.")
    parser.add_argument("--runs", type=lambda v: max(5, int(v)), default=7,
                        help="timed runs per command (default 7; at least 5)")
    parser.add_argument("--write-docs", action="store_true", help=f"also rewrite {DOCS.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    kc, mi = find_tools()
    sized = {str(mb): str(ensure_sized(name, mb, rate)) for name, (mb, rate) in SIZED.items()}
    cases = build_cases(kc, mi, sized, ensure_folder(), ensure_big_docx(),
                        ensure_zip(Path(sized["280"])), ensure_archives())
    info = machine()
    print("\n".join(f"{k}: {v}" for k, v in info), end="\n\n", flush=True)
    timings = {}
    for case in cases:
        timings[case.key] = measure(case, args.runs)
        print(f"  {case.what}: {timings[case.key][0]:.3f} s", flush=True)
    print(f"\n{text_table(MAIN_HEAD, main_rows(cases, timings))}\n")
    print(text_table(SCALING_HEAD, scaling_rows(timings)))
    if args.write_docs:
        tools = {kc: "kcsubmit", mi: "mediainfo", sys.executable: "python"}
        DOCS.write_text(render_docs(info, cases, timings, tools, args.runs, kept_notes()), encoding="utf-8")
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

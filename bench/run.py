"""Every benchmark of kcsubmit in one run: ``python bench/run.py [--write-docs]`` (``make bench``).

Start-up, ``check`` against the ``mediainfo`` CLI, an archive against the file it holds, batch
scaling with ``--jobs``, the memory of a .docx with 30 large photos (here); ``fix`` against raw
ffmpeg (``fix.py``); ``pack`` against ``zip -0`` and ``cp`` (``pack.py``); a 1,000-file soak
(``soak.py``); HDR phone video and 4:3 SDR, ``fix`` against HandBrakeCLI (``hdr.py``).
Each command is a fresh process timed by the launcher in ``common.py`` (median wall time, peak RSS
from ``os.wait4``); each ratio is against a reference measured in the same run.
``--write-docs`` rewrites docs/benchmarks.md, keeping what follows its notes marker. POSIX only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fix  # noqa: E402
import hdr  # noqa: E402
import pack  # noqa: E402
import soak  # noqa: E402

from common import (  # noqa: E402
    FINDINGS,
    HEAD,
    OUT,
    PYCACHE,
    ROOT,
    Aim,
    Case,
    Section,
    Timing,
    kcsubmit_exe,
    md_table,
    measure_section,
    misses,
    rows,
    scratch_dir,
    shown,
    text_table,
)

try:
    import videogen  # fixtures/videogen.py; needs imageio-ffmpeg, a kcsubmit dependency
except ImportError as exc:
    raise SystemExit(f"{exc}: run this with the Python kcsubmit is installed in (make bench)") from None

DOCS = ROOT / "docs" / "benchmarks.md"
NOTES_MARKER = "<!-- notes -->"

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
SCALING_HEAD = ["what", "25 MB s", "250 MB s", "250 MB / 25 MB", "aim", "met"]
SECTIONS = ("startup", "check", "archive", "batch", "docx", "fix", "pack", "soak", "hdr")


# --- media (made once into bench/out, then reused) -------------------------------------------------

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
    import io

    from PIL import Image

    import docgen  # fixtures/docgen.py: python-docx and Pillow

    print(f"making {path.name} ...", flush=True)
    photos = []
    for _ in range(30):
        noise = Image.frombytes("RGB", (2600, 1950), os.urandom(2600 * 1950 * 3))
        out = io.BytesIO()
        noise.save(out, format="JPEG", quality=92)
        photos.append(out.getvalue())
    docgen.make_docx(path, paragraphs=[docgen.chinese_text(300)], pictures=photos)
    return path


# --- the check sections ----------------------------------------------------------------------------

def startup_section(kc: str, runs: int) -> Section:
    return Section("startup", "Start-up", "The smallest commands, against the interpreter's own start-up.", [
        Case("true", "/bin/true (launcher floor)", [shutil.which("true") or "/bin/true"]),
        Case("floor", "python -c pass", [sys.executable, "-c", "pass"]),
        Case("version", "kcsubmit --version", [kc, "--version"], refs=("floor",), aims=(Aim("s", 0.25),)),
        Case("help", "kcsubmit check --help", [kc, "check", "--help"], refs=("floor",)),
    ], runs)


def check_section(kc: str, mi: str, runs: int) -> Section:
    sized = {mb: str(ensure_sized(name, mb, rate)) for name, (mb, rate) in SIZED.items() if mb != 280}
    folder = ensure_folder()
    files = [str(p) for p in sorted(folder.iterdir()) if not p.name.startswith(".")]
    cases = []
    for mb, file in sized.items():
        cases += [
            Case(f"mi{mb}", f"mediainfo, {mb} MB", [mi, file]),
            Case(f"mij{mb}", f"mediainfo --Output=JSON, {mb} MB", [mi, "--Output=JSON", file]),
            Case(f"mi0{mb}", f"mediainfo --ParseSpeed=0, {mb} MB", [mi, "--ParseSpeed=0", file]),
            Case(f"kc{mb}", f"kcsubmit check, {mb} MB", [kc, "check", file],
                 refs=(f"mi{mb}",), aims=(Aim("s", 0.35),), ok_codes=FINDINGS),
            Case(f"kcj{mb}", f"kcsubmit check --format json, {mb} MB", [kc, "check", "--format", "json", file],
                 refs=(f"mij{mb}",), aims=(Aim("s", 0.35),), ok_codes=FINDINGS),
        ]
    n = len(files)
    cases += [
        Case("mi50", f"mediainfo, {n} files in one call", [mi, *files]),
        Case("kc50j1", f"kcsubmit check --jobs 1 DIR ({n} files)", [kc, "check", "--jobs", "1", str(folder)],
             refs=("mi50",), aims=(Aim("ratio", 1.2),), ok_codes=FINDINGS),
        Case("kc50j2", f"kcsubmit check --jobs 2 DIR ({n} files)", [kc, "check", "--jobs", "2", str(folder)],
             refs=("mi50",), aims=(Aim("ratio", 1.2),), ok_codes=FINDINGS),
    ]

    def after(t: dict[str, Timing]) -> str:
        return (f"A header-only check takes the same time on both clips: both are {SIZED_SECONDS:g} s, "
                "compliant 1080p25 H.264/AAC (same index size), at 8 Mbit/s and 750 kbit/s.\n\n"
                + md_table(SCALING_HEAD, scaling_rows(t)) + "\n\n"
                f"`bench/out/folder50`: {COPIES} clips (61-65 s) each of {', '.join(v for v, _ in VARIANTS)} "
                "(截断: a cut-off copy).")

    return Section("check", "Check against mediainfo",
                   "One clip of 25 MB and one of 250 MB, then a folder of 50 clips, against the `mediainfo` CLI "
                   "(which parses at its default ParseSpeed 0.5; kcsubmit uses MediaInfoLib at 0).",
                   cases, runs, after=after)


def scaling_rows(t: dict[str, Timing]) -> list[list[str]]:
    """25 MB against 250 MB: header-only parsing makes the bigger file cost no more."""
    out = []
    for key, name in (("kc", "kcsubmit check"), ("kcj", "kcsubmit check --format json"), ("mi", "mediainfo"),
                      ("mij", "mediainfo --Output=JSON"), ("mi0", "mediainfo --ParseSpeed=0")):
        small, big = t[f"{key}25"].median, t[f"{key}250"].median
        aimed, ratio = key.startswith("kc"), big / small
        met = ("yes" if ratio <= SCALING_AIM else "NO") if aimed else "—"
        aim = f"≤ {SCALING_AIM:.2f}x" if aimed else "—"
        out.append([name, f"{small:.3f}", f"{big:.3f}", f"{ratio:.2f}x", aim, met])
    return out


def archive_section(kc: str, runs: int) -> Section:
    video = ensure_sized("人工智能-280MB.mp4", *SIZED["人工智能-280MB.mp4"])
    big_zip = ensure_zip(video)
    return Section("archive", "Archive check against unpacked",
                   "The 282 MB clip alone, and stored (not deflated) in a theme zip as `pack` writes it: the "
                   "archive check reads the entry once to verify its CRC-32 (A008).", [
                       Case("mp4280", "kcsubmit check, 282 MB mp4", [kc, "check", "-f", "json", str(video)],
                            ok_codes=FINDINGS),
                       Case("zip280", "kcsubmit check, 282 MB zip holding it (stored)",
                            [kc, "check", "-f", "json", str(big_zip)], refs=("mp4280",),
                            aims=(Aim("ratio", 1.2), Aim("mib", 150)), ok_codes=FINDINGS),
                   ], runs)


def batch_section(kc: str, runs: int) -> Section:
    archives = ensure_archives()
    return Section("batch", "Batch scaling with --jobs",
                   f"{ARCHIVES} small theme zips (one 61 s clip each), one worker process against two "
                   f"(on {os.cpu_count()} logical cores). Peak RSS is that of the biggest process.", [
                       Case("arc200j1", f"kcsubmit check --jobs 1, {ARCHIVES} small zips",
                            [kc, "check", "-j", "1", "-f", "json", str(archives)], ok_codes=FINDINGS),
                       Case("arc200j2", f"kcsubmit check --jobs 2, {ARCHIVES} small zips",
                            [kc, "check", "-j", "2", "-f", "json", str(archives)], refs=("arc200j1",),
                            aims=(Aim("ratio", 0.75),), ok_codes=FINDINGS),
                   ], runs)


def docx_section(kc: str, runs: int) -> Section:
    big_docx = ensure_big_docx()
    mb = big_docx.stat().st_size / 1e6
    return Section("docx", "A .docx with 30 pictures: memory",
                   f"A {mb:.0f} MB case document holding 30 distinct 2600x1950 JPEG photos of noise (about 5 MB "
                   "each, which compresses badly): every picture is decoded and checked.", [
                       Case("docx30", f"kcsubmit check, .docx with 30 pictures ({mb:.0f} MB)",
                            [kc, "check", str(big_docx)], aims=(Aim("mib", 300),), ok_codes=FINDINGS),
                   ], runs)


# --- the machine -----------------------------------------------------------------------------------

PROBE = """
import importlib.metadata as m, json
from pymediainfo import MediaInfo
lib = MediaInfo._get_library()
print(json.dumps({"lib": lib[2], "libpath": lib[0]._name, **{n: m.version(n) for n in
      ("kcsubmit", "pymediainfo", "Pillow", "python-docx", "imageio-ffmpeg", "typer")}}))
"""


def machine(mi: str) -> list[tuple[str, str]]:
    """What the figures were measured on: hardware and the versions that matter."""
    def first(path: str, key: str) -> str:
        lines = Path(path).read_text().splitlines() if Path(path).exists() else []
        return next((ln.split(":", 1)[1].strip() for ln in lines if ln.startswith(key)), "?")

    output = lambda cmd: subprocess.run(cmd, capture_output=True, text=True, check=True).stdout  # noqa: E731
    v = json.loads(output([sys.executable, "-c", PROBE]))
    lib = Path(v["libpath"])
    ffmpeg = output([videogen.ffmpeg_exe(), "-version"]).split()[2]
    zip_line = output([shutil.which("zip") or "zip", "-v"]).splitlines()[1]
    return [
        ("CPU", f"{first('/proc/cpuinfo', 'model name')}, {os.cpu_count()} logical cores"),
        ("RAM", f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1024**3:.1f} GiB"),
        ("OS", platform.platform()), ("Python", platform.python_version()),
        ("kcsubmit", v["kcsubmit"]), ("pymediainfo", v["pymediainfo"]),
        ("MediaInfoLib used by kcsubmit", f"{v['lib']} ({lib.name} in {lib.parent.name}/)"),
        ("mediainfo CLI", output([mi, "--Version"]).split()[-1].lstrip("v")),
        ("ffmpeg", f"{ffmpeg} (imageio-ffmpeg {v['imageio-ffmpeg']})"),
        ("Pillow", v["Pillow"]), ("python-docx", v["python-docx"]), ("Typer", v["typer"]),
        ("zip", " ".join(zip_line.split()[2:4])),
    ]


class Load:
    """CPU time used by other processes while the bench ran: busy time of the machine (/proc/stat,
    steal included) minus the CPU time of this process and everything it waited for."""

    def __init__(self) -> None:
        self.start = self._busy(), self._ours(), time.perf_counter(), os.getloadavg()[0]

    @staticmethod
    def _busy() -> float:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle, iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _ours() -> float:
        return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                   for f in ("ru_utime", "ru_stime"))

    def text(self) -> str:
        busy, ours, wall, load = self.start
        other = max(0.0, (self._busy() - busy) - (self._ours() - ours))
        share = other / ((time.perf_counter() - wall) * (os.cpu_count() or 1))
        noisy = " — more than 10 %: the figures are noisy, rerun on a quiet machine" if share > 0.10 else ""
        return (f"other processes (and the hypervisor's steal) used {other:.0f} CPU-seconds during the run, "
                f"{share:.0%} of the machine; load average {load:.2f} at the start{noisy}")


# --- the page --------------------------------------------------------------------------------------

def render_docs(info: list[tuple[str, str]], sections: list[Section], timings: dict[str, Timing],
                afters: dict[str, str], soak_md: str | None, tools: dict[str, str], runs: int,
                took: float, load: str, missed: list[str], notes: str, hdr_md: str | None = None) -> str:
    names = {c.key: c.what for s in sections for c in s.cases}
    parts = []
    for s in sections:
        commands = "\n".join([*(shown(c.cmd, tools) for c in s.cases), *s.extra_commands])
        parts.append(f"## {s.title}\n\n{s.intro}\n\n{md_table(HEAD, rows(s, timings, names))}\n\n"
                     + (f"{afters[s.key]}\n\n" if afters.get(s.key) else "") + f"```\n{commands}\n```\n")
    if soak_md is not None:
        parts.append(f"## Soak: {soak.COUNT:,} submissions\n\n{soak_md}")
    if hdr_md is not None:
        parts.append(hdr_md)
    aims = "\n".join(f"- {m}" for m in missed) or "- none"
    return f"""# Benchmarks

Written by `make bench` (`python bench/run.py --write-docs`) on {time.strftime('%Y-%m-%d')}; the whole run
took {minutes(took)}. Edit only the Notes at the end (the script keeps everything below
the notes marker comment there).

## Machine

{chr(10).join(f"- {k}: {v}" for k, v in info)}
- Load: {load}

## How it is measured

Each command is a fresh process that a small launcher (`bench/common.py`) forks and execs with
stdin and stdout on `/dev/null`, timed from fork to exit (start-up included, files in the page
cache): the median of {runs} runs after one warm-up run unless a table says otherwise. Peak RSS is
the largest `ru_maxrss` of those runs, from `os.wait4` on that child, which reports the larger of
its own high-water mark and those of the children it waited for (ffmpeg under `fix`, the workers of
`--jobs`): the biggest single process, not a sum (floor: the `/bin/true` row, the launcher's forked
child before exec). ratio = median / the reference's median, both measured in this run.
`kcsubmit check` exits 1 when a file has findings: that counts as a normal run. Python runs with
its bytecode cache (in `bench/out/pycache`), as after `pip install`.

Aims not met in this run:

{aims}

{chr(10).join(parts)}
## How to reproduce

`make bench` (makes `.venv`, runs everything, rewrites this file) or `.venv/bin/python bench/run.py
--write-docs`; `--runs N` sets the runs of the quick commands, `--only fix,pack` runs some tables
(without `--write-docs`), `--no-presets` skips the preset sweep, `--hdr-seconds N` sets the length
of the HDR table's sources (default 180). `python bench/fix.py`, `bench/pack.py`, `bench/soak.py`
and `bench/hdr.py [--seconds N] [--write-docs]` each run one part alone (the last rewrites only its
own table). Needs `mediainfo`, `zip` and `HandBrakeCLI` on PATH
(`apt-get install -y mediainfo zip handbrake-cli`). The media are generated into `bench/out/` (git-ignored) once
and then reused.

## Notes

{NOTES_MARKER}{notes}"""


def minutes(seconds: float) -> str:
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def kept_notes() -> str:
    """Whatever follows the notes marker (at the start of a line) in the current docs/benchmarks.md."""
    old = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    return old.partition(f"\n{NOTES_MARKER}")[2] or "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=lambda v: max(3, int(v)), default=7,
                        help="timed runs of each quick command (default 7; at least 3)")
    parser.add_argument("--write-docs", action="store_true", help=f"also rewrite {DOCS.relative_to(ROOT)}")
    parser.add_argument("--only", type=lambda v: [s for s in v.split(",") if s], default=list(SECTIONS),
                        help=f"comma-separated tables to run, of {','.join(SECTIONS)} (not with --write-docs)")
    parser.add_argument("--no-presets", action="store_true", help="skip the libx264 preset sweep (about 90 s)")
    parser.add_argument("--hdr-seconds", type=float, default=hdr.SECONDS,
                        help=f"length of the HDR table's sources (default {hdr.SECONDS:g})")
    args = parser.parse_args(argv)
    if unknown := set(args.only) - set(SECTIONS):
        parser.error(f"unknown table {', '.join(sorted(unknown))}; known: {','.join(SECTIONS)}")
    if args.write_docs and set(args.only) != set(SECTIONS):
        parser.error("--write-docs rewrites every table: leave out --only")
    began, load = time.perf_counter(), Load()
    kc, mi = kcsubmit_exe(), shutil.which("mediainfo")
    if mi is None:
        raise SystemExit("no mediainfo on PATH: apt-get install -y mediainfo")
    info = machine(mi)
    print("\n".join(f"{k}: {v}" for k, v in info), end="\n\n", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    PYCACHE.mkdir(exist_ok=True)
    build = {
        "startup": lambda scratch: startup_section(kc, args.runs),
        "check": lambda scratch: check_section(kc, mi, args.runs),
        "archive": lambda scratch: archive_section(kc, args.runs),
        "batch": lambda scratch: batch_section(kc, args.runs),
        "docx": lambda scratch: docx_section(kc, args.runs),
        "fix": lambda scratch: fix.section(kc, scratch, presets=not args.no_presets),
        "pack": lambda scratch: pack.section(kc, scratch),
    }
    sections, timings, afters, missed, soak_md = [], {}, {}, [], None
    with scratch_dir() as scratch:
        for key in [k for k in SECTIONS if k in args.only and k != "soak"]:
            (scratch / key).mkdir()
            section = build[key](scratch / key)
            print(f"{section.title}:", flush=True)
            measure_section(section, timings)
            afters[key] = section.after(timings) if section.after else ""
            sections.append(section)
    names = {c.key: c.what for s in sections for c in s.cases}
    for section in sections:
        print(f"\n{section.title}\n{text_table(HEAD, rows(section, timings, names))}")
        if afters[section.key]:
            print(f"\n{afters[section.key]}")
        missed += misses(section, timings, names)
    tools = {kc: "kcsubmit", mi: "mediainfo", sys.executable: "python", videogen.ffmpeg_exe(): "ffmpeg",
             shutil.which("zip") or "zip": "zip", shutil.which("cp") or "cp": "cp"}
    if "soak" in args.only:
        print("\nSoak:", flush=True)
        result = soak.run(soak.ensure_soak(), kc)
        print(soak.text(result))
        soak_md = soak.markdown(result, shown(result.cmd, tools))
        missed += soak.misses(result)
    hdr_md = None
    if "hdr" in args.only:
        print("\nHDR phone video:", flush=True)
        started = time.perf_counter()
        with scratch_dir() as scratch:
            tables = hdr.run(kc, args.hdr_seconds, scratch)
        for table in tables:
            print(f"\n{table.title}\n{text_table(hdr.HEAD, hdr.body(table))}")
        hdr_md = hdr.markdown(tables, args.hdr_seconds, time.perf_counter() - started,
                              {kc: "kcsubmit", hdr.HANDBRAKE: "HandBrakeCLI"})
        missed += hdr.misses(tables)
    took = time.perf_counter() - began
    print(f"\naims not met: {len(missed)}" + "".join(f"\n  {m}" for m in missed))
    print(f"{load.text()}\nthe whole run took {minutes(took)}")
    if args.write_docs:
        DOCS.write_text(render_docs(info, sections, timings, afters, soak_md, tools, args.runs, took,
                                    load.text(), missed, kept_notes(), hdr_md), encoding="utf-8")
        print(f"wrote {DOCS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Soak: ``kcsubmit check --jobs 2 -f json`` over 1,000 mixed submissions, memory sampled throughout.

``python bench/soak.py`` (also run by ``bench/run.py``). The folder ``bench/out/soak`` is made once
(about 0.8 GB; ``--remake`` makes it again) from a few dozen templates in ``bench/out/soak-templates``:
compliant and broken clips, compliant theme zips, case documents with broken pictures, loose
pictures, and damaged and hostile archives, shuffled so that every hundred files has the same mix.

How it is measured, in one run of the real command: the command runs as a child whose stderr is a
pseudo-terminal, so kcsubmit draws its progress bar there (the count of files done, redrawn about
ten times a second); stdout (the JSON report) goes to ``bench/out/soak-report.json``. Every 0.2 s
the sampler reads the count from that bar and VmRSS (and Pss) from ``/proc/<pid>/status`` and
``/proc/<pid>/smaps_rollup`` of the child and every process under it (the ``--jobs`` workers).
Peak RSS of the biggest single process also comes from ``os.wait4``.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import random
import re
import select
import shutil
import statistics
import struct
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import FINDINGS, OUT, ROOT, child_env, kcsubmit_exe, md_table, text_table  # noqa: E402

SOAK = OUT / "soak"
TEMPLATES = OUT / "soak-templates"
REPORT = OUT / "soak-report.json"
COUNT = 1000
JOBS = 2
#: Written to SOAK/.recipe once the folder is complete; change it when the mix below changes.
RECIPE = f"soak-1 {COUNT}"
SAMPLE_S = 0.2
FLAT = 0.10  # "flat": the RSS after the last hundred files within 10 % of that after the first hundred
THEMES = ("助力双减", "人工智能", "逐梦航天", "美丽乡村")

Maker = Callable[[Path, int], None]  # writes the file at the path; the int is its index (names, variety)


# --- templates: each made once, then copied -------------------------------------------------------

def _template(name: str, make: Callable[[Path], object]) -> bytes:
    path = TEMPLATES / name
    if not path.is_file():
        TEMPLATES.mkdir(parents=True, exist_ok=True)
        print(f"making soak template {name} ...", flush=True)
        make(path)
    return path.read_bytes()


def _copy_of(template: str, make: Callable[[Path], object]) -> Maker:
    return lambda path, index: path.write_bytes(_template(template, make))


def _clip(**options: object) -> Callable[[Path], object]:
    import videogen

    return lambda path: videogen.make_video(path, **{"duration": 61.0, **options})


def _cut_clip(path: Path) -> None:
    import videogen

    videogen.truncate(TEMPLATES / "video-合格.mp4", path, keep_fraction=0.3)


#: label, file suffix, videogen options (None: the first 30 % of the compliant clip)
VIDEOS = [("合格", "mp4", {}), ("竖屏", "mp4", {"rotation": 90}), ("4比3", "mp4", {"width": 1440}),
          ("HEVC", "mp4", {"codec": "hevc", "pix_fmt": "yuv420p10le"}), ("隔行", "mp4", {"interlaced": True}),
          ("太短", "mp4", {"duration": 20.0}), ("苹果", "mov", {"container": "mov"}),
          ("moov在末尾", "mp4", {"faststart": False}), ("VFR", "mp4", {"vfr": True}), ("截断", "mp4", None)]


def _video_maker(label: str, suffix: str, options: dict | None) -> tuple[str, Maker]:
    template = f"video-{label}.{suffix}"
    if options is None:
        _template("video-合格.mp4", _clip())
        return suffix, _copy_of(template, _cut_clip)
    return suffix, _copy_of(template, _clip(**options))


def _theme_zip(path: Path, index: int) -> None:
    """A compliant theme upload: the compliant clip stored under the school's name, as pack writes it."""
    import zipfile

    clip = _template("video-合格.mp4", _clip())
    theme = THEMES[index % 4]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(f"学校{index:04d}-{theme}.mp4", clip)


def _docx(**variant: object) -> Callable[[Path], object]:
    def make(path: Path) -> object:
        import docgen

        pictures = variant.get("pictures") or [docgen.jpeg(seed=i) for i in range(5)]
        paragraphs = variant.get("paragraphs", [docgen.chinese_text(420)])
        return docgen.make_docx(path, paragraphs=paragraphs, pictures=pictures,
                                tracked_change=bool(variant.get("tracked")), comment=bool(variant.get("tracked")))
    return make


def _broken_pictures() -> list[bytes]:
    import docgen

    return [docgen.jpeg(fmt="PNG", seed=21), docgen.jpeg(mode="CMYK", seed=22),
            docgen.jpeg((4032, 3024), seed=23, quality=70), docgen.jpeg((480, 640), orientation=6, seed=24),
            os.urandom(20_000)]


def _cut(make: Callable[[Path], object], fraction: float) -> Callable[[Path], object]:
    def cut(path: Path) -> None:
        whole = path.with_name(f".whole-{path.name}")
        make(whole)
        path.write_bytes(whole.read_bytes()[:int(whole.stat().st_size * fraction)])
        whole.unlink()
    return cut


def _documents() -> list[tuple[str, Maker]]:
    import docgen

    variants = {
        "合格": {}, "坏图": {"pictures": _broken_pictures()}, "图少": {"pictures": [docgen.jpeg(seed=31)] * 1},
        "重复图": {"pictures": [docgen.jpeg(seed=i % 4) for i in range(5)]}, "修订": {"tracked": True},
        "字多": {"paragraphs": [docgen.chinese_text(800, 4)]}, "无字": {"paragraphs": []},
        "大图": {"pictures": [docgen.jpeg((4032, 3024), seed=40 + i, quality=70) for i in range(5)]},
    }
    makers = [(label, _copy_of(f"doc-{label}.docx", _docx(**v))) for label, v in variants.items()]
    makers.append(("截断", _copy_of("doc-截断.docx", _cut(_docx(), 0.5))))
    makers.append(("坏图截断", _copy_of("doc-坏图截断.docx", _cut(_docx(pictures=_broken_pictures()), 0.7))))
    return makers


def _pictures() -> list[tuple[str, str, Maker]]:
    import docgen

    def write(data: Callable[[], bytes]) -> Callable[[Path], object]:
        return lambda path: path.write_bytes(data())

    return [
        ("合格", "jpg", _copy_of("pic-合格.jpg", write(lambda: docgen.jpeg(seed=51)))),
        ("PNG改名", "jpg", _copy_of("pic-PNG改名.jpg", write(lambda: docgen.jpeg(fmt="PNG", seed=52)))),
        ("CMYK", "jpg", _copy_of("pic-CMYK.jpg", write(lambda: docgen.jpeg(mode="CMYK", seed=53)))),
        ("旋转", "jpg", _copy_of("pic-旋转.jpg", write(lambda: docgen.jpeg((480, 640), orientation=6, seed=54)))),
        ("截断", "jpg", _copy_of("pic-截断.jpg", write(lambda: docgen.jpeg((1024, 768), seed=55)[:9000]))),
    ]


def _hostile() -> list[tuple[str, str, Maker]]:
    import archivegen as a

    clip = lambda: _template("video-合格.mp4", _clip())  # noqa: E731
    good = lambda path: a.zip_of(path, {"学校-人工智能.mp4": clip()})  # noqa: E731

    def from_good(make: Callable[[Path, Path], object]) -> Callable[[Path], object]:
        def build(path: Path) -> None:
            source = TEMPLATES / "arc-good.zip"
            if not source.is_file():
                good(source)
            make(path, source)
        return build

    kinds: list[tuple[str, str, Callable[[Path], object]]] = [
        ("截断", "zip", from_good(lambda p, s: a.truncated(p, s, 0.4))),
        ("CRC坏", "zip", from_good(lambda p, s: a.crc_broken(p, s))),
        ("分卷", "z01", from_good(lambda p, s: a.split_volume(p, s))),
        ("末卷", "zip", from_good(lambda p, s: a.last_disk_zip(p, s))),
        ("路径穿越", "zip", a.zip_slip), ("绝对路径", "zip", a.absolute_paths_zip), ("符号链接", "zip", a.symlink_zip),
        ("设备文件", "zip", a.device_zip), ("炸弹", "zip", a.deflate_bomb), ("谎报炸弹", "zip", a.lying_bomb),
        ("万个条目", "zip", a.many_entries), ("加密", "zip", a.encrypted_zip),
        ("GBK名", "zip", lambda p: a.gbk_names_zip(p, {"逐梦航天.mp4": clip()})),
        ("UnicodePath名", "zip", lambda p: a.unicode_path_zip(p, {"逐梦航天.mp4": clip()})),
        ("嵌套", "zip", a.nested_zip), ("垃圾文件", "zip", lambda p: a.junk_zip(p, {"美丽乡村.mp4": clip()})),
        ("空", "zip", lambda p: a.empty_zip(p, ("视频/",))), ("7z", "7z", lambda p: a.seven_zip(p, {"a.mp4": clip()})),
        ("7z加密", "7z", lambda p: a.seven_zip(p, {"a.mp4": b"x" * 1000}, password="123")),
        ("tar.gz改名", "zip", lambda p: a.targz_named_zip(p, {"a.mp4": clip()})),
    ]
    return [(label, suffix, _copy_of(f"arc-{label}.{suffix}", make)) for label, suffix, make in kinds]


def plan() -> list[tuple[str, Maker]]:
    """The 1,000 (file name, maker) pairs, in a fixed shuffled order."""
    items: list[tuple[str, str, Maker]] = []  # (label, suffix, maker)
    for label, suffix, options in VIDEOS:  # 300 clips
        suffix, maker = _video_maker(label, suffix, options)
        items += [(f"{label}", suffix, maker)] * 30
    items += [("主题包", "zip", _theme_zip)] * 300  # 300 compliant theme zips
    for label, maker in _documents():  # 150 case documents
        items += [(f"案例-{label}", "docx", maker)] * 15
    for label, suffix, maker in _pictures():  # 50 loose pictures
        items += [(f"图片-{label}", suffix, maker)] * 10
    for label, suffix, maker in _hostile():  # 200 damaged and hostile archives
        items += [(f"压缩包-{label}", suffix, maker)] * 10
    assert len(items) == COUNT, len(items)
    random.Random(2023).shuffle(items)
    return [(f"{i:04d}-{THEMES[i % 4]}-{label}.{suffix}", maker) for i, (label, suffix, maker) in enumerate(items)]


def ensure_soak(remake: bool = False) -> Path:
    """``bench/out/soak`` with the 1,000 files, made unless complete."""
    marker = SOAK / ".recipe"
    if not remake and marker.is_file() and marker.read_text() == RECIPE:
        return SOAK
    start = time.perf_counter()
    if SOAK.exists():
        shutil.rmtree(SOAK)
    SOAK.mkdir(parents=True)
    for index, (name, maker) in enumerate(plan()):
        maker(SOAK / name, index)
    marker.write_text(RECIPE)
    size = sum(p.stat().st_size for p in SOAK.iterdir()) / 1e6
    print(f"made {SOAK.relative_to(ROOT)}: {COUNT} files, {size:.0f} MB in {time.perf_counter() - start:.0f} s",
          flush=True)
    return SOAK


# --- the run ---------------------------------------------------------------------------------------

@dataclass
class Sample:
    t: float
    done: int
    rss: dict[int, int]  # pid -> VmRSS KiB (the child first)
    pss: int             # KiB, the whole tree


@dataclass
class Soak:
    cmd: list[str]
    seconds: float
    exit_code: int
    peak_wait4_mib: float
    samples: list[Sample]
    files: int           # files in the JSON report (inner files of archives and documents not counted)
    results: int         # results in it (inner pictures and archive members counted)
    errors: int
    size_mb: float
    rows: list[list[str]] = field(default_factory=list)


def _tree(root: int) -> list[int]:
    """``root`` and every process under it, from the parent pids in /proc/*/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop(0)
        found.append(pid)
        todo += sorted(children.get(pid, []))
    return found


def _kib(path: str, key: bytes) -> int | None:
    try:
        with open(path, "rb") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _sample(pid: int, t: float, done: int) -> Sample:
    rss, pss = {}, 0
    for p in _tree(pid):
        value = _kib(f"/proc/{p}/status", b"VmRSS:")
        if value:  # a zombie has none
            rss[p] = value
            pss += _kib(f"/proc/{p}/smaps_rollup", b"Pss:") or 0
    return Sample(t, done, rss, pss)


PROGRESS = re.compile(r"━\s+(\d+)\b")  # the bar, then the count of files done
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def run(folder: Path, kc: str) -> Soak:
    """One ``kcsubmit check --jobs 2 -f json folder``, sampled every 0.2 s."""
    cmd = [kc, "check", "--jobs", str(JOBS), "-f", "json", str(folder)]
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    report = os.open(REPORT, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    env = child_env()
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0), os.dup2(report, 1), os.dup2(slave, 2)
            os.execve(cmd[0], cmd, env)
        finally:
            os._exit(127)
    os.close(slave), os.close(report)
    samples, tail, done = [], b"", 0
    next_at = start
    while True:
        ended, status, usage = os.wait4(pid, os.WNOHANG)
        if ended:
            break
        now = time.perf_counter()
        if now >= next_at:
            samples.append(_sample(pid, now - start, done))
            next_at += SAMPLE_S
        ready, _, _ = select.select([master], [], [], max(0.0, min(0.05, next_at - time.perf_counter())))
        if ready:
            try:  # bytes, decoded whole: a read may end inside a character or an escape sequence
                tail = (tail + os.read(master, 1 << 16))[-8192:]
            except OSError:  # the child closed its end
                time.sleep(0.01)
            counts = PROGRESS.findall(ANSI.sub("", tail.decode("utf-8", "replace")))
            done = max(done, int(counts[-1])) if counts else done
    seconds = time.perf_counter() - start
    os.close(master)
    code = os.waitstatus_to_exitcode(status)
    if code not in FINDINGS:
        raise SystemExit(f"exit {code}: {' '.join(cmd)}")
    data = json.loads(REPORT.read_text(encoding="utf-8"))
    top = [r for r in data["files"] if "!" not in r["path"]]
    size = sum(p.stat().st_size for p in folder.iterdir() if not p.name.startswith(".")) / 1e6
    return Soak(cmd, seconds, code, usage.ru_maxrss / 1024, samples, len(top) + len(data["skipped"]),
                len(data["files"]), data["summary"]["errors"], size)


def _mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


def _total(s: Sample) -> int:
    return sum(s.rss.values())


def windows(soak: Soak) -> list[list[Sample]]:
    """The samples taken while the workers ran, by hundred files done (0-99, 100-199, ...; 1,000
    goes with the last hundred)."""
    found: list[list[Sample]] = [[] for _ in range(COUNT // 100)]
    for s in soak.samples:
        if len(s.rss) > 1:
            found[min(s.done // 100, len(found) - 1)].append(s)
    return found


def floors(span: list[Sample]) -> list[int]:
    """Each process's lowest VmRSS (KiB) in ``span``, the parent first: what it holds between files.

    A worker's RSS swings by tens of MiB with the file in hand (a 12-megapixel picture is decoded in
    full) and drops back when it is done; a leak would raise the floor.
    """
    pids = list(span[-1].rss)
    return [min(s.rss[p] for s in span if p in s.rss) for p in pids]


def figures(soak: Soak) -> dict[str, float]:
    """Throughput, peaks, and the floors with 100-199 files done against 900-1000."""
    spans = windows(soak)
    first, last = spans[1], spans[-1]
    if not first or not last:
        raise SystemExit("soak: no samples with 100-199 or 900-1000 files done: was the progress bar read?")
    running = [s for span in spans for s in span]
    before, after = floors(first), floors(last)
    return {
        "files_per_s": soak.files / soak.seconds,
        "steady_files_per_s": (running[-1].done - first[0].done) / (running[-1].t - first[0].t),
        "first_floor": sum(before), "last_floor": sum(after), "growth": sum(after) / sum(before) - 1,
        "first_parent": before[0], "last_parent": after[0],
        "parent_kib_per_file": (after[0] - before[0]) / max(1, statistics.median(s.done for s in last)
                                                            - statistics.median(s.done for s in first)),
        "first_workers": before[1:], "last_workers": after[1:],
        "peak_tree": max(_total(s) for s in soak.samples), "peak_pss": max(s.pss for s in soak.samples),
    }


def table(soak: Soak) -> tuple[list[str], list[list[str]]]:
    """Per hundred files done: when it ended, the rate since the previous hundred ended, the floor of
    each process and of the tree, and the median (max) of the tree's RSS over the samples taken then."""
    head = ["files done", "at s", "files/s", "parent floor MiB", "worker floors MiB", "tree floor MiB",
            "tree VmRSS MiB, median (max)", "tree PSS MiB, median", "samples"]
    body, before = [], None
    for index, span in enumerate(windows(soak)):
        if not span:
            continue
        end, low = span[-1], floors(span)
        rate = f"{(end.done - before.done) / (end.t - before.t):.0f}" if before and end.t > before.t else "—"
        body.append([f"{index * 100}–{index * 100 + 99 if index < 9 else COUNT}", f"{end.t:.1f}", rate,
                     _mib(low[0]), " / ".join(_mib(v) for v in low[1:]), _mib(sum(low)),
                     f"{_mib(statistics.median(map(_total, span)))} ({_mib(max(map(_total, span)))})",
                     _mib(statistics.median(s.pss for s in span)), str(len(span))])
        before = end
    return head, body


def _change(a: float, b: float) -> str:
    return f"{_mib(a)} → {_mib(b)} MiB ({b / a - 1:+.0%})"


def markdown(soak: Soak, shown_cmd: str) -> str:
    f = figures(soak)
    head, body = table(soak)
    workers = ", ".join(_change(a, b) for a, b in zip(f["first_workers"], f["last_workers"]))
    summary = md_table(["figure", "value", "aim", "met"], [
        ["throughput", f"{soak.files} files in {soak.seconds:.1f} s: {f['files_per_s']:.1f} files/s (start-up and "
         f"report included); {f['steady_files_per_s']:.1f} files/s from 100 files done to the end", "—", "—"],
        ["peak memory", f"{_mib(f['peak_tree'])} MiB VmRSS summed over the tree ({_mib(f['peak_pss'])} MiB PSS); "
         f"biggest single process {soak.peak_wait4_mib:.0f} MiB (`os.wait4`)", "—", "—"],
        ["tree floor, 100–199 → 900–1,000 files done", _change(f["first_floor"], f["last_floor"]),
         f"flat: within ±{FLAT:.0%}", "yes" if abs(f["growth"]) <= FLAT else "NO"],
        ["parent floor (it holds the report until the end)",
         f"{_change(f['first_parent'], f['last_parent'])}, about {f['parent_kib_per_file']:.1f} KiB per file",
         "—", "—"],
        ["worker floors", workers, "—", "—"],
    ])
    return f"""{COUNT} files ({soak.size_mb:.0f} MB) in `bench/out/soak`, shuffled so that every hundred has the same
mix: 300 clips (30 each of compliant, portrait, 4:3, HEVC 10-bit, interlaced, too short, MOV,
moov last, VFR, cut off), 300 compliant theme zips, 150 case documents (compliant, broken pictures,
too few, a picture twice, tracked changes, too many words, no text, phone-size pictures, cut off,
cut off with broken pictures), 50 loose pictures (compliant, PNG renamed, CMYK, EXIF-rotated,
cut off) and 200 damaged or hostile archives (20 kinds: truncated, bad CRC, split volumes, zip
slip, absolute paths, symlink, device, deflate bombs, one that lies about its size, 11,000
entries, encrypted zip and 7z, GBK names, nested, junk, empty, tar.gz named .zip, …).
Each file is one upload as a reviewer receives it (a theme video or its zip, a case document, a
picture, an archive from a school), which is what "1,000 submissions" means here: the SPEC judges a
folder or manifest as a whole only when it is checked alone, and a reviewer's folder of uploads is
checked file by file.

One run of the real command, which exited {soak.exit_code} ({soak.errors} errors over {soak.results} results:
the files and the pictures and members inside them). How it is measured: kcsubmit's stderr is a
pseudo-terminal, so it draws its progress bar, which gives the count of files done; every {SAMPLE_S} s
the sampler reads that count and VmRSS of the parent and of each worker from `/proc/<pid>/status`
(PSS from `/proc/<pid>/smaps_rollup` too: forked workers share pages with the parent, which VmRSS
counts in each). A worker's RSS swings by tens of MiB with the file in hand (a 12-megapixel
picture is decoded in full) and drops back when it is done, so "RSS after the first and the last
hundred" is the *floor*: each process's lowest VmRSS among the samples of that hundred, summed
over the tree; a leak raises the floor. Flat: the floor with 900–1,000 files done within ±{FLAT:.0%} of
the floor with 100–199 done (the first hundred is the warm-up: each worker imports what a kind of
file needs when it first meets one).

```
{shown_cmd}
```

{summary}

{md_table(head, body)}
"""


def text(soak: Soak) -> str:
    f = figures(soak)
    head, body = table(soak)
    workers = ", ".join(_change(a, b) for a, b in zip(f["first_workers"], f["last_workers"]))
    return (f"soak: {soak.files} files in {soak.seconds:.1f} s = {f['files_per_s']:.1f} files/s "
            f"(from 100 done: {f['steady_files_per_s']:.1f}); exit {soak.exit_code}\n"
            f"tree floor at 100-199 files -> 900-1000: {_change(f['first_floor'], f['last_floor'])}; "
            f"parent {_change(f['first_parent'], f['last_parent'])} ({f['parent_kib_per_file']:.1f} KiB/file); "
            f"workers {workers}\npeak tree {_mib(f['peak_tree'])} MiB, biggest process {soak.peak_wait4_mib:.0f} MiB\n"
            + text_table(head, body))


def misses(soak: Soak) -> list[str]:
    f = figures(soak)
    found = []
    if soak.files != COUNT:
        found.append(f"Soak: {soak.files} of {COUNT} files in the report")
    if abs(f["growth"]) > FLAT:
        found.append(f"Soak: tree floor {_change(f['first_floor'], f['last_floor'])} from 100-199 to 900-1000 "
                     f"files done (aim ±{FLAT:.0%})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--remake", action="store_true", help="make bench/out/soak again")
    args = parser.parse_args(argv)
    folder = ensure_soak(args.remake)
    soak = run(folder, kcsubmit_exe())
    print(text(soak))
    return 0


if __name__ == "__main__":
    sys.exit(main())

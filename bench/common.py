"""What every benchmark of ``bench/`` shares: paths, the launcher, cases, verdicts and tables.

Each timed command is a fresh process started by ``LAUNCHER``, which returns its wall time and
peak RSS from ``os.wait4``. POSIX only.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
#: Bytecode of every measured Python process, cached here (see ``child_env``).
PYCACHE = OUT / "pycache"
#: Outputs of fix and pack while they are measured; removed afterwards.
SCRATCH = OUT / "scratch"
sys.path.insert(0, str(ROOT / "fixtures"))

#: Runs argv[1:] in a forked child (stdin, stdout: /dev/null); prints exit code, seconds and ru_maxrss
#: (KiB; bytes on macOS) in MiB from os.wait4 on that child. wait4 reports the larger of the child's own
#: high-water mark and those of the children it waited for (ffmpeg under `fix`, the workers of --jobs):
#: the biggest single process, not a sum. Not done here: RUSAGE_CHILDREN is a max over all children,
#: and a vfork()ed child keeps its parent's RSS high-water mark through exec(). Floor: /bin/true.
LAUNCHER = """
import os, sys, time
start, null, unit = time.perf_counter(), os.open(os.devnull, os.O_RDWR), 1 << (20 if sys.platform == "darwin" else 10)
if (pid := os.fork()) == 0:
    try: os.dup2(null, 0), os.dup2(null, 1), os.execv(sys.argv[1], sys.argv[1:])
    finally: os._exit(127)
_, status, usage = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - start, usage.ru_maxrss / unit)  # s, MiB
"""

#: `kcsubmit check` exits 1 when a file has findings: a normal run.
FINDINGS = (0, 1)


def child_env() -> dict[str, str]:
    """The environment of every measured command: this one, with Python's bytecode cache on.

    A user's kcsubmit runs from cached bytecode (pip compiles it at install; an editable install
    writes it on the first run). ``PYTHONDONTWRITEBYTECODE`` (set in some containers) would make
    every run compile kcsubmit's modules again, about 30 ms; the cache goes to bench/out/pycache
    so that nothing is written into src/. The warm-up run of each command fills it.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


@dataclass(frozen=True)
class Aim:
    """What a row must achieve: a median under ``limit`` seconds ("s"), a ratio to its first
    reference of at most ``limit`` ("ratio"), or a peak RSS under ``limit`` MiB ("mib")."""

    kind: str
    limit: float

    def text(self) -> str:
        return {"s": f"< {self.limit:.2f} s", "ratio": f"≤ {self.limit:.2f}x",
                "mib": f"< {self.limit:.0f} MiB"}[self.kind]

    def met(self, median: float, ratio: float | None, peak: float) -> bool:
        if self.kind == "s":
            return median < self.limit
        if self.kind == "mib":
            return peak < self.limit
        return ratio is not None and ratio <= self.limit


@dataclass(frozen=True)
class Case:
    """One command of a table, with its references (keys of other cases) and aims."""

    key: str
    what: str
    cmd: list[str]
    refs: tuple[str, ...] = ()
    aims: tuple[Aim, ...] = ()
    ok_codes: tuple[int, ...] = (0,)
    runs: int | None = None                   # None: the section's number of runs
    warmup: bool = True                       # an untimed first run (page cache, bytecode)
    before: Callable[[], None] | None = None  # before every run, untimed (e.g. remove the output)


@dataclass(frozen=True)
class Timing:
    median: float  # seconds
    peak: float    # MiB, the largest ru_maxrss of the timed runs
    runs: int


@dataclass
class Section:
    """One table of docs/benchmarks.md: its cases, what it shows, and text around it."""

    key: str
    title: str
    intro: str
    cases: list[Case]
    runs: int
    #: Markdown after the table, from the timings of every section (e.g. a derived table).
    after: Callable[[dict[str, Timing]], str] | None = None
    #: Commands shown under the table besides the cases' own (e.g. how a reference was derived).
    extra_commands: list[str] = field(default_factory=list)


def run_once(cmd: list[str], ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """Run ``cmd`` once through the launcher; return (wall seconds, peak RSS MiB)."""
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, *cmd], capture_output=True,
                          text=True, errors="replace", env=child_env())
    fields = proc.stdout.split()
    if proc.returncode != 0 or len(fields) != 3 or int(fields[0]) not in ok_codes:
        status = f"exit {fields[0]}" if len(fields) == 3 else "launcher failed"
        raise SystemExit(f"{status}: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return float(fields[1]), float(fields[2])


def measure(case: Case, runs: int) -> Timing:
    """Median seconds and peak RSS of the case's runs (after one warm-up run unless it has none)."""
    count = case.runs or runs
    samples = []
    for index in range(-1 if case.warmup else 0, count):
        if case.before is not None:
            case.before()
        sample = run_once(case.cmd, case.ok_codes)
        if index >= 0:
            samples.append(sample)
    return Timing(statistics.median(s for s, _ in samples), max(m for _, m in samples), count)


def measure_section(section: Section, timings: dict[str, Timing], log: Callable[[str], None] = print) -> None:
    """Measure every case of ``section`` into ``timings``, printing one line per case."""
    for case in section.cases:
        timings[case.key] = measure(case, section.runs)
        t = timings[case.key]
        log(f"  {case.what}: {t.median:.3f} s, {t.peak:.1f} MiB ({t.runs} runs)")


HEAD = ["what", "median s", "peak RSS MiB", "reference", "ratio", "aim", "met"]


def rows(section: Section, timings: dict[str, Timing], names: dict[str, str]) -> list[list[str]]:
    """One row per case: what, median s, peak RSS MiB, references, ratios, aims, met."""
    out = []
    for case in section.cases:
        t = timings[case.key]
        ratios = [t.median / timings[ref].median for ref in case.refs]
        aims = [(aim.text(), "yes" if aim.met(t.median, ratios[0] if ratios else None, t.peak) else "NO")
                for aim in case.aims]
        out.append([case.what, f"{t.median:.3f}", f"{t.peak:.1f}",
                    "; ".join(names[ref] for ref in case.refs) or "—",
                    "; ".join(ratio_text(r) for r in ratios) or "—",
                    "; ".join(a for a, _ in aims) or "—", "; ".join(m for _, m in aims) or "—"])
    return out


def misses(section: Section, timings: dict[str, Timing], names: dict[str, str]) -> list[str]:
    """The aims of ``section`` that were not met, one line each."""
    found = []
    for row in rows(section, timings, names):
        for aim, met in zip(row[5].split("; "), row[6].split("; ")):
            if met == "NO":
                found.append(f"{section.title}: {row[0]}: {row[1]} s, {row[2]} MiB, ratio {row[4]} (aim {aim})")
    return found


def text_table(head: list[str], body: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths]), *map(line, body)])


def md_table(head: list[str], body: list[list[str]]) -> str:
    line = lambda r: "| " + " | ".join(c.replace("|", "\\|") for c in r) + " |"  # noqa: E731
    return "\n".join([line(head), "|" + "---|" * len(head), *map(line, body)])


def shown(cmd: list[str], tools: dict[str, str]) -> str:
    """A command line as a reader types it: bare tool names, repo-relative paths, long lists globbed."""
    words = [tools.get(w, os.path.relpath(w, ROOT) if w.startswith(str(ROOT)) else w) for w in cmd]
    files = [w for w in words[1:] if "/" in w and not w.startswith("-")]
    if len(files) > 10:  # mediainfo f1 ... f50: a glob, left unquoted
        return f"{_quoted(words[0])} {_quoted(os.path.dirname(files[0]))}/*   # {len(files)} files"
    return " ".join(_quoted(w) for w in words)


#: Characters a POSIX shell would act on: a word holding one is shown in single quotes.
SHELL_SPECIAL = set(" \t\n;&|<>()$`\\\"'*?[]{}!~#")


def _quoted(word: str) -> str:
    if not SHELL_SPECIAL.intersection(word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """``bench/out/scratch``, empty, removed afterwards (a fixed name: the command lines shown stay the same)."""
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    try:
        yield SCRATCH
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)


def ratio_text(ratio: float) -> str:
    return f"{ratio:.3f}x" if ratio < 10 else f"{ratio:.1f}x"


def kcsubmit_exe() -> str:
    """``kcsubmit`` next to this interpreter; exit if missing."""
    path = Path(sys.executable).parent / "kcsubmit"
    if not path.is_file():
        raise SystemExit(f"no {path}: run `make bench` (or pip install -e . in this venv)")
    return str(path)

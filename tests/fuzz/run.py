"""Fuzz one target for a time budget, restarting libFuzzer after each crash or hang.

    python tests/fuzz/run.py mp4 corpus/mp4 --seconds 600 [--timeout 10] [--out fuzz-out]

libFuzzer stops at the first crash or timeout; with a native library that hangs now and
then (MediaInfo), a 10-minute run would end after a minute.  This driver starts the
harness again on the grown corpus until the budget is spent, keeps every artifact in
``--out`` and prints the figures docs/fuzzing.md records: runs, executions, exec/s,
coverage at the start and the end, and each crash/timeout/oom file.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = ("zip", "docx", "jpeg", "mp4")
COV = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
EXECUTED = re.compile(r"^stat::number_of_executed_units: (\d+)")
ARTIFACT = re.compile(r"Test unit written to (\S+)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--seconds", type=int, default=600, help="total fuzzing time (default 600)")
    parser.add_argument("--timeout", type=int, default=10, help="seconds per input before a hang (default 10)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"), help="artifacts and the log")
    parser.add_argument("extra", nargs="*", help="more libFuzzer options (after --)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log_path = args.out / f"{args.target}.log"
    start = time.monotonic()
    runs, executed, first, last, artifacts = 0, 0, None, None, []
    with open(log_path, "a", encoding="utf-8", errors="replace") as log:
        while (left := args.seconds - (time.monotonic() - start)) > 5:
            runs += 1
            command = [sys.executable, str(HERE / f"fuzz_{args.target}.py"), f"-max_total_time={int(left)}",
                       f"-timeout={args.timeout}", "-print_final_stats=1",
                       f"-artifact_prefix={args.out.resolve()}/{args.target}-", *args.extra, str(args.corpus)]
            log.write(f"\n### run {runs}: {' '.join(command)}\n")
            log.flush()
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                    errors="replace")
            assert proc.stderr is not None
            for line in proc.stderr:
                log.write(line)
                if match := COV.match(line):
                    last = tuple(int(g) for g in match.groups()[1:])
                    first = first or last
                elif match := EXECUTED.match(line):
                    executed += int(match.group(1))
                elif match := ARTIFACT.search(line):
                    artifacts.append(match.group(1))
            proc.wait()
    wall = time.monotonic() - start
    print(f"target {args.target}: {runs} run(s), {wall:.0f} s, {executed} executions, "
          f"{executed / max(wall, 1):.0f} exec/s")
    if first and last:
        print(f"coverage: cov {first[0]} -> {last[0]}, ft {first[1]} -> {last[1]}, corpus {first[2]} -> {last[2]}")
    for path in artifacts:
        print(f"artifact: {path}")
    print(f"log: {log_path}")
    return 1 if artifacts else 0


if __name__ == "__main__":
    sys.exit(main())

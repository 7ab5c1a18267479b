"""Ctrl-C at any instant never leaves a temporary folder (kcsubmit.interrupts.scratch_dir) or a
temporary output (kcsubmit.outdir.Parts) behind.

CI once found a ``kcsubmit-pack-*`` folder left in TMPDIR after a SIGINT (tests/test_faults.py):
``tempfile.TemporaryDirectory`` loses its folder when the interrupt falls between ``mkdtemp`` and
the registration of its cleanup, or inside the cleanup (where it can even fail with EBADF). The next
CI run found a ``.kcsubmit-part`` beside `fix`'s and `pack`'s outputs: the interrupt fell between
``mkstemp`` and the caller's ``try``. Here a thread sends SIGINT every millisecond or so while the
main thread makes and removes folders, or writes and publishes outputs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = r"""
import os, random, signal, threading, time
from pathlib import Path
from kcsubmit.interrupts import scratch_dir

# Ctrl-C as a user gives it: at most RAISES interrupts per run of the body (1: one Ctrl-C; 2: a second
# one, which may land while the first one's cleanup is being entered), never in this harness's own
# loop, whose stray KeyboardInterrupt would end the script rather than test kcsubmit.
RAISES = int(os.environ["RAISES"])
armed = 0
def handler(signum, frame):
    global armed
    if armed > 0:
        armed -= 1
        raise KeyboardInterrupt
signal.signal(signal.SIGINT, handler)

go, done = threading.Event(), threading.Event()
def sender():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # the main thread takes every one
    go.wait()
    while not done.is_set():
        time.sleep(random.uniform(0, 0.002))
        os.kill(os.getpid(), signal.SIGINT)

caught = 0

def run(n):
    global armed, caught
    for _ in range(n):
        try:
            armed = RAISES
            with scratch_dir(prefix="kcsubmit-t-") as d:
                Path(d, "a").write_bytes(b"x")
                os.mkdir(os.path.join(d, "sub"))
                Path(d, "sub", "b").write_bytes(b"y")
            armed = 0
        except KeyboardInterrupt:
            armed = 0
            caught += 1

threading.Thread(target=sender, daemon=True).start()
go.set()
end = time.monotonic() + float(os.environ["SECONDS_TO_RUN"])
while time.monotonic() < end:
    try:
        run(100)
    except KeyboardInterrupt:  # the second of two, landing in run's except clause
        pass
done.set()
print(caught)
"""

PARTS = SCRIPT.replace("from kcsubmit.interrupts import scratch_dir", "from kcsubmit.outdir import Parts").replace(
    """            with scratch_dir(prefix="kcsubmit-t-") as d:
                Path(d, "a").write_bytes(b"x")
                os.mkdir(os.path.join(d, "sub"))
                Path(d, "sub", "b").write_bytes(b"y")
""", """            out = Path(os.environ["TMPDIR"], str(random.getrandbits(64)))
            out.mkdir()
            with Parts() as parts:
                pairs = []
                for name in ("a.zip", "b.zip"):
                    handle, part = parts.create(out / name)
                    with handle:
                        handle.write(b"x" * 4096)
                    pairs.append((part, out / name))
                parts.publish(*pairs)
""")


def _storm(script: str, tmp_path: Path, raises: int) -> Path:
    """Run ``script`` with its own TMPDIR (returned) under a storm of SIGINTs."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "SECONDS_TO_RUN": "3", "RAISES": str(raises)}
    proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 100, "the interrupts did not land"
    return scratch


POSIX = pytest.mark.skipif(os.name != "posix", reason="signals sent by os.kill and masks are POSIX")
CTRL_C = pytest.mark.parametrize("raises", [1, 2], ids=["one Ctrl-C", "two"])


@POSIX
@CTRL_C
def test_scratch_dir_survives_interrupts_at_any_instant(tmp_path: Path, raises: int) -> None:
    scratch = _storm(SCRIPT, tmp_path, raises)
    assert sorted(os.listdir(scratch)) == []


@POSIX
@CTRL_C
def test_outputs_are_all_or_nothing_and_leave_no_temporary(tmp_path: Path, raises: int) -> None:
    """Each run's folder holds both outputs, whole, or nothing: never a ``.kcsubmit-part``, never one of two."""
    scratch = _storm(PARTS, tmp_path, raises)
    seen = {tuple(sorted(os.listdir(folder))) for folder in scratch.iterdir()}
    assert seen <= {(), ("a.zip", "b.zip")}, seen
    assert all((folder / name).stat().st_size == 4096 for folder in scratch.iterdir() for name in os.listdir(folder))

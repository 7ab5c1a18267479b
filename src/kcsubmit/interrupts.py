"""Ctrl-C and SIGTERM held back across the few steps that must not be cut in two.

Python raises KeyboardInterrupt between any two bytecodes.  Where that would leave
something behind — a temporary folder made but not yet in a ``try``, a folder half
removed, an ffmpeg forked but not yet known — the signals are blocked (POSIX, this
thread) for those few instructions and the one that arrived meanwhile is raised
right after, where the caller can clean up.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

INTERRUPTS = {signal.SIGINT, signal.SIGTERM}


def hold() -> set[int | signal.Signals] | None:
    """Block Ctrl-C and SIGTERM in this thread (POSIX); the previous mask, or None."""
    if os.name != "posix" or not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, INTERRUPTS)


def release(held: set[int | signal.Signals] | None) -> None:
    """Restore the mask ``hold`` returned: a signal held back is raised here."""
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def scratch_dir(prefix: str = "kcsubmit-") -> Iterator[str]:
    """A private temporary folder, removed afterwards even when Ctrl-C lands while it is made or removed.

    (``tempfile.TemporaryDirectory`` leaves its folder behind when the interrupt falls
    between ``mkdtemp`` and the registration of its cleanup, or during the cleanup.)
    """
    held = hold()
    try:
        path = tempfile.mkdtemp(prefix=prefix)
    except BaseException:
        release(held)
        raise
    try:
        release(held)  # an interrupt held back is raised here, inside the try
        yield path
    finally:
        remove_tree(path)


def remove_tree(path: str) -> None:
    """Remove ``path`` and everything in it; an interrupt meanwhile is raised only once it is gone."""
    held = hold()
    try:
        shutil.rmtree(path, ignore_errors=True)
    except BaseException:  # not held (another thread took the signal): finish, then go on
        shutil.rmtree(path, ignore_errors=True)
        raise
    finally:
        release(held)

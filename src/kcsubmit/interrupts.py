"""Ctrl-C and SIGTERM held back across the few steps that must not be cut in two.

Python raises KeyboardInterrupt between any two bytecodes.  Where that would leave
something behind — a temporary folder made but not yet in a ``try``, a folder half
removed, an ffmpeg forked but not yet known — the signals are blocked (POSIX, this
thread) for those few instructions and the one that arrived meanwhile is raised
right after, where the caller can clean up.

What is made that way is also owed (:func:`owe`) until it is published or removed
(:func:`settled`): a second Ctrl-C can still land while the first one's cleanup is
being entered, before it holds the signals; whatever is owed then is removed when the
process exits (``atexit``; a SIGKILL runs nothing).  The same holds for a thread of
``serve`` still writing when its server is stopped by a second Ctrl-C.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

INTERRUPTS = {signal.SIGINT, signal.SIGTERM}
_OWED: dict[str, int] = {}  # a temporary file or folder → the process that made it (a forked child owes nothing)


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
        owe(path)
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
        settled(path)
    except BaseException:  # not held (another thread took the signal): finish, then go on
        shutil.rmtree(path, ignore_errors=True)
        settled(path)
        raise
    finally:
        release(held)


def owe(path: str | os.PathLike[str]) -> None:
    """``path`` (a temporary file or folder) is to be removed if the process ends before :func:`settled`."""
    _OWED[os.fspath(path)] = os.getpid()


def settled(path: str | os.PathLike[str]) -> None:
    """``path`` was published or removed: nothing is owed for it any more."""
    _OWED.pop(os.fspath(path), None)


@atexit.register
def _remove_owed() -> None:
    """At exit, remove what a cleanup cut short by a second interrupt left (signals held meanwhile)."""
    me = os.getpid()
    owed = [path for path, pid in list(_OWED.items()) if pid == me]
    if not owed:
        return
    held = hold()
    try:
        for path in owed:
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.unlink(path)
            settled(path)
    finally:
        with contextlib.suppress(KeyboardInterrupt):  # one more Ctrl-C while exiting changes nothing
            release(held)

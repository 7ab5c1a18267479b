"""MediaInfo under a deadline: a damaged file may never let it return.

The fuzzers found files on which MediaInfo loops for ever or for minutes (docs/fuzzing.md);
the box walk and the SEI mask remove those causes, and this is the net under them for the
ones nobody has found yet. MediaInfo runs in a thread (ctypes lets go of the GIL during its
calls); past the deadline the thread is abandoned: the file is reported unreadable (V002)
and the check goes on. An abandoned thread may keep one core busy until kcsubmit exits; it
reads through a guard that refuses every read from then on, so it never touches a file the
rest of the check goes on using (the archive holding the video).
"""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Callable
from typing import IO, Any, TypeVar

T = TypeVar("T")

DEFAULT_S = 30.0  # headers only: a few ms on a healthy file, ~1 s on a slow USB stick


def seconds() -> float:
    """The deadline: ``KCSUBMIT_MEDIAINFO_TIMEOUT`` (seconds) or 30."""
    try:
        value = float(os.environ.get("KCSUBMIT_MEDIAINFO_TIMEOUT", DEFAULT_S))
    except ValueError:
        return DEFAULT_S
    return value if value > 0 else DEFAULT_S


class TimedOut(Exception):
    """The call did not return before the deadline."""


class Guarded(io.RawIOBase):
    """``file`` as a read-only file that can be taken away from its reader at once."""

    def __init__(self, file: IO[bytes]) -> None:
        self.file, self.lock, self.abandoned = file, threading.Lock(), False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def _check(self) -> None:
        if self.abandoned:
            raise ValueError("abandoned after the deadline")

    def tell(self) -> int:
        with self.lock:
            self._check()
            return self.file.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        with self.lock:
            self._check()
            return self.file.seek(offset, whence)

    def readinto(self, buffer: Any) -> int:
        with self.lock:
            self._check()
            data = self.file.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def abandon(self) -> None:
        """From now on every read fails; returns once no read is under way."""
        with self.lock:
            self.abandoned = True


def call(work: Callable[[], T], limit: float, guard: Guarded) -> T:
    """``work()`` in a thread; TimedOut (and ``guard`` abandoned) if it takes over ``limit`` s."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller (or dropped once abandoned)
            box["error"] = exc

    thread = threading.Thread(target=run, name="kcsubmit-mediainfo", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        guard.abandon()
        raise TimedOut(f"no answer within {limit:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]

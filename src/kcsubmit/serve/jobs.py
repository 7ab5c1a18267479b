"""One job at a time (check, fix or pack), in a thread of its own, with its progress as data.

The page polls :meth:`Runner.snapshot`; closing the tab does not stop the job, and a page
opened later shows where it is.  :meth:`Runner.stop` (the server shutting down: Ctrl-C)
asks the job to stop: the next progress report from ffmpeg (or the next file) raises
:class:`Cancelled` inside the job, which the library treats like Ctrl-C — ffmpeg is killed and
the unfinished output removed — and then waits for the thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Busy(Exception):
    """Another job is running."""


class Cancelled(BaseException):
    """Raised inside a job asked to stop (a BaseException, like KeyboardInterrupt: nothing catches it)."""


@dataclass
class Step:
    """One file of a job: its name and how far it is (0..1)."""

    name: str
    done: float = 0.0


@dataclass
class Progress:
    """What a job reports; read by the page, written by the job's thread."""

    kind: str
    status: str = "running"  # running | done | failed | cancelled
    steps: list[Step] = field(default_factory=list)
    current: int = -1
    error: str = ""
    started: float = field(default_factory=time.time)
    ended: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "status": self.status, "current": self.current, "error": self.error,
                "steps": [{"name": s.name, "done": round(s.done, 4)} for s in self.steps],
                "seconds": round((self.ended or time.time()) - self.started, 1)}


class Reporter:
    """The callbacks a job hands to the library: ``on_file(path, index, total)`` and ``on_fraction(done)``."""

    def __init__(self, progress: Progress, lock: threading.Lock, stop: threading.Event,
                 label: Callable[[str], str]) -> None:
        self.progress, self.lock, self.stop, self.label = progress, lock, stop, label

    def check(self) -> None:
        if self.stop.is_set():
            raise Cancelled()

    def on_file(self, path: str, index: int, total: int) -> None:
        self.check()
        with self.lock:
            p = self.progress
            if len(p.steps) != total:
                p.steps = [Step("") for _ in range(total)]
            for earlier in p.steps[:index]:
                earlier.done = 1.0
            p.steps[index].name = self.label(path)
            p.current = index

    def on_fraction(self, done: float) -> None:
        self.check()
        with self.lock:
            p = self.progress
            if 0 <= p.current < len(p.steps):
                p.steps[p.current].done = max(0.0, min(1.0, done))


class Runner:
    """Runs at most one job; keeps the progress of the last one."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.progress: Progress | None = None
        self.thread: threading.Thread | None = None

    def busy(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def start(self, kind: str, work: Callable[[Reporter], None], label: Callable[[str], str],
              describe: Callable[[BaseException], str]) -> None:
        """Start ``work(reporter)`` in a thread; :class:`Busy` while another job runs.
        ``describe`` turns a failure into the one line the page shows."""
        with self.lock:
            if self.busy() or self.stopping.is_set():
                raise Busy()
            progress = self.progress = Progress(kind)
            reporter = Reporter(progress, self.lock, self.stopping, label)

            def run() -> None:
                status, error = "done", ""
                try:
                    work(reporter)
                except Cancelled:
                    status = "cancelled"
                except Exception as exc:  # noqa: BLE001 - shown on the page, the server goes on
                    status, error = "failed", describe(exc)
                with self.lock:
                    if status == "done":
                        for step in progress.steps:
                            step.done = 1.0
                    progress.status, progress.error, progress.ended = status, error, time.time()

            self.thread = threading.Thread(target=run, name=f"kcsubmit-{kind}", daemon=True)
            self.thread.start()

    def snapshot(self) -> dict[str, Any] | None:
        with self.lock:
            return self.progress.as_dict() if self.progress else None

    def stop(self, timeout: float = 60.0) -> None:
        """Ask the running job to stop and wait for it (ffmpeg killed, temporaries removed)."""
        self.stopping.set()
        thread = self.thread
        if thread is not None:
            thread.join(timeout)

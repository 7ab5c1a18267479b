"""Progress bars on stderr, only when it is a terminal: the CLI's, never the library's.

Names in them pass through :func:`kcsubmit.names.show` and rich reads no markup in them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class CheckProgress:
    """A transient progress bar on stderr while files are inspected (terminals only)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[Any], None] | None:
        if not self.enabled:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        from .names import show

        bar = self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                                  TextColumn("{task.completed}"), TimeRemainingColumn(),
                                  console=Console(stderr=True, markup=False, emoji=False), transient=True)
        bar.start()
        task = bar.add_task("kcsubmit check", total=None)
        return lambda result: bar.update(task, advance=1, description=show(result.path)[-40:])

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


class FixProgress:
    """A progress bar per file with the ETA from ffmpeg's own progress (terminals only)."""

    def __init__(self) -> None:
        self.bar: Progress | None = None

    def __enter__(self) -> tuple[Callable[[str, int, int], None] | None, Callable[[float], None] | None]:
        if not sys.stderr.isatty():
            return (None, None)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        from .names import show

        bar = self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(),
                                  TimeRemainingColumn(), console=Console(stderr=True, markup=False, emoji=False),
                                  transient=True)
        bar.start()
        state: dict[str, TaskID | None] = {"task": None}

        def on_file(path: str, index: int, total: int) -> None:
            if state["task"] is not None:
                bar.remove_task(state["task"])
            state["task"] = bar.add_task(f"[{index + 1}/{total}] {show(path)[-40:]}", total=1.0)

        def on_fraction(done: float) -> None:
            if state["task"] is not None:
                bar.update(state["task"], completed=done)

        return (on_file, on_fraction)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

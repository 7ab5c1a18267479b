"""Progress bars on stderr, only when it is a terminal: the CLI's, never the library's.

Names in them pass through :func:`kcsubmit.names.show` and rich reads no markup in them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress

    from .models import FixPlan


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
    """A bar for the current file and one for the whole job, each with the time left (terminals
    only); before the work, the estimated total time (:class:`kcsubmit.models.FixPlan`)."""

    def __init__(self, lang: str = "zh") -> None:
        self.bar: Progress | None = None
        self.lang = lang
        self.started = False

    def __enter__(self) -> tuple[Callable[[str, int, int], None] | None, Callable[[float], None] | None,
                                 Callable[[FixPlan], None] | None]:
        if not sys.stderr.isatty():
            return (None, None, None)
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        from .names import show
        from .planning import overall

        bar = self.bar = Progress(TextColumn("{task.description}", markup=False), BarColumn(), TaskProgressColumn(),
                                  TimeRemainingColumn(), console=Console(stderr=True, markup=False, emoji=False),
                                  transient=True)
        # Started with the work, not before: a question (ask) must not be redrawn over.
        state: dict[str, Any] = {"task": None, "total": None, "plan": None, "index": 0}
        self.started = False

        def start() -> None:
            if not self.started:
                bar.start()
                self.started = True

        def on_plan(plan: FixPlan) -> None:
            state["plan"] = plan
            bar.console.print(estimate_line(plan, self.lang))
            start()
            state["total"] = bar.add_task("Σ " + ("总进度" if self.lang == "zh" else "total"), total=1.0)

        def on_file(path: str, index: int, total: int) -> None:
            start()
            if state["task"] is not None:
                bar.remove_task(state["task"])
            state["index"] = index
            state["task"] = bar.add_task(f"[{index + 1}/{total}] {show(path)[-40:]}", total=1.0)
            on_fraction(0.0)

        def on_fraction(done: float) -> None:
            if state["task"] is not None:
                bar.update(state["task"], completed=done)
            if state["total"] is not None and state["plan"] is not None:
                bar.update(state["total"], completed=overall(state["plan"], state["index"], done))

        return (on_file, on_fraction, on_plan)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None and self.started:
            self.bar.stop()


def estimate_line(plan: FixPlan, lang: str) -> str:
    """``预计共需约 3 分钟（视频 2 个要重新编码）。``"""
    from .i18n import ui

    videos = sum(1 for f in plan.files if f.step == "transcode" and not f.cached)
    return ui("plan_total", lang, time=duration_words(plan.seconds, lang), videos=videos)


def duration_words(seconds: float, lang: str) -> str:
    """``40 秒`` / ``3 分钟`` (rounded up: an estimate)."""
    from .i18n import ui

    if seconds < 90:
        return ui("time_seconds", lang, n=max(1, int(seconds + 0.999)))
    return ui("time_minutes", lang, n=int(seconds / 60 + 0.999))

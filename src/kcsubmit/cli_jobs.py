"""The CLI's side of long jobs (issue 19): the question before a fix, stage lines, the
``cache`` command, where a report or the archives were written.  Terminal only; the library
gets plain callbacks (:func:`kcsubmit.repair.fix`, :func:`kcsubmit.packing.pack`)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import typer

from .fixers import FixOptions
from .models import FixPlan

cache_app = typer.Typer(name="cache", help="The cache of repaired copies: info, clear.", no_args_is_help=True,
                        rich_markup_mode=None)


def interactive() -> bool:
    """A person at a terminal: stdin and stderr are ttys (never in tests or CI)."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def make_ask(lang: str, yes: bool, options: FixOptions) -> Callable[[FixPlan], FixOptions | None] | None:
    """``ask`` for fix/pack: ``--yes`` accepts every option the plan names; at a terminal each is
    asked ("视频超过 5 分钟：截取前 5 分钟？[y/N]"); otherwise no question (the run stops)."""
    if not yes and not interactive():
        return None

    def ask(plan: FixPlan) -> FixOptions | None:
        chosen = options
        for option in plan.options:
            if yes or typer.confirm(_question(plan, option, lang), default=False, err=True):
                changes: dict[str, Any] = {option.lstrip("-").replace("-", "_"): True}
                chosen = replace(chosen, **changes)
        return chosen if chosen != options else None

    return ask


def _question(plan: FixPlan, option: str, lang: str) -> str:
    from .i18n import finding_message, ui
    from .names import show

    found = [b for b in plan.blocking if b.option == option]
    if option == "--trim":
        from .units import Seconds

        limit = next((b.finding.values["max"] for b in found if "max" in b.finding.values), Seconds(300))
        return show(ui("ask_trim", lang, max=limit)) + "".join(f"\n  {show(b.path)}" for b in found)
    message = "\n".join(show(f"{b.path}: {finding_message(b.finding, lang)}") for b in found)
    return ui("ask_option", lang, message=message, option=option)


def stage_printer(lang: str, with_fix: bool) -> Callable[[str], None] | None:
    """Prints each stage of pack as it starts (检查 → 修复 → 打包 → 复查), on a terminal's stderr."""
    if not sys.stderr.isatty():
        return None
    from .i18n import ui

    names = ["check", "fix", "pack", "recheck"] if with_fix else ["check", "pack", "recheck"]

    def on_stage(name: str) -> None:
        n = names.index(name) + 1 if name in names else 0
        typer.echo(ui("stage_line", lang, n=n, total=len(names), name=ui(f"stage_{name}", lang)), err=True)

    return on_stage


def say_written(path: Path, lang: str) -> None:
    """After ``--output FILE``: where it is (stderr); at a terminal, offer to open it."""
    from .i18n import ui
    from .names import show

    typer.echo(show(ui("report_written", lang, path=str(path.resolve()))), err=True)
    if interactive() and path.suffix.lower() in (".html", ".htm") and typer.confirm(
            ui("ask_open_report", lang), default=False, err=True):
        typer.launch(str(path.resolve()))


def say_archives(folder: str, lang: str) -> None:
    """After pack: the archives' folder, opened in the file manager when the run was interactive."""
    from .i18n import ui
    from .names import show

    typer.echo(show(ui("archives_here", lang, folder=str(Path(folder).resolve()))), err=True)
    if interactive():
        typer.launch(str(Path(folder).resolve()), locate=False)


def human_size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


@cache_app.command("info")
def cache_info(lang: str = typer.Option(None, "--lang", help="zh|en")) -> None:
    """Where the cache of repaired copies is, what it holds and its limit."""
    from . import cache
    from .i18n import detect_lang, ui

    found = cache.info()
    typer.echo(ui("cache_info", detect_lang(lang), folder=found["folder"], entries=found["entries"],
                  size=human_size(found["bytes"]), limit=human_size(found["limit"])))


@cache_app.command("clear")
def cache_clear(lang: str = typer.Option(None, "--lang", help="zh|en")) -> None:
    """Empty the cache of repaired copies (the next fix repairs everything again)."""
    from . import cache
    from .i18n import detect_lang, ui

    entries, freed = cache.clear()
    typer.echo(ui("cache_cleared", detect_lang(lang), entries=entries, size=human_size(freed)))

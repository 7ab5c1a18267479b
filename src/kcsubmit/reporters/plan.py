"""The fix plan for people (issue 19): each file's step and estimated time, then what blocks,
each with the option that clears it or "to do by hand"."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..i18n import finding_message, finding_next, ui
from ..models import FixPlan
from ..progress import duration_words, estimate_line


def render_plan(plan: FixPlan, console: Console, lang: str, title: str, command: str, target: str) -> None:
    """The table of steps (when there is work to show), the estimate, then the blocking errors."""
    if plan.files:
        table = Table(title=title, title_justify="left", show_lines=False)
        for key in ("plan_col_file", "plan_col_step", "plan_col_time"):
            table.add_column(ui(key, lang), overflow="fold")
        for step in plan.files:
            name = "step_cached" if step.cached else f"step_{step.step}"
            table.add_row(step.source, ui(name, lang),
                          "—" if step.step == "copy" or step.cached else duration_words(step.seconds, lang))
        console.print(table)
        console.print(Text(estimate_line(plan, lang)))
    if not plan.blocking:
        return
    console.print(Text(ui("plan_stopped", lang), style="bold red"))
    for blocker in plan.blocking:
        finding = blocker.finding
        step = (ui("plan_option", lang, option=blocker.option, command=command, target=target)
                if blocker.option else finding_next(finding, lang))
        console.print(Text(f"✗ {finding.rule} {blocker.path}: ", style="bold red")
                      + Text(f"{finding_message(finding, lang)}\n   → {step}"), soft_wrap=True)

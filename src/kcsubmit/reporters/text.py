"""The report for people: one table per file with findings, then a summary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..i18n import finding_message, finding_next, shell_arg, ui
from ..models import FileResult, Finding, FixPlan, FixReport, PackReport, Report, Severity
from ..names import visible
from ..progress import duration_words, estimate_line
from ..rules import RULES
from ..rules.base import required_flag
from ..words import detail, place
from . import Options, facts_line, profile_lines

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
MARK = {Severity.ERROR: "✗", Severity.WARNING: "!", Severity.INFO: "i"}


def make_console(out: TextIO, color: bool) -> Console:
    """A console that reads no markup and no emoji codes in what it prints: a file called
    ``[/x]`` or ``:fire:.jpg`` is shown as it is (names reach it through :func:`visible`)."""
    def plain(**more: Any) -> Console:
        return Console(file=out, no_color=not color, highlight=False, markup=False, emoji=False, **more)

    # Off a terminal (CI logs, files) rich would wrap at 80 columns; Chinese tables need more.
    console = plain(soft_wrap=False)
    if not console.is_terminal and console.width < 120:
        console = plain(width=120)
    return console


def render(report: Report, out: TextIO, options: Options) -> None:
    report, options = visible(report), visible(options)
    lang = options.lang
    console = make_console(out, options.color)
    order = {id(r): i for i, r in enumerate(report.files)}
    failing = sorted((r for r in report.files if r.findings),
                     key=lambda r: (min(f.severity.rank for f in r.findings), order[id(r)]))
    passing = [r for r in report.files if not r.findings]

    if not options.quiet:
        for i, line in enumerate(profile_lines(report, lang)):
            console.print(Text(("" if i == 0 else "i ") + line, style="dim" if i == 0 else "cyan"), soft_wrap=True)
        console.print()
        if report.submission:  # at the top: what concerns the whole (themes, studio) comes first
            whole = FileResult(path=ui("kind_submission", lang), kind="submission", facts={},
                               findings=report.submission)
            console.print(file_table(whole, lang, target=options.next_args))
            console.print()
        for result in failing:
            console.print(file_table(result, lang, verbose=options.verbose, target=options.next_args))
            console.print()
        if options.verbose:
            for result in passing:
                console.print(file_table(result, lang, verbose=True))
                console.print()
        if passing and not options.verbose:
            names = [r.path for r in passing]
            console.print(Text(ui("files_pass", lang, count=len(names), names=names), style="green"),
                          soft_wrap=True)
        unknown = [s.path for s in report.skipped if not s.ignored]
        if unknown:
            console.print(Text(ui("skipped", lang, count=len(unknown), names=unknown), style="dim"),
                          soft_wrap=True)
        ignored = [s.path for s in report.skipped if s.ignored]
        if ignored:
            console.print(Text(ui("ignored_documents", lang, count=len(ignored), names=ignored), style="cyan"),
                          soft_wrap=True)
        manual_list(report, lang, console)
    if not report.files and not report.submission:
        console.print(ui("no_files", lang))
        return
    console.print(summary_line(report, lang))
    if report.fixable:
        console.print(ui("summary_next_fix", lang, target=options.next_args))
    elif report.ok and report.source == "manifest":
        console.print(ui("summary_next_pack", lang, target=options.next_args))
    elif report.ok and report.source == "folder":
        console.print(ui("summary_next_init", lang, target=options.next_args))
    if (not report.ok or report.warnings) and not options.quiet:
        console.print(Text(ui("summary_next_explain", lang), style="dim"))


def manual_list(report: Report, lang: str, console: Console) -> None:
    """The profile's checks only a person can make, as a checklist (never pass/fail)."""
    items = report.profile.manual if report.profile is not None else ()
    if not items:
        return
    console.print(Text(ui("manual_title", lang), style="bold"))
    for item in items:
        console.print(Text(f"☐ {item.id} {item.text(lang)}"), soft_wrap=True)
    console.print()


def summary_line(report: Report, lang: str) -> Text:
    values = dict(files=len(report.files), errors=report.errors, warnings=report.warnings,
                  infos=report.infos, fixable=report.fixable)
    if report.ok:
        return Text(ui("summary_ok", lang, **values), style="bold green")
    return Text(ui("summary_fail", lang, **values), style="bold red")


def file_table(result: FileResult, lang: str, verbose: bool = False, target: str = ".") -> Table:
    title = Text(place(result.path, lang), style="bold")
    if result.theme:
        title.append(f"  [{ui('theme', lang)}: {result.theme}]", style="magenta")
    if result.deliverable:
        title.append(f"  [{ui('deliverable_label', lang)}: {result.deliverable}]", style="magenta")
    caption = facts_line(result.kind, result.facts, lang)
    table = Table(title=title, title_justify="left", caption=caption, caption_justify="left",
                  show_lines=True, expand=False)
    table.add_column(ui("col_severity", lang), no_wrap=True)
    table.add_column(ui("col_rule", lang), no_wrap=True)
    table.add_column(ui("col_problem", lang), overflow="fold")
    for f in result.findings:
        mark = f"{MARK[f.severity]} {ui('severity_' + f.severity.value, lang)}"
        cell = Text(finding_message(f, lang))
        step = finding_next(f, lang, target)
        if step:
            cell.append(f"\n→ {step}", style="cyan")
        table.add_row(Text(mark, style=STYLE[f.severity]), f.rule, cell)
    if verbose:  # every rule checked that found nothing, by name
        failed = {f.rule for f in result.findings}
        for rule_id in sorted(set(result.rules_checked) - failed):
            table.add_row(Text(f"✓ {ui('passed', lang)}", style="green"), rule_id,
                          Text(RULES[rule_id].name, style="dim"))
    return table


def render_fix(report: FixReport, out: TextIO, options: Options, within_pack: bool = False) -> None:
    """``kcsubmit fix``: one row per file (before → after), then what is left to do by hand.

    ``within_pack``: the copies sit in pack's work folder, so their paths are not shown.
    """
    report, options = visible(report), visible(options)
    lang = options.lang
    console = make_console(out, options.color)
    if report.plan is not None and (report.stopped or report.dry_run):
        title = ui("plan_title_dry" if report.dry_run else "plan_title", lang, folder=report.out_dir)
        render_plan(report.plan, console, lang, title, "fix", options.next_args or ".")
        return
    title = ui("pack_fix_title", lang) if within_pack else ui("fix_title", lang, folder=report.out_dir)
    table = Table(title=title, title_justify="left", show_lines=True)
    columns = ("fix_col_file", "fix_col_action", "fix_col_before", "fix_col_after")
    for key in columns if within_pack else (*columns, "fix_col_output"):
        table.add_column(ui(key, lang), overflow="fold")
    for f in report.files:
        action = Text(ui(f"fix_{f.action}", lang) if f.action != "failed" else ui("fix_failed", lang),
                      style="red" if f.error else "green")
        if f.cached:
            action.append(" " + ui("fix_cached", lang))
        if f.details:
            action.append("\n" + "\n".join(detail(d, lang) for d in f.details), style="dim")
        after = _rules(f.after) if f.output else Text(f.error or "", style="red")
        cells: list[str | Text] = [f.source, action, _rules(f.before), after]
        table.add_row(*(cells if within_pack else [*cells, f.output or "—"]))
    console.print(table)
    if within_pack:
        return
    left = [(f, x) for f in report.files for x in f.remaining]
    target = options.next_args
    if left:
        console.print(Text(ui("fix_left", lang), style="bold"))
        for f, finding in left:
            # The original is what the teacher edits: the next fix or pack --fix starts from it.
            head = Text(f"{MARK[finding.severity]} {finding.rule} {f.source}: ", style=STYLE[finding.severity])
            body = Text(f"{finding_message(finding, lang)}\n   → {finding_next(finding, lang, target)}")
            console.print(head + body, soft_wrap=True)
    console.print(Text(ui("fix_ok" if report.ok else "fix_not_ok", lang, folder=report.out_dir, target=target),
                       style="bold green" if report.ok else "bold red"))
    if report.ok and report.source in ("manifest", "folder"):
        # pack reads the submission (a manifest names the originals), so the exact command that packs
        # the repaired copies is pack --fix with the same options: it repairs the same way first.
        pack = " ".join(["kcsubmit pack", target, "--fix", *(shell_arg(x) for x in report.flags)])
        key = "fix_next_pack" if report.source == "manifest" else "fix_next_init"
        console.print(ui(key, lang, target=target, pack=pack), soft_wrap=True)


def _rules(findings: Iterable[Finding]) -> Text:
    if not findings:
        return Text("✓", style="green")
    text = Text()
    for i, f in enumerate(sorted(findings, key=lambda x: (x.severity.rank, x.rule))):
        text.append(("" if i == 0 else " ") + f.rule, style=STYLE[f.severity])
    return text


def render_pack(report: PackReport, out: TextIO, options: Options) -> None:
    """``kcsubmit pack``: what was fixed, what blocks, or the archives with their sizes and sha256."""
    report, options = visible(report), visible(options)
    lang = options.lang
    console = make_console(out, options.color)
    if report.fixed is not None:
        render_fix(report.fixed, out, options, within_pack=True)
        console.print()
    if report.fix_plan is not None and report.fixed is None:  # --fix stopped or --dry-run: the plan
        title = ui("plan_title_dry" if report.dry_run else "plan_title", lang, folder=report.out_dir)
        render_plan(report.fix_plan, console, lang, title, "pack", (options.next_args or ".") + " --fix")
        return
    if not report.ok:
        console.print(Text(ui("pack_refused", lang), style="bold red"))
        for path, reason in report.failures:
            console.print(Text(f"✗ {path}: {reason}", style="red"), soft_wrap=True)
        for path, finding in report.blocking:
            # A fixable finding left after --fix needs its option (V006: --trim); without --fix, --fix.
            flag = required_flag(finding.rule)
            if finding.fixable and (report.fixed is None or flag):
                step = ui("pack_try_fix", lang, target=options.next_args, option=f" {flag}" if flag else "")
            else:
                step = finding_next(finding, lang, options.next_args)
            console.print(Text(f"{MARK[finding.severity]} {finding.rule} {path}: ", style=STYLE[finding.severity])
                          + Text(f"{finding_message(finding, lang)}\n   → {step}"), soft_wrap=True)
        return
    limit = report.limit
    rows: list[tuple[str, str | None, int, tuple[str, ...], str, str | None]] = (
        [(a.path, a.theme, a.size, a.entries, a.sha256, a.deliverable) for a in report.archives]
        or [(p.name, p.theme, p.size, p.entry_names, "—", p.deliverable) for p in report.plan])
    title = ui("pack_plan" if report.dry_run else "pack_title", lang, folder=report.out_dir)
    table = Table(title=title, title_justify="left", show_lines=True)
    for key in ("pack_col_archive", "pack_col_theme", "pack_col_size", "pack_col_sha256", "pack_col_verdict",
                "pack_col_upload"):
        table.add_column(ui(key, lang), overflow="fold")
    for name, row_theme, size, entries, sha256, deliverable in rows:
        theme = row_theme or deliverable or ui("upload_case", lang)
        upload = ui("pack_upload_theme", lang, theme=row_theme) if row_theme else ui("pack_upload_case", lang)
        if deliverable:  # a format-2 profile: the call's own platform, which kcsubmit does not know
            upload = f"{ui('deliverable_label', lang)}: {deliverable}"
        verdict = Text("—" if report.dry_run else ui("pack_ok", lang), style="green")
        table.add_row(Text(name) + Text("\n" + "\n".join(entries), style="dim"), theme,
                      f"{size / 1e6:.1f} MB" + (f"\n{size / limit:.1%}" if limit else ""), sha256[:16], verdict, upload)
    console.print(table)
    if not report.dry_run:
        console.print(Text(ui("pack_done", lang, count=len(report.archives), folder=report.out_dir),
                           style="bold green"))


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
        todo = (ui("plan_option", lang, option=blocker.option, command=command, target=target)
                if blocker.option else finding_next(finding, lang))
        console.print(Text(f"✗ {finding.rule} {blocker.path}: ", style="bold red")
                      + Text(f"{finding_message(finding, lang)}\n   → {todo}"), soft_wrap=True)

"""The command line: options → one library call → a reporter → an exit code."""

from __future__ import annotations

import io
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, List, Optional

import typer

from . import cli_serve
from .cli_jobs import cache_app
from .cli_profiles import profiles_command
from .errors import UsageError
from .i18n import command_target
from .progress import CheckProgress, FixProgress
from .reporters import FIX_REPORTERS, PACK_REPORTERS, REPORTERS
from .version import __version__

app = typer.Typer(
    name="kcsubmit",
    help="检查、修复并打包“科创筑梦”云上工作室活动的参赛材料。"
    " Check, fix and pack submissions for the 科创筑梦 云上工作室 activity.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Lang = Enum("Lang", {"zh": "zh", "en": "en"}, type=str)
# "auto" is no reporter: check picks github inside GitHub Actions, else text.
Format = Enum("Format", {**{name: name for name in REPORTERS}, "auto": "auto"}, type=str)  # type: ignore[misc]

FixFormat = Enum("FixFormat", {name: name for name in FIX_REPORTERS}, type=str)  # type: ignore[misc]
PackFormat = Enum("PackFormat", {name: name for name in PACK_REPORTERS}, type=str)  # type: ignore[misc]

LangOpt = Annotated[Optional[Lang], typer.Option("--lang", help="zh|en; default: KCSUBMIT_LANG, else the locale, else zh.")]
RulesOpt = Annotated[str, typer.Option("--rules", help="Built-in profile name or a profile TOML file.")]
CheckRulesOpt = Annotated[Optional[str], typer.Option("--rules", help="Built-in profile name or a profile TOML file; default: the manifest's, else 2023.")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"kcsubmit {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
    lang: LangOpt = None,
) -> None:
    """检查、修复并打包“科创筑梦”云上工作室活动的参赛材料。"""
    if lang is not None:  # `kcsubmit --lang en check`: for every command of the run
        os.environ["KCSUBMIT_LANG"] = lang.value


def _lang(lang: Optional[Lang]) -> str:
    return _lang_name(lang.value if lang else None)


def _format_name(name: str) -> str:
    """``auto``: GitHub workflow commands when run by GitHub Actions, else the text report."""
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    return name


def _lang_name(explicit: Optional[str]) -> str:
    from .i18n import detect_lang

    return detect_lang(explicit)


@app.command()
def check(
    paths: Annotated[Optional[List[Path]], typer.Argument(help="Files, folders, archives or a kcsubmit.toml; default: ./kcsubmit.toml if present, else the current folder.")] = None,
    rules: CheckRulesOpt = None,
    lang: LangOpt = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format; auto: github inside GitHub Actions, else text.")] = Format.text,  # type: ignore[attr-defined]
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the report to FILE instead of the screen.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Files inspected in parallel; default: the number of CPU cores (at most 4).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every rule checked per file.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only the summary.")] = False,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours.")] = False,
) -> None:
    """Check videos, case documents, pictures, archives or a whole submission against the rules.

    Exit code 0: no errors; 1: at least one error (or a warning with --strict);
    2: the command could not run.

    Example:  kcsubmit check videos/ --format json
    """
    from . import engine, reporters

    language = _lang(lang)
    targets = [str(p) for p in paths] if paths else ["."]
    color = not no_color and "NO_COLOR" not in os.environ
    # On stderr, and only when it is a terminal: a CSV or JSON on stdout stays clean.
    name = _format_name(fmt.value)
    # The HTML page shows thumbnails: made with the run's profile, carried on the report.
    profile = engine.profile_for(engine.find_submission(targets), rules) if name == "html" else None
    with CheckProgress(enabled=not quiet) as tick:
        report = engine.check(targets, rules=profile or rules, jobs=jobs or engine.default_jobs(), on_file=tick)
    if profile is not None:
        from .thumbnails import attach

        report = attach(report, profile)
    options = reporters.Options(lang=language, color=color and output is None, verbose=verbose,
                                quiet=quiet, target=" ".join(targets), command=command_target(targets, rules))
    _emit(reporters.get(name), report, options, output, [*targets, *(r.path for r in report.files if "!" not in r.path)])
    if output is not None:
        from .cli_jobs import say_written

        say_written(output, language)
    raise typer.Exit(report.exit_code(strict))


FitOpt = Annotated[str, typer.Option("--fit", help="auto|pad|crop|blur|stretch: how another shape reaches 16:9 or 4:3; auto: videos pad, pictures crop (shape close to 4:3) or blur.")]
# -o is the folder fix and pack write into; their report goes to stdout or to --report FILE.
ReportOpt = Annotated[Optional[Path], typer.Option("--report", help="Write the report to FILE instead of the screen.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Accept what the plan asks (e.g. --trim for a video too long).")]


@app.command("fix")
def fix_command(
    paths: Annotated[Optional[List[Path]], typer.Argument(help="Files, folders or a kcsubmit.toml; default: the current folder.")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder for the repaired copies, outside the inputs; default: ./fixed (skipped by later walks).")] = None,
    fit: FitOpt = "auto",
    trim: Annotated[bool, typer.Option("--trim", help="Cut a video longer than the maximum (1 s fade-out).")] = False,
    encoder: Annotated[str, typer.Option("--encoder", help="auto|libx264|h264_nvenc|h264_qsv|h264_amf|h264_videotoolbox")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan (steps, estimated time, what blocks); repair nothing.")] = False,
    yes: YesOpt = False,
    rules: CheckRulesOpt = None,
    lang: LangOpt = None,
    fmt: Annotated[FixFormat, typer.Option("--format", "-f", help="Output format: text|json.")] = FixFormat.text,  # type: ignore[attr-defined]
    report_file: ReportOpt = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours.")] = False,
) -> None:
    """Write repaired copies into a folder outside the inputs; the originals are never changed.

    Without -o: ./fixed (marked as kcsubmit's output: later check/pack walks skip it).

    Every copy is checked again; the table shows each file before and after, and
    what is left to do by hand.

    Example:  kcsubmit fix 视频/ -o 修复后 --fit blur
    """
    from . import repair
    from .fixers import ENCODERS, FITS, FixOptions
    from .reporters import Options, get_fix

    _choices(("--fit", fit, FITS), ("--encoder", encoder, ENCODERS))
    language = _lang(lang)
    targets = [str(p) for p in paths] if paths else ["."]
    from .cli_jobs import make_ask

    with FixProgress(language) as (on_file, on_fraction, on_plan):
        options = FixOptions(fit=fit, trim=trim, encoder=encoder, progress=on_fraction)
        result = repair.fix(targets, output, rules=rules, options=options, on_file=on_file, dry_run=dry_run,
                            ask=make_ask(language, yes, options), on_plan=on_plan)
    color = not no_color and "NO_COLOR" not in os.environ and report_file is None
    written = [*targets, *(f.source for f in result.files), *(f.output for f in result.files if f.output)]
    # target: what to type again (the plan's "kcsubmit fix TARGET --trim"); command: with its --rules
    _emit(get_fix(fmt.value), result, Options(lang=language, color=color, target=" ".join(targets),
                                              command=command_target(targets, rules)), report_file,
          written)
    raise typer.Exit(result.exit_code())


@app.command("pack")
def pack_command(
    target: Annotated[Path, typer.Argument(help="A kcsubmit.toml or the studio's folder.")] = Path("."),
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Folder for the archives, outside the submission; default: ./dist.")] = None,
    studio: Annotated[Optional[str], typer.Option("--studio", help="The studio's name, for a folder without a manifest.")] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Repair what can be repaired first (into a work folder).")] = False,
    fit: FitOpt = "auto",
    trim: Annotated[bool, typer.Option("--trim", help="With --fix: cut a video longer than the maximum.")] = False,
    encoder: Annotated[str, typer.Option("--encoder", help="auto|libx264|h264_nvenc|h264_qsv|h264_amf|h264_videotoolbox")] = "auto",
    name_encoding: Annotated[str, typer.Option("--name-encoding", help="utf-8|gbk (GBK names plus the Unicode Path field, for old unzip tools).")] = "utf-8",
    no_loose_images: Annotated[bool, typer.Option("--no-loose-images", help="Leave the 图片/ folder out of the case archive.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; write nothing.")] = False,
    yes: YesOpt = False,
    rules: CheckRulesOpt = None,
    lang: LangOpt = None,
    fmt: Annotated[PackFormat, typer.Option("--format", "-f", help="Output format: text|json (each archive's path, size, sha256, entries).")] = PackFormat.text,  # type: ignore[attr-defined]
    report_file: ReportOpt = None,
    no_color: Annotated[bool, typer.Option("--no-color", help="No colours.")] = False,
) -> None:
    """Build the upload archives: {studio}-{theme}.zip per theme and {studio}-优秀案例.zip.

    Nothing is written while an error remains (exit 1); each archive is written under a
    temporary name, re-opened, CRC-tested and checked again before it gets its name.

    Example:  kcsubmit pack --fix          (./kcsubmit.toml → ./dist)
    """
    from .fixers import ENCODERS, FITS, FixOptions
    from .packing import pack
    from .reporters import Options, get_pack

    _choices(("--fit", fit, FITS), ("--encoder", encoder, ENCODERS), ("--name-encoding", name_encoding, ("utf-8", "gbk")))
    language = _lang(lang)
    from .cli_jobs import make_ask, say_archives, stage_printer

    with FixProgress(language) as (on_file, on_fraction, on_plan):
        options = FixOptions(fit=fit, trim=trim, encoder=encoder, progress=on_fraction)
        result = pack(target, output, studio=studio, fix=fix, name_encoding=name_encoding,
                      loose_images=not no_loose_images, dry_run=dry_run, rules=rules, options=options,
                      ask=make_ask(language, yes, options), on_stage=stage_printer(language, fix),
                      on_plan=on_plan, on_file=on_file)
    color = not no_color and "NO_COLOR" not in os.environ and report_file is None
    _emit(get_pack(fmt.value), result, Options(lang=language, color=color, target=str(target),
                                                    command=command_target([str(target)], rules)),
          report_file,
          [target, *(a.path for a in result.archives)])
    if result.archives:
        say_archives(result.out_dir, language)
    raise typer.Exit(result.exit_code())


app.add_typer(cache_app, name="cache")


@app.command("rules")
def list_rules(
    rules: RulesOpt = "2023",
    lang: LangOpt = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="A Markdown table (for the README).")] = False,
) -> None:
    """List every rule of the active profile with its severity and whether fix repairs it.

    Example:  kcsubmit rules --lang en
    """
    from .catalogue_view import rules_markdown, rules_table
    from .profile import load

    profile = load(rules)
    language = _lang(lang)
    if markdown:
        typer.echo(rules_markdown(profile, language))
    else:
        rules_table(profile, language, _console())


@app.command()
def explain(
    rule: Annotated[str, typer.Argument(help="A rule ID such as V003.")],
    lang: LangOpt = None,
) -> None:
    """What a rule checks, why it matters, and how to fix it by hand.

    Example:  kcsubmit explain V003
    """
    from .catalogue_view import explain_rule
    from .rules import RULES

    language = _lang(lang)
    rule_id = rule.strip().upper()
    if rule_id not in RULES:
        from .i18n import ui

        raise UsageError(ui("unknown_rule", language, rule=rule))
    explain_rule(RULES[rule_id], language, _console())


@app.command()
def init(
    folder: Annotated[Path, typer.Argument(help="The studio's folder.")] = Path("."),
    studio: Annotated[Optional[str], typer.Option("--studio", help="The studio's name (archive names need it).")] = None,
    theme: Annotated[Optional[List[str]], typer.Option("--theme", help="THEME or THEME=VIDEO; repeat for each theme.")] = None,
    case: Annotated[Optional[str], typer.Option("--case", help="The case document (a .docx in the folder).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing kcsubmit.toml.")] = False,
    field: Annotated[Optional[List[str]], typer.Option("--field", help="KEY=VALUE for the profile's file name templates ({title}, {author}…); repeat.")] = None,
    rules: RulesOpt = "2023",
    lang: LangOpt = None,
) -> None:
    """Write a kcsubmit.toml for a studio: asks for the name and themes, or takes flags.

    Example:  kcsubmit init --studio 示例中学科学工作室 --theme 人工智能=videos/ai.mp4
    """
    from . import discover, manifest
    from .i18n import ui
    from .names import canonical, show
    from .profile import load
    from .rules.submission import suggest_theme

    language = _lang(lang)
    profile = load(rules)
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}", key="path_missing", path=str(folder))
    if (folder / manifest.MANIFEST_NAME).exists() and not force:
        raise UsageError(f"{folder / manifest.MANIFEST_NAME} exists (use --force to replace it)",
                         key="manifest_exists", path=str(folder / manifest.MANIFEST_NAME))
    found = manifest.propose(folder, discover.collect([folder]), profile.themes)
    ask = sys.stdin.isatty() and not (studio and theme)
    if not studio and ask:
        studio = typer.prompt(ui("ask_studio", language)).strip()
    if not studio:
        raise UsageError("--studio is required when not asking", key="need_studio")
    _refuse_unsafe_studio(studio, list(profile.themes), profile, language)
    themes: dict[str, str] = {}
    for item in theme or []:
        name, _, video = item.partition("=")
        name = canonical(name)
        if name not in profile.themes:
            hint = suggest_theme(name, profile)
            raise UsageError(f"unknown theme {name}", key="unknown_theme", theme=name,
                             suggestion=hint or "、".join(profile.themes))
        video = video.strip() or found.themes.get(name, "")
        if not video:
            raise UsageError(f"no video found for {name}", key="no_video_for", theme=name)
        themes[name] = video
    if not theme and ask:
        from .cli_init import ask_themes

        themes = ask_themes(found.videos, profile, language)
    elif not theme:
        themes = dict(found.themes)
    document = case if case is not None else found.document
    from .cli_profiles import init_fields

    fields = init_fields(profile, field or [], ask, language)
    text = manifest.render(studio, themes, document, found.images, rules=_rules_reference(rules, folder, profile.name),
                           fields=fields)
    target = manifest.write(folder, text, force=force)
    typer.echo(show(ui("init_done", language, path=str(target), count=len(themes))))
    typer.echo(show(ui("init_next", language, target=command_target([str(folder)]))))


def _rules_reference(rules: str, folder: Path, name: str) -> str:
    """What init writes as ``rules``: a profile file as a path from the manifest's folder
    (``check`` reads it relative to the manifest), else the built-in profile's name."""
    if not rules.endswith(".toml"):
        return name
    try:
        return Path(os.path.relpath(Path(rules).resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return str(Path(rules).resolve())


app.command("serve")(cli_serve.serve)


app.command("profiles")(profiles_command)


def _choices(*given: tuple[str, str, tuple[str, ...] | list[str]]) -> None:
    for option, value, choices in given:
        if value not in choices:
            raise UsageError(f"{option} must be one of {', '.join(choices)}", key="bad_choice", option=option,
                             choices="|".join(choices))


def _console():  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(highlight=False, no_color="NO_COLOR" in os.environ)


def _emit(render, report, options, output: Optional[Path], inputs) -> None:  # type: ignore[no-untyped-def]
    """Write the report to stdout, or to FILE under a temporary name (created exclusively,
    unique to the run) renamed when complete; nothing is left behind whatever fails.
    FILE may not be one of the ``inputs`` (the files read or written, the manifest)."""
    from .outdir import refuse_own_input, write_new

    if output is None:
        render(report, sys.stdout, options)
        return
    refuse_own_input(output, inputs)

    def write(binary) -> None:  # type: ignore[no-untyped-def]
        text = io.TextIOWrapper(binary, encoding="utf-8", errors="replace", newline="")
        render(report, text, options)
        text.flush()
        text.detach()

    write_new(output, write)


def _refuse_unsafe_studio(studio: str, themes: List[str], profile, lang: str) -> None:  # type: ignore[no-untyped-def]
    """``init --studio``: a name that would make an unsafe archive name (S006) is one line."""
    from .engine import apply_rules
    from .i18n import finding_message

    facts = {"source": "manifest", "studio": studio, "themes": [[t, ""] for t in themes]}
    for finding in apply_rules("submission", facts, profile)[0]:
        if finding.rule == "S006":
            problem = finding_message(finding, lang)
            raise UsageError(problem, key="unsafe_studio", problem=problem)

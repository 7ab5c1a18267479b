"""Help in the teacher's language: ``--help`` of every command from the ``[help]`` table.

Typer renders help while it parses, so the language is chosen before parsing
(:func:`kcsubmit.cli_main.run`: ``--lang`` on the command line, else ``KCSUBMIT_LANG``, else the
locale) and the help texts of the built command are replaced from the locale file:

- ``"kcsubmit"``: the program's description; ``"<command>"``: a command's help (its
  description, paragraphs and example, as the docstring would hold them);
- ``"<command>.<--option>"`` or ``"<command>.<argument>"``: one parameter (``kcsubmit.--version``
  for the program's own options); ``"*.<--option>"`` is the text for that option in every
  command that has no key of its own;
- ``"word.<English>"``: the words Typer and click print around them (Usage, Options, default…).

A command or option without a key keeps the English help written in the code (``help=``,
the docstring), so a new option works at once; ``tests/test_teacher.py`` lists what has no key
in either language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from typer import _click

from .i18n import texts

PROGRAM = "kcsubmit"

# What click and Typer print themselves, by the English they print.
WORDS = ("Usage: ", "Arguments", "Options", "Commands", "Show this message and exit.", "default: ", "required")


def table(lang: str) -> Mapping[str, str]:
    return texts(lang).get("help", {})


def localize(command: Any, lang: str) -> Any:
    """Replace the help texts of ``command`` (the built click group) and of its sub-commands
    with those of ``lang``; returns the command."""
    help_ = table(lang)
    _apply(command, PROGRAM, help_)
    for name, sub in getattr(command, "commands", {}).items():
        _apply(sub, name, help_)
    return command


def keys(command: Any) -> list[str]:
    """Every key the ``[help]`` table should hold for ``command`` and its sub-commands."""
    found = [PROGRAM, *(f"{PROGRAM}.{_param_key(p)}" for p in command.params)]
    for name, sub in getattr(command, "commands", {}).items():
        found += [name, *(f"{name}.{_param_key(p)}" for p in sub.params)]
    return found


def _apply(command: Any, name: str, help_: Mapping[str, str]) -> None:
    if name in help_:
        command.help = help_[name]
        command.short_help = None
    for param in command.params:
        key = _param_key(param)
        text = help_.get(f"{name}.{key}") or help_.get(f"*.{key}")
        if text:
            param.help = text
    words = {english: help_.get(f"word.{english.strip(': .')}", english) for english in WORDS}
    command.context_class = _context(words)


def _param_key(param: Any) -> str:
    longs = [o for o in param.opts if o.startswith("--")]
    return max(longs, key=len) if longs else str(param.name)


def _context(words: Mapping[str, str]) -> type:
    """A click Context whose help formatter prints ``words`` instead of click's English."""

    class Formatter(_click.HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, words["Usage: "] if prefix is None else prefix)

        def write_heading(self, heading: str) -> None:
            super().write_heading(words.get(heading, heading))

        def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
            super().write_dl([(term, _words(text, words)) for term, text in rows], col_max, col_spacing)

    class Context(_click.Context):
        formatter_class = Formatter

    return Context


def _words(text: str, words: Mapping[str, str]) -> str:
    if text == "Show this message and exit.":
        return words[text]
    for english in ("default: ", "required"):
        text = text.replace(f"[{english}", f"[{words[english]}").replace(f"; {english}", f"; {words[english]}")
    return text


def usage_message(exc: Any, lang: str) -> str:
    """A usage error of Typer's parser (a wrong option or argument) in ``lang``, with the
    help command to run next: ``kcsubmit check --help`` for a mistake in ``check``."""
    import re

    from .i18n import ui

    ctx = getattr(exc, "ctx", None)
    where = getattr(ctx, "command_path", "") or PROGRAM
    message = exc.format_message()
    if isinstance(exc, _click.exceptions.NoSuchOption):
        possible = ", ".join(sorted(exc.possibilities or ()))
        text = ui("usage_no_option", lang, name=exc.option_name, possible=possible) if possible \
            else ui("usage_no_option_alone", lang, name=exc.option_name)
    elif isinstance(exc, _click.exceptions.MissingParameter):
        hint = message.split(".", 1)[0].split(" ", 2)[-1] if " " in message else message
        text = ui("usage_missing", lang, what=hint)
    elif isinstance(exc, _click.exceptions.BadParameter):
        hint, _, detail = message.partition(": ")
        text = ui("usage_bad_value", lang, what=hint.removeprefix("Invalid value for "), detail=detail)
    elif found := re.fullmatch(r"No such command '(.*)'\.(?: Did you mean (.*)\?)?", message):
        text = ui("usage_no_command", lang, name=found.group(1))
        if found.group(2):
            text = ui("usage_did_you_mean", lang, text=text, near=found.group(2))
    elif found := re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", message):
        text = ui("usage_extra", lang, extra=found.group(1))
    elif found := re.fullmatch(r"Option '(.*)' requires an argument\.", message):
        text = ui("usage_needs_value", lang, name=found.group(1))
    else:
        text = ui("usage_other", lang, detail=message)
    return ui("usage_error", lang, text=text, command=f"{where} --help")

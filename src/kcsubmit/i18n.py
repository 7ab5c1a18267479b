"""Words for people: the zh/en locale files and the rendering of findings."""

from __future__ import annotations

import locale
import os
import string
import sys
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .models import Finding

LANGS = ("zh", "en")
RULE_FIELDS = ("title", "message", "next", "what", "why", "fix")


def detect_lang(explicit: str | None = None) -> str:
    """``--lang``, else ``KCSUBMIT_LANG``, else the locale, else Chinese (SPEC §2)."""
    for candidate in (explicit, os.environ.get("KCSUBMIT_LANG")):
        if candidate:
            return _lang_of(candidate) or "zh"
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return _lang_of(value) or "zh"
    try:
        system = locale.getlocale()[0] or ""
    except ValueError:
        system = ""
    return _lang_of(system) or "zh"


def _lang_of(value: str) -> str | None:
    v = value.strip().lower()
    if v.startswith(("zh", "chinese")):
        return "zh"
    if v.startswith(("en", "english")):
        return "en"
    return None


@cache
def texts(lang: str) -> Mapping[str, Mapping[str, str]]:
    """The locale file of ``lang`` as ``{section: {key: text}}``."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}")
    text = resources.files("kcsubmit").joinpath("locales").joinpath(f"{lang}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


class _Formatter(string.Formatter):
    """str.format that renders units (Seconds, Bytes) and lists in the language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if hasattr(value, "render"):
            return value.render(self.lang)
        if isinstance(value, (list, tuple)):
            sep = "、" if self.lang == "zh" else ", "
            return sep.join(str(v) for v in value)
        return super().format_field(value, format_spec)

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        # A placeholder without a value shows as "?" rather than crashing a report.
        if isinstance(key, str) and key not in kwargs:
            return "?"
        return super().get_value(key, args, kwargs)


def fill(template: str, lang: str, values: Mapping[str, Any]) -> str:
    return _Formatter(lang).vformat(template, (), dict(values))


def ui(key: str, lang: str, **values: Any) -> str:
    """A command-line phrase from the ``[ui]`` table."""
    return fill(texts(lang)["ui"][key], lang, values)


def rule_text(rule_id: str, key: str, lang: str, values: Mapping[str, Any] | None = None) -> str:
    """One text of a rule (``title``, ``next``, ``what``…), filled with ``values``."""
    entry = texts(lang).get(rule_id, {})
    template = entry.get(key) or ""
    return fill(template, lang, values or {})


def finding_message(finding: Finding, lang: str) -> str:
    """The one-line problem statement of a finding."""
    entry = texts(lang).get(finding.rule, {})
    template = entry.get(f"message_{finding.variant}") if finding.variant else None
    return fill(template or entry.get("message", finding.rule), lang, finding.values)


def finding_next(finding: Finding, lang: str, target: str = ".") -> str:
    """The teacher's next step for a finding (``next_<variant>`` when the locale has one).

    ``{target}`` in a step is what the teacher checked (the paths given to ``check``, quoted
    for a shell), so that a suggested ``kcsubmit fix {target}`` runs as printed from where
    the teacher is.
    """
    entry = texts(lang).get(finding.rule, {})
    template = entry.get(f"next_{finding.variant}") if finding.variant else None
    return fill(template or entry.get("next", ""), lang, {"target": target or ".", **finding.values})


def shell_arg(path: str) -> str:
    """A path as one argument of a command a teacher can paste (cmd, PowerShell, bash, zsh):
    double quotes when it holds a space or a character a shell reads."""
    if path and not any(c.isspace() or c in "\"'&|<>;()$`!*?[]{}^%#~," for c in path):
        return path
    return '"' + path.replace('"', '\\"') + '"'


def command_target(paths: list[str] | tuple[str, ...], rules: str | None = None) -> str:
    """The paths of a run as the arguments of a suggested command ("." when none), with the
    ``--rules`` it was given: the next command must judge by the same rules."""
    words = " ".join(shell_arg(p) for p in paths) or "."
    return f"{words} --rules {shell_arg(rules)}" if rules else words


def full_message(finding: Finding, lang: str, target: str = ".") -> str:
    """Problem and next step in one sentence, as JSON and CSV carry it."""
    problem, step = finding_message(finding, lang), finding_next(finding, lang, target)
    if not step:
        return problem
    return f"{problem}；{step}" if lang == "zh" else f"{problem}. {step}"

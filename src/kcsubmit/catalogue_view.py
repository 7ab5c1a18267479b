"""`kcsubmit rules` and `kcsubmit explain`: the catalogue shown to people."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .engine import active_severity
from .i18n import rule_text, ui
from .rules import RULES, Rule

if TYPE_CHECKING:
    from rich.console import Console

    from .profile import Profile


def _fixable(rule: Rule, lang: str) -> str:
    if not rule.fixable:
        return ui("no", lang)
    if rule.fix_option == "--trim":
        return ui("with_option", lang, option=rule.fix_option)
    return ui("yes", lang)


def _severity(rule: Rule, profile: Profile, lang: str) -> str:
    level = active_severity(rule, profile)
    return ui("off", lang) if level is None else ui(f"severity_{level.value}", lang)


def _rows(profile: Profile, lang: str) -> list[tuple[str, ...]]:
    return [
        (r.id, r.name, ui(f"kind_{r.kind}", lang), _severity(r, profile, lang),
         _fixable(r, lang), rule_text(r.id, "title", lang))
        for r in sorted(RULES.values(), key=lambda r: ("VDIAS".index(r.id[0]), r.id))
    ]


def _headers(lang: str) -> list[str]:
    return [ui(k, lang) for k in ("col_id", "col_name", "col_kind", "col_default", "col_fixable", "col_title")]


def rules_table(profile: Profile, lang: str, console: Console) -> None:
    from rich.table import Table

    table = Table(title=ui("rules_profile", lang, name=profile.name, title=profile.title), title_justify="left")
    for header in _headers(lang):
        table.add_column(header)
    for row in _rows(profile, lang):
        table.add_row(*row)
    console.print(table)


def rules_markdown(profile: Profile, lang: str) -> str:
    lines = ["| " + " | ".join(_headers(lang)) + " |", "|" + "---|" * 6]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(profile, lang)]
    return "\n".join(lines)


def explain_rule(rule: Rule, lang: str, console: Console) -> None:
    """Ruff-style: a header, then what it checks, why, and how to fix it by hand."""
    from rich.text import Text

    console.print(Text(f"{rule.id}  {rule_text(rule.id, 'title', lang)}", style="bold"))
    console.print(Text(ui("explain_meta", lang, id=rule.id, name=rule.name, kind=ui(f"kind_{rule.kind}", lang),
                          severity=ui(f"severity_{rule.severity.value}", lang),
                          fixable=_fixable(rule, lang)), style="dim"), soft_wrap=True)
    for key, heading in (("what", "explain_what"), ("why", "explain_why"), ("fix", "explain_fix")):
        console.print()
        console.print(Text(ui(heading, lang), style="bold underline"))
        # Soft wrap: rich would break Chinese prose at the spaces around Latin words.
        console.print(rule_text(rule.id, key, lang).strip(), markup=False, soft_wrap=True)

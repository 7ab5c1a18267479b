"""``kcsubmit profiles``: the built-in rules profiles, and ``--new NAME`` to start one."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Optional

import typer

from .errors import UsageError

NEW_TEMPLATE = "new-profile.toml.in"
SCHEMA = "profile.schema.json"


def listing() -> list[dict[str, Any]]:
    """Every built-in profile: name, title, year, source (the notice), verified, and more."""
    from .profile import builtin_names, load

    found = []
    for name in builtin_names():
        p = load(name)
        found.append({"name": p.name, "title": p.title, "year": p.year, "source": dict(p.source_info),
                      "verified": p.verified, "format": p.format,
                      "deadline": p.deadline.isoformat() if p.deadline is not None else None,
                      "manual": len(p.manual), "deliverables": [d.id for d in p.deliverables]})
    return found


def starter(name: str) -> str:
    """The commented text of a new format-2 profile called ``name`` (it loads as it is)."""
    folder = resources.files("kcsubmit").joinpath("profiles")
    text = folder.joinpath(NEW_TEMPLATE).read_text(encoding="utf-8")
    schema = Path(str(folder.joinpath(SCHEMA))).resolve().as_uri()
    return text.replace("__NAME__", name).replace("__SCHEMA__", schema)


def write_new(name: str) -> Path:
    """Write ``NAME.toml`` (or the ``.toml`` path given) in the current folder; never overwrite."""
    from .outdir import write_new as write_exclusive

    path = Path(name if name.endswith(".toml") else f"{name}.toml")
    stem = path.name[:-5]
    if not stem.strip() or any(c in stem for c in '"\\\n'):
        raise UsageError(f"not a profile name: {name!r}", key="bad_choice", option="--new", choices="NAME")
    if path.exists() or path.is_symlink():
        raise UsageError(f"{path} exists and is not overwritten", key="profile_new_exists", path=str(path))
    text = starter(stem)
    def write(out: BinaryIO) -> None:
        out.write(text.encode("utf-8"))

    write_exclusive(path, write)
    return path


def profiles_command(
    new: Annotated[Optional[str], typer.Option("--new", help="Write NAME.toml, a commented starting profile (never overwrites).")] = None,  # noqa: E501
    fmt: Annotated[str, typer.Option("--format", "-f", help="text|json")] = "text",
    lang: Annotated[Optional[str], typer.Option("--lang", help="zh|en")] = None,
) -> None:
    """List the built-in rules profiles (name, title, year, source, verified), or start a new one.

    Example:  kcsubmit profiles        kcsubmit profiles --new 2025-my-call
    """
    from .i18n import detect_lang, ui

    language = detect_lang(lang)
    if new is not None:
        path = write_new(new)
        typer.echo(ui("profile_new_done", language, path=str(path)))
        return
    if fmt not in ("text", "json"):
        raise UsageError("--format must be one of text, json", key="bad_choice", option="--format",
                         choices="text|json")
    found = listing()
    if fmt == "json":
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=True)
    for key in ("name", "title", "year", "source", "verified"):
        table.add_column(ui(f"profiles_col_{key}", language), overflow="fold")
    for p in found:
        known = [str(p["source"][k]) for k in ("title", "issuer", "date", "url")
                 if p["source"].get(k) and str(p["source"][k]) != "unknown"]
        table.add_row(p["name"], p["title"], str(p["year"] or "—"), " · ".join(known) or "unknown",
                      ui("profiles_yes" if p["verified"] else "profiles_no", language))
    console = Console(highlight=False, markup=False, no_color="NO_COLOR" in os.environ)
    console.print(table)
    console.print(ui("profiles_hint", language))


def init_fields(profile: Any, given: list[str], ask: bool, lang: str) -> dict[str, str]:
    """``init``: the values of the placeholders the profile's name templates use (``--field
    title=光的折射``, else asked for when interactive); ``studio``, ``theme`` and ``n`` are known."""
    from .deliverables import fields_needed
    from .i18n import ui

    fields: dict[str, str] = {}
    for item in given:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"--field expects KEY=VALUE, got {item!r}", key="bad_choice", option="--field",
                             choices="KEY=VALUE")
        fields[key.strip()] = value.strip()
    for name in fields_needed(profile):
        if name in fields:
            continue
        if ask:
            value = typer.prompt(ui("init_ask_field", lang, field=name), default="", show_default=False).strip()
            if value:
                fields[name] = value
    return fields

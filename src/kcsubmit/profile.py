"""Rules profiles: every number of the notice, in a TOML file.

The built-in ``2023`` profile ships as ``profiles/2023.toml``; ``--rules FILE``
loads another.  In format 1 (a file without ``format = 2``) every key is required
and an unknown key is an error, so a typo in next year's profile cannot silently
fall back to this year's value.  Format 2 (SPEC §7.1) is read by :mod:`kcsubmit.profile2`.
"""

from __future__ import annotations

from importlib import resources
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import tomlcheck
from .errors import UsageError
from .models import Profile
from .profilekeys import FORMAT1
from .rules import RULES  # the rules read models.Profile: no cycle

SEVERITY_LEVELS = ("error", "warning", "info", "off")


class ProfileError(UsageError):
    """A rules profile that cannot be used (exit code 2)."""


SCHEMA = FORMAT1  # format 1: every key required (profilekeys holds both formats)


def load(spec: str | Path = "2023") -> Profile:
    """Load a built-in profile by name, or a profile TOML file by path."""
    spec = str(spec)
    builtin = resources.files("kcsubmit").joinpath("profiles").joinpath(f"{spec}.toml")
    if "/" not in spec and "\\" not in spec and not spec.endswith(".toml") and builtin.is_file():
        return parse(builtin.read_text(encoding="utf-8"), source=f"<built-in {spec}>")
    path = Path(spec)
    if not path.is_file():
        names = ", ".join(builtin_names())
        raise ProfileError(f"rules profile not found: {spec} (built-in: {names}, or a path to a .toml file)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read rules profile: {exc}") from None
    return parse(text, source=str(path))


def builtin_names() -> list[str]:
    folder = resources.files("kcsubmit").joinpath("profiles")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def parse(text: str, source: str = "<string>") -> Profile:
    """Validate profile TOML text; errors name the key and the source."""
    data = tomlcheck.loads(text, source, ProfileError)

    def fail(key: str, what: str) -> ProfileError:
        return ProfileError(f"{source}: key '{key}': {what}")

    if "format" in data and data["format"] != 1:
        if data["format"] != 2:
            raise fail("format", f"expected 1 or 2, got {data['format']!r}")
        from .profile2 import parse2

        return parse2(data, source, fail)
    data.pop("format", None)

    known_sections = set(SCHEMA) - {""} | {"severity", "theme_aliases"}
    tomlcheck.known_keys(data, [*SCHEMA[""], *sorted(known_sections)], "", fail)
    for key, value in data.items():
        if key in known_sections and not isinstance(value, dict):
            raise fail(key, "must be a table")
    for section, fields in SCHEMA.items():
        table = data if section == "" else data.get(section)
        if table is None:
            raise fail(section, "missing table")
        if section:  # a typo is reported as itself, before the key it misses
            tomlcheck.known_keys(table, fields, f"{section}.", fail)
        for key, check in fields.items():
            dotted = f"{section}.{key}" if section else key
            if key not in table:
                raise fail(dotted, "missing")
            problem = check(table[key])
            if problem:
                raise fail(dotted, f"expected {problem}, got {table[key]!r}")

    video = data["video"]
    if video["min_duration_s"] > video["max_duration_s"]:
        raise fail("video.min_duration_s", "greater than video.max_duration_s")
    if video["min_fps"] > video["max_fps"]:
        raise fail("video.min_fps", "greater than video.max_fps")
    if len(set(data["themes"])) != len(data["themes"]):
        raise fail("themes", "a theme is listed twice")

    severity = check_severity(data, fail)
    aliases = check_aliases(data, fail)
    return Profile(
        name=data["name"], title=data["title"], deadline=data["deadline"],
        themes=tuple(data["themes"]), video=dict(video), case=dict(data["case"]),
        archive=dict(data["archive"]), severity=dict(severity), source=source,
        theme_aliases=dict(aliases), verified=True,
    )


def check_severity(data: dict[str, Any], fail: Callable[[str, str], ProfileError]) -> dict[str, str]:
    severity = data.get("severity", {})
    for rule_id, level in severity.items():
        if rule_id not in RULES:
            raise fail(f"severity.{rule_id}", "unknown rule ID")
        if level not in SEVERITY_LEVELS:
            raise fail(f"severity.{rule_id}", f"expected one of {', '.join(SEVERITY_LEVELS)}, got {level!r}")
    return dict(severity)


def check_aliases(data: dict[str, Any], fail: Callable[[str, str], ProfileError]) -> dict[str, str]:
    aliases = data.get("theme_aliases", {})
    for alias, theme in aliases.items():
        if theme not in data.get("themes", []):
            raise fail(f"theme_aliases.{alias}", f"{theme!r} is not one of the themes")
    return dict(aliases)

"""Rules profiles: every number of the notice, in a TOML file.

The built-in ``2023`` profile ships as ``profiles/2023.toml``; ``--rules FILE``
loads another.  Every key is required and an unknown key is an error, so a
typo in next year's profile cannot silently fall back to this year's value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from . import tomlcheck
from .errors import UsageError
from .models import Profile
from .rules import RULES  # the rules read models.Profile: no cycle

SEVERITY_LEVELS = ("error", "warning", "info", "off")


class ProfileError(UsageError):
    """A rules profile that cannot be used (exit code 2)."""


# --- value validators: each returns an error text, or None when the value is good ---

def _int(minimum: int = 0) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            return f"an integer ≥ {minimum}"
        return None
    return check


def _number(v: Any) -> str | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        return "a number ≥ 0"
    return None


def _text(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "a non-empty string"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def _texts(v: Any) -> str | None:
    ok = isinstance(v, list) and v and all(isinstance(x, str) and x.strip() for x in v)
    return None if ok else "a non-empty list of strings"


def _datetime(v: Any) -> str | None:
    return None if isinstance(v, (dt.datetime, dt.date)) else "a TOML date-time"


def _ratio(v: Any) -> str | None:
    try:
        w, h = (int(x) for x in str(v).split(":"))
        return None if w > 0 and h > 0 else "a ratio such as \"16:9\""
    except ValueError:
        return "a ratio such as \"16:9\""


SCHEMA: dict[str, dict[str, Callable[[Any], str | None]]] = {
    "": {"name": _text, "title": _text, "deadline": _datetime, "themes": _texts},
    "video": {
        "container": _text, "extensions": _texts, "width": _int(1), "height": _int(1),
        "aspect": _ratio, "aspect_tolerance": _number, "min_duration_s": _number,
        "max_duration_s": _number, "progressive": _bool, "codecs": _texts,
        "audio_codecs": _texts, "bit_depth": _int(1), "chroma_subsampling": _text,
        "min_fps": _number, "max_fps": _number,
    },
    "case": {
        "document_format": _text, "max_words": _int(1), "min_images": _int(0),
        "image_format": _text, "image_extensions": _texts, "image_width": _int(1),
        "image_height": _int(1),
    },
    "archive": {
        "formats": _texts, "max_bytes": _int(1), "max_unpacked_bytes": _int(1),
        "max_ratio": _number, "max_entries": _int(1),
    },
}


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

    severity = data.get("severity", {})
    for rule_id, level in severity.items():
        if rule_id not in RULES:
            raise fail(f"severity.{rule_id}", "unknown rule ID")
        if level not in SEVERITY_LEVELS:
            raise fail(f"severity.{rule_id}", f"expected one of {', '.join(SEVERITY_LEVELS)}, got {level!r}")

    aliases = data.get("theme_aliases", {})
    for alias, theme in aliases.items():
        if theme not in data["themes"]:
            raise fail(f"theme_aliases.{alias}", f"{theme!r} is not one of the themes")

    return Profile(
        name=data["name"], title=data["title"], deadline=data["deadline"],
        themes=tuple(data["themes"]), video=dict(video), case=dict(data["case"]),
        archive=dict(data["archive"]), severity=dict(severity), source=source,
        theme_aliases=dict(aliases),
    )

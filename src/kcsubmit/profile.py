"""Rules profiles: every number of the notice, in a TOML file.

The built-in ``2023`` profile ships as ``profiles/2023.toml``; ``--rules FILE``
loads another.  In format 1 (a file without ``format = 2``) every key is required
and an unknown key is an error, so a typo in next year's profile cannot silently
fall back to this year's value.  Format 2 (SPEC §7.1) is read by :mod:`kcsubmit.profile2`.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from . import tomlcheck
from .errors import UsageError
from .models import Profile, ProfileInfo
from .profile2 import SEVERITY_LEVELS, check_aliases, check_severity, check_table, parse2  # noqa: F401 - re-exported
from .profilekeys import FORMAT1, SOURCE


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
        return parse2(data, source, fail)
    data.pop("format", None)

    known_sections = set(SCHEMA) - {""} | {"severity", "theme_aliases", "source"}  # [source]: optional
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
    notice = data.get("source", {})
    check_table(notice, SOURCE, "source.", fail)
    return Profile(
        name=data["name"], title=data["title"], deadline=data["deadline"],
        themes=tuple(data["themes"]), video=dict(video), case=dict(data["case"]),
        archive=dict(data["archive"]), severity=dict(severity), source=source,
        theme_aliases=dict(aliases), verified=True, year=data["deadline"].year,
        source_info={k: str(v) if k == "date" else v for k, v in notice.items()},
    )


def info(profile: Profile, now: dt.datetime | None = None) -> ProfileInfo:
    """What a report says about the profile that judged it; ``deadline_passed`` against ``now``."""
    deadline = profile.deadline
    passed = False
    if isinstance(deadline, dt.datetime):
        moment = now or dt.datetime.now(dt.timezone.utc)
        passed = (deadline if deadline.tzinfo else deadline.astimezone()) < moment
    elif isinstance(deadline, dt.date):  # a date alone: the whole day counts
        passed = deadline < (now or dt.datetime.now()).date()
    return ProfileInfo(
        profile.name, profile.title, profile.source, verified=profile.verified, notice=dict(profile.source_info),
        year=profile.year, deadline=deadline.isoformat() if deadline is not None else None,
        deadline_passed=passed, manual=profile.manual,
    )

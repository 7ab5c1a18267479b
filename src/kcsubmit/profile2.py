"""Profile format 2 (SPEC §7.1): every number optional, deliverables, manual checks, the notice.

The result has the shape of a format-1 profile (sections ``video``, ``case``, ``archive``), with
only the keys the file gives: a rule reads them with ``.get`` and checks nothing for an absent
key.  Every key is validated (type, range, exact-or-bounds, min ≤ max) and a misspelt one is
named with the near known one, as in format 1 and the manifest (:mod:`kcsubmit.tomlcheck`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import tomlcheck
from .filenames import field_template_problem
from .models import Deliverable, ManualItem, Profile
from .profilekeys import (
    ARCHIVE_GUARDS,
    AUDIO,
    DELIVERABLE,
    EXCLUSIVE,
    FORMAT2,
    MANUAL,
    RANGES,
    RULES_SECTION,
    SOURCE,
    Validator,
)
from .rules import RULES  # the rules read models.Profile: no cycle

Fail = Callable[[str, str], Exception]
SEVERITY_LEVELS = ("error", "warning", "info", "off")
TABLES = ("video", "case", "archive", "severity", "theme_aliases", "source")
ARRAYS = ("manual", "deliverable")


def parse2(data: dict[str, Any], source: str, fail: Fail) -> Profile:
    """A format-2 profile from its TOML ``data`` (``source`` names the file in errors)."""
    tomlcheck.known_keys(data, [*FORMAT2[""], *TABLES, *ARRAYS], "", fail)
    for key in TABLES:
        if key in data and not isinstance(data[key], dict):
            raise fail(key, "must be a table")
    for key in ARRAYS:
        if key in data and not (isinstance(data[key], list) and all(isinstance(x, dict) for x in data[key])):
            raise fail(key, f"must be an array of tables ([[{key}]])")
    top = {k: v for k, v in data.items() if k in FORMAT2[""]}
    check_table(top, FORMAT2[""], "", fail)
    for key in ("name", "title"):
        if key not in data:
            raise fail(key, "missing")
    themes = data.get("themes", [])
    if len(set(themes)) != len(themes):
        raise fail("themes", "a theme is listed twice")
    sections = {name: section(data.get(name, {}), name, fail) for name in ("video", "case", "archive")}
    for key, value in ARCHIVE_GUARDS.items():
        sections["archive"].setdefault(key, value)
    info = data.get("source", {})
    check_table(info, SOURCE, "source.", fail)
    manual = _manual(data.get("manual", []), fail)
    deliverables = _deliverables(data.get("deliverable", []), sections, fail)
    return Profile(
        name=data["name"], title=data["title"], deadline=data.get("deadline"), themes=tuple(themes),
        video=sections["video"], case=sections["case"], archive=sections["archive"],
        severity=check_severity(data, fail), source=source, theme_aliases=check_aliases(data, fail),
        format=2, year=data.get("year"), verified=data.get("verified", False),
        source_info={k: str(v) if k == "date" else v for k, v in info.items()},
        manual=manual, deliverables=deliverables,
    )


def check_table(table: dict[str, Any], fields: dict[str, Validator], prefix: str, fail: Fail) -> None:
    """Unknown keys (with "did you mean"), then each value's type and range."""
    tomlcheck.known_keys(table, fields, prefix, fail)
    for key, value in table.items():
        problem = fields[key](value)
        if problem:
            raise fail(f"{prefix}{key}", f"expected {problem}, got {value!r}")


def section(table: dict[str, Any], name: str, fail: Fail) -> dict[str, Any]:
    """One of ``video``, ``case``, ``archive``: validated, its exact/bounds and ranges consistent."""
    prefix = f"{name}."
    check_table(table, FORMAT2[name], prefix, fail)
    consistent(table, prefix, fail)
    out = dict(table)
    if "audio" in out:
        check_table(out["audio"], AUDIO, f"{prefix}audio.", fail)
        consistent(out["audio"], f"{prefix}audio.", fail)
        out["audio"] = dict(out["audio"])
    if "aspect" in out:
        out.setdefault("aspect_tolerance", 0.01)
    return out


def consistent(table: dict[str, Any], prefix: str, fail: Fail) -> None:
    for exact, bounds in EXCLUSIVE.items():
        both = [b for b in bounds if b in table]
        if exact in table and both:
            raise fail(f"{prefix}{both[0]}", f"give {prefix}{exact} or {prefix}{both[0]}, not both")
    for low, high in RANGES:
        if low in table and high in table and table[low] > table[high]:
            raise fail(f"{prefix}{low}", f"greater than {prefix}{high}")


def _inside(fail: Fail, prefix: str, section_prefix: str) -> Fail:
    """``fail`` for a deliverable's rules table: ``video.width`` is named ``deliverable[0].rules.width``."""
    def inner(key: str, what: str) -> Exception:
        return fail(prefix + key.removeprefix(section_prefix), what.replace(section_prefix, ""))
    return inner


def _manual(items: list[dict[str, Any]], fail: Fail) -> tuple[ManualItem, ...]:
    seen: set[str] = set()
    found = []
    for i, item in enumerate(items):
        prefix = f"manual[{i}]."
        check_table(item, MANUAL, prefix, fail)
        for key in MANUAL:
            if key not in item:
                raise fail(f"{prefix}{key}", "missing")
        if item["id"] in seen:
            raise fail(f"{prefix}id", f"{item['id']} is used twice")
        seen.add(item["id"])
        found.append(ManualItem(item["id"], item["zh"].strip(), item["en"].strip()))
    return tuple(found)


def _deliverables(items: list[dict[str, Any]], sections: dict[str, dict[str, Any]],
                  fail: Fail) -> tuple[Deliverable, ...]:
    seen: set[str] = set()
    found = []
    for i, item in enumerate(items):
        prefix = f"deliverable[{i}]."
        check_table(item, DELIVERABLE, prefix, fail)
        for key in ("id", "kind"):
            if key not in item:
                raise fail(f"{prefix}{key}", "missing")
        if item["id"] in seen:
            raise fail(f"{prefix}id", f"{item['id']!r} is used twice")
        seen.add(item["id"])
        if "count" in item and ("min_count" in item or "max_count" in item):
            raise fail(f"{prefix}count", "give count or min_count/max_count, not both")
        consistent(item, prefix, fail)
        for key in ("name", "archive"):
            if key in item:
                problem = field_template_problem(item[key])
                if problem:
                    raise fail(f"{prefix}{key}", problem)
        rules = dict(item.get("rules", {}))
        kind_section = RULES_SECTION.get(item["kind"])
        if rules and kind_section is None:
            raise fail(f"{prefix}rules", f"a deliverable of kind {item['kind']!r} takes no rules")
        if kind_section is not None:
            rules = section(rules, kind_section, _inside(fail, f"{prefix}rules.", f"{kind_section}."))
        if "count" in item:
            low, high = item["count"], item["count"]
        else:
            low, high = item.get("min_count", 1), item.get("max_count", None if "min_count" in item else 1)
        found.append(Deliverable(
            id=item["id"], kind=item["kind"], title=item.get("title", ""), min_count=low, max_count=high,
            match=tuple(item.get("match", ())), rules=rules, name=item.get("name"), archive=item.get("archive"),
            formats=tuple(item.get("formats", ())), max_bytes=item.get("max_bytes"),
        ))
    return tuple(found)


def check_severity(data: dict[str, Any], fail: Fail) -> dict[str, str]:
    severity = data.get("severity", {})
    for rule_id, level in severity.items():
        if rule_id not in RULES:
            raise fail(f"severity.{rule_id}", "unknown rule ID")
        if level not in SEVERITY_LEVELS:
            raise fail(f"severity.{rule_id}", f"expected one of {', '.join(SEVERITY_LEVELS)}, got {level!r}")
    return dict(severity)


def check_aliases(data: dict[str, Any], fail: Fail) -> dict[str, str]:
    aliases = data.get("theme_aliases", {})
    for alias, theme in aliases.items():
        if theme not in data.get("themes", []):
            raise fail(f"theme_aliases.{alias}", f"{theme!r} is not one of the themes")
    return dict(aliases)

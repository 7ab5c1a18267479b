"""S001–S006: the submission as a whole (a manifest, or a folder by convention).

Facts come from :meth:`kcsubmit.manifest.Submission.facts`; ``for_pack`` is set
when the studio name is needed even for a folder (``kcsubmit pack``).
"""

from __future__ import annotations

import difflib
import os
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..facts import SubmissionFacts
from ..filenames import CASE_THEME, DEFAULT_TEMPLATE, fill, name_problem, template_fields
from ..names import canonical, invisible
from .base import Violation, rule

if TYPE_CHECKING:  # for annotations only
    from ..models import Profile

Facts = SubmissionFacts  # every key its probe writes: a misspelt one is a type error


def suggest_theme(name: str, profile: Profile) -> str | None:
    """The theme a teacher most likely meant: "双减" → "助力双减", "AI" → "人工智能"."""
    name = canonical(name)
    text = name.lower()
    if not text:
        return None
    for alias, theme in profile.theme_aliases.items():
        if alias.lower() == text or (len(alias) > 1 and alias.lower() in text):
            return theme
    for theme in profile.themes:
        if text in theme.lower() or theme.lower() in text:
            return theme
    overlap = {theme: len(set(theme) & set(name)) for theme in profile.themes}
    best = max(profile.themes, key=lambda t: overlap[t])
    if overlap[best] >= 2:
        return best
    close = difflib.get_close_matches(name, list(profile.themes), n=1, cutoff=0.5)
    return close[0] if close else None


@rule("S001", "submission-no-theme-video", "submission", "error", None)
def no_video(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if profile.deliverables:  # a format-2 profile's deliverables replace the themes (S007 counts them)
        return
    if not facts.get("themes"):
        yield Violation(actual=0, expected=">= 1", values={"themes": list(profile.themes)})


@rule("S002", "submission-two-videos-one-theme", "submission", "error", None)
def two_videos(facts: Facts, profile: Profile) -> Iterator[Violation]:
    by_theme: dict[str, list[str]] = defaultdict(list)
    for theme, path in facts.get("themes", []):
        if theme in profile.themes:
            by_theme[theme].append(path)
    for theme, files in by_theme.items():
        if len(files) > 1:
            yield Violation(actual=len(files), expected=1, location=theme,
                            values={"theme": theme, "count": len(files), "files": files})


@rule("S003", "submission-unknown-theme", "submission", "error", None)
def unknown_theme(facts: Facts, profile: Profile) -> Iterator[Violation]:
    themes = facts.get("themes", [])
    unnamed = [path for theme, path in themes if theme is None]
    if unnamed:
        # Said once for all of them (issue 17): how to give themes, not one finding per video.
        suggestion = suggest_theme(unnamed[0], profile)
        example = f"{suggestion or profile.themes[0]}-{_basename(unnamed[0])}"
        yield Violation(actual=unnamed, expected=list(profile.themes), location=unnamed[0],
                        variant="unnamed", values={"files": unnamed, "file": unnamed[0], "count": len(unnamed),
                                                   "themes": list(profile.themes), "example": example})
    for theme, path in themes:
        if theme in profile.themes or theme is None:
            continue
        shown = theme or path
        suggestion = suggest_theme(theme or path, profile)
        values = {"theme": shown, "file": path, "suggestion": suggestion,
                  "themes": list(profile.themes),
                  "example": f"{suggestion or profile.themes[0]}-作品.mp4"}
        hidden = invisible(theme or "")
        variant: str | None
        if suggestion and hidden and "".join(c for c in canonical(theme) if c.isprintable()) == suggestion:
            # "人工\u200b智能" reads exactly as the theme suggested: say what cannot be seen.
            variant = "invisible"
            values.update(theme=_shown(theme), chars=hidden)
        else:
            variant = None if suggestion else "nosuggest"
        yield Violation(actual=shown, expected=list(profile.themes), location=path,
                        variant=variant, values=values)


@rule("S004", "submission-no-studio", "submission", "error", None)
def no_studio(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if profile.deliverables and not any("studio" in template_fields(t) for d in profile.deliverables
                                        for t in (d.name, d.archive) if t):
        return  # a call whose names do not hold a studio (a person's entry): none is asked for
    needed = facts.get("source") == "manifest" or facts.get("for_pack")
    if needed and not facts.get("studio"):
        # A manifest without one: init would refuse to replace it, so the step is to write it in.
        yield Violation(actual=None, expected="studio name",
                        variant="manifest" if facts.get("source") == "manifest" else None)


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def _shown(text: str) -> str:
    """``text`` with every character a reader cannot see written as ``\\u200b``."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


@rule("S005", "submission-file-missing", "submission", "error", None)
def file_missing(facts: Facts, profile: Profile) -> Iterator[Violation]:
    for named in facts.get("missing", []):
        # A Windows path (D:\\作品\\a.mp4) read on another computer: say so, not just "missing".
        drive = os.name != "nt" and re.match(r"[A-Za-z]:[\\/]", named) is not None
        yield Violation(actual=named, expected="an existing file", location=named, values={"file": named},
                        variant="drive" if drive else None)
    for named, found in facts.get("recased", []):
        # Found under another letter case: works here, breaks on a case-sensitive system (Linux).
        yield Violation(actual=named, expected=found, location=named, variant="case", severity="warning",
                        values={"file": named, "found": found})


@rule("S006", "submission-unsafe-name", "submission", "error", None)
def unsafe_name(facts: Facts, profile: Profile) -> Iterator[Violation]:
    """The archive names pack makes from the studio and the ``[pack] name`` template are
    plain, portable file names (kcsubmit.filenames.name_problem), checked before any is made."""
    studio = facts.get("studio")
    if not studio:
        return  # S004 says so; no name is made without a studio
    template = facts.get("name_template") or DEFAULT_TEMPLATE
    themes = [t for t, _ in facts.get("themes", []) if t in profile.themes] or list(profile.themes[:1])
    if facts.get("document"):
        themes.append(CASE_THEME)
    for theme in dict.fromkeys(themes):
        name = fill(template, studio, theme)
        problem = name_problem(name)
        if problem is not None:
            yield Violation(actual=name, expected="a file name without / \\ : * ? \" < > | or control characters",
                            variant=problem.reason, values={"name": name, "char": problem.char})
            return

"""S001–S005: the submission as a whole (a manifest, or a folder by convention).

Facts come from :meth:`kcsubmit.manifest.Submission.facts`; ``for_pack`` is set
when the studio name is needed even for a folder (``kcsubmit pack``).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any, Iterator, Mapping

from ..profile import Profile
from .base import Violation, rule

Facts = Mapping[str, Any]


def suggest_theme(name: str, profile: Profile) -> str | None:
    """The theme a teacher most likely meant: "双减" → "助力双减", "AI" → "人工智能"."""
    text = name.strip().lower()
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


@rule("S001", "submission-no-theme-video", "submission", "error", False)
def no_video(facts: Facts, profile: Profile) -> Iterator[Violation]:
    if not facts.get("themes"):
        yield Violation(actual=0, expected=">= 1", values={"themes": list(profile.themes)})


@rule("S002", "submission-two-videos-one-theme", "submission", "error", False)
def two_videos(facts: Facts, profile: Profile) -> Iterator[Violation]:
    by_theme: dict[str, list[str]] = defaultdict(list)
    for theme, path in facts.get("themes", []):
        if theme in profile.themes:
            by_theme[theme].append(path)
    for theme, files in by_theme.items():
        if len(files) > 1:
            yield Violation(actual=len(files), expected=1, location=theme,
                            values={"theme": theme, "count": len(files), "files": files})


@rule("S003", "submission-unknown-theme", "submission", "error", False)
def unknown_theme(facts: Facts, profile: Profile) -> Iterator[Violation]:
    for theme, path in facts.get("themes", []):
        if theme in profile.themes:
            continue
        shown = theme or path
        suggestion = suggest_theme(theme or path, profile)
        values = {"theme": shown, "file": path, "suggestion": suggestion,
                  "themes": list(profile.themes),
                  "example": f"{suggestion or profile.themes[0]}-作品.mp4"}
        if theme is None:
            variant = "unnamed"
        else:
            variant = None if suggestion else "nosuggest"
        yield Violation(actual=shown, expected=list(profile.themes), location=path,
                        variant=variant, values=values)


@rule("S004", "submission-no-studio", "submission", "error", False)
def no_studio(facts: Facts, profile: Profile) -> Iterator[Violation]:
    needed = facts.get("source") == "manifest" or facts.get("for_pack")
    if needed and not facts.get("studio"):
        yield Violation(actual=None, expected="studio name")


@rule("S005", "submission-file-missing", "submission", "error", False)
def file_missing(facts: Facts, profile: Profile) -> Iterator[Violation]:
    for named in facts.get("missing", []):
        yield Violation(actual=named, expected="an existing file", location=named, values={"file": named})

"""``kcsubmit init`` in a terminal: one question per video — which theme, by number."""

from __future__ import annotations

from pathlib import Path

import typer

from .engine import theme_of
from .i18n import ui
from .models import Profile
from .names import canonical, show
from .rules.submission import suggest_theme


def propose(video: str, profile: Profile) -> str | None:
    """The theme a video's name suggests: named in it (人工智能-课堂.mp4), else the nearest
    (AI课堂.mp4 → 人工智能), else None (IMG_2041.MOV)."""
    name = Path(video)
    return theme_of(name, profile) or suggest_theme(name.stem, profile)


def ask_themes(videos: list[str], profile: Profile, lang: str) -> dict[str, str]:
    """Ask for each video's theme: 1–N picks a theme (the suggested one is the default), 0 leaves
    the video out; a theme already given to another video is refused. Returns theme → video."""
    themes = list(profile.themes)
    menu = "  ".join([*(f"{i} {t}" for i, t in enumerate(themes, 1)), f"0 {ui('init_skip', lang)}"])
    chosen: dict[str, str] = {}
    for video in videos:
        guess = propose(video, profile)
        default = str(themes.index(guess) + 1) if guess in themes and guess not in chosen else None
        while True:
            answer = typer.prompt(show(ui("ask_video_theme", lang, video=video, menu=menu)), default=default,
                                  show_default=default is not None).strip()
            pick = _pick(answer, themes, profile)
            if pick == "":
                break
            if pick is None:
                typer.echo(ui("init_bad_pick", lang, count=len(themes)))
            elif pick in chosen:
                typer.echo(show(ui("init_taken", lang, theme=pick, video=chosen[pick])))
            else:
                chosen[pick] = video
                break
    return {t: chosen[t] for t in themes if t in chosen}


def _pick(answer: str, themes: list[str], profile: Profile) -> str | None:
    """The theme an answer names: its number, or the theme's name; "" for 0 (left out)."""
    if answer.isdigit():
        number = int(answer)
        if number == 0:
            return ""
        return themes[number - 1] if number <= len(themes) else None
    name = canonical(answer)
    return name if name in themes else None

"""``kcsubmit serve``: the command; the server lives in :mod:`kcsubmit.serve`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer


def serve(
    folder: Annotated[Optional[Path], typer.Argument(help="Work folder for the originals, repaired copies and archives; default: a new folder under Documents/kcsubmit.")] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1; default: a free one.")] = 0,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="Do not open the browser; print the address only.")] = False,
    rules: Annotated[Optional[str], typer.Option("--rules", help="Also offer this profile TOML (chosen first) besides the built-in ones.")] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help="zh|en: the page's first language; default: KCSUBMIT_LANG, else the locale, else zh.")] = None,
) -> None:
    """A local web page for teachers: add files, see the report, fix, pack, download.

    Listens on 127.0.0.1 only; the printed address holds a key without which every request is
    refused. Ctrl-C stops the server (and a running repair, leaving nothing half-written).

    Example:  kcsubmit serve
    """
    from .i18n import detect_lang
    from .serve.server import serve as run

    run(folder, port=port, open_browser=not no_browser, rules=rules, lang=detect_lang(lang))

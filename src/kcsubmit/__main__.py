"""Entry point for ``kcsubmit`` and ``python -m kcsubmit``."""

from __future__ import annotations

import sys


def main() -> None:
    # Answer --version before importing Typer and the rest: CI scripts call it often.
    if sys.argv[1:] == ["--version"]:
        from . import __version__

        print(f"kcsubmit {__version__}")
        return
    from .cli import run

    run()


if __name__ == "__main__":
    main()

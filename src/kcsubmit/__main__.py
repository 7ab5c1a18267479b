"""Entry point for ``kcsubmit`` and ``python -m kcsubmit``."""

from __future__ import annotations

import sys


def main() -> None:
    # Answer --version before importing Typer and the rest: CI scripts call it often.
    if sys.argv[1:] == ["--version"]:
        from .version import __version__

        print(f"kcsubmit {__version__}")
        return
    try:
        from .cli_main import run  # Typer and rich: the first ~0.2 s of every run
    except KeyboardInterrupt:  # Ctrl-C before the CLI could catch it: the same one line as later
        print("kcsubmit: error: interrupted / 已中断", file=sys.stderr)
        sys.exit(2)
    run()


if __name__ == "__main__":
    main()

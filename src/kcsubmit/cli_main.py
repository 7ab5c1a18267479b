"""The process around the commands: the language chosen first, one line for every failure
(never a traceback unless ``--debug``), exit codes 0/1/2, consoles that cannot show every symbol,
and ``kcsubmit`` alone in an empty folder.  The commands themselves are in :mod:`kcsubmit.cli`."""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer

from .cli import _lang_name, app
from .errors import KcsubmitError


def run(argv: Optional[list[str]] = None) -> None:
    """Run the CLI; every failure ends in one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    if not debug:
        # "Exception ignored in ZipFile.__del__" after a full disk, or at a Ctrl-C during a fork:
        # Python ignores these by definition; a teacher should not see their traceback.
        sys.unraisablehook = lambda unraisable: None
    for stream in (sys.stdout, sys.stderr):
        # A legacy Windows code page cannot encode every symbol: ✓ ✗ become √ × in GBK (cp936),
        # anything else "?"; never a crash (docs/decisions.md, Windows and macOS).
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=_console_errors())
    # Pillow's "Corrupt EXIF data" and similar are about the file, which the report judges (I003);
    # inherited by forked --jobs workers.
    import warnings

    warnings.filterwarnings("ignore", module=r"PIL(\.|$)")
    try:
        language = _lang_name(_arg_lang(args))
        alone = not [a for a in args if a != "--lang" and not a.startswith("--lang=") and a != _arg_lang(args)]
        if alone and _welcome(language):
            code = 0
        else:  # alone in a folder holding a submission: the help (was a usage error, exit 2)
            code = _command(language)(args=[*args, "--help"] if alone else args, prog_name="kcsubmit",
                                      standalone_mode=False)
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.TyperException as exc:  # bad arguments: Typer's usage errors, in the teacher's language
        from .cli_help import usage_message

        _fail(usage_message(exc, _lang_name(_arg_lang(args))))
        code = 2
    except (KeyboardInterrupt, typer.Abort):
        _fail("interrupted / 已中断")
        code = 2
    except KcsubmitError as exc:
        if debug:
            raise
        _fail(exc.localized(_lang_name(_arg_lang(args))))
        code = 2
    except OSError as exc:  # the machine refused (too many open files, a full disk): no bug of ours
        if debug:
            raise
        from .i18n import ui

        reason = exc.strerror or type(exc).__name__
        _fail(ui("os_error", _lang_name(_arg_lang(args)), reason=reason, path=exc.filename or ""))
        code = 2
    except Exception as exc:  # noqa: BLE001 - the promise: one line, never a traceback
        if debug:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for details)")
        code = 2
    if code == INTERRUPTED:  # Typer turns Ctrl-C into 130; the contract says 2
        _fail("interrupted / 已中断")
        code = 2
    sys.exit(code if isinstance(code, int) else 0)


INTERRUPTED = 130
LOOKALIKES = {"✓": "√", "✗": "×", "—": "-", "…": "...", "·": "-"}


def _console_errors() -> str:
    """The name of an encode-error handler: a look-alike the console's code page has, else '?'."""
    import codecs

    def lookalike(exc: UnicodeError) -> tuple[str, int]:
        if not isinstance(exc, UnicodeEncodeError):
            raise exc
        out = []
        for char in exc.object[exc.start:exc.end]:
            other = LOOKALIKES.get(char, "?")
            try:
                other.encode(exc.encoding)
            except (UnicodeError, LookupError):
                other = "?"
            out.append(other)
        return "".join(out), exc.end

    codecs.register_error("kcsubmit-lookalike", lookalike)
    return "kcsubmit-lookalike"


def _command(lang: str):  # type: ignore[no-untyped-def]
    """The click command of ``app`` with every help text in ``lang`` (cli_help)."""
    from typer.main import get_command

    from .cli_help import localize

    return localize(get_command(app), lang)


def _welcome(lang: str) -> bool:
    """``kcsubmit`` alone in a folder holding no submission: the three steps in five lines
    (True); elsewhere False, and the help is shown as before."""
    from .discover import DOCUMENT_EXTS, MANIFEST_NAME, VIDEO_EXTS
    from .i18n import ui

    def listing(folder: str) -> list[str]:
        try:
            return os.listdir(folder)
        except OSError:
            return []

    names = listing(".")  # and one level down (视频/, 案例/): never a deep walk of a home folder
    names += [n for d in names if not d.startswith(".") and os.path.isdir(d) for n in listing(d)]
    wanted = VIDEO_EXTS | DOCUMENT_EXTS
    if MANIFEST_NAME in names or any(os.path.splitext(n)[1].lower() in wanted for n in names):
        return False
    typer.echo(ui("welcome", lang))
    return True


def _fail(message: str) -> None:
    from .names import show

    first = show(" ".join(message.split()))  # a name in the reason may hold control characters
    print(f"kcsubmit: error: {first}", file=sys.stderr)


def _arg_lang(args: list[str]) -> Optional[str]:
    """The --lang of a command line that may not have parsed."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None

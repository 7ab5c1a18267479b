"""GitHub Actions workflow commands: one annotation per finding, then a plain summary.

Each finding becomes ``::error file=PATH,title=V003::MESSAGE`` (a warning
``::warning``, an info ``::notice``), which GitHub shows on the run's summary
page and, for a file in the repository, beside the file in a pull request.

- A file inside an archive or a document (``a.zip!人工智能.mp4``,
  ``案例.docx!word/media/image3.png``) is annotated on the outer file, the one
  in the repository; the inner path starts the message.
- A finding of the submission as a whole names the manifest when one was
  checked (``file=kcsubmit.toml``), else no file.
- Values are escaped as the Actions toolkit does (``%`` ``\\r`` ``\\n``; in
  properties also ``:`` and ``,``), so a message or a file name can never end
  the command early or forge another one.

Plain lines follow (the files skipped, then the summary of the text report); a
line break in a file name is shown as ``\\n`` there, so it cannot start a command.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TextIO

from ..i18n import full_message, ui
from ..models import Finding, Report, Severity
from ..names import show, visible
from . import Options, outer_files

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(report: Report, out: TextIO, options: Options) -> None:
    """Write one workflow command per finding to ``out``, then the summary line.

    Names are shown with their control characters escaped (:func:`kcsubmit.names.visible`):
    the log is read in a terminal-like viewer that acts on escape sequences."""
    for line in lines(visible(report, keep="\r\n"), options):  # CR and LF: escape_data, _one_line
        out.write(line + "\n")


def lines(report: Report, options: Options) -> Iterator[str]:
    """The output lines, without line ends."""
    outer = outer_files(report)
    for result in report.files:
        top = outer[result.path]
        inner = result.path[len(top) + 1:] if result.path != top else ""
        for finding in result.findings:
            yield command(finding, _message(finding, options.lang, inner, result.path, options.next_args), file=top)
    whole = show(report.manifest) if report.manifest else None  # the engine names the manifest checked
    for finding in report.submission:
        yield command(finding, _message(finding, options.lang, "", "", options.next_args), file=whole)
    if report.skipped:
        names = [_one_line(s.path) for s in report.skipped]
        yield ui("skipped", options.lang, count=len(names), names=names)
    yield summary(report, options.lang)


def command(finding: Finding, message: str, file: str | None = None) -> str:
    """``::error file=…,title=V003::message`` for one finding (``file`` may be None)."""
    properties = [f"file={escape_property(_posix(file))}"] if file else []
    properties.append(f"title={escape_property(finding.rule)}")
    return f"::{COMMAND[finding.severity]} {','.join(properties)}::{escape_data(message)}"


def summary(report: Report, lang: str) -> str:
    """The closing line, worded as the text report's."""
    if not report.files and not report.submission:
        return ui("no_files", lang)
    values = dict(files=len(report.files), errors=report.errors, warnings=report.warnings,
                  infos=report.infos, fixable=report.fixable)
    return ui("summary_ok" if report.ok else "summary_fail", lang, **values)


def escape_data(text: str) -> str:
    """Escape a command's message (the toolkit's ``escapeData``): ``%`` first, then CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value (``escapeProperty``): as data, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _message(finding: Finding, lang: str, inner: str, path: str, target: str = ".") -> str:
    """The finding's words, led by the inner path, with a location they do not already name."""
    text = full_message(finding, lang, target)
    if finding.location and finding.location != path and finding.location not in text:
        text = f"{text} [{finding.location}]"
    return f"{inner}: {text}" if inner else text


def _one_line(text: str) -> str:
    # A plain line is no command, but a name holding a line break would start one on the next line.
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _posix(path: str) -> str:
    # Annotations name files relative to the repository with "/", also on Windows runners.
    return path.replace(os.sep, "/") if os.sep != "/" else path

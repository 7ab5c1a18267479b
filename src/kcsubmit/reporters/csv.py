"""The CSV report: one row per finding, for reviewers who open it in Excel.

The bytes are always UTF-8 with a BOM (Excel on Chinese Windows otherwise
reads the file as GBK and garbles every name) and rows end in CRLF (the
``excel`` dialect), whatever encoding and newline translation the stream has.

Rows, in the report's order: one per finding of each file, one per file
without findings (``severity`` is ``ok``, ``rule`` empty), then one per
finding of the submission as a whole (``kind`` is ``submission``, ``path``
the folder or manifest checked).  The header is English and stable, for
scripts and Excel alike; ``message`` is in the chosen language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import TextIO

from ..i18n import full_message
from ..models import Finding, Report
from ..names import readable
from . import Options, plain, write_utf8

COLUMNS = ("path", "kind", "theme", "rule", "severity", "fixable", "message",
           "location", "actual", "expected")

BOM = "\ufeff"

# Excel evaluates a cell that starts with one of these as a formula (OWASP "CSV
# injection"); file names come from anyone, so such cells get a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def render(report: Report, out: TextIO, options: Options) -> None:
    """Write ``report`` as CSV to ``out`` (UTF-8 with BOM, CRLF row ends)."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, dialect="excel")
    writer.writerow(COLUMNS)
    writer.writerows(rows(readable(report), readable(options)))
    write_utf8(out, BOM + text.getvalue())


def rows(report: Report, options: Options) -> Iterator[list[str]]:
    """The data rows (without the header), every cell already made safe for Excel."""
    for result in report.files:
        base = (result.path, result.kind, result.theme or "")
        if not result.findings:
            yield _row(*base, "", "ok", "", "", "", "", "")
        for finding in result.findings:
            yield _finding_row(base, finding, options.lang, options.next_args)
    for finding in report.submission:
        yield _finding_row((options.target, "submission", ""), finding, options.lang, options.next_args)


def _finding_row(base: tuple[str, str, str], finding: Finding, lang: str, target: str) -> list[str]:
    return _row(*base, finding.rule, finding.severity.value, plain(finding.fixable),
                full_message(finding, lang, target), plain(finding.location),
                plain(finding.actual), plain(finding.expected))


def _row(*cells: str) -> list[str]:
    return [_neutralise(cell) for cell in cells]


def _neutralise(cell: str) -> str:
    """Prefix an apostrophe to a cell Excel would run as a formula.

    A cell that is just a number ("-3", "+1.5") is left alone: Excel reads it
    as that number, and scripts keep a value they can parse.
    """
    if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


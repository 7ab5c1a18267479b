"""Findings, per-file results and the report: plain frozen dataclasses.

Findings carry values, not sentences: the words are rendered at the edge
(:mod:`kcsubmit.i18n`) in the language the user asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """One rule broken by one file (or by the submission as a whole)."""

    rule: str
    severity: Severity
    fixable: bool
    values: Mapping[str, Any] = field(default_factory=dict)
    location: str | None = None
    actual: Any = None
    expected: Any = None
    variant: str | None = None  # picks an alternative message of the rule


@dataclass(frozen=True)
class FileResult:
    """Everything measured about one file, and the rules it breaks."""

    path: str
    kind: str
    facts: Mapping[str, Any]
    findings: tuple[Finding, ...] = ()
    theme: str | None = None
    rules_checked: tuple[str, ...] = ()

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)


@dataclass(frozen=True)
class Skipped:
    """A file met while walking a folder that no checker applies to."""

    path: str
    reason: str  # a kind detected by content ("text", "unknown", ...)


@dataclass(frozen=True)
class Report:
    """The result of one ``check`` run."""

    rules: str
    files: tuple[FileResult, ...]
    submission: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def all_findings(self) -> list[Finding]:
        found = [f for r in self.files for f in r.findings]
        return found + list(self.submission)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.all_findings() if f.severity is severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def infos(self) -> int:
        return self.count(Severity.INFO)

    @property
    def fixable(self) -> int:
        return sum(1 for f in self.all_findings() if f.fixable)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def exit_code(self, strict: bool = False) -> int:
        """0 when nothing fails, 1 on an error finding (or a warning with ``strict``)."""
        if self.errors or (strict and self.warnings):
            return 1
        return 0

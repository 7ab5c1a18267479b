"""The Rule record, the Violation a check yields, and the registry.

A check is a plain function ``(facts, profile) -> iterable of Violation``.
It yields values, never sentences: the engine adds the rule ID, the severity
from the profile and the path; :mod:`kcsubmit.i18n` renders the words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..models import Severity

if TYPE_CHECKING:
    from ..profile import Profile

Check = Callable[[Mapping[str, Any], "Profile"], Iterable["Violation"]]

RULE_KINDS = ("video", "document", "image", "archive", "submission")


@dataclass(frozen=True)
class Violation:
    """What a check found: the measured and expected values, and message placeholders.

    ``variant`` picks an alternative message (``message_<variant>`` in the locale);
    ``fixable`` overrides the rule's default when it depends on the case
    (an audio track in MP3 can be transcoded, a missing one cannot be invented).
    """

    actual: Any = None
    expected: Any = None
    values: Mapping[str, Any] = field(default_factory=dict)
    variant: str | None = None
    location: str | None = None
    fixable: bool | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    name: str  # kebab-case, stable like the ID
    kind: str  # one of RULE_KINDS
    severity: Severity  # default; a profile may change it
    fixable: bool
    check: Check
    fix_option: str | None = None  # the option a fix needs (V006: --trim)
    gate: bool = False  # when it fires, the file's other rules are not checked


RULES: dict[str, Rule] = {}


def rule(id: str, name: str, kind: str, severity: str, fixable: bool,
         **options: Any) -> Callable[[Check], Check]:
    """Register a rule whose check is the decorated function (options as for :func:`declare`)."""

    def register(check: Check) -> Check:
        declare(id, name, kind, severity, fixable, check=check, **options)
        return check

    return register


def declare(
    id: str,
    name: str,
    kind: str,
    severity: str,
    fixable: bool,
    *,
    fix_option: str | None = None,
    gate: bool = False,
    check: Check,
) -> Rule:
    """Register a rule with its check."""
    if id in RULES:
        raise ValueError(f"rule {id} declared twice")
    if kind not in RULE_KINDS:
        raise ValueError(f"rule {id}: unknown kind {kind}")
    new = Rule(id, name, kind, Severity(severity), fixable, check, fix_option, gate)
    RULES[id] = new
    return new


def rules_for(kind: str) -> list[Rule]:
    """The rules of one kind, gates first, then in ID order."""
    chosen = [r for r in RULES.values() if r.kind == kind]
    return sorted(chosen, key=lambda r: (not r.gate, r.id))

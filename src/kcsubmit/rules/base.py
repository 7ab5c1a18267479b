"""The Rule record, the Violation a check yields, and the registry.

A check is a plain function ``(facts, profile) -> iterable of Violation``.
It yields values, never sentences: the engine adds the rule ID, the severity
from the profile and the path; :mod:`kcsubmit.i18n` renders the words.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..models import Severity

if TYPE_CHECKING:
    from ..models import Profile

Check = Callable[[Mapping[str, Any], "Profile"], Iterable["Violation"]]
# A rule module's own check: its facts parameter is its kind's TypedDict (kcsubmit.facts).
TypedCheck = TypeVar("TypedCheck", bound=Callable[..., Iterable["Violation"]])

RULE_KINDS = ("video", "document", "image", "archive", "submission")

#: The fixer steps a rule may name (``Rule.fix``); each is claimed by one fixer module's ``STEPS``.
FIX_STEPS = (
    "video.remux",  # stream copy into MP4 with the index in front
    "video.audio",  # video copied, audio encoded to AAC
    "video.transcode",  # the picture re-encoded (H.264 1080p SDR BT.709, CFR)
    "image.convert",  # a 640x480 RGB JPEG, upright, no EXIF
    "document.convert",  # converted to .docx by LibreOffice, pictures fixed
    "archive.repack",  # a clean UTF-8 zip, its entries fixed
)


@dataclass(frozen=True)
class Violation:
    """What a check found: the measured and expected values, and message placeholders.

    ``variant`` picks an alternative message (``message_<variant>`` in the locale);
    ``fixable`` overrides the rule's default when it depends on the case
    (an audio track in MP3 can be transcoded, a missing one cannot be invented);
    ``severity`` likewise (S005: a file found only under another letter case is a warning).
    """

    actual: Any = None
    expected: Any = None
    values: Mapping[str, Any] = field(default_factory=dict)
    variant: str | None = None
    location: str | None = None
    fixable: bool | None = None
    severity: str | None = None  # a milder level for one case, unless the profile sets the rule's


@dataclass(frozen=True)
class Rule:
    id: str
    name: str  # kebab-case, stable like the ID
    kind: str  # one of RULE_KINDS
    severity: Severity  # default; a profile may change it
    fix: str | None  # the fixer step that repairs it (one of FIX_STEPS), None when nothing can
    check: Check
    #: The fix option that concerns it: a yes/no option (``--trim``) must be given for the fix
    #: to happen; an option with a value (``--fit``) only chooses how.
    fix_option: str | None = None
    gate: bool = False  # when it fires, the file's other rules are not checked
    #: The profile keys it reads ("video.orientation"): when the profile gives none of them the
    #: rule is not checked at all (profile format 2: an absent number means "not checked").
    keys: tuple[str, ...] = ()

    @property
    def fixable(self) -> bool:
        """Whether a fix exists by default (a Violation may say otherwise for one case)."""
        return self.fix is not None

    def applies(self, profile: Any) -> bool:
        """Whether ``profile`` gives a number this rule checks (always, for a rule without ``keys``)."""
        return not self.keys or any(
            getattr(profile, section, {}).get(key) is not None
            for section, _, key in (dotted.partition(".") for dotted in self.keys))


RULES: dict[str, Rule] = {}


def rule(id: str, name: str, kind: str, severity: str, fix: str | None,
         **options: Any) -> Callable[[TypedCheck], TypedCheck]:
    """Register a rule whose check is the decorated function (options as for :func:`declare`)."""

    def register(check: TypedCheck) -> TypedCheck:
        # The registry hands each check the facts of its own kind (RULE_KINDS): a plain mapping here.
        declare(id, name, kind, severity, fix, check=cast(Check, check), **options)
        return check

    return register


def declare(
    id: str,
    name: str,
    kind: str,
    severity: str,
    fix: str | None,
    *,
    fix_option: str | None = None,
    gate: bool = False,
    keys: tuple[str, ...] = (),
    check: Check,
) -> Rule:
    """Register a rule with its check."""
    if id in RULES:
        raise ValueError(f"rule {id} declared twice")
    if kind not in RULE_KINDS:
        raise ValueError(f"rule {id}: unknown kind {kind}")
    if fix is not None and fix not in FIX_STEPS:
        raise ValueError(f"rule {id}: unknown fix step {fix}")
    new = Rule(id, name, kind, Severity(severity), fix, check, fix_option, gate, keys)
    RULES[id] = new
    return new


def rules_for(kind: str) -> list[Rule]:
    """The rules of one kind, gates first, then in ID order."""
    chosen = [r for r in RULES.values() if r.kind == kind]
    return sorted(chosen, key=lambda r: (not r.gate, r.id))


def allowed(rule_id: str, options: Any) -> bool:
    """Whether the fix of ``rule_id`` may run with these fix options: a rule whose
    ``fix_option`` is a yes/no option (``--trim``) is fixed only when it was given."""
    option = RULES[rule_id].fix_option
    return option is None or getattr(options, option.lstrip("-").replace("-", "_"), None) is not False


YES_NO_OPTIONS = ("--trim",)  # fix options that are switches: the fix runs only when given


def required_flag(rule_id: str) -> str | None:
    """The switch a fix of ``rule_id`` needs on the command line (V006: ``--trim``), if any."""
    option = RULES[rule_id].fix_option if rule_id in RULES else None
    return option if option in YES_NO_OPTIONS else None


def fix_steps(rule_ids: Iterable[str], options: Any = None) -> set[str]:
    """The fixer steps that repair ``rule_ids`` (with ``options``: only those it allows)."""
    return {fix for r in rule_ids
            if r in RULES and (fix := RULES[r].fix) and (options is None or allowed(r, options))}


def to_fix(findings: Iterable[Any], options: Any) -> set[str]:
    """The IDs of the fixable ``findings`` whose fix may run with ``options``."""
    return {f.rule for f in findings if f.fixable and f.rule in RULES and allowed(f.rule, options)}

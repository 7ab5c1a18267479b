"""Findings, per-file results and the results of check, fix and pack: plain frozen dataclasses.

Findings carry values, not sentences: the words are rendered at the edge
(:mod:`kcsubmit.i18n`) in the language the user asked for.  A reporter reads
only these types: whatever a format needs (the profile's name, the manifest,
thumbnails) is put here by the library first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any


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
    deliverable: str | None = None  # the profile's [[deliverable]] id the file is judged as

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)


@dataclass(frozen=True)
class Skipped:
    """A file met while walking a folder that no checker applies to."""

    path: str
    reason: str  # a kind detected by content ("text", "unknown", ...)
    ignored: bool = False  # checkable, but not part of the submission (a PDF beside the one .docx)


@dataclass(frozen=True)
class ManualItem:
    """A check only a person can make (``[[manual]]`` of a profile): listed, never pass/fail."""

    id: str  # "M001"
    zh: str
    en: str

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class ProfileInfo:
    """The rules profile a run used, as a report shows it.

    ``deadline_passed``: the profile's deadline lies before the run (shown as information).
    """

    name: str
    title: str = ""
    source: str = ""  # "<built-in 2023>" or the profile file's path
    verified: bool = True
    notice: Mapping[str, Any] = field(default_factory=dict)  # the call's title, issuer, date, url
    year: int | None = None
    deadline: str | None = None  # ISO 8601
    deadline_passed: bool = False
    manual: tuple[ManualItem, ...] = ()


@dataclass(frozen=True)
class Thumb:
    """One small picture of a file's strip in the HTML report (made by :mod:`kcsubmit.thumbnails`).

    ``role`` is language-neutral (``frame``, ``after``, ``picture``,
    ``placeholder``, ``icon``): the reporter turns it into words;
    ``caption`` is a time ("0:06") or a size ("640×480").
    """

    src: str  # a data: URI
    width: int
    height: int
    role: str
    caption: str = ""


@dataclass(frozen=True)
class Report:
    """The result of one ``check`` run.

    ``profile``: the profile used (None only for a Report built by hand); ``manifest``: the
    kcsubmit.toml checked, if any; ``previews``: each file's thumbnails by path, present
    only when asked for (:func:`kcsubmit.thumbnails.attach`, for the HTML report).
    """

    rules: str
    files: tuple[FileResult, ...]
    submission: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    profile: ProfileInfo | None = None
    manifest: str | None = None
    previews: Mapping[str, tuple[Thumb, ...]] = field(default_factory=dict)
    source: str | None = None  # what was checked as a submission: "manifest" | "folder" | None

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


@dataclass(frozen=True)
class Fixed:
    """What became of one file: its output, what was done, and the findings before and after."""

    source: str
    kind: str
    action: str  # copied | remuxed | audio | transcoded | converted | rewritten | repacked | failed
    output: str | None = None
    details: tuple[str, ...] = ()
    before: tuple[Finding, ...] = ()
    after: tuple[Finding, ...] = ()
    error: str | None = None
    cached: bool = False  # the repaired copy came from the cache: nothing was redone

    @property
    def remaining(self) -> tuple[Finding, ...]:
        """What the teacher must still do by hand."""
        return self.after if self.output else self.before


@dataclass(frozen=True)
class Blocker:
    """An error finding that no fix clears with the options given, where it is, and the fix
    option that would clear it (``--trim``), or None when only the teacher can."""

    path: str
    finding: Finding
    option: str | None = None


@dataclass(frozen=True)
class FileStep:
    """What fix will do with one file: ``step`` is copy | remux | audio | transcode | convert |
    rewrite | repack; ``seconds`` is the estimate (a video: duration × frame rate × megapixels ×
    a measured constant); ``cached``: a repaired copy made with the same settings is reused."""

    source: str
    kind: str
    step: str
    seconds: float = 0.0
    cached: bool = False
    rules: tuple[str, ...] = ()  # the rules its repair clears
    key: str | None = None  # its cache key (None: copied, nothing to keep)


@dataclass(frozen=True)
class FixPlan:
    """Everything fix decides before it encodes anything (:func:`kcsubmit.planning.plan`)."""

    rules: str
    files: tuple[FileStep, ...]
    blocking: tuple[Blocker, ...] = ()

    @property
    def seconds(self) -> float:
        """The estimated work, in seconds (cached copies and plain copies count almost nothing)."""
        return sum(f.seconds for f in self.files)

    @property
    def options(self) -> tuple[str, ...]:
        """The fix options that would clear some of the blocking errors (``("--trim",)``)."""
        return tuple(sorted({b.option for b in self.blocking if b.option}))


@dataclass(frozen=True)
class FixReport:
    """The result of one ``fix`` run; ``stopped``: the plan had blocking errors and nothing was
    repaired (``files`` is empty, ``plan.blocking`` says what to do)."""

    rules: str
    out_dir: str
    files: tuple[Fixed, ...]
    plan: FixPlan | None = None
    stopped: bool = False
    dry_run: bool = False
    source: str | None = None  # the inputs as a submission: "manifest" | "folder" | None (files)
    flags: tuple[str, ...] = ()  # the fix options given (--fit blur, --trim…), for the next command

    @property
    def ok(self) -> bool:
        if self.stopped or (self.dry_run and self.plan is not None and self.plan.blocking):
            return False
        return all(f.error is None and not any(x.severity is Severity.ERROR for x in f.remaining)
                   for f in self.files)

    def exit_code(self) -> int:
        return 0 if self.ok else 1


@dataclass(frozen=True)
class Planned:
    """An archive pack will write: its file name, theme (None: the case) and entries."""

    name: str
    theme: str | None
    entries: tuple[tuple[str, Path], ...]  # (name in the archive, file)
    size: int = 0  # the entries' bytes, measured when planned
    deliverable: str | None = None  # the profile's deliverable ids it carries ("poster+photos")
    bare: bool = False  # one file uploaded as it is (a deliverable without an archive template), no zip

    @property
    def entry_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.entries)


@dataclass(frozen=True)
class Packed:
    """An archive pack wrote, verified and published."""

    path: str
    theme: str | None
    size: int
    sha256: str
    entries: tuple[str, ...]
    deliverable: str | None = None


@dataclass(frozen=True)
class PackReport:
    """The result of one ``pack`` run."""

    out_dir: str
    limit: int
    blocking: tuple[tuple[str, Finding], ...] = ()  # what stops the packing, where
    failures: tuple[tuple[str, str], ...] = ()  # files fix could not repair, and why
    plan: tuple[Planned, ...] = ()
    archives: tuple[Packed, ...] = ()
    fixed: FixReport | None = None
    dry_run: bool = False
    fix_plan: FixPlan | None = None  # with --fix: what fix planned (--dry-run prints it)

    @property
    def ok(self) -> bool:
        return not self.blocking and not self.failures

    def exit_code(self) -> int:
        return 0 if self.ok else 1


@dataclass(frozen=True)
class Deliverable:
    """One thing a call asks to upload (``[[deliverable]]`` of a format-2 profile).

    ``rules`` holds keys of the kind's section (``video`` or ``case``), merged over the
    profile's by :meth:`Profile.for_deliverable`; ``name`` and ``archive`` are name
    templates (without extension) with ``{studio}``, ``{title}``… placeholders.
    """

    id: str
    kind: str  # video | image | document | other
    title: str = ""
    min_count: int = 1
    max_count: int | None = 1  # None: no maximum
    match: tuple[str, ...] = ()  # name globs telling two deliverables of one kind apart
    rules: Mapping[str, Any] = field(default_factory=dict)
    name: str | None = None
    archive: str | None = None
    formats: tuple[str, ...] = ()  # the carrying archive's formats
    max_bytes: int | None = None  # the carrying archive's cap


@dataclass(frozen=True)
class Profile:
    """A validated rules profile (loaded and checked by :mod:`kcsubmit.profile`).  Sections are read-only mappings.

    Format 2 (SPEC §7.1) may leave any number out: a rule reads its keys with ``.get``.
    """

    name: str
    title: str
    deadline: Any
    themes: tuple[str, ...]
    video: Mapping[str, Any]
    case: Mapping[str, Any]
    archive: Mapping[str, Any]
    severity: Mapping[str, str]
    source: str
    theme_aliases: Mapping[str, str] = field(default_factory=dict)
    format: int = 1
    year: int | None = None
    verified: bool = True
    source_info: Mapping[str, Any] = field(default_factory=dict)  # title, issuer, date, url
    manual: tuple[ManualItem, ...] = ()
    deliverables: tuple[Deliverable, ...] = ()

    def for_deliverable(self, deliverable: Deliverable) -> Profile:
        """This profile with the deliverable's ``rules`` merged over its kind's section, and its
        archive ``formats``/``max_bytes`` over ``archive``: rules never need to know deliverables.

        A key of the deliverable replaces the other form of the same limit (``min_width``
        drops the profile's ``width``), so the merged section never holds both.
        """
        from dataclasses import replace

        from .profilekeys import EXCLUSIVE, RULES_SECTION

        sections: dict[str, dict[str, Any]] = {"video": dict(self.video), "case": dict(self.case),
                                               "archive": dict(self.archive)}
        section = RULES_SECTION.get(deliverable.kind)
        if section is not None and deliverable.rules:
            table = sections[section]
            for exact, bounds in EXCLUSIVE.items():
                group = (exact, *bounds)
                if any(k in deliverable.rules for k in group):
                    for key in group:
                        table.pop(key, None)
            table.update(deliverable.rules)
        if deliverable.formats:
            sections["archive"]["formats"] = list(deliverable.formats)
        if deliverable.max_bytes is not None:
            sections["archive"]["max_bytes"] = deliverable.max_bytes
        # A plain profile of that one thing: checking a file with it sorts nothing to deliverables again.
        return replace(self, video=sections["video"], case=sections["case"], archive=sections["archive"],
                       deliverables=())

    def deliverable(self, id: str) -> Deliverable | None:
        return next((d for d in self.deliverables if d.id == id), None)

    def judging(self, deliverable_id: str | None) -> Profile:
        """The profile a file of ``deliverable_id`` is judged, planned, fixed and cached by: that
        deliverable's (:meth:`for_deliverable`), or this one for a file of no deliverable."""
        found = self.deliverable(deliverable_id) if deliverable_id else None
        return self.for_deliverable(found) if found is not None else self

    @property
    def aspect(self) -> float:
        w, h = (int(x) for x in self.video["aspect"].split(":"))
        return w / h

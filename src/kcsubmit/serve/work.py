"""The work folder and every call the page makes into the library (check, fix, pack).

The work folder holds three folders: ``originals/`` (the files as the teacher added them, never
changed, and the ``kcsubmit.toml`` the page writes from the roles chosen), ``fixed/`` (the
repaired copies, with a ``kcsubmit.toml`` naming them) and ``dist/`` (the archives).  The calls
into :mod:`kcsubmit.engine`, :mod:`kcsubmit.repair` and :mod:`kcsubmit.packing` are all here,
so that a change of their signatures is met in one module.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from .. import deliverables, engine, manifest
from ..discover import MANIFEST_NAME, Detected, Target, sniff
from ..errors import KcsubmitError
from ..filenames import name_problem
from ..fixers import FITS, FixOptions
from ..models import FixReport, PackReport, Report
from ..profile import Profile, builtin_names, load
from ..repair import fix as run_fix
from .jobs import Reporter

ROLES = ("video", "document", "image", "none", "deliverable")  # "deliverable": under a profile with them
ORIGINALS, FIXED, DIST = "originals", "fixed", "dist"


def default_folder() -> Path:
    """A new folder under the user's Documents: ``Documents/kcsubmit/2026-12-04-0930``."""
    import platformdirs

    base = Path(platformdirs.user_documents_dir()) / "kcsubmit"
    stamp = datetime.now().strftime("%Y-%m-%d-%H%M%S")
    return base / stamp


@dataclass
class Item:
    """One file the teacher added."""

    id: int
    name: str  # as the teacher's computer called it (shown; never used as a path)
    path: Path  # its copy in originals/, under a safe name of ours
    size: int
    detected: Detected  # by content; ``kind``: video | document | image | archive | other
    role: str = "none"  # video | document | image | none; deliverable (a profile with deliverables)
    theme: str | None = None
    deliverable: str | None = None  # the id of the profile's deliverable, with role "deliverable"

    @property
    def kind(self) -> str:
        return self.detected.kind

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "stored": self.path.name, "size": self.size, "kind": self.kind,
                "role": self.role, "theme": self.theme, "deliverable": self.deliverable}


@dataclass
class Workspace:
    """What the page has been told and what the jobs made; guarded by ``lock``."""

    root: Path
    profiles: dict[str, str]  # label → built-in name or profile file
    rules: str = "2023"
    studio: str = ""
    fields: dict[str, str] = field(default_factory=dict)  # values of the profile's name templates
    fit: str = "auto"  # the CLI's default: bars for videos, crop or blur for photos
    trim: bool = False
    items: list[Item] = field(default_factory=list)
    report: Report | None = None
    fixed: FixReport | None = None
    after: Report | None = None
    packed: PackReport | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_id: int = 1

    @classmethod
    def open(cls, root: Path, rules_file: str | None = None) -> Workspace:
        profiles = {name: name for name in builtin_names()}
        rules = "2023" if "2023" in profiles else next(iter(profiles))
        if rules_file in profiles:
            rules = rules_file
        elif rules_file:
            load(rules_file)  # a profile that cannot be read is one line before the server starts
            label = Path(rules_file).name
            profiles[label] = str(Path(rules_file).resolve())
            rules = label
        for folder in (ORIGINALS, FIXED, DIST):
            (root / folder).mkdir(parents=True, exist_ok=True)
        space = cls(root=root.resolve(), profiles=profiles, rules=rules)
        space._reopen()
        return space

    @property
    def originals(self) -> Path:
        return self.root / ORIGINALS

    def profile(self) -> Profile:
        return load(self.profiles[self.rules])

    def _reopen(self) -> None:
        """Files already in originals/ (a work folder used before) are listed again."""
        known = self.originals / MANIFEST_NAME
        before = None
        if known.is_file():
            try:
                before = manifest.load(known)
            except Exception:  # noqa: BLE001 - a manifest of ours that cannot be read is just forgotten
                before = None
        self.studio = (before.studio if before else None) or ""
        self.fields = dict(before.fields) if before else {}
        chosen = {e.path.name: e.deliverable for e in before.entries if e.deliverable} if before else {}
        for path in sorted(self.originals.iterdir()):
            if path.is_file() and not path.name.startswith(".") and path.name != MANIFEST_NAME:
                item = self.add(path, path.name)
                if chosen.get(path.name) in self._deliverable_ids():
                    item.role, item.deliverable = "deliverable", chosen[path.name]

    # ------------------------------------------------------------------ the files
    def add(self, path: Path, name: str) -> Item:
        """A file now in originals/: its kind by content, its role and theme proposed from its name."""
        try:
            detected = sniff(path)
        except OSError:
            detected = Detected("other", "unreadable")
        item = Item(self.next_id, name, path, path.stat().st_size, detected)
        self.next_id += 1
        self.propose([item])
        self.items.append(item)
        self.changed()
        return item

    def propose(self, items: list[Item]) -> None:
        """Roles proposed for ``items`` (not yet chosen): under a profile with deliverables, the one
        the engine gives each file by kind and name (:func:`kcsubmit.deliverables.assign`), the
        other files' choices counted first; else by kind, a video's theme from its name."""
        profile = self.profile()
        for item in items:
            item.role, item.theme, item.deliverable = "none", None, None
        if profile.deliverables:
            chosen = [i for i in self.items if i.deliverable and i not in items]
            targets = [Target(i.path, i.name, i.detected) for i in chosen + items]
            found = deliverables.assign(targets, profile, {i.path: i.deliverable for i in chosen
                                                           if i.deliverable}, None)
            for item in items:
                item.deliverable = found.by_path.get(item.path)
                item.role = "deliverable" if item.deliverable else "none"
            return
        for item in items:
            if item.kind == "video":  # an archive stays unused unless chosen: pack would put it inside a zip
                item.role = "video"
                item.theme = engine.theme_of(Path(item.name), profile) or engine.theme_of(item.path, profile)
            elif item.kind == "document":
                item.role = "document" if not any(i.role == "document" for i in self.items) else "none"
            elif item.kind == "image":
                item.role = "image"

    def _deliverable_ids(self) -> list[str]:
        return [d.id for d in self.profile().deliverables]

    def needed_fields(self) -> list[str]:
        """The ``[fields]`` the chosen profile's name templates use (title, author…)."""
        return deliverables.fields_needed(self.profile())

    def item(self, item_id: int) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def set_role(self, item: Item, role: str, theme: str | None, deliverable: str | None = None) -> None:
        if role not in ROLES or (role == "deliverable") != (deliverable is not None):
            raise ValueError(role)
        if deliverable is not None and deliverable not in self._deliverable_ids():
            raise ValueError(deliverable)
        if role == "document":  # one case document: the one chosen last
            for other in self.items:
                if other is not item and other.role == "document":
                    other.role = "none"
        item.role, item.deliverable = role, deliverable
        item.theme = theme if role == "video" and theme in self.profile().themes else None
        self.changed()

    def remove(self, item: Item) -> None:
        """Forget a file and delete its copy in originals/ (the teacher's own file is elsewhere)."""
        self.items.remove(item)
        item.path.unlink(missing_ok=True)
        self.changed()

    def settings(self, studio: str | None, rules: str | None, fit: str | None, trim: bool | None,
                 fields: dict[str, str] | None = None) -> None:
        if rules is not None:
            if rules not in self.profiles:
                raise ValueError(rules)
            before = self._deliverable_ids()
            self.rules = rules
            if self._deliverable_ids() != before:  # other deliverables, or themes instead: proposed again
                for item in self.items:
                    item.deliverable = None
                self.propose(list(self.items))
        if fields is not None:
            self.set_fields(fields)
        if fit is not None:
            if fit not in FITS:
                raise ValueError(fit)
            self.fit = fit
        if studio is not None:
            self.studio = studio.strip()
        if trim is not None:
            self.trim = trim
        self.changed()

    def set_fields(self, fields: dict[str, str]) -> None:
        """Values of the name templates' fields; an empty one is removed.  A value that cannot be
        part of a file name raises :class:`FieldError` (the manifest would refuse it)."""
        needed = self.needed_fields()
        for key, value in fields.items():
            if key not in needed:
                raise ValueError(key)
            problem = name_problem(value.strip())
            if problem is not None and problem.reason != "long":
                raise FieldError(key, problem.char)
        for key, value in fields.items():
            if value.strip():
                self.fields[key] = value.strip()
            else:
                self.fields.pop(key, None)

    def changed(self) -> None:
        """Results made before a change no longer describe the submission."""
        self.report = self.fixed = self.after = self.packed = None

    # ------------------------------------------------------------------ the manifest
    def unused(self) -> dict[int, str]:
        """Files the manifest cannot name, and why: ``theme`` (a video without one) or ``twice``."""
        seen: set[str] = set()
        why: dict[int, str] = {}
        if self.profile().deliverables:  # S007 counts the files of each deliverable
            return why
        for item in self.items:
            if item.role == "video":
                if not item.theme:
                    why[item.id] = "theme"
                elif item.theme in seen:
                    why[item.id] = "twice"
                else:
                    seen.add(item.theme)
        return why

    def write_manifest(self, folder: Path, where: dict[Path, Path] | None = None) -> Path:
        """``folder/kcsubmit.toml`` naming the files by their roles (``where``: original → its
        repaired copy, for fixed/)."""
        where = where or {}
        unused = self.unused()

        def name(item: Item) -> str:
            target = where.get(item.path, item.path)
            try:
                return target.relative_to(folder).as_posix()
            except ValueError:
                return str(target)

        profile = self.profile()
        if profile.deliverables:
            chosen = {d.id: [name(i) for i in self.items if i.deliverable == d.id] for d in profile.deliverables}
            if not any(chosen.values()):  # else the engine would take every file of the folder, "not used" too
                raise KcsubmitError("no file is used as a deliverable", key="serve_no_deliverables")
            needed = self.needed_fields()
            text = manifest.render(self.studio, {}, rules=profile.name,
                                   fields={k: v for k, v in self.fields.items() if k in needed},
                                   deliverables={k: v for k, v in chosen.items() if v})
            return manifest.write(folder, text, force=True)
        themes = {i.theme: name(i) for i in self.items if i.role == "video" and i.id not in unused and i.theme}
        document = next((name(i) for i in self.items if i.role == "document"), None)
        images = [name(i) for i in self.items if i.role == "image"]
        text = manifest.render(self.studio, themes, document, images, rules=profile.name)
        return manifest.write(folder, text, force=True)


class FieldError(ValueError):
    """A field's value with a character no file name may hold (``/``)."""

    def __init__(self, key: str, char: str) -> None:
        super().__init__(key)
        self.key, self.char = key, char


# ---------------------------------------------------------------------- the jobs (in the job thread)


def check(space: Workspace, reporter: Reporter) -> None:
    from ..thumbnails import attach

    with space.lock:
        target = space.write_manifest(space.originals)
        profile = space.profile()
    reporter.on_file(str(target), 0, 1)
    report = engine.check([str(target)], rules=profile)
    reporter.check()
    report = attach(report, profile, fit=space.fit)
    with space.lock:
        space.report, space.fixed, space.after, space.packed = report, None, None, None


def fix(space: Workspace, reporter: Reporter) -> None:
    from ..thumbnails import attach

    with space.lock:
        target = space.write_manifest(space.originals)
        profile, options = space.profile(), FixOptions(fit=space.fit, trim=space.trim, progress=reporter.on_fraction)
    out = space.root / FIXED
    result = run_fix([str(target)], out, rules=profile, options=options, on_file=reporter.on_file)
    if result.stopped and result.plan is not None:  # nothing repaired: say which box to tick
        names = ", ".join(sorted({Path(b.path).name for b in result.plan.blocking if b.option == "--trim"}))
        raise KcsubmitError(f"fix stopped: too long, tick trim: {names}", key="serve_fix_stopped", files=names)
    where = {Path(f.source).resolve(): Path(f.output).resolve() for f in result.files if f.output}
    with space.lock:
        fixed_manifest = space.write_manifest(out, where)
    after = engine.check([str(fixed_manifest)], rules=profile)
    reporter.check()
    after = attach(after, profile, fit=space.fit)
    with space.lock:
        space.fixed, space.after, space.packed = result, after, None


def pack(space: Workspace, reporter: Reporter) -> None:
    from ..packing import pack as run_pack

    with space.lock:
        fixed = space.fixed is not None
        target = space.root / FIXED / MANIFEST_NAME if fixed else space.write_manifest(space.originals)
        profile, options = space.profile(), FixOptions(fit=space.fit, trim=space.trim, progress=reporter.on_fraction)
    reporter.on_file(str(target), 0, 1)
    result = run_pack(target, space.root / DIST, rules=profile, options=options)
    with space.lock:
        space.packed = result

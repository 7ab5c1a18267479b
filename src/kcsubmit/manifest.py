"""A studio's submission: from ``kcsubmit.toml`` (SPEC §5) or by folder convention.

A manifest names each theme's video, the case document and loose pictures,
with paths relative to the manifest.  Without one, a folder is read by
convention: a video's theme is the theme named in its file name, the case
document is the one Word file, loose pictures sit beside it.

Broken TOML or wrong types are usage errors (exit 2, naming the key and the
file); what a teacher can get wrong in content — an unknown theme, a missing
file, no studio — becomes an S finding (rules/submission.py).
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from . import tomlcheck
from .discover import MANIFEST_NAME, Target, find_manifest  # noqa: F401 - find_manifest: re-exported
from .errors import UsageError
from .filenames import DEFAULT_TEMPLATE, name_problem, template_problem
from .names import canonical

DEFAULT_NAME = DEFAULT_TEMPLATE
TOP_KEYS = {"studio", "rules", "themes", "case", "pack", "fields", "deliverables"}
CASE_KEYS = {"document", "images"}
PACK_KEYS = {"name"}


class ManifestError(UsageError):
    """A manifest that cannot be read (exit code 2)."""


@dataclass(frozen=True)
class Entry:
    """One file of the submission: what it is for, and where it should be."""

    role: str  # "video" | "document" | "image" | "archive" | "deliverable"
    path: Path
    theme: str | None = None  # the theme as written (may be unknown: S003)
    named: str | None = None  # the manifest's text for it (a path or a glob)
    deliverable: str | None = None  # the [deliverables] id the manifest gives it


@dataclass(frozen=True)
class Submission:
    root: Path
    source: str  # "manifest" | "folder"
    studio: str | None = None
    rules: str | None = None
    entries: tuple[Entry, ...] = ()
    missing: tuple[str, ...] = ()  # what the manifest names but does not exist (S005)
    recased: tuple[tuple[str, str], ...] = ()  # (named, found): a file found under another letter case
    name_template: str = DEFAULT_NAME
    manifest: Path | None = None
    ignored: tuple[Path, ...] = ()  # folder convention: documents beside the one .docx (a notice's PDF)
    fields: dict[str, str] = field(default_factory=dict)  # [fields]: values of name templates

    def videos(self) -> list[Entry]:
        return [e for e in self.entries if e.role == "video"]

    def facts(self) -> dict[str, Any]:
        """What the S rules read."""
        return {
            "source": self.source,
            "studio": self.studio,
            "themes": [[e.theme, str(e.path)] for e in self.entries if e.role in ("video", "archive")],
            "document": next((str(e.path) for e in self.entries if e.role == "document"), None),
            "missing": list(self.missing),
            "recased": [list(pair) for pair in self.recased],
            "name_template": self.name_template,
            "fields": {**self.fields, **({"studio": self.studio} if self.studio else {})},
        }


def load(path: Path) -> Submission:
    """Read a manifest; paths in it are relative to its folder."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read manifest: {exc}") from None
    data = tomlcheck.loads(text, str(path), ManifestError)

    def fail(key: str, what: str) -> ManifestError:
        return ManifestError(f"{path}: key '{key}': {what}")

    _known(data, TOP_KEYS, "", fail)
    studio = _text(data, "studio", fail)
    rules = _text(data, "rules", fail)
    root = path.parent
    entries: list[Entry] = []
    missing: list[str] = []
    recased: list[tuple[str, str]] = []
    themes = _table(data, "themes", fail)
    for theme, video in themes.items():
        if not isinstance(video, str) or not video.strip():
            raise fail(f"themes.{theme}", "expected the path of the theme's video")
        # Compared as NFKC: a look-alike (Kangxi radical ⼈, a compatibility ideograph) is the theme.
        _add(entries, missing, recased, root, Entry("video", root / video, theme=canonical(theme), named=video))
    case = _table(data, "case", fail)
    _known(case, CASE_KEYS, "case.", fail)
    if "document" in case:
        document = case["document"]
        if not isinstance(document, str) or not document.strip():
            raise fail("case.document", "expected the path of the case document")
        _add(entries, missing, recased, root, Entry("document", root / document, named=document))
    images = case.get("images", [])
    if isinstance(images, str):
        images = [images]
    if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
        raise fail("case.images", "expected a list of paths or globs")
    for pattern in images:
        if _is_glob(pattern):
            found = [f for f in _glob(root, pattern) if f.is_file()]
            if not found:
                missing.append(pattern)
            entries += [Entry("image", file, named=pattern) for file in found]
        else:
            _add(entries, missing, recased, root, Entry("image", root / pattern, named=pattern))
    fields = _fields(data, fail)
    for key, value in _table(data, "deliverables", fail).items():
        patterns = [value] if isinstance(value, str) else value
        if not isinstance(patterns, list) or not patterns or not all(isinstance(x, str) and x for x in patterns):
            raise fail(f"deliverables.{key}", "expected a path, a glob or a list of them")
        for pattern in patterns:
            if _is_glob(pattern):
                found = [f for f in _glob(root, pattern) if f.is_file()]
                if not found:
                    missing.append(pattern)
                entries += [Entry("deliverable", file, named=pattern, deliverable=key) for file in found]
            else:
                _add(entries, missing, recased, root,
                     Entry("deliverable", root / pattern, named=pattern, deliverable=key))
    pack = _table(data, "pack", fail)
    _known(pack, PACK_KEYS, "pack.", fail)
    template = pack.get("name", DEFAULT_NAME)
    if not isinstance(template, str):
        raise fail("pack.name", "expected a name template containing {theme}, e.g. \"{studio}-{theme}\"")
    problem = template_problem(template)
    if problem:
        raise fail("pack.name", problem)
    return Submission(root=root, source="manifest", studio=studio, rules=rules,
                      entries=tuple(entries), missing=tuple(missing), name_template=template,
                      manifest=path, recased=tuple(recased), fields=fields)


def _fields(data: dict[str, Any], fail: Any) -> dict[str, str]:
    """``[fields]``: the values of a profile's name templates (``title = "光的折射"``)."""
    import re

    from .filenames import FIELD

    fields = _table(data, "fields", fail)
    for key, value in fields.items():
        if not re.fullmatch(FIELD, key):
            raise fail(f"fields.{key}", "expected a lower-case name such as title, author, school, group")
        if not isinstance(value, str) or not value.strip():
            raise fail(f"fields.{key}", "expected a non-empty string")
        problem = name_problem(value.strip())
        if problem is not None and problem.reason != "long":
            raise fail(f"fields.{key}", f"{problem.char!r} cannot be part of a file name ({problem.reason})")
    return {key: value.strip() for key, value in fields.items()}


def by_convention(root: Path, targets: list[Target], themes: tuple[str, ...]) -> Submission:
    """A folder without a manifest: videos by the theme in their names, the Word file, pictures."""
    entries: list[Entry] = []
    documents = [t.path for t in targets if t.detected.kind == "document"]
    words = [p for p in documents if p.suffix.lower() == ".docx"]
    # With exactly one .docx it is the case: a PDF or another document beside it (the notice,
    # a draft) is listed as ignored, never judged as a second case document (issue 17).
    ignored = tuple(p for p in documents if p not in words) if len(words) == 1 else ()
    for target in targets:
        kind = target.detected.kind
        if kind == "video":
            theme = next((t for t in themes if t in canonical(target.path.name)), None)
            entries.append(Entry("video", target.path, theme=theme))
        elif kind == "document" and target.path not in ignored:
            entries.append(Entry("document", target.path))
        elif kind == "image":
            entries.append(Entry("image", target.path))
        elif kind == "archive":
            # A packed theme upload (人工智能.zip) stands for that theme's video.
            theme = next((t for t in themes if t in canonical(target.path.name)), None)
            if theme:
                entries.append(Entry("archive", target.path, theme=theme))
    return Submission(root=root, source="folder", entries=tuple(entries), ignored=ignored)


def _add(entries: list[Entry], missing: list[str], recased: list[tuple[str, str]], root: Path,
         entry: Entry) -> None:
    """Add the file a manifest names; a path written on Windows (``videos\\ai.mp4``) works
    everywhere, and a name whose letter case differs from the file's (``IMG_3001.jpg`` for
    ``IMG_3001.JPG``) is found on every system, with a warning (S005 ``case``)."""
    named = entry.named or str(entry.path)
    found, changed = _on_disk(root, named)
    if found is None:
        missing.append(named)
        return
    entries.append(replace(entry, path=found))
    if changed:
        recased.append((named, _relative(found, root)))


def _slashes(path: str) -> str:
    return path.replace("\\", "/") if os.sep == "/" else path


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _on_disk(root: Path, named: str) -> tuple[Path | None, bool]:
    """The file ``named`` (relative to ``root``) stands for, and whether a part of it was found
    under another name: each part as written, else the one entry of its folder with the same
    name ignoring letter case and Unicode normalisation (macOS may store a name decomposed, NFD).
    None when there is none, or more than one."""
    written = Path(_slashes(named))
    absolute = written.is_absolute()
    here = Path(written.anchor) if absolute else root
    changed = False
    for part in written.parts[1:] if absolute else written.parts:
        if part == "..":
            here = here / part
            continue
        try:
            listing = os.listdir(here)
        except OSError:
            return None, False
        if part not in listing:
            key = _fold(part)
            same = [name for name in listing if _fold(name) == key]
            if len(same) != 1:
                return None, False
            recase = unicodedata.normalize("NFC", same[0]) != unicodedata.normalize("NFC", part)
            part, changed = same[0], changed or recase
        here = here / part
    return (here, changed) if here.is_file() else (None, False)


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _glob(root: Path, pattern: str) -> list[Path]:
    """The files a pattern of ``case.images`` matches, relative to the manifest's folder,
    ignoring letter case on every system (``*.jpg`` finds a phone's ``IMG_3001.JPG`` on
    Linux and macOS too; Windows ignores case anyway); ``\\`` separates folders as ``/`` does.

    ``glob.glob`` takes absolute patterns and ``..`` as well (``Path.glob`` refuses the first
    with NotImplementedError); hidden files are not matched, as in a folder walk.
    """
    import glob

    found: set[str] = set()
    for form in ("NFC", "NFD"):  # macOS may store a name decomposed; a manifest is typed composed
        found.update(glob.glob(_any_case(unicodedata.normalize(form, _slashes(pattern))), root_dir=root,
                               recursive=True))
    return sorted({root / match for match in found})


def _any_case(pattern: str) -> str:
    """``*.jpg`` → ``*.[jJ][pP][gG]``: every letter outside a ``[...]`` set matches either case."""
    out, inside = [], False
    for c in pattern:
        if c == "[" and not inside:
            inside = True
        elif c == "]" and inside:
            inside = False
        elif not inside and c.lower() != c.upper() and len(c.lower()) == 1 and len(c.upper()) == 1:
            out.append(f"[{c.lower()}{c.upper()}]")
            continue
        out.append(c)
    return "".join(out)


_known = tomlcheck.known_keys


def _text(data: dict[str, Any], key: str, fail: Any) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise fail(key, "expected a string")
    return value.strip() or None


def _table(data: dict[str, Any], key: str, fail: Any) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise fail(key, "expected a table")
    return value


@dataclass(frozen=True)
class Proposal:
    """What ``kcsubmit init`` found in a folder, before the teacher confirms it."""

    themes: dict[str, str] = field(default_factory=dict)  # theme → video, relative to root
    document: str | None = None
    images: list[str] = field(default_factory=list)  # globs, relative to root
    videos: list[str] = field(default_factory=list)  # every video, relative to root (init asks for each)


def propose(root: Path, targets: list[Target], themes: tuple[str, ...]) -> Proposal:
    """Candidates by content and name: the first video naming each theme, the Word file,
    the folders of loose JPEG pictures."""
    found: dict[str, str] = {}
    videos: list[str] = []
    document = None
    image_dirs: list[str] = []
    words = [t for t in targets if t.detected.kind == "document" and t.path.suffix.lower() == ".docx"]
    for target in targets:
        rel = target.path.relative_to(root).as_posix()
        kind = target.detected.kind
        if kind == "video":
            videos.append(rel)
            theme = next((t for t in themes if t in canonical(target.path.name)), None)
            if theme and theme not in found:
                found[theme] = rel
        elif kind == "document" and document is None and (len(words) != 1 or target in words):
            document = rel  # the one .docx when there is one (not the notice's PDF beside it)
        elif kind == "image":
            folder = target.path.parent.relative_to(root).as_posix()
            pattern = f"{folder}/*{target.path.suffix.lower()}" if folder != "." else f"*{target.path.suffix.lower()}"
            if pattern not in image_dirs:
                image_dirs.append(pattern)
    ordered = {t: found[t] for t in themes if t in found}
    return Proposal(themes=ordered, document=document, images=image_dirs, videos=videos)


def render(studio: str, themes: dict[str, str], document: str | None = None,
           images: list[str] | None = None, rules: str = "2023", fields: dict[str, str] | None = None,
           deliverables: dict[str, list[str]] | None = None) -> str:
    """The text of a kcsubmit.toml (SPEC §5); ``fields``: values of the profile's name templates;
    ``deliverables``: each deliverable's files (a profile with deliverables, SPEC §7.1)."""
    q = _toml_string
    lines = ["# kcsubmit.toml: what this studio uploads. `kcsubmit check` reads it.",
             f"studio = {q(studio)}", f"rules = {q(rules)}"]
    if fields:
        lines += ["", "[fields]  # the values of the profile's file and archive names"]
        lines += [f"{key} = {q(value)}" for key, value in fields.items()]
    if themes or not (fields or deliverables):
        lines += ["", "[themes]  # theme = its video"]
        lines += [f"{q(theme)} = {q(video)}" for theme, video in themes.items()]
    if deliverables:
        lines += ["", "[deliverables]  # deliverable = its files"]
        lines += [f"{q(key)} = [" + ", ".join(q(p) for p in paths) + "]" for key, paths in deliverables.items()]
    if document or images:
        lines += ["", "[case]"]
        if document:
            lines.append(f"document = {q(document)}")
        if images:
            lines.append("images = [" + ", ".join(q(i) for i in images) + "]")
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes), Chinese kept as is.
    import json

    return json.dumps(value, ensure_ascii=False)


def write(root: Path, text: str, force: bool = False) -> Path:
    """Write ``root/kcsubmit.toml`` under a temporary name created exclusively, then rename;
    never overwrite an existing manifest unless ``force``.  A folder that cannot be written
    (read-only) is one line, exit 2."""
    from .outdir import write_new

    target = root / MANIFEST_NAME
    if (target.exists() or target.is_symlink()) and not force:
        raise UsageError(f"{target} exists (use --force to replace it)", key="manifest_exists",
                         path=str(target))
    def write(out: BinaryIO) -> None:
        out.write(text.encode("utf-8"))

    write_new(target, write)
    return target

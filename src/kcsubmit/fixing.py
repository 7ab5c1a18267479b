"""fix(): check, repair what can be repaired into an output folder, check the results.

The originals are only read.  Every output is written under a temporary name in
the output folder and renamed when complete, then checked again; a file that
needs no repair is copied, not re-encoded.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from . import engine
from .errors import KcsubmitError, UsageError
from .fixers import FixOptions, Outcome
from .models import FileResult, Finding, Report
from .outdir import ensure_writable
from .profile import Profile

# kind → (fixer module, suffix of the repaired file)
FIXERS = {"video": ("kcsubmit.fixers.video", ".mp4"), "image": ("kcsubmit.fixers.image", ".jpg"),
          "document": ("kcsubmit.fixers.document", ".docx"), "archive": ("kcsubmit.fixers.archive", ".zip")}


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

    @property
    def remaining(self) -> tuple[Finding, ...]:
        """What the teacher must still do by hand."""
        return self.after if self.output else self.before


@dataclass(frozen=True)
class FixReport:
    rules: str
    out_dir: str
    files: tuple[Fixed, ...]

    @property
    def ok(self) -> bool:
        return all(f.error is None and not any(x.severity.value == "error" for x in f.remaining) for f in self.files)

    def exit_code(self) -> int:
        return 0 if self.ok else 1


def fix(paths: Iterable[str | Path] = (), out_dir: str | Path = "fixed",
        rules: str | Path | Profile | None = None, options: FixOptions = FixOptions(),
        on_file: Callable[[str, int, int], None] | None = None) -> FixReport:
    """Repair copies of ``paths`` into ``out_dir``; the originals are never changed.

    ``on_file(path, index, total)`` is called as each file starts (the CLI's progress).
    """
    paths = [str(p) for p in paths] or ["."]
    out = Path(out_dir)
    ensure_writable(out, create=True)
    profile = engine.profile_for(engine.find_submission(paths), rules)
    report = engine.check(paths, rules=profile, exclude=[out])
    roots = [_root(Path(p)) for p in paths]
    tops = [r for r in report.files if "!" not in r.path]
    done: list[Fixed] = []
    used: set[Path] = set()
    for index, result in enumerate(tops):
        if on_file is not None:
            on_file(result.path, index, len(tops))
        done.append(_fix_one(result, _inside(report, result), profile, out, roots, options, used))
    return FixReport(rules=profile.name, out_dir=str(out), files=tuple(_recheck(done, profile)))


def _fix_one(result: FileResult, inside: list[Finding], profile: Profile, out: Path,
             roots: list[Path], options: FixOptions, used: set[Path]) -> Fixed:
    src = Path(result.path)
    before = tuple(result.findings) + tuple(inside)
    needs = any(f.fixable and (f.rule != "V006" or options.trim) for f in before)
    fixer = FIXERS.get(result.kind) if needs else None
    try:
        final = _output_path(src, roots, out, fixer[1] if fixer else src.suffix, used)
    except OSError as exc:
        return Fixed(str(src), result.kind, "failed", before=before, error=f"cannot write in {out}: {exc.strerror or exc}")
    part = final.with_name(f".{final.name}.kcsubmit-part")
    try:
        if fixer is None:
            shutil.copyfile(src, part)
            outcome = Outcome("copied")
        else:
            from importlib import import_module

            outcome = import_module(fixer[0]).fix(src, result, profile, part, options)
        os.replace(part, final)
    except KcsubmitError as exc:
        _discard(part)
        return Fixed(str(src), result.kind, "failed", before=before, error=str(exc))
    except OSError as exc:  # a full disk, a read-only folder: this file's failure, said with its name
        _discard(part)
        return Fixed(str(src), result.kind, "failed", before=before,
                     error=f"cannot write {final}: {exc.strerror or exc}")
    except BaseException:
        _discard(part)  # Ctrl-C or a crash: no half-written file stays behind
        raise
    return Fixed(str(src), result.kind, outcome.action, str(final), outcome.details, before)


def _discard(part: Path) -> None:
    with contextlib.suppress(OSError):
        part.unlink(missing_ok=True)


def _recheck(done: list[Fixed], profile: Profile) -> list[Fixed]:
    """Check every output once more; its findings are the 'after' column."""
    outputs = [f.output for f in done if f.output]
    if not outputs:
        return done
    report = engine.check(outputs, rules=profile)
    after = {r.path: r for r in report.files if "!" not in r.path}
    return [replace(f, after=tuple(after[f.output].findings) + tuple(_inside(report, after[f.output])))
            if f.output in after else f for f in done]


def _inside(report: Report, result: FileResult) -> list[Finding]:
    """Findings of what a file holds (pictures of a document, entries of an archive)."""
    prefix = result.path + "!"
    return [f for r in report.files if r.path.startswith(prefix) for f in r.findings]


def _root(path: Path) -> Path:
    if path.is_dir():
        return path
    return path.parent


def _output_path(src: Path, roots: list[Path], out: Path, suffix: str, used: set[Path]) -> Path:
    """The output keeps the source's place under its input folder, with the right suffix
    (a.mov and a.mp4 in one folder become a.mp4 and a-2.mp4)."""
    rel = Path(src.name)
    for root in roots:
        try:
            rel = src.resolve().relative_to(root.resolve())
            break
        except ValueError:
            continue
    final = (out / rel).with_suffix(suffix)
    n = 2
    while final in used:
        final = (out / rel).with_name(f"{rel.stem}-{n}{suffix}")
        n += 1
    used.add(final)
    if not final.resolve().is_relative_to(out.resolve()):
        raise UsageError(f"output outside {out}: {final}")
    if final.resolve() == src.resolve():
        raise UsageError(f"the output would replace the original {src}; choose another -o folder",
                         key="fix_same_file", path=str(src))
    final.parent.mkdir(parents=True, exist_ok=True)
    return final

"""fix(): check, repair what can be repaired into an output folder, check the results.

The originals are only read.  Every output is written under a temporary name in
the output folder (created exclusively, unique to the run: :mod:`kcsubmit.outdir`)
and renamed when complete, then checked again; a file that needs no repair is
copied, not re-encoded.  A folder given with ``-o`` may not overlap the inputs; the default
``./fixed`` may (it is marked, and folder walks skip it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from . import engine
from .errors import KcsubmitError, UsageError
from .fixers import FIXERS, FixOptions, Outcome
from .fixers import fixer as fixer_of
from .models import FileResult, Finding, Fixed, FixReport, Report
from .outdir import create_beside, discard, ensure_writable, mark, refuse_overlap
from .profile import Profile
from .rules.base import to_fix

__all__ = ["fix", "default_output", "Fixed", "FixReport"]  # the result types live in models


DEFAULT_OUTPUT = "fixed"  # SPEC §2: ./fixed; walks skip it by its marker even inside the input


def default_output(paths: Iterable[str | Path]) -> Path:
    """Where fix writes without ``-o``: ``./fixed`` (SPEC §2).  When that lies inside the input
    folder it is not refused: it carries kcsubmit's output marker, so no later walk reads it."""
    return Path(DEFAULT_OUTPUT)


def fix(paths: Iterable[str | Path] = (), out_dir: str | Path | None = None,
        rules: str | Path | Profile | None = None, options: FixOptions = FixOptions(),
        on_file: Callable[[str, int, int], None] | None = None) -> FixReport:
    """Repair copies of ``paths`` into ``out_dir``; the originals are never changed.

    ``out_dir`` None: :func:`default_output`.  A folder given that is, holds or lies inside an
    input is refused (UsageError).  ``on_file(path, index, total)`` is called as each file
    starts (the CLI's progress).
    """
    given = [str(p) for p in paths] or ["."]
    if out_dir is None:
        out = default_output(paths)
    else:
        out = Path(out_dir)
        refuse_overlap(out, given)
    ensure_writable(out, create=True)
    profile = engine.profile_for(engine.find_submission(given), rules)
    report = engine.check(given, rules=profile, exclude=[out])
    roots = [_root(Path(p)) for p in given]
    tops = [r for r in report.files if "!" not in r.path]
    done: list[Fixed] = []
    used: set[Path] = set()
    for index, result in enumerate(tops):
        if on_file is not None:
            on_file(result.path, index, len(tops))
        done.append(_fix_one(result, _inside(report, result), profile, out, roots, options, used))
        if done[-1].output:
            mark(out)  # with its first output: later folder walks leave this folder out
    return FixReport(rules=profile.name, out_dir=str(out), files=tuple(_recheck(done, profile)))


def _fix_one(result: FileResult, inside: list[Finding], profile: Profile, out: Path,
             roots: list[Path], options: FixOptions, used: set[Path]) -> Fixed:
    src = Path(result.path)
    before = tuple(result.findings) + tuple(inside)
    needs = bool(to_fix(before, options))
    fixer = FIXERS.get(result.kind) if needs else None
    try:
        final = _output_path(src, roots, out, fixer[1] if fixer else src.suffix, used)
        handle, part = create_beside(final)
    except OSError as exc:
        return Fixed(str(src), result.kind, "failed", before=before,
                     error=f"cannot write in {out}: {exc.strerror or exc}")
    try:
        with handle:
            if fixer is None:
                with open(src, "rb") as data:
                    shutil.copyfileobj(data, handle, 1 << 20)
                outcome = Outcome("copied")
        if fixer is not None:
            outcome = fixer_of(result.kind).fix(src, result, profile, part, options)
        os.replace(part, final)
    except KcsubmitError as exc:
        discard(part)
        return Fixed(str(src), result.kind, "failed", before=before, error=str(exc))
    except OSError as exc:  # a full disk, a read-only folder: this file's failure, said with its name
        discard(part)
        return Fixed(str(src), result.kind, "failed", before=before,
                     error=f"cannot write {final}: {exc.strerror or exc}")
    except BaseException:
        discard(part)  # Ctrl-C or a crash: no half-written file stays behind
        raise
    return Fixed(str(src), result.kind, outcome.action, str(final), outcome.details, before)


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

"""kcsubmit: check, fix and pack submissions for the 科创筑梦 云上工作室 activity.

The library API (the CLI is a thin layer over it; nothing here prints)::

    import kcsubmit

    report = kcsubmit.check(["studio/"])              # a folder, files, archives or a kcsubmit.toml
    for result in report.files:
        print(result.path, [f.rule for f in result.findings])

    fixed = kcsubmit.fix(["studio/"], out_dir="fixed", fit="blur")
    packed = kcsubmit.pack("studio/", out_dir="dist", fix=True)
    print([a.path for a in packed.archives], packed.ok)

Every function raises :class:`kcsubmit.errors.KcsubmitError` (with a one-line
message) when it cannot do its job: a missing path, a bad profile or manifest,
a missing optional tool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .version import __version__

__all__ = ["__version__", "check", "fix", "pack"]

if TYPE_CHECKING:
    from .fixers import FixOptions
    from .models import FixPlan, FixReport, PackReport, Report
    from .profile import Profile

Paths = Iterable["str | Path"]


def check(paths: Paths = (), rules: str | Path | Profile | None = None, jobs: int = 1) -> Report:
    """Inspect files, folders, archives or a kcsubmit.toml; return the :class:`~kcsubmit.models.Report`.

    ``paths``: none means the current folder (its kcsubmit.toml when present). ``rules``: a
    built-in profile name or a profile TOML file; ``None`` takes the manifest's, else ``2023``.
    ``jobs``: files inspected at once, in worker processes. ``report.ok`` is true when no error
    finding remains; ``report.exit_code(strict)`` is what the CLI returns.
    """
    from .engine import check as _check

    return _check(paths, rules=rules, jobs=jobs)


def fix(paths: Paths = (), out_dir: str | Path | None = None, rules: str | Path | Profile | None = None, *,
        fit: str = "auto", trim: bool = False, encoder: str = "auto", dry_run: bool = False,
        ask: Callable[[FixPlan], FixOptions | None] | None = None, on_plan: Callable[[FixPlan], None] | None = None,
        on_file: Callable[[str, int, int], None] | None = None,
        progress: Callable[[float], None] | None = None) -> FixReport:
    """Write repaired copies of ``paths`` into ``out_dir``; the originals are never changed.

    ``out_dir``: a folder outside the inputs (one that is, holds or lies in an input is refused);
    None: ``./fixed`` (marked as kcsubmit's output, so later walks skip it even inside an input).

    ``fit``: auto | pad | crop | blur | stretch (how another shape reaches 16:9 or 4:3; auto: videos pad,
    pictures crop or blur by shape); ``trim``: allow cutting a video longer than the maximum;
    ``encoder``: auto | libx264 | h264_nvenc | …

    The fix is planned first (a :class:`~kcsubmit.models.FixPlan`: each file's step, estimated
    seconds, cache hit, and the errors a fix option would clear). While such an error remains
    nothing is repaired (``report.stopped``, exit 1) unless ``ask(plan)`` returns the options to go
    on with (e.g. ``trim=True``). ``dry_run``: only the plan (``report.plan``). Callbacks, all plain
    functions: ``on_plan(plan)`` once before the work, ``on_file(path, index, total)`` as each file
    starts, ``progress(fraction)`` of the current file (``kcsubmit.planning.overall(plan, index,
    fraction)`` gives the whole job's). Repaired copies are cached (``kcsubmit.cache``) and reused.
    Returns a :class:`~kcsubmit.models.FixReport`: per file the action, the output and the findings
    before and after.
    """
    from .fixers import FixOptions
    from .repair import fix as _fix

    options = FixOptions(fit=fit, trim=trim, encoder=encoder, progress=progress)
    return _fix(paths, out_dir, rules=rules, options=options, on_file=on_file, dry_run=dry_run, ask=ask,
                on_plan=on_plan)


def pack(target: str | Path = ".", out_dir: str | Path | None = None, rules: str | Path | Profile | None = None, *,
         studio: str | None = None, fix: bool = False, fit: str = "auto", trim: bool = False,
         encoder: str = "auto", name_encoding: str = "utf-8", loose_images: bool = True,
         dry_run: bool = False, ask: Callable[[FixPlan], FixOptions | None] | None = None,
         on_stage: Callable[[str], None] | None = None, on_plan: Callable[[FixPlan], None] | None = None,
         on_file: Callable[[str, int, int], None] | None = None,
         progress: Callable[[float], None] | None = None) -> PackReport:
    """Build the upload archives of the submission at ``target`` (a kcsubmit.toml or a folder).

    Nothing is written while an error finding remains (``report.blocking`` says what); with
    ``fix=True`` repaired copies are packed, planned first (``report.fix_plan``; nothing is
    encoded while an error would remain: ``ask`` as in :func:`fix`). ``on_stage(name)``: "check",
    "fix", "pack", "recheck" as each starts; ``on_plan``, ``on_file``, ``progress`` as in
    :func:`fix`. ``out_dir``: outside the submission's folder; None: ``./dist``. Returns a
    :class:`~kcsubmit.models.PackReport`.
    """
    from .fixers import FixOptions
    from .packing import pack as _pack

    return _pack(target, out_dir, studio=studio, fix=fix, name_encoding=name_encoding,
                 loose_images=loose_images, dry_run=dry_run, rules=rules,
                 options=FixOptions(fit=fit, trim=trim, encoder=encoder, progress=progress), ask=ask,
                 on_stage=on_stage, on_plan=on_plan, on_file=on_file)

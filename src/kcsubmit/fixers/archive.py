"""The archive fixer: repack a zip, rar, 7z or tar into a clean zip, fixing what is inside.

Entries are copied one at a time into a private folder (under generated names,
with the same byte caps as ``check``), each checked and, when it breaks a
fixable rule, repaired by the fixer of its kind; then they are written to a new
zip by :mod:`kcsubmit.zipwrite` (the writer pack uses): UTF-8 names (and the flag), media
stored rather than deflated again, fixed timestamps.
Junk, unsafe, encrypted, link and device entries are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from .. import engine
from ..errors import KcsubmitError
from ..interrupts import scratch_dir
from ..models import FileResult
from ..probes import readers
from ..probes.archive import is_junk, open_reader, unsafe_reason
from ..profile import Profile
from ..rules.base import to_fix
from ..zipwrite import write_zip
from . import FIXERS, FixOptions, Outcome, fixer

STEPS = ("archive.repack",)  # the fixer steps this module performs (Rule.fix)

INNER = ("video", "image", "document")  # the kinds repaired inside; archives inside are kept as they are


def fix(src: Path, result: FileResult, profile: Profile, target: Path, options: FixOptions) -> Outcome:
    fmt = result.facts.get("format") or "zip"
    details: list[str] = [] if fmt == "zip" else [f"{fmt} → zip"]
    try:
        reader = open_reader(src, fmt)
    except readers.HeadersEncrypted:
        raise KcsubmitError("cannot repack: even the names in the archive need its password") from None
    except Exception as exc:  # noqa: BLE001 - damaged (A008): nothing to repack from
        raise KcsubmitError(f"cannot repack: the archive does not open ({type(exc).__name__}: {exc})") from None
    try:
        with scratch_dir(prefix="kcsubmit-") as scratch:
            write_zip(target, _entries(reader, Path(scratch), profile, options, details))
    finally:
        reader.close()
    if result.facts.get("non_utf8"):
        details.append("names written as UTF-8")
    return Outcome("repacked", tuple(details))


def _entries(reader: readers.Reader, scratch: Path, profile: Profile, options: FixOptions,
             details: list[str]) -> Iterator[tuple[str, Path]]:
    """The new zip's entries, one at a time (name, file), each repaired when it needs it; a
    file is deleted once :func:`kcsubmit.zipwrite.write_zip` has written it."""
    budget = profile.archive["max_unpacked_bytes"]
    for number, entry in enumerate(reader.entries()):
        if entry.is_dir:
            continue
        if is_junk(entry.name) or unsafe_reason(entry) or entry.encrypted:
            details.append(f"left out {entry.name}")
            continue
        name = PurePosixPath(entry.name.replace("\\", "/"))
        copy = scratch / f"entry-{number:05d}{name.suffix.lower()[:10]}"
        try:
            reader.copy(entry, copy, cap=min(budget, entry.size + 1 if entry.size else budget))
        except KcsubmitError:
            raise  # an entry no tool here can read (A013): said as it is
        except Exception as exc:  # noqa: BLE001 - a damaged entry (A008) cannot be repacked
            raise KcsubmitError(f"cannot repack: {entry.name} does not read back intact "
                                f"({type(exc).__name__}: {exc})") from None
        budget -= copy.stat().st_size
        data, new_name = _repaired(copy, name, profile, options, details)
        yield str(new_name), data
        copy.unlink(missing_ok=True)
        data.unlink(missing_ok=True)


def _repaired(copy: Path, name: PurePosixPath, profile: Profile, options: FixOptions,
              details: list[str]) -> tuple[Path, PurePosixPath]:
    """The entry's file as it goes into the new zip: repaired when it breaks a fixable rule."""
    report = engine.check([copy], rules=profile)
    top = report.files[0] if report.files else None
    if top is None or top.kind not in INNER:
        return copy, name
    inside = [f for r in report.files[1:] for f in r.findings]
    if not to_fix((*top.findings, *inside), options):
        return copy, name
    suffix = FIXERS[top.kind][1]
    fixed = copy.with_name(copy.stem + "-fixed" + suffix)
    outcome = fixer(top.kind).fix(copy, top, profile, fixed, options)
    new_name = name.with_suffix(suffix)
    details.append(f"{name} → {new_name} ({outcome.action})")
    return fixed, new_name

"""Where kcsubmit writes: output folders known to be writable before minutes of work begin,
outside the inputs, and every output file created exclusively."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from .discover import MANIFEST_NAME, MARKER, find_manifest
from .errors import KcsubmitError, UsageError
from .interrupts import hold, owe, release, settled


def _refuse(folder: Path, reason: str) -> KcsubmitError:
    return KcsubmitError(f"cannot write {folder}: {reason}", key="cannot_write", path=str(folder), reason=reason)


def ensure_writable(folder: Path, *, create: bool) -> None:
    """Raise a one-line KcsubmitError unless files can be written in ``folder``.

    ``create``: make the folder now (fix). Otherwise (pack, which writes nothing when it
    refuses) a missing folder is judged by the nearest folder that exists above it.
    """
    if create:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _refuse(folder, exc.strerror or str(exc)) from None
    if folder.exists():
        if not folder.is_dir():
            raise _refuse(folder, os.strerror(errno.ENOTDIR))
        try:  # the only sure test (root ignores modes; a read-only mount refuses root too)
            handle, probe = tempfile.mkstemp(prefix=".kcsubmit-probe-", dir=folder)
            os.close(handle)
            os.unlink(probe)
        except OSError as exc:
            raise _refuse(folder, exc.strerror or str(exc)) from None
        return
    above = folder.parent
    while not above.exists() and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise _refuse(folder, f"{above}: {os.strerror(errno.ENOTDIR)}")
    read_only = hasattr(os, "statvfs") and os.statvfs(above).f_flag & getattr(os, "ST_RDONLY", 1)
    if read_only or not os.access(above, os.W_OK | os.X_OK):
        raise _refuse(folder, f"{above}: {os.strerror(errno.EROFS if read_only else errno.EACCES)}")


# --------------------------------------------------------------------------- writing outputs
# Every temporary and final output (fix, pack, check --output, init's manifest) is first created
# here: a new file beside its final name, under a name unique to this run (tempfile's random part),
# opened with O_CREAT|O_EXCL|O_NOFOLLOW, so a symlink or file planted at a predictable name is never
# written through and two runs into one folder never share a temporary.  The final name is taken
# with os.replace, which replaces a link planted there instead of following it.

PART = ".kcsubmit-part"  # the end of every temporary name (hidden: it starts with ".")


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _create(final: Path, suffix: str) -> tuple[BinaryIO, Path]:
    stem = final.name
    while len(os.fsencode(stem)) > 120:
        stem = stem[:-1]
    handle, name = tempfile.mkstemp(prefix=f".{stem}.", suffix=suffix, dir=final.parent)
    try:
        if hasattr(os, "fchmod"):  # not on Windows before Python 3.13, which has no such modes
            with contextlib.suppress(OSError):  # a file system without modes (FAT on a USB stick)
                os.fchmod(handle, 0o666 & ~_umask())
        return os.fdopen(handle, "w+b"), Path(name)
    except BaseException:
        os.close(handle)
        os.unlink(name)
        raise


class Parts:
    """The temporary outputs of one step; whatever is not published when the ``with`` block ends is removed.

    A temporary is registered before an interrupt can land (Ctrl-C and SIGTERM are held while it is
    made, :mod:`.interrupts`), publishing several renames them all or, if interrupted before, none,
    and removal is not cut short: Ctrl-C at any moment leaves no ``.kcsubmit-part`` behind (one that
    a second Ctrl-C keeps from its removal is removed when the process exits, :mod:`.interrupts`).
    """

    def __init__(self) -> None:
        self._open: list[Path] = []

    def __enter__(self) -> Parts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def create(self, final: Path, suffix: str = PART) -> tuple[BinaryIO, Path]:
        """A new, empty file in ``final``'s folder for its content, and its temporary path.

        The name is ``.FINAL.RANDOM.kcsubmit-part`` (shortened to stay below 255 bytes); the file gets
        the permissions of an ordinary new file (not mkstemp's 0600) so the output is as readable as
        any other.
        """
        held = hold()
        try:
            handle, part = _create(final, suffix)
            self._open.append(part)
            owe(part)
        finally:
            release(held)  # an interrupt held back is raised here, with the temporary registered
        return handle, part

    def publish(self, *pairs: tuple[Path, Path]) -> None:
        """Rename each (temporary, final) pair: all of them, or none if Ctrl-C came first."""
        held = hold()
        try:
            for part, final in pairs:
                os.replace(part, final)
                self._open.remove(part)
                settled(part)
        finally:
            release(held)

    def discard(self) -> None:
        """Remove every temporary not yet published; a read-only or vanished folder refuses quietly."""
        held = hold()
        try:
            while self._open:
                with contextlib.suppress(OSError):
                    self._open[-1].unlink(missing_ok=True)
                settled(self._open.pop())
        finally:
            release(held)


def write_new(final: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write ``final`` through :class:`Parts` and rename it when complete.

    Whatever goes wrong (a full disk, Ctrl-C, an encoding error), no temporary file stays
    behind; an OSError is one line naming ``final`` (exit 2).
    """
    try:
        with Parts() as parts:
            handle, part = parts.create(final)
            with handle:
                write(handle)
            parts.publish((part, final))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise KcsubmitError(f"cannot write {final}: {reason}", key="cannot_write", path=str(final),
                            reason=reason) from None


def mark(folder: Path) -> None:
    """Leave the marker of a kcsubmit output folder (never through a planted link)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with contextlib.suppress(OSError):
        os.close(os.open(folder / MARKER, flags, 0o666))
        if sys.platform == "win32":  # a leading dot hides nothing in Explorer: the attribute does
            import ctypes

            ctypes.windll.kernel32.SetFileAttributesW(str(folder / MARKER), 0x2)  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- overlap


def refuse_overlap(out: Path, inputs: Iterable[str | Path]) -> None:
    """One line (exit 2) when the output folder ``out`` overlaps an input.

    A folder (or a manifest's folder) overlaps when ``out`` is the folder, inside it or above it;
    a file when ``out`` holds it.  Outputs written into an input would be read as inputs by the
    next run, and an input folder inside ``out`` could be overwritten by an output.
    """
    target = Path(os.path.abspath(out)).resolve()
    for raw in inputs:
        path = Path(raw)
        if path.is_file() and path.name == MANIFEST_NAME:
            path = path.parent
        source = Path(os.path.abspath(path)).resolve()
        above = target in source.parents
        folder = path.is_dir() and (target == source or source in target.parents or above)
        if folder or (path.is_file() and above):
            raise UsageError(f"the output folder {out} overlaps the input {raw}; choose a folder outside it",
                             key="output_overlaps", out=str(out), path=str(raw))


def refuse_own_input(output: Path, inputs: Iterable[str | Path]) -> None:
    """``check -o FILE``: one line (exit 2) when FILE is one of the files checked or the manifest read."""
    if not output.exists():
        return
    for raw in inputs:
        path = Path(raw)
        for candidate in ([path, find_manifest(path)] if path.exists() else []):
            if candidate is not None and candidate.is_file() and os.path.samefile(candidate, output):
                raise UsageError(f"{output} is one of the inputs checked", key="output_is_input", path=str(output))

"""The output folder of fix and pack: known to be writable before minutes of work begin."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from .errors import KcsubmitError


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

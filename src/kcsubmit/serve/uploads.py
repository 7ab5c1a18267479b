"""Files the teacher adds: streamed to disk in chunks, under a safe name of ours.

The body of ``POST /api/upload`` is the file itself (the browser streams it); every chunk is
written as it arrives into a temporary file created exclusively beside its final name
(:class:`kcsubmit.outdir.Parts`), which is renamed only when the whole body has arrived.
A cancelled or failed upload removes the temporary: no partial file is ever left under a name.
Memory stays flat whatever the size: uvicorn stops reading the socket while a chunk waits.

The browser says only a file's name, never where it is; the name is made safe here
(:func:`safe_name`): its last part only, no separator, control or bidi character, none of the
characters Windows cannot store, not hidden, no device name, at most 200 bytes, judged by
:func:`kcsubmit.filenames.name_problem` like every name kcsubmit writes.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from pathlib import Path

from starlette.requests import Request

from ..filenames import WINDOWS_FORBIDDEN, name_problem
from ..names import CONTROL, SURROGATE
from ..outdir import Parts

MAX_NAME_BYTES = 200
RESERVED = {"kcsubmit.toml"}  # the manifest the page writes beside the originals
UNSAFE = set(WINDOWS_FORBIDDEN) | set("/\\[]")  # [ ]: a manifest would read the name as a glob


class TooLarge(Exception):
    """The body went past the limit."""


def safe_name(name: str) -> str:
    """A plain, portable file name for what the browser called ``name`` (never a path)."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = SURROGATE.sub("_", CONTROL.sub("_", name))
    name = "".join("_" if c in UNSAFE else c for c in name).strip().lstrip(".").rstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    suffix = f".{suffix}"[:16] if suffix else ""
    while len((stem + suffix).encode()) > MAX_NAME_BYTES:
        stem = stem[:-1]
    candidate = (stem or "file") + suffix
    if name_problem(stem or "file") is not None:  # a device name (CON, NUL…) or anything missed
        candidate = f"file-{stem}{suffix}" if name_problem(f"file-{stem}") is None else f"file{suffix}"
    return candidate


class Inbox:
    """The folder of the originals; hands out names no other upload or file holds."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._taken: set[str] = set()
        self._lock = threading.Lock()

    def reserve(self, wanted: str) -> Path:
        name = safe_name(wanted)
        stem, suffix = os.path.splitext(name)
        with self._lock:
            n = 1
            while name.lower() in RESERVED or name in self._taken or (self.folder / name).exists():
                n += 1
                name = f"{stem}-{n}{suffix}"
            self._taken.add(name)
        return self.folder / name

    def busy(self) -> bool:
        """Whether an upload is on its way (a job started now would miss it)."""
        with self._lock:
            return bool(self._taken)

    def release(self, path: Path) -> None:
        with self._lock:
            self._taken.discard(path.name)

    async def receive(self, request: Request, wanted: str, limit: int) -> Path:
        """Stream the request body into the folder; the final path, or an exception and no file."""
        final = self.reserve(wanted)
        try:
            with Parts() as parts:  # a cancelled upload (ClientDisconnect), a full disk, too large: no file
                handle, part = parts.create(final)
                size = 0
                with handle:
                    async for chunk in request.stream():
                        size += len(chunk)
                        if size > limit:
                            raise TooLarge(size)
                        handle.write(chunk)
                parts.publish((part, final))
        finally:
            self.release(final)
        return final

"""The cache of repaired copies: no file is repaired twice with the same settings (issue 19).

Where: ``KCSUBMIT_CACHE_DIR`` if set, else ``platformdirs.user_cache_dir("kcsubmit")``; the
copies sit in its ``fixed/`` folder as ``KEY.out`` (the repaired bytes) and ``KEY.json`` (what
was done), both written under a temporary name and renamed when complete, the JSON last: an
entry without its JSON does not exist.  A hit is copied out (never linked: the teacher may edit
``fixed/x.mp4``) and its time of use refreshed; after each store the oldest entries are evicted
until the folder fits :func:`limit`.

The key (:func:`key`) is the SHA-256 of: the input's content hash, its kind, the rules whose fix
runs (so ``--trim`` changes only a too-long video's key), ``--fit`` and ``--encoder``, every
section of the profile, the kcsubmit version and the ffmpeg binary (path, size, modification
time — read without starting it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import KcsubmitError
from .models import Profile
from .outdir import PART, write_new
from .version import __version__

DEFAULT_LIMIT = 20_000_000_000  # bytes; or half the free disk space, whichever is smaller
ENV_DIR = "KCSUBMIT_CACHE_DIR"
ENV_LIMIT = "KCSUBMIT_CACHE_LIMIT"  # bytes, for tests and small disks


def folder() -> Path:
    """The cache folder (not created here)."""
    override = os.environ.get(ENV_DIR)
    if override:
        return Path(override) / "fixed"
    import platformdirs

    return Path(platformdirs.user_cache_dir("kcsubmit", appauthor=False)) / "fixed"


def content_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (1 MiB reads)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _ffmpeg_id() -> str:
    """Which ffmpeg encodes, without starting it: its path, size and modification time."""
    try:
        from . import ffmpeg

        exe = ffmpeg.exe()
        stat = os.stat(exe)
        return f"{exe}:{stat.st_size}:{int(stat.st_mtime)}"
    except Exception:  # noqa: BLE001 - no ffmpeg: nothing that needs it will hit the cache anyway
        return "none"


def key(source_hash: str, kind: str, rule_ids: Iterable[str], fit: str, encoder: str, profile: Profile) -> str:
    """The cache key of one repair (see the module's docstring for what it holds)."""
    sections = {"video": profile.video, "case": profile.case, "archive": profile.archive,
                "severity": profile.severity, "themes": profile.themes}
    parts = {"source": source_hash, "kind": kind, "rules": sorted(rule_ids), "fit": fit, "encoder": encoder,
             "profile": sections, "kcsubmit": __version__, "ffmpeg": _ffmpeg_id()}
    text = json.dumps(parts, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Entry:
    """A cached repair: the repaired file, and the action and details of the fix that made it."""

    path: Path
    action: str
    details: tuple[str, ...]


def lookup(cache_key: str) -> Entry | None:
    """The entry of ``cache_key``, or None; a hit's time of use is refreshed (eviction is by it)."""
    base = folder()
    out, meta = base / f"{cache_key}.out", base / f"{cache_key}.json"
    try:
        data = json.loads(meta.read_text("utf-8"))
        if not out.is_file():
            return None
        now = time.time()
        os.utime(meta, (now, now))
    except (OSError, ValueError):
        return None
    return Entry(out, str(data.get("action", "")), tuple(data.get("details", ())))


def store(cache_key: str, repaired: Path, action: str, details: tuple[str, ...]) -> None:
    """Keep a copy of ``repaired``; any failure (a full disk, a read-only cache) is ignored."""
    base = folder()
    try:
        base.mkdir(parents=True, exist_ok=True)
        with open(repaired, "rb") as data:
            write_new(base / f"{cache_key}.out", lambda out: shutil.copyfileobj(data, out, 1 << 20))
        meta = json.dumps({"action": action, "details": list(details), "kcsubmit": __version__},
                          ensure_ascii=False).encode("utf-8")
        write_new(base / f"{cache_key}.json", lambda out: out.write(meta))  # the JSON last: then it is an entry
        evict(limit())
    except (OSError, KcsubmitError):  # write_new says an OSError as a KcsubmitError
        return


def copy_out(entry: Entry, target: Path) -> None:
    """Copy a cached file to ``target`` (an open temporary of the caller's)."""
    shutil.copyfile(entry.path, target)


def entries() -> list[tuple[Path, int, float]]:
    """(JSON path, bytes of the entry, time of last use) of every complete entry, oldest first."""
    base = folder()
    found = []
    with contextlib.suppress(OSError):
        for meta in base.glob("*.json"):
            out = meta.with_suffix(".out")
            with contextlib.suppress(OSError):
                found.append((meta, out.stat().st_size + meta.stat().st_size, meta.stat().st_mtime))
    return sorted(found, key=lambda e: e[2])


def size() -> int:
    """Bytes the cache holds (complete entries)."""
    return sum(n for _, n, _ in entries())


def limit() -> int:
    """The most the cache may hold: ``KCSUBMIT_CACHE_LIMIT``, else 20 GB or half of what the disk
    has free beside the cache's own bytes, whichever is smaller."""
    given = os.environ.get(ENV_LIMIT, "").strip()
    if given.isdigit():
        return int(given)
    try:
        free = shutil.disk_usage(folder()).free
    except OSError:
        return DEFAULT_LIMIT
    return min(DEFAULT_LIMIT, (free + size()) // 2)


def evict(most: int) -> int:
    """Remove the least recently used entries until the cache holds at most ``most`` bytes;
    also removes temporaries older than a day (a run killed outright). Returns the bytes freed."""
    found = entries()
    total = sum(n for _, n, _ in found)
    freed = 0
    for meta, n, _ in found:
        if total <= most:
            break
        _remove(meta)
        total -= n
        freed += n
    day_ago = time.time() - 86400
    with contextlib.suppress(OSError):
        for part in folder().glob(f".*{PART}"):
            with contextlib.suppress(OSError):
                if part.stat().st_mtime < day_ago:
                    part.unlink()
    return freed


def clear() -> tuple[int, int]:
    """Empty the cache: (entries removed, bytes freed)."""
    found = entries()
    for meta, _, _ in found:
        _remove(meta)
    with contextlib.suppress(OSError):
        for part in [*folder().glob(f".*{PART}"), *folder().glob("*.out")]:  # and copies whose JSON was lost
            with contextlib.suppress(OSError):
                part.unlink()
    return len(found), sum(n for _, n, _ in found)


def _remove(meta: Path) -> None:
    for path in (meta, meta.with_suffix(".out")):  # the JSON first: a half-removed entry is no entry
        with contextlib.suppress(OSError):
            path.unlink()


def info() -> dict[str, Any]:
    """Where the cache is, how many entries and bytes it holds, and its limit."""
    found = entries()
    return {"folder": str(folder()), "entries": len(found), "bytes": sum(n for _, n, _ in found),
            "limit": limit()}

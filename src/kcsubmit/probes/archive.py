"""Facts of an archive, and of the videos, documents and pictures inside it.

Nothing is extracted wholesale.  The directory is read first; unsafe, junk,
encrypted and nested entries are only listed.  A stored zip entry is probed in
place (MediaInfo reads the seekable entry stream); any other entry is copied,
one at a time, into a private temporary folder under a generated name, with a
byte cap, probed, and removed.  The bomb limits are enforced on the bytes
actually inflated, not on what the headers claim.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from .. import discover
from ..interrupts import scratch_dir
from . import rartool, readers
from .readers import CapExceeded, Entry, Reader, Unreadable

JUNK_DIRS = ("__MACOSX/",)
SPLIT_NAME = re.compile(r"\.(z\d\d|\d{3}|part\d+\.rar|r\d\d)$", re.IGNORECASE)
HEAD = 4096
MAX_PICTURE = 64 << 20  # a picture read into memory: larger ones are copied instead


def measure(path: Path, fmt: str | None, profile: Any) -> dict[str, Any]:
    """The probe with the engine's signature (``kcsubmit.probes.PROBES``)."""
    return probe(path, fmt, profile.archive, profile.themes)


def open_reader(path: Path, fmt: str) -> readers.Reader:
    """The reader for a format found by content; raises on an archive it cannot open."""
    if fmt == "zip":
        return readers.ZipReader(path)
    if fmt == "rar":
        from .rarread import RarReader  # rarfile: only when a RAR is met

        return RarReader(path)
    if fmt == "7z":
        return readers.SevenZipReader(path)
    if fmt in ("tar", "gzip", "bzip2", "xz"):
        return readers.TarReader(path, fmt)
    raise ValueError(f"no reader for {fmt}")


def probe(path: Path | str, fmt: str | None, limits: Mapping[str, Any], themes: tuple[str, ...] = ()) -> dict[str, Any]:
    """Measure an archive once; never raises for a broken one."""
    path = Path(path)
    facts: dict[str, Any] = {"format": fmt if fmt in readers.FORMATS else "unknown",
                             "suffix": path.suffix, "name": path.name}
    try:
        facts["size_bytes"] = os.path.getsize(path)
    except OSError as exc:
        facts["damaged"] = exc.strerror or str(exc)
        return facts
    facts["volume"] = _split_volume(path)
    if facts["format"] in ("zip", "unknown") and facts["size_bytes"]:
        try:
            spanned = _zip_disk(path)  # the last volume of a split zip starts inside an entry's data
        except OSError as exc:  # gone, or replaced by a folder, since it was found
            facts["damaged"] = exc.strerror or str(exc)
            return facts
        if spanned:
            facts.update(format="zip", volume=spanned, entries=0)
            return facts
    if facts["format"] == "unknown" or facts["size_bytes"] == 0:
        return facts
    try:
        reader = open_reader(path, facts["format"])
    except readers.VolumeError:
        facts.update(volume=path.name, entries=0)
        return facts
    except readers.HeadersEncrypted:
        facts.update(headers_encrypted=True, entries=0)
        return facts
    except Exception as exc:  # noqa: BLE001 - any failure to open is damage (A008)
        facts.update(damaged=_reason(exc), entries=0, readable=_readable(path, facts["format"]))
        return facts
    try:
        with scratch_dir(prefix="kcsubmit-") as scratch:
            _inspect(reader, path, facts, limits, themes, Path(scratch))
    finally:
        reader.close()
    return facts


def _inspect(reader: Reader, path: Path, facts: dict[str, Any], limits: Mapping[str, Any],
             themes: tuple[str, ...], scratch: Path) -> None:
    try:
        entries = reader.entries()
    except Exception as exc:  # noqa: BLE001
        facts.update(damaged=_reason(exc), entries=0, readable=0)
        return
    files = [e for e in entries if not e.is_dir]
    unpacked = sum(e.size for e in files)
    facts.update(
        entries=len(entries), files=len(files), unpacked_bytes=unpacked,
        ratio=round(unpacked / max(1, facts["size_bytes"]), 1),
        encrypted=[e.name for e in files if e.encrypted],
        unsafe=[[e.name, why] for e in entries if (why := unsafe_reason(e))],
        junk=[e.name for e in entries if is_junk(e.name)],
        non_utf8=[[_garbled(e), readers.guess_name(e.raw_name)] for e in entries
                  if not e.marked_utf8 and e.raw_name and not e.raw_name.isascii()],
    )
    if facts["volume"] is None and getattr(reader, "is_volume", False):
        facts["volume"] = path.name
    hidden = getattr(reader, "hidden", None)  # zip: local entries the directory leaves out
    if hidden:
        facts["hidden"] = [e.name for e in hidden]
    if facts["volume"]:
        return  # A010 is a gate: a lone volume cannot be unpacked, so nothing inside is read
    facts["bomb"] = _bomb(len(entries), unpacked, facts["ratio"], limits)
    if facts["bomb"]:
        return  # inspection stops: nothing is inflated
    damaged, unverified = _verify(reader, files)
    _note_tool(reader, unverified, facts)
    if damaged:
        facts.update(damaged=damaged, readable=len(files))
        return
    facts["children"] = _children(reader, files, facts, limits, scratch)
    kinds = [kind for _, kind, _ in facts["children"]]
    facts["videos"] = [inner for inner, kind, _ in facts["children"] if kind == "video"]
    facts["documents"] = [inner for inner, kind, _ in facts["children"] if kind == "document"]
    facts["role"] = _role(path.name, kinds, themes)


def unsafe_reason(entry: Entry) -> str | None:
    """Why an entry's path could escape the folder it is extracted to (A004), or None."""
    name = entry.name.replace("\\", "/")
    if entry.is_link:
        return "symlink"
    if entry.is_device:
        return "device"
    if name.startswith("/"):
        return "absolute"
    if re.match(r"^[A-Za-z]:", name):
        return "drive"
    if ".." in PurePosixPath(name).parts:
        return "parent"
    return None


def is_junk(name: str) -> bool:
    """__MACOSX/, .DS_Store, Thumbs.db, desktop.ini and Word lock files ~$* (A005)."""
    base = name.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return name.startswith(JUNK_DIRS) or "/__MACOSX/" in name or base.lower() in discover.JUNK_NAMES \
        or base.startswith("~$") or base.startswith("._")


def _garbled(entry: Entry) -> str:
    """The name as an unzip tool that follows the zip standard (CP437) shows it."""
    return (entry.raw_name or b"").decode("cp437")


def _bomb(entries: int, unpacked: int, ratio: float, limits: Mapping[str, Any]) -> str | None:
    if entries > limits["max_entries"]:
        return "entries"
    if unpacked > limits["max_unpacked_bytes"]:
        return "size"
    if ratio > limits["max_ratio"]:
        return "ratio"
    return None


def _verify(reader: Reader, files: list[Entry]) -> tuple[str | None, list[Unreadable]]:
    """Read every readable entry through once so that each CRC is checked (A008).

    Returns the first damage, and the entries no tool here could read (A013), which are not
    damage: the reading goes on past them.
    """
    if isinstance(reader, readers.SevenZipReader):
        return (None if reader.test() is not False else "CRC or data error"), []
    unverified: list[Unreadable] = []
    for entry in files:
        if entry.encrypted or entry.is_link or entry.is_device:
            continue
        try:
            reader.verify(entry)
        except Unreadable as exc:
            unverified.append(exc)
        except Exception as exc:  # noqa: BLE001
            return f"{entry.name}: {_reason(exc)}", unverified
    return None, unverified


def _note_tool(reader: Reader, unverified: list[Unreadable], facts: dict[str, Any]) -> None:
    """Which RAR tool read the compressed entries (``--verbose`` shows it), and what it could not."""
    if getattr(reader, "tool_needed", False):
        tool = rartool.selected()
        facts.update(rar_tool=tool.name if tool else None, rar_tool_path=tool.path if tool else None)
    if unverified:
        first = unverified[0]
        facts.update(unverified=[exc.entry for exc in unverified], unverified_tool=first.tool,
                     unverified_detail=first.detail, host=rartool.host())


def _children(reader: Reader, files: list[Entry], facts: dict[str, Any], limits: Mapping[str, Any],
              scratch: Path) -> list[tuple[str, str, dict[str, Any]]]:
    """Probe each safe entry that is a video, document or picture; note nested archives.

    The probes are imported when their kind is met: a zip of one video needs no python-docx.
    """
    from . import video

    skip = set(facts["encrypted"]) | {n for n, _ in facts["unsafe"]} | set(facts["junk"])
    skip |= set(facts.get("unverified", ()))
    children: list[tuple[str, str, dict[str, Any]]] = []
    nested: list[str] = []
    budget = limits["max_unpacked_bytes"]
    for number, entry in enumerate(files):
        if entry.name in skip or entry.is_link or entry.is_device:
            continue
        name = PurePosixPath(entry.name.replace("\\", "/"))
        if entry.stored and isinstance(reader, readers.ZipReader):
            with reader.window(entry) as stream:  # probed in place: no copy
                detected = discover.sniff_bytes(stream.read(HEAD))
                if detected is not None and detected.kind == "video":
                    stream.seek(0)
                    children.append((entry.name, "video", video.probe(name, file=stream)))
                    continue
        target = scratch / f"entry-{number:05d}{name.suffix.lower()[:10]}"
        try:
            reader.copy(entry, target, cap=min(budget, entry.size + 1 if entry.size else budget))
        except CapExceeded:
            facts["bomb"] = "size"
            break
        except Unreadable:
            continue  # read once already; a second try past the tool's deadline proves nothing
        except Exception as exc:  # noqa: BLE001
            facts.setdefault("damaged", f"{entry.name}: {_reason(exc)}")
            continue
        budget -= target.stat().st_size
        found = discover.sniff(target)
        if found.kind == "video":
            facts_of = video.probe(target)
            facts_of["suffix"] = name.suffix
        elif found.kind == "document":
            from . import document

            facts_of = document.probe(target, found.format)
            facts_of["suffix"] = name.suffix
        elif found.kind == "image":
            from . import image

            data = target.read_bytes() if target.stat().st_size <= MAX_PICTURE else None
            facts_of = image.probe(name, data=data) if data is not None else image.probe(target)
        elif found.kind == "archive":
            nested.append(entry.name)
            facts_of = None
        else:
            facts_of = None
        target.unlink(missing_ok=True)
        if facts_of is not None:
            children.append((entry.name, found.kind, facts_of))
    facts["nested"] = nested
    return children


def _role(name: str, kinds: list[str], themes: tuple[str, ...]) -> str | None:
    """What the archive is for: a theme upload (one video) or the case (one document)."""
    if any(theme in name for theme in themes):
        return "theme"
    if "案例" in name:
        return "case"
    if "document" in kinds:
        return "case"
    if "video" in kinds:
        return "theme"
    return None


def _split_volume(path: Path) -> str | None:
    """One volume of a split archive, by its name (作品.z01, 作品.zip.001, 作品.part2.rar)."""
    return path.name if SPLIT_NAME.search(path.name) else None


def _zip_disk(path: Path) -> str | None:
    """A zip whose end record says it spans disks: a volume of a split zip (``zip -s``, WinZip).

    Read from the end of the file, so that the last volume (the ``.zip`` of ``.z01``, ``.z02``…,
    which starts inside an entry's data) is known too.  The end record must end the file
    exactly (its comment length agrees), so a stray signature in other data is not taken for one.
    """
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65_557))
        tail = f.read()
    i = tail.rfind(b"PK\x05\x06")
    while i != -1 and i + 22 + int.from_bytes(tail[i + 20:i + 22], "little") != len(tail):
        i = tail.rfind(b"PK\x05\x06", 0, i)
    if i == -1:
        return None
    disk, start_disk = int.from_bytes(tail[i + 4:i + 6], "little"), int.from_bytes(tail[i + 6:i + 8], "little")
    if 0xFFFF in (disk, start_disk) and i >= 20 and tail[i - 20:i - 16] == b"PK\x06\x07":
        disks = int.from_bytes(tail[i - 4:i], "little")  # zip64 locator: total number of disks
        return f"{path.name} (disk {disks} of {disks})" if disks > 1 else None
    return f"{path.name} (disk {disk + 1})" if disk or start_disk else None


def _readable(path: Path, fmt: str) -> int:
    if fmt != "zip":
        return 0
    try:
        return sum(1 for _ in readers.scan_local_headers(path))
    except OSError:
        return 0


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, zipfile.BadZipFile):
        return text[:160]
    return f"{type(exc).__name__}: {text}"[:160]

"""The RAR reader: rarfile for the headers and stored entries, a proven tool for the rest.

rarfile lists the entries (strict parsing: a header that does not parse is damage) and reads
stored entries itself.  A compressed entry is decompressed by the tool :mod:`.rartool` chose,
through :class:`ToolStream`, which keeps the tool's messages apart from the entry's bytes and
checks the entry's CRC-32 (or BLAKE2sp) over what it read.  When the bytes do not come out
right, the kind of entry decides what that means: a tool that proved it reads that kind (the
samples) and fails shows the bytes are wrong (A008); a tool that never showed it can read it
(bsdtar and solid RAR 4), or no tool at all, leaves the entry unverified (A013).
"""

from __future__ import annotations

import io
import tempfile
import threading
import zlib
from pathlib import Path
from typing import IO, Any, cast

from ..interrupts import hold, owe, release, remove_tree
from . import rartool
from .readers import Entry, HeadersEncrypted, Reader, Unreadable, VolumeError
from .varint import leb128

RAR4_SIGNATURE, RAR5_SIGNATURE = b"Rar!\x1a\x07\x00", b"Rar!\x1a\x07\x01\x00"
RAR4_MAIN, RAR4_MAIN_PASSWORD, RAR5_ENCRYPTION = 0x73, 0x0080, 4
MAIN_SOLID, FILE_SOLID = 0x0008, 0x0010  # rarfile sets these for RAR 5 too
EXT_TIME = 0x1000  # RAR 4 file header: extended times
HARD_LINK, FILE_COPY = 4, 5  # RAR 5 redirection types whose data is another entry's
PROVEN_VERSION = {4: 29, 5: 0}  # RAR 4 unpack version / RAR 5 algorithm of the samples
SECONDS = 60  # a tool's deadline per entry: this, plus one second per 2 MB of the entry
BYTES_PER_SECOND = 2_000_000


def headers_encrypted(path: Path) -> bool:
    """Whether the archive's headers are encrypted, from its first bytes."""
    with open(path, "rb") as f:
        head = f.read(64)
    if head.startswith(RAR5_SIGNATURE):
        try:  # after the header CRC32: the header's size, then its type
            _, at = leb128(head, len(RAR5_SIGNATURE) + 4)
            kind, _ = leb128(head, at)
        except ValueError:
            return False
        return kind == RAR5_ENCRYPTION
    if head.startswith(RAR4_SIGNATURE) and len(head) >= 12 and head[9] == RAR4_MAIN:
        return bool(int.from_bytes(head[10:12], "little") & RAR4_MAIN_PASSWORD)
    return False


class RarReader(Reader):
    format = "rar"

    def __init__(self, path: Path) -> None:
        import rarfile

        if headers_encrypted(path):
            raise HeadersEncrypted(path.name)
        self.path, self.main_flags, self.ended = path, 0, False
        self.tool_needed = False  # a compressed entry was met: the tool was asked for

        def seen(header: Any) -> None:  # rarfile's view of every block header
            if header.type == rarfile.RAR_BLOCK_MAIN:
                self.main_flags = header.flags
            elif header.type == rarfile.RAR_BLOCK_ENDARC:
                self.ended = True

        try:
            self.rar = rarfile.RarFile(str(path), errors="strict", info_callback=seen)
        except rarfile.NeedFirstVolume:
            raise VolumeError(path.name) from None
        if not self.ended and self._end_block_expected():  # RAR 4 parses without it: cut short
            self.rar.close()
            raise rarfile.BadRarFile("the end-of-archive block is missing (truncated)")

    def _end_block_expected(self) -> bool:
        """RAR 3 and later always end an archive with an end block; RAR 1.5–2.x wrote none.  An
        entry needing unpack version 2.9, or with extended times (added with 2.9), shows RAR 3+."""
        infos = self.rar.infolist()
        return not infos or any((i.extract_version or 0) >= 29 or i.flags & EXT_TIME for i in infos)

    @property
    def is_volume(self) -> bool:
        return bool(self.main_flags & 0x0001)  # MHD_VOLUME / RAR 5 main header VOLUME

    @property
    def tool(self) -> rartool.Tool | None:
        return rartool.selected()

    def entries(self) -> list[Entry]:
        return [
            Entry(name=i.filename, size=i.file_size or 0, packed=i.compress_size or 0,
                  is_dir=i.is_dir(), is_link=i.is_symlink(), encrypted=i.needs_password(),
                  stored=i.compress_type == 0x30, handle=i)
            for i in self.rar.infolist()
        ]

    def kind(self, entry: Entry) -> str:
        """The sample an entry is like: ``rar4``, ``rar5-solid``…; another unpack version or
        algorithm (RAR 2.x, RAR 7) is a kind of its own, which no sample proves."""
        import rarfile

        info = entry.handle
        major = 5 if isinstance(info, rarfile.Rar5Info) else 4
        version = (info.file_compress_flags & 0x3F) if major == 5 else info.extract_version
        kind = f"rar{major}" if version == PROVEN_VERSION[major] else f"rar{major}-v{version}"
        solid = (self.main_flags & MAIN_SOLID) or (info.flags & FILE_SOLID)
        return kind + ("-solid" if solid else "")

    def open(self, entry: Entry) -> IO[bytes]:
        info = entry.handle
        if info.file_redir is not None and info.file_redir[0] in (HARD_LINK, FILE_COPY):
            target = self.rar.getinfo(info.file_redir[2])  # the entry whose bytes these are
            return self.open(Entry(name=entry.name, size=target.file_size or 0, packed=target.compress_size or 0,
                                   stored=target.compress_type == 0x30, handle=target))
        if entry.stored or entry.is_link or info.file_redir is not None:
            return self.rar.open(info)  # rarfile reads these itself and checks the CRC
        self.tool_needed = True
        tool = self.tool
        if tool is None:
            raise Unreadable(entry.name, None, "no_tool")
        stream = ToolStream(tool, self.path, info, proven=self.kind(entry) in tool.can)
        return io.BufferedReader(stream, buffer_size=1 << 20)

    def close(self) -> None:
        self.rar.close()


class ToolStream(io.RawIOBase):
    """One compressed entry as the tool writes it, checked at its end.

    The tool's messages go to a file of their own, never into the data.  The entry's bytes are
    right when exactly its declared size came out with its CRC-32 (or BLAKE2sp), whatever the
    tool's exit code; more bytes than declared, a tool past its deadline, or a failure on a kind
    of entry the tool never proved it reads raise :class:`Unreadable`; any other miss is damage
    (``rarfile.BadRarFile``).
    """

    def __init__(self, tool: rartool.Tool, archive: Path, info: Any, proven: bool) -> None:
        import rarfile

        self.tool, self.info, self.proven = tool, info, proven
        self.size, self.got, self.finished, self.timed_out = info.file_size or 0, 0, False, False
        self.crc = 0
        self.blake = rarfile.Blake2SP() if info.CRC is None and info.blake2sp_hash else None
        self.errors = tempfile.TemporaryFile()
        self.folder = None
        if tool.style == "unar":
            held = hold()
            try:
                self.folder = tempfile.mkdtemp(prefix="kcsubmit-")
                owe(self.folder)  # removed at exit if Ctrl-C keeps _clean from it
            finally:
                release(held)
        given = rartool.alone(str(archive), self.folder) if self.folder else str(archive)
        try:
            self.proc = tool.start(given, info.filename, self.errors)
        except OSError as exc:  # gone or not executable since it was chosen
            self._clean()
            raise Unreadable(info.filename, tool.name, exc.strerror or str(exc)) from None
        self.timer = threading.Timer(SECONDS + self.size / BYTES_PER_SECOND, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        self.timed_out = True
        self.proc.kill()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.finished:
            return 0
        view = memoryview(buffer)[:max(1, min(len(buffer), self.size - self.got + 1))]
        n = cast(io.BufferedReader, self.proc.stdout).readinto(view)
        if not n:
            self._finish()
            return 0
        self.got += n
        if self.got > self.size:
            self._stop()
            raise Unreadable(self.info.filename, self.tool.name, "more bytes than the entry holds")
        if self.blake is not None:
            self.blake.update(bytes(view[:n]))
        else:
            self.crc = zlib.crc32(view[:n], self.crc)
        return n

    def _finish(self) -> None:
        import rarfile

        self.finished = True
        code = self.proc.wait()
        self.timer.cancel()
        expected = self.info.blake2sp_hash if self.blake is not None else self.info.CRC
        digest = self.blake.digest() if self.blake is not None else self.crc
        if self.got == self.size and (expected is None or digest == expected):
            return
        name = self.info.filename
        if self.timed_out:
            raise Unreadable(name, self.tool.name, f"no answer within {self.timer.interval:.0f} s")
        if self.got == self.size:
            raise rarfile.BadRarFile(f"CRC check failed ({self.tool.name} read {self.got} bytes)")
        detail = self._message() or f"exit code {code}, {self.got} of {self.size} bytes"
        if self.proven:
            raise rarfile.BadRarFile(f"{self.tool.name}: {detail}")
        raise Unreadable(name, self.tool.name, detail)

    def _message(self) -> str:
        """The tool's first line of complaint, without the tool's own name in front."""
        self.errors.seek(0)
        for line in self.errors.read(4096).decode("utf-8", "replace").splitlines():
            line = line.strip()
            if line and "Error exit delayed" not in line:
                line = line.removeprefix(f"{self.tool.name}: ").removeprefix(f"{self.info.filename}: ")
                return line[:200]
        return ""

    def _stop(self) -> None:
        self.finished = True
        self.timer.cancel()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def _clean(self) -> None:
        self.errors.close()
        if self.folder:
            remove_tree(self.folder)

    def close(self) -> None:
        if not self.closed and hasattr(self, "timer"):  # (not when __init__ failed part way)
            self._stop()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self._clean()
        super().close()

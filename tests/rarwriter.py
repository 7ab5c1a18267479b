"""Write small RAR archives with STORED (uncompressed) entries, for tests.

No free RAR writer exists, so this module builds the bytes from the published
format descriptions; every field below follows one of them:

* RAR 4.x (format "RAR 2.9"/"RAR 1.5" family): RARLAB's ``technote.txt``
  shipped with RAR 3.x/4.x ("RAR version 4.x - Technical information") and
  the unrar sources (``headers.hpp``, ``arcread.cpp`` ``ReadHeader15``).
  Blocks are ``HEAD_CRC u16, HEAD_TYPE u8, HEAD_FLAGS u16, HEAD_SIZE u16``
  followed by the type-specific fields; ``HEAD_CRC`` is the low 16 bits of
  the CRC32 of the header from ``HEAD_TYPE`` on.  Unicode names use the
  technote's "ascii NUL encoded-unicode" layout (flag ``LHD_UNICODE``
  0x200), decoded by unrar's ``DecodeFileName``.
* RAR 5.0: RARLAB's "RAR 5.0 archive format" (https://www.rarlab.com/technote.htm).
  Blocks are ``CRC32 u32, header size vint, type vint, flags vint, ...``;
  the CRC32 covers everything from the header size field on.

All entries use the Unix host OS so that Unix modes (regular file, directory,
symlink) are meaningful.  Limits: entries below 4 GiB, no compression, no real
encryption (the ``encrypted`` option sets the flags/records only), no
multi-volume splitting (``volume`` only marks the archive as part of a set).
"""

from __future__ import annotations

import os
import struct
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

RAR4_SIGNATURE = b"Rar!\x1a\x07\x00"
RAR5_SIGNATURE = b"Rar!\x1a\x07\x01\x00"

_FILE, _DIR, _LINK = "file", "dir", "link"
_MODES = {_FILE: 0o100644, _DIR: 0o040755, _LINK: 0o120777}
# Fixed bytes standing in for the salt / IV of "encrypted" entries.
_SALT = bytes(range(16))

# RAR 4.x technote: block types and flags.
_R4_MAIN, _R4_FILE, _R4_ENDARC = 0x73, 0x74, 0x7B
_R4_LONG_BLOCK = 0x8000          # ADD_SIZE (here PACK_SIZE) present
_R4_SKIP_IF_UNKNOWN = 0x4000
_R4_MHD_VOLUME, _R4_MHD_NEWNUMBERING, _R4_MHD_FIRSTVOLUME = 0x0001, 0x0010, 0x0100
_R4_LHD_PASSWORD, _R4_LHD_DIRECTORY = 0x0004, 0x00E0
_R4_LHD_UNICODE, _R4_LHD_SALT, _R4_LHD_EXTTIME = 0x0200, 0x0400, 0x1000
_R4_EARC_VOLNUMBER = 0x0008
_R4_HOST_UNIX, _R4_METHOD_STORE = 3, 0x30

# RAR 5.0 format description: header types, flags and extra record types.
_R5_MAIN, _R5_FILE, _R5_ENDARC = 1, 2, 5
_R5_HFL_EXTRA, _R5_HFL_DATA, _R5_HFL_SKIP_IF_UNKNOWN = 0x0001, 0x0002, 0x0004
_R5_MHFL_VOLUME, _R5_MHFL_VOLNUMBER = 0x0001, 0x0002
_R5_FHFL_DIRECTORY, _R5_FHFL_UTIME, _R5_FHFL_CRC32 = 0x0001, 0x0002, 0x0004
_R5_FHEXTRA_CRYPT, _R5_FHEXTRA_REDIR = 0x01, 0x05
_R5_REDIR_UNIX_SYMLINK = 0x0001
_R5_HOST_UNIX = 1


def _crc32(data: bytes) -> int:
    return zlib.crc32(data) & 0xFFFFFFFF


# ---------------------------------------------------------------- RAR 4.x


def _dos_time(mtime: int) -> int:
    """MS-DOS date/time (local time, 2-second resolution) as in ``FTIME``."""
    t = time.localtime(mtime)
    year = min(max(t.tm_year, 1980), 2107)
    return ((year - 1980) << 25 | t.tm_mon << 21 | t.tm_mday << 16
            | t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2)


def _rar4_name(name: str) -> tuple[bytes, int]:
    """``FILE_NAME`` bytes and extra flags; "\\" is the RAR 4 path separator.

    A non-ASCII name is stored as ``ascii NUL encoded`` where ``encoded`` is
    the high byte (unused here) followed by groups of one flag byte and four
    UTF-16 units, each with opcode 2 ("low byte, high byte follow").
    """
    name = name.replace("/", "\\")
    if name.isascii():
        return name.encode("ascii"), 0
    units = name.encode("utf-16-le")
    encoded = bytearray(b"\0")
    for i in range(0, len(units), 8):
        encoded.append(0xAA)
        encoded += units[i:i + 8]
    return name.encode("ascii", "replace") + b"\0" + bytes(encoded), _R4_LHD_UNICODE


def _rar4_block(head_type: int, flags: int, fields: bytes) -> bytes:
    """One RAR 4.x block header: ``HEAD_CRC`` covers ``HEAD_TYPE`` onwards."""
    head = struct.pack("<BHH", head_type, flags, 7 + len(fields)) + fields
    return struct.pack("<H", _crc32(head) & 0xFFFF) + head


def _rar4_entry(name: str, data: bytes, kind: str, encrypted: bool, mtime: int) -> bytes:
    raw_name, flags = _rar4_name(name)
    flags |= _R4_LONG_BLOCK | _R4_LHD_EXTTIME | (_R4_LHD_DIRECTORY if kind == _DIR else 0)
    unp_ver, salt = 20, b""
    if encrypted:
        flags |= _R4_LHD_PASSWORD | _R4_LHD_SALT
        unp_ver, salt = 29, _SALT[:8]  # AES encryption needs version 2.9
    if len(data) >= 1 << 32 or len(raw_name) >= 1 << 16:
        raise ValueError(f"entry too large for this writer: {name!r}")
    # PACK_SIZE UNP_SIZE HOST_OS FILE_CRC FTIME UNP_VER METHOD NAME_SIZE ATTR
    fields = struct.pack("<IIBIIBBHI", len(data), len(data), _R4_HOST_UNIX, _crc32(data),
                         _dos_time(mtime), unp_ver, _R4_METHOD_STORE, len(raw_name),
                         _MODES[kind])
    # EXT_TIME: u16 flags, mtime nibble 0x8 "present" (+0x4 "odd second"), no
    # extra precision bytes; the mtime itself is FTIME.
    ext_time = struct.pack("<H", 0x8000 | (0x4000 if time.localtime(mtime).tm_sec % 2 else 0))
    return _rar4_block(_R4_FILE, flags, fields + raw_name + salt + ext_time)


def _rar4(entries: list[tuple[str, bytes, str]], encrypted: bool, volume: int | None,
          mtime: int) -> list[bytes]:
    main_flags, end_flags, end_fields = 0, _R4_SKIP_IF_UNKNOWN, b""
    if volume is not None:
        main_flags = _R4_MHD_VOLUME | _R4_MHD_NEWNUMBERING
        main_flags |= _R4_MHD_FIRSTVOLUME if volume == 1 else 0
        end_flags |= _R4_EARC_VOLNUMBER
        end_fields = struct.pack("<H", volume - 1)  # 0-based volume number
    # MAIN_HEAD: RESERVED1 u16 (HighPosAV), RESERVED2 u32 (PosAV).
    chunks = [RAR4_SIGNATURE, _rar4_block(_R4_MAIN, main_flags, bytes(6))]
    for name, data, kind in entries:
        chunks += [_rar4_entry(name, data, kind, encrypted and kind == _FILE, mtime), data]
    chunks.append(_rar4_block(_R4_ENDARC, end_flags, end_fields))
    return chunks


# ---------------------------------------------------------------- RAR 5.0


def _vint(value: int) -> bytes:
    """RAR 5 variable-length integer: 7 bits per byte, 0x80 = more bytes follow."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _rar5_block(head_type: int, flags: int, fields: bytes, extra: bytes = b"",
                data_size: int | None = None) -> bytes:
    """One RAR 5 header: CRC32, header size, type, flags, [extra size], [data size]."""
    if extra:
        flags |= _R5_HFL_EXTRA
    if data_size is not None:
        flags |= _R5_HFL_DATA
    body = _vint(head_type) + _vint(flags)
    body += _vint(len(extra)) if extra else b""
    body += _vint(data_size) if data_size is not None else b""
    body += fields + extra
    head = _vint(len(body)) + body
    return struct.pack("<I", _crc32(head)) + head


def _rar5_record(record_type: int, payload: bytes) -> bytes:
    """Extra area record: size (of type + payload), type, payload."""
    body = _vint(record_type) + payload
    return _vint(len(body)) + body


def _rar5_entry(name: str, data: bytes, kind: str, encrypted: bool, mtime: int) -> bytes:
    raw_name = name.encode("utf-8")
    file_flags = _R5_FHFL_UTIME | (_R5_FHFL_DIRECTORY if kind == _DIR else 0)
    extra = b""
    if kind == _LINK:
        # File system redirection record: type, flags, name length, target.
        extra += _rar5_record(_R5_FHEXTRA_REDIR, _vint(_R5_REDIR_UNIX_SYMLINK) + _vint(0)
                              + _vint(len(data)) + data)
        data = b""
    if encrypted:
        # File encryption record: version 0 (AES-256), flags 0 (no password
        # check value, plain checksums), log2 KDF count, salt[16], IV[16].
        extra += _rar5_record(_R5_FHEXTRA_CRYPT, _vint(0) + _vint(0) + bytes([15]) + _SALT * 2)
    crc = b""
    if kind == _FILE:
        file_flags |= _R5_FHFL_CRC32
        crc = struct.pack("<I", _crc32(data))
    # File flags, unpacked size, attributes, mtime u32, CRC32 u32, compression
    # info (version 0, method 0 = store), host OS, name length, name.
    fields = (_vint(file_flags) + _vint(len(data)) + _vint(_MODES[kind])
              + struct.pack("<I", mtime & 0xFFFFFFFF) + crc + _vint(0)
              + _vint(_R5_HOST_UNIX) + _vint(len(raw_name)) + raw_name)
    return _rar5_block(_R5_FILE, 0, fields, extra, len(data))


def _rar5(entries: list[tuple[str, bytes, str]], encrypted: bool, volume: int | None,
          mtime: int) -> list[bytes]:
    archive_flags, volnr = 0, b""
    if volume is not None:
        archive_flags = _R5_MHFL_VOLUME
        if volume > 1:  # "not present for the first volume, 1 for the second"
            archive_flags |= _R5_MHFL_VOLNUMBER
            volnr = _vint(volume - 1)
    chunks = [RAR5_SIGNATURE, _rar5_block(_R5_MAIN, 0, _vint(archive_flags) + volnr)]
    for name, data, kind in entries:
        chunks.append(_rar5_entry(name, data, kind, encrypted and kind == _FILE, mtime))
        if kind != _LINK:
            chunks.append(data)
    # End of archive: flags 0 = last volume.
    chunks.append(_rar5_block(_R5_ENDARC, _R5_HFL_SKIP_IF_UNKNOWN, _vint(0)))
    return chunks


# ---------------------------------------------------------------- public API


def write_rar(path: str | os.PathLike[str], entries: Sequence[tuple[str, bytes]], *,
              version: int = 5, encrypted: bool = False, volume: int | None = None,
              directories: Sequence[str] = (), symlinks: Sequence[tuple[str, str]] = (),
              mtime: int = 1_700_000_000) -> Path:
    """Write a RAR archive of STORED entries to ``path`` (atomically) and return it.

    ``entries`` are ``(name, data)`` regular files; names use "/" and may be any
    Unicode.  ``version`` is 4 (RAR 2.9/4.x format) or 5.  ``encrypted`` marks
    the regular files as password-protected (RAR4 ``LHD_PASSWORD`` + salt,
    RAR5 file encryption record) while leaving their data stored in clear.
    ``volume`` marks the archive as volume N (1-based) of a multi-volume set in
    the archive header (RAR4: ``MHD_VOLUME | MHD_NEWNUMBERING``, plus
    ``MHD_FIRSTVOLUME`` when N == 1, and the volume number in the end block;
    RAR5: volume flag plus volume number when N > 1); the data is still
    complete and the end block says "last volume".  ``directories`` adds
    directory entries, ``symlinks`` ``(name, target)`` Unix symlinks (RAR4:
    mode 0o120777 with the target as data; RAR5: redirection record).
    ``mtime`` (Unix seconds) is stamped on every entry.
    """
    if version not in (4, 5):
        raise ValueError(f"version must be 4 or 5, not {version!r}")
    if volume is not None and volume < 1:
        raise ValueError("volume is 1-based")
    items = [(d.rstrip("/"), b"", _DIR) for d in directories]
    items += [(name, data, _FILE) for name, data in entries]
    items += [(name, target.encode("utf-8"), _LINK) for name, target in symlinks]
    build = _rar4 if version == 4 else _rar5
    chunks = build(items, encrypted, volume, mtime)

    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.writelines(chunks)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise
    return target

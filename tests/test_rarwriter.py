"""The test-only RAR writer (tests/rarwriter.py) checked against real readers.

Readers: rarfile (listing, flags, and its direct reader for STORED data, which
needs no external tool), bsdtar (libarchive) and, when installed, unar.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import rarfile

from rarwriter import RAR4_SIGNATURE, RAR5_SIGNATURE, write_rar

VERSIONS = pytest.mark.parametrize("version", [4, 5])

MTIME = 1_700_000_001  # odd second: exercises the RAR4 "+1 s" extended-time bit
ENTRIES = [
    ("人工智能.mp4", bytes(range(256)) * 40),
    ("作品/案例 说明.docx", b"PK\x03\x04 not really a docx"),
    ("empty.txt", b""),
]
DIRECTORIES = ["作品", "空目录"]
SYMLINKS = [("快捷方式.mp4", "人工智能.mp4")]
# End-of-archive blocks as written by RAR itself: they pin the header CRC rules.
END_BLOCK = {4: bytes.fromhex("c43d7b00400700"), 5: bytes.fromhex("1d77565103050400")}
# bsdtar converts entry names to the locale's charset and skips names it cannot
# convert (RAR4 Unicode names under LC_ALL=C), so run it in a UTF-8 locale.
UTF8_ENV = {**os.environ, "LC_ALL": "C.UTF-8"}


def _full_archive(tmp_path: Path, version: int) -> Path:
    return write_rar(tmp_path / f"full{version}.rar", ENTRIES, version=version,
                     directories=DIRECTORIES, symlinks=SYMLINKS, mtime=MTIME)


def _headers(path: Path, **options: Any) -> tuple[rarfile.RarFile, list[rarfile.RarInfo]]:
    """Open with rarfile, also collecting every block header (main, file, end)."""
    seen: list[rarfile.RarInfo] = []
    rf = rarfile.RarFile(path, info_callback=seen.append, **options)
    return rf, seen


def _main_header(seen: list[rarfile.RarInfo]) -> rarfile.RarInfo:
    return next(h for h in seen if h.type == rarfile.RAR_BLOCK_MAIN)


def _no_tool(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("rarfile tried to use an external extractor")


def _finishes(func: Callable[[], None], seconds: float = 10.0) -> None:
    """Run func in a daemon thread and fail (instead of hanging) if it does not return."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            func()
        except BaseException as exc:  # re-raised in the test thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if errors:
        raise errors[0]


@VERSIONS
def test_signature_and_end_block(tmp_path: Path, version: int) -> None:
    path = _full_archive(tmp_path, version)
    raw = path.read_bytes()
    assert raw.startswith(RAR5_SIGNATURE if version == 5 else RAR4_SIGNATURE)
    assert raw.endswith(END_BLOCK[version])
    # rarfile calls the RAR 2.9/4.x format "RAR_V3".
    assert rarfile.get_rar_version(str(path)) == (rarfile.RAR_V5 if version == 5 else rarfile.RAR_V3)


@VERSIONS
def test_rarfile_lists_exactly_what_was_written(tmp_path: Path, version: int) -> None:
    path = _full_archive(tmp_path, version)
    rf = rarfile.RarFile(path, errors="strict")
    infos = {info.filename: info for info in rf.infolist()}
    assert list(infos) == ["作品/", "空目录/", "人工智能.mp4", "作品/案例 说明.docx",
                           "empty.txt", "快捷方式.mp4"]
    for name, data in ENTRIES:
        info = infos[name]
        assert info.is_file() and not info.is_dir() and not info.is_symlink()
        assert (info.file_size, info.compress_size) == (len(data), len(data))
        assert info.CRC == zlib.crc32(data)
        assert info.compress_type == rarfile.RAR_M0
        assert info.host_os == rarfile.RAR_OS_UNIX and info.mode == 0o100644
        assert not info.needs_password() and info.volume == 0
        # RAR4 stores DOS local time (naive datetime), RAR5 Unix time (UTC).
        assert info.mtime.timestamp() == MTIME
    for name in ("作品/", "空目录/"):
        assert infos[name].is_dir() and infos[name].file_size == 0
    assert infos["快捷方式.mp4"].is_symlink()
    assert rf.getinfo("作品").is_dir()
    assert not rf.needs_password() and not rf.is_solid()
    assert rf.volumelist() == [str(path)] and rf.strerror() is None


@VERSIONS
def test_rarfile_reads_stored_data_without_external_tool(
        tmp_path: Path, version: int, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _full_archive(tmp_path, version)
    monkeypatch.setattr(rarfile, "tool_setup", _no_tool)
    rf = rarfile.RarFile(path, errors="strict")
    for name, data in ENTRIES:
        assert rf.read(name) == data
        with rf.open(name) as stream:
            assert isinstance(stream, rarfile.DirectReader)
    assert rf.read("快捷方式.mp4") == "人工智能.mp4".encode()  # the link target
    rf.testrar()


@VERSIONS
def test_bsdtar_extracts_the_same_bytes(tmp_path: Path, version: int) -> None:
    if shutil.which("bsdtar") is None:
        pytest.skip("bsdtar not installed (apt-get install libarchive-tools)")
    path = _full_archive(tmp_path, version)
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(["bsdtar", "-xf", str(path), "-C", str(out)], env=UTF8_ENV,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for name, data in ENTRIES:
        assert (out / name).read_bytes() == data
        assert (out / name).stat().st_mtime == MTIME
    assert all((out / name).is_dir() for name in DIRECTORIES)
    assert os.readlink(out / "快捷方式.mp4") == "人工智能.mp4"
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == sorted(
        [name for name, _ in ENTRIES] + DIRECTORIES + [name for name, _ in SYMLINKS])


@VERSIONS
def test_unar_extracts_the_same_bytes(tmp_path: Path, version: int) -> None:
    if shutil.which("unar") is None:
        pytest.skip("unar not installed (optional second opinion)")
    # Alone in its directory: unar guesses other volumes from sibling file names.
    (tmp_path / "in").mkdir()
    path = write_rar(tmp_path / "in" / "archive.rar", ENTRIES, version=version,
                     directories=DIRECTORIES, symlinks=SYMLINKS, mtime=MTIME)
    out = tmp_path / "out"
    done = subprocess.run(["unar", "-q", "-D", "-o", str(out), str(path)], env=UTF8_ENV,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    for name, data in ENTRIES:
        assert (out / name).read_bytes() == data
    assert all((out / name).is_dir() for name in DIRECTORIES)
    assert os.readlink(out / "快捷方式.mp4") == "人工智能.mp4"


@VERSIONS
def test_truncated_archive_is_reported_damaged(tmp_path: Path, version: int) -> None:
    """Cut inside headers and inside data: strict parsing or the CRC test raises."""
    raw = write_rar(tmp_path / "good.rar", [("一.txt", b"1" * 1000), ("二.txt", b"2" * 1000)],
                    version=version).read_bytes()
    end = len(END_BLOCK[version])
    cuts = [3, 10, 30, 100, len(raw) // 2, len(raw) - end - 500, len(raw) - end - 1]
    for cut in cuts:
        path = tmp_path / f"cut{cut}.rar"
        path.write_bytes(raw[:cut])

        def check(path: Path = path) -> None:
            with pytest.raises(rarfile.Error):  # BadRarFile / NotRarFile
                rarfile.RarFile(path, errors="strict").testrar()

        _finishes(check)


@VERSIONS
def test_missing_end_block_is_visible_through_info_callback(tmp_path: Path, version: int) -> None:
    """A cut right before the end block: RAR5 strict parsing raises, RAR4 does not.

    For RAR4 rarfile (and bsdtar) accept the archive; only the absence of the
    end-of-archive block (seen through ``info_callback``) reveals the damage.
    """
    raw = write_rar(tmp_path / "good.rar", ENTRIES, version=version).read_bytes()
    path = tmp_path / "noend.rar"
    path.write_bytes(raw[:-len(END_BLOCK[version])])
    if version == 5:
        with pytest.raises(rarfile.BadRarFile):
            rarfile.RarFile(path, errors="strict")
    rf, seen = _headers(path)
    assert [h.type for h in seen].count(rarfile.RAR_BLOCK_ENDARC) == 0
    assert len(rf.infolist()) == len(ENTRIES)
    _, seen = _headers(tmp_path / "good.rar")
    assert seen[-1].type == rarfile.RAR_BLOCK_ENDARC


@VERSIONS
def test_encrypted_flag_reports_needs_password(tmp_path: Path, version: int) -> None:
    path = write_rar(tmp_path / "enc.rar", ENTRIES, version=version, encrypted=True,
                     directories=["作品"])
    rf = rarfile.RarFile(path, errors="strict")
    assert rf.needs_password()
    files = [info for info in rf.infolist() if not info.is_dir()]
    assert [info.filename for info in files] == [name for name, _ in ENTRIES]
    assert all(info.needs_password() for info in files)
    assert not rf.getinfo("作品").needs_password()
    if version == 4:
        assert all(info.flags & rarfile.RAR_FILE_PASSWORD for info in files)
    else:
        assert all(info.file_encryption[0] == rarfile.RAR5_XENC_CIPHER_AES256 for info in files)
    with pytest.raises(rarfile.PasswordRequired):
        rf.read("人工智能.mp4")


@VERSIONS
def test_volume_flags(tmp_path: Path, version: int) -> None:
    plain_rf, seen = _headers(write_rar(tmp_path / "plain.rar", ENTRIES, version=version))
    assert not _main_header(seen).flags & rarfile.RAR_MAIN_VOLUME

    # First volume: opens normally; the main header carries VOLUME | FIRSTVOLUME.
    first = write_rar(tmp_path / "set.part1.rar", ENTRIES, version=version, volume=1)
    rf, seen = _headers(first, errors="strict")
    main = _main_header(seen)
    assert main.flags & rarfile.RAR_MAIN_VOLUME and main.flags & rarfile.RAR_MAIN_FIRSTVOLUME
    assert rf.volumelist() == [str(first)]
    assert rf.read("人工智能.mp4") == ENTRIES[0][1]

    # Later volume: rarfile refuses to start there, unless part_only=True.
    second = write_rar(tmp_path / "set.part2.rar", ENTRIES, version=version, volume=2)
    with pytest.raises(rarfile.NeedFirstVolume) as caught:
        rarfile.RarFile(second)
    assert caught.value.current_volume == 1  # 0-based
    rf, seen = _headers(second, part_only=True)
    main = _main_header(seen)
    assert main.flags & rarfile.RAR_MAIN_VOLUME and not main.flags & rarfile.RAR_MAIN_FIRSTVOLUME
    if version == 5:
        assert main.main_volume_number == 1
    else:
        assert seen[-1].endarc_volnr == 1
    assert rf.namelist() == [name for name, _ in ENTRIES]

    if shutil.which("bsdtar"):
        for path in (first, second):
            done = subprocess.run(["bsdtar", "-tf", str(path)], env=UTF8_ENV,
                                  capture_output=True, text=True, timeout=60)
            assert done.returncode == 0, done.stderr
            assert done.stdout.splitlines() == [name for name, _ in ENTRIES]


@VERSIONS
def test_symlink_entries(tmp_path: Path, version: int) -> None:
    path = write_rar(tmp_path / "links.rar", [], version=version,
                     symlinks=[("链接", "作品/说明.docx"), ("up", "../../etc/passwd")])
    rf = rarfile.RarFile(path, errors="strict")
    infos = rf.infolist()
    assert [info.filename for info in infos] == ["链接", "up"]
    assert all(info.is_symlink() and not info.is_file() and not info.is_dir() for info in infos)
    if version == 5:
        assert infos[0].file_redir == (rarfile.RAR5_XREDIR_UNIX_SYMLINK, 0, "作品/说明.docx")
    else:
        assert infos[0].file_redir is None
        assert infos[0].host_os == rarfile.RAR_OS_UNIX and infos[0].mode == 0o120777
    assert rf.read("up") == b"../../etc/passwd"


@VERSIONS
def test_large_entry_is_fast(tmp_path: Path, version: int) -> None:
    data = os.urandom(10 * 1024 * 1024)
    start = time.perf_counter()
    path = write_rar(tmp_path / "big.rar", [("大文件.bin", data)], version=version)
    assert rarfile.RarFile(path, errors="strict").read("大文件.bin") == data
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"10 MB round trip took {elapsed:.2f} s"


def test_rar5_mtime_is_utc(tmp_path: Path) -> None:
    path = write_rar(tmp_path / "t.rar", [("a", b"")], mtime=MTIME)
    info = rarfile.RarFile(path).infolist()[0]
    assert info.mtime == datetime.fromtimestamp(MTIME, timezone.utc)


def test_write_is_atomic_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "a.rar"
    path.write_bytes(b"old")
    assert write_rar(str(path), [("x", b"1")], version=4) == path
    assert rarfile.RarFile(path).read("x") == b"1"
    assert [p.name for p in tmp_path.iterdir()] == ["a.rar"]  # no temp file left behind
    with pytest.raises(ValueError):
        write_rar(path, [], version=3)
    with pytest.raises(ValueError):
        write_rar(path, [], volume=0)
    assert rarfile.RarFile(path).namelist() == ["x"]

"""Real archives as teachers and reviewers have them (issue 12 items 1–4, issue 14 item 6).

* RAR: the extraction tool is chosen by trying it, not by finding it (Debian's 7zz has no RAR
  codec); what no tool here can read is A013 (not verified), never A008; encrypted headers are A003.
* A split zip's last volume (the ``.zip`` of ``.z01``…) is A010.
* A local zip entry the central directory leaves out is seen, and judged like any other.

RAR archives made by WinRAR come from rarfile's test suite (``tests/data/rar``, ISC); zips are made
here with the ``zip`` tool or zipfile and edited at the byte level (``fixtures/archivegen.py``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kcsubmit import profile as profile_mod
from kcsubmit.engine import check
from kcsubmit.i18n import finding_message, finding_next
from kcsubmit.models import FileResult
from kcsubmit.probes import rartool, zipwalk

import archivegen as ag
from conftest import profile_text

DATA = Path(__file__).parent / "data" / "rar"
PROFILE = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5), source="<test>")
STEST = b"".join(b"%03d\n" % i for i in range(512))  # what every stest*.txt of tests/data/rar holds
BSDTAR, SEVEN_ZZ, ZIP = shutil.which("bsdtar"), shutil.which("7zz"), shutil.which("zip")
needs_bsdtar = pytest.mark.skipif(BSDTAR is None, reason="no bsdtar: apt-get install libarchive-tools")
needs_zip = pytest.mark.skipif(ZIP is None, reason="no zip tool: apt-get install zip")


@pytest.fixture
def rar_tools(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """rar_tools("7zz,bsdtar"): the RAR tools this process may try, in that order ("" for none)."""

    def use(spec: str) -> None:
        monkeypatch.setenv(rartool.ENV, spec)
        rartool.selected.cache_clear()

    yield use
    rartool.selected.cache_clear()


def archive(path: Path) -> FileResult:
    report = check([path], rules=PROFILE)
    assert report.files[0].kind == "archive", report.files[0]
    return report.files[0]


def rules_of(result: FileResult) -> set[str]:
    return {f.rule for f in result.findings}


def copy(tmp_path: Path, name: str, as_name: str | None = None) -> Path:
    target = tmp_path / (as_name or name)
    shutil.copyfile(DATA / name, target)
    return target


def cli(args: list[str], tools: str | None, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "TMPDIR": str(tmp_path)}
    env.pop(rartool.ENV, None)
    if tools is not None:
        env[rartool.ENV] = tools
    return subprocess.run([sys.executable, "-m", "kcsubmit", *args], capture_output=True, text=True,
                          encoding="utf-8", env=env, stdin=subprocess.DEVNULL, timeout=120)


# ───────────────────────── choosing the RAR tool ─────────────────────────


@pytest.mark.skipif(SEVEN_ZZ is None or BSDTAR is None, reason="needs 7zz (Debian 7zip) and bsdtar")
def test_7zz_without_rar_codec_is_found_but_not_chosen() -> None:
    found = rartool.candidates("7zz,bsdtar")
    assert [(name, style) for name, _, style in found] == [("7zz", "7z"), ("bsdtar", "bsdtar")]
    if rartool.reads("7z", SEVEN_ZZ, "rar4"):
        pytest.skip("this 7zz has a RAR codec (7zip-rar): the case needs one without")
    assert not rartool.reads("7z", SEVEN_ZZ, "rar5")
    tool = rartool.choose(found)
    assert tool is not None and (tool.name, tool.path) == ("bsdtar", BSDTAR)
    # libarchive reads RAR 5 solid archives but not RAR 4 solid ones.
    assert tool.can == {"rar4", "rar5", "rar5-solid"}


@needs_bsdtar
@pytest.mark.parametrize("name", ["seektest.rar", "rar5-crc.rar", "rar5-blake.rar", "rar5-solid.rar",
                                  "rar5-hlink.rar"])
def test_intact_compressed_rar_verifies_with_7zz_installed(rar_tools, name: str, tmp_path: Path) -> None:
    """The bug: rarfile took 7zz (found first) and every compressed entry 'failed': A008."""
    rar_tools("7zz,bsdtar")
    result = archive(copy(tmp_path, name))
    assert rules_of(result) == set()
    assert (result.facts["rar_tool"], result.facts["rar_tool_path"]) == ("bsdtar", BSDTAR)


@pytest.mark.skipif(shutil.which("unar") is None, reason="unar not installed (optional: apt-get install unar)")
@pytest.mark.parametrize("name", ["seektest.rar", "rar5-crc.rar", "rar5-blake.rar", "rar3-solid.rar",
                                  "rar5-solid.rar", "rar5-hlink.rar"])
def test_unar_reads_solid_rar4_too(rar_tools, name: str) -> None:
    """Read where they lie, beside look-alike names (rar5.rar, rar5-solid.rar) that unar would
    take for more volumes of the same archive if it were not given the archive alone."""
    rar_tools("7zz,unar,bsdtar")
    tool = rartool.selected()
    assert tool is not None and tool.name == "unar" and len(tool.can) == len(rartool.SAMPLES)
    result = archive(DATA / name)
    assert rules_of(result) == set() and result.facts["rar_tool"] == "unar"


@needs_bsdtar
def test_verbose_names_the_tool(tmp_path: Path) -> None:
    path = copy(tmp_path, "seektest.rar")
    done = cli(["check", "--verbose", "--lang", "en", str(path)], "7zz,bsdtar", tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"RARtool:bsdtar({BSDTAR})" in "".join(done.stdout.split())


def test_windows_install_folders_are_candidates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On Windows, WinRAR's UnRAR.exe and 7-Zip's 7z.exe are found where their installers put them."""
    for folder, exe in (("WinRAR", "UnRAR.exe"), ("7-Zip", "7z.exe")):
        (tmp_path / "Program Files" / folder).mkdir(parents=True)
        (tmp_path / "Program Files" / folder / exe).write_bytes(b"")
    monkeypatch.setattr(rartool, "sys", type("WindowsSys", (), {"platform": "win32"}))
    monkeypatch.setenv("ProgramFiles", str(tmp_path / "Program Files"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    found = rartool.candidates()
    assert [(name, style) for name, _, style in found] == [("unrar", "unrar"), ("7z", "7z")]
    assert found[0][1] == str(tmp_path / "Program Files" / "WinRAR" / "UnRAR.exe")
    assert rartool.choose(found) is None  # found is not enough: they must read the samples


def test_samples_are_in_the_package() -> None:
    from importlib import resources

    folder = resources.files("kcsubmit.probes").joinpath("rarsamples")
    sizes = {name: len(folder.joinpath(file).read_bytes()) for name, (file, _) in rartool.SAMPLES.items()}
    assert all(100 < size < 300 for size in sizes.values()), sizes


# ───────────────────────── A013: not verified is not damaged ─────────────────────────


def test_no_tool_at_all_is_a013_and_stored_entries_are_still_verified(rar_tools, tmp_path: Path) -> None:
    rar_tools("")
    result = archive(copy(tmp_path, "seektest.rar"))
    (finding,) = result.findings
    assert (finding.rule, finding.severity.value, finding.variant) == ("A013", "info", "no_tool")
    assert result.facts["unverified"] == ["stest1.txt"]  # stest2.txt is stored: read and checked
    assert result.facts["rar_tool"] is None
    assert "sudo apt-get install unar" in finding_next(finding, "en")
    assert "没有能解压 RAR 的程序" in finding_message(finding, "zh")


@needs_bsdtar
def test_solid_rar4_that_bsdtar_cannot_read_is_a013_not_a008(rar_tools, tmp_path: Path) -> None:
    rar_tools("bsdtar")
    result = archive(copy(tmp_path, "rar3-solid.rar"))
    (finding,) = result.findings
    assert (finding.rule, finding.variant) == ("A013", None)
    assert result.facts["unverified"] == ["stest2.txt"]  # the first entry came out right
    assert result.facts["unverified_tool"] == "bsdtar"
    assert "solid" in result.facts["unverified_detail"]
    assert "bsdtar" in finding_message(finding, "en") and "unar" in finding_next(finding, "en")


@needs_bsdtar
def test_rar15_entry_no_sample_proves_is_a013(rar_tools, tmp_path: Path) -> None:
    """bsdtar fails on a RAR 1.5 entry: a kind it never showed it reads, so not damage."""
    rar_tools("bsdtar")
    assert rules_of(archive(copy(tmp_path, "rar15-comment.rar"))) == {"A013"}


def test_hard_links_to_a_compressed_entry_are_a013_without_a_tool(rar_tools, tmp_path: Path) -> None:
    """rarfile would open a hard link's target with the first tool it finds (7zz): never here."""
    rar_tools("")
    result = archive(copy(tmp_path, "rar5-hlink.rar"))
    assert rules_of(result) == {"A013"}
    assert result.facts["unverified"] == ["stest1.txt", "stest2.txt", "stest3.txt"]


def test_rar2_without_end_block_is_intact(rar_tools, tmp_path: Path) -> None:
    """RAR before 2.9 wrote no end-of-archive block: its absence is not truncation there."""
    rar_tools("")
    assert rules_of(archive(copy(tmp_path, "rar202-comment-nopsw.rar"))) == set()


def test_unverified_contents_are_not_counted_for_a011(rar_tools, tmp_path: Path) -> None:
    rar_tools("")
    assert rules_of(archive(copy(tmp_path, "seektest.rar", "人工智能.rar"))) == {"A013"}


def _flip(path: Path, offset: int) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


@needs_bsdtar
def test_damaged_compressed_entry_is_still_a008(rar_tools, tmp_path: Path) -> None:
    """bsdtar proved it reads compressed RAR 4: its failure on one shows the bytes are wrong."""
    rar_tools("bsdtar")
    path = _flip(copy(tmp_path, "seektest.rar"), 64 + 45)  # inside stest1.txt's 90 packed bytes
    result = archive(path)
    assert rules_of(result) == {"A008"}
    assert result.facts["damaged"].startswith("stest1.txt: ")


@pytest.mark.parametrize("tools", ["", "bsdtar"])
def test_damaged_stored_entry_is_a008_whatever_the_tools(rar_tools, tools: str, tmp_path: Path) -> None:
    if tools and BSDTAR is None:
        pytest.skip("no bsdtar")
    rar_tools(tools)
    path = _flip(copy(tmp_path, "seektest.rar"), 154 + 44 + 1000)  # inside stored stest2.txt
    result = archive(path)
    assert "A008" in rules_of(result) and "stest2.txt" in result.facts["damaged"]


@needs_bsdtar
def test_cli_with_only_7zz_says_a013_and_exits_0(tmp_path: Path) -> None:
    """The reviewer's machine of the issue: only Debian's 7zz. Intact is never called damaged."""
    if SEVEN_ZZ is None:
        pytest.skip("no 7zz")
    path = copy(tmp_path, "rar5-crc.rar")
    done = cli(["check", "-f", "json", str(path)], "7zz", tmp_path)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    import json

    outer = json.loads(done.stdout)["files"][0]
    assert [f["rule"] for f in outer["findings"]] == ["A013"]
    with_bsdtar = json.loads(cli(["check", "-f", "json", str(path)], "7zz,bsdtar", tmp_path).stdout)
    assert with_bsdtar["files"][0]["findings"] == []


# ───────────────────────── encrypted headers, split zips ─────────────────────────


@pytest.mark.parametrize("name", ["rar5-hpsw.rar", "rar3-comment-hpsw.rar"])
def test_encrypted_headers_are_a003(name: str, tmp_path: Path) -> None:
    result = archive(copy(tmp_path, name))
    (finding,) = result.findings
    assert (finding.rule, finding.variant) == ("A003", "all")
    assert result.facts["headers_encrypted"] is True


@pytest.fixture(scope="module")
def split_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``zip -s 64k`` of 200 KB that does not compress: 作品.z01, 作品.z02, 作品.zip."""
    if ZIP is None:
        pytest.skip("no zip tool")
    folder = tmp_path_factory.mktemp("split")
    (folder / "人工智能.mp4").write_bytes(os.urandom(200_000))
    subprocess.run([ZIP, "-q", "-s", "64k", "作品.zip", "人工智能.mp4"], cwd=folder, check=True, timeout=60)
    return folder


@needs_zip
def test_every_volume_of_a_split_zip_is_a010(split_zip: Path) -> None:
    volumes = sorted(p for p in split_zip.iterdir() if p.stem == "作品")
    assert [p.suffix for p in volumes] == [".z01", ".z02", ".z03", ".zip"]
    # (.z02 and .z03 start inside the data: discover takes them for unknown files, not archives.)
    for path in (volumes[0], volumes[-1]):
        result = archive(path)
        assert rules_of(result) == {"A010"}, path.name
        assert result.facts["format"] == "zip"
    # The last volume starts inside the video's data: known only by its end record.
    assert not volumes[-1].read_bytes().startswith(b"PK")
    assert archive(volumes[-1]).facts["volume"] == "作品.zip (disk 4)"


@needs_zip
def test_a_zip_made_in_one_piece_by_zip_s_is_not_a010(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"small\n" * 10)
    subprocess.run([ZIP, "-q", "-s", "64k", "one.zip", "a.txt"], cwd=tmp_path, check=True, timeout=60)
    assert rules_of(archive(tmp_path / "one.zip")) == set()


# ───────────────────────── what the central directory hides ─────────────────────────


def test_hidden_unsafe_entry_at_the_front_is_a004(tmp_path: Path) -> None:
    path = ag.hidden_entry_zip(tmp_path / "a.zip", {"readme.txt": b"hello\n"},
                               {"../evil.txt": b"pwned\n"}, first=True)
    if SEVEN_ZZ:  # 7-Zip lists what zipfile does not see
        listing = subprocess.run([SEVEN_ZZ, "l", "-ba", str(path)], capture_output=True, text=True).stdout
        assert "../evil.txt" in listing
    result = archive(path)
    assert rules_of(result) == {"A004"}
    assert result.facts["hidden"] == ["../evil.txt"] and result.facts["entries"] == 2


@pytest.mark.parametrize("stored", [True, False])
def test_hidden_streamed_entry_after_the_listed_ones_is_a004(tmp_path: Path, stored: bool) -> None:
    path = ag.hidden_entry_zip(tmp_path / "a.zip", {"readme.txt": b"hello\n" * 50},
                               {"../../evil.txt": b"pwned\n" * 50}, stored=stored, streamed=True)
    if BSDTAR:  # a streaming extractor (reading from a pipe) unpacks it
        with open(path, "rb") as f:
            listing = subprocess.run([BSDTAR, "-tf", "-"], input=f.read(), capture_output=True).stdout
        assert b"../../evil.txt" in listing
    result = archive(path)
    assert rules_of(result) == {"A004"} and result.facts["hidden"] == ["../../evil.txt"]


@needs_zip
def test_hidden_entry_of_a_zip_made_by_the_zip_tool(tmp_path: Path) -> None:
    """Info-ZIP writing to a pipe (data descriptors), then its directory record removed."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "readme.txt").write_bytes(b"hello\n" * 100)
    (tmp_path / "in" / "Thumbs.db").write_bytes(os.urandom(500))
    made = subprocess.run([ZIP, "-q", "-", "readme.txt", "Thumbs.db"], cwd=tmp_path / "in",
                          capture_output=True, check=True, timeout=60).stdout
    (tmp_path / "streamed.zip").write_bytes(made)
    path = ag.hide_entries(tmp_path / "hidden.zip", tmp_path / "streamed.zip", ["Thumbs.db"])
    result = archive(path)
    assert rules_of(result) == {"A005"} and result.facts["hidden"] == ["Thumbs.db"]


def test_hidden_entry_with_bad_data_is_a008(tmp_path: Path) -> None:
    path = ag.hidden_entry_zip(tmp_path / "a.zip", {"readme.txt": b"hello\n"}, {"b.txt": b"x" * 300},
                               flip=True)
    result = archive(path)
    assert rules_of(result) == {"A008"} and result.facts["damaged"].startswith("b.txt: ")


def test_hidden_second_video_is_counted(tmp_path: Path, good_video: Path) -> None:
    video = good_video.read_bytes()
    path = ag.hidden_entry_zip(tmp_path / "人工智能.zip", {"人工智能.mp4": video}, {"另一个.mp4": video})
    report = check([path], rules=PROFILE)
    assert rules_of(report.files[0]) == {"A011"}
    assert [r.path.rsplit("!", 1)[1] for r in report.files[1:]] == ["人工智能.mp4", "另一个.mp4"]


def test_a_hidden_harmless_entry_is_listed_but_not_a_finding(tmp_path: Path) -> None:
    path = ag.hidden_entry_zip(tmp_path / "a.zip", {"readme.txt": b"hello\n"}, {"notes.txt": b"n\n"})
    result = archive(path)
    assert rules_of(result) == set() and result.facts["hidden"] == ["notes.txt"]


@pytest.mark.parametrize("build", [
    lambda p: ag.zip_of(p, {"a.txt": b"a" * 1000, "b/": b"", "b/c.txt": b"c"}, stored=False),
    lambda p: ag.nested_zip(p),  # a stored zip inside: its local headers are skipped as data
    lambda p: ag.unicode_path_zip(p, {"人工智能.mp4": b"\x00" * 100}),
])
def test_ordinary_zips_hide_nothing(tmp_path: Path, build: Any) -> None:
    import zipfile

    path = build(tmp_path / "a.zip")
    assert zipwalk.hidden(zipfile.ZipFile(path)) == []
    assert "hidden" not in archive(path).facts


def test_the_walk_skips_stored_data_by_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 48 MB stored entry costs a few small reads, not a scan of its bytes."""
    import builtins
    import zipfile

    path = ag.zip_of(tmp_path / "big.zip", {"人工智能.mp4": os.urandom(48 << 20), "b.txt": b"b"})
    read = [0]

    class Counting(io.FileIO):
        def read(self, size: int = -1) -> bytes:  # type: ignore[override]
            data = super().read(size)
            read[0] += len(data)
            return data

    def counting_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        assert mode == "rb"
        return io.BufferedReader(Counting(file, "r"), buffer_size=4096)

    with zipfile.ZipFile(path) as zf:
        monkeypatch.setattr(zipwalk, "open", counting_open, raising=False)
        assert zipwalk.hidden(zf) == []
        monkeypatch.setattr(zipwalk, "open", builtins.open, raising=False)
    assert read[0] < 64 << 10, read[0]


def test_a_gap_full_of_fake_headers_is_walked_in_bounded_time(tmp_path: Path) -> None:
    """60,000 header-like records that promise a data descriptor and never give one, between the
    last entry and the directory: each would send a naive walk to the end of the gap.  Nothing
    the directory lists accounts for them, and they hide whatever follows: A008."""
    import struct
    import time
    import zipfile

    fake = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0x8, 8, 0, 0, 0, 0, 0, 1, 0) + b"a"
    data = ag.zip_of(tmp_path / "src.zip", {"readme.txt": b"hello\n"}).read_bytes()
    end = data.rfind(b"PK\x05\x06")
    start = struct.unpack_from("<I", data, end + 16)[0]
    blob = fake * 60_000
    tail = bytearray(data[end:])
    struct.pack_into("<I", tail, 16, start + len(blob))
    path = tmp_path / "gap.zip"
    path.write_bytes(data[:start] + blob + data[start:end] + bytes(tail))
    began = time.perf_counter()
    with zipfile.ZipFile(path) as zf, pytest.raises(zipfile.BadZipFile, match="cannot be walked"):
        zipwalk.hidden(zf)
    result = archive(path)
    assert time.perf_counter() - began < 10
    assert rules_of(result) == {"A008"} and "cannot be walked" in result.facts["damaged"]


def test_fix_of_a_damaged_archive_with_junk_is_said_not_crashed(tmp_path: Path) -> None:
    """A008 with a fixable A005 (here a hidden entry whose data is bad): the repack fails for that
    file with one line, never an internal error."""
    path = ag.hidden_entry_zip(tmp_path / "a.zip", {"readme.txt": b"hello\n", ".DS_Store": b"x" * 10},
                               {"b.txt": b"x" * 300}, flip=True)
    done = cli(["fix", str(path), "-o", str(tmp_path / "out"), "--lang", "en"], None, tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "cannot repack: b.txt does not" in done.stdout  # (the table wraps the rest of the line)
    assert list((tmp_path / "out").iterdir()) == []


def test_fix_of_a_7z_with_encrypted_names_is_said_not_crashed(tmp_path: Path) -> None:
    """A001 is fixable for 7z, but a 7z whose names need the password cannot be repacked."""
    path = ag.seven_zip(tmp_path / "a.7z", {"secret.txt": b"x" * 100}, password="x", header_encryption=True)
    assert rules_of(archive(path)) == {"A001", "A003"}
    done = cli(["fix", str(path), "-o", str(tmp_path / "out"), "--lang", "en"], None, tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert "cannot repack" in done.stdout


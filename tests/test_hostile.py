"""Hostile documents and pictures through the real CLI: bounded in time and memory, and a finding.

Each file goes through ``python -m kcsubmit check -f json FILE`` in a child process
that may not map more than 1.5 GB (``RLIMIT_AS``: a runaway run fails the test instead
of the CI machine), and whose peak resident memory is read back with ``os.wait4`` by a
small launcher process that forked it (see ``LAUNCHER``).
"Bounded" means: answered within the time limit, below ``MAX_RSS``, with the finding
the hostile part deserves (D002 for a document that must not be opened, I003 for a
picture bomb), never a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import docgen

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS and os.wait4 are POSIX")

TIMEOUT_S = 60.0
QUICK_S = 10.0  # "quickly": refused from the zip directory, nothing inflated
ADDRESS_SPACE = 1536 << 20  # RLIMIT_AS of the child: 1.5 GB
MAX_RSS = 500 << 20  # peak resident memory allowed for any hostile file
MB = 1 << 20

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
DOCUMENT = "word/document.xml"
CENTRAL = b"PK\x01\x02"


# --------------------------------------------------------------------------- the bounded run


@dataclass(frozen=True)
class Run:
    """One bounded ``kcsubmit check -f json`` and what it cost."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss: int  # bytes

    @property
    def report(self) -> dict[str, Any]:
        return json.loads(self.stdout)

    def file(self, suffix: str = "") -> dict[str, Any]:
        """The report entry whose path ends with ``suffix`` (the only top file when empty)."""
        files = self.report["files"]
        if not suffix:
            return next(f for f in files if "!" not in f["path"])
        return next(f for f in files if f["path"].endswith(suffix))

    def rules(self, suffix: str = "") -> set[str]:
        return {f["rule"] for f in self.file(suffix)["findings"]}

    def actual(self, rule: str, suffix: str = "") -> str:
        return str(next(f["actual"] for f in self.file(suffix)["findings"] if f["rule"] == rule))

    def describe(self) -> str:
        return (f"exit {self.code}, {self.seconds:.1f} s, {self.max_rss / MB:.0f} MB peak\n"
                f"stderr: {self.stderr[-2000:]}\nstdout: {self.stdout[:3000]}")


# Linux counts the RSS a process had before exec in its peak (ru_maxrss): a child forked
# from this pytest process (hundreds of MB after the fuzz tests) would start at that size.
# So a small launcher forks kcsubmit, under RLIMIT_AS, and reports its child's rusage.
LAUNCHER = """
import os, resource, sys
limit, report = int(sys.argv[1]), int(sys.argv[2])
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    os.execv(sys.executable, [sys.executable, *sys.argv[3:]])
_, status, usage = os.wait4(pid, 0)
os.write(report, f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}".encode())
"""


def check_bounded(*paths: Path, fmt: str = "json", extra: tuple[str, ...] = ()) -> Run:
    """Run ``kcsubmit check`` on ``paths`` under RLIMIT_AS; measure its time and peak memory."""
    env = {**os.environ, "KCSUBMIT_LANG": "en", "NO_COLOR": "1"}
    read, write = os.pipe()
    command = [sys.executable, "-c", LAUNCHER, str(ADDRESS_SPACE), str(write),
               "-m", "kcsubmit", "check", "-f", fmt, "--jobs", "1", *extra, *map(str, paths)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, os.fdopen(read, "rb") as result:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, pass_fds=(write,),
                                start_new_session=True)
        os.close(write)
        _wait(proc, start)
        seconds = time.monotonic() - start
        code, max_rss_kib = map(int, result.read().split())
        out.seek(0)
        err.seek(0)
        return Run(code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   seconds, max_rss_kib * 1024)


def _wait(proc: subprocess.Popen[bytes], start: float) -> None:
    """Wait for the launcher; kill it and kcsubmit past TIMEOUT_S and fail."""
    try:
        proc.wait(timeout=max(0.0, TIMEOUT_S - (time.monotonic() - start)))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"kcsubmit check did not finish within {TIMEOUT_S:.0f} s (killed)")


def assert_bounded(run: Run, seconds: float = TIMEOUT_S, max_rss: int = MAX_RSS) -> None:
    """Findings, not a crash: exit 1, a JSON report, no traceback, within time and memory."""
    assert "Traceback" not in run.stderr, run.describe()
    assert run.code == 1, run.describe()
    assert run.seconds < seconds, run.describe()
    assert run.max_rss < max_rss, run.describe()


# --------------------------------------------------------------------------- hostile documents


@pytest.fixture(scope="module")
def base_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain one-paragraph document: the package the hostile ones are made from."""
    return docgen.make_docx(tmp_path_factory.mktemp("base") / "base.docx", paragraphs=["科学工作室活动案例。"])


Writer = Callable[[Any], None]  # writes a part's bytes into an open zip entry


def rewrite(base: Path, target: Path, parts: dict[str, bytes | Writer], *, rels: str = "") -> Path:
    """``base`` with some parts replaced or added (bytes, or a writer streaming into the entry).

    ``rels`` is added to the main document part's relationships.
    """
    # compresslevel 1: hundreds of MB of repeated bytes compress almost as well, much faster.
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for info in src.infolist():
            if info.filename in parts:
                continue
            data = src.read(info)
            if rels and info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            out.writestr(info.filename, data)
        for name, content in parts.items():
            if isinstance(content, bytes):
                out.writestr(name, content)
            else:
                with out.open(name, "w") as stream:
                    content(stream)
    return target


def document_xml(body: str, doctype: str = "") -> bytes:
    return f'{XML_HEAD}{doctype}<w:document {W_NS}><w:body>{body}</w:body></w:document>'.encode()


def billion_laughs() -> bytes:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = "<!DOCTYPE w:document [\n" + "\n".join(entities) + "\n]>\n"
    return document_xml("<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>", doctype)


def deeply_nested(levels: int = 100_000) -> bytes:
    return document_xml("<w:p>" * levels + "</w:p>" * levels)


def repeated(head: bytes, block: bytes, times: int, tail: bytes) -> Writer:
    """A writer that streams head + block * times + tail (hundreds of MB, never in memory)."""

    def write(stream: Any) -> None:
        stream.write(head)
        for _ in range(times):
            stream.write(block)
        stream.write(tail)

    return write


def zeros(megabytes: int) -> Writer:
    return repeated(b"", b"\0" * MB, megabytes, b"")


def paragraphs(megabytes: int) -> Writer:
    """Well-formed WordprocessingML: about ``megabytes`` MB of one-letter paragraphs."""
    block = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * (MB // 34)
    head = f'{XML_HEAD}<w:document {W_NS}><w:body>'.encode()
    return repeated(head, block, megabytes, b"</w:body></w:document>")


def declare_size(path: Path, name: str, size: int) -> Path:
    """Patch the uncompressed size that the central directory declares for entry ``name``."""
    data = bytearray(path.read_bytes())
    at = data.find(CENTRAL)
    while at != -1:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        if bytes(data[at + 46:at + 46 + name_len]) == name.encode():
            struct.pack_into("<I", data, at + 24, size)
            path.write_bytes(bytes(data))
            return path
        at = data.find(CENTRAL, at + 46 + name_len + extra_len + comment_len)
    raise AssertionError(f"{name} not in the central directory of {path}")


def png_header_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A 100-byte PNG whose header claims width x height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1024))
            + chunk(b"IEND", b""))


def jpeg_header_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A small real JPEG whose SOF0 marker is patched to claim width x height pixels."""
    data = bytearray(docgen.jpeg((16, 16)))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


IMAGE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"


@dataclass(frozen=True)
class Hostile:
    """How to build one hostile .docx, and what check must say about it."""

    build: Callable[[Path, Path], Path]  # (base document, target) -> target
    rules: frozenset[str]  # acceptable finding sets for the document: any of these rules…
    seconds: float = TIMEOUT_S


def _laughs(base: Path, target: Path) -> Path:
    return rewrite(base, target, {DOCUMENT: billion_laughs()})


def _parts(base: Path, target: Path) -> Path:
    rewrite(base, target, {})
    with zipfile.ZipFile(target, "a") as z:
        for i in range(6_000):
            z.writestr(f"customXml/extra{i}.xml", b"<a/>")
    return target


def _declared_1gb(base: Path, target: Path) -> Path:
    # 300 MB of real zeros behind a header that declares 1 GiB: refused from the
    # directory; the peak memory shows that nothing was inflated.
    rewrite(base, target, {"word/media/blob.bin": zeros(300)})
    return declare_size(target, "word/media/blob.bin", 1 << 30)


def _zeros(base: Path, target: Path) -> Path:
    return rewrite(base, target, {DOCUMENT: zeros(200)})


def _deep(base: Path, target: Path) -> Path:
    return rewrite(base, target, {DOCUMENT: deeply_nested()})


HOSTILE: dict[str, Hostile] = {
    "billion-laughs": Hostile(_laughs, frozenset({"D002"})),
    "6000-parts": Hostile(_parts, frozenset({"D002"}), QUICK_S),
    "declares-1GB": Hostile(_declared_1gb, frozenset({"D002"}), QUICK_S),
    "200MB-of-zeros": Hostile(_zeros, frozenset({"D002"})),
    "nested-100000": Hostile(_deep, frozenset({"D002"})),
}


@pytest.fixture(scope="module")
def hostile(base_docx: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """hostile(name) -> the .docx, built once per module."""
    folder = tmp_path_factory.mktemp("hostile")
    built: dict[str, Path] = {}

    def make(name: str) -> Path:
        if name not in built:
            built[name] = HOSTILE[name].build(base_docx, folder / f"{name}.docx")
        return built[name]

    return make


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_document_is_refused_within_bounds(hostile: Callable[[str], Path], name: str) -> None:
    case = HOSTILE[name]
    run = check_bounded(hostile(name))
    assert_bounded(run, seconds=case.seconds)
    assert run.rules() == set(case.rules), run.describe()


def test_billion_laughs_is_not_expanded(hostile: Callable[[str], Path]) -> None:
    run = check_bounded(hostile("billion-laughs"))
    assert "lollol" not in run.stdout
    assert run.max_rss < 200 * MB, run.describe()


def test_deep_nesting_is_a_parse_error_not_a_recursion_error(hostile: Callable[[str], Path]) -> None:
    run = check_bounded(hostile("nested-100000"))
    assert "RecursionError" not in run.stdout + run.stderr, run.describe()
    assert run.rules() == {"D002"}


def test_declared_size_is_refused_from_the_directory(hostile: Callable[[str], Path]) -> None:
    """1 GiB declared, 300 MB real: refused before anything is read into memory."""
    run = check_bounded(hostile("declares-1GB"))
    assert run.rules() == {"D002"} and run.actual("D002") == "all parts unpack to 1075 MB", run.describe()
    assert run.max_rss < 200 * MB, run.describe()


def test_thousands_of_parts_are_refused_from_the_directory(hostile: Callable[[str], Path]) -> None:
    run = check_bounded(hostile("6000-parts"))
    assert run.rules() == {"D002"} and "parts" in run.actual("D002"), run.describe()


# --------------------------------------------------------------------------- external entities


class Listener:
    """A local TCP port that records every connection (an external entity fetched over HTTP)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits: list[bytes] = []
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.hits.append(conn.recv(4096))
                except OSError:
                    self.hits.append(b"")

    def close(self) -> None:
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


MARKER = "KCSUBMIT-XXE-MARKER-7f3a"
SECRET_NUMBER = "4817"

# name -> DOCTYPE; {secret} is a local file holding MARKER, {dtd} a DTD declaring &leak; from it,
# {port} the listener.  The body of the document is only the entity reference &x;.
EXTERNAL = {
    "passwd": '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
    "local-file": '<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>',
    "http": '<!DOCTYPE w:document [<!ENTITY x SYSTEM "http://127.0.0.1:{port}/x">]>',
    "parameter-entity": '<!DOCTYPE w:document [<!ENTITY % p SYSTEM "file://{dtd}"> %p; <!ENTITY x "&leak;">]>',
    "external-dtd": '<!DOCTYPE w:document SYSTEM "http://127.0.0.1:{port}/dtd" [<!ENTITY x "">]>',
}


@pytest.mark.parametrize("name", list(EXTERNAL))
@pytest.mark.parametrize("part", [DOCUMENT, "docProps/app.xml"])
def test_external_entities_are_never_resolved(base_docx: Path, tmp_path: Path, listener: Listener,
                                              name: str, part: str) -> None:
    # The secret is text for the document (it would show in longest_paragraphs) and a
    # number for app.xml (it would show as saved_word_count).
    secret = tmp_path / "secret.txt"
    secret.write_text((MARKER if part == DOCUMENT else SECRET_NUMBER) + "\n", encoding="utf-8")
    dtd = tmp_path / "leak.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "file://{secret}">', encoding="utf-8")
    doctype = EXTERNAL[name].format(secret=secret, dtd=dtd, port=listener.port)
    if part == DOCUMENT:
        xml = document_xml("<w:p><w:r><w:t>&x;</w:t></w:r></w:p>", doctype)
    else:  # Word's saved statistics, read by wordcount for saved_word_count
        xml = (f'{XML_HEAD}{doctype.replace("w:document", "Properties")}<Properties xmlns='
               '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
               '<Words>&x;</Words></Properties>').encode()
    run = check_bounded(rewrite(base_docx, tmp_path / f"{name}.docx", {part: xml}))
    assert_bounded(run)
    everything = run.stdout + run.stderr
    assert MARKER not in everything and "root:" not in everything, run.describe()
    assert listener.hits == [], "an external entity was fetched over the network"
    if part == DOCUMENT:  # refused, or opened without the entity's text
        rules = run.rules()
        assert "D002" in rules or ("D007" in rules and run.file()["facts"]["word_count"] == 0), run.describe()
    else:
        assert run.file()["facts"].get("saved_word_count") != int(SECRET_NUMBER), run.describe()


# --------------------------------------------------------------------------- memory

# python-docx reads every related part into memory and lxml builds the whole tree, so
# a few hundred KB of zip could cost gigabytes: 200 MB of well-formed paragraphs (630 KB
# zipped) peaked at 4.6 GB and took 52 s; a related 400 MB picture part at about 830 MB.
# Now refused from the zip directory (D002 "oversized"): an XML part over 16 MB, or
# parts over 400 MB in all.

A_NS = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'

def _paragraph_bomb(base: Path, target: Path) -> Path:
    return rewrite(base, target, {DOCUMENT: paragraphs(200)})


def _big_picture(base: Path, target: Path) -> Path:
    """A picture part of 400 MB (zeros: not a picture), related and shown in the body."""
    body = (f'<w:p><w:r><w:t>科学工作室活动案例。</w:t></w:r><w:r><a:blip {A_NS} {R_NS} r:embed="rId900"/>'
            '</w:r></w:p>')
    rel = f'<Relationship Id="rId900" Type="{IMAGE_REL}" Target="media/big.jpeg"/>'
    return rewrite(base, target, {DOCUMENT: document_xml(body), "word/media/big.jpeg": zeros(400)}, rels=rel)


@pytest.fixture(scope="module")
def paragraph_bomb(base_docx: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _paragraph_bomb(base_docx, tmp_path_factory.mktemp("bomb") / "paragraphs.docx")


def test_paragraph_bomb_is_bounded(paragraph_bomb: Path) -> None:
    """Refused (D002) or counted without building the tree (D003): either way, bounded."""
    run = check_bounded(paragraph_bomb)
    assert_bounded(run)
    assert run.rules() & {"D002", "D003"}, run.describe()


def test_big_picture_part_is_bounded(base_docx: Path, tmp_path: Path) -> None:
    """A document may hold a big picture; measuring it must not hold it in memory (twice)."""
    run = check_bounded(_big_picture(base_docx, tmp_path / "big-picture.docx"))
    assert_bounded(run)


# --------------------------------------------------------------------------- picture bombs


# A bomb is not decoded, but its header is still reported: a PNG is I001 as well.
HEADER_SAYS = {".png": {"I001"}, ".jpg": set()}


@pytest.mark.parametrize("name,data", [("bomb.png", png_header_bomb()), ("bomb.jpg", jpeg_header_bomb())],
                         ids=["png", "jpeg"])
def test_picture_bomb_is_i003_quickly(tmp_path: Path, name: str, data: bytes) -> None:
    picture = tmp_path / name
    picture.write_bytes(data)
    run = check_bounded(picture)
    assert_bounded(run, seconds=QUICK_S, max_rss=200 * MB)
    assert run.rules() == {"I003"} | HEADER_SAYS[picture.suffix] and run.actual("I003") == "bomb", run.describe()


def test_picture_bomb_inside_a_document_is_i003(tmp_path: Path) -> None:
    doc = docgen.make_docx(tmp_path / "pictures.docx", paragraphs=["科学工作室活动案例。"],
                           pictures=[png_header_bomb(), jpeg_header_bomb()])
    run = check_bounded(doc)
    assert_bounded(run, seconds=QUICK_S, max_rss=200 * MB)
    for inner in ("!word/media/image1.png", "!word/media/image2.jpg"):
        expected = {"I003"} | HEADER_SAYS[inner[-4:]]
        assert run.rules(inner) == expected and run.actual("I003", inner) == "bomb", run.describe()


# --------------------------------------------------------------------------- inside an archive


def zip_holding(target: Path, name: str, data_from: Path | bytes) -> Path:
    """A case archive holding one file (stored, as Word's own .docx already is compressed)."""
    data = data_from if isinstance(data_from, bytes) else data_from.read_bytes()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, data)
    return target


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_document_inside_an_archive(hostile: Callable[[str], Path], tmp_path: Path, name: str) -> None:
    archive = zip_holding(tmp_path / "优秀案例.zip", "案例.docx", hostile(name))
    run = check_bounded(archive)
    assert_bounded(run, seconds=HOSTILE[name].seconds)
    # The archive itself is sound: one document, intact, no bomb at its own level.
    assert run.rules() == set(), run.describe()
    assert run.file()["facts"]["entries"] == 1
    assert run.rules("优秀案例.zip!案例.docx") == set(HOSTILE[name].rules), run.describe()


def test_paragraph_bomb_inside_an_archive_is_bounded(paragraph_bomb: Path, tmp_path: Path) -> None:
    archive = zip_holding(tmp_path / "优秀案例.zip", "案例.docx", paragraph_bomb)
    run = check_bounded(archive)
    assert_bounded(run)
    assert run.rules("!案例.docx") & {"D002", "D003"}, run.describe()


def test_picture_bomb_inside_an_archive(tmp_path: Path) -> None:
    archive = zip_holding(tmp_path / "优秀案例.zip", "图片/01.png", png_header_bomb())
    run = check_bounded(archive)
    assert_bounded(run, seconds=QUICK_S, max_rss=200 * MB)
    assert run.rules("!图片/01.png") == {"I003", "I001"} and run.actual("I003", "!图片/01.png") == "bomb"
    assert not {"A007", "A008"} & run.rules(), run.describe()


def test_html_report_of_hostile_files_is_bounded(hostile: Callable[[str], Path], tmp_path: Path) -> None:
    """The HTML report decodes pictures and frames for its previews: bounded too."""
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_bomb())
    doc = docgen.make_docx(tmp_path / "pictures.docx", pictures=[png_header_bomb()])
    files = [bomb, doc, hostile("billion-laughs"), hostile("200MB-of-zeros")]
    report = tmp_path / "report.html"
    run = check_bounded(*files, fmt="html", extra=("--output", str(report)))
    assert "Traceback" not in run.stderr and run.code == 1, run.describe()
    assert run.max_rss < MAX_RSS and run.seconds < TIMEOUT_S, run.describe()
    assert report.read_text(encoding="utf-8").count("I003") >= 2

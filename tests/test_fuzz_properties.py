"""Property-based fuzzing: a damaged or hostile file never crashes, hangs or escapes.

Seeds are made at test time (a zip holding a 3 s video and a picture, a .docx with
pictures, a JPEG, a 3 s mp4) and mutated by Hypothesis: bit flips, truncation,
byte-range overwrites, inserted and deleted bytes, header fields set to absurd
values (zip local/central headers and the end record, mp4 box sizes and table
counts, JPEG segment lengths and SOF dimensions), and for zips and documents a
rebuild with a mutated member (its CRC then matches, so the inner probes see the
damage), a duplicated, dropped or renamed member.

Properties:

- in process (most examples): ``engine.check([file], rules=...)`` returns a Report or
  raises only ``KcsubmitError``, within ``INPROCESS_TIMEOUT_S``; the Report renders to
  strict JSON (no NaN) that matches the schema, and to text; nothing is left in the
  temporary folder, the working folder or beside the input.  "In process" runs in a
  child forked from the test process (no interpreter start-up, no imports), so that a
  hang in native code can be stopped;
- through the real CLI (fewer examples): ``python -m kcsubmit check -f json FILE``
  ends within ``CLI_TIMEOUT_S`` with exit 0/1 and a valid report on stdout, or exit 2
  and exactly one stderr line ``kcsubmit: error: …`` that is not an internal error
  (an internal error is a crash the CLI papered over); TMPDIR and cwd stay empty.

Profiles (``HYPOTHESIS_PROFILE``): ``ci`` (default: derandomized, no example
database, about 2 minutes on 2 cores) and ``nightly`` (random, many more examples).
See docs/fuzzing.md.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import traceback
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import archivegen as ag
import docgen
from conftest import profile_text, x264_options_twice

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kcsubmit import profile as profile_mod  # noqa: E402
from kcsubmit import reporters  # noqa: E402
from kcsubmit.engine import check  # noqa: E402
from kcsubmit.errors import KcsubmitError  # noqa: E402
from kcsubmit.models import Report  # noqa: E402

SCHEMA = json.loads((Path(__file__).parent / "report.schema.json").read_text(encoding="utf-8"))
SHORT = {"min_duration_s": 2, "max_duration_s": 5}  # the 3-second seed clip is compliant
PROFILE = profile_mod.parse(profile_text(**SHORT), source="<fuzz>")

INPROCESS_TIMEOUT_S = 10.0  # a seed takes ~0.03 s; anything near this is a hang
CLI_TIMEOUT_S = 30.0

_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=250, deadline=None, derandomize=True, database=None,
                          print_blob=True, suppress_health_check=_HEALTH)
settings.register_profile("nightly", max_examples=5000, deadline=None, derandomize=False, database=None,
                          print_blob=True, suppress_health_check=_HEALTH)
ACTIVE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# Through the CLI each example costs a Python start-up (~0.2 s): a fifth of the examples.
CLI_SETTINGS = settings(ACTIVE, max_examples=max(10, ACTIVE.max_examples // 5))


# ---------------------------------------------------------------------------------------------
# Header fields that a mutation may set to an absurd value: (offset, width in bytes, label).
# Parsers are lenient: they stop at the first inconsistency (they read mutated data too).

Field = tuple[int, int, str]

LOCAL_FIELDS = ((6, 2, "flags"), (8, 2, "method"), (14, 4, "crc"), (18, 4, "compressed_size"),
                (22, 4, "size"), (26, 2, "name_length"), (28, 2, "extra_length"))
CENTRAL_FIELDS = ((8, 2, "flags"), (10, 2, "method"), (16, 4, "crc"), (20, 4, "compressed_size"),
                  (24, 4, "size"), (28, 2, "name_length"), (30, 2, "extra_length"),
                  (32, 2, "comment_length"), (34, 2, "disk_start"), (38, 4, "external_attr"),
                  (42, 4, "local_offset"))
END_FIELDS = ((4, 2, "disk"), (6, 2, "cd_disk"), (8, 2, "entries_on_disk"), (10, 2, "entries"),
              (12, 4, "cd_size"), (16, 4, "cd_offset"), (20, 2, "comment_length"))


def zip_fields(data: bytes) -> list[Field]:
    fields: list[Field] = []
    end = data.rfind(b"PK\x05\x06")
    if end == -1 or end + 22 > len(data):
        return fields
    fields += [(end + o, w, f"end.{n}") for o, w, n in END_FIELDS]
    count, _, at = struct.unpack_from("<HII", data, end + 10)
    for i in range(count):
        if at + 46 > len(data) or data[at:at + 4] != b"PK\x01\x02":
            break
        fields += [(at + o, w, f"central[{i}].{n}") for o, w, n in CENTRAL_FIELDS]
        local = struct.unpack_from("<I", data, at + 42)[0]
        if local + 30 <= len(data) and data[local:local + 4] == b"PK\x03\x04":
            fields += [(local + o, w, f"local[{i}].{n}") for o, w, n in LOCAL_FIELDS]
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        at += 46 + name_len + extra_len + comment_len
    return fields


MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta", b"mvex"}
# Full boxes whose first field after version/flags is an entry count.
MP4_COUNTED = {b"stts", b"stsc", b"stco", b"co64", b"stss", b"ctts", b"elst", b"dref", b"stsd", b"sdtp"}


def mp4_fields(data: bytes, start: int = 0, end: int | None = None, depth: int = 0) -> list[Field]:
    fields: list[Field] = []
    end = len(data) if end is None else end
    at = start
    while at + 8 <= end and depth < 8:
        size, kind = struct.unpack_from(">I4s", data, at)
        label = kind.decode("latin-1")
        fields.append((at, 4, f"{label}.size"))
        fields.append((at + 4, 4, f"{label}.type"))
        if size < 8 or at + size > end:
            break
        if kind in MP4_CONTAINERS:
            fields += mp4_fields(data, at + 8, at + size, depth + 1)
        elif kind in MP4_COUNTED and size >= 16:
            fields.append((at + 12, 4, f"{label}.entry_count"))
        elif kind == b"stsz" and size >= 20:
            fields += [(at + 12, 4, "stsz.sample_size"), (at + 16, 4, "stsz.sample_count")]
        elif kind in (b"mvhd", b"mdhd") and size >= 32 and data[at + 8] == 0:
            fields += [(at + 20, 4, f"{label}.timescale"), (at + 24, 4, f"{label}.duration")]
        elif kind == b"tkhd" and size >= 92 and data[at + 8] == 0:
            fields += [(at + 28, 4, "tkhd.duration"), (at + 84, 4, "tkhd.width"), (at + 88, 4, "tkhd.height")]
        if kind == b"stsd" and size >= 16 + 36:  # the first sample entry (avc1/mp4a)
            entry = at + 16
            fields += [(entry, 4, "sample_entry.size"), (entry + 32, 2, "sample_entry.width"),
                       (entry + 34, 2, "sample_entry.height")]
        at += size
    return fields


SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_fields(data: bytes) -> list[Field]:
    fields: list[Field] = []
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        length = struct.unpack_from(">H", data, at + 2)[0]
        name = f"FF{marker:02X}"
        fields.append((at + 2, 2, f"{name}.length"))
        if marker in SOF_MARKERS and at + 10 <= len(data):
            fields += [(at + 4, 1, "SOF.precision"), (at + 5, 2, "SOF.height"), (at + 7, 2, "SOF.width"),
                       (at + 9, 1, "SOF.components")]
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            fields.append((at + 4, 1, "SOS.components"))
            break
        at += 2 + length
    return fields


FIELDS: dict[str, Callable[[bytes], list[Field]]] = {
    "zip": zip_fields, "docx": zip_fields, "jpeg": jpeg_fields, "mp4": mp4_fields,
    "other": lambda data: [],  # XML parts and the like: raw edits only
}


# ---------------------------------------------------------------------------------------------
# Mutations.

class Seed:
    """A file to mutate.  A plain class: Hypothesis prints a failing example's arguments,
    and would print a dataclass field by field, bytes and all."""

    def __init__(self, kind: str, name: str, data: bytes, members: tuple[tuple[str, bytes], ...] = ()) -> None:
        self.kind = kind  # zip | docx | jpeg | mp4: which header fields it has
        self.name = name  # the fuzzed file's name (the suffix matters to discovery)
        self.data = data
        self.members = members  # zip/docx: the entries, for rebuilds

    def __repr__(self) -> str:
        return f"Seed({self.kind!r}, {self.name!r}, <{len(self.data)} bytes>)"


def _offset(draw: Any, n: int) -> int:
    """An offset in the header, the middle or the end of ``n`` bytes (``n`` > 0)."""
    region = draw(st.sampled_from(["header", "middle", "end", "anywhere"]))
    low, high = {"header": (0, min(n, 1024)), "middle": (n // 4, max(n // 4 + 1, 3 * n // 4)),
                 "end": (max(0, n - 1024), n), "anywhere": (0, n)}[region]
    return draw(st.integers(low, max(low, high - 1)))


def _absurd(draw: Any, width: int, old: int, n: int) -> int:
    top = (1 << (8 * width)) - 1
    choice = draw(st.sampled_from(["0", "1", "max", "max-1", "sign", "old+1", "old-1", "length", "random"]))
    value = {"0": 0, "1": 1, "max": top, "max-1": top - 1, "sign": 1 << (8 * width - 1),
             "old+1": old + 1, "old-1": old - 1, "length": n, "random": None}[choice]
    if value is None:
        value = draw(st.integers(0, top))
    return value & top


@st.composite
def byte_mutation(draw: Any, data: bytes, kind: str) -> bytes:
    """One damaging edit of ``data``."""
    if not data:
        return draw(st.binary(max_size=64))
    n = len(data)
    op = draw(st.sampled_from(["flip", "truncate", "overwrite", "insert", "delete", "field", "field"]))
    out = bytearray(data)
    if op == "flip":
        for _ in range(draw(st.integers(1, 8))):
            out[_offset(draw, n)] ^= 1 << draw(st.integers(0, 7))
    elif op == "truncate":
        del out[_offset(draw, n):]
    elif op == "overwrite":
        at = _offset(draw, n)
        length = draw(st.sampled_from([1, 2, 4, 16, 64, 512, 4096]))
        fill = draw(st.sampled_from(["zero", "ff", "random"]))
        chunk = {"zero": b"\x00" * length, "ff": b"\xff" * length}.get(fill)
        if chunk is None:
            chunk = draw(st.binary(min_size=1, max_size=min(length, 64)))
            chunk = (chunk * (length // len(chunk) + 1))[:length]
        out[at:at + length] = chunk[:max(0, n - at)]
    elif op == "insert":
        at = _offset(draw, n)
        out[at:at] = draw(st.sampled_from([b"\x00" * 16, b"\xff" * 16, b"PK\x03\x04", b"PK\x05\x06",
                                           b"\x00\x00\x00\x08free", b"\xff\xd8\xff\xe0", b"moov"]))
    elif op == "delete":
        at = _offset(draw, n)
        del out[at:at + draw(st.integers(1, 4096))]
    else:
        fields = FIELDS[kind](data)
        if not fields:
            out[_offset(draw, n)] ^= 0xFF
        else:
            at, width, _label = draw(st.sampled_from(fields))
            fmt = {1: "B", 2: "H", 4: "I"}[width]
            order = ">" if kind in ("mp4", "jpeg") else "<"
            old = struct.unpack_from(order + fmt, data, at)[0]
            struct.pack_into(order + fmt, out, at, _absurd(draw, width, old, n))
    return bytes(out)


@st.composite
def byte_mutations(draw: Any, data: bytes, kind: str, most: int = 3) -> bytes:
    for _ in range(draw(st.integers(1, most))):
        data = draw(byte_mutation(data, kind))
    return data


def inner_kind(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return {".mp4": "mp4", ".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg"}.get(suffix, "other")


ODD_NAMES = ["../evil.txt", "/etc/evil", "C:\\evil.txt", "a/../../evil.txt", "", "word/", "图片/../../x.jpg",
             "__MACOSX/._a.mp4", "~$案例.docx", "x" * 300]


@st.composite
def rebuilt_zip(draw: Any, members: tuple[tuple[str, bytes], ...]) -> bytes:
    """The entries written again after a structural change; CRCs match what is stored."""
    entries = list(members)
    for _ in range(draw(st.integers(1, 2))):
        op = draw(st.sampled_from(["mutate", "mutate", "duplicate", "drop", "rename", "empty"]))
        i = draw(st.integers(0, len(entries) - 1)) if entries else 0
        if not entries:
            break
        name, data = entries[i]
        if op == "mutate":
            entries[i] = (name, draw(byte_mutations(data, inner_kind(name), most=2)))
        elif op == "duplicate":  # the same name twice, the copy mutated or not
            copy = draw(st.one_of(st.just(data), byte_mutations(data, inner_kind(name), most=1)))
            entries.insert(draw(st.integers(0, len(entries))), (name, copy))
        elif op == "drop":
            del entries[i]
        elif op == "rename":
            entries[i] = (draw(st.sampled_from(ODD_NAMES + [n for n, _ in members])), data)
        else:
            entries[i] = (name, b"")
    stored = draw(st.booleans())
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": on purpose
        with zipfile.ZipFile(out, "w") as archive:
            for name, data in entries:
                info = zipfile.ZipInfo(name or "noname", ag.DATE)
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                if name.endswith("/"):
                    archive.writestr(info, b"")
                else:
                    archive.writestr(info, data)
    return out.getvalue()


def mutated(seed: Seed) -> st.SearchStrategy[bytes]:
    """The seed damaged by raw byte edits or, for zips, a rebuild then maybe byte edits too."""
    raw = byte_mutations(seed.data, seed.kind)
    if not seed.members:
        return raw
    rebuilt = rebuilt_zip(seed.members)
    both = rebuilt.flatmap(lambda data: byte_mutations(data, "zip", most=1))
    return st.one_of(raw, rebuilt, both)


# ---------------------------------------------------------------------------------------------
# Seeds, made once per session.

@pytest.fixture(scope="session")
def seeds(make_video: Callable[..., Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Seed]:
    video = make_video("fuzz.mp4").read_bytes()
    picture = docgen.jpeg(seed=3)
    oriented = docgen.jpeg((480, 640), seed=4, orientation=6)  # EXIF too: shown 640x480
    folder = tmp_path_factory.mktemp("fuzz-seeds")
    document = docgen.make_docx(folder / "案例.docx", paragraphs=[docgen.chinese_text(120)],
                                pictures=docgen.compliant_pictures(5), comment=True).read_bytes()
    zip_members = (("人工智能.mp4", video), ("图片/01.jpg", picture))
    archive = ag.zip_of(folder / "人工智能.zip", dict(zip_members)).read_bytes()
    with zipfile.ZipFile(io.BytesIO(document)) as z:
        docx_members = tuple((i.filename, z.read(i)) for i in z.infolist())
    return {
        "zip": Seed("zip", "人工智能.zip", archive, zip_members),
        "docx": Seed("docx", "案例.docx", document, docx_members),
        "jpeg": Seed("jpeg", "01.jpg", oriented),
        "mp4": Seed("mp4", "人工智能.mp4", video),
    }


@pytest.fixture(scope="session")
def fuzz_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield tmp_path_factory.mktemp("fuzz")
    WORKER.stop()


# ---------------------------------------------------------------------------------------------
# Running one example.

class Hang(AssertionError):
    pass


class Crash(AssertionError):
    pass


@dataclass(frozen=True)
class Outcome:
    """What one check of one file ended with, as the forked child reports it."""

    status: str  # "report" | "error" (KcsubmitError: exit 2 with one line)
    message: str = ""
    files: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (path, kind, rule IDs found)
    skipped: int = 0
    errors: int = 0


@dataclass
class Sandbox:
    """Per example: the input alone in ``inbox``, an empty TMPDIR and an empty cwd."""

    root: Path
    inbox: Path
    scratch: Path
    cwd: Path

    @classmethod
    def make(cls, base: Path) -> Sandbox:
        root = Path(tempfile.mkdtemp(prefix="ex-", dir=base))
        parts = [root / n for n in ("in", "tmp", "cwd")]
        for part in parts:
            part.mkdir()
        return cls(root, *parts)

    def write(self, name: str, data: bytes) -> Path:
        path = self.inbox / name
        path.write_bytes(data)
        return path

    def assert_clean(self, path: Path) -> None:
        left = [str(p) for p in self.scratch.rglob("*")] + [str(p) for p in self.cwd.rglob("*")]
        assert left == [], f"left behind: {left}"
        assert sorted(self.inbox.iterdir()) == [path], f"written beside the input: {list(self.inbox.iterdir())}"

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _strict_json(text: str) -> Any:
    def reject(constant: str) -> Any:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def _check_and_render(sandbox: Sandbox, path: Path) -> Outcome:
    """In the child: the sandbox's TMPDIR and cwd, one check, the report rendered as JSON and text."""
    tempfile.tempdir = str(sandbox.scratch)
    os.environ["TMPDIR"] = str(sandbox.scratch)
    os.chdir(sandbox.cwd)
    try:
        report = check([path], rules=PROFILE)
    except KcsubmitError as exc:
        return Outcome("error", str(exc))
    assert isinstance(report, Report), type(report)
    assert len(report.files) + len(report.skipped) >= 1, report
    for name in ("json", "text"):
        out = io.StringIO()
        reporters.get(name)(report, out, reporters.Options(lang="en", color=False, target=str(path)))
        if name == "json":
            jsonschema.validate(_strict_json(out.getvalue()), SCHEMA)
    files = tuple((r.path, r.kind, tuple(f.rule for f in r.findings)) for r in report.files)
    return Outcome("report", files=files, skipped=len(report.skipped), errors=report.errors)


def _serve(conn: Any) -> None:
    """The worker's loop: (sandbox, path) in, ("ok", Outcome) or ("crash", traceback) out."""
    while True:
        try:
            sandbox, path = conn.recv()
        except EOFError:
            return
        try:
            result: tuple[str, Any] = ("ok", _check_and_render(sandbox, path))
        except BaseException as exc:  # noqa: BLE001 - handed to the test process
            result = ("crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        conn.send(result)


class Worker:
    """A process forked from the test process that checks one file at a time.

    Not SIGALRM or a thread: a hang inside MediaInfo or a C decoder never returns to the
    interpreter (no signal handler runs) and a thread cannot be stopped, while a process
    is killed (and the next example forks a new one).  Forked once, not per example: a
    fork of the test process costs ~0.1 s in copied pages, a round trip to a live worker
    ~1 ms; the CLI costs ~0.2 s of start-up.  Without fork (Windows) the check runs in a
    thread, and a hang is reported and left running.
    """

    def __init__(self) -> None:
        self.process: Any = None
        self.conn: Any = None

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), name="kcsubmit-fuzz", daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.conn.close()
        self.process = self.conn = None

    def run(self, sandbox: Sandbox, path: Path, seconds: float) -> Outcome:
        if not hasattr(os, "fork"):
            return _in_thread(lambda: _check_and_render(sandbox, path), seconds)
        if self.process is None or not self.process.is_alive():
            self.stop()
            self._start()
        self.conn.send((sandbox, path))
        if not self.conn.poll(seconds):
            self.stop()
            raise Hang(f"check() did not return within {seconds:.0f} s")
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            code = self.process.exitcode
            self.stop()
            raise Crash(f"the checking process died (exit code {code})") from None
        if kind == "crash":
            raise Crash(value)
        return value  # type: ignore[no-any-return]


def _in_thread(call: Callable[[], Outcome], seconds: float) -> Outcome:
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            box["error"] = exc

    worker = threading.Thread(target=target, name="kcsubmit-fuzz", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise Hang(f"check() did not return within {seconds:.0f} s")
    if "error" in box:
        raise Crash(f"{type(box['error']).__name__}: {box['error']}") from box["error"]
    return box["result"]  # type: ignore[no-any-return]


WORKER = Worker()


def check_in_process(sandbox: Sandbox, path: Path) -> Outcome:
    """The in-process property for one file: a Report (or KcsubmitError), nothing left behind."""
    outcome = WORKER.run(sandbox, path, INPROCESS_TIMEOUT_S)
    sandbox.assert_clean(path)
    return outcome


def check_cli(sandbox: Sandbox, path: Path, rules: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KCSUBMIT_LANG": "en", "NO_COLOR": "1", "TMPDIR": str(sandbox.scratch)}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "kcsubmit", "check", "-f", "json", "--rules", str(rules), str(path)],
            capture_output=True, text=True, encoding="utf-8", errors="replace", env=env, cwd=sandbox.cwd,
            stdin=subprocess.DEVNULL, timeout=CLI_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise Hang(f"kcsubmit check did not end within {CLI_TIMEOUT_S:.0f} s") from None
    assert "Traceback" not in proc.stderr, proc.stderr
    if proc.returncode in (0, 1):
        report = _strict_json(proc.stdout)
        jsonschema.validate(report, SCHEMA)
        assert proc.returncode == (1 if report["summary"]["errors"] else 0)
    else:
        assert proc.returncode == 2, (proc.returncode, proc.stderr)
        lines = proc.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("kcsubmit: error:"), proc.stderr
        assert "internal error" not in lines[0], lines[0]
    sandbox.assert_clean(path)
    return proc


def _example(fuzz_root: Path, seed: Seed, data: bytes, run: Callable[[Sandbox, Path], Any]) -> None:
    sandbox = Sandbox.make(fuzz_root)
    try:
        run(sandbox, sandbox.write(seed.name, data))
    finally:
        sandbox.remove()


# ---------------------------------------------------------------------------------------------
# The properties.

KINDS = ["zip", "docx", "jpeg", "mp4"]


@pytest.mark.parametrize("kind", KINDS)
def test_seed_is_sound(seeds: dict[str, Seed], fuzz_root: Path, kind: str) -> None:
    """The unmutated seeds are what they claim, so mutations start from deep inside the parsers."""
    seed = seeds[kind]
    sandbox = Sandbox.make(fuzz_root)
    try:
        report = check_in_process(sandbox, sandbox.write(seed.name, seed.data))
    finally:
        sandbox.remove()
    assert report.status == "report" and not report.skipped, report
    expected = {"zip": 3, "docx": 6, "jpeg": 1, "mp4": 1}[kind]  # the file and what it holds
    assert len(report.files) == expected, report.files
    assert report.errors == 0, report.files


@pytest.mark.parametrize("kind", KINDS)
@settings(ACTIVE)
@given(data=st.data())
def test_mutated_file_in_process(seeds: dict[str, Seed], fuzz_root: Path, kind: str, data: st.DataObject) -> None:
    seed = seeds[kind]
    _example(fuzz_root, seed, data.draw(mutated(seed), label="input"), check_in_process)


@pytest.mark.parametrize("kind", KINDS)
@CLI_SETTINGS
@given(data=st.data())
def test_mutated_file_through_cli(seeds: dict[str, Seed], fuzz_root: Path, short_rules: Path, kind: str,
                                  data: st.DataObject) -> None:
    seed = seeds[kind]
    _example(fuzz_root, seed, data.draw(mutated(seed), label="input"),
             lambda sandbox, path: check_cli(sandbox, path, short_rules))


def test_field_parsers_find_the_headers(seeds: dict[str, Seed]) -> None:
    """The absurd-value mutations have fields to aim at in every seed."""
    labels = {kind: {label.split(".")[-1] for _, _, label in FIELDS[kind](seeds[kind].data)} for kind in KINDS}
    assert {"crc", "compressed_size", "local_offset", "entries", "cd_offset"} <= labels["zip"]
    assert {"size", "sample_count", "entry_count", "width", "height"} <= labels["mp4"]
    assert {"height", "width", "length"} <= labels["jpeg"]
    assert "name_length" in labels["docx"]


# ---------------------------------------------------------------------------------------------
# Found by fuzzing (docs/fuzzing.md): each a minimal input, made from a seed at test time.

def test_f1_mp4_brand_of_digits_is_a_finding_not_a_crash(fuzz_root: Path) -> None:
    """F1: 16 bytes, an ftyp box whose major brand is "1234": pymediainfo hands MediaInfo's
    CodecID over as the int 1234, and probes/video.py _general() calls .strip() on it."""
    sandbox = Sandbox.make(fuzz_root)
    try:
        data = struct.pack(">I4s4sI", 16, b"ftyp", b"1234", 0)
        outcome = check_in_process(sandbox, sandbox.write("人工智能.mp4", data))
    finally:
        sandbox.remove()
    assert outcome.status == "report" and outcome.errors >= 1, outcome


def _check_video(fuzz_root: Path, video: bytes, where: str, seconds: float) -> Outcome:
    """Check ``video`` as a clip ("mp4") or stored in a theme zip, in the forked worker."""
    if where == "mp4":
        name, data = "人工智能.mp4", video
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr(zipfile.ZipInfo("人工智能.mp4", ag.DATE), video)
        name, data = "人工智能.zip", out.getvalue()
    sandbox = Sandbox.make(fuzz_root)
    try:
        path = sandbox.write(name, data)
        outcome = WORKER.run(sandbox, path, seconds)
        sandbox.assert_clean(path)
    finally:
        sandbox.remove()
    return outcome


@pytest.mark.parametrize("where", ["mp4", "stored in a zip"])
def test_f2_x264_options_twice_does_not_hang(seeds: dict[str, Seed], fuzz_root: Path, where: str) -> None:
    """F2: MediaInfo (24.12) loops for ever on an x264 SEI holding " - options: " twice (read
    from a path, or as a stream in pieces under 64 KB).  probes/masking.py hides the SEI's
    UUID from it.  The clip is otherwise compliant: any report will do, in time."""
    outcome = _check_video(fuzz_root, x264_options_twice(seeds["mp4"].data), where, CLI_TIMEOUT_S)
    assert outcome.status == "report", outcome


def _box(kind: bytes, *parts: bytes) -> bytes:
    body = b"".join(parts)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full_box(kind: bytes, body: bytes, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", flags), body)


def _mp4_without_stored_width(display: tuple[int, int] = (1920, 1080)) -> bytes:
    """F3: 307 bytes, a movie header and one video track, no media data: the track header
    says 1920x1080, the avc1 sample entry width 0, height 1080."""
    width, height = display
    tkhd = (struct.pack(">5I", 0, 0, 1, 0, 0) + bytes(8) + bytes(8)
            + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
            + struct.pack(">II", width << 16, height << 16))
    entry = (bytes(6) + struct.pack(">H", 1) + bytes(16) + struct.pack(">HH", 0, height)
             + struct.pack(">IIIH", 0x480000, 0x480000, 0, 1) + bytes(32) + struct.pack(">Hh", 24, -1))
    stbl = _box(b"stbl", _full_box(b"stsd", struct.pack(">I", 1) + _box(b"avc1", entry)))
    hdlr = _full_box(b"hdlr", struct.pack(">I4s", 0, b"vide") + bytes(13))
    minf = _box(b"minf", _full_box(b"vmhd", bytes(8), flags=1), stbl)
    trak = _box(b"trak", _full_box(b"tkhd", tkhd, flags=3), _box(b"mdia", hdlr, minf))
    return _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isom") + _box(b"moov", trak)


def test_f3_pixel_aspect_ratio_inf_is_a_finding_not_a_crash(fuzz_root: Path) -> None:
    """F3: MediaInfo reports no width and PixelAspectRatio "inf" (the display aspect of the
    track header over a stored width of 0); probes/video.py _video() computes
    round(0 * inf) = round(nan) and raises ValueError."""
    sandbox = Sandbox.make(fuzz_root)
    try:
        outcome = check_in_process(sandbox, sandbox.write("人工智能.mp4", _mp4_without_stored_width()))
    finally:
        sandbox.remove()
    assert outcome.status == "report" and outcome.errors >= 1, outcome


@pytest.mark.parametrize("box", ["elst", "stts"])
def test_f4_absurd_table_count_does_not_hang(seeds: dict[str, Seed], fuzz_root: Path, box: str) -> None:
    """F4: the seed clip with the entry count of its first edit list (elst) or time-to-sample
    table (stts) set to 0xFFFFFFFF: MediaInfo walks the entries one by one (16 M take ~1 s,
    4 G minutes).  Found as a 268-byte file (a cut-off moov) by the mp4 harness, then in
    every track of the seed by setting each header field to 0 and to its maximum."""
    data = bytearray(seeds["mp4"].data)
    at = data.index(box.encode()) - 4
    struct.pack_into(">I", data, at + 12, 0xFFFFFFFF)
    sandbox = Sandbox.make(fuzz_root)
    try:
        path = sandbox.write("人工智能.mp4", bytes(data))
        outcome = WORKER.run(sandbox, path, CLI_TIMEOUT_S)
        sandbox.assert_clean(path)
    finally:
        sandbox.remove()
    assert outcome.status == "report", outcome


def _edit(video: bytes, box: str, at: int, value: int, size: int | None = None) -> bytes:
    """The first ``box`` of the clip with the 32-bit field ``at`` bytes into its body set to
    ``value`` (and its size field to ``size``)."""
    data = bytearray(video)
    start = data.index(box.encode()) - 4
    struct.pack_into(">I", data, start + 8 + at, value)
    if size is not None:
        struct.pack_into(">I", data, start, size)
    return bytes(data)


F5_F7 = {
    # F5: an edit list whose size runs past its parent, with 1.6 billion entries: MediaInfo
    # allocated 12 GB and ran past a minute (atheris, mp4, 6.5 KB input).
    "F5-elst-past-its-parent": lambda v: _edit(v, "elst", 4, 0x61720001, size=327708),
    # F6: the sample-to-group table of the audio track claiming 1.9 billion entries: MediaInfo
    # looped past a minute (atheris, mp4, 4 KB and 3 KB).
    "F6-sbgp-count": lambda v: _edit(v, "sbgp", 8, 0x72727272),
    # F7: the sample group description (version 1) claiming 2.6 billion entries: 11 s (atheris,
    # mp4, 30 KB; a second input, 4 KB, with 0xFFFFFFFE went past the 10 s limit).
    "F7-sgpd-count": lambda v: _edit(v, "sgpd", 12, 0x9E4AAAA8),
}


@pytest.mark.parametrize("case", list(F5_F7))
@pytest.mark.parametrize("where", ["mp4", "stored in a zip"])
def test_f5_f7_table_counts_are_v002_in_time(seeds: dict[str, Seed], fuzz_root: Path, case: str,
                                             where: str) -> None:
    outcome = _check_video(fuzz_root, F5_F7[case](seeds["mp4"].data), where, INPROCESS_TIMEOUT_S)
    assert outcome.status == "report", outcome
    video_rules = [rules for _, kind, rules in outcome.files if kind == "video"]
    assert video_rules == [("V002",)], outcome

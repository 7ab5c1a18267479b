"""Which program decompresses RAR entries on this machine: chosen by trying, not by finding.

rarfile reads stored (uncompressed) RAR entries itself but hands compressed ones to the first
tool it finds on PATH.  Found is not working: Debian's ``7zip`` package (``7zz``) has no RAR
codec, so with it installed every compressed entry of an intact WinRAR archive "fails".  Here,
once per process, each candidate decompresses the tiny samples shipped in ``rarsamples/``
(compressed RAR 4 and RAR 5, then solid RAR 4 and RAR 5); a candidate that returns the right
bytes for both compressed samples can be used, and one that also reads the solid samples is
preferred.  What a tool proved it reads (:attr:`Tool.can`) later tells a tool's failure on an
entry of that kind (damage, A008) from a kind it never showed it can read (A013).

Candidates, in order: unrar (on Windows also WinRAR's ``UnRAR.exe`` in Program Files), unar,
bsdtar, 7z (on Windows also 7-Zip's ``7z.exe`` in Program Files), 7zz, and ``tar`` (bsdtar on
macOS and Windows 10+).  ``KCSUBMIT_RAR_TOOLS`` replaces the list: names or paths separated by
commas, tried in that order (empty: no tool at all).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import IO

from ..interrupts import scratch_dir

ENV = "KCSUBMIT_RAR_TOOLS"
# sample → (file in rarsamples/, the entry to extract); every entry holds the same 2,048 bytes.
SAMPLES = {
    "rar4": ("rar4.rar", "stest1.txt"),
    "rar5": ("rar5.rar", "stest1.txt"),
    "rar4-solid": ("rar4-solid.rar", "stest2.txt"),
    "rar5-solid": ("rar5-solid.rar", "stest2.txt"),
}
REQUIRED = ("rar4", "rar5")
EXPECTED = "2eaebb4c18cdef7f20089f8a2fa3475bc59c2a193f66e2f1513609a4bef13e22"  # "000\n" … "511\n"
PROBE_SECONDS = 10
DEFAULT = ("unrar", "unar", "bsdtar", "7z", "7zz", "tar")
# An executable's name (without .exe) → how it is driven.
STYLES = {"unrar": "unrar", "rar": "unrar", "unar": "unar", "bsdtar": "bsdtar", "tar": "bsdtar",
          "7z": "7z", "7zz": "7z", "7za": "7z", "7zr": "7z"}
WINDOWS_FOLDERS = {"unrar": ("WinRAR", "UnRAR.exe"), "7z": ("7-Zip", "7z.exe")}
NO_WINDOW = 0x08000000 if sys.platform == "win32" else 0  # CREATE_NO_WINDOW


@dataclass(frozen=True)
class Tool:
    """A RAR decompressor that passed the samples."""

    name: str  # the executable's name: "bsdtar", "unrar", "7zz"…
    path: str
    style: str  # one of the values of STYLES
    can: frozenset[str]  # the samples it read right: "rar4", "rar5", "rar4-solid", "rar5-solid"

    def command(self, archive: str, member: str) -> list[str]:
        """The command line that writes one entry's bytes, and nothing else, to stdout."""
        return command(self.style, self.path, archive, member)

    def start(self, archive: str, member: str, stderr: IO[bytes]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command(archive, member), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=stderr, env=environment(self.style),
                                creationflags=NO_WINDOW)

    def describe(self) -> str:
        return f"{self.name} ({self.path})"


def command(style: str, path: str, archive: str, member: str) -> list[str]:
    """Extract ``member`` of ``archive`` to stdout, never prompting for a password.

    bsdtar and 7-Zip are given the name literally (escaped / ``-spd``); unrar and unar treat
    ``*`` and ``?`` as wildcards, so a name holding them may match more (the reader then sees
    more bytes than the entry holds and says it could not verify it).
    """
    if style == "unrar":
        return [path, "p", "-inul", "-p-", "--", archive, member]
    if style == "unar":
        return [path, "-q", "-nr", "-o", "-", "-p", "", "--", archive, member]
    if style == "bsdtar":
        literal = "".join("\\" + c if c in "*?[]\\" else c for c in member)
        return [path, "-x", "-O", "-f", archive, "--", literal]
    return [path, "e", "-so", "-bd", "-bb0", "-p", "-spd", "-y", "--", archive, member]


def environment(style: str) -> dict[str, str] | None:
    """bsdtar skips entries whose names it cannot convert to the locale's charset: use UTF-8."""
    if style != "bsdtar" or sys.platform == "win32":
        return None
    return {**os.environ, "LC_ALL": "C.UTF-8" if sys.platform.startswith("linux") else "en_US.UTF-8"}


def candidates(spec: str | None = None) -> list[tuple[str, str, str]]:
    """(name, path, style) of every candidate present, in the order they are tried.

    ``spec``: names or paths separated by commas (``KCSUBMIT_RAR_TOOLS``), instead of the default.
    """
    names = DEFAULT if spec is None else tuple(n.strip() for n in spec.split(",") if n.strip())
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()

    def add(path: str | None, style: str) -> None:
        if path and os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            found.append((_stem(path), path, style))

    for name in names:
        style = STYLES.get(_stem(name))
        if style is None:
            continue
        if os.path.dirname(name):  # a path, not a name to look up on PATH
            add(name if os.path.isfile(name) else None, style)
        else:
            add(shutil.which(name), style)
        if sys.platform == "win32" and spec is None and _stem(name) in WINDOWS_FOLDERS:
            folder, exe = WINDOWS_FOLDERS[_stem(name)]
            for root in _program_folders():
                candidate = os.path.join(root, folder, exe)
                add(candidate if os.path.isfile(candidate) else None, style)
    return found


def _stem(name: str) -> str:
    return os.path.basename(name).lower().removesuffix(".exe")


def _program_folders() -> list[str]:
    keys = ("ProgramFiles", "ProgramW6432", "ProgramFiles(x86)")
    roots = [os.environ[k] for k in keys if os.environ.get(k)]
    return list(dict.fromkeys(roots + [r"C:\Program Files", r"C:\Program Files (x86)"]))


def alone(archive: str, folder: str) -> str:
    """The archive as the only file of ``folder`` (a link, else a copy): unar takes files beside
    an archive whose names look alike (``rar5.rar``, ``rar5-solid.rar``) for more of its volumes."""
    target = os.path.join(folder, "archive.rar")
    try:
        os.symlink(os.path.abspath(archive), target)
    except (OSError, NotImplementedError):
        shutil.copyfile(archive, target)
    return target


def reads(style: str, path: str, sample: str) -> bool:
    """Whether the tool returns the right bytes of one sample."""
    file, member = SAMPLES[sample]
    with resources.as_file(resources.files(__package__).joinpath("rarsamples").joinpath(file)) as archive, \
            scratch_dir(prefix="kcsubmit-") as folder:
        given = alone(str(archive), folder) if style == "unar" else str(archive)
        try:
            done = subprocess.run(command(style, path, given, member), check=False, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=environment(style),
                                  timeout=PROBE_SECONDS, creationflags=NO_WINDOW)
        except (OSError, subprocess.SubprocessError):
            return False
    return hashlib.sha256(done.stdout).hexdigest() == EXPECTED


def choose(found: list[tuple[str, str, str]]) -> Tool | None:
    """The first candidate that reads every sample, else the first that reads the compressed ones."""
    fallback: Tool | None = None
    for name, path, style in found:
        if not all(reads(style, path, sample) for sample in REQUIRED):
            continue
        extra = [sample for sample in SAMPLES if sample not in REQUIRED and reads(style, path, sample)]
        tool = Tool(name, path, style, frozenset((*REQUIRED, *extra)))
        if len(tool.can) == len(SAMPLES):
            return tool
        fallback = fallback or tool
    return fallback


@lru_cache(maxsize=1)
def selected() -> Tool | None:
    """The tool of this process (chosen on first use; ``selected.cache_clear()`` to choose again)."""
    return choose(candidates(os.environ.get(ENV)))


def host() -> str:
    """The system the install advice is for: ``windows``, ``macos`` or ``linux``."""
    if sys.platform == "win32":
        return "windows"
    return "macos" if sys.platform == "darwin" else "linux"

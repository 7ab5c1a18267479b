"""Factories for real media made at test time with the bundled ffmpeg."""

from __future__ import annotations

import re
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "fixtures"))

from kcsubmit import profile as profile_mod  # noqa: E402
from kcsubmit.engine import check  # noqa: E402

import videogen  # noqa: E402

# The Ctrl-C tests send SIGINT to kcsubmit processes started here. A shell script that starts the
# suite in the background (`make test &`) hands every child SIGINT ignored, and Python then never
# raises KeyboardInterrupt: the suite would test the launcher, not kcsubmit. Children inherit a
# handler as the default action, so one set here gives them Ctrl-C as a terminal does.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

BUILTIN = (ROOT / "src" / "kcsubmit" / "profiles" / "2023.toml").read_text(encoding="utf-8")


def profile_text(**changes: Any) -> str:
    """The built-in profile with some ``key = value`` lines replaced (TOML literals)."""
    text = BUILTIN
    for key, value in changes.items():
        text, n = re.subn(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
        assert n == 1, key
    return text


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty cache of repaired copies (KCSUBMIT_CACHE_DIR, inherited by the CLI
    runs it starts): no test reuses another's work, and the user's cache is never touched."""
    monkeypatch.setenv("KCSUBMIT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def short_profile() -> profile_mod.Profile:
    """The 2023 profile with durations scaled down so that 3-second clips are compliant."""
    return profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5), source="<test>")


@pytest.fixture(scope="session")
def short_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """That profile as a file, for ``--rules`` on the command line."""
    path = tmp_path_factory.mktemp("profiles") / "short.toml"
    path.write_text(profile_text(min_duration_s=2, max_duration_s=5), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def make_video(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """make_video(name, **options): a clip made once per session per (name, options)."""
    folder = tmp_path_factory.mktemp("videos")
    cache: dict[tuple, Path] = {}

    def make(name: str, **options: Any) -> Path:
        key = (name, tuple(sorted(options.items())))
        if key not in cache:
            # One sub-folder per clip: the same name with other options must not overwrite it.
            cache[key] = videogen.make_video(folder / str(len(cache)) / name, **options)
        return cache[key]

    return make


@pytest.fixture(scope="session")
def good_video(make_video: Callable[..., Path]) -> Path:
    return make_video("good.mp4")


def rule_ids(path: Path | str, profile: Any) -> set[str]:
    report = check([path], rules=profile)
    assert len(report.files) == 1, report
    return {f.rule for f in report.files[0].findings}


def assert_findings(path: Path | str, expected: Iterable[str], profile: Any) -> None:
    """yamllint-style one-liner: the file breaks exactly these rules."""
    assert rule_ids(path, profile) == set(expected)


def x264_options_twice(video: bytes) -> bytes:
    """F2 (docs/fuzzing.md): the x264 SEI of the clip with " - options: " written again right
    after its "options: " (12 bytes overwritten, same length: the file stays well-formed)."""
    at = video.index(b"options: ") + len(b"options: ")
    return video[:at] + b" - options: " + video[at + 12:]

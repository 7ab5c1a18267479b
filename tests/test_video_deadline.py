"""MediaInfo under a deadline (probes/deadline.py): a file it never finishes is V002, in time.

The hang is real: the F2 clip (an x264 SEI holding " - options: " twice), on which
MediaInfo 24.12 loops for ever, with the SEI mask of probes/masking.py switched off in a
forked child, so that nothing but the deadline stands between MediaInfo and the hang.
The child is killed afterwards: the abandoned MediaInfo thread would otherwise keep a
core busy for the rest of the session.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kcsubmit.probes import deadline

from conftest import x264_options_twice

fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="the hanging MediaInfo runs in a forked child")


def _check_unmasked(path: str, profile: Any, conn: Any) -> None:  # pragma: no cover - in the child
    os.environ["KCSUBMIT_MEDIAINFO_TIMEOUT"] = "2"
    from kcsubmit.engine import check
    from kcsubmit.probes import masking

    masking.encoder_text_offsets = lambda *args, **kwargs: []  # the mask off: MediaInfo sees the SEI
    started = time.monotonic()
    report = check([path], rules=profile)
    conn.send((time.monotonic() - started,
               [(r.path, [(f.rule, f.variant) for f in r.findings], r.facts.get("timeout_s")) for r in report.files]))
    conn.close()
    os._exit(0)  # not a normal exit: the abandoned thread is still looping


def _run_unmasked(path: Path, profile: Any) -> tuple[float, list[Any]]:
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_check_unmasked, args=(str(path), profile, child), daemon=True)
    process.start()
    try:
        assert parent.poll(60), "check() did not return: the deadline did not hold"
        return parent.recv()  # type: ignore[no-any-return]
    finally:
        process.kill()
        process.join()


@fork
@pytest.mark.parametrize("where", ["mp4", "stored in a zip"])
def test_a_hanging_mediainfo_is_v002_timeout(make_video: Callable[..., Path], short_profile: Any,
                                             tmp_path: Path, where: str) -> None:
    video = x264_options_twice(make_video("deadline.mp4").read_bytes())
    if where == "mp4":
        path = tmp_path / "人工智能.mp4"
        path.write_bytes(video)
    else:
        path = tmp_path / "人工智能.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("人工智能.mp4", video)  # stored: probed in place, through the archive's handle
            archive.writestr("说明.txt", "x" * 1000)
    seconds, files = _run_unmasked(path, short_profile)
    assert seconds < 20, seconds
    video_results = [(findings, timeout) for name, findings, timeout in files if name.endswith(".mp4")]
    assert video_results == [([("V002", "timeout")], 2.0)], files


def test_call_returns_and_raises_like_the_work() -> None:
    guard = deadline.Guarded(io.BytesIO(b"abc"))
    assert deadline.call(lambda: guard.read(), 5, guard) == b"abc"
    with pytest.raises(KeyError):
        deadline.call(lambda: {}["missing"], 5, guard)


def test_past_the_deadline_the_reader_is_cut_off() -> None:
    guard = deadline.Guarded(io.BytesIO(b"abc" * 1000))
    release = threading.Event()
    reads: list[Any] = []

    def stuck() -> None:
        release.wait(10)  # a call that does not return in time
        try:
            reads.append(guard.read(3))
        except ValueError as exc:
            reads.append(exc)

    started = time.monotonic()
    with pytest.raises(deadline.TimedOut):
        deadline.call(stuck, 0.3, guard)
    assert time.monotonic() - started < 3
    release.set()
    for _ in range(100):
        if reads:
            break
        time.sleep(0.01)
    assert len(reads) == 1 and isinstance(reads[0], ValueError), reads  # the file was not touched


@pytest.mark.parametrize("value,expected", [("7", 7.0), ("0", 30.0), ("-1", 30.0), ("soon", 30.0), (None, 30.0)])
def test_the_deadline_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str | None,
                                                 expected: float) -> None:
    if value is None:
        monkeypatch.delenv("KCSUBMIT_MEDIAINFO_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("KCSUBMIT_MEDIAINFO_TIMEOUT", value)
    assert deadline.seconds() == expected

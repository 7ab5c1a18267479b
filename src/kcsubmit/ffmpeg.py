"""The only place that starts ffmpeg: locate it, run it with progress, stop it, explain failures.

The binary is the static ffmpeg inside the ``imageio-ffmpeg`` wheel (libx264,
and NVENC/QSV/AMF where the machine has them): nothing to install by hand.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from functools import cache, lru_cache

from .errors import KcsubmitError, ToolMissing
from .interrupts import INTERRUPTS, hold, release

HARDWARE = ("h264_nvenc", "h264_qsv", "h264_amf", "h264_videotoolbox")


class FfmpegError(KcsubmitError):
    """ffmpeg failed; the message ends with the last lines it printed."""


@lru_cache(maxsize=1)
def exe() -> str:
    """The ffmpeg binary: ``KCSUBMIT_FFMPEG`` if set, else the one bundled with imageio-ffmpeg."""
    override = os.environ.get("KCSUBMIT_FFMPEG")
    if override:
        return override
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:  # noqa: BLE001 - a broken wheel or unsupported platform
        raise ToolMissing(f"ffmpeg is not available ({exc}): pip install --force-reinstall imageio-ffmpeg",
                          key="ffmpeg_missing") from None


@lru_cache(maxsize=1)
def encoders() -> frozenset[str]:
    """Names of the video encoders this ffmpeg was built with."""
    out = subprocess.run([exe(), "-hide_banner", "-encoders"], capture_output=True, text=True,
                         errors="replace", timeout=30).stdout
    return frozenset(line.split()[1] for line in out.splitlines() if line.startswith(" V") and len(line.split()) > 1)


@cache
def encoder_works(name: str) -> bool:
    """A one-second test encode: a hardware encoder is listed even where no such hardware is."""
    if name not in encoders():
        return False
    args = [exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
            "testsrc2=size=1920x1080:rate=25", "-t", "1", "-pix_fmt", "yuv420p", "-c:v", name, "-f", "null", "-"]
    try:
        return subprocess.run(args, capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def choose_encoder(wanted: str) -> str:
    """``auto``: the first hardware H.264 encoder that passes a test encode, else libx264."""
    if wanted != "auto":
        if wanted != "libx264" and not encoder_works(wanted):
            raise ToolMissing(f"the encoder {wanted} does not work on this machine; use --encoder auto or libx264",
                              key="encoder_unusable", encoder=wanted)
        return wanted
    return next((name for name in HARDWARE if encoder_works(name)), "libx264")


def run(args: Sequence[str], duration_s: float | None = None,
        progress: Callable[[float], None] | None = None) -> None:
    """Run ffmpeg with ``args`` (inputs, filters, output); report the fraction done.

    Interrupted (Ctrl-C, SIGTERM), ffmpeg is stopped before the exception goes on,
    so the caller can remove its unfinished output. On Linux ffmpeg also dies with
    this process if it is killed outright.
    """
    command = [exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats",
               "-progress", "pipe:1", *args]
    with tempfile.TemporaryFile() as errors:
        # A Ctrl-C that lands while Popen forks would be raised inside an at-fork callback,
        # where Python reports it as "Exception ignored" and drops it: the fix would go on.
        # So SIGINT/SIGTERM wait (blocked) until the process exists, then arrive in the try
        # below, which stops ffmpeg. The child unblocks them before exec.
        held = hold()
        try:
            proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors,
                                    preexec_fn=_child_setup if held is not None else None)
        except BaseException:
            release(held)
            raise
        try:
            release(held)  # a Ctrl-C held back is raised here
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.decode("ascii", "replace").strip()
                if progress and duration_s and line.startswith("out_time_us="):
                    value = line.split("=", 1)[1]
                    if value.isdigit():
                        progress(min(1.0, int(value) / 1e6 / duration_s))
            code = proc.wait()
        except BaseException:
            _stop(proc)
            raise
        if code != 0:
            errors.seek(0)
            tail = errors.read().decode("utf-8", "replace").strip().splitlines()[-3:]
            raise FfmpegError(f"ffmpeg failed (exit {code}): {' / '.join(tail) or 'no message'}",
                              key="ffmpeg_failed", code=code, detail=" / ".join(tail))
    if progress:
        progress(1.0)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()  # not terminate(): ffmpeg would finish writing a file we are about to delete
    proc.wait()


def _child_setup() -> None:  # pragma: no cover - runs in the child, before exec
    """ffmpeg gets Ctrl-C again (a mask survives exec); on Linux it dies with kcsubmit, even by SIGKILL."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, INTERRUPTS)
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def frame(path: str | os.PathLike[str], at_s: float, size: int = 240, timeout: float = 20.0) -> bytes:
    """One decoded frame of the video at ``path``, ``at_s`` seconds in, as a JPEG (for thumbnails).

    The frame is shown as a player shows it: upright (ffmpeg applies the
    rotation), square pixels (an anamorphic picture is widened by its SAR),
    scaled down to fit inside ``size`` x ``size``.  Raises :class:`FfmpegError`
    when ffmpeg fails, times out, or finds no frame there (past the end, no
    video track).
    """
    shape = (f"scale=trunc(iw*sar/2)*2:ih,setsar=1,"
             f"scale={size}:{size}:force_original_aspect_ratio=decrease")
    command = [exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-ss", f"{max(0.0, at_s):.3f}",
               "-i", str(path), "-map", "0:v:0", "-an", "-sn", "-dn", "-frames:v", "1", "-vf", shape,
               "-q:v", "2", "-f", "image2pipe", "-vcodec", "mjpeg", "pipe:1"]
    # No preexec_fn (unlike run()): frames are taken from several threads at once, and the
    # timeout bounds the child's life anyway.
    try:
        proc = subprocess.run(command, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise FfmpegError(f"ffmpeg took more than {timeout:g} s for one frame", key="ffmpeg_failed",
                          code=-1, detail="timeout") from None
    if proc.returncode != 0 or not proc.stdout.startswith(b"\xff\xd8"):
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        detail = " / ".join(tail) or "no frame"
        raise FfmpegError(f"ffmpeg failed (exit {proc.returncode}): {detail}", key="ffmpeg_failed",
                          code=proc.returncode, detail=detail)
    return proc.stdout

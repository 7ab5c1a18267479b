"""Start the server: the work folder, the token, a socket on 127.0.0.1, uvicorn; stop on Ctrl-C."""

from __future__ import annotations

import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path

from ..errors import UsageError
from ..i18n import ui


def serve(folder: Path | None = None, port: int = 0, open_browser: bool = True, rules: str | None = None,
          lang: str = "zh", say: Callable[[str], None] = print) -> None:
    """Serve the page until Ctrl-C; a running job is stopped then (ffmpeg killed, nothing half-written)."""
    import uvicorn

    from ..outdir import ensure_writable
    from . import work
    from .app import build
    from .security import new_token

    root = folder if folder is not None else work.default_folder()
    ensure_writable(root, create=True)
    space = work.Workspace.open(root, rules)
    token = new_token()
    sock = _listen(port)
    port = sock.getsockname()[1]
    app, server_state = build(space, token, port, lang)
    url = f"http://127.0.0.1:{port}/?token={token}"
    say(ui("serve_started", lang, url=url, folder=str(space.root)))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    if open_browser:
        threading.Thread(target=_open_when_ready, args=(server, url), daemon=True).start()
    # uvicorn handles Ctrl-C and SIGTERM itself, then raises them again once it has shut down:
    # SIGTERM must then arrive as KeyboardInterrupt too, so that the job is stopped below.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        try:
            server_state.runner.stop()
        except KeyboardInterrupt:  # a second Ctrl-C while the job winds down
            pass
        sock.close()
        signal.signal(signal.SIGTERM, previous)
    say(ui("serve_stopped", lang))


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _listen(port: int) -> socket.socket:
    """A socket on 127.0.0.1 only: ``port``, or a free one (0)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if sys.platform != "win32":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}", key="serve_port",
                         port=port, reason=exc.strerror or str(exc)) from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def _open_when_ready(server: object, url: str) -> None:
    for _ in range(100):
        if getattr(server, "started", False):
            webbrowser.open(url)
            return
        time.sleep(0.05)

"""The door of the local server: every request is checked here before any route sees it.

A server on 127.0.0.1 is reachable by every page the browser opens, so:

- the ``Host`` header must be ``127.0.0.1:PORT`` or ``localhost:PORT`` (a page of
  another site that rebinds its DNS name to 127.0.0.1 sends its own name: refused, 400);
- every request carries the run's random token: once in the URL the terminal prints
  (``/?token=…``), which sets an HttpOnly, SameSite=Strict cookie and redirects to ``/``
  so the token leaves the address bar; without the cookie, 403;
- a request that changes anything is a POST that also carries the token in a header
  (``X-Kcsubmit-Token``, which a form or an image of another site cannot send) and, when the
  browser says where it comes from (``Origin``), comes from this server's own address;
- every answer forbids scripts, styles and frames from anywhere else (CSP ``'self'``), so a
  name that slipped through escaping could still run nothing.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "kcsubmit_token"  # + "_PORT": cookies ignore the port, and two servers must not share one
HEADER = "x-kcsubmit-token"
SAFE_METHODS = ("GET", "HEAD")
HEADERS = [
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
     b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Guard:
    """ASGI middleware: Host, token (cookie or the opening URL), POST header, security headers."""

    def __init__(self, app: ASGIApp, token: str, port: int) -> None:
        self.app, self.token = app, token
        self.port = port
        self.cookie = f"{COOKIE}_{port}"
        self.hosts = {f"127.0.0.1:{port}".encode(), f"localhost:{port}".encode()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])  # names are lower case in ASGI
        if headers.get(b"host", b"").lower() not in self.hosts:
            await _answer(send, 400, b"kcsubmit: this address is not served here")
            return
        method = scope["method"]
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[0]
        if method == "GET" and scope["path"] == "/" and given:
            if not _same(given, self.token):
                await _answer(send, 403, b"kcsubmit: wrong token; open the address printed in the terminal")
                return
            cookie = f"{self.cookie}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode()
            await _answer(send, 303, b"", [(b"location", b"/"), (b"set-cookie", cookie)])
            return
        if not _same(_cookie(headers.get(b"cookie", b""), self.cookie), self.token):
            await _answer(send, 403, b"kcsubmit: open the address printed in the terminal (it holds the key)")
            return
        if method not in SAFE_METHODS:
            origin = headers.get(b"origin")
            own = {b"http://" + host for host in self.hosts}
            header = headers.get(HEADER.encode(), b"").decode("latin-1")
            if method != "POST" or (origin is not None and origin.lower() not in own) \
                    or not _same(header, self.token):
                await _answer(send, 403, b"kcsubmit: refused")
                return

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *HEADERS]}
            await send(message)

        await self.app(scope, receive, guarded_send)


def _same(given: str, token: str) -> bool:
    return secrets.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


def _cookie(raw: bytes, wanted: str) -> str:
    for part in raw.decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == wanted:
            return value
    return ""


async def _answer(send: Send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               *HEADERS, *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})

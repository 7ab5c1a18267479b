"""The routes of ``kcsubmit serve``: one page, a JSON state to poll, uploads, jobs, downloads.

Every request has passed :class:`kcsubmit.serve.security.Guard` (Host, token, POST header).
No route takes a path from the client: files are named by their number in the list, archives by
their number in the last pack.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import KcsubmitError
from ..i18n import LANGS, texts, ui
from ..reporters.html import CSS as REPORT_CSS
from ..version import __version__
from . import views, work
from .jobs import Busy, Reporter, Runner
from .security import Guard
from .uploads import Inbox, TooLarge

HERE = Path(str(resources.files("kcsubmit").joinpath("serve")))
MAX_UPLOAD = 4 << 30  # 4 GiB: past any video a call accepts; the disk is the other limit
JOBS: dict[str, Callable[[work.Workspace, Reporter], None]] = {"check": work.check, "fix": work.fix,
                                                                "pack": work.pack}


class Server:
    """The state of one run: the work folder, the job runner, the language, the token."""

    def __init__(self, space: work.Workspace, token: str, lang: str) -> None:
        self.space, self.token, self.lang = space, token, lang
        self.runner = Runner()
        self.inbox = Inbox(space.originals)
        self.env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                               autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)

    def label(self, path: str) -> str:
        """What the page calls a file a job is working on: the name the teacher gave it."""
        resolved = Path(path.split("!")[0])
        for item in self.space.items:
            if item.path == resolved or item.path.name == resolved.name:
                return item.name
        return resolved.name

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, KcsubmitError):
            return exc.localized(self.lang)
        if isinstance(exc, OSError):
            return ui("os_error", self.lang, reason=exc.strerror or type(exc).__name__, path=exc.filename or "")
        return f"internal error: {type(exc).__name__}: {exc}"

    # ------------------------------------------------------------------ routes
    async def index(self, request: Request) -> Response:
        lang, space = self.lang, self.space
        page_texts = {k[6:]: v for k, v in texts(lang)["ui"].items() if k.startswith("serve_")}
        with space.lock:
            profiles = {label: space.profiles[label] for label in space.profiles}
        titles = {label: _title(spec) for label, spec in profiles.items()}
        html = self.env.get_template("index.html").render(
            lang=lang, html_lang={"zh": "zh-CN", "en": "en"}[lang], t=lambda key, **v: views.t(key, lang, **v),
            ui=lambda key, **v: ui(key, lang, **v), token=self.token, folder=str(space.root),
            originals=str(space.originals), fixed=str(space.root / work.FIXED), dist=str(space.root / work.DIST),
            profiles=titles, fits=_fits(), version=__version__,
            texts_json=json.dumps({**page_texts, **{f"kind_{k}": ui(f"kind_{k}", lang) for k in
                                                      ("video", "document", "image", "archive", "other")}},
                                  ensure_ascii=False))
        return HTMLResponse(html)

    async def state(self, request: Request) -> Response:
        space = self.space
        with space.lock:
            profile = space.profile()
            body: dict[str, Any] = {
                "lang": self.lang, "studio": space.studio, "rules": space.rules, "fit": space.fit, "trim": space.trim,
                "themes": list(profile.themes), "items": [i.as_dict() for i in space.items],
                **views.profile_state(profile, space.fields, self.lang),
                "unused": space.unused(), "folder": str(space.root),
                "has": {"report": space.report is not None, "fixed": space.fixed is not None,
                        "packed": space.packed is not None and bool(space.packed.archives),
                        "refused": space.packed is not None and not space.packed.archives},
            }
        body["job"] = self.runner.snapshot()
        return JSONResponse(body)

    async def settings(self, request: Request) -> Response:
        data = await _json(request)
        if self.runner.busy():
            return _busy(self.lang)
        try:
            with self.space.lock:
                self.space.settings(_str(data.get("studio")), _str(data.get("rules")), _str(data.get("fit")),
                                    data.get("trim") if isinstance(data.get("trim"), bool) else None,
                                    _fields(data.get("fields")))
        except work.FieldError as exc:
            return JSONResponse({"error": views.t("field_bad", self.lang, field=views.field_label(exc.key, self.lang),
                                                  char=exc.char)}, status_code=400)
        except ValueError:
            return JSONResponse({"error": "bad value"}, status_code=400)
        return JSONResponse({"ok": True})

    async def set_lang(self, request: Request) -> Response:
        data = await _json(request)
        if data.get("lang") not in LANGS:
            return JSONResponse({"error": "bad value"}, status_code=400)
        self.lang = str(data["lang"])
        return JSONResponse({"ok": True})

    async def upload(self, request: Request) -> Response:
        name = request.query_params.get("name", "")[:1000]  # shown only: the file gets a safe name of ours
        if self.runner.busy():
            return _busy(self.lang)
        try:
            path = await self.inbox.receive(request, name, MAX_UPLOAD)
        except ClientDisconnect:
            return Response(status_code=499)
        except TooLarge:
            return JSONResponse({"error": views.t("too_large", self.lang)}, status_code=413)
        except OSError as exc:
            return JSONResponse({"error": self.describe(exc)}, status_code=507)
        with self.space.lock:
            item = self.space.add(path, name or path.name)
        return JSONResponse(item.as_dict())

    async def edit(self, request: Request) -> Response:
        data = await _json(request)
        if self.runner.busy():
            return _busy(self.lang)
        with self.space.lock:
            item = self.space.item(int(request.path_params["item"]))
            if item is None:
                return JSONResponse({"error": "no such file"}, status_code=404)
            if data.get("remove") is True:
                self.space.remove(item)
                return JSONResponse({"ok": True})
            try:
                self.space.set_role(item, str(data.get("role")), _str(data.get("theme")),
                                    _str(data.get("deliverable")))
            except ValueError:
                return JSONResponse({"error": "bad value"}, status_code=400)
        return JSONResponse({"ok": True})

    async def job(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in JOBS:
            return JSONResponse({"error": "no such job"}, status_code=404)
        with self.space.lock:
            if not self.space.items:
                return JSONResponse({"error": views.t("no_files", self.lang)}, status_code=409)
        space, run = self.space, JOBS[kind]
        if self.inbox.busy():
            return _busy(self.lang)
        try:
            self.runner.start(kind, lambda reporter: run(space, reporter), self.label, self.describe)
        except Busy:
            return _busy(self.lang)
        return JSONResponse({"ok": True})

    async def fragment(self, request: Request) -> Response:
        space, lang, which = self.space, self.lang, request.path_params["which"]
        with space.lock:
            if which == "report" and space.report is not None:
                html = views.report(space.report, lang)
            elif which == "fixed" and space.fixed is not None:
                html = views.fixed(space.fixed, space.after, space.report, lang)
            elif which == "packed" and space.packed is not None:
                html = views.packed(space.packed, lang, space.profile())
            else:
                html = ""
        return HTMLResponse(html)

    async def download(self, request: Request) -> Response:
        index = int(request.path_params["index"])
        with self.space.lock:
            packed = self.space.packed
            archives = packed.archives if packed else ()
        if not 0 <= index < len(archives):
            return Response("no such archive", status_code=404)
        path = Path(archives[index].path)
        if not path.resolve().is_relative_to(self.space.root / work.DIST) or not path.is_file():
            return Response("no such archive", status_code=404)
        # A deliverable without an archive template is uploaded as the file itself (a video, a picture).
        kind = "application/zip" if path.suffix.lower() == ".zip" else "application/octet-stream"
        return FileResponse(path, filename=path.name, media_type=kind)

    async def report_css(self, request: Request) -> Response:
        return Response(REPORT_CSS, media_type="text/css")


def build(space: work.Workspace, token: str, port: int, lang: str) -> tuple[Guard, Server]:
    """The ASGI application (behind its guard) and the server state it serves."""
    server = Server(space, token, lang)
    routes = [
        Route("/", server.index),
        Route("/api/state", server.state),
        Route("/api/settings", server.settings, methods=["POST"]),
        Route("/api/lang", server.set_lang, methods=["POST"]),
        Route("/api/upload", server.upload, methods=["POST"]),
        Route("/api/files/{item:int}", server.edit, methods=["POST"]),
        Route("/api/jobs/{kind}", server.job, methods=["POST"]),
        Route("/fragment/{which}", server.fragment),
        Route("/download/{index:int}", server.download),
        Route("/report.css", server.report_css),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    return Guard(app, token, port), server


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _fields(value: object) -> dict[str, str] | None:
    """``{"title": "…"}`` from the page; anything else is no change (None)."""
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return None
    return {k: v[:200] for k, v in value.items()}


def _busy(lang: str) -> Response:
    return JSONResponse({"error": views.t("busy", lang)}, status_code=409)


def _title(spec: str) -> str:
    from ..profile import load

    try:
        profile = load(spec)
    except KcsubmitError:
        return spec
    return f"{profile.name} · {profile.title}" if profile.title else profile.name


def _fits() -> list[str]:
    from ..fixers import FITS

    return list(FITS)

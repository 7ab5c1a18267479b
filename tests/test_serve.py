"""kcsubmit serve: the teacher's page in real Chromium (Playwright), its door, its uploads.

The browser is Debian's /usr/bin/chromium (no browser download); the browser tests are skipped
without it.  The server runs as a subprocess (``python -m kcsubmit serve``), as a teacher starts it.
``KCSUBMIT_SCREENSHOTS=1`` writes a screenshot of each step to ``docs/serve/`` (docs/serve.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from kcsubmit.i18n import ui
from kcsubmit.serve.uploads import safe_name

import docgen
from conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
SHOTS = ROOT / "docs" / "serve" if os.environ.get("KCSUBMIT_SCREENSHOTS") else None
STUDIO = "示例中学青少年科学工作室"
XSS_NAME = "<img src=x onerror=alert(1)>.mp4"
XSS_STUDIO = '"><script>alert(2)</script>'
XSS_TEXT = "<img src=x onerror=alert(3)>"  # a paragraph of the case document
MB = 1_000_000


@dataclass
class Served:
    proc: subprocess.Popen[str]
    url: str  # with the token
    port: int
    token: str
    work: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(work: Path, *args: str) -> Served:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join([str(ROOT / "src"),
                                                                                 os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "kcsubmit", "serve", str(work), "--no-browser", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=hasattr(os, "killpg"))  # its own group, as in a terminal
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
    assert found, line + (proc.stderr.read() if proc.stderr and proc.poll() is not None else "")
    served = Served(proc, found.group(0), int(found.group(1)), found.group(2), work)
    for _ in range(100):  # listening as soon as the line is printed; wait for uvicorn to answer
        try:
            _request(served, "GET", "/", cookie=False)
            break
        except OSError:
            time.sleep(0.05)
    return served


def stop(served: Served, twice: bool = False) -> str:
    """Ctrl-C as a terminal sends it: to the server and every process it started (ffmpeg).

    ``twice``: an impatient second Ctrl-C while the server winds down.
    """
    for n in range(2 if twice else 1):
        if n:
            time.sleep(0.2)
        if hasattr(os, "killpg"):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(served.proc.pid, signal.SIGINT)
        else:
            served.proc.send_signal(signal.SIGINT)
    try:
        _, err = served.proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        served.proc.kill()
        _, err = served.proc.communicate()
        pytest.fail("the server did not stop on Ctrl-C")
    return err


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    running: list[Served] = []

    def make(*args: str, work: Path | None = None) -> Served:
        running.append(start(work or tmp_path / "work", *args))
        return running[-1]

    yield make
    for served in running:
        if served.proc.poll() is None:
            stop(served)


def _request(served: Served, method: str, path: str, body: bytes | None = None, *, cookie: bool = True,
             header: bool = False, host: str | None = None, origin: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    headers = {"Host": host or f"127.0.0.1:{served.port}"}
    if cookie:
        headers["Cookie"] = f"kcsubmit_token_{served.port}={served.token}"
    if header:
        headers["X-Kcsubmit-Token"] = served.token
    if origin:
        headers["Origin"] = origin
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return response


# --------------------------------------------------------------------------- the demo submission, scaled down


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, make_video: Callable[..., Path]) -> list[Path]:
    """The demo studio's files (fixtures/make_demo.py) with 3-second clips: a compliant video, a
    portrait one (repaired by a transcode), the case document with its six pictures (four broken),
    and three loose pictures (a PNG named .jpg, one too large)."""
    sys.path.insert(0, str(ROOT / "fixtures"))
    import make_demo

    root = tmp_path_factory.mktemp("demo")
    shutil.copy(make_video("good.mp4"), root / "人工智能-合格.mp4")
    shutil.copy(make_video("portrait.mp4", width=320, height=180, rotation=90), root / "逐梦航天-竖屏.mp4")
    make_demo.case_document(root / "科学工作室活动案例.docx")
    (root / "01.jpg").write_bytes(docgen.jpeg(seed=1))
    (root / "02.jpg").write_bytes(docgen.jpeg(fmt="PNG", seed=2))
    (root / "03.jpg").write_bytes(docgen.jpeg((1024, 768), seed=3))
    return sorted(root.iterdir())


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _shot(locator, name: str, height: int = 1400) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of one step of the page (its first ``height`` pixels) for docs/serve.md."""
    if SHOTS is None:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    scroll = locator.page.evaluate("[window.scrollX, window.scrollY]")
    clip = {"x": box["x"] + scroll[0], "y": box["y"] + scroll[1], "width": box["width"],
            "height": min(box["height"], height)}
    locator.page.screenshot(path=str(SHOTS / f"{name}.png"), clip=clip, full_page=True, animations="disabled")


# --------------------------------------------------------------------------- browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:  # type: ignore[type-arg]
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync"]}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:  # type: ignore[type-arg]
    return {**browser_context_args, "accept_downloads": True, "viewport": {"width": 1200, "height": 900}}


@needs_chromium
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_teacher_adds_checks_fixes_packs_and_downloads(page, serve, demo: list[Path], short_rules: Path,
                                                         tmp_path: Path, lang: str) -> None:
    from playwright.sync_api import expect

    before = {p.name: _digest(p) for p in demo}
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    served = serve("--rules", str(short_rules), "--lang", lang)
    page.goto(served.url)
    assert page.url == served.base + "/"  # the token left the address bar for a cookie
    expect(page.locator("h1")).to_have_text(ui("serve_title", lang))
    expect(page.locator("#folder")).to_have_text(str(served.work.resolve()))

    with page.expect_response("**/api/settings"):
        page.fill("#studio", STUDIO)
        page.locator("#studio").press("Enter")
    page.set_input_files("#pick", [str(p) for p in demo])
    rows = page.locator("#files tbody tr")
    expect(rows).to_have_count(len(demo), timeout=30_000)
    portrait = rows.filter(has_text="逐梦航天-竖屏.mp4")
    expect(portrait.locator("select.role")).to_have_value("video")
    expect(portrait.locator("select.theme")).to_have_value("逐梦航天")  # proposed from the name
    expect(rows.filter(has_text="科学工作室活动案例.docx").locator("select.role")).to_have_value("document")
    _shot(page.locator("#step-files"), f"{lang}-1-files")

    page.click("#run-check")
    report = page.locator("#report")
    expect(report.locator(".summary")).to_be_visible(timeout=90_000)
    expect(report.locator(".finding code.rule", has_text="V003")).to_have_count(1)  # the portrait clip
    expect(report.locator(".finding code.rule", has_text="I001").first).to_be_visible()  # the PNG named .jpg
    expect(report.locator(".strip img").first).to_be_visible()
    expect(report.locator(".summary.fail .next")).to_have_text(ui("serve_next_fix", lang))
    _shot(page.locator("#step-check"), f"{lang}-2-check")

    page.click("#run-fix")
    expect(page.locator("#job-fix progress").first).to_be_visible(timeout=30_000)
    _shot(page.locator("#step-fix"), f"{lang}-3-fix-progress")
    page.reload()  # closing or reloading the tab does not stop the job; the page shows it again
    expect(page.locator("#job-fix .status")).to_be_visible()
    cards = page.locator("#fixed .card.fixed")
    expect(cards).to_have_count(len(demo), timeout=240_000)
    expect(page.locator("#fixed .card.fixed.error")).to_have_count(0)
    expect(page.locator("#job-fix .status.done")).to_be_visible()
    assert page.locator("#job-fix progress").evaluate_all("bars => bars.every(b => b.value === 1)")
    expect(cards.filter(has_text="逐梦航天-竖屏.mp4").locator(".side").last.locator(".passed")).to_be_visible()
    _shot(page.locator("#step-fix"), f"{lang}-4-fixed")

    page.click("#run-pack")
    links = page.locator("#packed a.download")
    expect(links).to_have_count(3, timeout=120_000)  # two themes and the case
    _shot(page.locator("#step-pack"), f"{lang}-5-pack")
    saved = []
    for i in range(3):
        with page.expect_download() as info:
            links.nth(i).click()
        target = tmp_path / "downloads" / info.value.suggested_filename
        target.parent.mkdir(exist_ok=True)
        info.value.save_as(target)
        saved.append(target)
    assert sorted(p.name for p in saved) == sorted(f"{STUDIO}-{t}.zip" for t in ("人工智能", "逐梦航天", "优秀案例"))
    done = subprocess.run([sys.executable, "-m", "kcsubmit", "check", *map(str, saved), "--rules", str(short_rules)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert dialogs == []
    assert {p.name: _digest(p) for p in demo} == before  # the teacher's files
    originals = served.work / "originals"
    assert {p.name: _digest(originals / p.name) for p in demo} == before  # and their copies
    if lang == "zh":
        page.click("button[data-lang=en]")
        expect(page.locator("h1")).to_have_text(ui("serve_title", "en"))
        expect(page.locator("#packed a.download")).to_have_count(3)  # the results stay, in English


@needs_chromium
def test_hostile_names_show_as_text_and_run_nothing(page, serve, make_video: Callable[..., Path],
                                                    tmp_path: Path) -> None:
    from playwright.sync_api import expect

    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    hostile = tmp_path / "in" / XSS_NAME
    hostile.parent.mkdir()
    shutil.copy(make_video("small.mp4", width=320, height=180), hostile)
    document = docgen.make_docx(tmp_path / "in" / "案例.docx", paragraphs=[XSS_TEXT + docgen.chinese_text(600)])
    served = serve()
    page.goto(served.url)
    with page.expect_response("**/api/settings"):
        page.fill("#studio", XSS_STUDIO)
        page.locator("#studio").press("Enter")
    page.set_input_files("#pick", [str(hostile), str(document)])
    rows = page.locator("#files tbody tr")
    expect(rows).to_have_count(2, timeout=30_000)
    row = rows.filter(has_text=".mp4")
    expect(row.locator(".shown")).to_have_text(XSS_NAME)
    with page.expect_response("**/api/files/*"):
        row.locator("select.theme").select_option("人工智能")
    expect(row.locator("select.theme")).to_have_value("人工智能")
    page.click("#run-check")
    expect(page.locator("#report .summary")).to_be_visible(timeout=90_000)
    expect(page.locator("#report .finding code.rule", has_text="S006")).to_have_count(1)  # the studio name
    expect(page.locator("#report .finding code.rule", has_text="D003")).to_have_count(1)  # quotes the text
    text = page.locator("body").inner_text()
    assert XSS_NAME in text, text
    assert XSS_STUDIO in text, text
    assert XSS_TEXT[:20] in text, text  # D003 quotes the opening of the longest paragraph
    assert page.locator("img[src=x]").count() == 0
    assert page.locator("script").count() == 1  # serve.js only
    assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    assert dialogs == []
    # On disk, a safe name of ours; nothing outside the work folder.
    assert [p.name for p in (served.work / "originals").iterdir() if p.suffix == ".mp4"] == [safe_name(XSS_NAME)]
    expect(page.locator("#report h2", has_text=safe_name(XSS_NAME))).to_have_count(1)  # checked too


# --------------------------------------------------------------------------- the door


def test_every_request_needs_the_token_and_the_loopback_host(serve) -> None:
    served = serve()
    assert _request(served, "GET", "/", cookie=False).status == 403
    assert _request(served, "GET", "/api/state", cookie=False).status == 403
    assert _request(served, "GET", "/static/serve.js", cookie=False).status == 403
    assert _request(served, "GET", "/?token=wrong", cookie=False).status == 403
    opened = _request(served, "GET", f"/?token={served.token}", cookie=False)
    assert opened.status == 303 and opened.getheader("Location") == "/"
    cookie = opened.getheader("Set-Cookie") or ""
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and served.token in cookie
    assert _request(served, "GET", "/api/state").status == 200
    page = _request(served, "GET", "/")
    assert "script-src 'self'" in (page.getheader("Content-Security-Policy") or "")
    assert _request(served, "GET", "/api/state", host=f"localhost:{served.port}").status == 200
    # DNS rebinding: another name, or another port, for the same address
    for host in (f"evil.example:{served.port}", "evil.example", f"127.0.0.1:{served.port + 1}", "127.0.0.1"):
        assert _request(served, "GET", "/api/state", host=host).status == 400, host
        assert _request(served, "GET", f"/?token={served.token}", host=host, cookie=False).status == 400, host
    # State changes: POST with the token in a header, from this origin only
    body = b'{"studio": "x"}'
    assert _request(served, "POST", "/api/settings", body).status == 403
    assert _request(served, "POST", "/api/settings", body, header=True, origin="http://evil.example").status == 403
    assert _request(served, "GET", "/api/jobs/check", header=True).status in (403, 405)
    assert _request(served, "POST", "/api/settings", body, header=True,
                    origin=f"http://127.0.0.1:{served.port}").status == 200
    # Nothing outside the work folder: no path from the client is used
    assert _request(served, "GET", "/static/..%2F..%2Fcli.py").status == 404
    assert _request(served, "GET", "/download/0").status == 404
    upload = _request(served, "POST", "/api/upload?name=..%2F..%2Foutside.mp4", b"x", header=True)
    assert upload.status == 200
    assert not (served.work.parent / "outside.mp4").exists() and not (served.work / "outside.mp4").exists()
    assert (served.work / "originals" / "outside.mp4").is_file()
    # The socket is bound to the loopback address only
    with pytest.raises(OSError):
        address = next(a for a in _own_addresses() if not a.startswith("127."))
        socket.create_connection((address, served.port), timeout=2).close()
    assert "Traceback" not in stop(served)


def _own_addresses() -> list[str]:
    try:
        return [socket.gethostbyname(socket.gethostname())] + ["10.255.255.1"]
    except OSError:
        return ["10.255.255.1"]


def test_a_cancelled_upload_leaves_no_file(serve) -> None:
    served = serve()
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    conn.putrequest("POST", "/api/upload?name=big.mp4", skip_host=True)
    for key, value in (("Host", f"127.0.0.1:{served.port}"), ("Cookie", f"kcsubmit_token_{served.port}={served.token}"),
                       ("X-Kcsubmit-Token", served.token), ("Content-Length", str(50 * MB))):
        conn.putheader(key, value)
    conn.endheaders()
    for _ in range(5):
        conn.send(b"\0" * MB)
    originals = served.work / "originals"
    deadline = time.time() + 10
    while not list(originals.iterdir()) and time.time() < deadline:  # the temporary exists meanwhile
        time.sleep(0.05)
    assert [p.name for p in originals.iterdir()][0].endswith(".kcsubmit-part")
    conn.close()  # the browser's "cancel"
    deadline = time.time() + 10
    while list(originals.iterdir()) and time.time() < deadline:
        time.sleep(0.05)
    assert list(originals.iterdir()) == []


@pytest.mark.slow
def test_a_300_mb_upload_keeps_the_servers_memory_flat(serve) -> None:
    served = serve()
    size = 300 * MB
    chunk = os.urandom(MB)

    def body() -> Iterator[bytes]:
        for _ in range(size // MB):
            yield chunk

    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=120)
    conn.request("POST", "/api/upload?name=300MB.mp4", body=body(),
                 headers={"Host": f"127.0.0.1:{served.port}", "Cookie": f"kcsubmit_token_{served.port}={served.token}",
                          "X-Kcsubmit-Token": served.token, "Content-Length": str(size)})
    response = conn.getresponse()
    assert response.status == 200, response.read()
    assert (served.work / "originals" / "300MB.mp4").stat().st_size == size
    status = Path(f"/proc/{served.proc.pid}/status").read_text()
    peak_kb = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
    print(f"server peak RSS after a 300 MB upload: {peak_kb / 1024:.1f} MiB")
    assert peak_kb < 150 * 1024


def _state(served: Served) -> dict:  # type: ignore[type-arg]
    conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=30)
    conn.request("GET", "/api/state", headers={"Host": f"127.0.0.1:{served.port}",
                                               "Cookie": f"kcsubmit_token_{served.port}={served.token}"})
    return json.loads(conn.getresponse().read())


def _children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{pid}$", text, re.M) and re.search(r"^Name:\s+ffmpeg", text, re.M):
            found.append(int(status.parent.name))
    return found


def _running(pids: list[int], wait: float = 3.0) -> list[int]:
    """Those of ``pids`` still running after up to ``wait`` s (a zombie no one has reaped yet has ended)."""
    end = time.monotonic() + wait
    while True:
        alive = []
        for pid in pids:
            try:
                state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
            except (OSError, IndexError):
                continue
            if state not in ("Z", "X"):
                alive.append(pid)
        if not alive or time.monotonic() > end:
            return alive
        time.sleep(0.1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("twice", [False, True], ids=["ctrl-c", "ctrl-c twice"])
def test_ctrl_c_during_a_repair_stops_ffmpeg_and_leaves_nothing_half_written(
        serve, make_video: Callable[..., Path], twice: bool) -> None:
    served = serve()
    clip = make_video("portrait-12s.mp4", width=640, height=360, rotation=90, duration=12)
    name = quote("逐梦航天.mp4")
    assert _request(served, "POST", f"/api/upload?name={name}", clip.read_bytes(), header=True).status == 200
    assert _request(served, "POST", "/api/jobs/fix", b"", header=True).status == 200
    deadline = time.time() + 120
    while time.time() < deadline:
        job = _state(served)["job"]
        if job["status"] != "running" or any(0 < s["done"] < 1 for s in job["steps"]):
            break
        time.sleep(0.1)
    assert job["status"] == "running", job  # ffmpeg is encoding
    ffmpeg = _children(served.proc.pid)
    assert ffmpeg
    closing = _request(served, "POST", "/api/jobs/check", b"", header=True)
    assert closing.status == 409  # one job at a time
    err = stop(served, twice)  # Ctrl-C
    if twice:  # the second may cut the wind-down short: exit 0, or 2 with one line
        assert served.proc.returncode in (0, 2) and "Traceback" not in err, err
    else:
        assert served.proc.returncode == 0
    assert not _running(ffmpeg)
    left = [p.name for p in (served.work / "fixed").rglob("*") if p.is_file()]
    assert not any(name.endswith(".kcsubmit-part") or name.endswith(".mp4") for name in left), left


def test_sigterm_stops_cleanly_and_a_busy_port_is_one_line(serve, tmp_path: Path) -> None:
    served = serve("--lang", "en")
    taken = subprocess.run([sys.executable, "-m", "kcsubmit", "serve", str(tmp_path / "other"), "--no-browser",
                            "--port", str(served.port), "--lang", "en"], capture_output=True, text=True, timeout=60)
    assert taken.returncode == 2 and taken.stdout == ""
    assert taken.stderr.startswith(f"kcsubmit: error: cannot listen on 127.0.0.1:{served.port}")
    assert len(taken.stderr.splitlines()) == 1
    served.proc.terminate()
    out, err = served.proc.communicate(timeout=60)
    assert served.proc.returncode == 0, err
    assert out.strip().endswith(ui("serve_stopped", "en")) and "Traceback" not in err


def test_a_work_folder_used_before_is_listed_again(serve, tmp_path: Path) -> None:
    originals = tmp_path / "work" / "originals"
    originals.mkdir(parents=True)
    (originals / "人工智能-定稿.mp4").write_bytes(b"not really a video")
    (originals / "kcsubmit.toml").write_text(f'studio = "{STUDIO}"\n', encoding="utf-8")
    state = _state(serve())
    assert state["studio"] == STUDIO
    assert [(i["name"], i["role"], i["theme"]) for i in state["items"]] == [("人工智能-定稿.mp4", "video", "人工智能")]


def test_safe_names() -> None:
    assert safe_name(XSS_NAME) == "_img src=x onerror=alert(1)_.mp4"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\x\\人工智能.mp4") == "人工智能.mp4"
    assert safe_name(".bashrc") == "bashrc"
    assert safe_name("CON.mp4") == "file-CON.mp4"
    assert safe_name("a\x1b[2Jb\u202e.jpg") == "a_[2Jb_.jpg".replace("[", "_")
    assert safe_name("") == "file"
    assert len(safe_name("长" * 300 + ".mp4").encode()) <= 200

"""The HTML report: one self-contained page, parsed here and rendered in headless Chromium."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from test_cli import kcsubmit

from kcsubmit import thumbnails
from kcsubmit.profile import load

from conftest import profile_text
from docgen import jpeg, make_docx

STRIP = "strip"  # the class of a thumbnail strip (kcsubmit.reporters.html.STRIP_CLASS)
CHROMIUM_TIMEOUT_S = 60


class Page(HTMLParser):
    """What the tests look at: the lang, every src/href, the strips, the thumbnails."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.lang: str | None = None
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.classes: list[list[str]] = []
        self.images: list[str] = []
        self.scripts = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "script":
            self.scripts += 1
        if tag == "img":
            self.images.append(values.get("src", ""))
        for key in ("src", "href", "srcset", "poster", "action"):
            if key in values:
                self.links.append((tag, key, values[key]))
        self.classes.append(values.get("class", "").split())

    def count(self, css_class: str) -> int:
        return sum(1 for c in self.classes if css_class in c)


@pytest.fixture(scope="module")
def submission(tmp_path_factory, make_video) -> Path:
    """Three clips (compliant, portrait by rotation, 4:3), an empty video and a case with a PNG."""
    folder = tmp_path_factory.mktemp("html") / "studio"
    folder.mkdir()
    for name, options in {"人工智能-合格.mp4": {}, "逐梦航天-竖屏.mp4": {"rotation": 90},
                          "美丽乡村-4比3.mp4": {"width": 1440}}.items():
        shutil.copyfile(make_video(name, **options), folder / name)
    (folder / "助力双减-损坏.mp4").write_bytes(b"")  # V002: must get a placeholder, not break the page
    pictures = [jpeg(seed=i) for i in range(4)] + [jpeg(fmt="PNG", seed=9)]
    make_docx(folder / "案例.docx", paragraphs=["我们的科学工作室。"], pictures=pictures)
    return folder


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("html-rules") / "short.toml"
    path.write_text(profile_text(min_duration_s=2, max_duration_s=5), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def report(submission: Path, rules: Path, tmp_path_factory) -> tuple[Path, dict]:
    """The HTML report of the submission (written by the CLI), and its JSON twin."""
    out = tmp_path_factory.mktemp("html-out") / "report.html"
    proc = kcsubmit("check", "--rules", str(rules), "--format", "html", "--output", str(out), str(submission))
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    data = json.loads(kcsubmit("check", "--rules", str(rules), "--format", "json", str(submission)).stdout)
    return out, data


def test_page_is_self_contained(report):
    path, data = report
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    assert page.lang == "zh-CN"
    assert page.scripts == 0
    files = data["summary"]["files"]
    assert files == 10  # 4 videos, the document and its 5 pictures
    assert page.count(STRIP) == files
    assert page.images and all(src.startswith("data:image/") for src in page.images)
    for tag, key, value in page.links:
        assert not value.lower().startswith(("http:", "https:", "//", "file:")), (tag, key, value)
        assert value.startswith(("data:", "#")), (tag, key, value)
    assert "url(" not in text and "@import" not in text


def test_cards_show_findings_rules_and_the_fix(report):
    path, data = report
    text = path.read_text(encoding="utf-8")
    page = Page(text)
    # Three frames per playable video, a fourth "after fix" for the portrait and the 4:3 clip,
    # the picture (and its fixed copy for the PNG) of the document, placeholders elsewhere.
    assert page.count("frame") == 9
    assert page.count("after") == 2 + 1
    assert page.count("placeholder") == 1  # the empty video
    assert page.count("icon") == 1  # the document
    findings = [f for r in data["files"] for f in r["findings"]]
    assert page.count("finding") == len(findings) + len(data["submission"]["findings"])
    for rule in {f["rule"] for f in findings}:
        assert f'<code class="rule">{rule}</code>' in text
    assert text.count("<details>") == page.count("finding")
    assert "检查什么" in text and "kcsubmit fix" in text
    # The document's pictures are cards inside the document's card.
    assert page.count("children") == 1 and "案例.docx!</span>word/media/" in text


def test_english_page_and_stdout(submission, rules):
    proc = kcsubmit("check", "--rules", str(rules), "--lang", "en", "--format", "html",
                    str(submission / "美丽乡村-4比3.mp4"))
    assert proc.returncode == 1, proc.stderr
    page = Page(proc.stdout)
    assert proc.stdout.startswith("<!DOCTYPE html>") and page.lang == "en"
    assert page.count(STRIP) == 1 and page.count("frame") == 3 and page.count("after") == 1
    assert "after fix" in proc.stdout and "What it checks" in proc.stdout and "V004" in proc.stdout


def test_video_strip_is_upright_and_padded(make_video):
    profile = load("2023")
    portrait = make_video("逐梦航天-竖屏.mp4", rotation=90)
    facts = {"duration_s": 3.0}
    thumbs = thumbnails.video_strip(str(portrait), facts, profile, fix_preview=True)
    assert [t.role for t in thumbs] == ["frame", "frame", "frame", "after"]
    assert [t.caption for t in thumbs[:3]] == ["0:00", "0:01", "0:02"]
    assert all(t.height > t.width for t in thumbs[:3])  # shown as the phone shot it
    after = _decode(thumbs[3].src)
    assert after.size == (240, 135)
    # Black bars left and right, the picture in the middle.
    assert max(after.getpixel((3, 67))) < 30 and max(after.getpixel((236, 67))) < 30
    assert max(after.getpixel((120, 67))) > 60


def test_picture_strip_applies_orientation_and_previews_the_fix(tmp_path):
    profile = load("2023")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg((480, 640), orientation=6, seed=3))  # stored portrait, shown landscape
    facts = {"format": "JPEG", "display_width": 640, "display_height": 480, "orientation": 6, "mode": "RGB"}
    now, after = thumbnails.picture_strip(str(photo), facts, profile, fix_preview=True)
    assert (now.role, after.role) == ("picture", "after")
    assert now.width > now.height and _decode(now.src).size == (now.width, now.height)
    assert after.caption == "640×480" and _decode(after.src).size == (240, 180)


def test_unreadable_files_get_a_placeholder(tmp_path):
    profile = load("2023")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypisom" + os.urandom(2000))
    assert [t.role for t in thumbnails.video_strip(str(broken), {"duration_s": 60.0}, profile)] == ["placeholder"]
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(jpeg(seed=1)[:300])
    assert [t.role for t in thumbnails.picture_strip(str(bad), {}, profile)] == ["placeholder"]
    # Entries of a RAR or a nested archive cannot be read here: a placeholder, no exception.
    rar = thumbnails.picture_strip(str(tmp_path / "a.rar") + "!x.jpg", {}, profile)
    nested = thumbnails.picture_strip(str(tmp_path / "a.zip") + "!b.zip!x.jpg", {}, profile)
    assert [t.role for t in rar + nested] == ["placeholder", "placeholder"]
    assert rar[0].src.startswith("data:image/svg+xml;base64,")


def test_picture_inside_a_document_is_read_from_it(tmp_path):
    doc = make_docx(tmp_path / "case.docx", pictures=[jpeg(seed=5)])
    data = thumbnails.read_bytes(f"{doc}!word/media/image1.jpg", 1 << 20)
    assert data is not None and data[:2] == b"\xff\xd8"
    assert thumbnails.read_bytes(f"{doc}!word/media/image9.jpg", 1 << 20) is None
    assert thumbnails.read_bytes(f"{doc}!word/media/image1.jpg", 10) is None  # over the limit


def _decode(uri: str) -> Image.Image:
    import base64

    assert uri.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    image.load()
    return image


# --- headless Chromium: the page as a teacher's browser shows it ---

def _chromium() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _run_chromium(exe: str, profile_dir: Path, *args: str) -> subprocess.CompletedProcess:
    command = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile_dir}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(command, capture_output=True, text=True, errors="replace",
                          timeout=CHROMIUM_TIMEOUT_S)


def _page_problems(stderr: str) -> list[str]:
    # The page has no script, so any console message is a problem (Chromium logs console.error
    # and uncaught exceptions alike as "INFO:CONSOLE"); so is a failed load.
    return [line for line in stderr.splitlines() if "CONSOLE" in line or "net::ERR" in line]


@pytest.mark.skipif(_chromium() is None,
                    reason="headless Chromium not installed (/usr/bin/chromium or chromium on PATH; "
                           "Debian: apt-get install chromium)")
def test_chromium_renders_the_page(report, tmp_path):
    path, data = report
    exe = _chromium()
    assert exe is not None
    url = path.resolve().as_uri()
    shot = tmp_path / "report.png"
    proc = _run_chromium(exe, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,2400", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not _page_problems(proc.stderr)
    with Image.open(shot) as image:
        assert image.size == (1280, 2400)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colours) > 50, "the screenshot is blank"
    dom = _run_chromium(exe, tmp_path / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not _page_problems(dom.stderr)
    rendered = Page(dom.stdout)
    assert rendered.count(STRIP) == data["summary"]["files"]
    assert rendered.lang == "zh-CN"

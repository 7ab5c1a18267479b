"""kcsubmit serve under a profile with deliverables (profile format 2, SPEC §7.1), in Chromium.

A scaled-down copy of the built-in ``poster-photo`` (a 180x320 poster, photos with a long side of
400 px) written at test time, so that its fixes take a second: the files' roles are its
deliverables, the page asks for the fields its name templates use, shows its checks by hand, and
pack writes the templated names.  ``KCSUBMIT_SCREENSHOTS=1`` writes its steps to ``docs/serve/``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from test_serve import (  # noqa: F401 - fixtures: the browser (Debian's chromium) and the server
    STUDIO,
    Served,
    _request,
    _shot,
    _state,
    browser_context_args,
    browser_type_launch_args,
    needs_chromium,
    serve,
)

from kcsubmit import manifest
from kcsubmit.i18n import ui

import docgen

FIELDS = {"title": "光的折射", "author": "张三", "school": "示例中学", "group": "高中组"}
ARCHIVE = "高中组+《光的折射》+张三+示例中学.zip"


@pytest.fixture(scope="module")
def poster_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    text = resources.files("kcsubmit").joinpath("profiles", "poster-photo.toml").read_text(encoding="utf-8")
    for key, value in {"name": '"poster-small"', "image_width": 180, "image_height": 320,
                       "image_min_long_side": 400, "image_min_bytes": 2_000}.items():
        text, n = re.subn(rf"(?m)^{key} = [^#\n]*", f"{key} = {value} ", text, count=1)
        assert n == 1, key
    path = tmp_path_factory.mktemp("profiles") / "poster-small.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def poster_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """A landscape poster (portrait 180x320 asked: fixed by a crop or a blurred background), two
    photos (one a PNG named .jpg: converted) and a short caption."""
    root = tmp_path_factory.mktemp("poster")
    (root / "海报.jpg").write_bytes(docgen.jpeg((320, 180), seed=1))
    (root / "照片1.jpg").write_bytes(docgen.jpeg((600, 450), seed=2, quality=98))
    (root / "照片2.jpg").write_bytes(docgen.jpeg((600, 450), fmt="PNG", seed=3))
    docgen.make_docx(root / "作品说明.docx", paragraphs=[docgen.chinese_text(30)])
    return sorted(root.iterdir())


@needs_chromium
def test_a_deliverables_profile_from_files_to_the_templated_archive(
        page, serve: Callable[..., Served], poster_rules: Path, poster_files: list[Path],  # noqa: F811
        tmp_path: Path) -> None:
    from playwright.sync_api import expect

    lang = "zh"
    served = serve("--rules", str(poster_rules), "--lang", lang)
    page.goto(served.url)
    # The teacher starts on the 2023 rules, adds the files, then chooses the call's profile.
    with page.expect_response("**/api/settings"):
        page.select_option("#rules", "2023")
    with page.expect_response("**/api/settings"):
        page.fill("#studio", STUDIO)
        page.locator("#studio").press("Enter")
    expect(page.locator("#fields")).to_be_hidden()
    page.set_input_files("#pick", [str(p) for p in poster_files])
    rows = page.locator("#files tbody tr")
    expect(rows).to_have_count(len(poster_files), timeout=30_000)
    expect(rows.filter(has_text="海报.jpg").locator("select.role")).to_have_value("image")
    with page.expect_response("**/api/settings"):
        page.select_option("#rules", poster_rules.name)

    # Each file's role is now a deliverable, proposed by kind and the deliverables' `match`.
    expect(rows.filter(has_text="海报.jpg").locator("select.role")).to_have_value("d:poster")
    expect(rows.filter(has_text="照片1.jpg").locator("select.role")).to_have_value("d:photos")
    expect(rows.filter(has_text="照片2.jpg").locator("select.role")).to_have_value("d:photos")
    expect(rows.filter(has_text="作品说明.docx").locator("select.role")).to_have_value("d:caption")
    expect(page.locator("#col-theme")).to_be_hidden()
    options = rows.first.locator("select.role option")
    expect(options).to_have_text(["竖版海报 (1)", "摄影作品 (1–10)", "作品说明 (0–1)", ui("serve_role_none", lang)])
    # Which profile judges, and that nobody has compared it with the notice yet.
    expect(page.locator("#profile-lines")).to_contain_text("poster-small")
    expect(page.locator("#profile-lines")).to_contain_text(ui("profile_unverified", lang))

    # The fields of the name templates, labelled in the page's language.
    inputs = page.locator("#field-inputs input")
    expect(inputs).to_have_count(len(FIELDS))
    expect(page.locator("#field-inputs label").first).to_contain_text(ui("serve_field_author", lang))
    with page.expect_response("**/api/settings") as bad:
        page.fill("input[data-field=title]", "光/影")
        page.locator("input[data-field=title]").press("Enter")
    assert bad.value.status == 400
    expect(page.locator("#message")).to_have_text(
        ui("serve_field_bad", lang, field=ui("serve_field_title", lang), char="/"))
    for key, value in FIELDS.items():
        with page.expect_response("**/api/settings"):
            page.fill(f"input[data-field={key}]", value)
            page.locator(f"input[data-field={key}]").press("Enter")

    page.click("#run-check")
    report = page.locator("#report")
    expect(report.locator(".summary.fail")).to_be_visible(timeout=60_000)
    for rule in ("I002", "I010", "I001"):  # the landscape poster; the PNG named .jpg
        expect(report.locator(".finding code.rule", has_text=rule).first).to_be_visible()
    expect(report.locator(".finding code.rule", has_text="S009")).to_have_count(0)  # every field given
    submission = manifest.load(served.work / "originals" / "kcsubmit.toml")
    assert submission.fields == FIELDS
    assert {e.path.name: e.deliverable for e in submission.entries} == {
        "海报.jpg": "poster", "照片1.jpg": "photos", "照片2.jpg": "photos", "作品说明.docx": "caption"}
    # The checks by hand: a checklist to tick, never a finding.
    checklist = page.locator("#manual li")
    expect(checklist).to_have_count(2)
    expect(checklist.first).to_contain_text("作品为本人原创")
    checklist.first.locator("input[type=checkbox]").check()
    expect(report.locator(".finding code.rule", has_text="M001")).to_have_count(0)
    _shot(page.locator("#step-settings"), f"{lang}-6-deliverables-settings")
    _shot(page.locator("#step-files"), f"{lang}-7-deliverables-files")
    _shot(page.locator("#step-check"), f"{lang}-8-deliverables-check")

    page.click("#run-fix")
    cards = page.locator("#fixed .card.fixed")
    expect(cards).to_have_count(len(poster_files), timeout=60_000)
    expect(page.locator("#fixed .card.fixed.error")).to_have_count(0)
    expect(checklist.first.locator("input")).to_be_checked()  # the ticks stay

    expect(page.locator("#pack-intro-deliverables")).to_be_visible()
    page.click("#run-pack")
    links = page.locator("#packed a.download")
    expect(links).to_have_count(1, timeout=60_000)  # the three deliverables share one archive template
    expect(page.locator("#packed .upload-to")).to_contain_text("竖版海报")
    _shot(page.locator("#step-pack"), f"{lang}-9-deliverables-pack")
    with page.expect_download() as info:
        links.first.click()
    target = tmp_path / "downloads" / info.value.suggested_filename
    target.parent.mkdir()
    info.value.save_as(target)
    assert target.name == ARCHIVE
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == sorted(["张三-海报.jpg", "张三-照片1.jpg", "张三-照片2.jpg",
                                                     "张三-作品说明.docx"])
    done = subprocess.run([sys.executable, "-m", "kcsubmit", "check", str(target), "--rules", str(poster_rules)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_work_folder_used_before_keeps_its_fields_and_deliverables(serve: Callable[..., Served],  # noqa: F811
                                                                     poster_rules: Path, tmp_path: Path) -> None:
    originals = tmp_path / "work" / "originals"
    originals.mkdir(parents=True)
    (originals / "poster.jpg").write_bytes(docgen.jpeg((180, 320), seed=4))
    (originals / "kcsubmit.toml").write_text(
        f'studio = "{STUDIO}"\n[fields]\ntitle = "光的折射"\n[deliverables]\nphotos = ["poster.jpg"]\n',
        encoding="utf-8")
    served = serve("--rules", str(poster_rules), "--lang", "en")
    state = _state(served)
    assert {f["key"]: f["value"] for f in state["fields"]} == {"author": "", "group": "", "title": "光的折射",
                                                              "school": ""}
    # chosen before: photos, although its name matches the poster's `match`
    assert [(i["name"], i["role"], i["deliverable"]) for i in state["items"]] == [("poster.jpg", "deliverable",
                                                                                   "photos")]
    assert [m["id"] for m in state["manual"]] == ["M001", "M002"]
    # Every file "not used": the job says so (the engine would otherwise take the whole folder).
    assert _request(served, "POST", "/api/files/1", b'{"role": "none"}', header=True).status == 200
    assert _request(served, "POST", "/api/files/1", b'{"role": "deliverable", "deliverable": "nope"}',
                    header=True).status == 400
    assert _request(served, "POST", "/api/jobs/check", b"", header=True).status == 200
    for _ in range(200):
        job = _state(served)["job"]
        if job["status"] != "running":
            break
        time.sleep(0.05)
    assert job["status"] == "failed" and job["error"] == ui("serve_no_deliverables", "en"), job

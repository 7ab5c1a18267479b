"""The documented Python API: kcsubmit.check, kcsubmit.fix, kcsubmit.pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import kcsubmit
from kcsubmit import profile as profile_mod
from kcsubmit.errors import KcsubmitError

from conftest import profile_text

SHORT = profile_mod.parse(profile_text(min_duration_s=2, max_duration_s=5), "<short>")


def test_check_fix_pack_from_python(tmp_path, make_video):
    studio = tmp_path / "studio"
    studio.mkdir()
    shutil.copy(make_video("quicktime.mov"), studio / "人工智能.mov")
    report = kcsubmit.check([studio], rules=SHORT)
    assert not report.ok and [f.rule for f in report.files[0].findings] == ["V001"]
    fixed = kcsubmit.fix([studio], out_dir=tmp_path / "fixed", rules=SHORT)
    assert fixed.ok and fixed.files[0].action == "remuxed"
    packed = kcsubmit.pack(tmp_path / "fixed", out_dir=tmp_path / "dist", rules=SHORT, studio="阳光小学")
    assert packed.ok and [Path(a.path).name for a in packed.archives] == ["阳光小学-人工智能.zip"]


def test_errors_are_kcsubmit_errors(tmp_path):
    with pytest.raises(KcsubmitError):
        kcsubmit.check([tmp_path / "missing"])


def test_the_result_carries_profile_manifest_and_previews(tmp_path, make_video):
    """What the reporters need is on the result: they load no profile and search no disk."""
    import io

    from kcsubmit import thumbnails
    from kcsubmit.reporters import Options, get

    studio = tmp_path / "studio"
    studio.mkdir()
    shutil.copy(make_video("portrait.mp4", rotation=90), studio / "ai.mp4")
    (studio / "kcsubmit.toml").write_text('studio = "阳光小学"\n[themes]\n"人工智能" = "ai.mp4"\n', encoding="utf-8")
    rules = tmp_path / "short.toml"
    rules.write_text(profile_text(min_duration_s=2, max_duration_s=5), encoding="utf-8")
    report = kcsubmit.check([studio], rules=rules)
    assert report.profile is not None and report.profile.source == str(rules)
    assert report.profile.name == report.rules and report.manifest == str(studio / "kcsubmit.toml")
    assert report.previews == {}
    # Without previews the page decodes nothing: every strip is empty.
    page = io.StringIO()
    get("html")(report, page, Options(lang="en", target=str(studio)))
    assert "<img" not in page.getvalue() and page.getvalue().count('class="strip"') == 1
    # thumbnails.attach makes them (with the profile of the run: a 4th frame as fix makes it).
    shown = thumbnails.attach(report, profile_mod.load(rules))
    assert [t.role for t in shown.previews[str(studio / "ai.mp4")]] == ["frame", "frame", "frame", "after"]
    page = io.StringIO()
    get("html")(shown, page, Options(lang="en", target=str(studio)))
    assert page.getvalue().count("<img") == 4
    # The JSON report names the profile and the manifest (keys added to kcsubmit.report/1).
    data = io.StringIO()
    get("json")(report, data, Options())
    import json

    parsed = json.loads(data.getvalue())
    assert parsed["profile"]["source"] == str(rules) and parsed["manifest"] == str(studio / "kcsubmit.toml")

"""The documented Python API: kcsubmit.check, kcsubmit.fix, kcsubmit.pack."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import profile_text

import kcsubmit
from kcsubmit import profile as profile_mod
from kcsubmit.errors import KcsubmitError

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

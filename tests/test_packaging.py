"""The wheel: built with `python -m build`, installed into a fresh venv, and run from there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheel, = out.glob("kcsubmit-*.whl")
    return wheel


def test_wheel_holds_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("kcsubmit/profiles/2023.toml", "kcsubmit/locales/zh.toml", "kcsubmit/locales/en.toml",
                 *(f"kcsubmit/probes/rarsamples/{name}.rar" for name in ("rar4", "rar5", "rar4-solid", "rar5-solid")),
                 "kcsubmit/serve/templates/index.html", "kcsubmit/serve/static/serve.js",
                 "kcsubmit/serve/static/serve.css"):
        assert data in names
    assert not any(n.startswith(("tests/", "fixtures/", "bench/")) for n in names)


def test_wheel_installs_in_a_fresh_venv_and_runs(wheel, tmp_path, good_video):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    pip = subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
                         capture_output=True, text=True, timeout=900)
    assert pip.returncode == 0, pip.stderr[-3000:]
    kcsubmit = str(bindir / "kcsubmit")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    version = subprocess.run([kcsubmit, "--version"], capture_output=True, text=True, env=clean, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == "kcsubmit 0.1.0"
    checked = subprocess.run([kcsubmit, "check", "--format", "json", str(good_video)], capture_output=True,
                             text=True, env=clean, timeout=120, cwd=tmp_path)
    assert checked.returncode == 1, checked.stderr                      # 3 s: too short under 2023
    report = json.loads(checked.stdout)
    assert [f["rule"] for f in report["files"][0]["findings"]] == ["V005"]
    # It is the installed copy that ran, not the source tree.
    where = subprocess.run([str(bindir / "python"), "-c", "import kcsubmit; print(kcsubmit.__file__)"],
                           capture_output=True, text=True, env=clean, cwd=tmp_path)
    assert str(env_dir) in where.stdout

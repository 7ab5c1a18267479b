"""Facts are typed per kind: a misspelt key in a rule is a mypy error, and the package is mypy-clean."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mypy", reason="mypy is in the test extra")


def _mypy(*args: str, cwd: Path, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MYPYPATH"}
    if path is not None:
        env["MYPYPATH"] = path
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", os.devnull, *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_a_misspelt_fact_is_a_type_error(tmp_path: Path) -> None:
    (tmp_path / "misspelt.py").write_text(textwrap.dedent("""
        from kcsubmit.facts import VideoFacts

        def too_short(facts: VideoFacts) -> bool:
            return facts["duraton_s"] < 30

        def too_long(facts: VideoFacts) -> bool:
            return (facts.get("duraton_s") or 0) > 300  # .get of an unknown key is `object` to mypy
    """), encoding="utf-8")
    # kcsubmit.facts read from this tree's source (no py.typed: MYPYPATH, not the installed package)
    proc = _mypy("--config-file", os.devnull, "misspelt.py", cwd=tmp_path, path=str(ROOT / "src"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert 'misspelt.py:5: error: TypedDict "VideoFacts" has no key "duraton_s"  [typeddict-item]' in proc.stdout
    assert "misspelt.py:8: error: Unsupported operand types" in proc.stdout


def test_the_package_is_mypy_clean() -> None:
    # The configuration in pyproject.toml (files = src/kcsubmit), as `make lint` runs it.
    proc = _mypy(cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success: no issues found" in proc.stdout

"""Issue 19: a plan before the work, progress during it, and no work thrown away.

ffmpeg runs are counted for real: ``KCSUBMIT_FFMPEG`` points at a small wrapper that appends its
arguments to a log and then becomes the bundled ffmpeg (``os.execv``); an encode is a run with
``-progress`` (:func:`kcsubmit.ffmpeg.run`).  The cache is a folder of the test's own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import docgen
from conftest import ROOT, profile_text

STUDIO = "示例中学科学工作室"


@pytest.fixture
def counted(tmp_path: Path) -> dict[str, str]:
    """The environment of a CLI run whose ffmpeg runs are logged, with its own cache folder."""
    import imageio_ffmpeg

    log = tmp_path / "ffmpeg.log"
    wrapper = tmp_path / "ffmpeg-counted"
    wrapper.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import os, sys, time
        log = {str(log)!r}
        encodes = open(log, encoding="utf-8").read().count("-progress") if os.path.exists(log) else 0
        with open(log, "a", encoding="utf-8") as f:
            f.write(" ".join(sys.argv[1:]) + "\\n")
        if "-progress" in sys.argv and encodes >= int(os.environ.get("SLOW_AFTER", "1000")):
            time.sleep(60)  # a long encode, to be interrupted
        real = {imageio_ffmpeg.get_ffmpeg_exe()!r}
        os.execv(real, [real, *sys.argv[1:]])
        """), encoding="utf-8")
    wrapper.chmod(0o755)
    env = {**os.environ, "KCSUBMIT_FFMPEG": str(wrapper), "KCSUBMIT_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT / "src"), "KCSUBMIT_LANG": "zh", "LOG": str(log)}
    return env


def runs(env: dict[str, str]) -> list[str]:
    log = Path(env["LOG"])
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def encodes(env: dict[str, str]) -> int:
    return sum("-progress" in line for line in runs(env))


def cli(env: dict[str, str], *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kcsubmit", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


@pytest.fixture
def teacher(tmp_path: Path, make_video) -> Path:
    """The teacher's folder, scaled down: a portrait phone clip, a lesson too long (7 s against a
    maximum of 5), a compliant clip, and a Word file; a profile with those durations."""
    root = tmp_path / "studio"
    (root / "videos").mkdir(parents=True)
    shutil.copy(make_video("portrait.mp4", width=320, height=180, rotation=90), root / "videos" / "a.mp4")
    shutil.copy(make_video("long.mp4", width=320, height=180, duration=7.0), root / "videos" / "b.mp4")
    shutil.copy(make_video("good.mp4"), root / "videos" / "c.mp4")
    docgen.make_docx(root / "case" / "案例.docx", paragraphs=[docgen.chinese_text(100)],
                     pictures=docgen.compliant_pictures(5))
    (root / "short.toml").write_text(profile_text(min_duration_s=2, max_duration_s=5), encoding="utf-8")
    (root / "kcsubmit.toml").write_text(f'''studio = "{STUDIO}"
rules = "short.toml"
[themes]
"人工智能" = "videos/a.mp4"
"逐梦航天" = "videos/b.mp4"
"助力双减" = "videos/c.mp4"
[case]
document = "case/案例.docx"
''', encoding="utf-8")
    return root


def cached(env: dict[str, str]) -> list[Path]:
    return sorted((Path(env["KCSUBMIT_CACHE_DIR"]) / "fixed").glob("*.json"))


def test_pack_fix_without_trim_stops_before_any_ffmpeg(teacher, tmp_path, counted):
    proc = cli(counted, "pack", str(teacher), "--fix", "-o", str(tmp_path / "dist"))
    assert proc.returncode == 1, proc.stderr
    assert runs(counted) == []  # no ffmpeg process at all, not even an encoder probe
    assert "--trim" in proc.stdout and "V006" in proc.stdout and "videos/b.mp4" in proc.stdout
    assert "重新压缩视频" in proc.stdout  # the plan: what would be done
    assert not (tmp_path / "dist").exists() and cached(counted) == []
    data = json.loads(cli(counted, "pack", str(teacher), "--fix", "-o", str(tmp_path / "dist"),
                          "--format", "json").stdout)
    assert data["ok"] is False and data["fix_plan"]["options"] == ["--trim"]
    steps = {Path(f["source"]).name: f["step"] for f in data["fix_plan"]["files"]}
    assert steps["a.mp4"] == "transcode" and steps["c.mp4"] == "copy"
    fix = cli(counted, "fix", str(teacher), "-o", str(tmp_path / "fixed"))  # fix stops the same way
    assert fix.returncode == 1 and f"kcsubmit fix {teacher} --trim" in fix.stdout
    assert runs(counted) == [] and not (tmp_path / "fixed").exists()


def test_dry_run_prints_the_plan_for_fix_and_pack(teacher, tmp_path, counted):
    proc = cli(counted, "fix", str(teacher), "-o", str(tmp_path / "fixed"), "--trim", "--dry-run",
               "--format", "json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["dry_run"] and data["files"] == []
    transcodes = [f for f in data["plan"]["files"] if f["step"] == "transcode"]
    assert len(transcodes) == 2 and all(f["seconds"] > 0 for f in transcodes) and data["plan"]["blocking"] == []
    text = cli(counted, "pack", str(teacher), "--fix", "--trim", "--dry-run").stdout
    assert "修复计划" in text and "预计共需约" in text
    assert runs(counted) == [] and not (tmp_path / "fixed").exists()


def test_yes_accepts_the_trim(teacher, tmp_path, counted):
    proc = cli(counted, "fix", str(teacher / "videos" / "b.mp4"), "-o", str(tmp_path / "fixed"), "--yes",
               "--rules", str(teacher / "short.toml"), "--format", "json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout
    assert data["files"][0]["action"] == "transcoded" and encodes(counted) == 1


def test_fix_then_pack_fix_encodes_each_video_once(teacher, tmp_path, counted):
    first = cli(counted, "fix", str(teacher), "-o", str(tmp_path / "fixed"), "--trim", "--format", "json")
    assert first.returncode == 0, first.stdout + first.stderr
    assert encodes(counted) == 2  # a.mp4 (portrait) and b.mp4 (too long); c.mp4 is copied
    assert len(cached(counted)) == 2  # the two videos (the rest is copied, not cached)
    proc = cli(counted, "pack", str(teacher), "--fix", "--trim", "-o", str(tmp_path / "dist"), "--format", "json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert encodes(counted) == 2  # nothing encoded again
    data = json.loads(proc.stdout)
    done = {Path(f["source"]).name: f for f in data["fixed"]["files"]}
    assert done["a.mp4"]["cached"] and done["b.mp4"]["cached"] and not done["c.mp4"]["cached"]
    assert len(data["archives"]) == 4


def test_interrupted_pack_fix_resumes_from_the_cache(teacher, tmp_path, counted):
    env = {**counted, "SLOW_AFTER": "1"}  # the second encode hangs until interrupted
    proc = subprocess.Popen([sys.executable, "-m", "kcsubmit", "pack", str(teacher), "--fix", "--trim", "-o",
                             str(tmp_path / "dist")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while encodes(counted) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert encodes(counted) == 2
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "已中断" in err.decode()
    assert len(cached(counted)) == 1 and not (tmp_path / "dist").exists()
    again = cli(counted, "pack", str(teacher), "--fix", "--trim", "-o", str(tmp_path / "dist"))
    assert again.returncode == 0, again.stdout + again.stderr
    assert encodes(counted) == 3  # only the interrupted video again
    assert len(list((tmp_path / "dist").glob("*.zip"))) == 4


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_pack_fix_shows_stages_and_progress_on_a_terminal(teacher, tmp_path, counted):
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "kcsubmit", "pack", str(teacher), "--fix", "--trim", "-o",
                             str(tmp_path / "dist")], env={**counted, "COLUMNS": "120"},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        seen += chunk
    proc.communicate(timeout=120)
    os.close(master)
    text = seen.decode("utf-8", "replace")
    assert proc.returncode == 0, text
    for stage in ("[1/4] 检查", "[2/4] 修复", "[3/4] 打包", "[4/4] 复查"):
        assert stage in text
    assert "预计共需约" in text  # the estimate before the work
    assert "总进度" in text and "videos/a.mp4" in text  # the overall bar and the current file's
    assert "%" in text  # the bars were drawn while ffmpeg encoded
    assert "压缩包在这个文件夹里" in text


def test_chinese_output_says_what_fix_did_without_jargon(tmp_path, counted):
    photo = tmp_path / "in" / "照片.jpg"
    photo.parent.mkdir()
    photo.write_bytes(docgen.jpeg((800, 600), orientation=6))
    zh = cli({**counted, "COLUMNS": "200"}, "fix", str(photo), "-o", str(tmp_path / "out"), "--lang", "zh")
    assert "按拍摄方向把照片转正" in zh.stdout and "尺寸 600x800 改为 640x480" in zh.stdout
    assert "EXIF" not in zh.stdout and "(pad)" not in zh.stdout and "applied" not in zh.stdout
    en = cli(counted, "fix", str(photo), "-o", str(tmp_path / "out-en"), "--lang", "en")
    assert "EXIF orientation 6 applied" in en.stdout  # English keeps the terms


def test_the_cache_is_bounded_and_can_be_cleared(tmp_path, counted, teacher):
    from kcsubmit import cache

    env = {**counted, "KCSUBMIT_CACHE_LIMIT": "1"}  # every new copy evicts the older ones
    proc = cli(env, "fix", str(teacher), "-o", str(tmp_path / "fixed"), "--trim")
    assert proc.returncode == 0, proc.stdout
    assert cached(env) == [] and not list(Path(env["KCSUBMIT_CACHE_DIR"], "fixed").glob("*.out"))
    proc = cli(counted, "fix", str(teacher), "-o", str(tmp_path / "fixed2"), "--trim")
    assert len(cached(counted)) == 2
    info = cli(counted, "cache", "info", "--lang", "en").stdout
    assert str(Path(counted["KCSUBMIT_CACHE_DIR"])) in info and "2 repaired copies" in info
    cleared = cli(counted, "cache", "clear", "--lang", "zh")
    assert cleared.returncode == 0 and "删除 2 个修复结果" in cleared.stdout
    assert cached(counted) == [] and not list(Path(counted["KCSUBMIT_CACHE_DIR"], "fixed").glob("*.out"))
    assert cache.DEFAULT_LIMIT == 20_000_000_000


def test_a_reshaped_picture_gets_a_4_3_frame_in_the_docx(tmp_path):
    import re
    import zipfile

    from kcsubmit.repair import fix

    pictures = [docgen.jpeg((480, 640), seed=1), *docgen.compliant_pictures(4)]  # a portrait photo first
    src = docgen.make_docx(tmp_path / "in" / "案例.docx", paragraphs=[docgen.chinese_text(100)], pictures=pictures)
    report = fix([src], tmp_path / "out")
    with zipfile.ZipFile(report.files[0].output) as z:
        xml = z.read("word/document.xml").decode()
    extents = [(int(cx), int(cy)) for cx, cy in re.findall(r'<wp:extent cx="(\d+)" cy="(\d+)"', xml)]
    shapes = [(int(cx), int(cy)) for cx, cy in re.findall(r'<a:ext cx="(\d+)" cy="(\d+)"', xml)]
    assert len(extents) == 5 and extents[0] == shapes[0]
    width, height = extents[0]
    assert width == 1800000 and abs(height / width - 0.75) < 1e-3  # 5 cm wide, as the teacher set it
    assert any("frame reshaped" in line for line in report.files[0].details)


def test_fix_trim_later_reencodes_only_the_long_video(teacher, tmp_path, counted):
    first = cli(counted, "fix", str(teacher / "videos" / "a.mp4"), "-o", str(tmp_path / "one"),
                "--rules", str(teacher / "short.toml"))
    assert first.returncode == 0 and encodes(counted) == 1
    again = cli(counted, "fix", str(teacher), "-o", str(tmp_path / "all"), "--trim", "--format", "json")
    assert again.returncode == 0, again.stdout
    assert encodes(counted) == 2  # b.mp4 trimmed; a.mp4 came from the cache
    done = {Path(f["source"]).name: f for f in json.loads(again.stdout)["files"]}
    assert done["a.mp4"]["cached"] and not done["b.mp4"]["cached"] and done["b.mp4"]["action"] == "transcoded"


def test_library_callbacks_for_serve(teacher, tmp_path):
    import kcsubmit
    from kcsubmit.planning import overall

    stages: list[str] = []
    plans: list = []
    starts: list[tuple[int, int]] = []
    report = kcsubmit.pack(teacher, tmp_path / "dist", fix=True, trim=True, on_stage=stages.append,
                           on_plan=plans.append, on_file=lambda path, i, n: starts.append((i, n)))
    assert report.ok and stages == ["check", "fix", "pack", "recheck"]
    plan, = plans
    assert starts == [(i, len(plan.files)) for i in range(len(plan.files))]
    assert overall(plan, 0, 0.0) == 0.0 and overall(plan, len(plan.files) - 1, 1.0) == 1.0
    stopped = kcsubmit.fix([teacher], tmp_path / "fixed", ask=lambda plan: None)
    assert stopped.stopped and stopped.plan is not None and stopped.plan.options == ("--trim",)
    assert not (tmp_path / "fixed").exists()


def test_check_output_says_where_the_report_is(tmp_path, counted, make_video):
    target = tmp_path / "报告.html"
    proc = cli(counted, "check", str(make_video("good.mp4")), "--format", "html", "--output", str(target))
    assert target.exists() and f"报告已保存到：{target}" in proc.stderr

"""Profile format 2 (SPEC §7.1): optional numbers, deliverables, manual checks, built-in calls."""

from __future__ import annotations

import pytest

from kcsubmit import profile
from kcsubmit.errors import UsageError
from kcsubmit.profile import ProfileError

MINIMAL = '''format = 2
name = "call"
title = "A call"
year = 2025
verified = false

[source]
title = "关于举办某活动的通知"
issuer = "unknown"
date = 2025-03-01

[video]
min_width = 1920
min_height = 1080
orientation = "landscape"
fps = [25]
min_bytes = 100_000_000
max_bytes = 300_000_000
audio = {codec = "AAC", sample_rate = 48000, min_bitrate_kbps = 128}

[case]
image_formats = ["JPEG", "PNG"]
image_min_long_side = 3000

[archive]
total_max_bytes = 3_000_000_000

[[manual]]
id = "M001"
zh = "有中文字幕"
en = "Chinese subtitles"

[[deliverable]]
id = "video"
kind = "video"
count = 1
name = "{group}+《{title}》+{author}+{school}"
archive = "{group}+《{title}》+{author}+{school}"
formats = ["zip"]
max_bytes = 3_000_000_000
rules = {width = 1920, height = 1080}

[[deliverable]]
id = "photos"
kind = "image"
min_count = 1
max_count = 9
match = ["*照片*"]
'''


def test_format_2_loads_only_what_it_gives():
    p = profile.parse(MINIMAL, source="call.toml")
    assert (p.format, p.year, p.verified) == (2, 2025, False)
    assert p.source_info == {"title": "关于举办某活动的通知", "issuer": "unknown", "date": "2025-03-01"}
    assert "width" not in p.video and p.video["min_width"] == 1920
    assert "max_duration_s" not in p.video and "max_words" not in p.case
    assert p.video["audio"] == {"codec": "AAC", "sample_rate": 48000, "min_bitrate_kbps": 128}
    assert p.archive["total_max_bytes"] == 3_000_000_000
    assert p.archive["max_entries"] == 10_000  # a safety limit (A007) keeps its value when left out
    assert [(m.id, m.zh, m.en) for m in p.manual] == [("M001", "有中文字幕", "Chinese subtitles")]
    video, photos = p.deliverables
    assert (video.min_count, video.max_count, photos.min_count, photos.max_count) == (1, 1, 1, 9)


def test_deliverable_rules_merge_over_the_section():
    p = profile.parse(MINIMAL, source="call.toml")
    merged = p.for_deliverable(p.deliverables[0])
    # The deliverable's exact width replaces the profile's minimum (never both).
    assert (merged.video["width"], merged.video["height"]) == (1920, 1080)
    assert "min_width" not in merged.video and "min_height" not in merged.video
    assert merged.video["fps"] == [25]
    assert (merged.archive["formats"], merged.archive["max_bytes"]) == (["zip"], 3_000_000_000)
    assert p.video["min_width"] == 1920  # the profile itself is unchanged


def test_format_1_with_format_key_is_format_1():
    from conftest import profile_text

    p = profile.parse("format = 1\n" + profile_text(), source="x.toml")
    assert (p.format, p.verified, p.video["width"]) == (1, True, 1920)


BROKEN = [
    ("surprise = 1\n", "surprise", "unknown key"),
    ("[video]\nmin_widht = 3\n", "video.min_widht", "did you mean 'min_width'"),
    ('[video]\nwidth = "1920"\n', "video.width", "expected an integer"),
    ("[video]\nwidth = 1920\nmin_width = 1280\n", "video.min_width", "not both"),
    ("[video]\nmin_duration_s = 300\nmax_duration_s = 120\n", "video.min_duration_s", "greater than"),
    ("[video]\nmin_bytes = 3\nmax_bytes = 2\n", "video.min_bytes", "greater than"),
    ('[video]\norientation = "sideways"\n', "video.orientation", '"landscape", "portrait", "any"'),
    ("[video]\nfps = 25\n", "video.fps", "list of numbers"),
    ("[video]\naudio = {codec = \"AAC\", sample_rat = 1}\n", "video.audio.sample_rat", "did you mean 'sample_rate'"),
    ("[case]\nimage_format = \"JPEG\"\nimage_formats = [\"PNG\"]\n", "case.image_formats", "not both"),
    ("[case]\nimage_min_bytes = 9\nimage_max_bytes = 1\n", "case.image_min_bytes", "greater than"),
    ("[case]\nmax_chars = 0\n", "case.max_chars", "≥ 1"),
    ("[archive]\ntotal_max_bytes = -1\n", "archive.total_max_bytes", "≥ 1"),
    ("[source]\nurl = 3\n", "source.url", "non-empty string"),
    ("[source]\nissuer_name = \"x\"\n", "source.issuer_name", "unknown key"),
    ("[[manual]]\nid = \"M1\"\nzh = \"a\"\nen = \"a\"\n", "manual[0].id", '"M001"'),
    ("[[manual]]\nid = \"M001\"\nzh = \"a\"\n", "manual[0].en", "missing"),
    ("[[deliverable]]\nid = \"v\"\nkind = \"film\"\n", "deliverable[0].kind", '"video"'),
    ("[[deliverable]]\nid = \"v\"\nkind = \"video\"\ncount = 1\nmax_count = 2\n", "deliverable[0].count", "not both"),
    ("[[deliverable]]\nid = \"v\"\nkind = \"video\"\nmin_count = 3\nmax_count = 2\n", "deliverable[0].min_count",
     "greater than"),
    ("[[deliverable]]\nid = \"v\"\nkind = \"video\"\nname = \"{title:>99}\"\n", "deliverable[0].name", "format spec"),
    ("[[deliverable]]\nid = \"v\"\nkind = \"video\"\nrules = {max_byte = 1}\n", "deliverable[0].rules.max_byte",
     "did you mean 'max_bytes'"),
    ("[[deliverable]]\nid = \"v\"\nkind = \"other\"\nrules = {max_bytes = 1}\n", "deliverable[0].rules", "no rules"),
    ("[[deliverable]]\nid = \"v\"\nkind = \"video\"\n[[deliverable]]\nid = \"v\"\nkind = \"image\"\n",
     "deliverable[1].id", "used twice"),
    ("[severity]\nV999 = \"error\"\n", "severity.V999", "unknown rule ID"),
    ("format = 3\n", "format", "expected"),
]


@pytest.mark.parametrize("extra,key,what", BROKEN, ids=[b[1] for b in BROKEN])
def test_broken_format_2_names_file_and_key(extra, key, what):
    head = 'format = 2\nname = "x"\ntitle = "X"\n'
    text = extra + head if extra.startswith(("surprise", "format")) else head + extra
    if extra.startswith("format"):
        text = extra + 'name = "x"\ntitle = "X"\n'
    with pytest.raises(ProfileError) as err:
        profile.parse(text, source="bad.toml")
    message = str(err.value)
    assert message.startswith(f"bad.toml: key '{key}'"), message
    assert what in message and "\n" not in message


def test_missing_name_is_named():
    with pytest.raises(ProfileError, match="bad.toml: key 'title': missing"):
        profile.parse('format = 2\nname = "x"\n', source="bad.toml")


# --- reports: which profile judged, the deadline, the manual checklist ---

import io  # noqa: E402
import json  # noqa: E402
import xml.etree.ElementTree as ET  # noqa: E402
from pathlib import Path  # noqa: E402

import jsonschema  # noqa: E402
from test_cli import assert_one_line_error, kcsubmit  # noqa: E402

from kcsubmit import engine, reporters  # noqa: E402

from conftest import profile_text  # noqa: E402

MANUAL = '''
[[manual]]
id = "M001"
zh = "视频有中文字幕"
en = "The video has Chinese subtitles"

[[manual]]
id = "M002"
zh = "片头有 5 秒标题"
en = "A 5-second title card"
'''
REPORT_SCHEMA = json.loads((Path(__file__).parent / "report.schema.json").read_text(encoding="utf-8"))


def full_format_2(**changes: str) -> str:
    """The 2023 numbers written as a format-2 profile (every key given), with manual checks."""
    text = profile_text(min_duration_s=2, max_duration_s=5, **changes)
    return ("format = 2\nyear = 2099\nverified = false\n" + text.replace("[video]", MANUAL + "\n[video]", 1)
            .replace('name = "2023"', 'name = "call-2099"'))


@pytest.fixture(scope="module")
def manual_report(good_video):
    p = profile.parse(full_format_2(), source="call.toml")
    return engine.check([good_video], rules=p)


def render(report, fmt: str, lang: str = "en") -> str:
    out = io.StringIO()
    reporters.get(fmt)(report, out, reporters.Options(lang=lang, color=False))
    return out.getvalue()


def test_manual_items_in_text_and_the_profile_in_its_header(manual_report):
    text = render(manual_report, "text")
    assert "Rules: call-2099" in text and "not yet compared with the notice" in text
    assert "deadline" in text  # 2023-08-16 has passed: information, the run still passes
    assert manual_report.exit_code() == 0
    assert text.index("Check by hand") < text.index("☐ M001 The video has Chinese subtitles")
    assert "☐ M002 A 5-second title card" in text
    assert "☐ M001 视频有中文字幕" in render(manual_report, "text", "zh")


def test_manual_items_and_profile_in_json(manual_report):
    data = json.loads(render(manual_report, "json"))
    jsonschema.validate(data, REPORT_SCHEMA)
    assert data["manual"] == [{"id": "M001", "text": "The video has Chinese subtitles"},
                              {"id": "M002", "text": "A 5-second title card"}]
    assert data["profile"]["name"] == "call-2099" and data["profile"]["source"] == "call.toml"
    assert (data["profile"]["verified"], data["profile"]["deadline_passed"]) == (False, True)
    assert data["ok"] is True


def test_manual_items_are_skipped_junit_cases(manual_report):
    root = ET.fromstring(render(manual_report, "junit").split("\n", 1)[1])
    manual = root.find("testsuite[@name='manual']")
    cases = manual.findall("testcase")
    assert [c.get("name") for c in cases] == ["M001 The video has Chinese subtitles", "M002 A 5-second title card"]
    assert all(c.find("skipped") is not None for c in cases)
    assert root.get("skipped") == "2" and root.get("failures") == "0"
    props = {p.get("name"): p.get("value") for p in manual.iter("property")}
    assert props["profile_verified"] == "false" and props["profile"] == "call-2099"
    first = root.find("testsuite")
    assert {p.get("name"): p.get("value") for p in first.iter("property")}["profile"] == "call-2099"


def test_manual_items_are_an_html_checklist(manual_report):
    page = render(manual_report, "html", "zh")
    assert '<ul class="checklist">' in page and page.count('type="checkbox"') == 2
    assert "视频有中文字幕" in page and "未与通知原文核对" in page


def test_2023_report_unchanged_but_says_its_deadline_passed(good_video):
    report = engine.check([good_video])
    data = json.loads(render(report, "json"))
    assert data["manual"] == [] and data["profile"]["verified"] is True
    assert data["profile"]["deadline_passed"] is True
    assert [f["rule"] for f in data["files"][0]["findings"]] == ["V005"]


def test_deadline_ahead_is_not_mentioned():
    p = profile.parse(full_format_2().replace("2023-08-16T00:00:00+08:00", "2999-01-01T00:00:00+08:00"),
                      source="call.toml")
    assert profile.info(p).deadline_passed is False


def test_broken_profile_on_the_command_line_is_one_line(tmp_path, good_video):
    bad = tmp_path / "bad.toml"
    bad.write_text('format = 2\nname = "x"\ntitle = "X"\n[video]\nmax_duraton_s = 3\n', encoding="utf-8")
    proc = kcsubmit("check", "--rules", str(bad), str(good_video))
    assert_one_line_error(proc)
    assert str(bad) in proc.stderr and "video.max_duraton_s" in proc.stderr and "max_duration_s" in proc.stderr


def test_profiles_command_lists_and_starts(tmp_path):
    listed = json.loads(kcsubmit("profiles", "--format", "json").stdout)
    assert {"name", "title", "year", "source", "verified"} <= set(listed[0])
    by_name = {p["name"]: p for p in listed}
    assert by_name["2023"]["verified"] is True
    made = kcsubmit("profiles", "--new", "my-call", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    written = profile.load(tmp_path / "my-call.toml")
    assert (written.name, written.format, written.verified) == ("my-call", 2, False)
    again = kcsubmit("profiles", "--new", "my-call", cwd=tmp_path)
    assert_one_line_error(again)
    assert (tmp_path / "my-call.toml").read_text(encoding="utf-8").startswith("#:schema ")


# --- deliverables: assignment, S007–S010, pack names from the templates, A014 ---

import shutil  # noqa: E402
import zipfile  # noqa: E402

from kcsubmit.packing import pack  # noqa: E402

import docgen  # noqa: E402

DELIVERABLES = '''
[[deliverable]]
id = "video"
kind = "video"
count = 1
name = "{group}+《{title}》+{author}+{school}"
archive = "{group}+《{title}》+{author}+{school}"

[[deliverable]]
id = "photos"
kind = "image"
min_count = 1
max_count = 3
name = "{author}-照片{n}"
archive = "{group}+《{title}》+{author}+{school}"

[[deliverable]]
id = "cover"
kind = "image"
count = 1
match = ["*封面*"]
name = "封面-{title}"
'''
FIELDS = {"group": "初中组", "title": "光的折射", "author": "张三", "school": "示例中学"}
ARCHIVE = "初中组+《光的折射》+张三+示例中学"


def templated_profile(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "call.toml"
    path.write_text(full_format_2() + DELIVERABLES + extra, encoding="utf-8")
    return path


def make_entry(root: Path, make_video, fields: dict[str, str] | None = FIELDS, photos: int = 2,
               rules: str = "../call.toml") -> Path:
    root.mkdir(parents=True)
    shutil.copy(make_video("good.mp4"), root / "clip.mp4")
    for i in range(photos):
        (root / f"p{i}.jpg").write_bytes(docgen.jpeg(seed=i))
    (root / "封面.jpg").write_bytes(docgen.jpeg(seed=9))
    lines = ['studio = "示例工作室"', f'rules = "{rules}"']
    if fields:
        lines += ["[fields]", *(f'{k} = "{v}"' for k, v in fields.items())]
    (root / "kcsubmit.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def submission_rules(report) -> list[tuple[str, str | None]]:
    return sorted((f.rule, f.variant) for f in report.submission)


def test_files_are_judged_as_their_deliverables(tmp_path, make_video):
    templated_profile(tmp_path)
    root = make_entry(tmp_path / "entry", make_video)
    report = engine.check([root])
    by_name = {Path(r.path).name: r.deliverable for r in report.files}
    assert by_name == {"clip.mp4": "video", "p0.jpg": "photos", "p1.jpg": "photos", "封面.jpg": "cover"}
    # Named by hand, not by the template: a warning each (pack names them), nothing else.
    assert {f.rule for f in report.submission} == {"S008"}
    assert report.exit_code() == 0
    data = json.loads(render(report, "json"))
    assert {Path(f["path"]).name: f["deliverable"] for f in data["files"]}["封面.jpg"] == "cover"


def test_wrong_counts_missing_fields_and_stray_files(tmp_path, make_video):
    templated_profile(tmp_path)
    root = make_entry(tmp_path / "entry", make_video, fields={"group": "初中组"}, photos=4)
    (root / "notes.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    (root / "clip.mp4").unlink()
    report = engine.check([root])
    found = submission_rules(report)
    assert ("S007", "none") in found and ("S007", "many") in found  # no video, 4 photos of at most 3
    assert {f.values["field"] for f in report.submission if f.rule == "S009"} == {"title", "author", "school"}
    assert [f.location for f in report.submission if f.rule == "S010"] == [str(root / "notes.pdf")]
    assert report.exit_code() == 1


def test_pack_writes_the_templated_names(tmp_path, make_video):
    templated_profile(tmp_path)
    root = make_entry(tmp_path / "entry", make_video)
    result = pack(root, tmp_path / "dist")
    assert result.ok, result.blocking
    written = sorted(Path(a.path).name for a in result.archives)
    assert written == sorted([f"{ARCHIVE}.zip", "封面-光的折射.jpg"])
    with zipfile.ZipFile(tmp_path / "dist" / f"{ARCHIVE}.zip") as z:
        assert sorted(z.namelist()) == sorted([f"{ARCHIVE}.mp4", "张三-照片1.jpg", "张三-照片2.jpg"])
        assert z.read("张三-照片1.jpg") == (root / "p0.jpg").read_bytes()
    assert (tmp_path / "dist" / "封面-光的折射.jpg").read_bytes() == (root / "封面.jpg").read_bytes()
    # The packed files follow the templates: checked again, S008 has nothing to say.
    again = engine.check([tmp_path / "dist" / f"{ARCHIVE}.zip"], rules=profile.load(tmp_path / "call.toml"))
    assert again.ok


def test_pack_refuses_without_the_fields_and_over_the_total(tmp_path, make_video):
    templated_profile(tmp_path)
    root = make_entry(tmp_path / "entry", make_video, fields={"group": "初中组"})
    refused = pack(root, tmp_path / "dist")
    assert not refused.ok and {f.rule for _, f in refused.blocking} == {"S009"}
    small = tmp_path / "small"
    small.mkdir()
    templated_profile(small, extra="").write_text(
        full_format_2().replace("max_entries = 10_000", "max_entries = 10_000\ntotal_max_bytes = 1000")
        + DELIVERABLES, encoding="utf-8")
    over = pack(make_entry(small / "entry", make_video), small / "dist", dry_run=True)
    assert [f.rule for _, f in over.blocking] == ["A014"]
    assert not (small / "dist").exists()


def test_init_writes_the_fields_the_templates_use(tmp_path, make_video):
    rules = templated_profile(tmp_path)
    root = tmp_path / "entry"
    root.mkdir()
    shutil.copy(make_video("good.mp4"), root / "clip.mp4")
    proc = kcsubmit("init", str(root), "--studio", "示例工作室", "--rules", str(rules),
                    "--field", "group=初中组", "--field", "title=光的折射", "--field", "author=张三",
                    "--field", "school=示例中学")
    assert proc.returncode == 0, proc.stderr
    text = (root / "kcsubmit.toml").read_text(encoding="utf-8")
    assert 'rules = "../call.toml"' in text and 'title = "光的折射"' in text
    from kcsubmit import manifest

    assert manifest.load(root / "kcsubmit.toml").fields == FIELDS


# --- built-ins, the JSON Schema, the starting file ---

import datetime as dt  # noqa: E402
from importlib import resources  # noqa: E402

from kcsubmit import profilekeys  # noqa: E402
from kcsubmit.cli_profiles import starter  # noqa: E402
from kcsubmit.tomlcheck import tomllib  # noqa: E402

PROFILES = resources.files("kcsubmit").joinpath("profiles")
PROFILE_SCHEMA = json.loads(PROFILES.joinpath("profile.schema.json").read_text(encoding="utf-8"))
BUILTINS = profile.builtin_names()


def as_json(value):
    """TOML values as JSON sees them (dates as ISO text), for the schema."""
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def test_the_new_built_ins_are_there():
    assert {"2023", "kepu-video-2024", "jingpinke-lesson", "poster-photo"} <= set(BUILTINS)


@pytest.mark.parametrize("name", BUILTINS)
def test_each_built_in_loads_and_matches_the_schema(name):
    p = profile.load(name)
    assert p.name == name
    text = PROFILES.joinpath(f"{name}.toml").read_text(encoding="utf-8")
    assert text.startswith("#:schema ./profile.schema.json\n")  # taplo / Even Better TOML
    jsonschema.validate(as_json(tomllib.loads(text)), PROFILE_SCHEMA)
    if name != "2023":  # written from published limits, not compared with a notice yet
        assert p.format == 2 and p.verified is False
        assert set(p.source_info) == {"title", "issuer", "date", "url"}


def test_built_in_numbers_are_those_of_the_calls():
    kepu = profile.load("kepu-video-2024")
    assert (kepu.video["min_width"], kepu.video["min_height"], kepu.video["orientation"]) == (1920, 1080, "landscape")
    assert (kepu.video["min_duration_s"], kepu.video["max_duration_s"]) == (120, 300)
    assert kepu.video["min_bytes"] >= 100_000_000 and kepu.video["max_bytes"] <= 300 * 2**20
    assert [m.id for m in kepu.manual] == ["M001", "M002", "M003", "M004"]
    lesson = profile.load("jingpinke-lesson")
    assert (lesson.video["fps"], lesson.video["codecs"], lesson.video["max_bytes"]) == ([25], ["AVC"], 1_000_000_000)
    assert lesson.video["min_bitrate_kbps"] <= 8000 <= lesson.video["max_bitrate_kbps"]
    assert lesson.video["audio"]["codec"] == "AAC" and lesson.video["audio"]["sample_rate"] == 48000
    assert (lesson.video["min_duration_s"], lesson.video["max_duration_s"]) == (600, 1200)
    poster = profile.load("poster-photo")
    judged = poster.for_deliverable(poster.deliverable("poster"))
    assert (judged.case["image_width"], judged.case["image_height"], judged.case["image_orientation"]) == (
        1080, 1920, "portrait")
    assert judged.case["image_max_bytes"] <= 5 * 2**20 and judged.case["image_color_mode"] == "RGB"
    photos = poster.for_deliverable(poster.deliverable("photos"))
    assert photos.case["image_min_long_side"] == 3000 and photos.case["image_min_bytes"] >= 3_000_000
    assert "image_width" not in photos.case  # the poster's size is not the photos'


def test_schema_and_validator_know_the_same_keys():
    defs = PROFILE_SCHEMA["$defs"]
    keys = profilekeys.key_set()
    top = set(PROFILE_SCHEMA["properties"]) - {"source", "video", "case", "archive", "severity", "theme_aliases",
                                               "manual", "deliverable"}
    assert top == keys[""]
    for place, where in (("video", "video"), ("case", "case"), ("archive", "archive"), ("video.audio", "audio"),
                         ("source", "source"), ("manual", "manual"), ("deliverable", "deliverable")):
        assert set(defs[where]["properties"]) == keys[place], place
    # Format 1 keys are a subset: a 2023-style file validates too.
    for section, fields in profilekeys.FORMAT1.items():
        assert set(fields) <= (keys[section] if section else keys[""])


def test_schema_refuses_a_typo_as_the_loader_does():
    bad = as_json(tomllib.loads(MINIMAL.replace("min_width", "min_widht")))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, PROFILE_SCHEMA)
    jsonschema.validate(as_json(tomllib.loads(MINIMAL)), PROFILE_SCHEMA)


def test_starting_file_loads_and_names_the_schema():
    text = starter("my-call")
    assert profile.parse(text, source="my-call.toml").name == "my-call"
    assert text.splitlines()[0].startswith("#:schema file:") and text.splitlines()[0].endswith("profile.schema.json")
    jsonschema.validate(as_json(tomllib.loads(text)), PROFILE_SCHEMA)


def test_fix_follows_each_file_s_deliverable(tmp_path, make_video):
    from PIL import Image

    from kcsubmit.repair import fix

    small_cover = DELIVERABLES.replace('name = "封面-{title}"', 'name = "封面-{title}"\nrules = {image_width = 320, '
                                       'image_height = 240}')
    (tmp_path / "call.toml").write_text(full_format_2() + small_cover, encoding="utf-8")
    root = make_entry(tmp_path / "entry", make_video, photos=1)
    before = engine.check([root])
    cover = next(r for r in before.files if r.deliverable == "cover")
    assert [f.rule for f in cover.findings] == ["I002"]  # 640x480 where the cover wants 320x240
    result = fix([root], tmp_path / "fixed")
    by_name = {Path(f.source).name: f for f in result.files}
    assert by_name["封面.jpg"].action == "converted" and by_name["封面.jpg"].after == ()
    with Image.open(by_name["封面.jpg"].output) as picture:
        assert picture.size == (320, 240)
    assert by_name["p0.jpg"].action == "copied"  # the photo keeps 640x480, right for the photos


def test_manifest_deliverables_need_a_profile_with_deliverables(tmp_path, make_video):
    templated_profile(tmp_path)
    root = make_entry(tmp_path / "entry", make_video)
    manifest = root / "kcsubmit.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + '[deliverables]\ncover = "p0.jpg"\n', encoding="utf-8")
    report = engine.check([root])  # the manifest says which file is the cover: p0.jpg, not 封面.jpg
    assert {Path(r.path).name: r.deliverable for r in report.files} == {"p0.jpg": "cover"}
    # A [deliverables] table lists the submission, as [themes] does: the video and photos are missing.
    assert sorted(f.location for f in report.submission if f.rule == "S007") == ["photos", "video"]
    with pytest.raises(UsageError, match="key 'deliverables.nope'"):
        manifest.write_text(manifest.read_text(encoding="utf-8").replace("cover =", "nope ="), encoding="utf-8")
        engine.check([root])
    proc = kcsubmit("check", "--rules", "2023", str(root))
    assert_one_line_error(proc)
    assert "has no [[deliverable]]" in proc.stderr


def test_a_folder_of_archives_stays_a_batch_under_deliverables(tmp_path, make_video):
    templated_profile(tmp_path)
    root = make_entry(tmp_path / "entry", make_video)
    assert pack(root, tmp_path / "dist").ok
    (tmp_path / "dist" / "封面-光的折射.jpg").unlink()
    report = engine.check([tmp_path / "dist"], rules=profile.load(tmp_path / "call.toml"))
    assert report.submission == () and report.ok  # downloads to review, not one entry with no video
    assert [r.deliverable for r in report.files if "!" not in r.path] == ["video"]  # its name fits the template


@pytest.mark.parametrize(("template", "asked"), [(None, False), ('"{author}-{title}"', False),
                                                  ('"{studio}-{title}"', True)])
def test_a_studio_is_asked_for_only_when_a_name_holds_it(tmp_path: Path, good_video: Path, template: str | None,
                                                         asked: bool) -> None:
    """A person's entry to a call (no studio in any name template) gets no S004."""
    name = f"name = {template}\n" if template else ""
    rules = tmp_path / "call.toml"
    rules.write_text(f'format = 2\nname = "call"\ntitle = "A call"\n[[deliverable]]\nid = "video"\nkind = "video"\n'
                     f'count = 1\n{name}', encoding="utf-8")
    shutil.copy(good_video, tmp_path / "a.mp4")
    fields = '[fields]\nauthor = "张三"\ntitle = "光"\n'
    (tmp_path / "kcsubmit.toml").write_text(f'rules = "call.toml"\n{fields}[deliverables]\nvideo = "a.mp4"\n',
                                            encoding="utf-8")
    proc = kcsubmit("check", str(tmp_path / "kcsubmit.toml"), "-f", "json")
    whole = [f["rule"] for f in json.loads(proc.stdout)["submission"]["findings"]]
    assert ("S004" in whole) is asked, whole


def test_pack_keeps_two_bare_files_of_one_name_apart(tmp_path: Path) -> None:
    """A deliverable uploaded as bare files, without a name template: photos/a.jpg and more/a.jpg
    become a.jpg and a-2.jpg, never one over the other."""
    from PIL import Image

    rules = tmp_path / "call.toml"
    rules.write_text('format = 2\nname = "call"\ntitle = "A call"\n[[deliverable]]\nid = "photos"\nkind = "image"\n'
                     'min_count = 1\nmax_count = 5\n', encoding="utf-8")
    for folder, colour in (("photos", "red"), ("more", "blue")):
        (tmp_path / folder).mkdir()
        Image.new("RGB", (64, 48), colour).save(tmp_path / folder / "a.jpg", quality=90)
    manifest = 'rules = "call.toml"\n[deliverables]\nphotos = ["photos/a.jpg", "more/a.jpg"]\n'
    (tmp_path / "kcsubmit.toml").write_text(manifest, encoding="utf-8")
    out = tmp_path.parent / f"{tmp_path.name}-dist"
    proc = kcsubmit("pack", str(tmp_path / "kcsubmit.toml"), "-o", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    written = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert written == ["a-2.jpg", "a.jpg"], written
    colours = {Image.open(out / name).convert("RGB").getpixel((32, 24)) for name in written}
    assert len(colours) == 2  # both pictures, one red and one blue


def test_a_deliverables_own_limits_make_its_plan_and_cache_key(tmp_path: Path, good_video: Path) -> None:
    """A file is planned (estimate, cache key) by its deliverable's limits, not the profile's
    sections alone: change the deliverable's frame rate and the cached copy is not reused."""
    from kcsubmit import planning
    from kcsubmit.fixers import FixOptions
    from kcsubmit.profile import parse

    shutil.copy(good_video, tmp_path / "a.mp4")
    (tmp_path / "kcsubmit.toml").write_text('studio = "s"\n[deliverables]\nvideo = "a.mp4"\n', encoding="utf-8")
    keys = []
    for fps in (24, 50):
        profile = parse(f'format = 2\nname = "call"\ntitle = "A call"\n[[deliverable]]\nid = "video"\nkind = "video"\n'
                        f'count = 1\nrules = {{fps = [{fps}]}}\n')
        report = engine.check([str(tmp_path / "kcsubmit.toml")], rules=profile)
        assert any(f.rule == "V016" for r in report.files for f in r.findings)
        step = planning.plan(report, profile, FixOptions()).files[0]
        assert step.step == "transcode" and step.key
        keys.append(step.key)
    assert keys[0] != keys[1]

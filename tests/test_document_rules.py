"""Every D rule fires on a document made to break it, and on no compliant document."""

from __future__ import annotations

import io
import zipfile

import pytest

from kcsubmit.engine import check
from kcsubmit.profile import load

import docgen

PROFILE = load("2023")
FIVE = docgen.compliant_pictures(5)


def findings(path) -> dict[str, set[str]]:
    """Rule IDs per file of the report: the document and its pictures (DOC!word/media/…)."""
    report = check([path], rules=PROFILE)
    return {r.path.split("!")[-1] if "!" in r.path else "doc": {f.rule for f in r.findings} for r in report.files}


def doc_rules(path) -> set[str]:
    return findings(path)["doc"]


@pytest.fixture(scope="module")
def docs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docs")

    def make(name, **options):
        options.setdefault("paragraphs", [docgen.chinese_text(120)])
        options.setdefault("pictures", FIVE)
        return docgen.make_docx(folder / name, **options)

    return make


CASES = [
    ("compliant.docx", {}, set()),
    ("exactly-500.docx", {"paragraphs": [docgen.chinese_text(250), docgen.chinese_text(250, 1)]}, set()),
    ("501.docx", {"paragraphs": [docgen.chinese_text(250), docgen.chinese_text(251, 1)]}, {"D003"}),
    ("four-pictures.docx", {"pictures": FIVE[:4]}, {"D004"}),
    ("repeated.docx", {"pictures": FIVE + [FIVE[0]]}, {"D005"}),
    ("repeated-short.docx", {"pictures": FIVE[:4] + [FIVE[0]]}, {"D004", "D005"}),
    ("tracked.docx", {"tracked_change": True}, {"D006"}),
    ("commented.docx", {"comment": True}, {"D006"}),
    ("no-text.docx", {"paragraphs": []}, {"D007"}),
]


@pytest.mark.parametrize("name,options,expected", CASES, ids=[c[0] for c in CASES])
def test_document_rule_fires_exactly(docs, name, options, expected):
    assert doc_rules(docs(name, **options)) == expected


def test_every_document_rule_has_a_breaking_case():
    covered = set().union(*(c[2] for c in CASES)) | {"D001", "D002"}
    assert covered == {f"D00{n}" for n in range(1, 8)}


def test_word_count_facts_and_d003_message(docs):
    path = docs("long.docx", paragraphs=["短段。", docgen.chinese_text(400), docgen.chinese_text(150, 2)])
    result = check([path], rules=PROFILE).files[0]
    assert (result.facts["word_count"], result.facts["hanzi"] + 0 >= 0) == (553, True)
    d003 = result.findings[0]
    assert (d003.rule, d003.actual, d003.values["excess"]) == ("D003", 553, 53)
    from kcsubmit.i18n import finding_message

    message = finding_message(d003, "zh")
    assert "553" in message and "53" in message and "（400字）" in message and "（150字）" in message


def test_embedded_pictures_are_judged_at_doc_path(docs):
    bad = [docgen.jpeg((800, 600), seed=10), docgen.jpeg(fmt="PNG", seed=11),
           docgen.jpeg(mode="CMYK", seed=12), docgen.jpeg((480, 640), orientation=6, seed=13),
           docgen.jpeg(seed=14)]
    path = docs("broken-pictures.docx", pictures=bad)
    report = check([path], rules=PROFILE)
    by_inner = {r.path.split("!", 1)[1]: {f.rule for f in r.findings} for r in report.files[1:]}
    assert report.files[0].path == str(path) and report.files[0].facts["images"] == 5
    assert sorted(by_inner.values(), key=sorted) == sorted(
        [{"I002"}, {"I001"}, {"I005"}, {"I004"}, set()], key=sorted)
    assert all(p.startswith("word/media/image") for p in by_inner)
    assert all(r.kind == "image" for r in report.files[1:])
    for r in report.files[1:]:  # findings of a picture inside say where it sits: DOC!word/media/…
        assert all(f.location == r.path == f"{path}!{r.path.split('!')[1]}" for f in r.findings)


@pytest.mark.parametrize("name,data,fmt,fixable", [
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "Word 97-2003", None),
    ("case.pdf", b"%PDF-1.4\n%...\n", "PDF", False),
    ("case.rtf", b"{\\rtf1\\ansi hello}", "RTF", None),
])
def test_other_formats_are_d001(tmp_path, name, data, fmt, fixable):
    path = tmp_path / name
    path.write_bytes(data)
    result = check([path], rules=PROFILE).files[0]
    finding, = result.findings
    assert (finding.rule, finding.actual) == ("D001", fmt)
    if fixable is not None:
        assert finding.fixable is fixable
    assert finding.variant == ("pdf" if fmt == "PDF" else None)


def test_odt_is_d001(tmp_path):
    path = tmp_path / "case.odt"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    assert doc_rules(path) == {"D001"}


def test_docx_content_named_doc_is_still_checked_as_docx(docs, tmp_path):
    renamed = tmp_path / "case.doc"
    renamed.write_bytes(docs("compliant.docx").read_bytes())
    assert doc_rules(renamed) == set()


def test_password_protected_docx_is_d002(tmp_path):
    # Office stores a protected .docx as an OLE2 file with these two streams.
    names = "EncryptionInfo".encode("utf-16-le") + b"\0" * 40 + "EncryptedPackage".encode("utf-16-le")
    path = tmp_path / "locked.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + names + b"\0" * 2000)
    result = check([path], rules=PROFILE).files[0]
    finding, = result.findings
    assert (finding.rule, finding.variant) == ("D002", "encrypted")


@pytest.mark.parametrize("damage", ["truncated", "bad-xml", "no-document-part"])
def test_damaged_docx_is_d002(docs, tmp_path, damage):
    good = docs("compliant.docx").read_bytes()
    path = tmp_path / f"{damage}.docx"
    if damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    else:
        with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(path, "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                if info.filename == "word/document.xml":
                    if damage == "no-document-part":
                        continue
                    data = data[: len(data) // 2]
                dst.writestr(info, data)
    result = check([path], rules=PROFILE).files[0]
    assert {f.rule for f in result.findings} <= {"D002", "D001"} and result.findings
    assert "Traceback" not in str(result.facts)


def test_text_report_shows_document_and_picture(docs):
    from test_cli import kcsubmit

    path = docs("report.docx", paragraphs=[docgen.chinese_text(520)],
                pictures=FIVE[:4] + [docgen.jpeg(fmt="PNG", seed=20)])
    proc = kcsubmit("check", str(path))
    assert proc.returncode == 1
    assert "D003" in proc.stdout and "520" in proc.stdout and "I001" in proc.stdout
    assert "word/media/" in proc.stdout


# WPS saves a picture it lost as a relationship to ../NULL; Word opens such files.
WPS_CASES = [
    # (pictures, how many lost, how, words, document findings, lost children's findings)
    (6, 1, "null", 120, set(), {"NULL": {"I003:missing"}}),
    (5, 1, "null", 120, {"D004"}, {"NULL": {"I003:missing"}}),
    (6, 2, "null", 501, {"D003", "D004"}, {"NULL": {"I003:missing"}}),
    (6, 1, "linked", 120, set(), {"file:///C:/Users/teacher/Desktop/rId14.jpg": {"I003:linked"}}),
]


@pytest.mark.parametrize("pictures,lost,how,words,expected,children", WPS_CASES)
def test_lost_picture_is_a_picture_finding_not_d002(docs, tmp_path, pictures, lost, how, words, expected, children):
    path = tmp_path / "wps.docx"
    path.write_bytes(docs(f"six-{pictures}-{words}.docx", pictures=docgen.compliant_pictures(pictures),
                          paragraphs=[docgen.chinese_text(words)]).read_bytes())
    docgen.lose_pictures(path, lost, how=how)
    before = path.read_bytes()
    report = check([path], rules=PROFILE)
    document = report.files[0]
    assert document.facts["opened"] and document.facts["word_count"] == words
    assert document.facts["images"] == pictures - lost
    assert document.facts[f"{'missing' if how == 'null' else 'linked'}_images"] == lost
    assert {f.rule for f in document.findings} == expected
    broken = {r.path.split("!", 1)[1]: {f"{f.rule}:{f.variant}" for f in r.findings}
              for r in report.files[1:] if r.findings}
    assert broken == children
    lost_child = next(r for r in report.files if r.path.endswith("!" + next(iter(children))))
    assert lost_child.kind == "image" and lost_child.findings[0].values["count"] == (lost if how == "null" else 1)
    assert path.read_bytes() == before  # only read


def test_lost_picture_message_says_what_to_do(docs, tmp_path):
    from kcsubmit.i18n import finding_message, finding_next

    path = tmp_path / "wps.docx"
    path.write_bytes(docs("compliant.docx").read_bytes())
    docgen.lose_pictures(path, 1)
    finding, = check([path], rules=PROFILE).files[-1].findings
    assert "../NULL" in finding_message(finding, "zh") and "插入 → 图片" in finding_next(finding, "zh")
    assert "../NULL" in finding_message(finding, "en") and "Insert → Pictures" in finding_next(finding, "en")


def test_relationship_to_a_missing_header_still_opens(docs, tmp_path):
    """Generators that declare a header part they never wrote (python-docx issue 1219)."""
    path = tmp_path / "header.docx"
    with zipfile.ZipFile(docs("compliant.docx")) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/header" Target="header1.xml"/></Relationships>'))
            dst.writestr(info, data)
    report = check([path], rules=PROFILE)
    assert report.errors == 0 and report.files[0].facts["images"] == 5

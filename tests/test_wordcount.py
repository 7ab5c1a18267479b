"""Word-compatible 字数 (SPEC §6): strings counted by hand, then documents built at test time."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part, XmlPart
from docx.oxml import parse_xml
from docx.shared import Inches

from kcsubmit.wordcount import (
    DocumentCount,
    TextCount,
    count_document,
    count_paragraphs,
    count_text,
    longest_paragraphs,
)

# --- strings ------------------------------------------------------------------------------

# (text, words, hanzi, latin_words), every figure counted by hand.
CASES = [
    # the SPEC's examples
    ("使用 Adobe Photoshop 打开图片", 8, 6, 2),
    ("東京2024オリンピック", 9, 2, 1),  # 東京 + 2024 + オリンピック (6 kana)
    ("Hello、World。", 4, 0, 2),
    ("①②③", 1, 0, 1),
    ("ＡＢＣ", 3, 0, 0),
    ("안녕하세요", 5, 0, 0),
    ("Hello👍World", 1, 0, 1),
    ("A - B", 3, 0, 3),
    # empty and white space only (U+3000, NBSP, tab, newline)
    ("", 0, 0, 0),
    (" \t\u3000\u00a0\n", 0, 0, 0),
    ("  Python  ", 1, 0, 1),
    # Chinese and English mixed
    ("我爱Python编程", 5, 4, 1),
    ("C++ 和 C# 都是语言", 7, 5, 2),
    ("Hello, world!", 2, 0, 2),
    ("你好,世界!", 6, 4, 2),  # ASCII punctuation between Chinese is a run of its own
    ("(注)", 3, 1, 2),
    ("（注）", 3, 1, 0),  # full-width parentheses count 1 each
    # numbers
    ("圆周率约为3.14。", 7, 5, 1),
    ("2023年8月15日", 6, 3, 3),
    ("面积100㎡", 4, 2, 1),  # ㎡ is CJK Compatibility
    ("￥100", 2, 0, 1),  # ￥ is a full-width form
    ("ＡＢＣ１２３", 6, 0, 0),
    ("１２３abc", 4, 0, 1),
    ("第１名", 3, 2, 0),
    ("Ａ B", 2, 0, 1),
    # Chinese quotation marks, ellipsis, em dash, middle dot
    ("他说：“你好！”", 8, 4, 0),
    ("“引号”", 4, 2, 0),
    ("‘单引号’", 5, 3, 0),
    ("“Hello”", 3, 0, 1),
    ("等等……", 4, 2, 0),
    ("他说——走", 5, 3, 0),
    ("Word——微软", 5, 2, 1),
    ("达·芬奇", 4, 3, 0),
    ("don’t 放弃", 3, 2, 1),  # an apostrophe inside a Latin word stays in the word
    ("Xi’an 西安", 3, 2, 1),
    ("a·b", 1, 0, 1),
    ("他说——“好”……", 9, 3, 0),  # the module docstring's example
    # URLs and e-mail
    ("请访问 https://www.example.com/path?a=1 了解", 6, 5, 1),
    ("邮箱：teacher@school.edu.cn", 4, 2, 1),
    # white space of other kinds
    ("中\u3000文", 2, 2, 0),
    ("one\u00a0two", 2, 0, 2),
    ("a\tb\tc", 3, 0, 3),
    ("zero\u200bwidth", 2, 0, 2),  # a zero-width space separates
    ("co\u00adop", 1, 0, 1),  # a soft hyphen does not
    ("中\u200d文", 2, 2, 0),  # nor does a zero-width joiner, which is no word either
    # Japanese, Korean, Bopomofo, rare blocks
    ("こんにちは世界", 7, 2, 0),
    ("한국어 단어", 5, 0, 0),
    ("ｶﾀｶﾅ", 4, 0, 0),  # half-width katakana
    ("ㇰ", 1, 0, 0),  # Katakana Phonetic Extensions
    ("ㄅㄆㄇ", 3, 0, 0),
    ("〇", 1, 0, 0),  # counts, but is not a Han ideograph of the CJK blocks
    ("𠀀字", 2, 2, 0),  # Extension B
    ("葛\U000e0100城", 2, 2, 0),  # a variation selector belongs to its ideograph
    # emoji and circled numbers
    ("①②号", 2, 1, 1),
    ("点赞👍👍", 3, 2, 1),
    ("有🈶", 2, 1, 1),  # Enclosed Ideographic Supplement: emoji, not CJK
    ("cafe\u0301 店", 2, 1, 1),
]


@pytest.mark.parametrize(("text", "words", "hanzi", "latin"), CASES, ids=[c[0] for c in CASES])
def test_count_text(text: str, words: int, hanzi: int, latin: int) -> None:
    assert count_text(text) == TextCount(words=words, hanzi=hanzi, latin_words=latin)


def test_paragraph_boundaries_end_runs() -> None:
    assert count_text("Python").words == 1
    assert count_paragraphs(["Py", "thon"]) == TextCount(2, 0, 2)
    assert count_paragraphs(["中文", "", "abc def"]) == TextCount(4, 2, 2)
    assert count_paragraphs([]) == TextCount(0, 0, 0)


# --- documents ----------------------------------------------------------------------------

NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def t(text: str) -> str:
    """A plain run holding ``text``."""
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


def el(tag: str, *content: str, **attributes: str) -> str:
    """``<w:tag w:key="value">content</w:tag>``; ``tag`` may carry another prefix (``v:shape``)."""
    name = tag if ":" in tag else f"w:{tag}"
    attrs = "".join(f' w:{key}="{value}"' for key, value in attributes.items())
    return f"<{name}{attrs}>{''.join(content)}</{name}>"


def box(text: str) -> str:
    return el("txbxContent", el("p", t(text)))


def vml(text: str) -> str:
    """A VML text box (``w:pict/v:shape/v:textbox``), as older Word and WPS write it."""
    return el("pict", el("v:shape", el("v:textbox", box(text))))


def drawing_with_fallback(text: str) -> str:
    """A DrawingML text box (mc:Choice) with its VML duplicate (mc:Fallback), as Word saves it."""
    uri = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
    shape = f'<a:graphic><a:graphicData uri="{uri}">{el("wps:wsp", el("wps:txbx", box(text)))}'
    drawing = el("drawing", el("wp:anchor", shape + "</a:graphicData></a:graphic>"))
    choice = f'<mc:Choice Requires="wps">{drawing}</mc:Choice>'
    return el("r", el("mc:AlternateContent", choice, el("mc:Fallback", vml(text))))


def field_char(kind: str) -> str:
    return el("r", f'<w:fldChar w:fldCharType="{kind}"/>')


def add_xml_paragraph(doc: Document, *fragments: str) -> None:
    """A body paragraph whose content is the given run-level XML fragments."""
    content = parse_xml(f"<w:p {NS}>{''.join(fragments)}</w:p>")
    doc.add_paragraph()._p.extend(list(content))


def notes_xml(kind: str, real: list[str]) -> bytes:
    """A footnotes/endnotes part: separator notes (with text that must not count), then ``real``."""
    separators = [("-1", "separator", "分隔符不计"), ("0", "continuationSeparator", "也不计")]
    notes = [el(kind, el("p", t(text)), type=type_, id=i) for i, type_, text in separators]
    notes += [el(kind, el("p", t(text)), id=str(i)) for i, text in enumerate(real, 1)]
    root = f"<w:{kind}s {NS}>{''.join(notes)}</w:{kind}s>"
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' + root).encode()


def build_body(doc: Document) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run("Py").bold = True
    paragraph.add_run("thon")
    paragraph.add_run(" 编程入门")
    doc.add_paragraph("第二段。").paragraph_format.tab_stops.add_tab_stop(Inches(1))
    table = doc.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "姓名"
    table.cell(0, 1).text = "Zhang San"
    table.cell(1, 0).text = "学校"
    table.cell(1, 1).add_table(rows=1, cols=1).cell(0, 0).text = "实验小学 Class 3"


def build_text_boxes(doc: Document) -> None:
    add_xml_paragraph(doc, t("锚点"), drawing_with_fallback("文本框里的字"), t("段落"))
    add_xml_paragraph(doc, t("第二个"), el("r", vml("VML only 文本")))


def build_notes(doc: Document) -> None:
    # python-docx has no notes API: a plain Part (footnotes) and an XmlPart (endnotes), related
    # from the document part; after saving both come back as plain parts.
    package = doc.part.package
    add_xml_paragraph(doc, t("正文有脚注"), el("r", '<w:footnoteReference w:id="1"/>'))
    blob = notes_xml("footnote", ["脚注内容 see p. 5"])
    footnotes = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, blob, package)
    doc.part.relate_to(footnotes, RT.FOOTNOTES)
    element = parse_xml(notes_xml("endnote", ["尾注。"]))
    endnotes = XmlPart(PackURI("/word/endnotes.xml"), CT.WML_ENDNOTES, element, package)
    doc.part.relate_to(endnotes, RT.ENDNOTES)


def build_revisions(doc: Document) -> None:
    revision = {"author": "T", "date": "2023-08-01T00:00:00Z"}
    deleted = el("r", el("delText", "删除")) + t("也删")  # Word writes w:delText; others w:t
    add_xml_paragraph(
        doc,
        t("保留"),
        el("ins", t("新增"), id="1", **revision),
        el("del", deleted, id="2", **revision),
        el("moveFrom", t("搬走"), id="3", **revision),
        el("moveTo", t("搬来"), id="4", **revision),
    )
    page_field = [field_char("begin"), el("r", el("instrText", " PAGE \\* MERGEFORMAT ")),
                  field_char("separate"), t("1"), field_char("end")]  # fmt: skip
    add_xml_paragraph(
        doc, t("第"), *page_field, t("页共"), el("fldSimple", t("2"), instr=" NUMPAGES "), t("页")
    )
    ruby = el("ruby", "<w:rubyPr/>", el("rt", t("hàn")), el("rubyBase", t("汉")))
    add_xml_paragraph(
        doc,
        el("hyperlink", t("官网"), anchor="top"),
        el("sdt", el("sdtContent", t("控件"))),
        el("smartTag", t("Beijing"), uri="urn:x", element="place"),
        el("r", ruby),
    )
    hyphen, tab, symbol = "<w:noBreakHyphen/>", "<w:tab/>", '<w:sym w:font="Wingdings" w:char="F0E0"/>'
    add_xml_paragraph(doc, t("e"), el("r", hyphen, el("t", "mail"), tab, el("t", "x"), symbol))
    doc.add_comment(doc.paragraphs[0].runs[0], text="批注不计入字数 comment words", author="T")
    doc.sections[0].header.paragraphs[0].text = "页眉文字很多很多很多"
    doc.sections[0].footer.paragraphs[0].text = "Footer words are not counted"


def saved(doc: Document, tmp_path: Path) -> Document:
    """The document written to disk and opened again, as the probe will see it."""
    path = tmp_path / "case.docx"
    doc.save(str(path))
    return docx.Document(str(path))


def figures_of(count: DocumentCount) -> tuple[int, int, int, int]:
    return (count.word_count, count.word_count_body, count.hanzi, count.latin_words)


# builder, (word_count, word_count_body, hanzi, latin_words), longest_paragraphs(n=3, opening=4)
DOCUMENTS = {
    # Python 编程入门 5 | 第二段。4 | 姓名 2, Zhang San 2, 学校 2, 实验小学 Class 3 = 6
    "body-and-nested-tables": (
        build_body, (21, 21, 15, 5), [(6, "实验小学…"), (5, "Pyth…"), (4, "第二段。")]
    ),
    # 锚点段落 4, 第二个 3 (body) | 文本框里的字 6 (once), VML only 文本 4 (text boxes)
    "text-boxes": (
        build_text_boxes, (17, 7, 15, 2), [(6, "文本框里…"), (4, "锚点段落"), (4, "VML …")]
    ),
    # 正文有脚注 5 (body) | 脚注内容 see p. 5 = 7 | 尾注。3; separator notes not counted
    "footnotes-and-endnotes": (
        build_notes, (15, 5, 11, 3), [(7, "脚注内容…"), (5, "正文有脚…"), (3, "尾注。")]
    ),
    # 保留新增搬来 6 | 第1页共2页 6 | 官网控件Beijing汉 6 (not the ruby guide) | e-mail x 2;
    # nothing of the header, the footer or the comment
    "revisions-fields-comments": (
        build_revisions, (20, 20, 15, 5), [(6, "保留新增…"), (6, "第1页共…"), (6, "官网控件…")]
    ),
}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_count_document(name: str, tmp_path: Path) -> None:
    build, figures, longest = DOCUMENTS[name]
    doc = docx.Document()
    build(doc)
    for current in (doc, saved(doc, tmp_path)):
        count = count_document(current)
        assert figures_of(count) == figures
        assert sum(words for words, _ in count.paragraphs) == count.word_count
        assert longest_paragraphs(count, n=3, opening=4) == longest


def test_paragraph_texts_in_document_order(tmp_path: Path) -> None:
    doc = docx.Document()
    build_body(doc)
    build_text_boxes(doc)
    build_revisions(doc)
    texts = [text for words, text in count_document(saved(doc, tmp_path)).paragraphs if words]
    assert texts == [
        *("Python 编程入门", "第二段。", "姓名", "Zhang San", "学校", "实验小学 Class 3"),
        *("锚点段落", "文本框里的字", "第二个", "VML only 文本"),  # a text box follows its anchor
        *("保留新增搬来", "第1页共2页", "官网控件Beijing汉", "e-mail\tx\uf0e0"),
    ]


def test_empty_document() -> None:
    count = count_document(docx.Document())
    assert figures_of(count) == (0, 0, 0, 0)
    assert longest_paragraphs(count) == []


def test_longest_paragraphs_cuts_and_collapses_white_space() -> None:
    paragraphs = ((1, "a"), (0, ""), (5, "one  two\tthree\nfour five"), (3, "x y z"))
    count = DocumentCount(9, 9, 0, 9, None, paragraphs)
    assert longest_paragraphs(count) == [(5, "one two three four f…"), (3, "x y z"), (1, "a")]
    assert longest_paragraphs(count, n=1, opening=30) == [(5, "one two three four five")]
    assert longest_paragraphs(count, n=0) == []


def set_app_xml(doc: Document, words: str | None) -> None:
    """Rewrite (or, with ``None``, drop) docProps/app.xml of a python-docx document."""
    package = doc.part.package
    if words is None:
        for r_id, rel in list(package.rels.items()):
            if rel.reltype == RT.EXTENDED_PROPERTIES:
                del package.rels[r_id]
        return
    part = next(p for p in package.iter_parts() if p.partname == "/docProps/app.xml")
    # app.xml is a plain Part: python-docx writes its bytes back as they are.
    part._blob = part.blob.replace(b"<Words>0</Words>", f"<Words>{words}</Words>".encode())


@pytest.mark.parametrize(
    ("words", "expected"),
    [("0", 0), ("123", 123), (" 45 ", 45), ("many", None), ("", None), (None, None)],
)
def test_saved_word_count(words: str | None, expected: int | None, tmp_path: Path) -> None:
    # python-docx's template carries an app.xml with <Words>0</Words>, as WPS often saves.
    doc = docx.Document()
    doc.add_paragraph("五个汉字啊")
    set_app_xml(doc, words)
    count = count_document(saved(doc, tmp_path))
    assert count.saved_word_count == expected
    assert count.word_count == 5  # never taken from the cache


def test_unsafe_xml_is_not_expanded(tmp_path: Path) -> None:
    # Entities in a notes part are not expanded (no file or network access, no billion laughs).
    doc = docx.Document()
    doc.add_paragraph("正文")
    doctype = '?><!DOCTYPE w:footnotes [<!ENTITY ext "很多很多字">]>'.encode()
    blob = notes_xml("footnote", ["&ext;"]).replace(b"?>", doctype, 1)
    footnotes = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, blob, doc.part.package)
    doc.part.relate_to(footnotes, RT.FOOTNOTES)
    assert count_document(saved(doc, tmp_path)).word_count == 2


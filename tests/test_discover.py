"""Kinds are told by content, not by name."""

from __future__ import annotations

import io
import zipfile

import pytest

from kcsubmit.discover import collect, sniff


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_quicktime_named_mp4_is_quicktime(tmp_path, make_video):
    mov = make_video("q.mov").read_bytes()
    detected = sniff(write(tmp_path, "renamed.mp4", mov))
    assert (detected.kind, detected.format) == ("video", "QuickTime")


@pytest.mark.parametrize("data,kind,fmt", [
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image", "PNG"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 20, "image", "JPEG"),
    (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "image", "HEIC"),
    (b"7z\xbc\xaf\x27\x1c\0\x04", "archive", "7z"),
    (b"Rar!\x1a\x07\x01\x00", "archive", "rar"),
    (b"%PDF-1.7\n", "document", "PDF"),
    (b"{\\rtf1\\ansi", "document", "RTF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 20, "document", "Word 97-2003"),
    (b"\x1a\x45\xdf\xa3" + b"\0" * 20, "video", "Matroska"),
    (b"RIFF\0\0\0\0AVI LIST", "video", "AVI"),
])
def test_magic_wins_over_the_name(tmp_path, data, kind, fmt):
    detected = sniff(write(tmp_path, "photo.jpg", data))
    assert (detected.kind, detected.format) == (kind, fmt)


def test_zip_docx_and_plain_zip(tmp_path):
    def zipped(names):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for n in names:
                z.writestr(n, "x")
        return buf.getvalue()

    docx = sniff(write(tmp_path, "a.zip", zipped(["[Content_Types].xml", "word/document.xml"])))
    plain = sniff(write(tmp_path, "b.docx", zipped(["人工智能.mp4"])))
    assert (docx.kind, docx.format) == ("document", "docx")
    assert (plain.kind, plain.format) == ("archive", "zip")


def test_unknown_content_falls_back_to_the_name(tmp_path):
    assert sniff(write(tmp_path, "v.mp4", b"hello")).kind == "video"
    assert sniff(write(tmp_path, "v.mp4", b"")).format == "empty"
    assert sniff(write(tmp_path, "notes.txt", b"hello")).kind == "other"


def test_walk_is_sorted_and_skips_junk(tmp_path):
    for name in ("b.mp4", "a.mp4", ".DS_Store", "Thumbs.db", "~$案例.docx", "sub/c.mp4", "__MACOSX/._a.mp4"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    names = [t.path.relative_to(tmp_path).as_posix() for t in collect([tmp_path])]
    assert names == ["a.mp4", "b.mp4", "sub/c.mp4"]


def test_same_file_twice_is_checked_once(tmp_path):
    path = write(tmp_path, "a.mp4", b"x")
    assert len(collect([path, tmp_path, str(path)])) == 1

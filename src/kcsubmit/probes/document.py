"""Facts of a case document, from the .docx package (python-docx) walked once.

Pictures are found through the relationships of the main document part
(``a:blip/@r:embed`` of inline and floating DrawingML pictures, in the body,
tables and text boxes, and VML ``v:imagedata/@r:id``), counted once per
distinct content, and returned as children so that each is judged by the
image rules at ``DOC!word/media/imageN.ext``.  A reference that shows no
picture — its part lost (WPS writes ``Target="../NULL"``; the package still
opens, see :mod:`kcsubmit.probes.opc`), or a linked file outside the document
(``r:link``, ``TargetMode="External"``) — is not counted, and is a child at
``DOC!<where it points>`` that I003 reports (``missing``/``linked``).
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any

from .. import wordcount
from ..soffice import find_soffice

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
V = "urn:schemas-microsoft-com:vml"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
COMMENTS_RT = R + "/comments"

# Office wraps a password-protected .docx in an OLE2 container with these streams.
ENCRYPTED_STREAMS = ("EncryptedPackage".encode("utf-16-le"), "EncryptionInfo".encode("utf-16-le"))

# python-docx reads every part whole and lxml builds each XML part's whole tree, so
# memory follows what the parts unpack to.  A case document (<= 500 字, a few photos,
# inside a 300 MB archive) is far below these; a package beyond them is refused (D002)
# before python-docx sees it.  docs/decisions.md.
MAX_UNPACKED = 400_000_000  # every part together
MAX_XML_PART = 16_000_000  # one XML part (a tree costs ~10x its text); a long report's is ~2 MB
MAX_PARTS = 5_000


def measure(path: Path, fmt: str | None, profile: Any) -> dict[str, Any]:
    """The probe with the engine's signature (``kcsubmit.probes.PROBES``)."""
    return probe(path, fmt)


def probe(path: Path | str, fmt: str | None = None) -> dict[str, Any]:
    """Measure a document once. Never raises for a broken file: the facts say what failed."""
    path = Path(path)
    facts: dict[str, Any] = {"format": fmt, "suffix": path.suffix, "opened": False}
    try:
        facts["size_bytes"] = os.path.getsize(path)
    except OSError as exc:
        facts["open_error"] = exc.strerror or str(exc)
        return facts
    if fmt != "docx":
        if fmt in ("Word 97-2003", "WPS") and _encrypted_ole(path):
            facts.update(format="docx", encrypted=True, open_error="password protected")
        facts["converter"] = find_soffice()  # the same search fix uses: PATH and the usual folders
        return facts
    problem = _package_problem(path)
    if isinstance(problem, dict):
        facts.update(oversized=problem, open_error=f"{problem['part'] or 'all parts'}: {problem['size']} bytes")
        return facts
    if problem:
        facts["open_error"] = problem
        return facts
    try:
        from .opc import open_docx

        document, dangling = open_docx(path)  # a relationship to a missing part is not damage
        measured = {**_words(document), **_markup(document)}
    except Exception as exc:  # noqa: BLE001 - any failure to open or read is a finding (D002)
        facts["open_error"] = f"{type(exc).__name__}: {exc}"[:200]
        return facts
    facts["opened"] = True
    facts.update(measured)
    facts.update(_pictures(document, {(d.source, d.rid): d for d in dangling}))
    return facts


def _package_problem(path: Path) -> str | dict[str, Any] | None:
    """Refuse packages that would be unsafe or pointless to open: bombs, damaged zips.

    A part too big to read is returned as {part, size, limit} (D002's "oversized";
    part None: all the parts together).
    The sizes are those the zip declares: zipfile never inflates more than declared.
    """
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > MAX_PARTS:
                return f"{len(infos)} parts"
            total = sum(i.file_size for i in infos)
            if total > MAX_UNPACKED:
                return {"part": None, "size": total, "limit": MAX_UNPACKED}
            for info in infos:
                if info.file_size > MAX_XML_PART and info.filename.lower().endswith((".xml", ".rels")):
                    return {"part": info.filename, "size": info.file_size, "limit": MAX_XML_PART}
            if any(i.flag_bits & 0x1 for i in infos):
                return "encrypted zip entries"
            # CRCs are verified as python-docx reads each part: a damaged one raises there.
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        return f"damaged package: {exc}"[:200]
    return None


def _encrypted_ole(path: Path, limit: int = 8 << 20) -> bool:
    """True when an OLE2 file holds Office's encryption streams (a protected .docx)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(limit)
        if size > limit:  # the directory may sit at the end of a big file
            f.seek(max(limit, size - limit))
            head += f.read(limit)
    return all(name in head for name in ENCRYPTED_STREAMS)


def _words(document: Any) -> dict[str, Any]:
    count = wordcount.count_document(document)
    return {
        "word_count": count.word_count,
        "word_count_body": count.word_count_body,
        "hanzi": count.hanzi,
        "latin_words": count.latin_words,
        "saved_word_count": count.saved_word_count,
        "longest_paragraphs": [list(p) for p in wordcount.longest_paragraphs(count)],
    }


def _markup(document: Any) -> dict[str, Any]:
    body = document.part.element
    revisions = sum(len(body.findall(f".//{{{W}}}{tag}")) for tag in ("ins", "del", "moveFrom", "moveTo"))
    comments = 0
    for rel in document.part.rels.values():
        if rel.reltype == COMMENTS_RT and not rel.is_external:
            element = getattr(rel.target_part, "element", None)
            if element is not None:
                comments += len(element.findall(f"{{{W}}}comment"))
    return {"revisions": revisions, "comments": comments}


def picture_ids(body: Any) -> list[str]:
    """Relationship IDs of every picture reference, in document order.

    The embedded picture (``r:embed``, VML ``r:id``), else the linked file
    (``r:link``: Word's "Link to File" stores no picture).  ``mc:Fallback``
    repeats the ``mc:Choice`` content for old readers: skipped.
    """
    ids: list[str] = []
    for element in body.iter(f"{{{A}}}blip", f"{{{V}}}imagedata"):
        if any(a.tag == f"{{{MC}}}Fallback" for a in element.iterancestors()):
            continue
        rid = element.get(f"{{{R}}}embed") or element.get(f"{{{R}}}id") or element.get(f"{{{R}}}link")
        if rid:
            ids.append(rid)
    return ids


def _pictures(document: Any, dangling: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """Distinct embedded pictures (children judged by the I rules), and the references
    that show no picture: a lost part (WPS's ``../NULL``), a linked file, an unknown rId.

    Those are not counted (D004, D005); each distinct target is one child with I003
    (``missing`` or ``linked``).
    """
    from . import image

    part = document.part
    seen: dict[str, str] = {}  # sha256 → partname of the first part with that content
    refs = 0
    repeated: list[str] = []
    children = []
    broken: dict[str, tuple[str, str, int]] = {}  # child name → (I003 code, target, references)
    for rid in picture_ids(part.element):
        rel = part.rels.get(rid)
        if rel is None or rel.is_external:
            lost = dangling.get((str(part.partname), rid))
            if lost is not None:
                name, code, target = lost.partname.lstrip("/"), "missing", lost.target
            elif rel is None:  # Word: "the image part with relationship rId8 was not found"
                name, code, target = rid, "missing", rid
            else:
                name, code, target = rel.target_ref, "linked", rel.target_ref
            broken[name] = (code, target, broken.get(name, (code, target, 0))[2] + 1)
            continue
        target = rel.target_part
        refs += 1
        digest = hashlib.sha256(target.blob).hexdigest()
        inner = str(target.partname).lstrip("/")
        if digest in seen:
            repeated.append(inner)
            continue
        seen[digest] = inner
        children.append((inner, "image", image.probe(inner, data=target.blob, loose=False)))
    for name, (code, target, count) in broken.items():
        children.append((name, "image", image.absent(name, code, target, count)))
    return {
        "images": len(seen),
        "image_refs": refs,
        "repeated_images": sorted(set(repeated)),
        "missing_images": sum(n for code, _, n in broken.values() if code == "missing"),
        "linked_images": sum(n for code, _, n in broken.values() if code == "linked"),
        "children": children,
    }

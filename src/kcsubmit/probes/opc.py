"""Open a .docx the way Word does: a relationship to a part that is not there is not damage.

WPS writes the relationship of a picture it lost as ``Target="../NULL"``; Word
add-ins and other generators leave relationships to headers or media they never
wrote.  Word opens such files (a lost picture shows as an empty frame), but
python-docx reads the target of every internal relationship while loading and
raises ``KeyError`` for the first one missing — so the whole document would be
called damaged (D002) and neither its 字数 nor its pictures counted.

:func:`open_docx` loads the package with python-docx's own reader, changed in
one place: each relationships item is read through a filter that marks an
internal relationship whose target part is absent as ``TargetMode="External"``
(its ``Target`` kept as written) and records it as :class:`Dangling`.  python-docx
then loads the rest as usual, and every reference to the lost target stays
resolvable by its rId (``rel.is_external``).  Part names are matched to zip
members case-insensitively (OPC part names are), and percent-escapes in a
target are honoured.  The file is only read.

:func:`restore` undoes the marking in a package python-docx saved, so a
repaired copy keeps those relationships exactly as the source had them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from lxml import etree

RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
EXTERNAL = "External"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class Dangling:
    """An internal relationship whose target part is not in the package."""

    source: str  # part name of the part whose relationships item holds it ("/": the package)
    rid: str
    target: str  # the Target attribute as written ("../NULL")
    partname: str  # what it resolves to ("/NULL")
    reltype: str = ""


def open_docx(path: Path | str) -> tuple[Any, tuple[Dangling, ...]]:
    """The python-docx ``Document`` of ``path`` and the relationships that point at nothing.

    Raises what python-docx raises for anything else wrong with the package
    (not a zip, bad XML, no main document part, not a Word document).
    """
    from docx.opc.constants import CONTENT_TYPE as CT
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.opc.package import Unmarshaller
    from docx.opc.packuri import PACKAGE_URI
    from docx.opc.part import PartFactory
    from docx.opc.pkgreader import PackageReader, _ContentTypeMap
    from docx.package import Package

    reader = _reader_class()(str(path))
    try:
        # PackageReader.from_file, with our physical reader instead of the one it picks.
        content_types = _ContentTypeMap.from_xml(reader.content_types_xml)
        package_rels = PackageReader._srels_for(reader, PACKAGE_URI)
        parts = PackageReader._load_serialized_parts(reader, package_rels, content_types)
    finally:
        reader.close()
    lost_main = [d for d in reader.dangling if d.source == "/" and d.reltype == RT.OFFICE_DOCUMENT]
    if lost_main:
        raise ValueError(f"the main document part {lost_main[0].partname} is missing")
    package = Package()
    Unmarshaller.unmarshal(PackageReader(content_types, package_rels, parts), package, PartFactory)
    main = package.main_document_part
    if main.content_type != CT.WML_DOCUMENT_MAIN:
        raise ValueError(f"not a Word document: the main part is {main.content_type}")
    return main.document, tuple(reader.dangling)


def restore(rels_items: dict[str, bytes], dangling: Iterable[Dangling]) -> dict[str, bytes]:
    """Relationships items (zip member name → XML) with the dangling ones internal again.

    Only the items that change are returned.
    """
    from docx.opc.packuri import PackURI

    wanted: dict[str, set[str]] = {}
    for d in dangling:
        wanted.setdefault(PackURI(d.source).rels_uri.membername, set()).add(d.rid)
    changed = {}
    for member, rids in wanted.items():
        if member not in rels_items:
            continue
        root = etree.fromstring(rels_items[member], _PARSER)
        for rel in root.iter(f"{{{RELS_NS}}}Relationship"):
            if rel.get("Id") in rids and rel.get("TargetMode") == EXTERNAL:
                del rel.attrib["TargetMode"]
        changed[member] = etree.tostring(root, encoding="UTF-8", xml_declaration=True, standalone=True)
    return changed


@cache
def _reader_class() -> type:
    """python-docx's zip reader with case-insensitive members and the dangling filter."""
    from docx.opc.packuri import PackURI
    from docx.opc.phys_pkg import _ZipPkgReader

    class TolerantReader(_ZipPkgReader):
        def __new__(cls, pkg_file: str) -> TolerantReader:  # PhysPkgReader.__new__ picks its own class
            return object.__new__(cls)

        def __init__(self, pkg_file: str) -> None:
            super().__init__(pkg_file)
            self._members = {name.lower(): name for name in self._zipf.namelist()}
            self.dangling: list[Dangling] = []

        def _member(self, membername: str) -> str | None:
            for name in (membername, unquote(membername)):
                found = self._members.get(name.lower())
                if found is not None:
                    return found
            return None

        def blob_for(self, pack_uri: Any) -> bytes:
            return self._zipf.read(self._member(pack_uri.membername) or pack_uri.membername)

        def rels_xml_for(self, source_uri: Any) -> bytes | None:
            xml = super().rels_xml_for(source_uri)
            if xml is None:
                return None
            root = etree.fromstring(xml, _PARSER)
            marked = False
            for rel in root.iter(f"{{{RELS_NS}}}Relationship"):
                target = rel.get("Target")
                if rel.get("TargetMode") == EXTERNAL or target is None:
                    continue
                partname = PackURI.from_rel_ref(source_uri.baseURI, target)
                if self._member(partname.membername) is None:
                    rel.set("TargetMode", EXTERNAL)
                    self.dangling.append(Dangling(str(source_uri), rel.get("Id") or "", target, str(partname),
                                                  rel.get("Type") or ""))
                    marked = True
            return etree.tostring(root) if marked else xml

    return TolerantReader

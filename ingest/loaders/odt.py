"""OpenDocument text (.odt) loader: the body of content.xml in document order, with heading levels.

An .odt is a ZIP whose content.xml holds the body; page headers and footers live in styles.xml and
are never read (so "UBND TỈNH …" / "Trang 3" cannot leak in), nor are footnotes, annotations,
tracked deletions or text boxes. Levels follow the DOCX loader: a "Title" paragraph is level 1,
a heading of outline level N is level N + 1; list items are LIST_ITEM blocks and each table row
is one TABLE_ROW with its cells joined by a tab (nested tables flatten into their cell).
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator

from lxml import etree

from core.contracts import Block, BlockKind, LoadedFile, RefusedFile

ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")


def _q(prefix: str, name: str) -> str:
    return f"{{{_NS[prefix]}}}{name}"


# elements whose text is not running text of the body
_SKIP = {_q("text", n) for n in ("note", "tracked-changes", "sequence-decls", "table-of-content", "alphabetical-index")}
_SKIP |= {_q("office", "annotation"), _q("office", "forms"), "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}frame"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def load_odt(data: bytes, source: str) -> LoadedFile:
    """Extract blocks from an OpenDocument text package, or refuse it (damaged, no text)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
            meta = archive.read("meta.xml") if "meta.xml" in archive.namelist() else b""
    except (KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RefusedFile(source, f"not a valid ODT ({exc})") from exc
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RefusedFile(source, f"corrupt ODT (XML parse error: {exc})") from exc
    body = root.find(f"{_q('office', 'body')}/{_q('office', 'text')}")
    if body is None:
        raise RefusedFile(source, "not an OpenDocument text (no office:text body)")
    titles = _title_styles(root)
    blocks = [b for b in _blocks(body, titles) if b.text]
    if not blocks:
        raise RefusedFile(source, "no extractable text")
    hints = {}
    title = _meta_title(meta) or next((b.text for b in blocks if b.kind is BlockKind.HEADING and b.level == 1), "")
    if title:
        hints["title"] = title
    return LoadedFile(source=source, format="odt", blocks=blocks, hints=hints)


def _title_styles(root: etree._Element) -> set[str]:
    """Names of paragraph styles that are (or derive from) the "Title" style."""
    parents = {
        s.get(_q("style", "name"), ""): s.get(_q("style", "parent-style-name"), "")
        for s in root.iter(_q("style", "style"))
    }
    titles = set()
    for name in parents:
        seen, current = 0, name
        while current and seen < 20:  # style chains may be cyclic in broken files
            if current == "Title":
                titles.add(name)
                break
            current, seen = parents.get(current, ""), seen + 1
    return titles | {"Title"}


def _blocks(container: etree._Element, titles: set[str], in_list: bool = False) -> Iterator[Block]:
    for child in container.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP:
            continue
        if tag == _q("text", "h"):
            level = child.get(_q("text", "outline-level"), "1")
            yield Block(_text(child), BlockKind.HEADING, (int(level) if level.isdigit() else 1) + 1)
        elif tag == _q("text", "p"):
            text = _text(child)
            if in_list:
                yield Block(text, BlockKind.LIST_ITEM)
            elif child.get(_q("text", "style-name"), "") in titles:
                yield Block(text, BlockKind.HEADING, 1)
            else:
                yield Block(text)
        elif tag == _q("table", "table"):
            yield from _rows(child)
        elif tag in (_q("text", "list"), _q("text", "list-item"), _q("text", "list-header")):
            yield from _blocks(child, titles, in_list=True)
        else:  # sections, soft page breaks, change marks: look inside
            yield from _blocks(child, titles, in_list)


def _rows(table: etree._Element) -> Iterator[Block]:
    for row in table.iter(_q("table", "table-row")):
        if _owner_table(row) is not table:
            continue  # a nested table's row: part of its cell's text
        cells = []
        for cell in row.iterchildren(_q("table", "table-cell")):
            cells.append(" ".join(t for t in (_text(p) for p in cell.iter(_q("text", "p"), _q("text", "h"))) if t))
        if any(cells):
            yield Block("\t".join(cells).rstrip("\t"), BlockKind.TABLE_ROW)


def _owner_table(row: etree._Element) -> etree._Element | None:
    parent = row.getparent()
    while parent is not None and parent.tag != _q("table", "table"):
        parent = parent.getparent()
    return parent


def _text(element: etree._Element) -> str:
    parts: list[str] = []
    _collect(element, parts)
    text = unicodedata.normalize("NFC", "".join(parts)).replace("\u00ad", "")
    lines = (_WS.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _collect(element: etree._Element, parts: list[str]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element.iterchildren():
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIP:
            if tag == _q("text", "s"):
                count = child.get(_q("text", "c"), "1")
                parts.append(" " * (int(count) if count.isdigit() else 1))
            elif tag == _q("text", "tab"):
                parts.append("\t")
            elif tag == _q("text", "line-break"):
                parts.append("\n")
            elif tag != _q("text", "p") or element.tag != _q("table", "table-cell"):
                _collect(child, parts)
        if child.tail:
            parts.append(child.tail)


def _meta_title(meta: bytes) -> str:
    if not meta:
        return ""
    try:
        root = etree.fromstring(meta, _PARSER)
    except etree.XMLSyntaxError:
        return ""
    node = root.find(f".//{_q('dc', 'title')}")
    return _WS.sub(" ", unicodedata.normalize("NFC", node.text or "")).strip() if node is not None else ""

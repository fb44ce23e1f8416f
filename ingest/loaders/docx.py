"""DOCX loader: the body's paragraphs and tables in document order, with heading levels.

Why we walk the body XML ourselves instead of `Document.paragraphs` + `Document.tables`: those
lose the order between paragraphs and tables, and `Paragraph.text` skips text inside tracked
insertions (`w:ins`), content controls (`w:sdt`) and smart tags, all common in documents edited
in Word. Headers, footers, footnotes and comments live in other parts and are never read, so
"UBND TỈNH HÀ TĨNH" / "Trang 3" page furniture cannot leak into the text.

Heading levels: the "Title" style is a level-1 heading and "Heading N" is level N+1, so a title
sits above the document's own section headings (the PDF loader ranks font sizes the same way).
Paragraphs of other styles that carry an outline level (custom heading styles) get
outline level + 2. The title hint is the core-properties title, else the first Title paragraph.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from typing import Any

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

from core.contracts import Block, BlockKind, LoadedFile, RefusedFile

_HEADING_STYLE = re.compile(r"^heading\s+([1-9])$", re.IGNORECASE)
_TEXT_BULLET = re.compile(r"^[-+–•]\s")  # a list typed by hand: "- Sở Tài chính: ..."
_WS = re.compile(r"[ \t\r\f\v\u00a0]+")

# Elements whose text is not part of the paragraph's running text.
_SKIP = {qn("w:del"), qn("w:txbxContent"), qn("w:instrText"), qn("w:delText")}
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


def load_docx(data: bytes, source: str) -> LoadedFile:
    """Extract blocks from a DOCX package, or refuse it (not a DOCX, corrupt XML, no text)."""
    document = _open(data, source)
    try:
        blocks = [block for block in _body_blocks(document) if block.text]
    except etree.XMLSyntaxError as exc:  # a part parsed lazily (e.g. styles) is broken
        raise RefusedFile(source, f"corrupt DOCX (XML parse error: {exc})") from exc
    if not blocks:
        raise RefusedFile(source, "no extractable text")
    hints = {}
    title = _clean(document.core_properties.title or "") or _first_title(blocks)
    if title:
        hints["title"] = title
    return LoadedFile(source=source, format="docx", blocks=blocks, hints=hints)


def _open(data: bytes, source: str) -> Any:
    try:
        return Document(io.BytesIO(data))
    except etree.XMLSyntaxError as exc:
        raise RefusedFile(source, f"corrupt DOCX (XML parse error: {exc})") from exc
    except (KeyError, zipfile.BadZipFile, PackageNotFoundError, ValueError) as exc:
        raise RefusedFile(source, f"not a valid DOCX ({exc})") from exc


def _body_blocks(document: Any) -> Iterator[Block]:
    for element in _body_elements(document.element.body):
        if element.tag == qn("w:p"):
            yield _paragraph_block(Paragraph(element, document))
        else:
            yield from _table_rows(element)


def _body_elements(container: Any) -> Iterator[Any]:
    """Paragraphs and tables in document order, looking inside content controls."""
    for child in container.iterchildren():
        if child.tag in (qn("w:p"), qn("w:tbl")):
            yield child
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _body_elements(content)
        elif child.tag == qn("w:customXml"):
            yield from _body_elements(child)


def _paragraph_block(paragraph: Paragraph) -> Block:
    text = _clean(_paragraph_text(paragraph._p))
    style = paragraph.style
    name = (style.name or "") if style is not None else ""
    if name.lower() == "title":
        return Block(text, BlockKind.HEADING, 1)
    match = _HEADING_STYLE.match(name)
    if match:
        return Block(text, BlockKind.HEADING, int(match.group(1)) + 1)
    outline = _outline_level(paragraph._p, style)
    if outline is not None:
        return Block(text, BlockKind.HEADING, outline + 2)
    if name.lower().startswith("list") or _inherited(paragraph._p, style, "w:numPr") is not None:
        return Block(text, BlockKind.LIST_ITEM)
    if _TEXT_BULLET.match(text):
        return Block(text, BlockKind.LIST_ITEM)
    return Block(text)


def _outline_level(p: Any, style: Any) -> int | None:
    """Outline level 0..8 of a custom heading style; 9 (or none) means body text."""
    element = _inherited(p, style, "w:outlineLvl")
    value = element.get(qn("w:val"), "") if element is not None else ""
    return int(value) if value.isdigit() and int(value) < 9 else None


def _inherited(p: Any, style: Any, tag: str) -> Any:
    """A paragraph property set on the paragraph itself or on its style chain, else None."""
    ppr = p.pPr
    if ppr is not None and ppr.find(qn(tag)) is not None:
        return ppr.find(qn(tag))
    seen = 0
    while style is not None and seen < 20:  # style chains can be cyclic in broken files
        style_ppr = style.element.pPr
        if style_ppr is not None and style_ppr.find(qn(tag)) is not None:
            return style_ppr.find(qn(tag))
        style = style.base_style
        seen += 1
    return None


def _paragraph_text(p: Any) -> str:
    """All visible text of a paragraph, including insertions, fields' results and hyperlinks."""
    parts: list[str] = []
    for node in _visible_descendants(p):
        tag = node.tag
        if tag == qn("w:t"):
            parts.append(node.text or "")
        elif tag in (qn("w:tab"), qn("w:ptab")):
            parts.append("\t")
        elif tag in (qn("w:br"), qn("w:cr")):
            parts.append("\n" if node.get(qn("w:type")) in (None, "textWrapping") else " ")
        elif tag == qn("w:noBreakHyphen"):
            parts.append("-")
    return "".join(parts)


def _visible_descendants(element: Any) -> Iterator[Any]:
    for child in element.iterchildren():
        if not isinstance(child.tag, str) or child.tag in _SKIP or child.tag == _MC_FALLBACK:
            continue
        yield child
        yield from _visible_descendants(child)


def _table_rows(table: Any) -> Iterator[Block]:
    """One TABLE_ROW per row, cells joined by a tab; nested tables flatten into their cell."""
    for row in table.iterchildren(qn("w:tr")):
        cells = []
        for cell in row.iterchildren(qn("w:tc")):
            texts = (_clean(_paragraph_text(p)) for p in cell.iter(qn("w:p")))
            cells.append(" ".join(t for t in texts if t))
        if any(cells):
            yield Block("\t".join(cells), BlockKind.TABLE_ROW)


def _clean(text: str) -> str:
    """NFC; runs of spaces collapsed per line; soft hyphens removed."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    lines = (_WS.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _first_title(blocks: list[Block]) -> str:
    for block in blocks:
        if block.kind is BlockKind.HEADING and block.level == 1:
            return block.text
    return ""

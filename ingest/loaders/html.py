"""HTML loader: the article's visible text only, with its headings, list items and table rows.

Two steps, both on an lxml tree:
1. Sanitize. Everything a browser would not show as text goes: <script>, <style>, <noscript>,
   <template>, <svg>, <iframe> and other embeds, comments, form controls, elements hidden by the
   `hidden` attribute, an inline `display:none`/`visibility:hidden` or a simple `.class`/`#id`
   rule in the page's own <style>, and page chrome (<nav>, <aside>, and <header>/<footer> that
   are not inside an <article>). A <form> goes too, unless it wraps most of the page (ASP.NET
   and DotNetNuke portals put the whole page in one form). Attributes are never read as text, so
   `onerror=`/`javascript:` payloads cannot get in; escaped text such as `&lt;script&gt;` is
   decoded once by the parser and stays literal, inert text.
2. Find the article: the element whose paragraphs hold the most text (a small readability
   pass), widened to take in the title heading (and the date/lede between it and the body) when
   they sit just outside. Then h1..h6 → HEADING (level), li → LIST_ITEM, tr → TABLE_ROW (cells
   joined by a tab), other text (p, figcaption, div text) → PARAGRAPH.

Measured against the kit (token_match, tests/support.py) — trafilatura 2.3.1 with
`output_format="xml", include_formatting=True, include_tables=True`, on the raw and on the
sanitized page (same result), versus this pass:
  formats/000_ha-giang_portal.html           trafilatura 0.9857   readability pass 1.0000
  bad/prompt-injection_script_onerror.html   trafilatura vs this pass 0.9988 (it drops the
                                             "Xem thêm" link text); both keep "88 xã" and the
                                             injection sentence, neither lets alert(1) or the
                                             comment/hidden-div text in.
trafilatura drops the date line and the <figcaption>, which the expected text keeps, so the
readability pass is used and trafilatura is not called.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from core.contracts import Block, BlockKind, LoadedFile, RefusedFile

_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "math",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "canvas",
    "video",
    "audio",
    "map",
    "input",
    "textarea",
    "select",
    "option",
    "button",
    "datalist",
    "output",
    "dialog",
    "nav",
    "aside",
    "menu",
)
_CHROME_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^([a-z0-9]*)([.#])([\w-]+)$", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")

_INLINE = {
    "a",
    "abbr",
    "b",
    "bdi",
    "bdo",
    "cite",
    "code",
    "data",
    "dfn",
    "em",
    "font",
    "i",
    "img",
    "kbd",
    "label",
    "mark",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "time",
    "tt",
    "u",
    "var",
    "wbr",
    "big",
    "nobr",
    "ins",
    "del",
}
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_PARAGRAPH_TAGS = {"p", "pre", "blockquote", "figcaption", "dd", "dt", "address"}
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
# Pages a failed download leaves behind; indexing them would add junk documents.
_ERROR_PAGE = re.compile(
    r"^\s*(?:error\s*)?(?:400|401|403|404|410|500|502|503)(?:\s*[-–:|]|\s+(?:error|not|không)|\s*$)"
    r"|không tìm thấy trang|page not found",
    re.IGNORECASE,
)


def load_html(data: bytes, source: str) -> LoadedFile:
    """Extract the article of an HTML page, or refuse it (nothing visible, or an error page)."""
    tree = _parse(_decode(data), source)
    title = _title(tree)
    body = tree.find("body")
    if body is None:
        body = tree
    _sanitize(body)
    blocks = list(_article_blocks(body))
    if not blocks:
        raise RefusedFile(source, "no extractable text")
    if _is_error_page(title, blocks):
        raise RefusedFile(source, f"error page, not a document ({title})")
    return LoadedFile(source=source, format="html", blocks=blocks, hints={"title": title} if title else {})


# --- decoding and parsing -------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """Decode by BOM, else the <meta> charset, else UTF-8 (undecodable bytes replaced)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    match = _META_CHARSET.search(data[:4096])
    codec = "utf-8"
    if match:
        try:
            codec = codecs.lookup(match.group(1).decode("ascii")).name
        except (LookupError, UnicodeDecodeError):
            codec = "utf-8"
    return data.decode(codec, errors="replace")


def _parse(text: str, source: str) -> Any:
    text = _XML_DECL.sub("", text).replace("\x00", "")
    if not text.strip():
        raise RefusedFile(source, "no extractable text")
    try:
        return lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise RefusedFile(source, f"unreadable HTML ({exc})") from exc


def _title(tree: Any) -> str:
    node = tree.find(".//title")
    return _clean(node.text_content()) if node is not None else ""


# --- sanitizing ----------------------------------------------------------------------------


def _sanitize(body: Any) -> None:
    hidden_rules = _hidden_css_rules(body.getroottree().getroot())
    for node in list(body.iter(etree.Comment, etree.ProcessingInstruction)):
        _remove(node)
    for node in list(body.iter(*_DROP_TAGS)):
        _remove(node)
    for node in list(body.iter("header", "footer")):
        if next(node.iterancestors("article"), None) is None:
            _remove(node)
    for node in list(body.iter()):
        if isinstance(node.tag, str) and _is_hidden(node, hidden_rules):
            _remove(node)
    total = len(_clean(body.text_content()))
    for form in list(body.iter("form")):
        if len(_clean(form.text_content())) < 0.5 * total:
            _remove(form)


def _hidden_css_rules(root: Any) -> list[tuple[str, str, str]]:
    """(tag, "." or "#", name) for simple selectors the page's <style> hides."""
    rules: list[tuple[str, str, str]] = []
    for style in root.iter("style"):
        css = re.sub(r"/\*.*?\*/", "", style.text or "", flags=re.DOTALL)
        for selectors, declarations in _CSS_RULE.findall(css):
            if not _HIDDEN_STYLE.search(declarations):
                continue
            for selector in selectors.split(","):
                match = _SIMPLE_SELECTOR.match(selector.strip())
                if match:
                    rules.append((match.group(1).lower(), match.group(2), match.group(3)))
    return rules


def _is_hidden(node: Any, rules: list[tuple[str, str, str]]) -> bool:
    if node.get("hidden") is not None or node.get("type", "").lower() == "hidden":
        return True
    if (node.get("role") or "").lower() in _CHROME_ROLES:
        return True
    if _HIDDEN_STYLE.search(node.get("style") or ""):
        return True
    classes = set((node.get("class") or "").split())
    for tag, kind, name in rules:
        if tag and node.tag != tag:
            continue
        if (kind == "." and name in classes) or (kind == "#" and node.get("id") == name):
            return True
    return False


def _remove(node: Any) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = node.getparent()
    if parent is None:
        return
    tail = node.tail
    if tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


# --- finding the article -------------------------------------------------------------------

_SCORED = ("p", "pre", "blockquote", "li", "td", "figcaption", "div")
_MIN_SCORED_TEXT = 25  # shorter runs (menu entries, labels) say nothing about the article
_MAX_BETWEEN_TEXT = 500  # date/lede between the title and the body; more means another block


def _article_roots(body: Any) -> list[Any]:
    """The elements that make up the article, in order (usually one container)."""
    scores: dict[Any, float] = {}
    for node in body.iter(*_SCORED):
        text = node.text_content() if node.tag != "div" else _own_text(node)
        length = len(_clean(text))
        # A div's or table cell's own text makes it the container; a paragraph credits its parent.
        parent = node if node.tag in ("div", "td") else node.getparent()
        if length < _MIN_SCORED_TEXT or parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + length
        grandparent = parent.getparent()
        if grandparent is not None:
            scores[grandparent] = scores.get(grandparent, 0.0) + length / 2
    if not scores:
        return [body]
    best = max(scores, key=lambda node: scores[node])
    return _widen_to_heading(best, body)


def _widen_to_heading(best: Any, body: Any) -> list[Any]:
    """Add the title heading (and the date/lede after it) that sits just before the container."""
    if best is body or best.find(".//h1") is not None:
        return [best]
    child, ancestor = best, best.getparent()
    for _ in range(3):
        if ancestor is None:
            break
        siblings = list(ancestor)
        index = siblings.index(child)
        between = 0
        for start in range(index - 1, -1, -1):
            node = siblings[start]
            if isinstance(node.tag, str) and (node.tag in _HEADINGS or _has_heading(node)):
                return siblings[start : index + 1]
            between += len(_clean(node.text_content())) if isinstance(node.tag, str) else 0
            if between > _MAX_BETWEEN_TEXT:
                break
        if ancestor is body:
            break
        child, ancestor = ancestor, ancestor.getparent()
    return [best]


def _has_heading(node: Any) -> bool:
    """A small wrapper around a heading (e.g. <div class="title"><h1>..</h1></div>)."""
    heading = next(node.iter("h1", "h2"), None)
    return heading is not None and len(_clean(node.text_content())) <= _MAX_BETWEEN_TEXT


def _own_text(node: Any) -> str:
    """Text directly inside `node` and its inline children (not its block children)."""
    parts = [node.text or ""]
    for child in node:
        if isinstance(child.tag, str) and child.tag in _INLINE:
            parts.append(child.text_content())
        parts.append(child.tail or "")
    return "".join(parts)


# --- blocks --------------------------------------------------------------------------------


def _article_blocks(body: Any) -> Iterator[Block]:
    for root in _article_roots(body):
        if root.tag == "tr":  # rows of a layout table around the article: read cell by cell
            for cell in root:
                yield from _blocks(cell, BlockKind.PARAGRAPH)
        else:
            yield from _blocks(root, BlockKind.PARAGRAPH)


def _blocks(node: Any, kind: BlockKind) -> Iterator[Block]:
    """Walk one element in document order; inline runs between block children become blocks.

    `kind` is what plain text becomes: PARAGRAPH, or LIST_ITEM inside an <li>.
    """
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in _HEADINGS:
        yield from _emit(_flat_text(node), BlockKind.HEADING, _HEADINGS[tag])
        return
    if tag == "tr":
        cells = [_clean(_flat_text(cell)) for cell in node if cell.tag in ("td", "th")]
        if any(cells):
            yield Block("\t".join(cells), BlockKind.TABLE_ROW)
        return
    if tag in _INLINE:
        yield from _emit(_flat_text(node), kind)
        return
    if tag == "li":
        kind = BlockKind.LIST_ITEM
    buffer: list[str] = [node.text or ""]
    for child in node:
        child_tag = child.tag if isinstance(child.tag, str) else ""
        if child_tag == "br":
            buffer.append("\n")
        elif child_tag in _INLINE:
            buffer.append(child.text_content())
        elif child_tag:
            yield from _emit("".join(buffer), kind)
            buffer = []
            yield from _blocks(child, kind)
        buffer.append(child.tail or "")
    yield from _emit("".join(buffer), kind)


def _flat_text(node: Any) -> str:
    """All text of `node` on one line; <br> and block boundaries become spaces, not nothing."""
    parts: list[str] = []

    def walk(element: Any) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        separate = tag not in _INLINE
        if separate:
            parts.append(" ")
        parts.append((element.text or "") if tag else "")
        for child in element:
            walk(child)
            parts.append(child.tail or "")
        if separate:
            parts.append(" ")

    walk(node)
    return "".join(parts)


def _emit(text: str, kind: BlockKind, level: int = 0) -> Iterator[Block]:
    """Blocks from a text run; two or more <br> in a row separate paragraphs."""
    for part in re.split(r"\n\s*\n", text):
        lines = [_clean(line) for line in part.split("\n")]
        cleaned = "\n".join(line for line in lines if line)
        if cleaned:
            yield Block(cleaned, kind, level)


def _clean(text: str) -> str:
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def _is_error_page(title: str, blocks: list[Block]) -> bool:
    """A short page whose title or first heading says 404 / not found."""
    text_len = sum(len(block.text) for block in blocks)
    first = blocks[0].text if blocks else ""
    return text_len < 600 and bool(_ERROR_PAGE.search(title) or _ERROR_PAGE.search(first))

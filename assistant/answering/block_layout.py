"""A document's list blocks, read from its layout: a lead line ending in ":" / "như sau" (or a
table header) and the run of lines that share one item marker ("a)", "1.", "-", "+", "Bước 1.",
a numbered table row), deeper lines joining the item they follow. Read once per document text
and handed out as fresh objects (`list_blocks` marks the items it shows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

# Item marker families, from the outermost to the innermost level.
_FAMILIES: list[tuple[str, re.Pattern[str]]] = [
    ("roman", re.compile(r"^[IVXL]{1,5}[.)]\s+\S")),
    ("article", re.compile(r"^Điều\s+\d+")),
    ("subnumber", re.compile(r"^\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\.?\s+\S")),
    ("number", re.compile(r"^\d{1,2}[.)]\s+\S")),
    ("row", re.compile(r"^\d{1,3}\s+\S|.+\s\|\s.+|.+\t.+")),
    ("letter", re.compile(r"^[a-zđ][).]\s+\S")),
    ("step", re.compile(r"^Bước\s+\d+", re.IGNORECASE)),
    ("dash", re.compile(r"^[-–—]\s*\S")),
    ("plus", re.compile(r"^\+\s*\S")),
    ("bullet", re.compile(r"^[•*·]\s*\S")),
]
_RANK = {name: i for i, (name, _) in enumerate(_FAMILIES)}


def _any_family(families: list[tuple[str, re.Pattern[str]]]) -> re.Pattern[str]:
    """One pattern trying each family's in order (each its own named group, flags kept): a match
    names the first family whose pattern matches, as trying them one by one would, in one call."""
    parts = []
    for name, pattern in families:
        flags = "i" if pattern.flags & re.IGNORECASE else ""
        body = f"(?{flags}:{pattern.pattern})" if flags else f"(?:{pattern.pattern})"
        parts.append(f"(?P<{name}>{body})")
    return re.compile("|".join(parts))


_ANY_FAMILY = _any_family(_FAMILIES)
_LEAD_END = re.compile(r"(:|\bnhư sau\.?|\bsau đây\.?)\s*$")
_HEADER_CELL = re.compile(r"^(STT|TT|Số TT)\b")


def family(line: str) -> str:
    """The item marker family a line opens with ("" for none)."""
    m = _ANY_FAMILY.match(line)
    return m.lastgroup or "" if m else ""


@dataclass
class Line:
    text: str
    start: int
    end: int
    family: str


@dataclass
class Block:
    doc_id: str
    lead: Line
    items: list[Line]
    header: Line | None = None  # a table's column header row
    title: str = ""  # a table's caption lines above its lead ("PHỤ LỤC", "DANH SÁCH …", "(Kèm theo …)")
    chosen: list[Line] = field(default_factory=list)  # the items shown (all, or those naming the asked place)

    @property
    def start(self) -> int:
        return self.lead.start

    @property
    def end(self) -> int:
        return self.items[-1].end


def lines_of(text: str) -> list[Line]:
    out = []
    for m in re.finditer(r"[^\n]+", text):
        raw = m.group(0)
        stripped = raw.strip()
        if not stripped:
            continue
        start = m.start() + raw.find(stripped)
        out.append(Line(stripped, start, start + len(stripped), family(stripped)))
    return out


def _ends_lead_in(line: str) -> bool:
    """Whether a line (stripped, as `lines_of` gives them) ends as a lead-in does. `_LEAD_END`'s
    longest match is 8 characters at the end, so the last 16 decide: searching whole lines was
    most of reading a document's blocks."""
    return bool(_LEAD_END.search(line[-16:]))


def find_blocks(doc_id: str, text: str) -> list[Block]:
    """Every lead-in (a line ending in ":" / "như sau", or a table header) with the items under it.
    Fresh Block objects (callers mark `chosen`) over blocks read once per document text: every
    cited sentence of every answer looks its document's blocks up."""
    return [_fresh(b) for b in _blocks(doc_id, text)]


def block_led_at(doc_id: str, text: str, offset: int) -> Block | None:
    """The block whose lead-in holds `offset` (a fresh object, as `find_blocks` gives), copying
    only that one: every citation of an answer asks this of its document. Most cited sentences
    are no lead-in, and reading a document's blocks costs more than the rest of expanding an
    answer, so the line at `offset` is looked at first (`may_lead_at`)."""
    if not may_lead_at(text, offset):
        return None
    found = next((b for b in _blocks(doc_id, text) if b.lead.start <= offset < b.lead.end), None)
    return _fresh(found) if found is not None else None


def may_lead_at(text: str, offset: int) -> bool:
    """Whether some block's lead-in can hold `offset`, from the line holding it (L) and the next
    (as `lines_of` reads them: stripped, blank ones skipped). `_blocks` makes the block at line i
    a lead-in of line i when i ends as a lead-in or is a table's header cell, or of line i - 1
    when i is a header cell: a lead-in at L needs one of L's own two or a header cell after it."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    raw = text[start : end if end >= 0 else len(text)]
    line = raw.strip()
    at = start + raw.find(line) if line else -1
    if not line or not at <= offset < at + len(line):
        return False  # no line holds the offset: no lead-in does
    if _ends_lead_in(line) or _HEADER_CELL.match(line):
        return True
    while end >= 0:  # the next line that is not blank
        nxt = text.find("\n", end + 1)
        following = text[end + 1 : nxt if nxt >= 0 else len(text)].strip()
        if following:
            return bool(_HEADER_CELL.match(following))
        end = nxt
    return False


def _fresh(block: Block) -> Block:
    return replace(block, items=list(block.items), chosen=[])


@lru_cache(maxsize=128)
def _blocks(doc_id: str, text: str) -> tuple[Block, ...]:
    """Keyed by the text itself, so a re-ingested document is read again (never a stale block)."""
    lines = lines_of(text)
    ends_lead = [_ends_lead_in(line.text) for line in lines]
    blocks = []
    for i, lead in enumerate(lines):
        header = None
        j = i + 1
        after_lead = i > 0 and ends_lead[i - 1]  # that lead's block holds this header
        if _HEADER_CELL.match(lead.text) and j < len(lines) and lines[j].family == "row" and not after_lead:
            header, lead = lead, (lines[i - 1] if i > 0 and len(lines[i - 1].text) < 300 else lead)
        elif not ends_lead[i] or len(lead.text) > 500:
            continue
        elif j < len(lines) and _HEADER_CELL.match(lines[j].text):
            header = lines[j]
            j += 1
        if j >= len(lines) or not lines[j].family or lines[j].family == lead.family:
            continue
        items = _items(lines, j, lead.family)
        if len(items) >= 2:
            title = _caption(lines, lines.index(lead)) if header is not None else ""
            blocks.append(Block(doc_id, lead, items, header, title))
    return tuple(blocks)


def _caption(lines: list[Line], k: int, most: int = 2) -> str:
    """Short caption lines just above a table's lead (no sentence of the body text)."""
    out: list[str] = []
    for line in reversed(lines[max(0, k - most) : k]):
        if len(line.text) > 200 or re.search(r"[.;:]$", line.text):
            break
        out.insert(0, line.text)
    return " ".join(out)


def _items(lines: list[Line], j: int, lead_family: str) -> list[Line]:
    """Lines of the first item's family from j on; deeper lines join the item they follow."""
    kind = lines[j].family
    items: list[Line] = []
    for k in range(j, len(lines)):  # not `lines[j:]`: a copy of the rest of the document per lead-in
        line = lines[k]
        if line.family == kind:
            items.append(Line(line.text, line.start, line.end, kind))
        elif line.family and line.family != lead_family and _RANK[line.family] > _RANK[kind] and items:
            last = items[-1]
            items[-1] = Line(last.text, last.start, line.end, kind)  # a sub-item stays with its item
        else:
            break
    return items

"""Chunking by structure: a section (a heading and what follows it until the next heading of the
same or a higher level) stays together, and every chunk records the heading path it sits under.

Headings come from the format where it states them (DOCX styles, HTML h1–h6) and are otherwise
inferred from how Vietnamese administrative texts are laid out: "I." / "1." / "1.1." / "a)"
numbering, short lines ending in ":" ("Mục tiêu năm 2014:"), and agency lines ending in ":"
("Sở Kế hoạch và Đầu tư:") which sit one level below the topic they belong to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.agencies import AgencyRegistry
from core.contracts import Block, BlockKind, Chunk, CleanDocument
from core.sentences import CUT, boundaries
from ingest.tables import PlacedTable, placed_tables

# Relative depth of inferred headings; explicit (format-given) levels use 1..6 directly.
LEVEL_ROMAN = 1
LEVEL_NUMBERED = 2
LEVEL_SUBNUMBERED = 3
LEVEL_LETTERED = 4
LEVEL_TOPIC = 5
LEVEL_AGENCY = 6

_ROMAN = re.compile(r"^(?:PHẦN|Phần|CHƯƠNG|Chương)?\s*[IVXLC]{1,5}[.)]\s+\S")
_SUBNUMBERED = re.compile(r"^\d{1,2}\.\d{1,2}(?:\.\d{1,2})?\.?\s+\S")
_NUMBERED = re.compile(r"^\d{1,2}[.)]\s+\S")
_LETTERED = re.compile(r"^[a-zđ][.)]\s+\S")
_BULLET = re.compile(r"^[-+•*–]\s")
# Verbs that make a paragraph opening with an agency name an assignment to it ("Sở X phối hợp …").
_ASSIGNED_ACTION = re.compile(
    r"^\s*(?:(?:chủ trì|phối hợp|tham mưu|có trách nhiệm|chịu trách nhiệm|thực hiện|xây dựng|hướng dẫn|"
    r"rà soát|tổ chức|kiểm tra|bố trí|đôn đốc|theo dõi|cân đối|khẩn trương|tiếp tục|triển khai|nghiên cứu)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ChunkingConfig:
    max_chars: int = 1200  # a section longer than this is split at block/sentence boundaries
    heading_max_words: int = 20


def infer_heading_level(block: Block, registry: AgencyRegistry, cfg: ChunkingConfig) -> int:
    """Heading level of a block (0 = body text)."""
    if block.kind == BlockKind.HEADING:
        return max(1, block.level or LEVEL_TOPIC)
    if block.kind in (BlockKind.TABLE_ROW,):
        return 0
    text = block.text.strip()
    words = text.split()
    if not words or len(words) > cfg.heading_max_words or _BULLET.match(text):
        return 0
    ends_colon = text.endswith(":")
    if re.match(r"^(Nơi nhận|NƠI NHẬN)\s*:?$", text):
        return LEVEL_ROMAN  # the distribution list closes the document, outside any section
    bare = not re.search(r"[.;,!?]$", text) or ends_colon
    if _ROMAN.match(text) and bare:
        return LEVEL_ROMAN
    if _SUBNUMBERED.match(text) and bare:
        return LEVEL_SUBNUMBERED
    if _NUMBERED.match(text) and bare:
        return LEVEL_NUMBERED
    if _LETTERED.match(text) and bare:
        return LEVEL_LETTERED
    if ends_colon and len(words) <= 12:
        return LEVEL_AGENCY if _names_an_agency(text[:-1], registry) else LEVEL_TOPIC
    return 0


def strip_item_marker(text: str) -> str:
    """The text of a list item without its bullet or number ("- ", "+ ", "3. ", "b) ")."""
    return re.sub(r"^\s*(?:[-+•*–]|\d{1,2}[.)]|[a-zđ][.)])\s*", "", text)


def agency_subject(text: str, registry: AgencyRegistry) -> str:
    """The agency a paragraph opens with as the subject of an assignment ("Sở Nông nghiệp và PTNT
    phối hợp với …"), or ''. Such a paragraph opens that agency's run of tasks: the paragraphs
    after it that start with a bare verb ("Phối hợp …", "Xây dựng kế hoạch …") are its too."""
    body = strip_item_marker(text)
    mentions = registry.find(body[:120])
    if not mentions or mentions[0].start > 0:
        return ""
    rest = body[mentions[0].end :]
    rest = re.sub(r"^\s*(tỉnh|\(.{0,40}?\))?\s*[,:]?\s*", "", rest)
    return mentions[0].surface if _ASSIGNED_ACTION.match(rest) else ""


def _names_an_agency(text: str, registry: AgencyRegistry) -> bool:
    """True when the line is (almost) only agency names: "Sở KH&ĐT:", "UBND các huyện, thành phố:"."""
    mentions = registry.find(text)
    covered = sum(m.end - m.start for m in mentions)
    return bool(mentions) and covered >= 0.6 * len(text.strip())


def _sentence_heading(block: Block, next_block: Block | None) -> bool:
    """A short stand-alone line ending with '.' that introduces longer text ("Nhiệm vụ trọng tâm
    trong năm 2014.") acts as a section heading in pasted portal texts."""
    text = block.text.strip()
    if block.kind != BlockKind.PARAGRAPH or not text.endswith(".") or re.search(r"[,;:]", text):
        return False
    words = text.split()
    if not 3 <= len(words) <= 12 or not text[0].isupper():
        return False
    return next_block is not None and len(next_block.text) > len(text)


def chunk_document(doc: CleanDocument, registry: AgencyRegistry, cfg: ChunkingConfig | None = None) -> list[Chunk]:
    """Split a cleaned document into structure-aware chunks with heading paths and offsets."""
    cfg = cfg or ChunkingConfig()
    blocks = doc.blocks
    first_body = _first_body_index(blocks)
    levels = _heading_levels(blocks, first_body, registry, cfg)

    pieces: list[tuple[list[str], int, int]] = []  # heading path, start, end
    stack: list[tuple[int, str]] = []
    cur_start = cur_end = None
    cur_path: list[str] = []
    only_headings = True

    def close() -> None:
        nonlocal cur_start, cur_end, only_headings
        if cur_start is not None:
            pieces.append((list(cur_path), cur_start, cur_end))
        cur_start = cur_end = None
        only_headings = True

    numbered_implicit = False  # the open implicit agency section began with "N. Sở X …"
    for i, ((block, start, end), level) in enumerate(zip(blocks, levels, strict=False)):
        subject = ""
        if not level and i >= first_body and block.kind == BlockKind.PARAGRAPH:
            subject = agency_subject(block.text, registry)
            if not subject and numbered_implicit and _NUMBERED.match(block.text):
                # the next numbered item ends the previous item's agency section
                if not only_headings:
                    close()
                while stack and stack[-1][0] >= LEVEL_AGENCY:
                    stack.pop()
                cur_path = [label for _, label in stack]
                numbered_implicit = False
        if subject:
            numbered_implicit = bool(_NUMBERED.match(block.text))
            # an implicit agency section: the paragraph is content, its subject the heading label
            if not only_headings:
                close()
            while stack and stack[-1][0] >= LEVEL_AGENCY:
                stack.pop()
            stack.append((LEVEL_AGENCY, subject))
            cur_path = [label for _, label in stack]
        if level:
            if not only_headings:
                close()
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, _heading_label(block.text)))
            cur_path = [label for _, label in stack]
            if cur_start is None:
                cur_start = start
            cur_end = end
            continue
        for s, e in _split_long(doc.text, start, end, cfg.max_chars):
            if cur_start is not None and not only_headings and e - cur_start > cfg.max_chars:
                close()
            if cur_start is None:
                cur_start = s
                cur_path = [label for _, label in stack]
            cur_end = e
            only_headings = False
    close()

    return _make_chunks(doc, pieces, registry)


def _heading_levels(
    blocks: list[tuple[Block, int, int]], first_body: int, registry: AgencyRegistry, cfg: ChunkingConfig
) -> list[int]:
    """Heading level of every block (0 = body); the formal header before `first_body` has none."""
    levels = []
    for i, (block, _, _) in enumerate(blocks):
        level = infer_heading_level(block, registry, cfg) if i >= first_body else 0
        if level == 0 and i >= first_body:
            nxt = blocks[i + 1][0] if i + 1 < len(blocks) else None
            if _sentence_heading(block, nxt):
                level = LEVEL_NUMBERED
        levels.append(level)
    return levels


def _make_chunks(doc: CleanDocument, pieces: list[tuple[list[str], int, int]], registry: AgencyRegistry) -> list[Chunk]:
    chunks = []
    tables = placed_tables(doc.blocks)
    for n, (path, start, end) in enumerate(pieces):
        path = path + _table_headers(tables, start, end)
        text = doc.text[start:end]
        agencies = registry.ids_in(" ".join(path) + "\n" + text)
        chunks.append(Chunk(f"{doc.doc_id}:{n}", doc.doc_id, n, text, path, start, end, agencies))
    return chunks


def _table_headers(tables: list[PlacedTable], start: int, end: int) -> list[str]:
    """Header rows of the tables whose rows this chunk holds without their header: they join the
    chunk's heading path, so a row cut off from its header still reads with its columns."""
    out = []
    for table in tables:
        holds_rows = any(start <= s < end for _, s, _ in table.rows)
        if holds_rows and table.header_span and not start <= table.header_span[0] < end:
            out.append(table.header_text)
    return out


def _first_body_index(blocks: list[tuple[Block, int, int]]) -> int:
    """Index of the first block after a formal header (issuer, số hiệu, date line, title), whose
    capitalised lines are not section headings."""
    for i, (block, _, _) in enumerate(blocks[:14]):
        if re.match(r"^Kính gửi|^Căn cứ|^Thực hiện|^Ngày \d", block.text) or len(block.text) > 150:
            return i
    return 0


def _heading_label(text: str) -> str:
    return text.strip().rstrip(":.").strip()


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Offsets of a block cut at sentence ends so no piece exceeds max_chars (when possible)."""
    if end - start <= max_chars:
        return [(start, end)]
    out = []
    piece_start = start
    last_cut = None
    for at, _ in boundaries(text[start:end], CUT):
        cut = start + at
        if cut - piece_start > max_chars and last_cut:
            out.append((piece_start, last_cut))
            piece_start = last_cut + 1
        last_cut = cut
    out.append((piece_start, end))
    return [(s, e) for s, e in out if e > s]

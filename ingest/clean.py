"""Cleaning: portal furniture out, text normalised (NFC, one tone convention, spaces).

Saved web pages carry menus, clocks, "Các tin đã đăng" lists, comment forms, polls and footers
around the article. Rules live in `data/portal_junk.json` (matched on folded text) so they can be
extended without code; the mechanism is general: short furniture lines go, and the first trailing
marker after real article text cuts the rest of the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from core.contracts import Block, BlockKind
from core.vntext import fold, normalize_text
from ingest.tables import find_tables, join_cells, split_cells

# A block this long with sentence punctuation is article text, not furniture.
_CONTENT_MIN_CHARS = 120


@dataclass(frozen=True)
class JunkRules:
    line: tuple[re.Pattern[str], ...]
    tail: tuple[re.Pattern[str], ...]
    footer: tuple[re.Pattern[str], ...]


@cache
def load_junk_rules() -> JunkRules:
    raw = json.loads(resources.files("ingest").joinpath("data/portal_junk.json").read_text("utf-8"))
    compile_all = lambda key: tuple(re.compile(p) for p in raw[key])  # noqa: E731
    return JunkRules(compile_all("line"), compile_all("tail"), compile_all("footer"))


def _is_content(text: str) -> bool:
    return len(text) >= _CONTENT_MIN_CHARS and bool(re.search(r"[.;:,]", text))


def clean_blocks(blocks: list[Block], rules: JunkRules | None = None) -> list[Block]:
    """Drop page furniture and normalise each block's text; order and kinds are kept."""
    rules = rules or load_junk_rules()
    normalised: list[tuple[Block, bool]] = []  # (block, is a row of a data table)
    for block, in_table in _with_tables(blocks):
        text = block.text if in_table else _flat(block.text)
        if text:
            normalised.append((Block(text, block.kind, block.level), in_table))

    kept: list[Block] = []
    seen_content = False
    for block, in_table in normalised:
        if in_table:
            # a data table's row is content, whatever its cells look like to the menu rules
            seen_content = True
            kept.append(block)
            continue
        key = fold(block.text).strip()
        short = len(block.text) < _CONTENT_MIN_CHARS
        if seen_content and short and any(p.search(key) for p in rules.tail):
            break
        if short and any(p.search(key) for p in rules.line):
            continue
        if seen_content and short and any(p.search(key) for p in rules.footer):
            continue
        if _is_content(block.text):
            seen_content = True
        kept.append(block)
    return kept


def _flat(text: str) -> str:
    return normalize_text(re.sub(r"\s*\n\s*", " ", text))


def _with_tables(blocks: list[Block]) -> list[tuple[Block, bool]]:
    """Rows of data tables (judged by structure, see ingest.tables) become TABLE_ROW blocks with
    " | " between normalised cells, flagged True; every other block comes back as it was."""
    cells = [split_cells(b.text) for b in blocks]
    out = [(b, False) for b in blocks]
    for first, end, _ in find_tables(cells):
        for i in range(first, end):
            row = join_cells([_flat(c) for c in cells[i] or []])
            out[i] = (Block(row, BlockKind.TABLE_ROW, 0), True)
    return out


def join_blocks(blocks: list[Block]) -> tuple[str, list[tuple[Block, int, int]]]:
    """The cleaned document text (blocks separated by a blank line) and each block's offsets."""
    parts: list[str] = []
    placed: list[tuple[Block, int, int]] = []
    pos = 0
    for block in blocks:
        if parts:
            pos += 2
        placed.append((block, pos, pos + len(block.text)))
        parts.append(block.text)
        pos += len(block.text)
    return "\n\n".join(parts), placed

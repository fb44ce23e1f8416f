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

from ingest.model import Block
from ingest.vntext import fold, normalize_text

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
    normalised = []
    for block in blocks:
        text = normalize_text(re.sub(r"\s*\n\s*", " ", block.text))
        if text:
            normalised.append(Block(text, block.kind, block.level))

    kept: list[Block] = []
    seen_content = False
    for block in normalised:
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

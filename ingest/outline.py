"""The outline of a document: list markers give each block a depth, blocks split into sentences
(core.sentences, rule OUTLINE).

Vietnamese administrative texts nest their content with markers — "Điều 2." / "Phần I" (parts),
"I." (sections), "1." / "1.1." / "1.1.1." (items), "a)" or "Bước 1." (sub-items), "-" and "+"
(bullets). A block's depth tells which heading or lead-in it belongs to.
"""

from __future__ import annotations

import re

from core.contracts import Block, CleanDocument
from core.sentences import OUTLINE, split_sentences

_LEVELS = (
    (re.compile(r"^\s*(?:Điều|Phần|PHẦN|Chương|CHƯƠNG)\s+[\dIVXLC]+\b"), 0.0),
    (re.compile(r"^\s*[IVX]{1,5}[.)]\s"), 1.0),
    (re.compile(r"^\s*[A-D][.)]\s"), 1.0),
    (re.compile(r"^\s*\d{1,2}\.\d{1,2}\.\d{1,2}\.?\s"), 4.0),
    (re.compile(r"^\s*\d{1,2}\.\d{1,2}\.?\s"), 3.0),
    (re.compile(r"^\s*\d{1,2}[.)]\s"), 2.0),
    (re.compile(r"^\s*(?:[a-zđ][.)]|Bước\s+\d{1,2}[.:])\s"), 5.0),
    (re.compile(r"^\s*[-–•*]\s"), 6.0),
    (re.compile(r"^\s*\+\s"), 7.0),
)


def sentences(text: str) -> list[tuple[str, str, bool]]:
    """(sentence, its paragraph, whether it opens the paragraph) in reading order."""
    out = []
    for block in text.split("\n"):
        block = block.strip()
        if block:
            parts = split_sentences(block, OUTLINE)
            out += [(part, block, i == 0) for i, part in enumerate(parts)]
    return out


def marker_level(text: str) -> float | None:
    """The outline depth of a block from its list marker, or None for a plain paragraph."""
    for pattern, level in _LEVELS:
        if pattern.match(text):
            return level
    return None


def base_depth(titles: list[tuple[float, str]]) -> float:
    """The depth of the innermost numbered heading: an unnumbered block sits just under it."""
    return max((lvl for lvl, _ in titles if lvl == int(lvl)), default=0.0)


def blocks_of(doc: CleanDocument) -> list[tuple[object, int, int]]:
    if doc.blocks:
        return list(doc.blocks)
    out, pos = [], 0
    for part in doc.text.split("\n\n"):
        out.append((Block(part), pos, pos + len(part)))
        pos += len(part) + 2
    return out

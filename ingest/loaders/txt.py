"""Plain-text loader: decode (any Vietnamese encoding, see ingest.encodings), one block per line.

Plain text states no structure, so every non-empty line becomes a paragraph and only obvious
bullets ("+ ", "- ", "• ", "* ") are marked as list items; headings are inferred later by the
chunker, and portal junk is removed by the cleaning stage, not here.
"""

from __future__ import annotations

import re

from core.contracts import Block, BlockKind, LoadedFile
from ingest.encodings import decode_text

_BULLET = re.compile(r"[+\-•*]\s+\S")


def load_txt(data: bytes, source: str) -> LoadedFile:
    """Blocks of a text file's non-empty lines, in order; raises RefusedFile for non-text."""
    text = decode_text(data, source).replace("\u00a0", " ")
    return LoadedFile(source=source, format="txt", blocks=list(_blocks(text)))


def _blocks(text: str) -> list[Block]:
    blocks = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            blocks.append(Block(line, _kind(line)))
    return blocks


def _kind(line: str) -> BlockKind:
    """A bulleted line is a list item (the bullet stays in the text); anything else a paragraph."""
    return BlockKind.LIST_ITEM if _BULLET.match(line) else BlockKind.PARAGRAPH

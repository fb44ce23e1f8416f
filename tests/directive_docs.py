"""Tiny documents for the directive-grammar tests: `extract` builds one from text (one block per
line, one chunk) and runs the assignment extraction alone; `rows_for` keeps one agency's rows."""

from __future__ import annotations

from core.contracts import Assignment, Block, Chunk, CleanDocument, DocumentMetadata
from ingest.directive_cues import load_directive_cues
from ingest.extract import extract_assignments


def extract(knowledge, text: str, kind: str = "kế hoạch") -> list[Assignment]:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    blocks, pos = [], 0
    for line in lines:
        blocks.append((Block(line), pos, pos + len(line)))
        pos += len(line) + 2
    body = "\n\n".join(lines)
    doc = CleanDocument("d1", "d1.txt", "h", "txt", body, blocks, DocumentMetadata(kind=kind))
    chunk = Chunk("d1:0", "d1", 0, body, [], 0, len(body))
    return extract_assignments(doc, [chunk], knowledge.registry, load_directive_cues())


def rows_for(knowledge, rows: list[Assignment], name: str) -> list[Assignment]:
    agency = knowledge.registry.resolve(name)
    assert agency is not None, name
    return [r for r in rows if r.agency == agency.id]

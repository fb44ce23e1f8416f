"""Data passed between ingest stages: loader blocks, cleaned documents and chunks.

Loaders return `Block`s (one paragraph, heading, list item or table row each) so that structure
known from the source format (DOCX heading levels, HTML <h1>..<h6>) reaches the chunker; plain
text gets its structure inferred later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class RefusedFile(Exception):
    """A file that must not enter the index, with the reason shown to the user.

    The message always names the file, so batch summaries and logs are self-explanatory.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class BlockKind(str, Enum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE_ROW = "table_row"


@dataclass(frozen=True)
class Block:
    """One unit of text as the source laid it out.

    `level` is the heading level (1 = top) for headings whose level the format states, and 0
    when unknown (the chunker then infers structure from the text itself).
    """

    text: str
    kind: BlockKind = BlockKind.PARAGRAPH
    level: int = 0


@dataclass(frozen=True)
class LoadedFile:
    """What a loader extracted from one file, before cleaning."""

    source: str
    format: str  # "txt" | "html" | "pdf" | "docx"
    blocks: list[Block]
    # Facts the container states about itself (HTML <title>, DOCX core properties); hints only.
    hints: dict[str, str] = field(default_factory=dict)


@dataclass
class DocumentMetadata:
    """Metadata of one document; empty string means "not stated in the text" (never a guess)."""

    title: str = ""
    kind: str = "khác"
    province: str = ""
    issued: str = ""  # ISO date of issue/publication
    event_date: str = ""  # ISO date of the meeting/event the document reports, when stated
    number: str = ""  # the document's own số hiệu, e.g. 15/TB-UBND
    issuer: str = ""
    signer: str = ""
    presided_by: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass
class CleanDocument:
    """A document ready for chunking: cleaned NFC text, its blocks with offsets, metadata."""

    doc_id: str
    source: str
    content_hash: str
    format: str
    text: str
    blocks: list[tuple[Block, int, int]]  # block, start, end offsets into `text`
    metadata: DocumentMetadata


@dataclass
class Chunk:
    """A retrievable piece of a document (see DESIGN.md, Chunk contract)."""

    chunk_id: str
    doc_id: str
    n: int
    text: str
    heading_path: list[str]
    start: int
    end: int
    agencies: list[str] = field(default_factory=list)

    @property
    def heading_path_text(self) -> str:
        return " › ".join(self.heading_path)

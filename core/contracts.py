"""The contracts passed between stages (DESIGN.md "Contracts"), in one module so that every side
reads the same types: loader blocks and cleaned documents, chunks, assignments and targets, a
prepared document ready for the store, a near-duplicate fingerprint, the query plan, and what
`ChatService.ask` returns (filters, citations, retrieved chunks, the answer).

No I/O and no heavy dependency: the store, the query side and ingest all import this.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

import numpy as np


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


ROLES = ("chủ trì", "phối hợp", "tham mưu", "thực hiện", "báo cáo")


@dataclass(frozen=True)
class Assignment:
    agency: str  # canonical registry id
    agency_text: str  # the words the document uses
    role: str
    task: str
    deadline: str
    chunk_id: str
    doc_id: str
    collective: bool = False
    start: int = 0  # the stating sentence's offsets in the cleaned document (for citations)
    end: int = 0

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Target:
    indicator: str
    value: str
    unit: str
    period: str
    scope: str
    kind: str  # mục tiêu | kết quả
    text: str  # the clause stating it
    chunk_id: str
    doc_id: str

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PreparedDocument:
    document: CleanDocument
    chunks: list[Chunk]
    assignments: list[Assignment] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    hints: dict[str, str] = field(default_factory=dict)  # the loader's (e.g. "ocr_pages"): copies are ranked by them
    readings: dict[str, str] = field(default_factory=dict)  # chunk id → its agency readings (core/agency_mentions)


@dataclass(frozen=True)
class Fingerprint:
    """What is kept of a document to recognise its other copies."""

    signature: np.ndarray  # uint32[SIGNATURE_SIZE]
    number: str  # folded own số hiệu ("" when the text states none)

    def to_bytes(self) -> bytes:
        return self.signature.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes, number: str) -> "Fingerprint":
        return cls(np.frombuffer(data, dtype="<u4").astype(np.uint32), number)


@dataclass
class QueryPlan:
    question: str
    normalized: str
    folded: str
    expansions: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    provinces: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    periods: list[tuple[int, int]] = field(default_factory=list)
    intent: str = "general"
    follow_up: bool = False
    retrieval_text: str = ""
    parts: list[str] = field(default_factory=list)  # sub-questions of a multi-part question
    # What the question asks for, read once from the cue table (core/data/question_cues.json).
    asked_kinds: list[str] = field(default_factory=list)  # docnum | date | person | agency | place | year | quantity
    unit_pattern: str = ""  # regex the answer's figure must match ("bao nhiêu tiền" → đồng); "" = any
    asks_quantity: bool = False
    asks_signer: bool = False
    asks_list: bool = False  # a set or a sequence: "gồm những bước nào", "những xã nào"
    asks_sequence: bool = False
    asks_definition: bool = False  # "NTM là gì?"
    # Members of contrast classes the question names (core/contrasts.py): a sentence naming a rival
    # speaks of something else. [(asked member, ((form, member), ...), left context)]
    contrasts: list[Any] = field(default_factory=list)
    # Parts of a question about several places/years, each to be answered from its own documents.
    cross_parts: list[dict[str, Any]] = field(default_factory=list)  # {"text", "province", "years"}

    @property
    def agency(self) -> str:
        return self.agencies[0] if self.agencies else ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lexical_query(self) -> str:
        return " ".join([self.retrieval_text, *self.expansions])

    def dense_query(self) -> str:
        return self.retrieval_text


@dataclass(frozen=True)
class Filters:
    """User-chosen restrictions; empty fields mean "no restriction"."""

    province: str = ""
    year_from: int | None = None
    year_to: int | None = None
    kind: str = ""
    agency: str = ""

    def is_empty(self) -> bool:
        return not (self.province or self.year_from or self.year_to or self.kind or self.agency)


@dataclass(frozen=True)
class Citation:
    n: int
    chunk_id: str
    source: str
    title: str
    number: str
    province: str
    issued: str
    quote: str
    start: int  # offsets of the quote in the cleaned document text (for highlighting)
    end: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, n: int, chunk: "RetrievedChunk", quote: str, start: int, end: int) -> "Citation":
        """Citation number n quoting document span [start, end) of a retrieved chunk."""
        meta = chunk.metadata
        return cls(
            n=n,
            chunk_id=chunk.chunk_id,
            source=chunk.source,
            title=meta.get("title", ""),
            number=meta.get("number", ""),
            province=meta.get("province", ""),
            issued=meta.get("issued", ""),
            quote=quote,
            start=start,
            end=end,
        )


@dataclass(frozen=True)
class RetrievedChunk:
    chunk_id: str
    doc_id: str
    source: str
    score: float
    text: str
    heading_path: list[str]
    start: int
    end: int
    metadata: dict[str, str] = field(default_factory=dict)  # the document's metadata

    def as_json(self) -> dict[str, Any]:
        return {"chunk_id": self.chunk_id, "source": self.source, "score": round(self.score, 6)}


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    abstained: bool
    confidence: float
    retrieved: list[RetrievedChunk]
    plan: dict[str, Any] = field(default_factory=dict)
    generator: str = "extractive"  # extractive | list | register | metadata | the LLM backend string
    fallback_reason: str = ""  # why an LLM answer was rejected in favour of this one ("" = not rejected)

    def as_json(self) -> dict[str, Any]:
        """The `ntm ask --json` shape of DESIGN.md."""
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "confidence": round(self.confidence, 4),
            "citations": [c.as_json() for c in self.citations],
            "retrieved": [r.as_json() for r in self.retrieved],
            "generator": self.generator,
            "fallback_reason": self.fallback_reason or None,
        }

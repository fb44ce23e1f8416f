"""What `ChatService.ask` returns (DESIGN.md "Answer" contract) and the filters it accepts.

The CLI's `ask --json`, the app and the evaluation runner all read these same objects.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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

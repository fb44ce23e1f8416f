"""One document, many copies: where a prepared file goes (indexed, or recorded as an alternate).

A notice arrives as the portal's HTML page, its DOCX and its PDF. The richest copy is indexed
(format rank from `ingest/data/format_rank.json`: DOCX/ODT, text PDF, .doc, HTML or plain text,
OCR), the others are alternates of it: listed with it, never chunked or embedded. A copy of equal
rank never displaces the indexed one (no re-embedding for nothing; an extra copy with injected or
added text cannot take an indexed document over), so only a strictly richer copy does. Removing
the canonical document promotes its best alternate (the notice stays answerable from the copy the
user kept); removing an alternate only forgets it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core.contracts import Fingerprint, PreparedDocument, RefusedFile
from core.knowledge import Knowledge
from ingest.chunking import ChunkingConfig
from ingest.loaders.ocr import OcrConfig
from ingest.near_duplicates import best_match, fingerprint, similarity
from ingest.pipeline import prepare_bytes
from vectorstore.alternates import Alternate
from vectorstore.index import PIPELINE_VERSION, Index

_RANKS = Path(__file__).with_name("data") / "format_rank.json"


@lru_cache(maxsize=1)
def format_ranks() -> dict[str, int]:
    """Format → richness rank (higher is kept as the canonical copy)."""
    data = json.loads(_RANKS.read_text(encoding="utf-8"))
    return {k: int(v) for k, v in data["ranks"].items()}


def copy_key(fmt: str, chars: int, source: str) -> tuple[int, int, str]:
    """Sort key of alternates for promotion: richest format, then longest text, then name."""
    return (-format_ranks().get(fmt, 0), -chars, source)


def copy_format(prepared: PreparedDocument) -> str:
    """The format a copy is ranked by: "ocr" when any of its text was recognised from images."""
    return "ocr" if prepared.hints.get("ocr_pages") else prepared.document.format


@dataclass(frozen=True)
class Placement:
    """What happened to one file: its status and, for a duplicate, the document it is a copy of;
    `demoted` lists (source, canonical source) of documents this file displaced."""

    status: str
    duplicate_of: str = ""
    demoted: tuple[tuple[str, str], ...] = ()


class Copies:
    """Keeps the index holding one copy per document; the ledger records the others."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.ledger = index.alternates()
        # fingerprints of the indexed documents, kept for the write batch in progress: reading them
        # all from the ledger for every file made an ingest quadratic in the number of documents
        self._prints: tuple[int, dict[str, Fingerprint]] | None = None

    def is_unchanged_alternate(self, source: str, content_hash: str) -> bool:
        alt = self.ledger.get(source)
        if alt is None or self.index.document(alt.canonical) is None:
            return False  # not a copy, or its document went without the ledger (Index.remove/reset): re-place it
        return alt.content_hash == content_hash and alt.pipeline == PIPELINE_VERSION

    def place(self, prepared: PreparedDocument, data: bytes) -> Placement:
        """Index `prepared`, or record it as an alternate of the document it copies."""
        doc = prepared.document
        fp = fingerprint(doc.text, doc.metadata.number)
        existing = self.index.find_document(doc.source)
        others = {k: v for k, v in self._fingerprints().items() if k != doc.doc_id}
        match = best_match(fp, others)
        fmt = copy_format(prepared)
        if match is None:
            status = self.index.upsert(prepared)
            self.ledger.delete(doc.source)
            self.ledger.save_fingerprint(doc.doc_id, fp, data, fmt)
            self._noted(doc.doc_id, fp)
            return Placement(status)
        canonical = self.index.document(match[0])
        assert canonical is not None
        canonical_format = self.ledger.copy_format(canonical.doc_id) or canonical.format
        ranks = format_ranks()
        if ranks.get(fmt, 0) > ranks.get(canonical_format, 0):  # on a tie the indexed copy stays
            status = self.index.upsert(prepared)
            self.ledger.delete(doc.source)
            self.ledger.save_fingerprint(doc.doc_id, fp, data, fmt)
            self._noted(doc.doc_id, fp)
            self._demote(
                canonical.doc_id,
                canonical.source,
                canonical_format,
                canonical.content_hash,
                others[canonical.doc_id],
                doc.doc_id,
                match[1],
            )
            return Placement(status, demoted=((canonical.source, doc.source),))
        if existing is not None:  # this file was a document of its own until now
            self.ledger.move(existing.doc_id, canonical.doc_id)
            self.index.remove(doc.source)
            self.ledger.forget(existing.doc_id)
            self._noted(existing.doc_id, None)
        self.ledger.record(
            Alternate(
                doc.source, canonical.doc_id, doc.content_hash, fmt, PIPELINE_VERSION, match[1], len(doc.text), fp, ""
            ),
            data,
            doc.text,
        )
        return Placement("duplicate", duplicate_of=canonical.source)

    def _demote(
        self, doc_id: str, source: str, fmt: str, content_hash: str, fp: Fingerprint, to_doc: str, score: float
    ) -> None:
        """Turn an indexed document into an alternate of `to_doc` (its own alternates follow)."""
        data = self.ledger.canonical_bytes(doc_id)
        text = self.index.document_text(doc_id) or ""
        self.ledger.move(doc_id, to_doc)
        self.index.remove(source)
        self.ledger.forget(doc_id)
        self._noted(doc_id, None)
        self.ledger.record(
            Alternate(source, to_doc, content_hash, fmt, PIPELINE_VERSION, score, len(text), fp, ""), data, text
        )

    def _fingerprints(self) -> dict[str, Fingerprint]:
        """Fingerprints of every indexed document (read once per write batch, then kept up to
        date by this object's own changes)."""
        batch = self.index.write_batch
        if batch and self._prints is not None and self._prints[0] == batch:
            return self._prints[1]
        prints = self._read_fingerprints()
        self._prints = (batch, prints) if batch else None
        return prints

    def _noted(self, doc_id: str, fp: Fingerprint | None) -> None:
        """Keep the batch's fingerprints true after this object indexed (fp) or dropped (None) one."""
        if self._prints is None or self._prints[0] != self.index.write_batch:
            return
        if fp is None:
            self._prints[1].pop(doc_id, None)
        else:
            self._prints[1][doc_id] = fp

    def _read_fingerprints(self) -> dict[str, Fingerprint]:
        """Fingerprints of every indexed document from the ledger; documents indexed before this
        ledger existed get one from their stored text (without bytes: such a copy cannot be
        promoted later)."""
        prints = self.ledger.fingerprints()
        indexed = {record.doc_id for record in self.index.documents()}
        for doc_id in set(prints) - indexed:  # removed without the ledger (Index.remove, Index.reset)
            self.ledger.forget(doc_id)
            del prints[doc_id]
        for record in self.index.documents():
            if record.doc_id not in prints:
                fp = fingerprint(self.index.document_text(record.doc_id) or "", record.metadata.get("number", ""))
                self.ledger.save_fingerprint(record.doc_id, fp, None)
                prints[record.doc_id] = fp
        return prints

    # --- removal ------------------------------------------------------------------------------
    def remove(self, source: str, knowledge: Knowledge) -> tuple[bool, str]:
        """Remove a document or an alternate by source: (removed?, source of a promoted copy or "");
        a promoted copy is re-read with `knowledge`."""
        self._prints = None  # removal and promotion change the ledger in several steps: read afresh
        if self.ledger.delete(source):
            return True, ""
        record = self.index.find_document(source)
        if record is None:
            return False, ""
        alternates = self.ledger.of(record.doc_id)
        self.index.remove(source)
        self.ledger.forget(record.doc_id)
        for alt in sorted(alternates, key=lambda a: copy_key(a.format, a.chars, a.source)):
            promoted = self._promote(alt, knowledge)
            if promoted is None:
                continue
            new_id, new_fp = promoted
            for other in alternates:
                if other.source != alt.source and self.ledger.get(other.source) is not None:
                    self.ledger.record(
                        Alternate(
                            other.source,
                            new_id,
                            other.content_hash,
                            other.format,
                            other.pipeline,
                            similarity(other.fingerprint, new_fp),
                            other.chars,
                            other.fingerprint,
                            other.recorded_at,
                        ),
                        self.ledger.data(other.source),
                        self.ledger.text(other.source) or "",
                    )
            return True, alt.source
        return True, ""

    def _promote(self, alt: Alternate, knowledge: Knowledge) -> tuple[str, Fingerprint] | None:
        """Index an alternate in its canonical document's place; None when it cannot be re-read."""
        data = self.ledger.data(alt.source)
        if data is None:
            return None
        try:
            prepared = prepare_bytes(data, alt.source, knowledge, *self._built_with())
        except RefusedFile:
            return None
        self.index.upsert(prepared)
        fp = fingerprint(prepared.document.text, prepared.document.metadata.number)
        self.ledger.save_fingerprint(prepared.document.doc_id, fp, data, copy_format(prepared))
        self.ledger.delete(alt.source)
        return prepared.document.doc_id, fp

    def _built_with(self) -> tuple[ChunkingConfig, OcrConfig]:
        """The chunk size and OCR language the index was built with (vectorstore/build_record.py),
        for a copy re-read on promotion: chunked like the documents beside it, whoever removes."""
        built = self.index.build_settings()
        chunking = ChunkingConfig(max_chars=int(built["chunk_max_chars"])) if "chunk_max_chars" in built else None
        ocr = OcrConfig(lang=built["ocr_lang"]) if "ocr_lang" in built else None
        return chunking or ChunkingConfig(), ocr or OcrConfig()

    def alternates_by_document(self) -> dict[str, list[dict[str, object]]]:
        """doc_id → its alternates as dicts (for `ntm docs` and the documents tab)."""
        out: dict[str, list[dict[str, object]]] = {}
        for alt in self.ledger.all():
            out.setdefault(alt.canonical, []).append(alt.as_dict())
        return out

    def canonical_source(self, alternate: str) -> str:
        """The source of the indexed document an alternate is a copy of ("" when not an alternate)."""
        alt = self.ledger.get(alternate)
        record = self.index.document(alt.canonical) if alt else None
        return record.source if record else ""

    def document_rows(self) -> list[dict[str, object]]:
        """Every indexed document as `ntm docs --json` lists it, with its "alternates"."""
        copies = self.alternates_by_document()
        return [{**d.as_dict(), "alternates": copies.get(d.doc_id, [])} for d in self.index.documents()]

    def alternate_sources(self) -> list[str]:
        return [alt.source for alt in self.ledger.all()]

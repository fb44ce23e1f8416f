"""Hybrid retrieval: dense (Chroma) and lexical (BM25) legs, fused by reciprocal rank, restricted
by metadata filters and nudged by what the plan asks about.

Boosts are small, rank-scale additions: a chunk filed under the asked agency's heading, a chunk
naming the agency, a chunk mentioning the asked year. They reorder close calls; they never
admit a chunk that neither leg found.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.contracts import Filters, RetrievedChunk
from assistant.query import QueryPlan, plan_question
from ingest.agencies import load_registry
from vectorstore.index import Index


@dataclass(frozen=True)
class RetrievalConfig:
    candidates: int = 40  # taken from each leg before fusion
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    agency_heading_boost: float = 0.3  # in units of a rank-1 RRF score: reorders close calls only
    agency_mention_boost: float = 0.15
    year_boost: float = 0.15
    legs: tuple[str, ...] = ("dense", "lexical")


@dataclass
class RetrievalResult:
    chunks: list[RetrievedChunk]
    dense: dict[str, float] = field(default_factory=dict)  # chunk_id → cosine similarity
    lexical: dict[str, float] = field(default_factory=dict)  # chunk_id → BM25 score
    where: dict[str, Any] | None = None


def build_where(plan: QueryPlan, filters: Filters | None) -> dict[str, Any] | None:
    """Chroma metadata filter from explicit user filters and the provinces the question names."""
    clauses: list[dict[str, Any]] = []
    filters = filters or Filters()
    provinces = [filters.province] if filters.province else plan.provinces
    if len(provinces) == 1:
        clauses.append({"province": provinces[0]})
    elif provinces:
        clauses.append({"province": {"$in": provinces}})
    if filters.year_from:
        clauses.append({"year": {"$gte": int(filters.year_from)}})
    if filters.year_to:
        clauses.append({"year": {"$lte": int(filters.year_to)}})
    if filters.kind:
        clauses.append({"kind": filters.kind})
    if filters.agency:
        agency = load_registry().resolve(filters.agency)
        if agency:
            clauses.append({f"ag_{agency.id}": True})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class HybridSearch:
    def __init__(self, index: Index, config: RetrievalConfig | None = None) -> None:
        self.index = index
        self.config = config or RetrievalConfig()

    def search(self, plan: QueryPlan, k: int, filters: Filters | None = None) -> RetrievalResult:
        """Top-k chunks; a question naming several provinces gets the best chunks of each."""
        if len(plan.provinces) > 1 and not (filters and filters.province):
            per = max(3, -(-k // len(plan.provinces)))
            parts = [self._search_one(plan, per, Filters(**{**(filters or Filters()).__dict__, "province": p})) for p in plan.provinces]
            merged = RetrievalResult([], where=build_where(plan, filters))
            for rank in range(per):
                for part in parts:
                    if rank < len(part.chunks):
                        merged.chunks.append(part.chunks[rank])
            for part in parts:
                merged.dense.update(part.dense)
                merged.lexical.update(part.lexical)
            return merged
        return self._search_one(plan, k, filters)

    def _search_one(self, plan: QueryPlan, k: int, filters: Filters | None) -> RetrievalResult:
        cfg = self.config
        where = build_where(plan, filters)
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        if "dense" in cfg.legs:
            dense = {h.chunk_id: h.score for h in self.index.dense_search(plan.dense_query(), cfg.candidates, where)}
        if "lexical" in cfg.legs:
            allowed = self.index.chunk_ids_where(where) if where else None
            lexical = {h.chunk_id: h.score for h in self.index.lexical_search(plan.lexical_query(), cfg.candidates, allowed)}
        fused: dict[str, float] = {}
        for weight, leg in ((cfg.dense_weight, dense), (cfg.lexical_weight, lexical)):
            for rank, chunk_id in enumerate(sorted(leg, key=leg.get, reverse=True), start=1):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (cfg.rrf_k + rank)
        records = self.index.chunks(list(fused))
        docs = {d.doc_id: d for d in self.index.documents()}
        unit = 1.0 / (cfg.rrf_k + 1)
        for chunk_id, record in records.items():
            fused[chunk_id] += unit * self._boost(plan, record.heading_path, record.agencies, record.text)
        ranked = sorted(fused, key=lambda c: (-fused[c], c))[:k]
        chunks = []
        for chunk_id in ranked:
            record = records[chunk_id]
            doc = docs[record.doc_id]
            chunks.append(
                RetrievedChunk(
                    chunk_id=chunk_id,
                    doc_id=record.doc_id,
                    source=doc.source,
                    score=fused[chunk_id],
                    text=record.text,
                    heading_path=record.heading_path,
                    start=record.start,
                    end=record.end,
                    metadata=doc.metadata,
                )
            )
        return RetrievalResult(chunks, dense, lexical, where)

    def _boost(self, plan: QueryPlan, heading_path: list[str], agencies: list[str], text: str) -> float:
        cfg = self.config
        boost = 0.0
        if plan.agencies:
            registry = load_registry()
            heading_agencies = registry.ids_in(" ".join(heading_path[-2:]))
            if plan.agencies[0] in heading_agencies:
                boost += cfg.agency_heading_boost
            elif plan.agencies[0] in agencies:
                boost += cfg.agency_mention_boost
        if plan.years and any(re.search(rf"(?<!\d){y}(?!\d)", text) for y in plan.years):
            boost += cfg.year_boost
        return boost


class NTMRetriever(BaseRetriever):
    """The hybrid search as a LangChain retriever, so any LangChain chain can use the index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: HybridSearch
    k: int = 8
    filters: Filters | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        result = self.search.search(plan_question(query), self.k, self.filters)
        return [
            Document(
                page_content=c.text,
                metadata={**c.metadata, "chunk_id": c.chunk_id, "source": c.source, "score": c.score,
                          "heading_path": " › ".join(c.heading_path)},
            )
            for c in result.chunks
        ]


"""Hybrid retrieval: dense (Chroma) and lexical (BM25) legs, fused by reciprocal rank, restricted
by metadata filters and nudged by what the plan asks about.

Boosts are small, rank-scale additions: a chunk filed under the asked agency's heading, a chunk
naming the agency, a chunk mentioning the asked year, a document of the asked province. They
reorder close calls; they never admit a chunk that neither leg found.

The asked province (named in the question, else the UI filter) is a soft filter: documents of
that province, of a province merged with it on 1 July 2025 (see `PlaceScope`), and documents
whose province was not detected are searched; other provinces' documents are not, so a question
naming a province cites only that province's documents or ones of no province.
"""

from __future__ import annotations

import math
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import AbstractSet, Any, Callable, Iterable

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from assistant.query import plan_question
from assistant.scope import (
    PlaceScope,
    asked_provinces,
    build_where,
    merger_year,
    place_scope,
    reconcile_filters,
    where_clause,
)
from core.chunk_readings import decode_tables, prime_agency_tables, prime_tables
from core.contracts import Chunk, Filters, QueryPlan, RetrievedChunk
from core.knowledge import Knowledge
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
    province_boost: float = 0.3  # a document of the asked province, over partners and unknown ones
    legs: tuple[str, ...] = ("dense", "lexical")


@dataclass
class RetrievalResult:
    chunks: list[RetrievedChunk]
    dense: dict[str, float] = field(default_factory=dict)  # chunk_id → cosine similarity
    lexical: dict[str, float] = field(default_factory=dict)  # chunk_id → BM25 score
    where: dict[str, Any] | None = None
    filters: Filters | None = None  # the filters in force after `reconcile_filters`
    notice: str = ""  # to show the user: the question's province overrode the UI filter


class HybridSearch:
    def __init__(
        self,
        index: Index,
        knowledge: Knowledge,
        config: RetrievalConfig | None = None,
        prepare: Callable[[list[Chunk]], None] | None = None,
    ) -> None:
        """`prepare(chunks)`, when given, is handed the lexical leg's best chunks (best first)
        while the dense leg runs: work the answer path would otherwise do later."""
        self.index = index
        self.prepare = prepare
        self.knowledge = knowledge
        self.config = config or RetrievalConfig()
        self.places = knowledge.places
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def search(self, plan: QueryPlan, k: int, filters: Filters | None = None) -> RetrievalResult:
        """Top-k chunks; a question naming several provinces gets the best chunks of each. A UI
        province filter the question contradicts is dropped, and the result says so."""
        filters, notice = reconcile_filters(plan, filters, self.places)
        asked = asked_provinces(plan, filters, self.places)
        if len(asked) > 1:
            per = max(3, -(-k // len(asked)))
            parts = [self._search_one(plan, per, filters, PlaceScope((p,), self._pre_merger(plan))) for p in asked]
            merged = RetrievalResult(
                [], where=build_where(plan, filters, self.knowledge), filters=filters, notice=notice
            )
            seen: set[str] = set()
            for rank in range(per):
                for part in parts:
                    if rank < len(part.chunks) and part.chunks[rank].chunk_id not in seen:
                        seen.add(part.chunks[rank].chunk_id)
                        merged.chunks.append(part.chunks[rank])
            for part in parts:
                merged.dense.update(part.dense)
                merged.lexical.update(part.lexical)
            return merged
        result = self._search_one(plan, k, filters, place_scope(plan, filters, self.places))
        result.filters, result.notice = filters, notice
        return result

    def _embedder(self) -> ThreadPoolExecutor:
        """One worker thread for the dense leg (the question's vector, then Chroma), started on first use."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ntm-query-vector")
            return self._pool

    def _pre_merger(self, plan: QueryPlan) -> bool:
        years = [*plan.years, *(y for p in plan.periods for y in p)]
        return bool(years) and max(years) < merger_year(self.places)

    def _search_one(
        self, plan: QueryPlan, k: int, filters: Filters | None, scope: PlaceScope | None
    ) -> RetrievalResult:
        cfg = self.config
        where = where_clause(filters, scope, self.places, self.knowledge.registry)
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}
        # both legs search the filter's listed ids (a few ms from the records); the dense leg (the
        # question's vector, then the nearest of those ids) runs on a worker thread while this one
        # runs the lexical leg and the read-ahead
        allowed = self.index.chunk_ids_where(where) if where else None
        nearest = self._embedder().submit(self._dense, plan, where, allowed) if "dense" in cfg.legs else None
        if "lexical" in cfg.legs:
            lexical = {
                h.chunk_id: h.score for h in self.index.lexical_search(plan.lexical_query(), cfg.candidates, allowed)
            }
        read: dict[str, Any] = {}  # chunk records already read (the read-ahead's), not read again below
        if nearest is not None and self.prepare is not None and lexical:
            best = sorted(lexical, key=lambda c: (-lexical[c], c))[:k]
            read = self.index.chunks(best)
            self.prepare([read[c] for c in best if c in read])
        if nearest is not None:
            dense = {h.chunk_id: h.score for h in nearest.result()}
        fused: dict[str, float] = {}
        for weight, leg in ((cfg.dense_weight, dense), (cfg.lexical_weight, lexical)):
            for rank, chunk_id in enumerate(sorted(leg, key=leg.get, reverse=True), start=1):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (cfg.rrf_k + rank)
        records = dict(read)
        ranking = self._rank(plan, k, dict(fused), scope, records, every_record=False)
        if ranking is None:  # a candidate the records do not hold (the stores out of step): as before
            records |= self.index.chunks([c for c in fused if c not in records])
            ranking = self._rank(plan, k, fused, scope, records, every_record=True)
        ranked, scores, docs, fetched = ranking
        # what ingest read in these chunks: the answer path then looks agencies and sentence
        # facts up instead of reading every sentence again (core/chunk_readings)
        stored = {c: fetched[c] for c in ranked if c in fetched}
        stored |= decode_tables(self.knowledge, self.index.agency_readings([c for c in ranked if c not in fetched]))
        prime_tables(self.knowledge, [(records[c].text, table) for c, table in stored.items() if table is not None])
        chunks = []
        for chunk_id in ranked:
            record = records[chunk_id]
            doc = docs[record.doc_id]
            chunks.append(
                RetrievedChunk(
                    chunk_id=chunk_id,
                    doc_id=record.doc_id,
                    source=doc.source,
                    score=scores[chunk_id],
                    text=record.text,
                    heading_path=record.heading_path,
                    start=record.start,
                    end=record.end,
                    metadata=doc.metadata,
                )
            )
        return RetrievalResult(chunks, dense, lexical, where)

    def _rank(
        self,
        plan: QueryPlan,
        k: int,
        fused: dict[str, float],
        scope: PlaceScope | None,
        records: dict[str, Any],
        every_record: bool,
    ) -> tuple[list[str], dict[str, float], dict[str, Any], dict[str, dict[str, Any] | None]] | None:
        """The top k of the fused candidates (`fused` gets their final scores), the documents by id
        and the stored tables read for the boosts. With `every_record` the candidates are those
        `records` holds (all read). Without, a candidate's document is named by its id (`chunk_id =
        f"{doc_id}:{n}"`, DESIGN.md "Chunk"), records are read only for the candidates whose boost
        is read and for the top k (most need only their document's province), and None is returned
        when one so read is missing or not of its named document: the caller then reads them all."""
        cfg = self.config
        doc_of = {c: records[c].doc_id if c in records else c.rpartition(":")[0] for c in fused}
        candidates = [c for c in fused if c in records] if every_record else list(fused)
        docs = self.index.documents_by_id({doc_of[c] for c in candidates})
        if not every_record and any(doc_of[c] not in docs for c in candidates):
            return None
        unit = 1.0 / (cfg.rrf_k + 1)
        province_part: dict[str, float] = {}
        for chunk_id in candidates:
            meta = docs[doc_of[chunk_id]].metadata
            tier = scope.tier(meta.get("province", ""), meta.get("issued", ""), self.places) if scope else "unknown"
            if not tier:
                del fused[chunk_id]  # another province's document (outside the merger rules)
                continue
            province_part[chunk_id] = cfg.province_boost if tier == "asked" else 0.0
        # A candidate that stays below k others even with the largest boost the plan allows (and
        # theirs at none) is not in the top k: its boost (its heading's agencies, its years) is not
        # read. The top k and their scores are those of boosting every candidate.
        most = self._most_boost(plan)
        without = sorted((fused[c] + unit * p for c, p in province_part.items()), reverse=True)
        bar = without[k - 1] - 1e-9 if most > 0 and len(without) > k else -math.inf
        boosted = {c for c, part in province_part.items() if most != 0 and fused[c] + unit * (most + part) >= bar}
        if not self._read_records(records, boosted, doc_of):
            return None
        # their headings' agencies as ingest read them, for those not read yet
        fetched = self._prime_headings([records[c] for c in boosted]) if plan.agencies else {}
        for chunk_id, part in province_part.items():
            if chunk_id not in boosted:
                fused[chunk_id] += unit * part
                continue
            record = records[chunk_id]
            boost = self._boost(plan, record.heading_path, record.agencies, record.text)
            fused[chunk_id] += unit * (boost + part)
        ranked = sorted((c for c in fused if c in province_part), key=lambda c: (-fused[c], c))[:k]
        if not self._read_records(records, ranked, doc_of):
            return None
        return ranked, fused, docs, fetched

    def _read_records(self, records: dict[str, Any], wanted: Iterable[str], doc_of: dict[str, str]) -> bool:
        """Read into `records` the wanted ones it lacks; whether each is there, of its named document."""
        missing = [c for c in wanted if c not in records]
        records |= self.index.chunks(missing)
        return all(c in records and records[c].doc_id == doc_of[c] for c in missing)

    def _dense(self, plan: QueryPlan, where: dict[str, Any] | None, allowed: AbstractSet[str] | None) -> Any:
        """The dense leg's hits (on the worker thread: the engines and Chroma release the GIL)."""
        query = plan.dense_query()
        vector = self.index.query_vector(query)
        return self.index.dense_search(query, self.config.candidates, where, allowed=allowed, vector=vector)

    def _most_boost(self, plan: QueryPlan) -> float:
        """The largest `_boost` this plan can give a chunk."""
        cfg = self.config
        agency = max(cfg.agency_heading_boost, cfg.agency_mention_boost) if plan.agencies else 0.0
        return agency + (cfg.year_boost if plan.years else 0.0)

    def _prime_headings(self, records: list[Chunk]) -> dict[str, dict[str, Any] | None]:
        """Hand the registry the stored readings of the chunks whose boost heading (`_boost`'s
        last two headings) it holds no reading of, so it is looked up, not parsed; returns the
        tables read (by chunk id, decoded: None for another version's), which the top k reuse."""
        registry = self.knowledge.registry
        unread = [r.chunk_id for r in records if not registry.knows(" ".join(r.heading_path[-2:]))]
        stored = decode_tables(self.knowledge, self.index.agency_readings(unread))
        prime_agency_tables(self.knowledge, [table for table in stored.values() if table is not None])
        return stored

    def _boost(self, plan: QueryPlan, heading_path: list[str], agencies: list[str], text: str) -> float:
        cfg = self.config
        boost = 0.0
        if plan.agencies:
            registry = self.knowledge.registry
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
        result = self.search.search(plan_question(query, self.search.knowledge), self.k, self.filters)
        return [
            Document(
                page_content=c.text,
                metadata={
                    **c.metadata,
                    "chunk_id": c.chunk_id,
                    "source": c.source,
                    "score": c.score,
                    "heading_path": " › ".join(c.heading_path),
                },
            )
            for c in result.chunks
        ]

"""ChatService: the one entry point the CLI, the app and the evaluation runner ask questions through.

question (+ history, filters) → QueryPlan (classified once, from the cue table) → hybrid retrieval
→ answer strategies tried in order (DESIGN.md "Answerer"): document facts · task register ·
list/structure blocks · extractive sentences · the optional LLM, checked against the retrieved
chunks and replaced by the extractive answer when it is not grounded. A question about several
places is split, and each part goes through the same path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.answering.answer_config import AnswerConfig
from assistant.answering.block_layout import find_blocks
from assistant.answering.chain import (
    AnswerChain,
    DefinitionGate,
    ExtractiveStrategy,
    Gated,
    mask_instructions,
)
from assistant.answering.cross_document import CrossDocument
from assistant.answering.documents import DocumentView
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.list_blocks import ListBlocks
from assistant.answering.register_answer import RegisterAnswerer
from assistant.evidence import TermWeights, prepare_units
from assistant.query import plan_question
from assistant.register import TaskRegister, TaskRow
from assistant.retrieve import HybridSearch, RetrievalConfig
from assistant.settings import Settings
from core.contracts import Answer, Chunk, Filters, QueryPlan, RetrievedChunk
from core.knowledge import Knowledge
from vectorstore.embeddings import NamedEmbeddings, available_cores
from vectorstore.index import Index
from vectorstore.lexical import LexicalIndex

TokenCallback = Callable[[str], None]  # the LLM's draft answer so far
_IDF_MEMO = 65536  # terms whose weight is remembered per index state


class LexicalTermWeights(TermWeights):
    """TermWeights read from the lexical index's live document frequencies (same tokens, same
    chunks), so a new index state costs nothing instead of a pass over every chunk."""

    def __init__(self, lexical: LexicalIndex) -> None:
        self.n = max(1, lexical.n_chunks)
        self._df = _Frequencies(lexical)  # type: ignore[assignment]
        self._idf: dict[str, float] = {}

    def idf(self, term: str) -> float:
        """Remembered for this index state (the service makes new weights when it changes): a
        question's terms are weighed by scoring, features, selection and quoting alike."""
        found = self._idf.get(term)
        if found is None:
            if len(self._idf) >= _IDF_MEMO:
                self._idf.clear()
            found = self._idf[term] = super().idf(term)
        return found


class _Frequencies:
    """The part of `Counter` TermWeights reads (`in`, `get`), answered by the lexical index."""

    def __init__(self, lexical: LexicalIndex) -> None:
        self._lexical = lexical

    def __contains__(self, term: str) -> bool:
        return self._lexical.document_frequency(term) > 0

    def get(self, term: str, default: int = 0) -> int:
        return self._lexical.document_frequency(term) or default


def _places_cited(answer: Answer, plan: QueryPlan) -> int:
    """How many of the question's places a non-abstained answer cites."""
    if answer.abstained:
        return 0
    cited = {c.province for c in answer.citations}
    return sum(p["province"] in cited for p in plan.cross_parts)


def _document_facts(index: Index, knowledge: Knowledge) -> Any:
    """The document-facts (metadata) strategy, first in the chain, when its module is present."""
    try:
        from assistant.answering.document_facts import DocumentFacts, FactCues
    except ImportError:
        return None
    return DocumentFacts.for_index(index, knowledge, FactCues.load())


def user_questions(history: list[Any] | None) -> list[str]:
    """Earlier user questions from a chat history (Gradio messages dicts, (user, bot) pairs or strings)."""
    out: list[str] = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            out.append(turn[0])
        elif isinstance(turn, str):
            out.append(turn)
    return out


READ_AHEAD_DOCUMENTS = 3  # documents whose list blocks are read while the vector is computed


def spare_core(embeddings: Any) -> bool:
    """Whether a core is left beside the threads the question's vector is computed on. Reading
    ahead in that time pays only there: the engines split each operator evenly over their
    threads, so work on one of their cores delays the vector about as much as it saves later,
    and what it reads for chunks that do not make the answer is lost (bench/RESULTS.md)."""
    threads = embeddings.query_threads() if isinstance(embeddings, NamedEmbeddings) else None
    return threads is not None and threads < available_cores()


class ChatService:
    """`knowledge` (core.knowledge.Knowledge.load(), once per process) is handed to the planner,
    retrieval, the register and every answerer; `Knowledge.with_cues` swaps the question cues."""

    def __init__(
        self,
        index: Index,
        settings: Settings,
        knowledge: Knowledge,
        retrieval: RetrievalConfig | None = None,
        answer: AnswerConfig | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.knowledge = knowledge
        self.search = HybridSearch(
            index,
            knowledge,
            retrieval
            or RetrievalConfig(
                candidates=settings.candidates,
                rrf_k=settings.rrf_k,
                legs=tuple(leg.strip() for leg in settings.retrieval_legs.split(",") if leg.strip()),
            ),
            prepare=self._read_ahead if spare_core(index.embeddings) else None,
        )
        self.answer_config = answer or AnswerConfig()
        self.cues = knowledge.cues
        self._weights: tuple[str, TermWeights] | None = None
        self._figures: tuple[str, dict[str, list[tuple[str, str]]]] | None = None
        self._provinces: tuple[str, set[str]] | None = None
        self.register = TaskRegister(index, knowledge.registry)
        self.use_register = settings.use_register
        self._llm = None
        if settings.llm:
            from assistant.llm import LLMAnswerer

            self._llm = LLMAnswerer.from_settings(settings, knowledge.registry)
        self._facts = _document_facts(index, knowledge)

    def _term_weights(self) -> TermWeights:
        fingerprint = self.index.lexical.fingerprint
        if self._weights is None or self._weights[0] != fingerprint:
            self._weights = (fingerprint, LexicalTermWeights(self.index.lexical))
        return self._weights[1]

    def _with_signature(self, plan: QueryPlan, chunks: list[RetrievedChunk]) -> list[RetrievedChunk]:
        """For "ai ký?", the top document's signature block sits in its last chunk, which a
        question about the notice's subject rarely retrieves: put it among the evidence."""
        if not chunks or not plan.asks_signer or not chunks[0].metadata.get("signer"):
            return chunks
        doc_id = chunks[0].doc_id
        ids = self.index.chunk_ids(doc_id)
        signer = chunks[0].metadata["signer"]
        holders = [c for c in self.index.chunks(ids).values() if signer in c.text]
        if not holders or holders[-1].chunk_id in {c.chunk_id for c in chunks}:
            return chunks
        return self._with_cited_chunks(chunks[:1], [holders[-1].chunk_id]) + chunks[1:]

    def _with_cited_chunks(self, retrieved: list[RetrievedChunk], cited: list[str]) -> list[RetrievedChunk]:
        """Register answers cite chunks retrieval may not have ranked; list them after the others."""
        have = {c.chunk_id for c in retrieved}
        missing = [cid for cid in dict.fromkeys(cited) if cid not in have]
        records = self.index.chunks(missing)
        docs = self.index.documents_by_id({r.doc_id for r in records.values()})
        extra = [
            RetrievedChunk(
                cid,
                records[cid].doc_id,
                docs[records[cid].doc_id].source,
                0.0,
                records[cid].text,
                records[cid].heading_path,
                records[cid].start,
                records[cid].end,
                docs[records[cid].doc_id].metadata,
            )
            for cid in missing
            if cid in records
        ]
        return list(retrieved) + extra

    def _figure_kinds(self, chunk_id: str) -> list[tuple[str, str]]:
        """Figures the tracker found in a chunk, with whether each is planned or achieved (read
        per chunk asked for and remembered until the index changes: never all of them)."""
        fingerprint = self.index.lexical.fingerprint
        if self._figures is None or self._figures[0] != fingerprint:
            self._figures = (fingerprint, {})
        known = self._figures[1]
        if chunk_id not in known:
            known[chunk_id] = [(t.text, t.kind) for t in self.index.targets([chunk_id])]
        return known[chunk_id]

    def _document_text(self, row: TaskRow) -> str:
        return self.index.document_text(row.chunk_id.split(":")[0]) or ""

    def indexed_provinces(self) -> set[str]:
        fingerprint = self.index.lexical.fingerprint
        if self._provinces is None or self._provinces[0] != fingerprint:
            self._provinces = (fingerprint, {d.metadata.get("province", "") for d in self.index.documents()} - {""})
        return self._provinces[1]

    def ask(
        self,
        question: str,
        history: list[Any] | None = None,
        filters: Filters | None = None,
        on_token: TokenCallback | None = None,
    ) -> Answer:
        """Answer one question; follow-ups inherit province/year/agency from earlier turns. With an
        LLM configured, its draft is passed to `on_token` as it streams (single-part questions)."""
        self.index.refresh()  # another process may have written (a shared server, the same folder)
        plan = plan_question(question, self.knowledge, user_questions(history))
        if len(plan.cross_parts) > 1:
            answer = CrossDocument(lambda part: self._answer(part, filters), self.knowledge).answer(plan)
            if answer is not None and answer.plan.get("parts_found") == len(plan.cross_parts):
                return answer
            whole = self._answer(plan, filters)
            if answer is None or _places_cited(whole, plan) > answer.plan.get("parts_found", 0):
                return whole  # asked as one question it finds more of the places than part by part
            return answer
        return self._answer(plan, filters, on_token)

    def _read_ahead(self, chunks: list[Chunk]) -> None:
        """While the question's vector is computed: read the lexical leg's best chunks as the
        answer step will (their sentences, `prepare_units`), and the list blocks of the first
        documents among them (lead-in expansion looks up every cited document's blocks)."""
        prepare_units([c.text for c in chunks], self.knowledge)
        for doc_id in list(dict.fromkeys(c.doc_id for c in chunks))[:READ_AHEAD_DOCUMENTS]:
            find_blocks(doc_id, self.index.document_text(doc_id) or "")

    def strategies(self, result_dense: dict[str, float], filters: Filters | None) -> tuple[AnswerChain, ListBlocks]:
        """The chain for one question: document facts · register · definition check · list blocks ·
        extractive (which always answers, abstaining when it must)."""
        weights = self._term_weights()
        documents = DocumentView(self.index)
        extractive = ExtractiveStrategy(
            ExtractiveAnswerer(weights, self.knowledge, self.answer_config, self._figure_kinds),
            result_dense,
            self.indexed_provinces(),
        )
        lists = ListBlocks(weights, documents, self.knowledge)
        chain: list[Any] = [self._facts] if self._facts is not None else []
        if self.use_register:
            chain.append(RegisterAnswerer(self.register, weights, self._document_text, self.knowledge, filters))
        chain += [DefinitionGate(self.knowledge), Gated(lists, extractive.period_gate), extractive]
        return AnswerChain(chain), lists

    def _answer(self, plan: QueryPlan, filters: Filters | None, on_token: TokenCallback | None = None) -> Answer:
        result = self.search.search(plan, self.settings.top_k, filters)
        chunks, flagged = mask_instructions(result.chunks, self.cues)
        chunks = self._with_signature(plan, chunks)
        chain, lists = self.strategies(result.dense, filters)
        answer = chain.answer(plan, chunks)
        if answer.generator == "extractive":
            answer = lists.expand_lead_ins(plan, answer)
        if answer.generator in ("register", "list", "metadata"):
            answer.retrieved = self._with_cited_chunks(answer.retrieved, [c.chunk_id for c in answer.citations])
        if self._llm is not None and not answer.abstained and answer.generator in ("extractive", "list"):
            answer = self._ask_llm(plan, chunks, answer, on_token)
        if flagged:
            answer.plan = {**answer.plan, "flagged_instructions": flagged}
        notice = getattr(result, "notice", "")
        if notice:
            answer.text = f"{notice}\n{answer.text}"
            answer.plan = {**answer.plan, "retrieval_notice": notice}
        return answer

    def _ask_llm(
        self, plan: QueryPlan, chunks: list[RetrievedChunk], fallback: Answer, on_token: TokenCallback | None = None
    ) -> Answer:
        """The LLM's answer when grounded (generator: the backend string); else the fallback,
        carrying the reason the LLM answer was rejected."""
        answer = self._llm.answer(plan, chunks, fallback=fallback, on_token=on_token)
        if answer.plan.get("answered_by") == "llm":
            answer.generator = str(self.settings.llm)
        else:
            answer.fallback_reason = str(answer.plan.get("llm_fallback", ""))
        return answer


def build_service(
    settings: Settings | None = None, index: Index | None = None, knowledge: Knowledge | None = None
) -> ChatService:
    """Wrap an index (by default the configured one, opened here) in a ChatService; a composition
    root: it reads the knowledge unless its caller (which may ingest too) passes the one it holds."""
    settings = settings or Settings()
    if index is None:
        index = Index.open(settings)
    return ChatService(index, settings, knowledge or Knowledge.load())

"""ChatService: the one entry point the CLI, the app and the evaluation runner ask questions through.

question (+ history, filters) → QueryPlan → hybrid retrieval → grounded answer (extractive by
default; an LLM when one is configured, still checked against the retrieved chunks).
"""
from __future__ import annotations

from typing import Any

from assistant.answering.extractive import AnswerConfig, ExtractiveAnswerer
from assistant.contracts import Answer, Filters, RetrievedChunk
from assistant.evidence import TermWeights, asks_signer
from assistant.query import asks_tasks, plan_question
from assistant.register import TaskRegister, TaskRow
from assistant.retrieve import HybridSearch, RetrievalConfig
from assistant.answering.register_answer import matching_rows, register_answer, register_fits
from assistant.settings import Settings
from vectorstore.index import Index


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


class ChatService:
    def __init__(
        self,
        index: Index,
        settings: Settings,
        retrieval: RetrievalConfig | None = None,
        answer: AnswerConfig | None = None,
    ) -> None:
        self.index = index
        self.settings = settings
        self.search = HybridSearch(
            index,
            retrieval
            or RetrievalConfig(
                candidates=settings.candidates,
                rrf_k=settings.rrf_k,
                legs=tuple(leg.strip() for leg in settings.retrieval_legs.split(",") if leg.strip()),
            ),
        )
        self.answer_config = answer or AnswerConfig()
        self._weights: tuple[str, TermWeights] | None = None
        self._figures: tuple[str, dict[str, list[tuple[str, str]]]] | None = None
        self.register = TaskRegister(index)
        self.use_register = settings.use_register
        self._llm = None
        if settings.llm:
            from assistant.llm import LLMAnswerer

            self._llm = LLMAnswerer.from_settings(settings)

    def _term_weights(self) -> TermWeights:
        fingerprint = self.index.lexical.fingerprint
        if self._weights is None or self._weights[0] != fingerprint:
            texts = [c.indexed_text for c in self.index.records.all_chunks()]
            self._weights = (fingerprint, TermWeights(texts))
        return self._weights[1]

    def _with_signature(self, plan: Any, chunks: list[RetrievedChunk]) -> list[RetrievedChunk]:
        """For "ai ký?", the top document's signature block sits in its last chunk, which a
        question about the notice's subject rarely retrieves: put it among the evidence."""
        if not chunks or not asks_signer(plan) or not chunks[0].metadata.get("signer"):
            return chunks
        doc_id = chunks[0].doc_id
        ids = self.index.records.chunk_ids(doc_id)
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
        docs = {d.doc_id: d for d in self.index.documents()}
        extra = [
            RetrievedChunk(cid, records[cid].doc_id, docs[records[cid].doc_id].source, 0.0, records[cid].text,
                           records[cid].heading_path, records[cid].start, records[cid].end, docs[records[cid].doc_id].metadata)
            for cid in missing
            if cid in records
        ]
        return list(retrieved) + extra

    def _figure_kinds(self, chunk_id: str) -> list[tuple[str, str]]:
        """Figures the tracker found in a chunk, with whether each is planned or achieved."""
        fingerprint = self.index.lexical.fingerprint
        if self._figures is None or self._figures[0] != fingerprint:
            by_chunk: dict[str, list[tuple[str, str]]] = {}
            for t in self.index.records.targets():
                by_chunk.setdefault(t.chunk_id, []).append((t.text, t.kind))
            self._figures = (fingerprint, by_chunk)
        return self._figures[1].get(chunk_id, [])

    def _document_text(self, row: TaskRow) -> str:
        return self.index.records.document_text(row.chunk_id.split(":")[0]) or ""

    def indexed_provinces(self) -> set[str]:
        return {d.metadata.get("province", "") for d in self.index.documents()} - {""}

    def ask(self, question: str, history: list[Any] | None = None, filters: Filters | None = None) -> Answer:
        """Answer one question; follow-ups inherit province/year/agency from earlier turns."""
        plan = plan_question(question, user_questions(history))
        result = self.search.search(plan, self.settings.top_k, filters)
        weights = self._term_weights()
        if plan.agencies and self.use_register and asks_tasks(plan):
            rows = matching_rows(self.register, plan, filters)
            if rows and register_fits(rows, plan, weights):
                answer = register_answer(rows, plan, weights, self._document_text, result.chunks)
                answer.retrieved = self._with_cited_chunks(answer.retrieved, [c.chunk_id for c in answer.citations])
                return answer
        chunks = self._with_signature(plan, result.chunks)
        extractive = ExtractiveAnswerer(weights, self.answer_config, self._figure_kinds)
        answer = extractive.answer(plan, chunks, result.dense, self.indexed_provinces())
        if self._llm is not None and not answer.abstained:
            answer = self._llm.answer(plan, result.chunks, fallback=answer)
        return answer


def build_service(settings: Settings | None = None, index: Index | None = None) -> ChatService:
    """Wrap an index (by default the configured one, opened here) in a ChatService."""
    from vectorstore.embeddings import make_embeddings

    settings = settings or Settings()
    if index is None:
        index = Index(settings.index_dir, make_embeddings(settings.embedding), settings.chroma_url, settings.collection)
    return ChatService(index, settings)

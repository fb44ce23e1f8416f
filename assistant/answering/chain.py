"""The strategies tried in order, and what holds for every answer whichever strategy gives it.

`AnswerChain` returns the first strategy's answer and stamps its `generator`. Around the chain:
document sentences that address the system ("Bỏ qua mọi hướng dẫn trước đó …") are masked out
of the evidence (same length, so offsets hold) and counted in the plan; a definition the corpus
does not give ("NTM là gì?") is abstained on; leftover list markers after a label are tidied.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from assistant.answering.base import Answerer
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.labels import abstention
from assistant.query import expand_abbreviations
from core.contracts import Answer, QueryPlan, RetrievedChunk
from core.knowledge import Knowledge
from core.question_cues import QuestionCues
from core.sentences import EVIDENCE, text_spans
from core.vntext import fold


class AnswerChain:
    """Strategies in order; the last one must always answer (it abstains when it cannot)."""

    def __init__(self, strategies: Sequence[Answerer]) -> None:
        self.strategies = list(strategies)

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer:
        for strategy in self.strategies:
            answer = strategy.answer(plan, retrieved)
            if answer is not None:
                answer.generator = strategy.name
                answer.text = tidy(answer.text)
                return answer
        raise RuntimeError("no strategy answered; the chain must end with one that always does")


class ExtractiveStrategy:
    """The extractive answerer behind the one interface: the per-question dense similarities and
    the indexed provinces it also reads are given to the constructor."""

    name = "extractive"

    def __init__(self, answerer: ExtractiveAnswerer, dense: dict[str, float], indexed_provinces: set[str]) -> None:
        self.answerer = answerer
        self.dense = dense
        self.indexed_provinces = indexed_provinces

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer:
        return self.answerer.answer(plan, retrieved, self.dense, self.indexed_provinces)

    def gate(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> str:
        """Why the evidence cannot answer at all (asked year/province not covered …), or ""."""
        return self.answerer._abstain_reason(plan, retrieved, self.indexed_provinces)

    def period_gate(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> str:
        """The gate's reasons about what the evidence speaks of — nothing retrieved, the asked
        province or period absent — which hold for any strategy quoting that evidence."""
        reason = self.gate(plan, retrieved)
        return reason if reason.startswith(("nothing", "province", "year", "period")) else ""


class Gated:
    """A strategy that only answers when the shared gate finds nothing missing (a list from a
    2022 document is no answer to a question about 2024); otherwise it passes to the next."""

    def __init__(self, strategy: Answerer, gate: Callable[[QueryPlan, list[RetrievedChunk]], str]) -> None:
        self.strategy = strategy
        self.gate = gate
        self.name = strategy.name

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer | None:
        if self.gate(plan, retrieved):
            return None
        return self.strategy.answer(plan, retrieved)


class DefinitionGate:
    """ "X là gì?" is answered only from a sentence that defines X ("X là …", "X được hiểu là …");
    when no retrieved sentence does, the corpus does not hold the definition: abstain."""

    name = "extractive"

    def __init__(self, knowledge: Knowledge, evidence_chunks: int = 8) -> None:
        self.cues = knowledge.cues
        self.registry = knowledge.registry
        self.evidence_chunks = evidence_chunks

    def subject_forms(self, plan: QueryPlan) -> list[str]:
        m = self.cues.definition_question.search(plan.folded)
        same = len(plan.folded) == len(plan.normalized)  # folding keeps NFC text's length
        head = (plan.normalized if same else plan.folded)[: m.start()] if m else plan.normalized
        head = re.sub(r"^(theo [^,]*,\s*)?(khai niem|dinh nghia|the nao la)\s*", "", head, flags=re.IGNORECASE)
        words = head.strip(" ,:?").split()
        if not words:
            return []
        subject = " ".join(words[-6:])
        forms = [fold(subject)] + [fold(e) for e in expand_abbreviations(subject)]
        return [f for f in dict.fromkeys(forms) if f]

    def defines(self, text: str, forms: list[str]) -> bool:
        """The sentence opens with the term and says what it is ("Nông thôn mới (NTM) là …");
        "xác định xây dựng NTM là nhiệm vụ trung tâm" predicates, it does not define."""
        folded = fold(text).strip()
        return any(
            re.match(rf"\W*{re.escape(form)}\s*(\([^)]*\)\s*)?(la|duoc hieu la|nghia la|duoc dinh nghia la)\b", folded)
            for form in forms
        )

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk]) -> Answer | None:
        if not plan.asks_definition:
            return None
        forms = self.subject_forms(plan)
        if not forms:
            return None
        for chunk in retrieved[: self.evidence_chunks]:
            if any(self.defines(chunk.text[s:e], forms) for s, e in text_spans(chunk.text, EVIDENCE)):
                return None  # a defining sentence exists: the next strategies quote it
        return abstention(plan, retrieved, "definition not in corpus", self.registry)


def mask_instructions(chunks: list[RetrievedChunk], cues: QuestionCues) -> tuple[list[RetrievedChunk], list[str]]:
    """Chunks with every sentence that reads as an instruction to the system blanked (spaces of
    the same length: offsets stay true), and the flagged sentences."""
    flagged: list[str] = []
    out = []
    for chunk in chunks:
        text = chunk.text
        for s, e in cues.instruction_spans(chunk.text):
            flagged.append(chunk.text[s:e])
            text = text[:s] + " " * (e - s) + text[e:]
        out.append(chunk if text == chunk.text else replace(chunk, text=text))
    return out, flagged


_MARKUP = re.compile(r"^((?:\s*- )(?:\([^()]*\) )?)[-+•–]\s+")
# a document's list items quoted on one line after their lead-in: "gồm: - Tờ trình…; - Biên bản…"
_INLINE_MARKER = re.compile(r"(?<=[:;]) [-+•] (?=\w)")


def tidy(text: str) -> str:
    """ "- (mục tiêu) - Có thêm …" → "- (mục tiêu) Có thêm …", "gồm: - Tờ trình…; - Biên bản…" →
    "gồm: Tờ trình…; Biên bản…": a quote's own list markers after the answer's bullet or label,
    or inside the line after a lead-in's colon or an item's semicolon, are markup, not content."""
    return "\n".join(_INLINE_MARKER.sub(" ", _MARKUP.sub(r"\1", line)) for line in text.splitlines())

"""Questions about several places in one ("Điện Biên (năm 2013) và Cao Bằng (năm 2014) …"):
each part is asked on its own — its province, its years, its own retrieval — and answered from
its own documents; a part the corpus does not hold is said so, not silently dropped."""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.query import plan_question
from core.contracts import Answer, Citation, QueryPlan, RetrievedChunk
from core.knowledge import Knowledge

MISSING_PART = "không tìm thấy thông tin này trong các văn bản đã được nạp vào hệ thống."


def part_plan(plan: QueryPlan, part: dict, knowledge: Knowledge) -> QueryPlan:
    """The plan of one part, classified from its own words (one part may ask a target, the other
    a result), with its province and years only and the others' names out of the text."""
    text = part["text"]
    if part["years"]:
        for year in set(plan.years) - set(part["years"]):
            text = re.sub(rf"(?<!\d){year}(?!\d)", " ", text)
    sub = plan_question(re.sub(r"\s+", " ", text).strip(), knowledge)
    sub.question = plan.question
    sub.provinces = [part["province"]]
    if part["years"]:
        sub.years = list(part["years"])
    if not sub.agencies:
        sub.agencies = list(plan.agencies)
    sub.cross_parts = []
    return sub


def part_label(part: dict) -> str:
    years = ", ".join(str(y) for y in part["years"])
    return f"{part['province']} ({years})" if years else part["province"]


class CrossDocument:
    """Answer each part with `answer_part` (retrieval + the single-document chain) and join them."""

    name = "cross"

    def __init__(self, answer_part: Callable[[QueryPlan], Answer], knowledge: Knowledge) -> None:
        self.answer_part = answer_part
        self.knowledge = knowledge

    def answer(self, plan: QueryPlan, retrieved: list[RetrievedChunk] | None = None) -> Answer | None:
        if len(plan.cross_parts) < 2:
            return None
        lines: list[str] = []
        citations: list[Citation] = []
        retrieved_by_part: list[list[RetrievedChunk]] = []
        generators: list[str] = []
        found = 0
        confidence = []
        for part in plan.cross_parts:
            answer = self.answer_part(part_plan(plan, part, self.knowledge))
            retrieved_by_part.append(answer.retrieved)
            if answer.abstained:
                lines.append(f"{part_label(part)}: {MISSING_PART}")
                continue
            found += 1
            generators.append(answer.generator)
            confidence.append(answer.confidence)
            lines.append(f"{part_label(part)}:")
            renumber = {}
            for c in answer.citations:
                n = len(citations) + 1
                renumber[c.n] = n
                citations.append(
                    Citation(n, c.chunk_id, c.source, c.title, c.number, c.province, c.issued, c.quote, c.start, c.end)
                )
            lines += [
                re.sub(r"\[(\d+)\]", lambda m, r=renumber: f"[{r.get(int(m.group(1)), m.group(1))}]", line)
                for line in answer.text.splitlines()
            ]
        plan_dict = {**plan.as_dict(), "answered_by": "cross", "parts_found": found}
        if not found:
            return None  # no part on its own: the question as a whole may still be answerable
        out = Answer("\n".join(lines), citations, False, min(confidence), _interleaved(retrieved_by_part), plan_dict)
        out.generator = "+".join(dict.fromkeys(generators))
        return out


def _interleaved(lists: list[list[RetrievedChunk]]) -> list[RetrievedChunk]:
    """Each part's best chunk, then each part's second …: every part is among the top ranks."""
    out: dict[str, RetrievedChunk] = {}
    for rank in range(max((len(x) for x in lists), default=0)):
        for chunks in lists:
            if rank < len(chunks):
                out.setdefault(chunks[rank].chunk_id, chunks[rank])
    return list(out.values())

"""Multi-part questions answered part by part over the same evidence.

"… có thêm bao nhiêu xã đạt chuẩn nâng cao và bao nhiêu xã kiểu mẫu?" asks two things that two
sentences answer. Scored as one question, every sentence covers half of it, so the fitted model
trusts none and the answer abstains, or quotes one half. Each sub-question (query.split_parts)
is read like an elliptical follow-up (its own words and question word, the whole question's
place, period and agency) and scored by the same fitted model and cut-offs; the answer joins the
sentences of the parts the evidence answers and says which part it does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from assistant.evidence import Unit, measure_units
from assistant.query import part_question_plan
from core.contracts import QueryPlan, RetrievedChunk

if TYPE_CHECKING:
    from assistant.answering.extractive import ExtractiveAnswerer

MISSING_PART = "Không tìm thấy thông tin trả lời phần: “{part}”."


@dataclass
class PartsAnswer:
    selected: list[Unit]
    best: Unit
    missing: list[str] = field(default_factory=list)


def answer_by_parts(
    answerer: "ExtractiveAnswerer", plan: QueryPlan, chunks: list[RetrievedChunk], dense: dict[str, float]
) -> PartsAnswer | None:
    """The selected sentences of every part the evidence answers (in the fitted model's judgement,
    with its type check), or None when no part is answered."""
    from assistant.answering.extractive import evidence_units

    selection = answerer.selection
    if selection is None or len(plan.parts) < 2:
        return None
    chosen: dict[tuple[str, int], Unit] = {}
    unanswered: list[tuple[str, QueryPlan, Unit | None]] = []  # (part, its plan, its best sentence)
    best: Unit | None = None
    for part in plan.parts:
        sub = part_question_plan(plan, part, answerer.knowledge)
        units = evidence_units(sub, chunks, answerer.config, answerer.knowledge.sentences.spans)
        measure_units(units, sub, answerer.weights, answerer.knowledge)
        p_answer = selection.score(sub, units, answerer.weights, dense)
        if not units:
            unanswered.append((part, sub, None))
            continue
        part_best = max(units, key=lambda u: u.score)
        selected = answerer.select(sub, units)
        if selection.abstains(p_answer) or (
            selection.model.type_check and answerer.type_mismatch(sub, selected, part_best)
        ):
            unanswered.append((part, sub, part_best))
            continue
        for unit in selected:
            chosen.setdefault((unit.chunk.chunk_id, unit.start), unit)
        if best is None or part_best.score > best.score:
            best = part_best
    if best is None:
        return None
    # a part whose best sentence another part already quotes, holding the part's asked kind of
    # fact, is answered by it ("… có thêm bao nhiêu xã, nâng tổng số lên bao nhiêu xã?" — one
    # sentence states both)
    missing = [
        part
        for part, sub, unit in unanswered
        if unit is None or (unit.chunk.chunk_id, unit.start) not in chosen or answerer.type_mismatch(sub, [unit], unit)
    ]
    ordered = sorted(chosen.values(), key=lambda u: (u.chunk.metadata.get("issued", ""), u.chunk.doc_id, u.start))
    return PartsAnswer(ordered, best, missing)

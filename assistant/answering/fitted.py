"""Sentence selection and answer-vs-abstain decided by the fitted selection model.

Each candidate unit gets P(it holds the answer) from its named features; the question gets
P(its evidence answers it) from the evidence as a whole. Units are shown when their probability
is close enough to the best one's (cut-offs fitted with the model); a question whose evidence the
model does not trust is abstained on. Headings and lead-ins ("… như sau:") are never an answer on
their own.
"""

from __future__ import annotations

from assistant.answering.features import question_features, unit_features
from assistant.answering.selection_model import SelectionModel, UnitDense
from assistant.evidence import TermWeights, Unit, is_heading_unit
from core.contracts import QueryPlan
from core.knowledge import Knowledge


class FittedSelection:
    """The model plus the dense scorer it needs; one per service (the dense cache is shared)."""

    def __init__(self, model: SelectionModel, knowledge: Knowledge, dense: UnitDense | None = None) -> None:
        if "dense_unit" in model.unit.features and dense is None:
            raise ValueError("this selection model uses unit vectors: pass a UnitDense over the index's embedder")
        self.model = model
        self.knowledge = knowledge
        self.dense = dense

    def score(self, plan: QueryPlan, units: list[Unit], weights: TermWeights, chunk_dense: dict[str, float]) -> float:
        """Set every unit's score to its probability; return P(the evidence answers the question).
        Units must have been measured (evidence.measure_units)."""
        if not units:
            return 0.0
        if self.dense is not None and "dense_unit" in self.model.unit.features:
            cos = self.dense.cosines(plan.dense_query(), units)
        else:  # the model does not use unit vectors: do not pay for them (the features are unused)
            cos = [chunk_dense.get(u.chunk.chunk_id, 0.0) for u in units]
        rows = unit_features(units, plan, weights, chunk_dense, cos, self.knowledge)
        probs = self.model.unit.probabilities(rows)
        for unit, p in zip(units, probs, strict=False):
            unit.score = p
        return self.model.answer.probability(question_features(rows, probs))

    def abstains(self, p_answer: float) -> bool:
        return p_answer < self.model.answer_cutoff

    def core(self, units: list[Unit], task_limit: int | None = None) -> list[Unit]:
        """The best stating unit and those whose probability is within the fitted share of it
        (up to the fitted count; a task question lists up to `task_limit` tasks)."""
        return [
            units[i]
            for i in core_indices([u.score for u in units], [is_heading_unit(u) for u in units], self.model, task_limit)
        ]


def core_indices(
    probs: list[float], heading: list[bool], model: SelectionModel, task_limit: int | None = None
) -> list[int]:
    """Indices of the core selection (shared with the fitting command's simulation)."""
    ranked = sorted((i for i in range(len(probs)) if not heading[i]), key=lambda i: (-probs[i], i))
    if not ranked:
        return []
    floor = max(model.min_probability, model.relative_cutoff * probs[ranked[0]])
    limit = task_limit if task_limit is not None else model.max_units
    return [i for i in ranked if probs[i] >= floor][:limit] or ranked[:1]


def ranked_units(units: list[Unit]) -> list[Unit]:
    """Units that state something, best first (headings and lead-ins left out)."""
    return [u for u in sorted(units, key=lambda u: (-u.score, u.chunk_rank, u.start)) if not is_heading_unit(u)]

"""The extractive answer's settings: how many chunks compete, how many sentences an answer shows,
how long a quote may be, and the fitted selection model (or the hand-set scores it replaced)."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answering.selection_model import SelectionModel, packaged_model


@dataclass(frozen=True)
class AnswerConfig:
    evidence_chunks: int = 6  # chunks whose sentences compete for the answer
    max_units: int = 3
    max_task_units: int = 6
    relative_cutoff: float = 0.65  # units scoring this share of the best are worth adding on their own
    min_gain: float = 0.2  # a further unit must add this much (new question terms, asked fact kinds)
    add_cutoff: float = 0.4  # ... and score at least this share of the best
    tie_cutoff: float = 0.85  # units this close to the best are always shown
    part_min_coverage: float = 0.3  # a sub-question's best sentence must cover this much of it
    part_cutoff: float = 0.3
    section_cutoff: float = 0.45  # tasks under the asked agency's heading are listed down to this share
    min_coverage: float = 0.34  # below this share of question-term weight, the corpus does not hold the answer
    min_dense: float = 0.84  # ... unless the dense leg is this sure
    max_quote_chars: int = 320
    max_task_quote_chars: int = 380
    quantity_cutoff: float = 0.6  # a figure of the asked kind must sit in a unit this close to the best
    # multi-part questions part by part (answering.parts): "fallback" only when the whole question
    # is not answered, "always" whenever some part is answered (and the others are said missing)
    by_parts: str = "always"
    # the fitted selection model (assistant/data/selection_model.json); None = the hand-set scores above
    model: SelectionModel | None = field(default_factory=packaged_model, compare=False)

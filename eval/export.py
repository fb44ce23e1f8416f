"""Answers in ragas's column names, so ragas metrics can be run wherever an LLM judge is available.

OUT/ragas.jsonl holds one row per question, in the order of answers.jsonl (join on the line number),
with exactly ragas's single-turn columns:
- `user_input`: the question as asked;
- `response`: the answer text (an abstention notice when the service abstained);
- `retrieved_contexts`: the texts of the retrieved chunks, in rank order;
- `reference`: the question set's reference answer.

    from ragas import EvaluationDataset
    dataset = EvaluationDataset.from_jsonl("OUT/ragas.jsonl")
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import MetricError, Observation

RAGAS_COLUMNS = ("user_input", "response", "retrieved_contexts", "reference")


def ragas_row(o: Observation) -> dict[str, Any]:
    contexts = []
    for chunk in o.answer.retrieved:
        if not isinstance(chunk.text, str):
            raise MetricError(f"{o.item.id}: retrieved chunk {chunk.chunk_id!r} has no text")
        contexts.append(chunk.text)
    return {
        "user_input": o.item.question,
        "response": o.answer.text,
        "retrieved_contexts": contexts,
        "reference": o.item.answer,
    }


def write_ragas(path: Path, observations: Sequence[Observation]) -> None:
    with Path(path).open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(ragas_row(o), ensure_ascii=False) + "\n" for o in observations)

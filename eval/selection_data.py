"""The features table the selection model is fitted on: every candidate unit of every question of
the development sets, with its named features (assistant/answering/features.py) and its label.

A unit is positive when it contains an alternative of one of the question's `must_include` groups
(case/diacritic-insensitive, as the accuracy metric matches). A question is "answerable from its
evidence" when it is answerable and every group has an alternative in some candidate unit.
Questions are grouped by their gold document (unanswerable ones by their own id) so that
cross-validation can hold whole documents out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from assistant.answering.features import UNIT_FEATURES, unit_features
from assistant.answering.selection_model import UnitDense
from assistant.evidence import Unit, measure_units
from eval.dataset import QAItem, load_questions
from eval.metrics import contains, doc_id

UNIT_COLUMNS = ("set", "qid", "group", "chunk_rank", "start", "label", "groups_mask", *UNIT_FEATURES)
QUESTION_COLUMNS = (
    "set",
    "qid",
    "group",
    "type",
    "style",
    "answerable",
    "evidence",
    "n_groups",
    "hard_reason",
    "n_units",
)


@dataclass
class QuestionData:
    set: str
    item: QAItem
    group: str
    hard_reason: str  # the extractive answerer's rule-based abstention reason ("" = none)
    units: list[Unit]
    rows: list[dict[str, float]]
    labels: list[int]
    groups_mask: list[int]  # bit g set: the unit holds an alternative of must_include group g

    @property
    def evidence(self) -> bool:
        """Answerable and every must_include group has an alternative in some candidate unit."""
        if not self.item.answerable:
            return False
        return all(any(contains(u.text, alt) for u in self.units for alt in g) for g in self.item.must_include)


def question_group(set_name: str, item: QAItem) -> str:
    """The document a question is about (its first gold source); unanswerable: the question."""
    return f"{set_name}/{doc_id(item.sources[0])}" if item.answerable and item.sources else f"{set_name}/?{item.id}"


def candidate_units(service: Any, question: str) -> tuple[Any, list[Any], dict[str, float], str, list[Unit]]:
    """What the extractive strategy would weigh for a question: plan, chunks, dense scores, the
    rule-based abstention reason, and the measured units of the evidence chunks."""
    from assistant.answering.extractive import ExtractiveAnswerer, evidence_units
    from assistant.query import plan_question

    plan = plan_question(question, service.knowledge, [])
    result = service.search.search(plan, service.settings.top_k, None)
    chunks = service._with_signature(plan, result.chunks)
    weights = service._term_weights()
    answerer = ExtractiveAnswerer(weights, service.knowledge, replace(service.answer_config, model=None))
    reason = answerer._abstain_reason(plan, chunks, service.indexed_provinces(), agency_rule=True)
    if reason.startswith("agency"):  # what the other rules say when the fit switches this one off
        reason += " | " + (
            answerer._abstain_reason(plan, chunks, service.indexed_provinces(), agency_rule=False) or "-"
        )
    units = evidence_units(plan, chunks, service.answer_config)
    measure_units(units, plan, weights, service.knowledge)
    return plan, chunks, result.dense, reason, units


def collect_set(set_name: str, service: Any, qa: Path, dense: UnitDense) -> Iterator[QuestionData]:
    for item in load_questions(qa):
        plan, _chunks, chunk_dense, reason, units = candidate_units(service, item.question)
        cos = dense.cosines(plan.dense_query(), units)
        rows = unit_features(units, plan, service._term_weights(), chunk_dense, cos, service.knowledge)
        masks = [groups_mask(u.text, item) for u in units]
        yield QuestionData(
            set_name, item, question_group(set_name, item), reason, units, rows, [int(m > 0) for m in masks], masks
        )


def groups_mask(text: str, item: QAItem) -> int:
    if not item.answerable:
        return 0
    return sum(1 << g for g, alts in enumerate(item.must_include) if any(contains(text, alt) for alt in alts))


def write_tables(questions: Sequence[QuestionData], units_path: Path, questions_path: Path) -> None:
    """The committed features tables (TSV, 4 decimals)."""
    with units_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(UNIT_COLUMNS)
        for q in questions:
            for u, row, label, hit in zip(q.units, q.rows, q.labels, q.groups_mask, strict=False):
                w.writerow(
                    [
                        q.set,
                        q.item.id,
                        q.group,
                        u.chunk_rank,
                        u.start,
                        label,
                        hit,
                        *(f"{row[name]:.4f}".rstrip("0").rstrip(".") for name in UNIT_FEATURES),
                    ]
                )
    with questions_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(QUESTION_COLUMNS)
        for q in questions:
            w.writerow(
                [
                    q.set,
                    q.item.id,
                    q.group,
                    q.item.type,
                    q.item.style,
                    int(q.item.answerable),
                    int(q.evidence),
                    len(q.item.must_include),
                    q.hard_reason,
                    len(q.units),
                ]
            )


def load_cache(path: Path) -> dict[str, list[float]]:
    return json.loads(path.read_text("utf-8")) if path.exists() else {}


def save_cache(path: Path, cache: dict[str, list[float]]) -> None:
    path.write_text(json.dumps({k: [round(x, 5) for x in v] for k, v in cache.items()}), encoding="utf-8")

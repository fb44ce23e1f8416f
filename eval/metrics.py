"""Evaluation metrics exactly as DESIGN.md "Evaluation contract" defines them.

Each metric is a small function over `Observation`s (a question, the service's Answer, the time it
took). Missing or malformed data raises `MetricError`; a metric whose population is empty (no
answerable item, no abstention, no citation...) raises `EmptyPopulation` instead of returning 0.0,
and only `summarize` turns that into an explicit `null` for sub-groups where it is expected.

Denominators (also written to metrics.json under "denominators"):
- hit@k, mrr@10, evidence@5: answerable items (type ≠ unanswerable).
- answer.accuracy: answerable items. Per-item `correct` is also defined for unanswerable items
  (correct = abstained) and is what by_type / by_style "accuracy" averages over all items of a group.
- citation_precision: every citation of every answerable, non-abstained answer (micro average).
- citation_coverage (added): answerable, non-abstained answers; share with ≥ 1 citation.
- median_chars: non-abstained answers (all types); length of the stripped NFC text.
- abstention.precision: abstained answers; abstention.recall: unanswerable items.
- latency p50/p95: every question, linear interpolation between closest ranks.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Callable, Iterable, Sequence

from core.contracts import Answer, Citation, RetrievedChunk
from core.vntext import fold, nfc
from eval.dataset import QAItem

_SPACE = re.compile(r"\s+")


class MetricError(ValueError):
    """The data a metric needs is missing or malformed."""


class EmptyPopulation(MetricError):
    """The metric is undefined: nothing to average over (never reported as 0.0)."""


@dataclass(frozen=True)
class Observation:
    """One question asked once: what the service answered and how long it took."""

    item: QAItem
    answer: Answer
    latency_ms: float


# --- matching -------------------------------------------------------------------------------
def match_form(text: str) -> str:
    """Case- and diacritic-free text with whitespace runs collapsed, for substring matching."""
    return _SPACE.sub(" ", fold(text)).strip()


def contains(text: str, alternative: str) -> bool:
    """Is `alternative` a case-/diacritic-insensitive substring of `text`?

    One refinement over a bare substring test: a number is never matched inside a longer number,
    so "17 xã" does not match "117 xã" and "6,67" does not match "6,675" (digit boundaries).
    """
    needle = match_form(alternative)
    if not needle:
        raise MetricError("empty must_include alternative")
    head = r"(?<!\d)" if needle[0].isdigit() else ""
    tail = r"(?!\d)" if needle[-1].isdigit() else ""
    return re.search(head + re.escape(needle) + tail, match_form(text)) is not None


def missing_groups(groups: Sequence[Sequence[str]], texts: Iterable[str]) -> list[tuple[str, ...]]:
    """The must_include groups none of whose alternatives is inside any one of `texts`."""
    texts = list(texts)
    return [tuple(g) for g in groups if not any(contains(t, alt) for t in texts for alt in g)]


# --- documents and ranks --------------------------------------------------------------------
def doc_id(source: str) -> str:
    """The id question sets use for a document: its file name without extension (any folders dropped)."""
    if not isinstance(source, str) or not source.strip():
        raise MetricError(f"missing source: {source!r}")
    return nfc(PurePosixPath(source.replace("\\", "/")).stem)


def _gold(item: QAItem) -> set[str]:
    if not item.answerable:
        raise MetricError(f"{item.id}: an unanswerable item has no gold documents")
    if not item.sources:
        raise MetricError(f"{item.id}: answerable item without gold sources")
    return {nfc(s) for s in item.sources}


def _ranking(item: QAItem, answer: Answer) -> list[RetrievedChunk]:
    retrieved = getattr(answer, "retrieved", None)
    if retrieved is None:
        raise MetricError(f"{item.id}: the answer carries no retrieved chunks (None)")
    return list(retrieved)


def first_gold_rank(item: QAItem, answer: Answer) -> int | None:
    """1-based position of the first retrieved chunk (service order) whose document is gold."""
    gold = _gold(item)
    for rank, chunk in enumerate(_ranking(item, answer), start=1):
        if doc_id(chunk.source) in gold:
            return rank
    return None


def evidence_found(item: QAItem, answer: Answer, k: int = 5) -> bool:
    """Every must_include group has an alternative inside the text of one of the top-k chunks."""
    _gold(item)
    top = _ranking(item, answer)[:k]
    texts = []
    for chunk in top:
        if not isinstance(chunk.text, str):
            raise MetricError(f"{item.id}: retrieved chunk {chunk.chunk_id!r} has no text")
        texts.append(chunk.text)
    return not missing_groups(item.must_include, texts)


# --- answers --------------------------------------------------------------------------------
def _checked(item: QAItem, answer: Answer) -> Answer:
    if not isinstance(getattr(answer, "text", None), str):
        raise MetricError(f"{item.id}: the answer has no text")
    if not isinstance(getattr(answer, "abstained", None), bool):
        raise MetricError(f"{item.id}: the answer's `abstained` is not a bool")
    if getattr(answer, "citations", None) is None:
        raise MetricError(f"{item.id}: the answer carries no citations list (None)")
    return answer


def is_correct(item: QAItem, answer: Answer) -> bool:
    """Answerable: not abstained and every must_include group in the answer text.
    Unanswerable: the answer abstained (the right answer says the corpus does not hold it)."""
    answer = _checked(item, answer)
    if not item.answerable:
        return answer.abstained
    if not item.must_include:
        raise MetricError(f"{item.id}: answerable item with empty must_include")
    return not answer.abstained and not missing_groups(item.must_include, [answer.text])


def gold_citations(item: QAItem, citations: Sequence[Citation]) -> int:
    """How many citations point into a gold document."""
    gold = _gold(item)
    return sum(doc_id(c.source) in gold for c in citations)


# --- aggregates -----------------------------------------------------------------------------
def _share(flags: Iterable[bool], what: str) -> float:
    flags = list(flags)
    if not flags:
        raise EmptyPopulation(f"{what}: no items to average over")
    return sum(flags) / len(flags)


def _answerable(obs: Sequence[Observation]) -> list[Observation]:
    return [o for o in obs if o.item.answerable]


def hit_at_k(obs: Sequence[Observation], k: int) -> float:
    """Share of answerable items with a gold document among the top-k retrieved chunks."""
    ranks = [first_gold_rank(o.item, o.answer) for o in _answerable(obs)]
    return _share((r is not None and r <= k for r in ranks), f"hit@{k}")


def mrr_at_k(obs: Sequence[Observation], k: int = 10) -> float:
    """Mean over answerable items of 1/rank of the first gold chunk within the top k (0 beyond)."""
    ranks = [first_gold_rank(o.item, o.answer) for o in _answerable(obs)]
    if not ranks:
        raise EmptyPopulation(f"mrr@{k}: no answerable items")
    return sum(1.0 / r for r in ranks if r is not None and r <= k) / len(ranks)


def evidence_at_k(obs: Sequence[Observation], k: int = 5) -> float:
    """Share of answerable items whose every must_include group is in the top-k chunk texts."""
    return _share((evidence_found(o.item, o.answer, k) for o in _answerable(obs)), f"evidence@{k}")


def correct_rate(obs: Sequence[Observation]) -> float:
    """Share of `is_correct` over the given observations (both kinds of items)."""
    return _share((is_correct(o.item, o.answer) for o in obs), "accuracy")


def accuracy(obs: Sequence[Observation]) -> float:
    """DESIGN.md accuracy: over answerable items only (unanswerable ones are scored by abstention)."""
    return correct_rate(_answerable(obs))


def _answered(obs: Sequence[Observation]) -> list[Observation]:
    """Answerable items the service did not abstain on: the population citations are judged on."""
    return [o for o in _answerable(obs) if not _checked(o.item, o.answer).abstained]


def citation_precision(obs: Sequence[Observation]) -> float:
    """Micro average: gold citations / all citations of answerable, non-abstained answers."""
    answered = _answered(obs)
    total = sum(len(o.answer.citations) for o in answered)
    if total == 0:
        raise EmptyPopulation("citation_precision: no citations on answerable, non-abstained answers")
    return sum(gold_citations(o.item, o.answer.citations) for o in answered) / total


def citation_coverage(obs: Sequence[Observation]) -> float:
    """Share of answerable, non-abstained answers that cite at least one source."""
    return _share((bool(o.answer.citations) for o in _answered(obs)), "citation_coverage")


def median_chars(obs: Sequence[Observation]) -> float:
    """Median length in characters of the non-abstained answers (abstention notices excluded)."""
    lengths = [len(nfc(o.answer.text).strip()) for o in obs if not _checked(o.item, o.answer).abstained]
    if not lengths:
        raise EmptyPopulation("median_chars: every answer abstained")
    return float(statistics.median(lengths))


def abstention_precision(obs: Sequence[Observation]) -> float:
    """Share of abstentions that were on unanswerable items."""
    abstained = [o for o in obs if _checked(o.item, o.answer).abstained]
    return _share((not o.item.answerable for o in abstained), "abstention.precision (no abstentions)")


def abstention_recall(obs: Sequence[Observation]) -> float:
    """Share of unanswerable items answered with an abstention."""
    unanswerable = [o for o in obs if not o.item.answerable]
    return _share(
        (_checked(o.item, o.answer).abstained for o in unanswerable), "abstention.recall (no unanswerable items)"
    )


def percentile(values: Sequence[float], q: float) -> float:
    """q-th percentile (0–100), linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise EmptyPopulation("percentile of no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def latencies(obs: Sequence[Observation]) -> list[float]:
    out = []
    for o in obs:
        value = o.latency_ms
        if not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
            raise MetricError(f"{o.item.id}: missing or invalid latency {value!r}")
        out.append(float(value))
    return out


# --- the metrics.json body ------------------------------------------------------------------
def _or_null(metric: Callable[[], float]) -> float | None:
    """Only an empty population becomes null (explicitly undefined); other errors propagate."""
    try:
        return round(metric(), 4)
    except EmptyPopulation:
        return None


def group_summary(obs: Sequence[Observation]) -> dict[str, object]:
    """{n, accuracy, hit@5} of one type or style: accuracy = share of per-item `correct`."""
    return {
        "n": len(obs),
        "accuracy": _or_null(lambda: correct_rate(obs)),
        "hit@5": _or_null(lambda: hit_at_k(obs, 5)),
    }


def by_key(obs: Sequence[Observation], key: Callable[[QAItem], str]) -> dict[str, dict[str, object]]:
    groups: dict[str, list[Observation]] = {}
    for o in obs:
        groups.setdefault(key(o.item), []).append(o)
    return {name: group_summary(groups[name]) for name in sorted(groups)}


def summarize(obs: Sequence[Observation]) -> dict[str, object]:
    """Everything metrics.json holds except `config` (the runner adds that), in contract order."""
    if not obs:
        raise EmptyPopulation("no observations to summarize")
    lat = latencies(obs)
    answerable = _answerable(obs)
    return {
        "n": len(obs),
        "retrieval": {
            "hit@1": _or_null(lambda: hit_at_k(obs, 1)),
            "hit@5": _or_null(lambda: hit_at_k(obs, 5)),
            "mrr@10": _or_null(lambda: mrr_at_k(obs, 10)),
            "evidence@5": _or_null(lambda: evidence_at_k(obs, 5)),
        },
        "answer": {
            "accuracy": _or_null(lambda: accuracy(obs)),
            "citation_precision": _or_null(lambda: citation_precision(obs)),
            "median_chars": _or_null(lambda: median_chars(obs)),
            "citation_coverage": _or_null(lambda: citation_coverage(obs)),
        },
        "abstention": {
            "precision": _or_null(lambda: abstention_precision(obs)),
            "recall": _or_null(lambda: abstention_recall(obs)),
        },
        "by_type": by_key(obs, lambda item: item.type),
        "by_style": by_key(obs, lambda item: item.style),
        "latency_ms": {"p50": round(percentile(lat, 50), 1), "p95": round(percentile(lat, 95), 1)},
        "denominators": {
            "answerable": len(answerable),
            "unanswerable": len(obs) - len(answerable),
            "answered_answerable": len(_answered(obs)),
            "citations": sum(len(o.answer.citations) for o in _answered(obs)),
            "non_abstained": sum(not o.answer.abstained for o in obs),
            "abstained": sum(o.answer.abstained for o in obs),
        },
    }

"""What both reports show: the figures (fmt, short, hit@k curves, latencies), the group orders, the
lines of a failed question (expected groups, retrieved sources) and the register table, and `Row`,
one configuration's results."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.metrics import doc_id
from eval.report_blocks import Block, Heading, Table

REPORT_RETRIEVED = 5  # retrieved sources listed per failed question
REPORT_ANSWER_CHARS = 800
SUITE_ANSWER_CHARS = 300
HIT_KS = tuple(range(1, 11))
TYPE_ORDER = ("target", "result", "task", "agency", "metadata", "cross_doc", "unanswerable")
STYLE_ORDER = ("plain", "no_diacritics", "abbreviations", "paraphrase")


def fmt(value: Any) -> str:
    if value is None:
        return "— (undefined)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


def short(value: Any) -> str:
    """fmt for dense tables: '—' for undefined."""
    return "—" if value is None else fmt(value)


def hit_curve(records: Sequence[Mapping[str, Any]], ks: Sequence[int] = HIT_KS) -> dict[int, float | None]:
    """hit@k for each k from the records' first gold rank (answerable items only)."""
    ranks = [r.get("gold_rank") for r in records if r["type"] != "unanswerable"]
    if not ranks:
        return {k: None for k in ks}
    return {k: round(sum(1 for x in ranks if x is not None and x <= k) / len(ranks), 4) for k in ks}


def latencies(records: Sequence[Mapping[str, Any]]) -> list[float]:
    return [float(r["latency_ms"]) for r in records]


def ordered(names: Iterable[str], order: Sequence[str]) -> list[str]:
    names = set(names)
    return [n for n in order if n in names] + sorted(names - set(order))


def groups_text(groups: Sequence[Sequence[str]]) -> str:
    return "; ".join(" | ".join(f"“{a}”" for a in g) for g in groups)


def retrieved_lines(record: Mapping[str, Any], limit: int = REPORT_RETRIEVED) -> list[str]:
    gold = set(record["sources"])
    return [
        f"{r['source']} · {r['chunk_id']} ({r['score']:.4f}){' ✓' if doc_id(r['source']) in gold else ''}"
        for r in record["retrieved"][:limit]
    ]


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text[:limit] + "…" if len(text) > limit else text


def register_blocks(by_name: Mapping[str, Mapping[str, Any]]) -> list[Block]:
    """Register precision/recall; configurations sharing an index have the same scores: one row for them."""
    rows: dict[tuple[Any, ...], list[str]] = {}
    for name, metrics in by_name.items():
        for part, s in (metrics.get("register") or {}).items():
            extra = s.get("role_accuracy", s.get("kind_accuracy"))
            values = (
                part,
                fmt(s["precision"]),
                fmt(s["recall"]),
                fmt(s["f1"]),
                s["n_gold"],
                s["n_extracted"],
                fmt(extra),
            )
            rows.setdefault(values, []).append(name)
    if not rows:
        return []
    return [
        Heading(2, "Task register and targets tracker (against the gold files)"),
        Table(
            ("configurations", "part", "precision", "recall", "f1", "gold", "extracted", "role/kind accuracy"),
            [(", ".join(names), *values) for values, names in rows.items()],
        ),
    ]


@dataclass
class Row:
    """One configuration's results: metrics.json and answers.jsonl records."""

    name: str
    metrics: dict[str, Any]
    records: list[dict[str, Any]]
    baseline: bool = False

    @property
    def by_id(self) -> dict[str, dict[str, Any]]:
        return {r["id"]: r for r in self.records}

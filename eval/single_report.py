"""The report of one configuration (OUT/report.* of a single-config run, OUT/<name>/report.* of a
multi-config run): summary, by type, by style, hit@k, latency, register, every failed question."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eval.report_blocks import TITLE, Block, Heading, Image, Item, Items, Para, Quote, Table
from eval.report_values import (
    HIT_KS,
    REPORT_ANSWER_CHARS,
    REPORT_RETRIEVED,
    STYLE_ORDER,
    TYPE_ORDER,
    clip,
    fmt,
    groups_text,
    hit_curve,
    latencies,
    ordered,
    register_blocks,
    retrieved_lines,
    short,
)


def _summary_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    d = metrics.get("denominators", {})
    answerable, answered = d.get("answerable", "?"), d.get("answered_answerable", "?")
    r, a, ab, lat = metrics["retrieval"], metrics["answer"], metrics["abstention"], metrics["latency_ms"]
    return [
        ("retrieval.hit@1", fmt(r["hit@1"]), f"{answerable} answerable items"),
        ("retrieval.hit@5", fmt(r["hit@5"]), f"{answerable} answerable items"),
        ("retrieval.mrr@10", fmt(r["mrr@10"]), f"{answerable} answerable items"),
        ("retrieval.evidence@5", fmt(r["evidence@5"]), f"{answerable} answerable items"),
        ("answer.accuracy", fmt(a["accuracy"]), f"{answerable} answerable items"),
        (
            "answer.citation_precision",
            fmt(a["citation_precision"]),
            f"{d.get('citations', '?')} citations on {answered} answered answerable items",
        ),
        ("answer.citation_coverage", fmt(a.get("citation_coverage")), f"{answered} answered answerable items"),
        ("answer.median_chars", fmt(a["median_chars"]), f"{d.get('non_abstained', '?')} non-abstained answers"),
        ("abstention.precision", fmt(ab["precision"]), f"{d.get('abstained', '?')} abstentions"),
        ("abstention.recall", fmt(ab["recall"]), f"{d.get('unanswerable', '?')} unanswerable items"),
        ("latency_ms.p50", fmt(lat["p50"]), f"{metrics['n']} questions"),
        ("latency_ms.p95", fmt(lat["p95"]), f"{metrics['n']} questions"),
    ]


def _failure(record: Mapping[str, Any]) -> list[Block]:
    answer = clip(record["answer"], REPORT_ANSWER_CHARS)
    blocks: list[Block] = [
        Heading(3, f"{record['id']} · {record['type']} · {record['style']}"),
        Para(record["question"], "Q:"),
        Para("", "Answer given (abstained):" if record["abstained"] else "Answer given:"),
        Quote(answer or "(empty)"),
    ]
    items: list[Item] = []
    if record["type"] == "unanswerable":
        items.append(Item("Expected:", "an abstention (the corpus does not hold the answer)"))
    else:
        items.append(Item("Expected (every group):", groups_text(record["must_include"])))
        items.append(Item("Reference answer:", record["reference"]))
        if record.get("missing"):
            items.append(Item("Missing from the answer:", groups_text(record["missing"])))
        items.append(
            Item(
                "Gold sources:",
                f"{', '.join(record['sources'])} · first gold rank: "
                f"{record.get('gold_rank') or 'not retrieved'} · "
                f"evidence@5: {'yes' if record.get('evidence@5') else 'no'}",
            )
        )
    retrieved = retrieved_lines(record)
    items.append(Item(f"Retrieved sources (top {REPORT_RETRIEVED}):", "" if retrieved else "none", retrieved))
    return blocks + [Items(items)]


def _group_table(metrics: Mapping[str, Any], key: str, order: Sequence[str]) -> Table:
    groups = metrics.get(key, {})
    rows = [
        (name, groups[name]["n"], fmt(groups[name]["accuracy"]), fmt(groups[name]["hit@5"]))
        for name in ordered(groups, order)
    ]
    return Table((key.removeprefix("by_"), "n", "accuracy", "hit@5"), rows)


def single_report(
    metrics: Mapping[str, Any], records: Sequence[Mapping[str, Any]], plots: Mapping[str, str] | None = None
) -> list[Block]:
    """Summary, by type, by style, hit@k, latency, register, then every failed question."""
    cfg = metrics["config"]
    plots = plots or {}
    if cfg.get("baseline"):
        what = (
            f"naive baseline (splitter {cfg.get('chunk_size')}/{cfg.get('chunk_overlap')}, "
            f"Chroma top-{cfg.get('top_k')})"
        )
    else:
        what = (
            f"legs {cfg.get('retrieval_legs')} · register {'on' if cfg.get('use_register', True) else 'off'} · "
            f"top_k {cfg.get('top_k')} · llm {cfg.get('llm') or 'extractive'}"
        )
    blocks: list[Block] = [
        Heading(1, TITLE + (f" — {cfg['name']}" if cfg.get("name") else "")),
        Para(
            f"{metrics['n']} questions from {cfg.get('qa')} over {cfg.get('corpus')} "
            f"({cfg.get('n_documents')} documents, "
            f"{cfg.get('n_chunks')} chunks) · embedding {cfg.get('embedding')} · {what}"
        ),
        Heading(2, "Summary"),
        Table(("metric", "value", "over"), _summary_rows(metrics)),
    ]
    ingest = metrics.get("ingest")
    if ingest and ingest.get("refused"):
        blocks.append(
            Para("; ".join(f"{r['source']} ({r['reason']})" for r in ingest["refused"]), "Refused at ingest:")
        )
    blocks += [Heading(2, "By type"), _group_table(metrics, "by_type", TYPE_ORDER)]
    if "accuracy_by_type" in plots:
        blocks.append(Image(plots["accuracy_by_type"], "accuracy by question type"))
    blocks += [
        Heading(2, "By style"),
        _group_table(metrics, "by_style", STYLE_ORDER),
        Para("Group accuracy = share of correct items (an unanswerable item is correct when the answer abstains)."),
    ]
    curve = hit_curve(records)
    blocks += [
        Heading(2, "Retrieval: hit@k"),
        Table(("k", *map(str, HIT_KS)), [("hit@k", *(short(curve[k]) for k in HIT_KS))]),
        Para(f"The service hands {cfg.get('top_k')} chunks to the answer step, so the curve is flat beyond that."),
    ]
    if "hit_at_k" in plots:
        blocks.append(Image(plots["hit_at_k"], "hit@k for k = 1..10"))
    lat = latencies(records)
    blocks += [
        Heading(2, "Latency"),
        Table(
            ("p50 ms", "p95 ms", "max ms"),
            [
                (
                    fmt(metrics["latency_ms"]["p50"]),
                    fmt(metrics["latency_ms"]["p95"]),
                    fmt(round(max(lat), 1)) if lat else "—",
                )
            ],
        ),
    ]
    if "latency" in plots:
        blocks.append(Image(plots["latency"], "latency histogram"))
    blocks += register_blocks({cfg.get("name") or "this run": metrics})
    failed = [r for r in records if not r["correct"]]
    blocks.append(Heading(2, f"Failed questions ({len(failed)} of {len(records)})"))
    for record in failed:
        blocks += _failure(record)
    return blocks

"""The report of a multi-config run (OUT/report.*): every configuration side by side, the naive
baseline as a reference row, failed questions grouped by question."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from eval.metrics import percentile
from eval.report_blocks import TITLE, Block, Heading, Image, Item, Items, Links, Para, Table
from eval.report_values import (
    HIT_KS,
    REPORT_RETRIEVED,
    STYLE_ORDER,
    SUITE_ANSWER_CHARS,
    TYPE_ORDER,
    Row,
    clip,
    groups_text,
    hit_curve,
    latencies,
    ordered,
    register_blocks,
    retrieved_lines,
    short,
)


def _setup(row: Row) -> tuple[str, str, str]:
    cfg = row.metrics["config"]
    if row.baseline:
        return (
            f"naive: splitter {cfg.get('chunk_size')}/{cfg.get('chunk_overlap')}, dense top-{cfg.get('top_k')}",
            "—",
            "—",
        )
    legs = {"dense,lexical": "hybrid", "lexical,dense": "hybrid"}.get(
        cfg.get("retrieval_legs", ""), cfg.get("retrieval_legs", "")
    )
    return (legs, "on" if cfg.get("use_register") else "off", cfg.get("llm") or "extractive")


def summary_table(rows: Sequence[Row]) -> Table:
    header = (
        "configuration",
        "retrieval",
        "register",
        "answers",
        "chunks",
        "hit@1",
        "hit@5",
        "mrr@10",
        "evidence@5",
        "accuracy",
        "citation precision",
        "abstention precision",
        "abstention recall",
        "median chars",
        "p50 ms",
        "p95 ms",
    )
    body = []
    for row in rows:
        m = row.metrics
        legs, register, llm = _setup(row)
        body.append(
            (
                row.name,
                legs,
                register,
                llm,
                m["config"].get("n_chunks"),
                short(m["retrieval"]["hit@1"]),
                short(m["retrieval"]["hit@5"]),
                short(m["retrieval"]["mrr@10"]),
                short(m["retrieval"]["evidence@5"]),
                short(m["answer"]["accuracy"]),
                short(m["answer"]["citation_precision"]),
                short(m["abstention"]["precision"]),
                short(m["abstention"]["recall"]),
                short(m["answer"]["median_chars"]),
                f"{m['latency_ms']['p50']:.0f}",
                f"{m['latency_ms']['p95']:.0f}",
            )
        )
    return Table(header, body)


def _by_table(rows: Sequence[Row], key: str, order: Sequence[str]) -> Table:
    names = ordered({g for row in rows for g in row.metrics.get(key, {})}, order)
    body = []
    for g in names:
        n = next(row.metrics[key][g]["n"] for row in rows if g in row.metrics.get(key, {}))
        body.append((g, n, *(short(row.metrics.get(key, {}).get(g, {}).get("accuracy")) for row in rows)))
    return Table((key.removeprefix("by_"), "n", *(row.name for row in rows)), body)


def suite_report(rows: Sequence[Row], plots: Mapping[str, str] | None = None) -> list[Block]:
    """Every configuration side by side; failed questions grouped by question."""
    plots = plots or {}
    first = rows[0].metrics
    cfg = first["config"]
    d = first.get("denominators", {})
    products = [r for r in rows if not r.baseline]
    names = ", ".join(r.name for r in products) + (" + the naive baseline" if len(products) < len(rows) else "")
    blocks: list[Block] = [
        Heading(1, TITLE),
        Para(
            f"{first['n']} questions ({d.get('answerable', '?')} answerable, "
            f"{d.get('unanswerable', '?')} unanswerable) from "
            f"{cfg.get('qa')} over {cfg.get('corpus')} ({cfg.get('n_documents')} documents) · "
            f"embedding {cfg.get('embedding')} · "
            f"configurations: {names}."
        ),
        Heading(2, "Summary"),
        summary_table(rows),
        Para(
            "hit@k / mrr@10: a gold document among the top k retrieved chunks · "
            "evidence@5: every must_include group inside "
            "the top 5 chunk texts · accuracy: not abstained and every must_include group in the answer "
            "(answerable items) · "
            "abstention recall: unanswerable items answered with an abstention; precision: abstentions that were on "
            "unanswerable items. Definitions: DESIGN.md, Evaluation contract."
        ),
        Heading(2, "Accuracy by question type"),
        _by_table(rows, "by_type", TYPE_ORDER),
    ]
    if "accuracy_by_type" in plots:
        blocks.append(Image(plots["accuracy_by_type"], "accuracy by question type per configuration"))
    blocks += [
        Heading(2, "Accuracy by style"),
        _by_table(rows, "by_style", STYLE_ORDER),
        Para("Group accuracy = share of correct items (an unanswerable item is correct when the answer abstains)."),
    ]
    if "accuracy_by_style" in plots:
        blocks.append(Image(plots["accuracy_by_style"], "accuracy by question style per configuration"))
    curves = [(row.name, hit_curve(row.records)) for row in rows]
    blocks += [
        Heading(2, "Retrieval: hit@k, k = 1..10"),
        Table(
            ("configuration", *(f"k={k}" for k in HIT_KS)),
            [(name, *(short(c[k]) for k in HIT_KS)) for name, c in curves],
        ),
        Para("Each configuration retrieves top_k chunks (the naive baseline 4), so a curve is flat beyond its top_k."),
    ]
    if "hit_at_k" in plots:
        blocks.append(Image(plots["hit_at_k"], "hit@k curves"))
    lat_rows = []
    for row in rows:
        lat = latencies(row.records)
        lat_rows.append(
            (
                row.name,
                f"{row.metrics['latency_ms']['p50']:.1f}",
                f"{row.metrics['latency_ms']['p95']:.1f}",
                f"{percentile(lat, 100):.1f}" if lat else "—",
            )
        )
    blocks += [
        Heading(2, "Latency per question"),
        Table(("configuration", "p50 ms", "p95 ms", "max ms"), lat_rows),
        Para(
            "Wall time of each ask() call; the index is built before timing starts. "
            "On a shared machine it varies run to run."
        ),
    ]
    if "latency" in plots:
        blocks.append(Image(plots["latency"], "latency histogram"))
    blocks += register_blocks({row.name: row.metrics for row in rows})
    blocks += _suite_failures(rows)
    blocks += [
        Heading(2, "Per-configuration reports"),
        Links([(f"{row.name} (html)", f"{row.name}/report.html") for row in rows]),
        Links([(f"{row.name} (md)", f"{row.name}/report.md") for row in rows]),
    ]
    return blocks


def _suite_failures(rows: Sequence[Row]) -> list[Block]:
    products = [r for r in rows if not r.baseline] or list(rows)
    maps = [(row, row.by_id) for row in rows]
    order = [r["id"] for r in rows[0].records]
    failed = [qid for qid in order if any(not m[qid]["correct"] for row, m in maps if row in products and qid in m)]
    blocks: list[Block] = [
        Heading(2, f"Failed questions ({len(failed)} of {len(order)} wrong in at least one configuration)"),
        Para(
            "Each question shows every configuration's answer ("
            + ("the naive baseline's for reference; " if len(products) < len(rows) else "")
            + f"answers clipped to {SUITE_ANSWER_CHARS} characters; ✓ marks a retrieved chunk of a gold document)."
        ),
    ]
    for qid in failed:
        ref = next(m[qid] for _, m in maps if qid in m)
        blocks += [Heading(3, f"{qid} · {ref['type']} · {ref['style']}"), Para(ref["question"], "Q:")]
        items = []
        if ref["type"] == "unanswerable":
            items.append(Item("Expected:", "an abstention (the corpus does not hold the answer)"))
        else:
            items.append(Item("Expected (every group):", groups_text(ref["must_include"])))
            items.append(Item("Reference answer:", ref["reference"]))
            items.append(Item("Gold sources:", ", ".join(ref["sources"])))
        blocks.append(Items(items))
        table_rows = []
        for row, m in maps:
            r = m.get(qid)
            if r is None:
                continue
            verdict = "correct" if r["correct"] else ("wrong (abstained)" if r["abstained"] else "wrong")
            missing = groups_text(r.get("missing") or [])
            table_rows.append(
                (
                    row.name,
                    verdict,
                    missing or "—",
                    clip(r["answer"], SUITE_ANSWER_CHARS) or "(empty)",
                    "; ".join(retrieved_lines(r)) or "none",
                )
            )
        blocks.append(
            Table(
                ("configuration", "verdict", "missing", "answer given", f"retrieved (top {REPORT_RETRIEVED})"),
                table_rows,
            )
        )
    only_base = [
        qid
        for qid in order
        if qid not in failed and any(not m[qid]["correct"] for row, m in maps if row.baseline and qid in m)
    ]
    if only_base and len(products) < len(rows):
        blocks.append(Para(", ".join(only_base), f"Wrong only in the naive baseline ({len(only_base)}):"))
    return blocks

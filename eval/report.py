"""report.md and report.html from one description of the report.

A report is a list of blocks (headings, paragraphs, tables, images, quotes, lists); `to_markdown`
and `to_html` render the same blocks, so the two files never disagree. Every piece of text from a
document, a question or an answer is escaped (`<script>` in an answer stays text in both files);
the HTML is self-contained (inline CSS, no scripts, no external resources) apart from the plot PNGs
it shows by relative path.

Two reports are built here: `single_report` (one configuration: OUT/report.* of a single-config
run, and OUT/<name>/report.* of a multi-config run) and `suite_report` (OUT/report.* of a
multi-config run: every configuration side by side, the naive baseline as a reference row).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union
from urllib.parse import quote

from eval.metrics import doc_id, percentile

TITLE = "NTM Assistant — evaluation report"
REPORT_RETRIEVED = 5  # retrieved sources listed per failed question
REPORT_ANSWER_CHARS = 800
SUITE_ANSWER_CHARS = 300
HIT_KS = tuple(range(1, 11))
TYPE_ORDER = ("target", "result", "task", "agency", "metadata", "cross_doc", "unanswerable")
STYLE_ORDER = ("plain", "no_diacritics", "abbreviations", "paraphrase")


# --- blocks ---------------------------------------------------------------------------------
@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    label: str = ""  # shown bold before the text


@dataclass
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]


@dataclass
class Image:
    path: str  # relative to the report
    alt: str


@dataclass
class Quote:
    text: str


@dataclass
class Item:
    label: str
    text: str = ""
    sub: list[str] = field(default_factory=list)  # an ordered sub-list


@dataclass
class Items:
    items: list[Item]


@dataclass
class Links:
    links: list[tuple[str, str]]  # (text, relative href)


Block = Union[Heading, Para, Table, Image, Quote, Items, Links]


# --- Markdown -------------------------------------------------------------------------------
def _md(text: Any) -> str:
    return html.escape(str(text), quote=False)


def _md_href(path: str) -> str:
    """A relative link target, percent-encoded (a name can never break out of the link)."""
    return quote(path, safe="/._-+")


def _md_cell(text: Any) -> str:
    return _md(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + _md(b.text), ""]
        elif isinstance(b, Para):
            out += [(f"**{_md(b.label)}** " if b.label else "") + _md(b.text), ""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "---|" * len(b.header))
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Image):
            out += [f"![{_md(b.alt)}]({_md_href(b.path)})", ""]
        elif isinstance(b, Quote):
            out += ["> " + _md(line) if line.strip() else ">" for line in (b.text or "(empty)").splitlines()]
            out.append("")
        elif isinstance(b, Items):
            for it in b.items:
                out.append(f"- **{_md(it.label)}**" + (f" {_md(it.text)}" if it.text else ""))
                out += [f"  {n}. {_md(s)}" for n, s in enumerate(it.sub, start=1)]
            out.append("")
        elif isinstance(b, Links):
            out += [" · ".join(f"[{_md(text)}]({_md_href(href)})" for text, href in b.links), ""]
        else:  # pragma: no cover - a new block type without a renderer
            raise TypeError(f"unknown report block {b!r}")
    return "\n".join(out).rstrip() + "\n"


# --- HTML -----------------------------------------------------------------------------------
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:.6em 0 1.2em;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.num{text-align:right;font-variant-numeric:tabular-nums}
blockquote{margin:.4em 0 .8em;padding:.3em .8em;border-left:4px solid #bbb;background:#fafafa;white-space:pre-wrap}
img{max-width:100%;border:1px solid #eee;margin:.4em 0 1em}
h3{margin-top:1.6em;border-top:1px solid #eee;padding-top:.6em}
""".strip()


def _h(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _is_num(value: Any) -> bool:
    text = str(value)
    return bool(text) and text.replace(".", "", 1).replace("-", "", 1).replace("—", "").strip().isdigit()


def to_html(blocks: Iterable[Block], title: str = TITLE) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
    ]
    for b in blocks:
        if isinstance(b, Heading):
            level = min(max(b.level, 1), 6)
            out.append(f"<h{level}>{_h(b.text)}</h{level}>")
        elif isinstance(b, Para):
            out.append("<p>" + (f"<strong>{_h(b.label)}</strong> " if b.label else "") + _h(b.text) + "</p>")
        elif isinstance(b, Table):
            out.append("<table><thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in b.header) + "</tr></thead><tbody>")
            for row in b.rows:
                cells = "".join(f'<td class="num">{_h(c)}</td>' if _is_num(c) else f"<td>{_h(c)}</td>" for c in row)
                out.append(f"<tr>{cells}</tr>")
            out.append("</tbody></table>")
        elif isinstance(b, Image):
            out.append(f'<p><img src="{_h(quote(b.path, safe="/._-+"))}" alt="{_h(b.alt)}"></p>')
        elif isinstance(b, Quote):
            out.append(f"<blockquote>{_h(b.text or '(empty)')}</blockquote>")
        elif isinstance(b, Items):
            out.append("<ul>")
            for it in b.items:
                sub = "<ol>" + "".join(f"<li>{_h(s)}</li>" for s in it.sub) + "</ol>" if it.sub else ""
                out.append(f"<li><strong>{_h(it.label)}</strong> {_h(it.text)}{sub}</li>")
            out.append("</ul>")
        elif isinstance(b, Links):
            out.append(
                "<p>"
                + " · ".join(f'<a href="{_h(quote(href, safe="/._-+"))}">{_h(text)}</a>' for text, href in b.links)
                + "</p>"
            )
        else:  # pragma: no cover
            raise TypeError(f"unknown report block {b!r}")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# --- numbers from answers.jsonl records -----------------------------------------------------
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


def _groups_text(groups: Sequence[Sequence[str]]) -> str:
    return "; ".join(" | ".join(f"“{a}”" for a in g) for g in groups)


def _retrieved_lines(record: Mapping[str, Any], limit: int = REPORT_RETRIEVED) -> list[str]:
    gold = set(record["sources"])
    return [
        f"{r['source']} · {r['chunk_id']} ({r['score']:.4f}){' ✓' if doc_id(r['source']) in gold else ''}"
        for r in record["retrieved"][:limit]
    ]


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text[:limit] + "…" if len(text) > limit else text


# --- one configuration ----------------------------------------------------------------------
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
    answer = _clip(record["answer"], REPORT_ANSWER_CHARS)
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
        items.append(Item("Expected (every group):", _groups_text(record["must_include"])))
        items.append(Item("Reference answer:", record["reference"]))
        if record.get("missing"):
            items.append(Item("Missing from the answer:", _groups_text(record["missing"])))
        items.append(
            Item(
                "Gold sources:",
                f"{', '.join(record['sources'])} · first gold rank: "
                f"{record.get('gold_rank') or 'not retrieved'} · evidence@5: {'yes' if record.get('evidence@5') else 'no'}",
            )
        )
    retrieved = _retrieved_lines(record)
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
        what = f"naive baseline (splitter {cfg.get('chunk_size')}/{cfg.get('chunk_overlap')}, Chroma top-{cfg.get('top_k')})"
    else:
        what = (
            f"legs {cfg.get('retrieval_legs')} · register {'on' if cfg.get('use_register', True) else 'off'} · "
            f"top_k {cfg.get('top_k')} · llm {cfg.get('llm') or 'extractive'}"
        )
    blocks: list[Block] = [
        Heading(1, TITLE + (f" — {cfg['name']}" if cfg.get("name") else "")),
        Para(
            f"{metrics['n']} questions from {cfg.get('qa')} over {cfg.get('corpus')} ({cfg.get('n_documents')} documents, "
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
    blocks += _register_blocks({cfg.get("name") or "this run": metrics})
    failed = [r for r in records if not r["correct"]]
    blocks.append(Heading(2, f"Failed questions ({len(failed)} of {len(records)})"))
    for record in failed:
        blocks += _failure(record)
    return blocks


def _register_blocks(by_name: Mapping[str, Mapping[str, Any]]) -> list[Block]:
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


# --- several configurations -----------------------------------------------------------------
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
            f"{first['n']} questions ({d.get('answerable', '?')} answerable, {d.get('unanswerable', '?')} unanswerable) from "
            f"{cfg.get('qa')} over {cfg.get('corpus')} ({cfg.get('n_documents')} documents) · embedding {cfg.get('embedding')} · "
            f"configurations: {names}."
        ),
        Heading(2, "Summary"),
        summary_table(rows),
        Para(
            "hit@k / mrr@10: a gold document among the top k retrieved chunks · evidence@5: every must_include group inside "
            "the top 5 chunk texts · accuracy: not abstained and every must_include group in the answer (answerable items) · "
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
            "Wall time of each ask() call; the index is built before timing starts. On a shared machine it varies run to run."
        ),
    ]
    if "latency" in plots:
        blocks.append(Image(plots["latency"], "latency histogram"))
    blocks += _register_blocks({row.name: row.metrics for row in rows})
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
            items.append(Item("Expected (every group):", _groups_text(ref["must_include"])))
            items.append(Item("Reference answer:", ref["reference"]))
            items.append(Item("Gold sources:", ", ".join(ref["sources"])))
        blocks.append(Items(items))
        table_rows = []
        for row, m in maps:
            r = m.get(qid)
            if r is None:
                continue
            verdict = "correct" if r["correct"] else ("wrong (abstained)" if r["abstained"] else "wrong")
            missing = _groups_text(r.get("missing") or [])
            table_rows.append(
                (
                    row.name,
                    verdict,
                    missing or "—",
                    _clip(r["answer"], SUITE_ANSWER_CHARS) or "(empty)",
                    "; ".join(_retrieved_lines(r)) or "none",
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

"""Run a question set through the same ChatService the app uses and write the evaluation outputs.

`run_eval` = build or open an index → `assistant.service.build_service(settings)` → ask every
question (no history, no filters), timing each call → OUT/metrics.json, OUT/answers.jsonl,
OUT/report.md. The numbers depend only on the corpus, the question set and the settings; only
latency varies between runs.
"""
from __future__ import annotations

import hashlib
import html
import json
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from assistant.contracts import Answer
from assistant.settings import Settings
from eval.dataset import QAItem, load_questions
from eval.metrics import Observation, doc_id, evidence_found, first_gold_rank, is_correct, missing_groups, summarize

# Keys of metrics.json in the order DESIGN.md shows them; additions come after.
CONTRACT_KEYS = ("n", "retrieval", "answer", "abstention", "by_type", "latency_ms", "config")
REPORT_RETRIEVED = 5  # retrieved sources listed per failed question in report.md
REPORT_ANSWER_CHARS = 800


class QuestionAnswerer(Protocol):
    """The part of assistant.service.ChatService the evaluation uses."""

    def ask(self, question: str, history: list[dict] | None = None, filters: Any = None) -> Answer: ...


ServiceFactory = Callable[[Settings], QuestionAnswerer]


def run_eval(
    corpus: Path,
    qa: Path,
    out: Path,
    index_dir: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    service_factory: ServiceFactory | None = None,
    progress: bool = True,
    assignments_gold: Path | None = None,
    targets_gold: Path | None = None,
) -> dict[str, Any]:
    """Evaluate and write OUT/metrics.json, answers.jsonl, report.md; returns the metrics.

    index_dir None: `corpus` is ingested into a fresh temporary index (removed afterwards).
    index_dir given: that index is used as is, after ingesting `corpus` only if it is empty.
    `overrides` are Settings fields (e.g. {"top_k": 5, "embedding": "minilm"}).
    """
    corpus, qa, out = Path(corpus), Path(qa), Path(out)
    items = load_questions(qa)  # fail on a bad question set before any expensive work
    if not corpus.exists():
        raise FileNotFoundError(f"corpus not found: {corpus}")
    with ExitStack() as stack:
        settings = stack.enter_context(_settings_for(index_dir, dict(overrides or {})))
        index = stack.enter_context(_opened_index(settings, drop_collection=index_dir is None and bool(settings.chroma_url)))
        ingest = _ingest_if_empty(index, settings, corpus, progress)
        if not index.documents():
            raise RuntimeError(f"the index holds no documents after ingesting {corpus}; nothing to evaluate")
        config = _config(settings, corpus, qa, index_dir, index)
        factory = service_factory or _default_factory(index)
        observations = ask_all(factory(settings), items, progress)
        register = None
        if assignments_gold is not None or targets_gold is not None:
            from eval.register_metrics import register_metrics

            register = register_metrics(index, assignments_gold, targets_gold)
    metrics = assemble(summarize(observations), config, ingest)
    if register is not None:
        metrics["register"] = register
    write_outputs(out, metrics, observations)
    return metrics


# --- index and service ----------------------------------------------------------------------
@contextmanager
def _settings_for(index_dir: Path | None, overrides: dict[str, Any]) -> Iterator[Settings]:
    """Settings for the run; a fresh temporary index folder (removed after) when no index is given."""
    if index_dir is not None:
        yield Settings(**{**overrides, "index_dir": Path(index_dir)})
        return
    with tempfile.TemporaryDirectory(prefix="ntm-eval-", ignore_cleanup_errors=True) as tmp:
        settings = Settings(**{**overrides, "index_dir": Path(tmp)})
        if settings.chroma_url:  # a server's collection is shared by everyone: give this run its own
            settings = settings.model_copy(update={"collection": f"{settings.collection}_eval_{uuid.uuid4().hex[:12]}"})
        yield settings


@contextmanager
def _opened_index(settings: Settings, drop_collection: bool) -> Iterator[Any]:
    """The Index the settings name; closed after, and a temporary server collection dropped."""
    from vectorstore.embeddings import make_embeddings
    from vectorstore.index import Index

    index = Index(settings.index_dir, make_embeddings(settings.embedding), settings.chroma_url, settings.collection)
    try:
        yield index
    finally:
        if drop_collection:
            index.chroma_client.delete_collection(settings.collection)
        index.close()


def _ingest_if_empty(index: Any, settings: Settings, corpus: Path, progress: bool) -> dict[str, Any] | None:
    """Ingest the corpus into an empty index; an index that holds documents is used as is (None)."""
    from tqdm import tqdm

    from assistant.ingesting import Ingester
    from ingest.chunking import ChunkingConfig
    from ingest.pipeline import iter_input_files

    if index.documents():
        return None
    bar = tqdm(total=len(iter_input_files([corpus])), unit="tệp", desc="ingest", file=sys.stderr, disable=not progress)
    ingester = Ingester(index, settings.max_file_bytes, ChunkingConfig(max_chars=settings.chunk_max_chars))
    report = ingester.ingest_paths([corpus], lambda source, status: bar.update(1))
    bar.close()
    return {
        "added": len(report.added),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "refused": report.refused,
    }


def _default_factory(index: Any) -> ServiceFactory:
    """The product's ChatService over the index the runner already opened (one model load)."""
    from assistant.service import build_service

    return lambda settings: build_service(settings, index)


def ask_all(service: QuestionAnswerer, items: Sequence[QAItem], progress: bool = True) -> list[Observation]:
    """Ask every question once, in file order, with no history and no filters; time each call."""
    from tqdm import tqdm

    observations = []
    for item in tqdm(items, unit="câu", desc="eval", file=sys.stderr, disable=not progress):
        started = time.perf_counter()
        try:
            answer = service.ask(item.question)
        except Exception as exc:
            raise RuntimeError(f"question {item.id} failed: {exc}") from exc
        observations.append(Observation(item, answer, (time.perf_counter() - started) * 1000.0))
    return observations


def _config(settings: Settings, corpus: Path, qa: Path, index_dir: Path | None, index: Any) -> dict[str, Any]:
    """What the numbers depend on (no secrets, no temporary paths)."""
    return {
        "embedding": settings.embedding,
        "top_k": settings.top_k,
        "candidates": settings.candidates,
        "rrf_k": settings.rrf_k,
        "retrieval_legs": settings.retrieval_legs,
        "chunk_max_chars": settings.chunk_max_chars,
        "llm": settings.llm,
        "store": "chroma-server" if settings.chroma_url else "embedded",
        "index": str(index_dir) if index_dir is not None else None,
        "corpus": str(corpus),
        "qa": str(qa),
        "qa_sha256": hashlib.sha256(qa.read_bytes()).hexdigest(),
        "n_documents": len(index.documents()),
        "n_chunks": index.count(),
    }


# --- outputs --------------------------------------------------------------------------------
def assemble(summary: dict[str, Any], config: dict[str, Any], ingest: dict[str, Any] | None) -> dict[str, Any]:
    """metrics.json: the contract's keys in its order, then the additions."""
    metrics = {key: summary[key] for key in CONTRACT_KEYS if key != "config"}
    metrics["config"] = config
    metrics.update({k: v for k, v in summary.items() if k not in metrics})
    metrics["ingest"] = ingest
    return metrics


def answer_record(o: Observation) -> dict[str, Any]:
    """One line of answers.jsonl (the contract fields first, then diagnostics for the report)."""
    item, answer = o.item, o.answer
    record: dict[str, Any] = {
        "id": item.id,
        "question": item.question,
        "type": item.type,
        "style": item.style,
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [c.as_json() for c in answer.citations],
        "retrieved": [r.as_json() for r in answer.retrieved],
        "correct": is_correct(item, answer),
        "latency_ms": round(o.latency_ms, 1),
        "confidence": round(answer.confidence, 4),
        "reference": item.answer,
        "must_include": [list(g) for g in item.must_include],
        "sources": list(item.sources),
    }
    if item.answerable:
        record["missing"] = [list(g) for g in missing_groups(item.must_include, [answer.text])]
        record["gold_rank"] = first_gold_rank(item, answer)
        record["evidence@5"] = evidence_found(item, answer, 5)
    return record


def write_outputs(out: Path, metrics: dict[str, Any], observations: Sequence[Observation]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    records = [answer_record(o) for o in observations]
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (out / "answers.jsonl").open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    (out / "report.md").write_text(render_report(metrics, records), encoding="utf-8")


# --- report.md ------------------------------------------------------------------------------
def _fmt(value: Any) -> str:
    if value is None:
        return "— (undefined)"
    if isinstance(value, float):
        return f"{value:.3f}" if value <= 1.0 else f"{value:.1f}"
    return str(value)


def _cell(text: Any) -> str:
    return html.escape(str(text), quote=False).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _summary_rows(metrics: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    d = metrics.get("denominators", {})
    answerable, answered = d.get("answerable", "?"), d.get("answered_answerable", "?")
    yield from (
        ("retrieval.hit@1", _fmt(metrics["retrieval"]["hit@1"]), f"{answerable} answerable items"),
        ("retrieval.hit@5", _fmt(metrics["retrieval"]["hit@5"]), f"{answerable} answerable items"),
        ("retrieval.mrr@10", _fmt(metrics["retrieval"]["mrr@10"]), f"{answerable} answerable items"),
        ("retrieval.evidence@5", _fmt(metrics["retrieval"]["evidence@5"]), f"{answerable} answerable items"),
        ("answer.accuracy", _fmt(metrics["answer"]["accuracy"]), f"{answerable} answerable items"),
        ("answer.citation_precision", _fmt(metrics["answer"]["citation_precision"]), f"{d.get('citations', '?')} citations on {answered} answered answerable items"),
        ("answer.citation_coverage", _fmt(metrics["answer"].get("citation_coverage")), f"{answered} answered answerable items"),
        ("answer.median_chars", _fmt(metrics["answer"]["median_chars"]), f"{d.get('non_abstained', '?')} non-abstained answers"),
        ("abstention.precision", _fmt(metrics["abstention"]["precision"]), f"{d.get('abstained', '?')} abstentions"),
        ("abstention.recall", _fmt(metrics["abstention"]["recall"]), f"{d.get('unanswerable', '?')} unanswerable items"),
        ("latency_ms.p50", _fmt(metrics["latency_ms"]["p50"]), f"{metrics['n']} questions"),
        ("latency_ms.p95", _fmt(metrics["latency_ms"]["p95"]), f"{metrics['n']} questions"),
    )


def _groups_text(groups: Sequence[Sequence[str]]) -> str:
    return "; ".join(" \\| ".join(f"“{html.escape(a, quote=False)}”" for a in g) for g in groups)


def _failure(record: dict[str, Any]) -> list[str]:
    answer = record["answer"].strip()
    if len(answer) > REPORT_ANSWER_CHARS:
        answer = answer[:REPORT_ANSWER_CHARS] + "…"
    quoted = "\n".join("> " + html.escape(line, quote=False) for line in (answer or "(empty)").splitlines())
    lines = [f"### {record['id']} · {record['type']} · {record['style']}", "", f"**Q:** {html.escape(record['question'], quote=False)}", ""]
    lines += [f"**Answer given**{' (abstained)' if record['abstained'] else ''}:", "", quoted, ""]
    if record["type"] == "unanswerable":
        lines.append("- **Expected:** an abstention (the corpus does not hold the answer)")
    else:
        lines.append(f"- **Expected (every group):** {_groups_text(record['must_include'])}")
        lines.append(f"- **Reference answer:** {html.escape(record['reference'], quote=False)}")
        if record.get("missing"):
            lines.append(f"- **Missing from the answer:** {_groups_text(record['missing'])}")
        lines.append(f"- **Gold sources:** {', '.join(record['sources'])} · first gold rank: {record.get('gold_rank') or 'not retrieved'}"
                     f" · evidence@5: {'yes' if record.get('evidence@5') else 'no'}")
    gold = set(record["sources"])
    retrieved = [
        f"{n}. {html.escape(r['source'], quote=False)} · `{r['chunk_id']}` ({r['score']:.4f}){' ✓' if doc_id(r['source']) in gold else ''}"
        for n, r in enumerate(record["retrieved"][:REPORT_RETRIEVED], start=1)
    ]
    lines.append(f"- **Retrieved sources (top {REPORT_RETRIEVED}):** {'' if retrieved else 'none'}")
    lines += [f"  {line}" for line in retrieved] + [""]
    return lines


def render_report(metrics: dict[str, Any], records: Sequence[dict[str, Any]]) -> str:
    """A readable Markdown report: summary, by type, by style, then every failed question."""
    cfg = metrics["config"]
    lines = [
        "# NTM Assistant — evaluation report",
        "",
        f"{metrics['n']} questions from `{cfg.get('qa')}` over `{cfg.get('corpus')}` "
        f"({cfg.get('n_documents')} documents, {cfg.get('n_chunks')} chunks) · embedding `{cfg.get('embedding')}` · "
        f"top_k {cfg.get('top_k')} · llm `{cfg.get('llm') or 'extractive'}`",
        "",
        "## Summary",
        "",
        *_table(("metric", "value", "over"), list(_summary_rows(metrics))),
    ]
    ingest = metrics.get("ingest")
    if ingest and ingest.get("refused"):
        lines += ["**Refused at ingest:** " + "; ".join(f"{r['source']} ({r['reason']})" for r in ingest["refused"]), ""]
    for title, key in (("By type", "by_type"), ("By style", "by_style")):
        rows = [(name, g["n"], _fmt(g["accuracy"]), _fmt(g["hit@5"])) for name, g in metrics.get(key, {}).items()]
        lines += [f"## {title}", "", *_table((key.removeprefix("by_"), "n", "accuracy", "hit@5"), rows)]
    lines.append("Group accuracy = share of `correct` items (an unanswerable item is correct when the answer abstains).")
    lines.append("")
    failed = [r for r in records if not r["correct"]]
    lines += [f"## Failed questions ({len(failed)} of {len(records)})", ""]
    for record in failed:
        lines += _failure(record)
    return "\n".join(lines).rstrip() + "\n"

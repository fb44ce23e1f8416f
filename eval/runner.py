"""Run a question set through the same ChatService the app uses and write the evaluation outputs.

`run_eval` = build or open an index → `assistant.service.build_service(settings)` → ask every
question (no history, no filters), timing each call → OUT/metrics.json, OUT/answers.jsonl,
OUT/report.md. The numbers depend only on the corpus, the question set and the settings; only
latency varies between runs.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from assistant.settings import Settings
from core.contracts import Answer
from eval.dataset import QAItem, load_questions
from eval.metrics import (
    Observation,
    evidence_found,
    first_gold_rank,
    is_correct,
    missing_groups,
    summarize,
)

# Keys of metrics.json in the order DESIGN.md shows them; additions come after.
CONTRACT_KEYS = ("n", "retrieval", "answer", "abstention", "by_type", "latency_ms", "config")


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
    name: str | None = None,
    knowledge: Any = None,
) -> dict[str, Any]:
    """Evaluate and write OUT/metrics.json, answers.jsonl, ragas.jsonl, report.md, report.html and
    OUT/plots/; returns the metrics. `name` (a preset or config name) is recorded in config.name.

    index_dir None: `corpus` is ingested into a fresh temporary index (removed afterwards).
    index_dir given: that index is used as is, after ingesting `corpus` only if it is empty.
    `overrides` are Settings fields (e.g. {"top_k": 5, "embedding": "minilm"}).
    `knowledge` (core.knowledge.Knowledge) is read here unless given; ingest and questions share it.
    """
    corpus, qa, out = Path(corpus), Path(qa), Path(out)
    items = load_questions(qa)  # fail on a bad question set before any expensive work
    if not corpus.exists():
        raise FileNotFoundError(f"corpus not found: {corpus}")
    from core.knowledge import Knowledge

    knowledge = knowledge or Knowledge.load()
    with ExitStack() as stack:
        settings = stack.enter_context(_settings_for(index_dir, dict(overrides or {})))
        index = stack.enter_context(
            _opened_index(settings, drop_collection=index_dir is None and bool(settings.chroma_url))
        )
        ingest = _ingest_if_empty(index, settings, corpus, progress, knowledge)
        if not index.documents():
            raise RuntimeError(f"the index holds no documents after ingesting {corpus}; nothing to evaluate")
        config = _config(settings, corpus, qa, index_dir, index)
        if name:
            config["name"] = name
        factory = service_factory or _default_factory(index, knowledge)
        observations = ask_all(factory(settings), items, progress, desc=f"eval {name}" if name else "eval")
        register = None
        if assignments_gold is not None or targets_gold is not None:
            from eval.register_metrics import register_metrics

            register = register_metrics(index, assignments_gold, targets_gold, knowledge.registry)
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
    from vectorstore.index import Index

    index = Index.open(settings)
    try:
        yield index
    finally:
        if drop_collection:
            index.chroma_client.delete_collection(settings.collection)
        index.close()


def _ingest_if_empty(
    index: Any, settings: Settings, corpus: Path, progress: bool, knowledge: Any
) -> dict[str, Any] | None:
    """Ingest the corpus into an empty index; an index that holds documents is used as is (None)."""
    from tqdm import tqdm

    from ingest.ingester import Ingester
    from ingest.pipeline import iter_input_files

    if index.documents():
        return None
    bar = tqdm(total=len(iter_input_files([corpus])), unit="tệp", desc="ingest", file=sys.stderr, disable=not progress)
    ingester = Ingester.from_settings(settings, index, knowledge=knowledge)
    report = ingester.ingest_paths([corpus], lambda source, status: bar.update(1))
    bar.close()
    return {
        "added": len(report.added),
        "updated": len(report.updated),
        "unchanged": len(report.unchanged),
        "refused": report.refused,
    }


def _default_factory(index: Any, knowledge: Any) -> ServiceFactory:
    """The product's ChatService over the index the runner already opened (one model load)."""
    from assistant.service import build_service

    return lambda settings: build_service(settings, index, knowledge)


def ask_all(
    service: QuestionAnswerer, items: Sequence[QAItem], progress: bool = True, desc: str = "eval"
) -> list[Observation]:
    """Ask every question once, in file order, with no history and no filters; time each call."""
    from tqdm import tqdm

    observations = []
    for item in tqdm(items, unit="câu", desc=desc, file=sys.stderr, disable=not progress):
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
        "use_register": settings.use_register,
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
        "generator": getattr(answer, "generator", ""),
        "reference": item.answer,
        "must_include": [list(g) for g in item.must_include],
        "sources": list(item.sources),
    }
    if item.answerable:
        record["missing"] = [list(g) for g in missing_groups(item.must_include, [answer.text])]
        record["gold_rank"] = first_gold_rank(item, answer)
        record["evidence@5"] = evidence_found(item, answer, 5)
    return record


def write_outputs(
    out: Path, metrics: dict[str, Any], observations: Sequence[Observation], *, plots: bool = True
) -> list[dict[str, Any]]:
    """OUT/metrics.json, answers.jsonl, ragas.jsonl, report.md, report.html (+ OUT/plots/*.png when
    `plots`); returns the answers.jsonl records."""
    from eval.export import write_ragas
    from eval.report import Row, single_report, to_html, to_markdown

    out.mkdir(parents=True, exist_ok=True)
    records = [answer_record(o) for o in observations]
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with (out / "answers.jsonl").open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    write_ragas(out / "ragas.jsonl", observations)
    images: dict[str, str] = {}
    if plots:
        from eval.plots import write_plots

        name = metrics.get("config", {}).get("name") or "this run"
        images = write_plots(out, [Row(name, metrics, records, bool(metrics.get("config", {}).get("baseline")))])
    blocks = single_report(metrics, records, images)
    (out / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(to_html(blocks), encoding="utf-8")
    return records


# --- report.md / report.html --------------------------------------------------------------
def render_report(
    metrics: dict[str, Any], records: Sequence[dict[str, Any]], plots: dict[str, str] | None = None
) -> str:
    """The Markdown report of one configuration (eval.report.single_report)."""
    from eval.report import single_report, to_markdown

    return to_markdown(single_report(metrics, records, plots))

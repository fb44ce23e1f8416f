"""Several configurations (and the naive baseline) scored on the same questions in one run.

    run_suite(corpus, qa, out, configs, base=..., baseline="naive")

- One configuration and no baseline: exactly `run_eval` (OUT/metrics.json is the contract's file).
- Otherwise every row gets its own folder, OUT/<name>/ (metrics.json, answers.jsonl, ragas.jsonl,
  report.md, report.html), and OUT/ gets summary.json, report.md, report.html and plots/ comparing
  them. OUT/metrics.json is not written (a multi-config run has no single set of metrics).

Configurations that index the same way (same embedding, chunk size, file limit) share one index,
built once; the others get their own. Every row asks the questions in file order, with a fresh
ChatService, so the numbers depend only on the corpus, the questions and the settings (latency aside).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from eval.configs import EvalConfig, index_key
from eval.dataset import load_questions
from eval.metrics import summarize
from eval.report import Row, hit_curve, suite_report, to_html, to_markdown
from eval.runner import (
    ServiceFactory,
    _config,
    _default_factory,
    _ingest_if_empty,
    _opened_index,
    _settings_for,
    ask_all,
    assemble,
    run_eval,
    write_outputs,
)

BASELINES = ("naive",)
SUMMARY_METRICS = (
    "n",
    "retrieval",
    "answer",
    "abstention",
    "by_type",
    "by_style",
    "latency_ms",
    "denominators",
    "register",
)


class SuiteError(ValueError):
    """Configurations that cannot be run together (a usage error)."""


def run_suite(
    corpus: Path,
    qa: Path,
    out: Path,
    configs: Sequence[EvalConfig],
    *,
    base: Mapping[str, Any] | None = None,
    baseline: str | None = None,
    index_dir: Path | None = None,
    progress: bool = True,
    assignments_gold: Path | None = None,
    targets_gold: Path | None = None,
    service_factory: ServiceFactory | None = None,
) -> dict[str, Any]:
    """Score every configuration (+ baseline); returns summary.json's content (or the single run's metrics)."""
    corpus, qa, out, base = Path(corpus), Path(qa), Path(out), dict(base or {})
    if not configs:
        raise SuiteError("no configuration to run")
    if baseline is not None and baseline not in BASELINES:
        raise SuiteError(f"unknown baseline {baseline!r}; baselines: {', '.join(BASELINES)}")
    if len(configs) == 1 and baseline is None:
        c = configs[0]
        return run_eval(
            corpus,
            qa,
            out,
            index_dir,
            c.settings_values(base),
            service_factory=service_factory,
            progress=progress,
            assignments_gold=assignments_gold,
            targets_gold=targets_gold,
            name=None if c.origin == "default" else c.name,
        )

    items = load_questions(qa)  # fail on a bad question set before any expensive work
    if not corpus.exists():
        raise FileNotFoundError(f"corpus not found: {corpus}")
    groups: dict[tuple[Any, ...], list[tuple[int, EvalConfig, Settings]]] = {}
    for position, c in enumerate(configs):
        settings = Settings(**c.settings_values(base))
        groups.setdefault(index_key(settings), []).append((position, c, settings))
    if index_dir is not None and len(groups) > 1:
        raise SuiteError(
            "--index DIR holds one index, but these configurations need "
            f"{len(groups)} (they differ in embedding, chunk_max_chars or max_file_mb)"
        )
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[int, Row]] = []
    embedders: dict[str, Any] = {}
    from core.knowledge import Knowledge

    knowledge = Knowledge.load()  # one per suite, as one per process before: ingest and questions share it
    for members in groups.values():
        with ExitStack() as stack:
            first = members[0][2]
            settings0 = stack.enter_context(_settings_for(index_dir, first.model_dump(exclude={"index_dir"})))
            index = stack.enter_context(
                _opened_index(settings0, drop_collection=index_dir is None and bool(settings0.chroma_url))
            )
            embedders.setdefault(settings0.embedding, index.embeddings)
            ingest = _ingest_if_empty(index, settings0, corpus, progress, knowledge)
            if not index.documents():
                raise RuntimeError(f"the index holds no documents after ingesting {corpus}; nothing to evaluate")
            register = None
            if assignments_gold is not None or targets_gold is not None:
                from eval.register_metrics import register_metrics

                register = register_metrics(index, assignments_gold, targets_gold, knowledge.registry)
            factory = service_factory or _default_factory(index, knowledge)
            for position, c, settings in members:
                settings = settings.model_copy(
                    update={"index_dir": settings0.index_dir, "collection": settings0.collection}
                )
                observations = ask_all(factory(settings), items, progress, desc=f"eval {c.name}")
                config = {
                    "name": c.name,
                    "origin": c.origin,
                    "overrides": _jsonable(c.overrides),
                    **_config(settings, corpus, qa, index_dir, index),
                }
                metrics = assemble(summarize(observations), config, ingest)
                if register is not None:
                    metrics["register"] = register
                records = write_outputs(out / c.name, metrics, observations, plots=False)
                rows.append((position, Row(c.name, metrics, records)))
    if baseline is not None:
        rows.append((len(configs), _run_baseline(corpus, qa, out, items, base, embedders, progress)))
    ordered_rows = [row for _, row in sorted(rows, key=lambda pair: pair[0])]
    summary = _summary(corpus, qa, ordered_rows)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    stale = out / "metrics.json"
    if stale.exists():  # a single-config run wrote here before: it does not describe this run
        stale.unlink()
    write_suite_report(out, ordered_rows)
    return summary


def write_suite_report(out: Path, rows: Sequence[Row]) -> None:
    """OUT/plots/*.png, OUT/report.md and OUT/report.html comparing the rows."""
    from eval.plots import PLOTS_DIR, write_plots

    shutil.rmtree(out / PLOTS_DIR, ignore_errors=True)
    blocks = suite_report(rows, write_plots(out, rows))
    (out / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(to_html(blocks), encoding="utf-8")


def load_rows(out: Path) -> list[Row]:
    """The rows of a finished multi-config run, from OUT/summary.json and OUT/<name>/ (no re-asking)."""
    out = Path(out)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    rows = []
    for c in summary["configurations"]:
        folder = out / c["dir"]
        metrics = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        records = [
            json.loads(line)
            for line in (folder / "answers.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        rows.append(Row(c["name"], metrics, records, bool(c.get("baseline"))))
    return rows


def rebuild_report(out: Path) -> Path:
    """Re-render the reports (and plots) of a finished run from its files; returns the report.html path."""
    from eval.report import Row as _Row
    from eval.report import single_report

    out = Path(out)
    if (out / "summary.json").is_file():
        write_suite_report(out, load_rows(out))
        return out / "report.html"
    if not (out / "metrics.json").is_file():
        raise FileNotFoundError(f"{out} holds neither summary.json nor metrics.json")
    from eval.plots import write_plots

    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    records = [
        json.loads(line) for line in (out / "answers.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    name = metrics.get("config", {}).get("name") or "this run"
    blocks = single_report(
        metrics, records, write_plots(out, [_Row(name, metrics, records, bool(metrics["config"].get("baseline")))])
    )
    (out / "report.md").write_text(to_markdown(blocks), encoding="utf-8")
    (out / "report.html").write_text(to_html(blocks), encoding="utf-8")
    return out / "report.html"


def _run_baseline(
    corpus: Path,
    qa: Path,
    out: Path,
    items: Sequence[Any],
    base: Mapping[str, Any],
    embedders: dict[str, Any],
    progress: bool,
) -> Row:
    """The naive LangChain pipeline with the base settings' embedding model (reused when loaded)."""
    from eval.baseline import CHUNK_OVERLAP, CHUNK_SIZE, NAME, TOP_K, NaiveBaseline
    from vectorstore.embeddings import make_embeddings

    settings = Settings(**base)
    embeddings = embedders.get(settings.embedding) or make_embeddings(settings.embedding)
    with NaiveBaseline.from_corpus(corpus, embeddings, settings.max_file_bytes, progress) as naive:
        observations = ask_all(naive, items, progress, desc=f"eval {NAME}")
        config = {
            "name": NAME,
            "origin": "baseline",
            "baseline": NAME,
            "embedding": settings.embedding,
            "splitter": "RecursiveCharacterTextSplitter",
            "chunk_size": CHUNK_SIZE,
            "chunk_overlap": CHUNK_OVERLAP,
            "top_k": TOP_K,
            "retrieval_legs": "dense",
            "use_register": False,
            "llm": None,
            "store": "chroma (temporary)",
            "corpus": str(corpus),
            "qa": str(qa),
            "qa_sha256": hashlib.sha256(qa.read_bytes()).hexdigest(),
            "n_documents": naive.n_documents,
            "n_chunks": naive.n_chunks,
        }
    metrics = assemble(summarize(observations), config, None)
    records = write_outputs(out / NAME, metrics, observations, plots=False)
    return Row(NAME, metrics, records, baseline=True)


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v if isinstance(v, (str, int, float, bool)) or v is None else str(v)) for k, v in values.items()}


def _summary(corpus: Path, qa: Path, rows: Sequence[Row]) -> dict[str, Any]:
    """summary.json: the run's inputs and, per row, its folder, settings and headline metrics."""
    return {
        "corpus": str(corpus),
        "qa": str(qa),
        "qa_sha256": hashlib.sha256(qa.read_bytes()).hexdigest(),
        "n": rows[0].metrics["n"],
        "configurations": [
            {
                "name": row.name,
                "dir": row.name,
                "baseline": row.baseline,
                "config": row.metrics["config"],
                **{k: row.metrics[k] for k in SUMMARY_METRICS if k in row.metrics},
                "hit_at_k": {str(k): v for k, v in hit_curve(row.records).items()},
            }
            for row in rows
        ],
    }

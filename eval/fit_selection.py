"""Fit the selection model on every development set, cross-validated by document.

    python -m eval.fit_selection [--index-root DIR] [--shared ../shared] [--from-tables] [--no-e2e]

1. Collect: each set of eval/sets.toml is opened from DIR/<name> (ingested there when empty);
   every question's candidate units are measured and written to the features tables
   eval/datasets/selection_units.tsv and selection_questions.tsv (`--from-tables` skips this).
2. Fit (eval/selection_fit.py): the unit model and the answer model, cut-offs chosen on the pooled
   sets, cross-validated with GroupKFold on the gold document → assistant/data/selection_model.json.
3. End to end: every set's questions are answered through the ChatService twice — with the model
   fitted on everything (in-sample) and with the fold model that never saw the question's
   documents (cross-validated) — and scored with the evaluation's own metrics; the figures go into
   the model file's report.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from assistant.settings import Settings
from eval.selection_data import (
    QuestionData,
    collect_set,
    load_cache,
    save_cache,
    write_tables,
)
from eval.sets import QuestionSet, load_sets

ROOT = Path(__file__).resolve().parent.parent
UNITS_TABLE = ROOT / "eval" / "datasets" / "selection_units.tsv"
QUESTIONS_TABLE = ROOT / "eval" / "datasets" / "selection_questions.tsv"
MODEL_FILE = ROOT / "assistant" / "data" / "selection_model.json"


def _service(qs: QuestionSet, index_root: Path) -> Any:
    from assistant.service import build_service
    from core.knowledge import Knowledge
    from eval.runner import _ingest_if_empty
    from vectorstore.index import Index

    settings = Settings(index_dir=index_root / qs.name)
    index = Index.open(settings)
    knowledge = Knowledge.load()
    _ingest_if_empty(index, settings, qs.corpus, progress=True, knowledge=knowledge)
    return build_service(settings, index, knowledge)


def collect(sets: Sequence[QuestionSet], index_root: Path) -> list[QuestionData]:
    from assistant.answering.selection_model import UnitDense

    out: list[QuestionData] = []
    for qs in sets:
        service = _service(qs, index_root)
        cache_path = index_root / f"unit-vectors-{qs.name}.json"
        dense = UnitDense(service.index.embeddings, load_cache(cache_path))
        start = time.perf_counter()
        out += list(collect_set(qs.name, service, qs.qa, dense))
        save_cache(cache_path, dense.cache)
        print(f"collected {qs.name}: {time.perf_counter() - start:.1f}s", file=sys.stderr)
    return out


def read_table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def end_to_end(
    sets: Sequence[QuestionSet], index_root: Path, full: Any, folds: dict[str, Any], fold_of: dict[str, int]
) -> dict[str, Any]:
    """Per set: metrics with the hand-set scores (the baseline), the full model (in-sample) and
    each question's fold model (cross-validated: fitted without the question's documents)."""
    from eval.dataset import load_questions
    from eval.metrics import Observation, summarize
    from eval.selection_data import question_group

    report: dict[str, Any] = {}
    for qs in sets:
        service = _service(qs, index_root)
        items = load_questions(qs.qa)
        row: dict[str, Any] = {}
        passes = (
            ("hand_set", lambda item: None),
            ("in_sample", lambda item: full),
            ("cross_validated", lambda item, qs=qs: folds[fold_of[question_group(qs.name, item)]]),
        )
        for label, pick in passes:
            obs = []
            for item in items:
                service.answer_config = replace(service.answer_config, model=pick(item))
                start = time.perf_counter()
                answer = service.ask(item.question)
                obs.append(Observation(item, answer, (time.perf_counter() - start) * 1000))
            m = summarize(obs)
            lat = sorted(o.latency_ms for o in obs)
            row[label] = {
                "accuracy": m["answer"]["accuracy"],
                "latency_ms_p50": round(lat[len(lat) // 2]),
                "abstention_precision": m["abstention"]["precision"],
                "abstention_recall": m["abstention"]["recall"],
                "citation_precision": m["answer"]["citation_precision"],
                "median_chars": m["answer"]["median_chars"],
            }
        report[qs.name] = row
        print(qs.name, json.dumps(row), file=sys.stderr)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    from eval.selection_fit import fit_all

    ap = argparse.ArgumentParser(prog="python -m eval.fit_selection", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--index-root", type=Path, default=ROOT / ".ntm" / "fit-indexes", help="one index per set: DIR/<set name>"
    )
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--sets", type=Path, default=ROOT / "eval" / "sets.toml")
    ap.add_argument("--from-tables", action="store_true", help="refit from the committed features tables")
    ap.add_argument("--no-e2e", action="store_true", help="skip the end-to-end evaluation")
    ap.add_argument("--model", type=Path, default=MODEL_FILE)
    ap.add_argument("--kinds", default="logistic", help="unit model kinds to compare: logistic,trees")
    args = ap.parse_args(argv)
    sets = load_sets(args.sets, args.shared, ROOT)
    if not args.from_tables:
        write_tables(collect(sets, args.index_root), UNITS_TABLE, QUESTIONS_TABLE)
    fitted = fit_all(read_table(UNITS_TABLE), read_table(QUESTIONS_TABLE), kinds=tuple(args.kinds.split(",")))
    if not args.no_e2e:
        fitted.model.report["end_to_end"] = end_to_end(
            sets, args.index_root, fitted.model, fitted.folds, fitted.fold_of
        )
    fitted.model.save(args.model)
    print(json.dumps(fitted.model.report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

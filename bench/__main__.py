"""`python -m bench run --chunks N [--json] [--baseline naive] [--doc-vectors reuse:INDEX_DIR]`: one benchmark run
(`python -m bench ask --index DIR/index --chunks N`: its question half again on a kept index).

Builds the deterministic synthetic corpus (bench/corpus.py) of about N chunks in a temporary
folder, ingests it into a fresh index through the product's ingest path (or builds the naive
LangChain pipeline with `--baseline naive`), asks the same generated questions, and prints one
JSON line with the keys of bench.measure.RESULT_KEYS and EXTRA_KEYS (with --json; a table
otherwise). Progress goes to stderr. Timings depend on what else runs on the machine.

`--doc-vectors reuse:INDEX_DIR` stands in for the model on the *document* vectors only (real e5
vectors of that index, picked by text hash, plus small noise: bench/reuse_vectors.py), for sizes
the model cannot embed in the time at hand; queries are still embedded by the model, so the floor
and the question latencies are real. The JSON line says so ("doc_vectors") and leaves the two
model rates null.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _log(quiet: bool):  # type: ignore[no-untyped-def]
    start = time.perf_counter()

    def log(message: str) -> None:
        if not quiet:
            print(f"[bench {time.perf_counter() - start:7.1f}s] {message}", file=sys.stderr, flush=True)

    return log


def _print(result: dict, as_json: bool) -> None:  # type: ignore[type-arg]
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        width = max(map(len, result))
        print("\n".join(f"{k:<{width}}  {v}" for k, v in result.items()))


def ask(args: argparse.Namespace) -> int:
    """The question half alone, on an index `run --workdir` kept: the same questions as that run
    (same --chunks and --seed), the ingest keys null."""
    from bench.corpus import Vocabulary, generate, questions
    from bench.measure import round_result
    from bench.product import run_questions

    log = _log(args.quiet)
    loadavg_start = list(os.getloadavg())
    vocab = Vocabulary.load()
    asked = questions(generate(args.chunks, seed=args.seed, vocab=vocab), args.questions, seed=args.seed, vocab=vocab)
    result = run_questions(Path(args.index), asked, log)
    result["loadavg_start"], result["loadavg_end"] = loadavg_start, list(os.getloadavg())
    _print(round_result(result), args.json)
    return 0


def run(args: argparse.Namespace) -> int:
    from bench.corpus import Vocabulary, generate, questions, write_corpus
    from bench.measure import round_result

    log = _log(args.quiet)
    loadavg_start = list(os.getloadavg())
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="ntm-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        vocab = Vocabulary.load()
        notices = generate(args.chunks, seed=args.seed, vocab=vocab)
        corpus = write_corpus(notices, workdir / "corpus")
        asked = questions(notices, args.questions, seed=args.seed, vocab=vocab)
        log(
            f"corpus: {len(notices)} notices (~{sum(n.sections for n in notices)} chunks), {len(asked)} questions, "
            f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs"
        )
        if args.baseline == "naive":
            from bench.naive import run_naive

            result = {"doc_vectors": "model", **run_naive(corpus, asked, args.embedding, args.raw_sample, log)}
        else:
            from bench.product import run_product

            result = run_product(corpus, asked, workdir, args.embedding, args.raw_sample, log, args.doc_vectors)
        result["loadavg_start"], result["loadavg_end"] = loadavg_start, list(os.getloadavg())
        log(f"load average at the end {os.getloadavg()[0]:.2f}")
    finally:
        if not args.workdir and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    _print(round_result(result), args.json)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("run", help="one benchmark run on a synthetic corpus")
    p.add_argument("--chunks", type=int, default=2000, help="about this many chunks (the real count is reported)")
    p.add_argument("--json", action="store_true", help="print one JSON line")
    p.add_argument("--baseline", choices=["naive"], help="measure the naive LangChain pipeline instead")
    p.add_argument("--embedding", help="embedding spec (default: NTM_EMBEDDING or the configured default)")
    p.add_argument("--questions", type=int, default=40, help="questions asked (timed)")
    p.add_argument("--raw-sample", type=int, default=256, help="chunks re-encoded for raw_encode_per_s (0 = all)")
    p.add_argument("--seed", type=int, default=12)
    p.add_argument("--workdir", help="keep corpus and index here (default: a temporary folder, deleted)")
    p.add_argument("--keep", action="store_true", help="do not delete the temporary folder")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--doc-vectors",
        type=_doc_vectors,
        metavar="reuse:INDEX_DIR",
        help="reuse that index's real vectors for the documents instead of the model (queries stay the model's)",
    )
    a = sub.add_parser("ask", help="the question half of `run` alone, on an index a `run --workdir DIR` kept")
    a.add_argument("--index", required=True, help="DIR/index of that run")
    a.add_argument("--chunks", type=int, default=2000, help="that run's --chunks (the questions are regenerated)")
    a.add_argument("--questions", type=int, default=40)
    a.add_argument("--seed", type=int, default=12)
    a.add_argument("--json", action="store_true", help="print one JSON line")
    a.add_argument("--quiet", action="store_true", help="no progress on stderr")
    first = sub.add_parser("first-answer", help=argparse.SUPPRESS)
    first.add_argument("question")
    sub.add_parser("serve-ask", help=argparse.SUPPRESS)  # the answering child (bench/product.py)
    args = parser.parse_args(argv)
    if args.command == "first-answer":
        from bench.product import first_answer

        return first_answer(args.question)
    if args.command == "serve-ask":
        from bench.product import serve_ask

        return serve_ask()
    if args.chunks < 1:
        parser.error("--chunks must be at least 1")
    if args.command == "ask":
        if not (Path(args.index) / "records.sqlite").is_file():
            parser.error(f"{args.index} holds no index (no records.sqlite)")
        return ask(args)
    if args.doc_vectors and args.baseline:
        parser.error("--doc-vectors applies to the product run, not to --baseline naive")
    return run(args)


def _doc_vectors(value: str) -> Path:
    """`reuse:INDEX_DIR` → the index folder (which must hold an embedded Chroma store)."""
    kind, _, folder = value.partition(":")
    if kind != "reuse" or not folder:
        raise argparse.ArgumentTypeError(f"expected reuse:INDEX_DIR, got {value!r}")
    path = Path(folder).expanduser().resolve()
    if not (path / "chroma").is_dir():
        raise argparse.ArgumentTypeError(f"{path} holds no Chroma store (no chroma/ folder) to reuse vectors from")
    return path


if __name__ == "__main__":
    raise SystemExit(main())

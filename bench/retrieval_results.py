"""The results of the retrieval benchmark: the Markdown table, the best rows, the misses, and the
section "Retrieval and chunking on the seed set" of bench/RESULTS.md (other sections are kept)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sys
from pathlib import Path
from typing import Any

from bench.retrieval_plan import LEG_NAMES, Config

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Retrieval and chunking on the seed set"


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
    from core.knowledge import Knowledge
    from eval.dataset import load_questions

    knowledge = Knowledge.load()
    plans = [plan_question(item.question, knowledge) for item in load_questions(qa)]
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
        f"- machine: {platform.node() or '?'} · nproc {os.cpu_count()} · {platform.machine()} · "
        f"Python {platform.python_version()}"
        " · other processes were running on the machine, so latency and run time are indicative only",
        f"- corpus `{corpus}` ({cfg.get('n_documents', '?')} documents) · "
        f"questions `{qa}` ({any_metrics.get('n', '?')}, "
        f"sha256 {str(cfg.get('qa_sha256', '?'))[:12]}…) · top_k {cfg.get('top_k', '?')} · "
        f"candidates {cfg.get('candidates', '?')}"
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
        f"corpus has {cfg.get('n_documents', '?')} documents, one per province — "
        "so retrieval is restricted to the right "
        "document before ranking even starts, and finding a gold document in the top 1 or 5 is close to automatic. "
        "Do not use them to choose between configurations.",
        "- **evidence@5** is the share of answerable questions for which every `must_include` group of the "
        "question has at least one alternative inside the text of the top 5 retrieved chunks (case- and "
        "diacritic-insensitive) — i.e. the passage that answers the question was actually retrieved, not "
        "just its document. It is the retrieval number that matters on this set; accuracy (the answer does "
        "not abstain and contains every group) is the end-to-end one.",
        "- run s: wall time of the whole `run_eval` call (model load, and for rows marked *incl. indexing* "
        "also extraction, chunking, embedding and writing the index, then all questions). "
        "p50/p95 are per-question "
        "answer latencies and do not include indexing. "
        "On the 2-CPU machine they swing from ~40 ms to ~1.5 s for the same configuration whenever another process "
        "(tests, other benchmarks) competes for the CPUs, so do not compare latency or run time across rows.",
        "- chunks: chunks in the index for that row's embedding and chunk size.",
        f"- Small set: {n_answerable or '?'} answerable and "
        f"{denominators.get('unanswerable', '?')} unanswerable questions; "
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

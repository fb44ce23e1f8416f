"""`python -m eval run|check` — the evaluation contract's command line (DESIGN.md).

run:   python -m eval run --corpus DIR --qa FILE.jsonl --out OUT [--index DIR] [--set FIELD=VALUE ...]
check: python -m eval check OUT --min accuracy=0.8 --min evidence@5=0.9 [--max latency_ms.p95=3000]

Exit codes: 0 success / every gate passed; 1 a gate failed (check) or an internal error (run);
2 a usage error (bad arguments, unknown metric name, unreadable metrics.json or question set).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, Sequence

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

# The metrics a gate may name, by section of metrics.json; a bare name resolves when unique.
SECTIONS: dict[str, tuple[str, ...]] = {
    "retrieval": ("hit@1", "hit@5", "mrr@10", "evidence@5"),
    "answer": ("accuracy", "citation_precision", "median_chars", "citation_coverage"),
    "abstention": ("precision", "recall"),
    "latency_ms": ("p50", "p95"),
}
GROUP_SECTIONS = ("by_type", "by_style")
GROUP_METRICS = ("n", "accuracy", "hit@5")
REGISTER_PARTS = ("assignments", "targets")
REGISTER_METRICS = ("precision", "recall", "f1", "role_accuracy", "kind_accuracy")


class UsageError(ValueError):
    """Bad command-line input (exit 2)."""


def resolve_metric(name: str) -> tuple[str, ...]:
    """A gate's metric name → its path in metrics.json ('accuracy' → ('answer', 'accuracy'))."""
    parts = tuple(name.strip().split("."))
    if parts == ("n",):
        return parts
    if len(parts) == 1:
        homes = [section for section, names in SECTIONS.items() if parts[0] in names]
        if len(homes) == 1:
            return (homes[0], parts[0])
        if len(homes) > 1:
            raise UsageError(f"ambiguous metric {name!r}: say one of {', '.join(h + '.' + name for h in homes)}")
    elif len(parts) == 2 and parts[1] in SECTIONS.get(parts[0], ()):
        return parts
    elif len(parts) == 3 and parts[0] in GROUP_SECTIONS and parts[1] and parts[2] in GROUP_METRICS:
        return parts
    elif len(parts) == 3 and parts[0] == "register" and parts[1] in REGISTER_PARTS and parts[2] in REGISTER_METRICS:
        return parts
    known = ", ".join(f"{s}.{m}" for s, names in SECTIONS.items() for m in names)
    raise UsageError(f"unknown metric {name!r}; known: n, {known}, by_type.<type>.<{'|'.join(GROUP_METRICS)}>, by_style.<style>.<...>, register.<assignments|targets>.<precision|recall|f1|...>")


def parse_gate(text: str) -> tuple[tuple[str, ...], float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"gate {text!r} is not NAME=VALUE")
    try:
        threshold = float(value)
    except ValueError as exc:
        raise UsageError(f"gate {text!r}: {value!r} is not a number") from exc
    if math.isnan(threshold):
        raise UsageError(f"gate {text!r}: NaN threshold")
    return resolve_metric(name), threshold


def load_metrics(target: Path) -> dict[str, Any]:
    path = target / "metrics.json" if target.is_dir() else target
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read metrics from {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a metrics.json object")
    return data


def lookup(metrics: dict[str, Any], path: tuple[str, ...]) -> float | None:
    """The value at `path`; None when the metric is recorded as undefined (null)."""
    node: Any = metrics
    for depth, key in enumerate(path):
        if not isinstance(node, dict) or key not in node:
            raise UsageError(f"metrics.json has no {'.'.join(path[: depth + 1])}")
        node = node[key]
    if node is not None and (isinstance(node, bool) or not isinstance(node, (int, float))):
        raise UsageError(f"{'.'.join(path)} in metrics.json is not a number: {node!r}")
    return node


def run_check(target: Path, minimums: Sequence[str], maximums: Sequence[str]) -> int:
    gates = [(*parse_gate(g), ">=") for g in minimums] + [(*parse_gate(g), "<=") for g in maximums]
    if not gates:
        raise UsageError("no gates: give --min NAME=VALUE and/or --max NAME=VALUE")
    metrics = load_metrics(target)
    values = [lookup(metrics, path) for path, _, _ in gates]  # every name checked before any verdict
    failed = 0
    for (path, threshold, op), value in zip(gates, values):
        passed = value is not None and (value >= threshold if op == ">=" else value <= threshold)
        failed += not passed
        shown = "undefined (null)" if value is None else f"{value:g}"
        print(f"{'PASS' if passed else 'FAIL'}  {'.'.join(path)} = {shown} (need {op} {threshold:g})")
    print(f"{len(gates) - failed}/{len(gates)} gates passed")
    return EXIT_FAIL if failed else EXIT_OK


def _overrides(pairs: Sequence[str]) -> dict[str, str]:
    """--set FIELD=VALUE pairs; values stay strings and are validated by Settings."""
    from assistant.settings import Settings

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        if not sep or key not in Settings.model_fields:
            raise UsageError(f"--set {pair!r}: expected FIELD=VALUE with FIELD one of {', '.join(Settings.model_fields)}")
        if key == "index_dir":
            raise UsageError("--set index_dir: use --index DIR")
        out[key] = value
    return out


def run_run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from assistant.settings import Settings
    from eval.dataset import load_questions
    from eval.runner import run_eval

    overrides = _overrides(args.set)
    try:  # the inputs' faults are usage errors (2); anything later is an internal error (1)
        Settings(**overrides)
        load_questions(args.qa)
    except (ValueError, ValidationError) as exc:
        raise UsageError(str(exc)) from exc
    if not args.corpus.exists():
        raise UsageError(f"corpus not found: {args.corpus}")
    for gold in (args.assignments, args.targets):
        if gold is not None and not gold.exists():
            raise UsageError(f"gold file not found: {gold}")
    metrics = run_eval(
        args.corpus, args.qa, args.out, args.index, overrides, progress=not args.quiet,
        assignments_gold=args.assignments, targets_gold=args.targets,
    )
    r, a, ab = metrics["retrieval"], metrics["answer"], metrics["abstention"]
    print(
        f"n={metrics['n']} hit@5={r['hit@5']} evidence@5={r['evidence@5']} accuracy={a['accuracy']} "
        f"citation_precision={a['citation_precision']} abstention.recall={ab['recall']} → {args.out}"
    )
    for part, scores in metrics.get("register", {}).items():
        print(f"register.{part}: precision={scores['precision']} recall={scores['recall']} f1={scores['f1']}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate NTM Assistant on a question set.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="ask every question and write metrics.json, answers.jsonl, report.md")
    run.add_argument("--corpus", type=Path, required=True, help="folder (or file) of documents to ingest")
    run.add_argument("--qa", type=Path, required=True, help="question set (JSONL, shared/eval/SCHEMA.md)")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--index", type=Path, default=None, help="use this index as is (ingest --corpus only if it is empty)")
    run.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="override a Settings field, e.g. top_k=5")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument("--assignments", type=Path, default=None, help="gold assignments (JSONL) → metrics.json register.assignments")
    run.add_argument("--targets", type=Path, default=None, help="gold targets (JSONL) → metrics.json register.targets")
    check = sub.add_parser("check", help="gate metrics.json against thresholds")
    check.add_argument("out", type=Path, help="output folder of `run` (or a metrics.json)")
    check.add_argument("--min", action="append", default=[], metavar="NAME=VALUE", help="fail when NAME < VALUE")
    check.add_argument("--max", action="append", default=[], metavar="NAME=VALUE", help="fail when NAME > VALUE")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args.out, args.min, args.max)
        return run_run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - exit 1 is the contract for internal errors
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())

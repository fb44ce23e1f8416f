"""`python -m eval run|check|compare|validate` — the evaluation command line (DESIGN.md, eval/README.md).

run:      python -m eval run --corpus DIR --qa FILE.jsonl --out OUT [--index DIR] [--set FIELD=VALUE ...]
              [--preset lexical|dense|hybrid|hybrid+register|llm ...] [--config A.toml ...] [--baseline naive]
check:    python -m eval check OUT --min accuracy=0.8 --min evidence@5=0.9 [--max latency_ms.p95=3000]
compare:  python -m eval compare OUT_OLD OUT_NEW [--tolerance 0.02] [--strict] [--gate NAME ...]
validate: python -m eval validate FILE.jsonl --corpus DIR
report:   python -m eval report OUT   (re-render report.md/.html and plots of a finished run)
sets:     python -m eval sets [--shared ../shared] [--out out/eval-sets] [--only NAME ...] [--index-root DIR]
              (every development set of eval/sets.toml on its own row, plus the generalisation row)

Exit codes: 0 success / every gate passed / no regression / valid; 1 a gate failed (check), a
regression (compare), an invalid question set (validate) or an internal error (run);
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
    raise UsageError(
        f"unknown metric {name!r}; known: n, {known}, by_type.<type>.<{'|'.join(GROUP_METRICS)}>, "
        f"by_style.<style>.<...>, register.<assignments|targets>.<precision|recall|f1|...>"
    )


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
    if target.is_dir() and not path.exists() and (target / "summary.json").exists():
        names = [
            c.get("dir", "?")
            for c in json.loads((target / "summary.json").read_text(encoding="utf-8")).get("configurations", [])
        ]
        raise UsageError(
            f"{target} is a multi-config run: check one configuration, e.g. {', '.join(str(target / n) for n in names)}"
        )
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
    for (path, threshold, op), value in zip(gates, values, strict=False):
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
            raise UsageError(
                f"--set {pair!r}: expected FIELD=VALUE with FIELD one of {', '.join(Settings.model_fields)}"
            )
        if key == "index_dir":
            raise UsageError("--set index_dir: use --index DIR")
        out[key] = value
    return out


def run_run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from assistant.settings import Settings
    from eval.configs import ConfigError, resolve
    from eval.dataset import load_questions
    from eval.suite import SuiteError, run_suite

    overrides = _overrides(args.set)
    if args.llm:
        overrides["llm"] = args.llm  # recorded as config.llm in metrics.json
    try:  # the inputs' faults are usage errors (2); anything later is an internal error (1)
        Settings(**overrides)
        configs = resolve(args.preset, args.config, overrides)
        load_questions(args.qa)
    except (ValueError, ValidationError, ConfigError) as exc:
        raise UsageError(str(exc)) from exc
    if not args.corpus.exists():
        raise UsageError(f"corpus not found: {args.corpus}")
    for gold in (args.assignments, args.targets):
        if gold is not None and not gold.exists():
            raise UsageError(f"gold file not found: {gold}")
    try:
        result = run_suite(
            args.corpus,
            args.qa,
            args.out,
            configs,
            base=overrides,
            baseline=args.baseline,
            index_dir=args.index,
            progress=not args.quiet,
            assignments_gold=args.assignments,
            targets_gold=args.targets,
        )
    except SuiteError as exc:
        raise UsageError(str(exc)) from exc
    except ImportError as exc:  # assistant.llm.MissingExtra: the LLM's client is an optional extra
        raise UsageError(str(exc)) from exc
    if "configurations" not in result:  # a single-config run: metrics.json
        _print_metrics("", result)
        print(f"→ {args.out}")
        return EXIT_OK
    for row in result["configurations"]:
        _print_metrics(row["name"], row)
    print(f"→ {args.out}/summary.json, {args.out}/report.html, {args.out}/<configuration>/")
    return EXIT_OK


def _print_metrics(name: str, metrics: dict) -> None:
    r, a, ab = metrics["retrieval"], metrics["answer"], metrics["abstention"]
    print(
        (f"{name:<16} " if name else "")
        + f"n={metrics['n']} hit@5={r['hit@5']} evidence@5={r['evidence@5']} accuracy={a['accuracy']} "
        f"citation_precision={a['citation_precision']} abstention.precision={ab['precision']} "
        f"abstention.recall={ab['recall']} "
        f"p50={metrics['latency_ms']['p50']}ms"
    )
    for part, scores in (metrics.get("register") or {}).items():
        print(f"{'':<17}register.{part}: precision={scores['precision']} recall={scores['recall']} f1={scores['f1']}")


def run_compare(args: argparse.Namespace) -> int:
    from eval.compare import DEFAULT_GATES, CompareError, compare

    gates = tuple(resolve_metric(g) for g in args.gate) if args.gate else DEFAULT_GATES
    try:
        lines, regressed = compare(args.old, args.new, args.tolerance, args.strict, gates)
    except CompareError as exc:
        raise UsageError(str(exc)) from exc
    print("\n".join(lines))
    return EXIT_FAIL if regressed else EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    from eval.suite import rebuild_report

    try:
        path = rebuild_report(args.out)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"cannot rebuild the report of {args.out}: {exc}") from exc
    print(f"→ {path}")
    return EXIT_OK


def run_validate(args: argparse.Namespace) -> int:
    from eval.validate import validate

    try:
        problems, n = validate(args.file, args.corpus)
    except ValueError as exc:  # the file cannot be read at all
        raise UsageError(str(exc)) from exc
    for problem in problems:
        print(problem)
    if problems:
        print(f"INVALID: {len(problems)} problem(s) in {args.file} ({n} questions read)")
        return EXIT_FAIL
    print(f"OK: {n} questions in {args.file} are valid against {args.corpus}")
    return EXIT_OK


def run_sets_command(args: argparse.Namespace) -> int:
    from eval.sets import load_sets, run_sets

    root = Path(__file__).resolve().parent.parent
    try:
        sets = load_sets(args.sets_file or root / "eval" / "sets.toml", args.shared, root)
    except (OSError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    if args.only:
        unknown = sorted(set(args.only) - {s.name for s in sets})
        if unknown:
            raise UsageError(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(s.name for s in sets)}")
        sets = [s for s in sets if s.name in args.only]
    for qs in sets:
        if not qs.corpus.exists() or not qs.qa.exists():
            raise UsageError(
                f"set {qs.name}: {qs.corpus if not qs.corpus.exists() else qs.qa} not found (is --shared right?)"
            )
    run_sets(sets, args.out, args.index_root, not args.quiet, root)
    print((args.out / "sets.md").read_text(encoding="utf-8"))
    print(f"→ {args.out}/sets.md, {args.out}/sets.json, {args.out}/<set>/")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate NTM Assistant on a question set.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="ask every question and write metrics.json, answers.jsonl, report.md")
    run.add_argument("--corpus", type=Path, required=True, help="folder (or file) of documents to ingest")
    run.add_argument("--qa", type=Path, required=True, help="question set (JSONL, shared/eval/SCHEMA.md)")
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument(
        "--index", type=Path, default=None, help="use this index as is (ingest --corpus only if it is empty)"
    )
    run.add_argument(
        "--set", action="append", default=[], metavar="FIELD=VALUE", help="override a Settings field, e.g. top_k=5"
    )
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument(
        "--llm",
        default=None,
        metavar="PROVIDER:MODEL",
        help="answer with this LLM (openai:<model> with NTM_LLM_BASE_URL, or ollama:<model>); same as --set llm=...",
    )
    run.add_argument(
        "--assignments", type=Path, default=None, help="gold assignments (JSONL) → metrics.json register.assignments"
    )
    run.add_argument("--targets", type=Path, default=None, help="gold targets (JSONL) → metrics.json register.targets")
    run.add_argument(
        "--preset",
        action="append",
        default=[],
        metavar="NAME",
        help="score a named configuration: lexical, dense, hybrid, hybrid+register, llm (repeatable)",
    )
    run.add_argument(
        "--config",
        action="append",
        default=[],
        type=Path,
        metavar="FILE.toml",
        help="score a configuration given as TOML Settings fields (+ optional name) (repeatable)",
    )
    run.add_argument(
        "--baseline",
        choices=("naive",),
        default=None,
        help="add the plain LangChain pipeline (splitter 1000/200 + Chroma top-4, answer = top chunk) as a reference "
        "row",
    )
    check = sub.add_parser("check", help="gate metrics.json against thresholds")
    check.add_argument("out", type=Path, help="output folder of `run` (or a metrics.json)")
    check.add_argument("--min", action="append", default=[], metavar="NAME=VALUE", help="fail when NAME < VALUE")
    check.add_argument("--max", action="append", default=[], metavar="NAME=VALUE", help="fail when NAME > VALUE")
    compare = sub.add_parser("compare", help="what got better and worse between two runs; exit 1 on a regression")
    compare.add_argument("old", type=Path, help="output folder of the earlier run")
    compare.add_argument("new", type=Path, help="output folder of the later run")
    compare.add_argument(
        "--tolerance", type=float, default=0.02, help="largest allowed drop of a gated metric (default 0.02)"
    )
    compare.add_argument(
        "--strict", action="store_true", help="also fail when any question flips from correct to wrong"
    )
    compare.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="NAME",
        help="gate these metrics instead of the default set (names as in check, e.g. accuracy, by_type.task.accuracy)",
    )
    validate = sub.add_parser("validate", help="check a question set against its corpus; exit 1 listing the problems")
    validate.add_argument("file", type=Path, help="question set (JSONL, shared/eval/SCHEMA.md)")
    validate.add_argument("--corpus", type=Path, required=True, help="folder of the documents the questions are about")
    sets = sub.add_parser(
        "sets", help="every development set (eval/sets.toml) on its own row, plus the generalisation row"
    )
    sets.add_argument("--shared", type=Path, default=Path("../shared"), help="the shared folder (default ../shared)")
    sets.add_argument("--out", type=Path, default=Path("out/eval-sets"), help="output folder (default out/eval-sets)")
    sets.add_argument("--only", action="append", default=[], metavar="NAME", help="score only these sets (repeatable)")
    sets.add_argument("--index-root", type=Path, default=None, help="keep each set's index in DIR/<set> and reuse it")
    sets.add_argument("--sets-file", type=Path, default=None, help="another sets.toml")
    sets.add_argument("--quiet", action="store_true", help="no progress bars")
    report = sub.add_parser(
        "report", help="re-render report.md, report.html and plots of a finished run (nothing is asked)"
    )
    report.add_argument("out", type=Path, help="output folder of `run`")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "check":
            return run_check(args.out, args.min, args.max)
        if args.command == "compare":
            return run_compare(args)
        if args.command == "validate":
            return run_validate(args)
        if args.command == "report":
            return run_report(args)
        if args.command == "sets":
            return run_sets_command(args)
        return run_run(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - exit 1 is the contract for internal errors
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAIL


if __name__ == "__main__":
    sys.exit(main())

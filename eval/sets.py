"""Every development set on its own row, and how the seeds compare with the rest.

    python -m eval sets [--shared ../shared] [--out out/eval-sets] [--only NAME ...] [--index-root DIR]

Each set listed in `eval/sets.toml` is scored with the product's default configuration into
OUT/<name>/ (the contract's metrics.json, answers.jsonl, report.md), then OUT/sets.md and
OUT/sets.json gather one row per set, a generalisation row (the seed set against the pooled
held-out sets) and, when the fitted selection model records them, its in-sample and
cross-validated (by document) figures.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROW_METRICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("accuracy", ("answer", "accuracy")),
    ("citation P", ("answer", "citation_precision")),
    ("abstention P", ("abstention", "precision")),
    ("abstention R", ("abstention", "recall")),
    ("hit@5", ("retrieval", "hit@5")),
    ("evidence@5", ("retrieval", "evidence@5")),
    ("median chars", ("answer", "median_chars")),
    ("p50 ms", ("latency_ms", "p50")),
    ("p95 ms", ("latency_ms", "p95")),
)


@dataclass(frozen=True)
class QuestionSet:
    name: str
    group: str  # seed | held-out
    corpus: Path
    qa: Path
    assignments: Path | None = None
    targets: Path | None = None


def load_sets(path: Path, shared: Path, root: Path) -> list[QuestionSet]:
    """The sets of a sets.toml, with "{shared}" and relative paths resolved."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))

    def where(value: str | None) -> Path | None:
        if not value:
            return None
        p = Path(value.replace("{shared}", str(shared)))
        return p if p.is_absolute() else root / p

    out = []
    for entry in raw.get("set", []):
        missing = [k for k in ("name", "corpus", "qa") if k not in entry]
        if missing:
            raise ValueError(f"{path}: a [[set]] lacks {', '.join(missing)}")
        out.append(
            QuestionSet(
                entry["name"],
                entry.get("group", "held-out"),
                where(entry["corpus"]),
                where(entry["qa"]),  # type: ignore[arg-type]
                where(entry.get("assignments")),
                where(entry.get("targets")),
            )
        )
    if not out:
        raise ValueError(f"{path}: no [[set]] entries")
    return out


def _value(metrics: dict[str, Any], path: tuple[str, ...]) -> float | None:
    node: Any = metrics
    for key in path:
        if not isinstance(node, dict) or node.get(key) is None:
            return None
        node = node[key]
    return float(node)


def _pooled(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """Question-weighted means of the held-out rows (rates) — one generalisation figure per metric."""
    out: dict[str, float | None] = {}
    for label, path in ROW_METRICS:
        pairs = [(r["metrics"]["n"], _value(r["metrics"], path)) for r in rows]
        pairs = [(n, v) for n, v in pairs if v is not None]
        total = sum(n for n, _ in pairs)
        out[label] = round(sum(n * v for n, v in pairs) / total, 4) if total else None
    return out


def _register_cells(metrics: dict[str, Any]) -> str:
    reg = metrics.get("register") or {}
    cells = []
    a = reg.get("assignments")
    if a:
        named = f", named R {a['recall_named']:.2f}" if "recall_named" in a else ""
        cells.append(f"tasks P {a['precision']:.2f} R {a['recall']:.2f}{named}, role {a.get('role_accuracy', 0):.2f}")
    t = reg.get("targets")
    if t:
        cells.append(f"targets P {t['precision']:.2f} R {t['recall']:.2f}, kind {t.get('kind_accuracy', 0):.2f}")
    return "; ".join(cells)


def summarise(results: Sequence[dict[str, Any]], cv: dict[str, Any] | None) -> tuple[dict[str, Any], str]:
    """sets.json content and the Markdown table."""
    held = [r for r in results if r["group"] != "seed"]
    seeds = [r for r in results if r["group"] == "seed"]
    summary = {
        "sets": [
            {
                "name": r["name"],
                "group": r["group"],
                "n": r["metrics"]["n"],
                **{label: _value(r["metrics"], path) for label, path in ROW_METRICS},
                "register": r["metrics"].get("register"),
            }
            for r in results
        ],
        "generalisation": {"seed": _pooled(seeds) if seeds else None, "held-out": _pooled(held) if held else None},
        "fitted_model": cv,
    }
    head = "| set | n | " + " | ".join(label for label, _ in ROW_METRICS) + " | register |"
    lines = ["# Every development set", "", head, "|" + "---|" * (len(ROW_METRICS) + 3)]

    def fmt(v: float | None) -> str:
        return "—" if v is None else (f"{v:.0f}" if v > 2 else f"{v:.3f}")

    for r in results:
        cells = [fmt(_value(r["metrics"], path)) for _, path in ROW_METRICS]
        lines.append(
            f"| {r['name']} ({r['group']}) | {r['metrics']['n']} | "
            + " | ".join(cells)
            + f" | {_register_cells(r['metrics'])} |"
        )
    for label, pooled in summary["generalisation"].items():
        if pooled:
            lines.append(
                f"| **all {label} sets, pooled** | | " + " | ".join(fmt(pooled[m]) for m, _ in ROW_METRICS) + " | |"
            )
    if cv:
        lines += [
            "",
            "## Fitted selection model: in-sample vs cross-validated by document",
            "",
            "```",
            json.dumps(cv, ensure_ascii=False, indent=1),
            "```",
        ]
    lines += ["", "By type and style, and every failed question: OUT/<set>/report.md."]
    return summary, "\n".join(lines) + "\n"


def fitted_model_report(root: Path) -> dict[str, Any] | None:
    """The fit report the selection model keeps beside its coefficients, if there is one."""
    path = root / "assistant" / "data" / "selection_model.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("report") or data.get("cv")


def run_sets(
    sets: Sequence[QuestionSet], out: Path, index_root: Path | None, progress: bool, root: Path
) -> dict[str, Any]:
    from eval.configs import resolve
    from eval.suite import run_suite

    results = []
    for qs in sets:
        index_dir = index_root / qs.name if index_root else None
        metrics = run_suite(
            qs.corpus,
            qs.qa,
            out / qs.name,
            resolve([], [], {}),
            index_dir=index_dir,
            progress=progress,
            assignments_gold=qs.assignments,
            targets_gold=qs.targets,
        )
        results.append({"name": qs.name, "group": qs.group, "metrics": metrics})
    summary, table = summarise(results, fitted_model_report(root))
    out.mkdir(parents=True, exist_ok=True)
    (out / "sets.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "sets.md").write_text(table, encoding="utf-8")
    return summary

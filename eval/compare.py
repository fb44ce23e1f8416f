"""`python -m eval compare OUT_OLD OUT_NEW [--tolerance 0.02] [--strict] [--gate NAME ...]`

What got better and worse between two evaluation outputs: the gated metrics side by side, then
question by question (by id): correct → wrong, wrong → correct, evidence@5 lost or gained, the
first gold document moving in the ranking.

Either output may be a single-config run (OUT/metrics.json + answers.jsonl) or a multi-config run
(OUT/summary.json + OUT/<name>/); two multi-config runs are compared configuration by
configuration (those present in both).

Exit status: 1 when a gated metric dropped by more than the tolerance (absolute), or with --strict
when any question flipped from correct to wrong; 0 otherwise; 2 on a usage error.
Gated by default: retrieval hit@1, hit@5, mrr@10, evidence@5; answer accuracy, citation_precision;
abstention precision and recall (latency and answer length are shown but never gate).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_GATES: tuple[tuple[str, ...], ...] = (
    ("retrieval", "hit@1"),
    ("retrieval", "hit@5"),
    ("retrieval", "mrr@10"),
    ("retrieval", "evidence@5"),
    ("answer", "accuracy"),
    ("answer", "citation_precision"),
    ("abstention", "precision"),
    ("abstention", "recall"),
)
INFO: tuple[tuple[str, ...], ...] = (("answer", "median_chars"), ("latency_ms", "p50"), ("latency_ms", "p95"))
ANSWER_CLIP = 200
EPS = 1e-9


class CompareError(ValueError):
    """Outputs that cannot be compared (a usage error)."""


@dataclass
class Side:
    """One configuration's outputs: metrics.json and answers.jsonl records by id (in file order)."""

    label: str
    metrics: dict[str, Any]
    records: dict[str, dict[str, Any]]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CompareError(f"cannot read {path}: {exc}") from exc


def _side(folder: Path, label: str) -> Side:
    metrics = _read_json(folder / "metrics.json")
    records: dict[str, dict[str, Any]] = {}
    try:
        lines = (folder / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CompareError(f"cannot read {folder / 'answers.jsonl'}: {exc.strerror or exc}") from exc
    for n, line in enumerate(lines, start=1):
        if line.strip():
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise CompareError(f"{folder / 'answers.jsonl'}, line {n}: not JSON ({exc})") from exc
            records[record["id"]] = record
    return Side(label, metrics, records)


def load_output(path: Path) -> dict[str, Side]:
    """{configuration name ('' for a single-config run): Side}."""
    path = Path(path)
    if path.is_file() and path.name in ("metrics.json", "summary.json"):
        path = path.parent
    if (path / "metrics.json").is_file():
        return {"": _side(path, str(path))}
    if (path / "summary.json").is_file():
        summary = _read_json(path / "summary.json")
        return {c["name"]: _side(path / c["dir"], f"{path}/{c['dir']}") for c in summary.get("configurations", [])}
    raise CompareError(f"{path} holds neither metrics.json (a single-config run) nor summary.json (a multi-config run)")


def _value(metrics: dict[str, Any], path: Sequence[str]) -> float | None:
    node: Any = metrics
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node if isinstance(node, (int, float)) and not isinstance(node, bool) else None


def _num(value: float | None) -> str:
    return "null" if value is None else (f"{value:.3f}" if abs(value) <= 1.0 else f"{value:.1f}")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text[:ANSWER_CLIP] + "…" if len(text) > ANSWER_CLIP else text


def compare_sides(
    old: Side, new: Side, tolerance: float, strict: bool, gates: Sequence[tuple[str, ...]]
) -> tuple[list[str], bool]:
    """The comparison as text lines, and whether it is a regression."""
    lines: list[str] = []
    regressed = False
    if old.metrics.get("config", {}).get("qa_sha256") != new.metrics.get("config", {}).get("qa_sha256"):
        lines.append("note: the two runs used different question sets; questions are compared on the ids they share")
    lines.append(f"{'metric':<28} {'old':>8} {'new':>8} {'delta':>8}  verdict")
    for path in [*gates, *INFO]:
        a, b = _value(old.metrics, path), _value(new.metrics, path)
        gated = tuple(path) in {tuple(g) for g in gates}
        if a is None and b is None:
            verdict, delta = "undefined in both", ""
        elif b is None:
            verdict, delta = ("REGRESSION (now undefined)" if gated else "now undefined"), ""
            regressed |= gated
        elif a is None:
            verdict, delta = "newly defined", ""
        else:
            diff = b - a
            delta = f"{diff:+.3f}" if abs(a) <= 1.0 and abs(b) <= 1.0 else f"{diff:+.1f}"
            if not gated:
                verdict = "(not gated)"
            elif diff < -tolerance - EPS:
                verdict, regressed = f"REGRESSION (dropped more than {tolerance:g})", True
            elif diff > tolerance + EPS:
                verdict = "better"
            elif diff < -EPS:
                verdict = "worse, within tolerance"
            elif diff > EPS:
                verdict = "better, within tolerance"
            else:
                verdict = "="
        lines.append(f"{'.'.join(path):<28} {_num(a):>8} {_num(b):>8} {delta:>8}  {verdict}")
    types = sorted(set(old.metrics.get("by_type", {})) | set(new.metrics.get("by_type", {})))
    if types:
        lines.append(
            "accuracy by type: "
            + ", ".join(
                f"{t} {_num(_value(old.metrics, ('by_type', t, 'accuracy')))}"
                f"→{_num(_value(new.metrics, ('by_type', t, 'accuracy')))}"
                for t in types
            )
        )

    common = [qid for qid in old.records if qid in new.records]
    only_old = [qid for qid in old.records if qid not in new.records]
    only_new = [qid for qid in new.records if qid not in old.records]
    worse = [qid for qid in common if old.records[qid]["correct"] and not new.records[qid]["correct"]]
    better = [qid for qid in common if not old.records[qid]["correct"] and new.records[qid]["correct"]]
    lines.append(
        f"questions: {len(common)} in both · {len(worse)} correct → wrong · {len(better)} wrong → correct"
        + (f" · {len(only_old)} only in old" if only_old else "")
        + (f" · {len(only_new)} only in new" if only_new else "")
    )
    for qid in worse:
        r = new.records[qid]
        missing = "; ".join(" | ".join(g) for g in r.get("missing") or [])
        how = (
            "abstained"
            if r["abstained"]
            else ("answered an unanswerable question" if r["type"] == "unanswerable" else f"missing: {missing}")
        )
        lines.append(f"  WORSE  {qid} [{r['type']}/{r['style']}] {how}")
        lines.append(f"         now: {_clip(r['answer'])}")
    for qid in better:
        r = new.records[qid]
        lines.append(f"  BETTER {qid} [{r['type']}/{r['style']}]")
    evidence = [(qid, old.records[qid].get("evidence@5"), new.records[qid].get("evidence@5")) for qid in common]
    lost = [qid for qid, a, b in evidence if a and b is False]
    gained = [qid for qid, a, b in evidence if a is False and b]
    if lost:
        lines.append("  evidence@5 lost: " + ", ".join(lost))
    if gained:
        lines.append("  evidence@5 gained: " + ", ".join(gained))
    moved = []
    for qid in common:
        a, b = old.records[qid].get("gold_rank"), new.records[qid].get("gold_rank")
        if old.records[qid]["type"] != "unanswerable" and a != b:
            moved.append(f"{qid} {a or '-'}→{b or '-'}")
    if moved:
        lines.append("  first gold rank moved: " + ", ".join(moved))
    if strict and worse:
        regressed = True
        lines.append(f"strict: {len(worse)} question(s) flipped from correct to wrong")
    return lines, regressed


def compare(
    old_path: Path,
    new_path: Path,
    tolerance: float = 0.02,
    strict: bool = False,
    gates: Sequence[tuple[str, ...]] = DEFAULT_GATES,
) -> tuple[list[str], bool]:
    if tolerance < 0:
        raise CompareError("--tolerance must be >= 0")
    old, new = load_output(old_path), load_output(new_path)
    if ("" in old) != ("" in new):
        single, multi = (old_path, new_path) if "" in old else (new_path, old_path)
        raise CompareError(
            f"{single} is a single-config run and {multi} a multi-config run: "
            f"compare {single} with one of {', '.join(f'{multi}/{n}' for n in (old if '' in new else new))}"
        )
    names = [n for n in old if n in new]
    if not names:
        raise CompareError(
            f"no configuration in common between {old_path} ({', '.join(old)}) and {new_path} ({', '.join(new)})"
        )
    lines: list[str] = [
        f"old: {old_path}",
        f"new: {new_path}",
        f"tolerance {tolerance:g}" + (" · strict" if strict else ""),
    ]
    skipped = sorted(set(old) ^ set(new))
    if skipped:
        lines.append("configurations in only one run (not compared): " + ", ".join(skipped))
    regressed_in = []
    for name in names:
        if name:
            lines += ["", f"== {name} =="]
        part, regressed = compare_sides(old[name], new[name], tolerance, strict, gates)
        lines += part
        if regressed:
            regressed_in.append(name or "the run")
    lines.append("")
    lines.append(f"REGRESSION in {', '.join(regressed_in)}" if regressed_in else "no regression beyond the tolerance")
    return lines, bool(regressed_in)

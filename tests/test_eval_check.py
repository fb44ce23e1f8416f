"""`python -m eval check`: gates on metrics.json pass, fail below their minimum or on an undefined
metric, and usage errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support import eval_check


@pytest.fixture
def metrics_dir(tmp_path: Path) -> Path:
    metrics = {
        "n": 70,
        "retrieval": {"hit@1": 0.7, "hit@5": 0.95, "mrr@10": 0.8, "evidence@5": 0.92},
        "answer": {"accuracy": 0.85, "citation_precision": 0.97, "median_chars": 240.0, "citation_coverage": 1.0},
        "abstention": {"precision": None, "recall": 0.5},
        "by_type": {"task": {"n": 18, "accuracy": 0.9, "hit@5": 1.0}},
        "latency_ms": {"p50": 120.0, "p95": 400.0},
        "config": {},
    }
    (tmp_path / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return tmp_path


@pytest.mark.unit
def test_check_passes_with_every_spelling_of_a_metric(metrics_dir: Path) -> None:
    done = eval_check(
        metrics_dir,
        "--min",
        "accuracy=0.8",
        "--min",
        "answer.accuracy=0.85",
        "--min",
        "evidence@5=0.9",
        "--min",
        "retrieval.hit@5=0.9",
        "--min",
        "citation_precision=0.9",
        "--min",
        "by_type.task.accuracy=0.9",
        "--max",
        "latency_ms.p95=500",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASS") == 7 and "FAIL" not in done.stdout


@pytest.mark.unit
def test_check_fails_a_gate_below_its_minimum_and_an_undefined_metric(metrics_dir: Path) -> None:
    done = eval_check(metrics_dir, "--min", "accuracy=0.8", "--min", "abstention.recall=0.8")
    assert done.returncode == 1
    assert "PASS  answer.accuracy" in done.stdout and "FAIL  abstention.recall = 0.5" in done.stdout
    undefined = eval_check(metrics_dir, "--min", "abstention.precision=0.5")
    assert undefined.returncode == 1 and "undefined" in undefined.stdout


@pytest.mark.unit
@pytest.mark.parametrize(
    "gates",
    [
        ("--min", "acuracy=0.8"),
        ("--min", "accuracy"),
        ("--min", "accuracy=high"),
        ("--min", "retrieval.accuracy=0.5"),
        (),
    ],
)
def test_check_usage_errors_exit_2(metrics_dir: Path, gates: tuple[str, ...]) -> None:
    done = eval_check(metrics_dir, *gates)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "FAIL" not in done.stdout


@pytest.mark.unit
def test_check_on_a_missing_metrics_file_exits_2(tmp_path: Path) -> None:
    assert eval_check(tmp_path, "--min", "accuracy=0.8").returncode == 2

"""`python -m eval sets`: the sets file resolves, and the per-set table pools the held-out sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.__main__ import main
from eval.sets import load_sets, summarise

ROOT = Path(__file__).resolve().parent.parent


def _metrics(n: int, accuracy: float, register: dict | None = None) -> dict:
    return {
        "n": n,
        "retrieval": {"hit@5": 1.0, "evidence@5": 0.9},
        "answer": {"accuracy": accuracy, "citation_precision": 1.0, "median_chars": 400},
        "abstention": {"precision": None, "recall": 1.0},
        "latency_ms": {"p50": 40, "p95": 90},
        "register": register,
    }


@pytest.mark.unit
def test_repository_sets_file_names_every_shared_set(tmp_path: Path) -> None:
    sets = load_sets(ROOT / "eval" / "sets.toml", tmp_path / "shared", ROOT)
    names = {s.name: s for s in sets}
    assert {"seeds", "sample", "corpus_b", "dev"} <= set(names)
    assert names["dev"].corpus == tmp_path / "shared" / "corpus" / "dev"
    assert names["seeds"].group == "seed" and names["dev"].group == "held-out"
    assert (
        names["sample"].corpus == ROOT / "data" / "sample"
        and names["sample"].assignments == ROOT / "data" / "sample" / "assignments.jsonl"
    )


@pytest.mark.unit
def test_sets_file_without_required_field_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "sets.toml"
    bad.write_text('[[set]]\nname = "x"\nqa = "q.jsonl"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="corpus"):
        load_sets(bad, tmp_path, tmp_path)


@pytest.mark.unit
def test_held_out_sets_are_pooled_by_question_count() -> None:
    reg = {"assignments": {"precision": 0.9, "recall": 0.5, "recall_named": 0.6, "role_accuracy": 1.0}}
    results = [
        {"name": "seeds", "group": "seed", "metrics": _metrics(10, 1.0)},
        {"name": "a", "group": "held-out", "metrics": _metrics(30, 0.5, reg)},
        {"name": "b", "group": "held-out", "metrics": _metrics(10, 0.9)},
    ]
    summary, table = summarise(results, {"in_sample": 0.8, "cross_validated": 0.75})
    assert summary["generalisation"]["held-out"]["accuracy"] == pytest.approx(0.6)  # (30·0.5 + 10·0.9) / 40
    assert summary["generalisation"]["seed"]["accuracy"] == 1.0
    assert summary["generalisation"]["held-out"]["abstention P"] is None  # undefined stays undefined
    assert "| a (held-out) | 30 | 0.500" in table and "named R 0.60" in table
    assert "cross_validated" in table


@pytest.mark.unit
def test_unknown_set_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sets", "--only", "nope", "--shared", str(ROOT.parent / "shared")]) == 2
    assert "unknown set" in capsys.readouterr().err

"""`python -m bench run` end to end on a tiny synthetic corpus: the JSON line has every key the
benchmark promises, with sane values (no timing thresholds: speed is measured, not tested)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import Vocabulary, generate, questions
from bench.measure import RESULT_KEYS

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.unit
def test_synthetic_corpus_is_deterministic_and_varied() -> None:
    vocab = Vocabulary.load()
    assert len(vocab.provinces) == 63
    a, b = generate(120, seed=3, vocab=vocab), generate(120, seed=3, vocab=vocab)
    assert [n.text for n in a] == [n.text for n in b]
    assert [n.text for n in generate(120, seed=4, vocab=vocab)] != [n.text for n in a]
    assert sum(n.sections for n in a) >= 120
    assert len({n.file_name for n in a}) == len(a)
    assert len({n.province for n in generate(2000, seed=3, vocab=vocab)}) > 40
    asked = questions(a, 10, seed=3, vocab=vocab)
    assert len(asked) == len(set(asked)) == 10


@pytest.mark.e2e
def test_bench_run_prints_one_json_line_with_every_key(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            "--chunks",
            "50",
            "--json",
            "--questions",
            "4",
            "--raw-sample",
            "8",
            "--quiet",
            "--workdir",
            str(tmp_path / "work"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert tuple(result) == RESULT_KEYS
    assert 30 <= result["chunks"] <= 80
    for key in RESULT_KEYS[1:]:
        assert isinstance(result[key], (int, float)) and result[key] >= 0, (key, result[key])
        if key != "reingest_unchanged_s":  # unchanged re-ingest of 5 files may round to 0.000
            assert result[key] > 0, (key, result[key])
    assert result["ask_p95_ms"] >= result["ask_p50_ms"]
    assert result["index_mb"] < 200 and result["peak_rss_mb"] < 4000
    assert (tmp_path / "work" / "index" / "records.sqlite").exists()

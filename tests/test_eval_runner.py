"""The evaluation runner end to end, on a real index and the real ChatService: `eval run` ingests a
fresh index and writes the outputs; a given index is used as is and the run is deterministic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import eval_check

ROOT = Path(__file__).resolve().parents[1]


def _subset(shared: Path, tmp_path: Path, keep) -> Path:  # type: ignore[no-untyped-def]
    """A question set made of the seed questions `keep(line)` selects."""
    lines = (shared / "eval" / "seed_qa.jsonl").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "qa.jsonl"
    path.write_text("\n".join(line for line in lines if keep(line)) + "\n", encoding="utf-8")
    return path


@pytest.mark.e2e
def test_eval_run_cli_ingests_a_fresh_index_and_writes_the_outputs(
    tmp_path: Path, seeds_dir: Path, shared: Path
) -> None:
    corpus = tmp_path / "corpus" / "sub"
    corpus.mkdir(parents=True)
    (corpus / "004_2cf336e0c0e404f5.txt").write_bytes((seeds_dir / "004_2cf336e0c0e404f5.txt").read_bytes())
    qa_path = _subset(shared, tmp_path, lambda line: '"004_2cf336e0c0e404f5"' in line or '"unanswerable"' in line)
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "eval",
            "run",
            "--corpus",
            str(corpus.parent),
            "--qa",
            str(qa_path),
            "--out",
            str(out),
            "--quiet",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    n = len(qa_path.read_text(encoding="utf-8").splitlines())
    assert metrics["n"] == n and metrics["config"]["n_documents"] == 1 and metrics["ingest"]["added"] == 1
    assert metrics["retrieval"]["hit@5"] is not None  # sources under a subfolder still match by file name
    assert len((out / "answers.jsonl").read_text(encoding="utf-8").splitlines()) == n
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# NTM Assistant")
    gate = eval_check(out, "--min", "n=1")
    assert gate.returncode == 0, gate.stdout


@pytest.mark.e2e
def test_run_eval_uses_a_given_index_as_is_and_is_deterministic(tmp_path: Path, seed_index, shared: Path) -> None:
    from eval.runner import run_eval

    qa_path = _subset(shared, tmp_path, lambda line: any(f'"seed-{n:03d}"' in line for n in (1, 19, 33, 51, 59, 65)))
    corpus = tmp_path / "unused"
    corpus.mkdir()
    first = run_eval(corpus, qa_path, tmp_path / "out1", seed_index.index_dir, progress=False)
    second = run_eval(corpus, qa_path, tmp_path / "out2", seed_index.index_dir, progress=False)
    assert first["ingest"] is None  # the index held documents: nothing ingested
    assert first["config"]["n_documents"] == 5 and first["n"] == 6
    assert {k: v for k, v in first.items() if k != "latency_ms"} == {
        k: v for k, v in second.items() if k != "latency_ms"
    }

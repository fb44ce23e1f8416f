"""Ingest with files prepared ahead in worker processes gives exactly what the sequential ingest
gives (records, chunks, assignments, targets, lexical index, report), and a file refused inside a
worker is refused with the same reason and touches nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ingest.prefetch import MIN_FILES_FOR_POOL, PreparedStream
from tests.support import HashEmbeddings, index_state

pytestmark = pytest.mark.e2e

MB = 1024 * 1024
BAD = [
    "empty_zero-bytes.pdf",
    "random-bytes.pdf",
    "truncated_first-60pct.pdf",
    "encrypted_user-password-secret.pdf",
    "zip-with-garbage.docx",
    "png-image-named.txt",
]


@pytest.fixture
def corpus(tmp_path: Path, shared: Path) -> Path:
    """Seeds, the formats kit (txt in odd encodings, html, docx, pdf) and bad files, interleaved."""
    root = tmp_path / "corpus"
    shutil.copytree(shared / "corpus" / "seeds", root / "a-seeds")
    formats = shared / "corpus" / "formats"
    (root / "b-formats").mkdir()
    for path in formats.iterdir():
        if path.is_file():
            shutil.copy(path, root / "b-formats" / path.name)
    (root / "c-bad").mkdir()
    for name in BAD:
        shutil.copy(shared / "corpus" / "bad" / name, root / "c-bad" / name)
    return root


def _ingest(make_index, make_ingester, index_dir: Path, corpus: Path, workers: int) -> tuple[dict, dict]:
    index = make_index(index_dir, HashEmbeddings())
    report = make_ingester(index, workers=workers).ingest_paths([corpus])
    return report.as_dict(), index_state(index)


def test_pooled_ingest_equals_sequential(tmp_path: Path, corpus: Path, make_index, make_ingester) -> None:
    sequential = _ingest(make_index, make_ingester, tmp_path / "seq", corpus, workers=0)
    pooled = _ingest(make_index, make_ingester, tmp_path / "pool", corpus, workers=2)
    assert pooled == sequential
    report, state = pooled
    refused = {r["source"].split("/")[-1]: r["reason"] for r in report["refused"]}
    assert set(refused) == set(BAD)  # each named, with its reason, the rest went in
    prepared = len(report["added"]) + len(report.get("duplicates", [])) + len(report["refused"])
    assert prepared >= MIN_FILES_FOR_POOL  # enough files for the pool to be used
    assert state["docs"] and state["search"][0]


def test_bad_files_in_the_pool_leave_the_index_as_it_was(
    tmp_path: Path, corpus: Path, shared: Path, make_index, make_ingester
) -> None:
    index = make_index(tmp_path / "idx", HashEmbeddings())
    make_ingester(index, workers=2).ingest_paths([corpus / "a-seeds"])
    before = index_state(index)
    generation = index.generation
    bad_only = tmp_path / "bad-only"
    bad_only.mkdir()
    for n in range(3):  # enough files for the pool
        for name in BAD:
            shutil.copy(shared / "corpus" / "bad" / name, bad_only / f"{n}-{name}")
    report = make_ingester(index, workers=2).ingest_paths([bad_only])
    assert len(report.refused) == 3 * len(BAD) and not report.added and not report.updated
    assert index_state(index) == before
    assert index.generation == generation  # nothing written, nothing published
    reopened = make_index(tmp_path / "idx", HashEmbeddings())
    assert index_state(reopened) == before


def test_stream_keeps_file_order_and_groups_for_the_embedder(knowledge, tmp_path: Path, corpus: Path) -> None:
    from ingest.chunking import ChunkingConfig
    from ingest.pipeline import iter_input_files

    files = iter_input_files([corpus])
    groups: list[int] = []
    stream = PreparedStream(
        files,
        lambda source, h: True,
        20 * MB,
        knowledge,
        ChunkingConfig(),
        workers=2,
        window=3,
        on_ready=lambda docs: groups.append(sum(len(d.chunks) for d in docs)),
    )
    items = list(stream)
    assert [it.source for it in items] == [source for _, source in files]
    assert sum(groups) == sum(len(it.prepared.chunks) for it in items if it.prepared)
    assert len(groups) < sum(1 for it in items if it.prepared)  # several documents per embedding call

"""The vector copy in the records (vectorstore/chunk_vectors.py) and its exact search in memory
(vectorstore/vector_shelf.py): it holds what Chroma holds, follows other processes' writes and a
shared server, is filled for an index written before it, and the dense leg's hits are the exact
nearest chunks. Where the copy answers, Chroma's query is made to fail, so a pass cannot come from
Chroma answering instead."""

from __future__ import annotations

import fcntl
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.scope import PlaceScope, where_clause
from tests.support import HashEmbeddings
from vectorstore import chunk_vectors
from vectorstore.records import RecordStore

QUESTIONS = ("Sở Tài chính có nhiệm vụ gì?", "số xã đạt chuẩn nông thôn mới", "kế hoạch vốn năm 2024", "OCOP")


def _exact(index: Any, vector: list[float], k: int, allowed: Any = None) -> list[str]:
    """The k nearest by cosine over the vectors Chroma holds (ties by id): the oracle."""
    got = index.collection.get(include=["embeddings"])
    pairs = [(i, np.asarray(v, dtype=np.float64)) for i, v in zip(got["ids"], got["embeddings"], strict=True)]
    q = np.asarray(vector, dtype=np.float64)
    scored = [
        (-float(v @ q / np.linalg.norm(v) / np.linalg.norm(q)), i) for i, v in pairs if allowed is None or i in allowed
    ]
    return [i for _, i in sorted(scored)[:k]]


def _without_chroma_queries(index: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the dense leg asked Chroma although the vector copy could answer")

    monkeypatch.setattr(type(index.collection), "query", refuse)  # every Collection object (refresh reopens it)


def _filters(index: Any, knowledge: Any) -> list[Any]:
    provinces = sorted({d.metadata.get("province", "") for d in index.documents()} - {""})
    wheres = [where_clause(None, PlaceScope((p,)), knowledge.places, {}) for p in provinces]
    return [index.chunk_ids_where(w) for w in wheres if w]


def _agrees(index: Any, knowledge: Any, k: int = 8) -> int:
    """Every question's dense hits, unfiltered and under each province filter, are the exact
    nearest; returns how many searches were compared."""
    index.refresh()
    searched = 0
    for question in QUESTIONS:
        vector = index.query_vector(question)
        for allowed in (None, *_filters(index, knowledge)):
            hits = index.dense_search(question, k, allowed=allowed, vector=vector)
            assert [h.chunk_id for h in hits] == _exact(index, vector, k, allowed), (question, allowed)
            assert all(-1.0 <= h.score <= 1.0 for h in hits)
            searched += 1
    return searched


def _index_of(folder: Path, paths: list[Path], make_index, make_ingester, **options: Any) -> Any:
    index = make_index(folder, HashEmbeddings(), **options)
    assert not make_ingester(index).ingest_paths(paths).refused
    return index


@pytest.mark.e2e
def test_the_dense_leg_gives_the_exact_nearest_from_the_copy(
    tmp_path: Path, seeds_dir: Path, shared: Path, knowledge, make_index, make_ingester, monkeypatch
) -> None:
    dev_dir = shared / "corpus" / "dev"
    paths = [*sorted(seeds_dir.glob("*.txt")), *sorted(dev_dir.glob("*.txt"))[:4]]
    index = _index_of(tmp_path / "index", paths, make_index, make_ingester)
    stored = index.collection.get(include=["embeddings"])
    db = sqlite3.connect(tmp_path / "index" / "records.sqlite")
    copied = dict(db.execute("SELECT chunk_id, vector FROM chunk_vectors").fetchall())
    db.close()
    assert set(copied) == set(stored["ids"]) == set(index.chunk_ids())
    for chunk_id, vector in zip(stored["ids"], stored["embeddings"], strict=True):
        # float32 both; Chroma's may differ from what it was given in the last place (it normalises)
        assert np.allclose(np.frombuffer(copied[chunk_id], dtype="<f4"), vector, rtol=1e-6, atol=1e-7)
    _without_chroma_queries(index, monkeypatch)
    assert _agrees(index, knowledge) >= 3 * len(QUESTIONS)
    assert index.dense_search("x", 5, allowed=frozenset()) == []
    index.close()


@pytest.mark.e2e
def test_past_the_limit_chroma_is_asked(tmp_path: Path, seeds_dir: Path, make_index, make_ingester) -> None:
    """An index larger than the copy's limit: an unfiltered search is Chroma's, a filter listing fewer
    chunks than the limit is the copy's."""
    from vectorstore.index import Index

    index = Index(tmp_path / "index", HashEmbeddings(), exact_limit=5)
    assert not make_ingester(index).ingest_paths(sorted(seeds_dir.glob("*.txt"))).refused
    asked: list[dict[str, Any]] = []
    query = index.collection.query

    def recorded(**options: Any) -> Any:
        asked.append(options)
        return query(**options)

    index.collection.query = recorded  # type: ignore[method-assign]
    vector = index.query_vector(QUESTIONS[0])
    assert [h.chunk_id for h in index.dense_search("q", 4, vector=vector)] == _exact(index, vector, 4)
    assert len(asked) == 1
    few = frozenset(index.chunk_ids()[:5])
    assert [h.chunk_id for h in index.dense_search("q", 3, allowed=few, vector=vector)] == _exact(index, vector, 3, few)
    assert len(asked) == 1
    index.close()


@pytest.mark.e2e
def test_the_copy_follows_another_process_writing_the_folder(
    tmp_path: Path, seeds_dir: Path, shared: Path, knowledge, make_index, make_ingester, monkeypatch
) -> None:
    """A reader's copy in memory follows the writer's adds, a changed document and a removal."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in [*sorted(seeds_dir.glob("*.txt"))[:3], *sorted((shared / "corpus" / "dev").glob("*.txt"))[:3]]:
        (corpus / path.name).write_bytes(path.read_bytes())
    files = sorted(corpus.glob("*.txt"))
    writer = _index_of(tmp_path / "index", files[:4], make_index, make_ingester)
    reader = make_index(tmp_path / "index", HashEmbeddings())
    _without_chroma_queries(reader, monkeypatch)
    _agrees(reader, knowledge)
    make_ingester(writer).ingest_paths(files[4:])
    _agrees(reader, knowledge)
    changed = files[1]
    changed.write_text(
        changed.read_text(encoding="utf-8") + "\nUBND tỉnh giao Sở Tài chính bố trí vốn OCOP.\n", "utf-8"
    )
    report = make_ingester(writer).ingest_paths([changed])
    assert len(report.updated) == 1, report
    assert writer.remove(writer.documents()[0].source)
    _agrees(reader, knowledge)
    assert set(reader.chunk_ids()) == set(writer.collection.get(include=[])["ids"])
    writer.close()
    reader.close()


@pytest.mark.e2e
def test_an_index_written_before_the_copy_is_filled_from_chroma(
    tmp_path: Path, seeds_dir: Path, knowledge, make_index, make_ingester, monkeypatch
) -> None:
    folder = tmp_path / "index"
    _index_of(folder, sorted(seeds_dir.glob("*.txt")), make_index, make_ingester).close()
    db = sqlite3.connect(folder / "records.sqlite")
    db.execute("DELETE FROM chunk_vectors")  # as older code left it: no copy, not marked complete
    db.execute("DELETE FROM meta WHERE key=?", (chunk_vectors.META_KEY,))
    db.commit()
    db.close()
    with (folder / ".write.lock").open("w") as lock:  # another process writing: not filled now
        fcntl.flock(lock, fcntl.LOCK_EX)
        waiting = make_index(folder, HashEmbeddings())
        fcntl.flock(lock, fcntl.LOCK_UN)
    vector = waiting.query_vector(QUESTIONS[1])
    assert [h.chunk_id for h in waiting.dense_search("q", 6, vector=vector)] == _exact(waiting, vector, 6)  # Chroma
    waiting.close()
    index = make_index(folder, HashEmbeddings())
    _without_chroma_queries(index, monkeypatch)
    assert _agrees(index, knowledge) >= len(QUESTIONS)
    index.close()


@pytest.mark.unit
def test_a_document_recorded_without_vectors_marks_the_copy_incomplete(tmp_path: Path) -> None:
    from core.contracts import Chunk, CleanDocument, DocumentMetadata

    records = RecordStore(tmp_path / "records.sqlite")
    assert chunk_vectors.complete(records.connection)  # empty: complete from the start
    doc = CleanDocument("d1", "a.txt", "h", "txt", "Một. Hai.", [], DocumentMetadata())
    chunks = [Chunk("d1:0", "d1", 0, "Một.", [], 0, 4, []), Chunk("d1:1", "d1", 1, "Hai.", [], 5, 9, [])]
    described = [{"province": ""}, {"province": ""}]
    records.replace_document(doc, chunks, ["Một.", "Hai."], chunk_metadata=described, vectors=[[1.0, 0.0], [0.0, 1.0]])
    assert chunk_vectors.complete(records.connection)
    assert records.stored_vectors(["d1:1", "zz"]) == {"d1:1": [0.0, 1.0]}
    with pytest.raises(ValueError, match="2 chunks but 1 vectors"):
        records.replace_document(doc, chunks, ["Một.", "Hai."], chunk_metadata=described, vectors=[[1.0, 0.0]])
    assert records.stored_vectors(["d1:0", "d1:1"]) == {"d1:0": [1.0, 0.0], "d1:1": [0.0, 1.0]}  # rolled back
    records.replace_document(doc, chunks, ["Một.", "Hai."], chunk_metadata=described)
    assert not chunk_vectors.complete(records.connection)
    records.delete_document("d1")
    assert records.stored_vectors(["d1:0", "d1:1"]) == {}
    records.close()


@pytest.mark.e2e
def test_the_copy_follows_the_shared_store(
    tmp_path: Path, seeds_dir: Path, knowledge, chroma_server: str, make_index, make_ingester, monkeypatch
) -> None:
    """A reader folder on a Chroma server copies the vectors of what it pulls: its dense hits are
    the exact nearest over the server's vectors, after adds and a removal by the writer."""
    seeds = sorted(seeds_dir.glob("*.txt"))
    writer = _index_of(tmp_path / "writer", seeds[:3], make_index, make_ingester, chroma_url=chroma_server)
    reader = make_index(tmp_path / "reader", HashEmbeddings(), chroma_url=chroma_server)
    _without_chroma_queries(reader, monkeypatch)
    _agrees(reader, knowledge)
    make_ingester(writer).ingest_paths(seeds[3:])
    _agrees(reader, knowledge)
    assert writer.remove(writer.documents()[0].source)
    _agrees(reader, knowledge)
    writer.close()
    reader.close()

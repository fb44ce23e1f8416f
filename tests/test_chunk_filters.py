"""Metadata filters answered from the records' filter table (vectorstore/chunk_filters.py): the same
ids as Chroma's `get(where=...)` for the filters retrieval builds, kept in step on ingest and
removal, filled for an index written before the table existed, and following a shared server."""

from __future__ import annotations

import fcntl
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from assistant.scope import PlaceScope, where_clause
from core.contracts import Filters
from tests.support import HashEmbeddings
from vectorstore.chunk_filters import where_sql


@pytest.mark.unit
def test_the_translator_declines_what_it_does_not_reproduce() -> None:
    """Keys the table does not hold, $ne/$nin (they match chunks lacking the key), float operands
    and filters Chroma rejects go to Chroma."""
    for where in (
        {"doc_id": "d1"},
        {"title": {"$eq": "x"}},
        {"province": {"$ne": "Hà Nội"}},
        {"province": {"$nin": ["Hà Nội"]}},
        {"year": {"$gte": 2020.5}},
        {"year": {"$in": [2020, 2021.0]}},
        {"province": {"$in": []}},
        {"province": {"$gt": "A"}},
        {"$and": [{"year": 2020}]},
        {"$or": [{"year": 2020}, {"doc_id": "d1"}]},
        {"year": 2020, "kind": "kế hoạch"},
        {"year": {"$gte": 2020, "$lte": 2022}},
        {"$not": [{"year": 2020}, {"year": 2021}]},
    ):
        assert where_sql(where) is None, where
    for where in (
        {"province": "Hà Nội"},
        {"year": {"$lte": 2022}},
        {"ag_so-tai-chinh": True},
        {"$and": [{"province": {"$in": ["Hà Nội", ""]}}, {"$or": [{"year": 2020}, {"kind": "báo cáo"}]}]},
    ):
        assert where_sql(where) is not None, where


def _index_of(folder: Path, paths: list[Path], make_index, make_ingester, url: str | None = None) -> Any:
    index = make_index(folder, HashEmbeddings(), chroma_url=url)
    report = make_ingester(index).ingest_paths(paths)
    assert not report.refused, report.refused
    return index


def _retrieval_filters(index: Any, knowledge: Any) -> list[dict[str, Any]]:
    """The filters retrieval builds for every indexed province (with its merger partners, before
    and after the merger, with the UI's year, kind and agency filters), and a few more."""
    places, registry = knowledge.places, knowledge.registry
    docs = index.documents()
    provinces = sorted({d.metadata.get("province", "") for d in docs} - {""})
    kinds = sorted({d.metadata.get("kind", "") for d in docs} - {""})
    agencies = sorted({a for c in index.chunks(index.chunk_ids()).values() for a in c.agencies})
    assert len(provinces) >= 3 and kinds and agencies
    wheres: list[dict[str, Any]] = []
    for province in provinces:
        for scope in (PlaceScope((province,)), PlaceScope((province,), pre_merger_question=True, partners=False)):
            for filters in (None, Filters(year_from="2021"), Filters(year_from="2019", year_to="2023", kind=kinds[0])):
                wheres.append(where_clause(filters, scope, places, registry) or {})
    wheres += [
        {"kind": kinds[-1]},
        {"year": 0},
        {"$or": [{"kind": kinds[0]}, {"year": {"$lt": 2020}}]},
        {f"ag_{agencies[0]}": True},
        {"$and": [{f"ag_{agencies[-1]}": True}, {"province": {"$in": [*provinces[:2], ""]}}]},
        {"$and": [{"$or": [{"kind": kinds[0]}, {"year": {"$gte": 2021}}]}, {"province": {"$in": [provinces[0], ""]}}]},
        {
            "$and": [
                {"$or": [{"kind": kinds[0]}, {"kind": kinds[-1]}]},
                {"$or": [{"year": {"$lt": 2020}}, {"$and": [{"year": {"$gte": 2022}}, {f"ag_{agencies[0]}": True}]}]},
            ]
        },
        {"$or": [{"$and": [{"province": provinces[1]}, {"year": {"$gt": 2019}}]}, {"kind": kinds[-1]}]},
    ]
    return wheres


@pytest.mark.e2e
def test_the_filter_table_lists_what_chroma_lists(
    tmp_path: Path, shared: Path, knowledge, make_index, make_ingester, monkeypatch
) -> None:
    corpus = sorted((shared / "corpus" / "seeds").glob("*.txt")) + sorted((shared / "corpus" / "dev").glob("*"))
    index = _index_of(tmp_path / "index", corpus, make_index, make_ingester)
    wheres = _retrieval_filters(index, knowledge)
    expected = [set(index.collection.get(where=w, include=[])["ids"]) for w in wheres]
    assert sum(1 for e in expected if 0 < len(e) < index.count()) >= len(wheres) // 2

    def no_chroma(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("asked Chroma for a filter the records answer")

    monkeypatch.setattr(index.collection, "get", no_chroma)
    assert [set(index.chunk_ids_where(w)) for w in wheres] == expected
    monkeypatch.undo()

    # a key the table does not hold is asked of Chroma, with the same answer as before
    doc = index.documents()[0]
    assert set(index.chunk_ids_where({"doc_id": doc.doc_id})) == set(index.chunk_ids(doc.doc_id))

    # a removed document leaves no rows; the table still agrees with Chroma
    gone = index.chunk_ids(doc.doc_id)
    assert index.remove(doc.source)
    db = sqlite3.connect(tmp_path / "index" / "records.sqlite")
    marks = ",".join("?" * len(gone))
    assert db.execute(f"SELECT COUNT(*) FROM chunk_filters WHERE chunk_id IN ({marks})", gone).fetchone() == (0,)
    assert db.execute("SELECT COUNT(DISTINCT chunk_id) FROM chunk_filters").fetchone() == (index.count(),)
    db.close()
    for where in wheres:
        assert set(index.chunk_ids_where(where)) == set(index.collection.get(where=where, include=[])["ids"]), where
    index.close()


@pytest.mark.e2e
def test_an_index_written_before_the_table_is_filled_on_open(
    tmp_path: Path, seeds_dir: Path, knowledge, make_index, make_ingester
) -> None:
    _index_of(tmp_path / "index", sorted(seeds_dir.glob("*.txt")), make_index, make_ingester).close()
    old = tmp_path / "old"
    shutil.copytree(tmp_path / "index", old)
    db = sqlite3.connect(old / "records.sqlite")  # the table's first form, never filled
    db.execute("DROP TABLE chunk_filters")
    db.execute(
        "CREATE TABLE chunk_filters (key, type, value, chunk_id, doc_id, PRIMARY KEY (key, type, value, chunk_id))"
    )
    db.execute("DELETE FROM meta WHERE key='chunk_filters'")
    db.commit()
    db.close()

    def rows() -> int:
        db = sqlite3.connect(old / "records.sqlite")
        try:
            return int(db.execute("SELECT COUNT(*) FROM chunk_filters").fetchone()[0])
        finally:
            db.close()

    with (old / ".write.lock").open("w") as lock:  # another process writing: not filled, Chroma answers
        fcntl.flock(lock, fcntl.LOCK_EX)
        index = make_index(old, HashEmbeddings())
        fcntl.flock(lock, fcntl.LOCK_UN)
    where = where_clause(None, PlaceScope((index.documents()[0].metadata["province"],)), knowledge.places, {})
    assert where is not None
    expected = set(index.collection.get(where=where, include=[])["ids"])
    assert rows() == 0 and set(index.chunk_ids_where(where)) == expected
    index.close()
    index = make_index(old, HashEmbeddings())
    assert rows() >= 3 * index.count()  # province, year and kind of every chunk at least
    assert set(index.chunk_ids_where(where)) == expected
    index.close()


@pytest.mark.e2e
def test_the_filter_table_follows_the_shared_store(
    tmp_path: Path, seeds_dir: Path, knowledge, chroma_server: str, make_index, make_ingester
) -> None:
    """A reader folder on a Chroma server answers filters from the records it pulled: the ids the
    server's collection lists, after the writer adds documents and after it removes one."""
    seeds = sorted(seeds_dir.glob("*.txt"))
    writer = _index_of(tmp_path / "writer", seeds[:3], make_index, make_ingester, chroma_server)
    reader = make_index(tmp_path / "reader", HashEmbeddings(), chroma_url=chroma_server)

    def agree() -> int:
        reader.refresh()
        provinces = sorted({d.metadata.get("province", "") for d in reader.documents()})
        wheres = [where_clause(None, PlaceScope((p,)), knowledge.places, {}) or {} for p in provinces if p]
        wheres.append({"year": {"$gte": 2000}})
        for where in wheres:
            listed = set(reader.chunk_ids_where(where))
            assert listed == set(reader.collection.get(where=where, include=[])["ids"]), where
        return len(wheres)

    assert agree() >= 2
    make_ingester(writer).ingest_paths(seeds[3:])
    agree()
    assert writer.remove(writer.documents()[0].source)
    agree()
    writer.close()
    reader.close()


@pytest.mark.e2e
def test_a_listed_id_chroma_does_not_hold_falls_back_to_the_filter(
    tmp_path: Path, seeds_dir: Path, knowledge, make_index, make_ingester
) -> None:
    """The records may list a chunk whose vector another process has not written yet (or has just
    removed); Chroma refuses such an id, so the dense leg is then filtered by `where` instead (when
    Chroma searches: here the exact vector copy never does, `exact_limit=0`)."""
    from vectorstore.index import Index

    index = Index(tmp_path / "index", HashEmbeddings(), exact_limit=0)
    assert not make_ingester(index).ingest_paths(sorted(seeds_dir.glob("*.txt"))).refused
    province = index.documents()[0].metadata["province"]
    where = where_clause(None, PlaceScope((province,)), knowledge.places, {})
    assert where is not None
    allowed = index.chunk_ids_where(where)
    assert len(allowed) > 2
    question = "Sở Tài chính có nhiệm vụ gì?"
    listed = index.dense_search(question, 5, where, allowed=allowed)
    assert listed and all(h.chunk_id in allowed for h in listed)
    index.collection.delete(ids=[listed[0].chunk_id])  # as if its vector were not written yet
    hits = index.dense_search(question, 5, where, allowed=allowed)
    assert [h.chunk_id for h in hits] == [h.chunk_id for h in index.dense_search(question, 5, where)]
    assert listed[0].chunk_id not in {h.chunk_id for h in hits} and hits
    index.close()

"""Agency readings stored at ingest (core/agency_mentions, in core/chunk_readings' tables): a
registry primed with them answers `find` exactly as one that parses the texts itself, without
parsing; tables of another code or data version are ignored; the index stores, replaces and drops
them with their document."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from core.agency_mentions import chunk_texts
from core.chunk_readings import prime_readings
from core.knowledge import Knowledge
from ingest.pipeline import prepare_bytes
from tests.support import HashEmbeddings


def _prepared(paths: list[Path], knowledge: Knowledge):
    return [prepare_bytes(p.read_bytes(), str(p), knowledge) for p in paths]


def _corpus(shared: Path) -> list[Path]:
    return (
        sorted((shared / "corpus" / "seeds").glob("*.txt"))[:3] + sorted((shared / "corpus" / "dev").glob("*.txt"))[::6]
    )


@pytest.mark.unit
def test_primed_registry_reads_every_chunk_text_as_parsing_does(shared: Path, knowledge: Knowledge, monkeypatch):
    prepared = _prepared(_corpus(shared), knowledge)
    fresh = Knowledge.load()  # another process: its registry has read nothing yet
    assert fresh.reading_version == knowledge.reading_version
    chunks = [c for p in prepared for c in p.chunks]
    assert all(set(p.readings) == {c.chunk_id for c in p.chunks} for p in prepared)
    stored = [(c.text, p.readings[c.chunk_id]) for p in prepared for c in p.chunks]
    assert prime_readings(fresh, stored) == len(stored)

    def no_parsing(text: str, question: bool):
        raise AssertionError(f"parsed a text whose reading was stored: {text[:60]!r}")

    monkeypatch.setattr(fresh.registry, "_find", no_parsing)
    texts = [t for c in chunks for t in chunk_texts(c.text, c.heading_path)]
    assert len(texts) > 200
    named = 0
    for text in texts:
        got, want = fresh.registry.find(text), knowledge.registry.find(text)
        assert got == want, text
        for mention in got:  # every id found can be looked up, as after parsing
            assert fresh.registry.get(mention.agency_id).name == knowledge.registry.get(mention.agency_id).name
        named += bool(got)
    assert named > 20  # the corpus names agencies: the check is not vacuous


@pytest.mark.unit
def test_readings_of_another_version_are_ignored(shared: Path, knowledge: Knowledge, monkeypatch):
    (prepared,) = _prepared(_corpus(shared)[:1], knowledge)
    fresh = Knowledge.load()
    other = dataclasses.replace(fresh, reading_version="another-version")
    assert prime_readings(other, [(c.text, prepared.readings[c.chunk_id]) for c in prepared.chunks]) == 0
    parsed: list[str] = []
    real = fresh.registry._find
    monkeypatch.setattr(fresh.registry, "_find", lambda text, question: parsed.append(text) or real(text, question))
    chunk = prepared.chunks[0]
    text = chunk_texts(chunk.text, chunk.heading_path)[0]
    assert fresh.registry.find(text) == knowledge.registry.find(text)
    assert parsed == [text]


@pytest.mark.unit
def test_chunk_texts_cover_what_the_answer_path_reads():
    text = "Sở Tài chính chủ trì, phối hợp với các sở, ngành. UBND các huyện triển khai thực hiện."
    heading = ["II. NHIỆM VỤ", "1. Sở Tài chính"]
    texts = chunk_texts(text, heading)
    assert "Sở Tài chính chủ trì, phối hợp với các sở, ngành." in texts  # each evidence sentence
    assert "UBND các huyện triển khai thực hiện." in texts
    assert "1. Sở Tài chính" in texts and "II. NHIỆM VỤ 1. Sở Tài chính" in texts  # heading entries
    assert "II. NHIỆM VỤ 1. Sở Tài chính " + text in texts  # the chunk under its headings
    assert len(texts) == len(set(texts))


@pytest.mark.e2e
def test_index_stores_replaces_and_drops_readings(tmp_path: Path, shared: Path, make_index, make_ingester):
    source = tmp_path / "notice.txt"
    seed = sorted((shared / "corpus" / "seeds").glob("*.txt"))[0]
    source.write_bytes(seed.read_bytes())
    index = make_index(tmp_path / "index", HashEmbeddings())
    ingester = make_ingester(index)
    ingester.ingest_paths([source])
    (doc,) = index.documents()
    ids = index.chunk_ids(doc.doc_id)
    assert set(index.agency_readings(ids)) == set(ids)
    source.write_text(seed.read_text("utf-8") + "\nSở Nông nghiệp và Môi trường tổng hợp, báo cáo.\n", "utf-8")
    ingester.ingest_paths([source])  # a new version replaces the old readings
    new_ids = index.chunk_ids(doc.doc_id)
    assert set(index.agency_readings(new_ids)) == set(new_ids)
    assert not set(index.agency_readings(sorted(set(ids) - set(new_ids))))
    assert index.remove(doc.source)
    assert index.agency_readings(new_ids) == {}
    index.close()


@pytest.mark.e2e
def test_ingest_fills_in_readings_an_older_index_lacks(tmp_path: Path, shared: Path, make_index, make_ingester):
    seeds = sorted((shared / "corpus" / "seeds").glob("*.txt"))[:2]
    index = make_index(tmp_path / "index", HashEmbeddings())
    ingester = make_ingester(index)
    ingester.ingest_paths(seeds)
    ids = index.chunk_ids()
    assert ingester.ingest_paths(seeds).readings_refreshed == 0  # stored with the chunks already
    with sqlite3.connect(tmp_path / "index" / "records.sqlite") as db:  # as if built before they were stored
        db.execute("DELETE FROM agency_readings")
    report = ingester.ingest_paths(seeds)
    assert report.unchanged and report.readings_refreshed == len(ids)
    assert set(index.agency_readings(ids)) == set(ids)
    assert ingester.ingest_paths(seeds).readings_refreshed == 0
    index.close()


@pytest.mark.unit
def test_an_early_readings_table_is_rebuilt_on_open(tmp_path: Path):
    from vectorstore.records import RecordStore

    path = tmp_path / "records.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE agency_readings (chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, readings TEXT NOT NULL)")
    db.execute("INSERT INTO agency_readings VALUES ('c1', 'd1', '{}')")
    db.commit()
    db.close()
    store = RecordStore(path)
    columns = {row[1] for row in store.connection.execute("PRAGMA table_info(agency_readings)")}
    assert "version" in columns
    assert store.agency_readings(["c1"]) == {}
    store.close()


@pytest.mark.e2e
def test_readings_follow_the_shared_store(tmp_path: Path, shared: Path, chroma_server: str, make_index, make_ingester):
    """A second folder on the same Chroma server gets the writer's readings with its records, and
    its dense leg over listed ids works against the server too."""
    seed = sorted((shared / "corpus" / "seeds").glob("*.txt"))[0]
    writer = make_index(tmp_path / "writer", HashEmbeddings(), chroma_url=chroma_server)
    make_ingester(writer).ingest_paths([seed])
    ids = writer.chunk_ids()
    reader = make_index(tmp_path / "reader", HashEmbeddings(), chroma_url=chroma_server)
    reader.refresh()
    assert reader.chunk_ids() == ids
    assert reader.agency_readings(ids) == writer.agency_readings(ids) and len(ids) > 0
    (doc,) = reader.documents()
    where = {"province": doc.metadata.get("province", "")}
    allowed = reader.chunk_ids_where(where)
    listed = reader.dense_search("Sở Tài chính", 5, where, allowed=allowed)
    assert [h.chunk_id for h in listed] == [h.chunk_id for h in reader.dense_search("Sở Tài chính", 5, where)]
    writer.close()
    reader.close()

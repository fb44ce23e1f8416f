"""The Index against a real Chroma (PersistentClient in tmp_path) and the real default embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from vectorstore.index import EmbeddingModelMismatch

pytestmark = pytest.mark.e2e


def snapshot(index) -> dict:
    """Everything a refused file must leave untouched."""
    got = index.collection.get(include=["documents", "metadatas"])
    return {
        "docs": [(d.doc_id, d.source, d.content_hash) for d in index.documents()],
        "chroma": sorted(zip(got["ids"], got["documents"], strict=False)),
        "lexical": index.lexical.fingerprint,
    }


def test_seed_index_is_searchable_both_legs(seed_index) -> None:
    assert len(seed_index.documents()) == 5
    assert seed_index.count() == sum(d.n_chunks for d in seed_index.documents())
    lexical = seed_index.lexical_search("so ke hoach va dau tu co che quan ly dau tu", 3)
    assert seed_index.chunks([lexical[0].chunk_id])[lexical[0].chunk_id].text.startswith("Sở Kế hoạch và Đầu tư:")
    dense = seed_index.dense_search("Hà Tĩnh có bao nhiêu sản phẩm OCOP", 5)
    sources = {seed_index.chunks([h.chunk_id])[h.chunk_id].doc_id for h in dense}
    assert any(d.doc_id in sources for d in seed_index.documents() if d.source.startswith("002_"))


def test_dense_search_over_listed_ids_equals_the_metadata_filter(seed_index) -> None:
    """Retrieval lists a filter's ids once (for the lexical leg) and restricts the dense query to
    them: the same hits, in the same order, as Chroma's metadata filter; nothing listed, no hits."""
    question = "Sở Tài chính có nhiệm vụ gì trong xây dựng nông thôn mới?"
    provinces = sorted({d.metadata.get("province", "") for d in seed_index.documents()} - {""})
    assert len(provinces) >= 2
    vector = seed_index.query_vector(question)
    for where in ({"province": provinces[0]}, {"province": {"$in": [provinces[1], ""]}}):
        allowed = seed_index.chunk_ids_where(where)
        assert 0 < len(allowed) < seed_index.count()
        filtered = seed_index.dense_search(question, 8, where)
        listed = seed_index.dense_search(question, 8, where, allowed=allowed, vector=vector)
        assert [h.chunk_id for h in listed] == [h.chunk_id for h in filtered]
        assert [round(h.score, 5) for h in listed] == [round(h.score, 5) for h in filtered]
        assert all(h.chunk_id in allowed for h in listed)
    assert seed_index.dense_search(question, 8, {"province": "Không có"}, allowed=frozenset()) == []


def test_lexical_search_ignores_diacritics(seed_index) -> None:
    with_marks = [h.chunk_id for h in seed_index.lexical_search("Sở Kế hoạch và Đầu tư cơ chế quản lý", 5)]
    without = [h.chunk_id for h in seed_index.lexical_search("so ke hoach va dau tu co che quan ly", 5)]
    assert with_marks == without and with_marks


def test_reingest_is_idempotent_and_updates_replace(tmp_path: Path, seeds_dir: Path, make_index, make_ingester) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds_dir, corpus)
    index = make_index(tmp_path / "idx")
    ingester = make_ingester(index)
    first = ingester.ingest_paths([corpus])
    assert len(first.added) == 5
    before = snapshot(index)
    again = ingester.ingest_paths([corpus])
    assert again.unchanged == sorted(again.unchanged) and len(again.unchanged) == 5 and not again.added
    assert snapshot(index) == before

    target = next(corpus.glob("004_*.txt"))
    target.write_text(target.read_text("utf-8").replace("88 xã đạt chuẩn NTM", "90 xã đạt chuẩn NTM"), "utf-8")
    updated = ingester.ingest_paths([corpus])
    assert updated.updated == [target.name]
    doc = index.find_document(target.name)
    texts = [c.text for c in index.chunks(index.chunk_ids(doc.doc_id)).values()]
    assert any("90 xã đạt chuẩn NTM" in t for t in texts) and not any("88 xã đạt chuẩn" in t for t in texts)
    got = index.collection.get(where={"doc_id": doc.doc_id}, include=["documents"])
    assert sorted(got["ids"]) == sorted(index.chunk_ids(doc.doc_id))
    assert not any("88 xã đạt chuẩn" in t for t in got["documents"])
    assert index.lexical_search("88 xa dat chuan", 10) == [] or all(
        "88 xã" not in index.chunks([h.chunk_id])[h.chunk_id].text for h in index.lexical_search("88 xa dat chuan", 10)
    )


def test_remove_deletes_document_and_chunks(tmp_path: Path, seeds_dir: Path, make_index, make_ingester) -> None:
    index = make_index(tmp_path / "idx")
    make_ingester(index).ingest_paths([seeds_dir])
    record = index.find_document("003_53ad26070fe62449.txt")
    with index.batch():
        assert index.remove("003_53ad26070fe62449.txt")
        assert not index.remove("003_53ad26070fe62449.txt")
    assert index.find_document("003_53ad26070fe62449.txt") is None
    assert index.collection.get(where={"doc_id": record.doc_id})["ids"] == []
    assert all(not h.chunk_id.startswith(record.doc_id) for h in index.lexical_search("so ke hoach va dau tu", 20))
    assert index.count() == sum(d.n_chunks for d in index.documents())


def test_index_reopens_from_disk(tmp_path: Path, seeds_dir: Path, make_index, make_ingester) -> None:
    index = make_index(tmp_path / "idx")
    make_ingester(index).ingest_paths([seeds_dir])
    fingerprint = index.lexical.fingerprint
    index.close()
    reopened = make_index(tmp_path / "idx")
    assert reopened.lexical.fingerprint == fingerprint
    assert len(reopened.documents()) == 5 and reopened.lexical_search("ocop", 3)


def test_querying_with_another_model_is_an_error(
    tmp_path: Path, seeds_dir: Path, embeddings, make_index, make_ingester
) -> None:
    index = make_index(tmp_path / "idx")
    make_ingester(index).ingest_paths([next(seeds_dir.glob("001_*.txt"))])

    class OtherModel(type(embeddings)):
        def __init__(self) -> None:
            self.spec = "sentence-transformers:some-other-model"

    with pytest.raises(EmbeddingModelMismatch, match=f"built with embedding model '{embeddings.spec}'"):
        make_index(tmp_path / "idx", OtherModel())


def test_collection_is_readable_by_langchain_chroma(seed_index, embeddings) -> None:
    from langchain_chroma import Chroma

    store = Chroma(
        collection_name="ntm_chunks",
        embedding_function=embeddings,
        client=seed_index.chroma_client,
    )
    docs = store.similarity_search(
        "Sở Kế hoạch và Đầu tư chủ trì cơ chế quản lý đầu tư", k=3, filter={"province": "Lai Châu"}
    )
    assert docs and all(d.metadata["province"] == "Lai Châu" for d in docs)
    assert all(d.metadata["chunk_n"] >= 0 and d.metadata["source"] for d in docs)


def test_the_figures_of_some_chunks_are_those_of_all_figures_for_them(seed_index) -> None:
    """The answer path reads the figures of the chunks it weighs, not all of them: the same rows,
    in the same order, as the whole table has for those chunks."""
    every = seed_index.targets()
    with_figures = sorted({t.chunk_id for t in every})
    assert len(with_figures) >= 3
    for asked in (with_figures[:1], with_figures[::2], [*with_figures[-2:], "no-such-chunk"]):
        assert seed_index.targets(asked) == [t for t in every if t.chunk_id in set(asked)]
    assert seed_index.targets([]) == []

"""Chunk rows held back in a write batch (vectorstore/chroma_writes.py) and written to Chroma in large
calls: the index ends up holding exactly what one call per document gives, reads inside the batch
see the held rows, a second version of a held document replaces it, and a crash while rows are held
leaves the records marked so the next open puts every recorded chunk into Chroma."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import prepare_bytes
from tests.support import HashEmbeddings, index_state

pytestmark = pytest.mark.e2e


def chroma_rows(index: Any) -> list[tuple]:
    got = index.collection.get(include=["embeddings", "documents", "metadatas"])
    rows = zip(got["ids"], got["embeddings"], got["documents"], got["metadatas"], strict=True)
    return sorted((i, tuple(round(float(x), 6) for x in e), d, sorted(m.items())) for i, e, d, m in rows)


def counted_upserts(index: Any) -> list[int]:
    """Rows per `upsert` call the index makes on its collection from now on."""
    calls: list[int] = []
    upsert = index.collection.upsert

    def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["ids"]))
        return upsert(**kwargs)

    index.collection.upsert = counting
    return calls


def test_held_rows_store_what_one_call_per_document_stores(
    tmp_path: Path, seeds_dir: Path, make_index, make_ingester
) -> None:
    per_document = make_index(tmp_path / "one", HashEmbeddings())
    per_document._writes.limit = 1  # every document's rows written as soon as it is recorded
    one_calls = counted_upserts(per_document)
    make_ingester(per_document, workers=0).ingest_paths([seeds_dir])
    held = make_index(tmp_path / "held", HashEmbeddings())
    held._writes.limit = 8
    held_calls = counted_upserts(held)
    make_ingester(held, workers=0).ingest_paths([seeds_dir])

    assert len(one_calls) == len(per_document.documents()) >= 3
    assert len(held_calls) < len(one_calls) and all(n >= 8 for n in held_calls[:-1])
    assert sum(held_calls) == sum(one_calls) == held.count()
    assert chroma_rows(held) == chroma_rows(per_document)
    assert index_state(held) == index_state(per_document)
    assert held._records.get_meta("dirty") == "0"


def _prepared(text: str, knowledge: Any, source: str = "thong-bao.txt") -> Any:
    return prepare_bytes(text.encode("utf-8"), source, knowledge)


NOTICE = (
    "UBND TỈNH HÀ TĨNH\nSố: 12/TB-UBND\nTHÔNG BÁO\nKết luận về xây dựng nông thôn mới năm 2024\n"
    "1. Sở Nông nghiệp và Phát triển nông thôn chủ trì rà soát các tiêu chí xã nông thôn mới.\n"
    "2. Sở Tài chính bố trí kinh phí thực hiện Chương trình trong năm 2024.\n"
)


def test_reads_inside_a_batch_see_held_rows_and_a_second_version_replaces_them(
    tmp_path: Path, make_index, knowledge
) -> None:
    index = make_index(tmp_path / "index", HashEmbeddings())
    first = _prepared(NOTICE, knowledge)
    second = _prepared(NOTICE.replace("năm 2024", "năm 2025"), knowledge)
    assert [c.chunk_id for c in first.chunks] == [c.chunk_id for c in second.chunks]
    with index.batch():
        index.upsert(first)
        assert len(index._writes) == len(first.chunks)  # held, not yet in Chroma
        assert index.collection.count() == 0
        index.upsert(second)  # the same chunk ids again: the held ones go first, then these are held
        assert len(index._writes) == len(second.chunks) and index.collection.count() == len(first.chunks)
        assert index.count() == len(second.chunks)  # a read writes what is held first
        assert len(index._writes) == 0
        index.upsert(_prepared(NOTICE.replace("12/TB", "13/TB"), knowledge, "khac.txt"))
        assert len(index._writes) > 0
        other = index.document(_prepared(NOTICE, knowledge, "khac.txt").document.doc_id)
        assert other is not None
        hits = index.dense_search(second.chunks[0].text, 50)  # the dense leg sees the held rows
        assert len(hits) == len(second.chunks) + other.n_chunks
    assert len(index._writes) == 0 and index._records.get_meta("dirty") == "0"
    stored = index.collection.get(ids=[c.chunk_id for c in second.chunks], include=["documents"])
    assert sorted(stored["documents"]) == sorted(c.text for c in second.chunks)
    assert index.count() == len(second.chunks) + other.n_chunks


def test_a_crash_while_rows_are_held_is_reconciled_on_open(tmp_path: Path, make_index, knowledge) -> None:
    index = make_index(tmp_path / "index", HashEmbeddings())
    prepared = _prepared(NOTICE, knowledge)
    with index.batch():
        index.upsert(prepared)
        assert index._records.get_meta("dirty") == "1"  # the records are ahead of Chroma
        index._writes._clear()  # the process dies with the rows held: they never reach Chroma
    assert index.collection.count() == 0 and index._records.get_meta("dirty") == "1"
    index.close()
    reopened = make_index(tmp_path / "index", HashEmbeddings())
    assert reopened._records.get_meta("dirty") == "0"
    assert reopened.count() == len(prepared.chunks)
    got = reopened.collection.get(include=["embeddings"])
    vectors = dict(zip(got["ids"], got["embeddings"], strict=True))
    indexed = {c.chunk_id: c.indexed_text for c in reopened.all_chunks()}
    for chunk_id, text in indexed.items():
        assert list(vectors[chunk_id]) == pytest.approx(HashEmbeddings().embed_query(text))

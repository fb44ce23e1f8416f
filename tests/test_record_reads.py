"""The records' batched reads (vectorstore/records.py) give what the one-at-a-time reads give: the
documents of a set of ids, every document's province and date, an agency's rows in some documents,
the documents whose rows name a text."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import HashEmbeddings


@pytest.mark.e2e
def test_batched_reads_equal_the_plain_ones(
    tmp_path: Path, seeds_dir: Path, shared: Path, make_index, make_ingester
) -> None:
    index = make_index(tmp_path / "index", HashEmbeddings())
    paths = [*sorted(seeds_dir.glob("*.txt")), *sorted((shared / "corpus" / "dev").glob("*.txt"))[:8]]
    assert not make_ingester(index).ingest_paths(paths).refused
    docs = index.documents()
    assert len(docs) == len(paths)
    ids = {d.doc_id for d in docs}
    assert index.documents_by_id(ids | {"not-indexed"}) == {d.doc_id: index.document(d.doc_id) for d in docs}
    assert list(index.documents_by_id(ids)) == sorted(ids)
    places = sorted(index.document_places())
    assert places == sorted((d.doc_id, d.metadata.get("province", ""), d.metadata.get("issued", "")) for d in docs)
    assert {p for _, p, _ in places} - {""} and {i for _, _, i in places} - {""}, "no province or date read"
    rows = index.assignments()
    agency = max({a.agency for a in rows}, key=lambda g: sum(a.agency == g for a in rows))
    some = {d.doc_id for d in docs[::2]}
    expected = sorted((a for a in rows if a.agency == agency and a.doc_id in some), key=lambda a: (a.doc_id, a.start))
    got = index.assignments([agency], some)
    assert got and [(a.doc_id, a.start, a.task) for a in got] == [(a.doc_id, a.start, a.task) for a in expected]
    # the documents whose rows of the agency name a text, against reading the rows
    for text in ("20", "năm 2025", "Sở", "không có ở đâu"):
        named = {a.doc_id for a in rows if a.agency == agency and (text in a.task or text in a.deadline)}
        assert index.documents_mentioning([agency], None, [text]) == named
        assert index.documents_mentioning([agency], some, [text, "zzz"]) == named & some
    index.close()

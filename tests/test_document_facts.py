"""The document-facts strategy end to end on a real index: header facts answered directly and cited
to the exact header span; questions that ask anything else are left to the other strategies."""

from __future__ import annotations

import pytest

from assistant.answering.base import Answerer
from assistant.answering.document_facts import DocumentFacts, FactCues
from assistant.query import plan_question
from assistant.retrieve import HybridSearch, RetrievalConfig
from core.vntext import fold
from tests.support import write_texts
from tests.test_metadata_kinds import DECISION, LETTER, RESOLUTION

pytestmark = pytest.mark.unit  # the tests reading the `setup` index are e2e

NEWS = """Bắc Giang phấn đấu năm 2016 có thêm 16 xã đạt chuẩn nông thôn mới

Ngày 20/7/2016, UBND tỉnh Bắc Giang tổ chức hội nghị sơ kết 6 tháng đầu năm Chương trình xây dựng nông thôn mới. Đồng \
chí Nguyễn Hữu Tường, Phó Chủ tịch UBND tỉnh chủ trì hội nghị.

Sáu tháng đầu năm, toàn tỉnh có thêm 4 xã đạt chuẩn nông thôn mới, nâng tổng số lên 58 xã.
"""


@pytest.fixture(scope="module")
def setup(knowledge, tmp_path_factory, build_index):
    docs = write_texts(
        tmp_path_factory.mktemp("facts-docs"),
        {
            "ninh-binh_quyet-dinh.txt": DECISION,
            "hung-yen_cong-van.txt": LETTER,
            "dong-nai_nghi-quyet.txt": RESOLUTION,
            "bac-giang_tin.txt": NEWS,
        },
    )
    index = build_index(tmp_path_factory.mktemp("facts-index"), [docs], max_bytes=1024 * 1024)
    return (
        index,
        HybridSearch(index, knowledge, RetrievalConfig()),
        DocumentFacts.for_index(index, knowledge, FactCues.load()),
    )


def _ask(knowledge, setup, question: str):
    index, search, strategy = setup
    plan = plan_question(question, knowledge)
    return strategy.answer(plan, search.search(plan, 6, None).chunks), index


def _assert_exact_quotes(answer, index) -> None:
    for c in answer.citations:
        assert index.document_text(c.chunk_id.split(":")[0])[c.start : c.end] == c.quote


def test_is_an_answerer(knowledge) -> None:
    assert isinstance(DocumentFacts(lambda _: None, lambda _: [], knowledge, FactCues.load()), Answerer)


@pytest.mark.e2e
def test_number_date_and_signer_of_a_decision(knowledge, setup) -> None:
    answer, index = _ask(
        knowledge,
        setup,
        "Quyết định phân công các sở giúp đỡ xã xây dựng nông thôn mới của Ninh Bình số mấy, ban hành ngày nào, ai ký?",
    )
    assert answer is not None and not answer.abstained
    assert answer.text.startswith("Quyết định số 876/QĐ-UBND ngày 29/6/2017 của UBND tỉnh Ninh Bình")
    assert "Trịnh Minh Khoa" in answer.text and "KT. CHỦ TỊCH" in answer.text
    quotes = [c.quote for c in answer.citations]
    assert quotes[0].startswith("Số: 876/QĐ-UBND") and quotes[0].endswith("Ninh Bình, ngày 29 tháng 6 năm 2017")
    assert quotes[-1].endswith("Trịnh Minh Khoa") and not any(q.startswith("Căn cứ") for q in quotes)
    assert answer.plan["generator"] == "metadata"
    _assert_exact_quotes(answer, index)


@pytest.mark.e2e
def test_legal_basis_narrowed_by_the_question(knowledge, setup) -> None:
    answer, index = _ask(
        knowledge, setup, "QĐ 876/QĐ-UBND của Ninh Bình căn cứ quyết định nào của Thủ tướng về Bộ tiêu chí quốc gia?"
    )
    assert "1980/QĐ-TTg" in answer.text and "64/KH-UBND" not in answer.text
    _assert_exact_quotes(answer, index)


@pytest.mark.e2e
def test_submission_effect_and_replacement(knowledge, setup) -> None:
    answer, _ = _ask(
        knowledge, setup, "Quyết định 876/QĐ-UBND được ban hành theo đề nghị của cơ quan nào, tại tờ trình số mấy?"
    )
    assert "87/TTr-SNN" in answer.text and "Sở Nông nghiệp" in answer.text
    answer, _ = _ask(knowledge, setup, "Quyết định 876/QĐ-UBND có hiệu lực từ khi nào và thay thế quyết định nào?")
    assert "kể từ ngày ký" in answer.text and "512/QĐ-UBND" in answer.text
    assert answer.text.count("512/QĐ-UBND") == 1  # one clause states both: quoted once


@pytest.mark.e2e
def test_resolution_session_and_effect(knowledge, setup) -> None:
    answer, _ = _ask(
        knowledge,
        setup,
        "NQ 09/2022/NQ-HĐND của HĐND tỉnh Đồng Nai thông qua tại kỳ họp nào và có hiệu lực từ khi nào?",
    )
    assert "kỳ họp thứ 6" in answer.text and "01 tháng 8 năm 2022" in answer.text


@pytest.mark.e2e
def test_letter_recipients_and_basis_without_diacritics(knowledge, setup) -> None:
    answer, _ = _ask(
        knowledge, setup, "Cong van 2156/UBND-KT1 cua Hung Yen gui co quan nao va thuc hien theo ke hoach nao?"
    )
    assert "Các sở, ban, ngành tỉnh" in answer.text and "35/KH-UBND" in answer.text


@pytest.mark.e2e
def test_meeting_chair_and_date_from_a_news_report(knowledge, setup) -> None:
    answer, index = _ask(
        knowledge,
        setup,
        "Ai chủ trì hội nghị sơ kết 6 tháng đầu năm 2016 nông thôn mới của Bắc Giang, tổ chức ngày nào?",
    )
    assert "Nguyễn Hữu Tường" in answer.text and "20/7/2016" in answer.text
    assert "chủ trì hội nghị" in answer.citations[0].quote
    _assert_exact_quotes(answer, index)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "question",
    [
        "Sở Nông nghiệp và Phát triển nông thôn Ninh Bình phải làm gì theo Quyết định 876/QĐ-UBND?",
        "Những sở nào có trách nhiệm thi hành Quyết định 876/QĐ-UBND?",
        "Theo công văn của Hưng Yên, việc kiểm tra được triển khai theo những bước nào?",
        "Bắc Giang có bao nhiêu xã đạt chuẩn nông thôn mới sau sáu tháng đầu năm 2016?",
    ],
)
def test_other_questions_are_left_to_other_strategies(knowledge, setup, question: str) -> None:
    answer, _ = _ask(knowledge, setup, question)
    assert answer is None


def test_cues_ask_facts_in_question_order() -> None:
    cues = FactCues.load()
    assert cues.asked(fold("KH số mấy, ban hành ngày nào, PCT nào ký?")) == ["number", "issued", "signer"]
    assert cues.asked(fold("QĐ 415 được ban hành theo đề nghị của Sở nào, tại TTr số mấy?")) == ["submitted_by"]
    assert cues.asked(fold("Kế hoạch đặt mục tiêu gì và số hiệu là gì?")) == []
    assert cues.asked(fold("Quyết định 218/QĐ-UBND về việc gì, có hiệu lực từ khi nào?")) == ["subject", "effective"]
    # a decision the document cites is not the document's own number
    assert cues.asked(fold("VPĐP tỉnh được kiện toàn tại QĐ số mấy, ngày nào?")) == []
    # deadlines are tasks, not the document's date; "Cần Thơ" is not "cần"
    assert cues.asked(fold("Khi nào Sở Tài chính phải báo cáo UBND tỉnh?")) == []
    assert cues.asked(fold("Hướng dẫn của Cần Thơ ban hành ngày nào?")) == ["issued"]

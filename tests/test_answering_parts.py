"""Multi-part questions: each part is scored on its own by the fitted model, the answer joins the
parts the evidence answers and says which part it does not."""

from __future__ import annotations

import pytest

from assistant.answering.answer_config import AnswerConfig
from assistant.answering.extractive import ExtractiveAnswerer
from assistant.answering.parts import answer_by_parts
from assistant.evidence import TermWeights
from assistant.query import plan_question
from core.contracts import RetrievedChunk

pytestmark = pytest.mark.unit

TEXT = (
    "Năm 2023, thành phố phấn đấu có thêm 62 xã đạt chuẩn nông thôn mới nâng cao, nâng tổng số lên 178 xã. "
    "Có thêm 25 xã đạt chuẩn nông thôn mới kiểu mẫu, nâng tổng số lên 41 xã. "
    "Các sở, ngành theo chức năng, nhiệm vụ hướng dẫn các huyện thực hiện."
)
OTHER = "Sở Tài chính chủ trì tham mưu bố trí vốn đối ứng. Hội nghị diễn ra tại trụ sở UBND thành phố."


def _chunks() -> list[RetrievedChunk]:
    meta = {"province": "Hà Nội", "issued": "2023-02-21", "number": "58/KH-UBND"}
    return [
        RetrievedChunk("d:0", "d", "d.txt", 0.04, TEXT, ["II. MỤC TIÊU"], 0, len(TEXT), meta),
        RetrievedChunk("d:1", "d", "d.txt", 0.03, OTHER, ["III. NHIỆM VỤ"], 500, 500 + len(OTHER), meta),
    ]


def _answerer(knowledge) -> ExtractiveAnswerer:
    filler = ["Ủy ban nhân dân huyện báo cáo kết quả thực hiện chương trình.", "Hội nghị triển khai kế hoạch năm."] * 20
    return ExtractiveAnswerer(TermWeights([TEXT, OTHER, *filler]), knowledge, AnswerConfig())


def test_each_part_gets_its_own_sentence(knowledge) -> None:
    plan = plan_question(
        "Năm 2023 Hà Nội có thêm bao nhiêu xã đạt chuẩn nông thôn mới nâng cao và bao nhiêu xã nông thôn mới kiểu mẫu?",
        knowledge,
    )
    assert len(plan.parts) == 2
    result = answer_by_parts(
        _answerer(
            knowledge,
        ),
        plan,
        _chunks(),
        {"d:0": 0.9, "d:1": 0.8},
    )
    assert result is not None and not result.missing
    texts = " ".join(u.text for u in result.selected)
    assert "62 xã" in texts and "25 xã" in texts and "vốn đối ứng" not in texts


def test_a_part_the_evidence_does_not_answer_is_said(knowledge) -> None:
    plan = plan_question(
        "Năm 2023 Hà Nội có thêm bao nhiêu xã đạt chuẩn nông thôn mới kiểu mẫu, "
        "và bao nhiêu km đường giao thông được cứng hóa?",
        knowledge,
    )
    answer = _answerer(
        knowledge,
    ).answer(plan, _chunks(), {"d:0": 0.9, "d:1": 0.8}, {"Hà Nội"})
    assert not answer.abstained and "25 xã" in answer.text
    assert "Không tìm thấy thông tin trả lời phần" in answer.text and "km đường" in answer.text


def test_single_questions_are_not_split(knowledge) -> None:
    plan = plan_question("Năm 2023 Hà Nội có thêm bao nhiêu xã đạt chuẩn nông thôn mới kiểu mẫu?", knowledge)
    assert (
        answer_by_parts(
            _answerer(
                knowledge,
            ),
            plan,
            _chunks(),
            {"d:0": 0.9},
        )
        is None
    )

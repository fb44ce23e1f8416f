"""End to end: a figure about a rival category (core/contrasts.py) does not answer the asked one."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.service import ChatService
from assistant.settings import Settings
from tests.support import write_texts

TEXTS = Path(__file__).parent / "data" / "texts"  # document texts, kept verbatim (line breaks are layout)

pytestmark = pytest.mark.e2e

CAPITAL = (TEXTS / "contrast_answers_capital.txt").read_text(encoding="utf-8")

GRANTS = """HỘI ĐỒNG NHÂN DÂN TỈNH ĐỒNG NAI
Số: 09/2022/NQ-HĐND
Đồng Nai, ngày 14 tháng 7 năm 2022
NGHỊ QUYẾT
Quy định chính sách hỗ trợ xã đạt chuẩn nông thôn mới nâng cao và ấp nông thôn mới kiểu mẫu
Điều 2. Mức hỗ trợ
1. Xã được công nhận đạt chuẩn nông thôn mới nâng cao: hỗ trợ 5 tỷ đồng/xã.
2. Ấp được công nhận đạt chuẩn ấp nông thôn mới kiểu mẫu: hỗ trợ 300 triệu đồng/ấp.
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory, build_index, knowledge) -> ChatService:
    root = tmp_path_factory.mktemp("contrast")
    docs = write_texts(root / "docs", {"kon_tum_von.txt": CAPITAL, "dong_nai_ho_tro.txt": GRANTS})
    index = build_index(root / "index", [docs])
    return ChatService(index, Settings(index_dir=root / "index"), knowledge)


def test_the_asked_category_is_answered(service):
    answer = service.ask("Năm 2024 Kon Tum phân bổ bao nhiêu vốn sự nghiệp cho Chương trình nông thôn mới?")
    assert not answer.abstained
    assert "96.840 triệu đồng" in answer.text


def test_a_rival_category_is_no_answer(service):
    answer = service.ask("Năm 2024 Kon Tum phân bổ bao nhiêu vốn đầu tư phát triển cho Chương trình nông thôn mới?")
    assert answer.abstained, answer.text
    per_district = service.ask("Đồng Nai hỗ trợ bao nhiêu tiền cho một huyện đạt chuẩn nông thôn mới nâng cao?")
    assert per_district.abstained, per_district.text


def test_rival_rows_leave_the_answer(service):
    answer = service.ask("Xã đạt chuẩn nông thôn mới nâng cao ở Đồng Nai được hỗ trợ bao nhiêu tiền?")
    assert not answer.abstained and "5 tỷ đồng/xã" in answer.text
    assert "300 triệu đồng/ấp" not in answer.text  # the hamlet grant is another category

"""Contrast classes: a question naming one category is not answered by a sentence about a rival."""

import pytest

from assistant.query import plan_question
from core.contrasts import ContrastSets, conflicts, members_in
from core.knowledge import Knowledge

pytestmark = pytest.mark.unit


@pytest.fixture
def sets(knowledge: Knowledge) -> ContrastSets:
    return knowledge.cues.contrasts


@pytest.fixture
def asked(knowledge: Knowledge):
    """The contrasts the planner records for a question, by asked member."""
    return lambda question: {c[0]: c for c in plan_question(question, knowledge).contrasts}


def test_the_plan_records_the_one_member_a_question_names(asked):
    assert list(asked("Năm 2024 Kon Tum phân bổ bao nhiêu vốn đầu tư phát triển cho Chương trình?")) == [
        "đầu tư phát triển"
    ]
    assert "huyện" in asked("Bao nhiêu thị xã đạt chuẩn nông thôn mới?")  # thị xã is a district-level unit
    assert "4 sao" in asked("Tinh Quang Ninh co bao nhieu san pham OCOP dat 4 sao?")  # folded question


def test_place_names_and_compounds_name_no_member(asked):
    assert asked("UBND huyện Đầm Hà phải làm gì?") == {}  # "huyện Đầm Hà" is a place
    assert asked("Hợp tác xã nông nghiệp được hỗ trợ bao nhiêu?") == {}  # a cooperative, not a commune
    assert "thôn" not in asked("Chương trình nông thôn mới năm 2024 có bao nhiêu vốn sự nghiệp?")


def test_two_members_of_one_class_ask_no_contrast(asked):
    both = asked("Bao nhiêu xã đạt chuẩn nông thôn mới nâng cao và bao nhiêu xã kiểu mẫu?")
    assert "nâng cao" not in both and "kiểu mẫu" not in both


def test_a_rival_without_the_asked_member_conflicts(asked):
    capital = asked("Tỉnh phân bổ bao nhiêu vốn đầu tư phát triển?")["đầu tư phát triển"]
    assert conflicts("Phân bổ kế hoạch vốn ngân sách trung ương (vốn sự nghiệp) năm 2024 là 96.840 triệu đồng", capital)
    assert not conflicts("Vốn đầu tư phát triển 120 tỷ đồng, vốn sự nghiệp 96 tỷ đồng", capital)
    assert not conflicts("Tổng kinh phí thực hiện là 96.840 triệu đồng", capital)  # names no member at all
    level = asked("Hỗ trợ bao nhiêu tiền cho một huyện đạt chuẩn?")["huyện"]
    assert conflicts("Xã được công nhận đạt chuẩn nông thôn mới nâng cao: hỗ trợ 5 tỷ đồng/xã.", level)
    assert not conflicts("UBND xã Tùng Bá hoàn thành 19 tiêu chí", level)  # "xã Tùng Bá" names a place
    assert not conflicts("Văn phòng Điều phối tỉnh chuyển hồ sơ trong 03 ngày", level)  # an actor's level


def test_administrative_levels_count_only_when_counted_or_distributed(asked):
    assert asked("Các sở có bao lâu để trả kết quả thẩm định hồ sơ xã?") == {}  # the owner's level
    assert "xã" in asked("Mỗi xã được hỗ trợ bao nhiêu?")
    assert "huyện" in asked("Tinh co bao nhieu huyen dat chuan?")  # folded question


def test_members_are_read_longest_first_and_diacritic_exact(sets):
    level = next(c for c in sets.classes if c.name.startswith("administrative"))
    assert members_in("các thị xã và thị trấn", level.exact_forms()) == {"huyện", "xã"}
    assert members_in("cơ quan chuyên môn", level.exact_forms()) == set()  # "quan" is not "quận"
    assert members_in("tình hình kinh tế - xã hội", level.exact_forms()) == set()


def test_bad_table_names_the_class():
    with pytest.raises(ValueError, match="contrast_sets\\['budget'\\]"):
        ContrastSets.from_json({"budget": ["trung ương", "địa phương"]})

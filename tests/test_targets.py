"""The targets tracker: planned (mục tiêu) vs achieved (kết quả) from cues, sections and dates;
indicators are noun phrases; unit counts and attendance are not targets; one figure is listed once;
table rows give figures named by row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.contracts import Target
from ingest.pipeline import prepare_bytes
from ingest.target_rules import KindContext, kind_of, load_target_rules

TEXTS = Path(__file__).parent / "data" / "texts"  # real document layouts, kept verbatim

REPORT = (TEXTS / "targets_report.txt").read_text(encoding="utf-8")

PLAN = """ỦY BAN NHÂN DÂN TỈNH KHÁNH HÒA
Số: 3612/KH-UBND
Khánh Hòa, ngày 07 tháng 5 năm 2018
KẾ HOẠCH
Thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2018
1. Kết quả đến hết năm 2017: toàn tỉnh có 43/96 xã đạt chuẩn nông thôn mới (44,8%), bình quân đạt 15,4 tiêu chí/xã.
2. Chỉ tiêu năm 2018
a) Có thêm 11 xã đạt chuẩn nông thôn mới, nâng tổng số xã đạt chuẩn lên 54/96 xã, chiếm 56,3% tổng số xã;
b) Tỷ lệ hộ nghèo khu vực nông thôn giảm 1,5% so với năm 2017.
Chỉ tiêu xã đạt chuẩn nông thôn mới theo từng địa phương:
Địa phương | Số xã đạt chuẩn đến hết năm 2017 | Chỉ tiêu thêm mới năm 2018 | Lũy kế đến hết năm 2018
Thị xã Ninh Hòa | 9 | 3 | 12
Huyện Diên Khánh | 12 | 5 | 17
Toàn tỉnh | 43 | 11 | 54
"""


def _targets(knowledge, text: str, name: str) -> list[Target]:
    return prepare_bytes(text.encode("utf-8"), name, knowledge).targets


def _by_value(targets: list[Target], value: str) -> list[Target]:
    return [t for t in targets if t.value == value]


@pytest.fixture(scope="module")
def report(knowledge) -> list[Target]:
    return _targets(knowledge, REPORT, "bao-cao.txt")


@pytest.fixture(scope="module")
def plan(knowledge) -> list[Target]:
    return _targets(knowledge, PLAN, "ke-hoach.txt")


@pytest.mark.unit
def test_kind_from_the_cue_nearest_the_figure(report: list[Target]) -> None:
    kinds = {t.value: t.kind for t in report}
    assert kinds["95/148"] == "kết quả"  # "Đến ngày 30/11/2023, toàn tỉnh có …" in a results section
    assert kinds["8"] == "mục tiêu"  # "(kế hoạch tăng 8 xã)": the plan inside a results sentence
    assert kinds["16"] == "mục tiêu" and kinds["19"] == "kết quả"
    assert kinds["71,5%"] == "kết quả"  # "đạt 71,5% kế hoạch": an achievement rate
    assert kinds["08"] == kinds["103"] == kinds["52"] == "mục tiêu"  # "phấn đấu" frames the sentence
    assert kinds["120"] == "mục tiêu"  # "Đến năm 2030" in a 2023 report


@pytest.mark.unit
def test_kind_from_the_section_and_the_time_spoken_of(plan: list[Target]) -> None:
    kinds = {(t.value, t.scope): t.kind for t in plan}
    assert kinds[("43/96", "tỉnh")] == kinds[("15,4", "tỉnh")] == "kết quả"  # "Kết quả đến hết năm 2017:"
    assert kinds[("11", "tỉnh")] == kinds[("1,5%", "tỉnh")] == "mục tiêu"  # under "Chỉ tiêu năm 2018"
    # table columns: a past date is achieved, "Chỉ tiêu" planned, the running total of the plan year planned
    assert kinds[("9", "Thị xã Ninh Hòa")] == "kết quả"
    assert kinds[("3", "Thị xã Ninh Hòa")] == kinds[("12", "Thị xã Ninh Hòa")] == "mục tiêu"


@pytest.mark.unit
def test_cue_tables_are_data_and_names_are_not_cues() -> None:
    rules = load_target_rules()
    ctx = KindContext((), "công văn", 2025)
    sentence = "Trước sắp xếp, thành phố Cần Thơ (cũ) có 36/36 xã đạt chuẩn nông thôn mới."
    start = sentence.index("36/36")
    # "Cần" of Cần Thơ is no "cần" (must): the past time anchor decides
    assert kind_of(sentence, start, start + 5, start, "xã", ctx, rules) == "kết quả"
    sentence = "Sở Nông nghiệp và PTNT đã phối hợp với Sở Kế hoạch và Đầu tư phân bổ 95 tỷ đồng."
    start = sentence.index("95")
    assert kind_of(sentence, start, start + 2, start, "tỷ đồng", ctx, rules) == "kết quả"


@pytest.mark.unit
def test_indicators_are_noun_phrases_never_bare_verbs(plan: list[Target], report: list[Target]) -> None:
    share = _by_value(plan, "56,3%")[0]
    assert share.indicator == "tỷ lệ tổng số xã"  # "chiếm 56,3% tổng số xã": the noun after the verb
    bare = {"chiếm", "giảm", "tăng", "đạt", "còn", "là", "-"}
    assert not [t.indicator for t in plan + report if t.indicator.split()[0] in bare]
    assert _by_value(report, "52")[0].indicator == "thu nhập bình quân đầu người"


@pytest.mark.unit
def test_unit_counts_and_attendance_are_not_targets(report: list[Target]) -> None:
    values = {t.value for t in report}
    assert not values & {"92", "77", "15"}  # administrative units of the merged province
    assert "16" not in {t.value for t in report if "hội nghị" in t.text}  # who attended a meeting


@pytest.mark.unit
def test_one_figure_is_listed_once(report: list[Target], plan: list[Target]) -> None:
    assert len(_by_value(report, "08")) == 1  # "có thêm 08 xã" stated in two sentences
    assert len(_by_value(report, "3.215,4")) == 1  # the text's total and the table's totals row
    totals = [t for t in plan if t.text.startswith("Toàn tỉnh")]
    assert not totals  # 43, 11 and 54 are the text's own figures again
    # two different figures that happen to share a value stay two
    assert len(_by_value(plan, "12")) == 2  # Ninh Hòa's running total and Diên Khánh's 2017 count


@pytest.mark.unit
def test_table_rows_give_figures_named_by_row_and_column(report: list[Target], plan: list[Target]) -> None:
    cell = [t for t in report if t.value == "210,5"][0]
    assert cell.indicator == "Vốn đầu tư phát triển" and cell.scope == "Huyện Bình Sơn"  # the columns are places
    assert cell.kind == "kết quả"
    row = [t for t in plan if t.scope == "Huyện Diên Khánh"]
    assert {(t.value, t.kind) for t in row} == {("12", "kết quả"), ("5", "mục tiêu"), ("17", "mục tiêu")}
    assert all(t.chunk_id and t.text == "Huyện Diên Khánh | 12 | 5 | 17" for t in row)

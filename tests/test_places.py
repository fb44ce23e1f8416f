"""Places: the gazetteer (abbreviations, no diacritics, districts and communes, the 2025 merger),
document provinces, question provinces, and the asked province as a soft retrieval filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.query import find_provinces, plan_question
from assistant.scope import PlaceScope, reconcile_filters
from core.contracts import Block, Filters
from ingest.metadata import detect_province
from tests.support import write_texts


@pytest.fixture(scope="module")
def places(knowledge):
    return knowledge.places


def _blocks(text: str) -> tuple[list[Block], str]:
    paras = [p.strip() for p in text.strip().split("\n") if p.strip()]
    return [Block(p) for p in paras], "\n\n".join(paras)


@pytest.mark.unit
def test_gazetteer_cites_its_maintained_source(places) -> None:
    assert places.source["package"] == "vietnamadminunits" and places.source["license"] == "MIT"
    assert len(places.names()) == 63  # 63 before the merger; the 34 after keep names among them


@pytest.mark.unit
@pytest.mark.parametrize(
    "question, expected",
    [
        ("Kết quả xây dựng NTM của TT-Huế năm 2018?", ["Huế"]),
        ("Thừa Thiên Huế có bao nhiêu xã đạt chuẩn?", ["Huế"]),
        ("BR-VT giao Sở Tài chính việc gì?", ["Bà Rịa - Vũng Tàu"]),
        ("TP.HCM có bao nhiêu xã nông thôn mới?", ["Hồ Chí Minh"]),
        ("HN đặt mục tiêu bao nhiêu xã kiểu mẫu?", ["Hà Nội"]),
        ("tp hcm co bao nhieu xa nong thon moi", ["Hồ Chí Minh"]),
        ("so nong nghiep dak lak phai lam gi", ["Đắk Lắk"]),
        ("Bắc Cạn có bao nhiêu xã đạt chuẩn?", ["Bắc Kạn"]),
        ("Kế hoạch của tỉnh Hoà Bình năm 2020", ["Hòa Bình"]),
    ],
)
def test_question_provinces_by_name_abbreviation_and_spelling(knowledge, question: str, expected: list[str]) -> None:
    assert find_provinces(question, knowledge.places) == expected


@pytest.mark.unit
def test_ambiguous_abbreviation_is_not_a_province(knowledge, places) -> None:
    # "ĐN" would be Đà Nẵng, Đồng Nai or Đắk Nông: not recognised
    assert find_provinces("ĐN có bao nhiêu xã đạt chuẩn?", knowledge.places) == []


@pytest.mark.unit
def test_district_or_commune_named_without_its_province(knowledge) -> None:
    q = "Den thang 9/2013 xa Quang Long va xa Quang Chinh huyen Hai Ha dat bao nhieu tieu chi?"
    assert find_provinces(q, knowledge.places) == ["Quảng Ninh"]
    assert find_provinces("Kiểm tra nông thôn mới ở Hải Hà, Đầm Hà năm 2013", knowledge.places) == ["Quảng Ninh"]
    # "huyện Quảng Ninh" is a district of Quảng Bình, not the province Quảng Ninh
    assert find_provinces("Huyện Quảng Ninh có bao nhiêu xã đạt chuẩn?", knowledge.places) == ["Quảng Bình"]
    # a commune name four provinces share decides nothing on its own
    assert find_provinces("Xã Quảng Long đạt bao nhiêu tiêu chí?", knowledge.places) == []


@pytest.mark.unit
def test_common_words_are_not_places(knowledge) -> None:
    assert find_provinces("các xã rà soát, đánh giá lại mức độ đạt chuẩn", knowledge.places) == []


@pytest.mark.unit
def test_merger_groups_reach_both_ways(places) -> None:
    assert set(places.merger_group("Thái Nguyên")) == {"Thái Nguyên", "Bắc Kạn"}
    assert set(places.merger_group("Bắc Kạn")) == {"Thái Nguyên", "Bắc Kạn"}
    assert places.successor("Yên Bái") == "Lào Cai"
    assert places.reach(["Yên Bái"]) == {"Yên Bái", "Lào Cai"}  # a question about it is answerable from the new Lào Cai
    assert set(places.parts("Cần Thơ")) == {"Cần Thơ", "Hậu Giang", "Sóc Trăng"}
    assert places.resolve("thua-thien-hue") == "Huế" and places.resolve("ba-ria-vung-tau") == "Bà Rịa - Vũng Tàu"


@pytest.mark.unit
def test_scope_across_the_merger(places) -> None:
    about_new = PlaceScope(("Thái Nguyên",))
    assert about_new.tier("Thái Nguyên", "2019-07-10", places) == "asked"
    assert about_new.tier("Bắc Kạn", "2020-03-01", places) == "partner"  # now part of Thái Nguyên
    assert about_new.tier("", "", places) == "unknown"
    assert about_new.tier("Lạng Sơn", "2020-03-01", places) == ""
    # before the merger the two were separate provinces
    assert PlaceScope(("Thái Nguyên",), pre_merger_question=True).tier("Bắc Kạn", "2020-03-01", places) == ""
    # a UI filter picked from the indexed provinces means that province (and its post-merger documents)
    assert PlaceScope(("Thái Nguyên",), partners=False).tier("Bắc Kạn", "2020-03-01", places) == ""
    assert PlaceScope(("Thái Nguyên",), partners=False).tier("Bắc Kạn", "2025-10-27", places) == "asked"
    about_old = PlaceScope(("Yên Bái",))
    assert about_old.tier("Lào Cai", "2025-10-01", places) == "asked"  # the new Lào Cai speaks for it
    assert about_old.tier("Lào Cai", "2019-05-01", places) == ""


@pytest.mark.unit
def test_a_scope_remembers_each_notices_tier_as_it_reads_it(places) -> None:
    """Retrieval and the register ask one scope the tier of the same notices again and again:
    what it remembers is what a fresh scope reads, and another gazetteer is read afresh."""
    provinces = ["", "Thái Nguyên", "Bắc Kạn", "Lạng Sơn", "Lào Cai", "Yên Bái", "Cần Thơ", "Sóc Trăng"]
    dates = ["", "2019-07-10", "2025-06-30", places.merger_date, "2025-10-27"]
    for asked in (("Thái Nguyên",), ("Yên Bái",), ("Cần Thơ", "Lạng Sơn")):
        for options in ({}, {"pre_merger_question": True}, {"partners": False}):
            scope = PlaceScope(asked, **options)
            for _ in range(2):
                for province in provinces:
                    for issued in dates:
                        fresh = PlaceScope(asked, **options).tier(province, issued, places)
                        assert scope.tier(province, issued, places) == fresh, (asked, options, province, issued)
    scope = PlaceScope(("Thái Nguyên",))
    assert scope.tier("Bắc Kạn", "2020-03-01", places) == "partner"

    class Unmerged:  # a gazetteer where nothing merged: the remembered tier is not reused for it
        merger_date = "9999-12-31"

        def resolve(self, name: str) -> str:
            return name

        def successor(self, name: str) -> str:
            return name

        def parts(self, name: str) -> list[str]:
            return [name]

    assert scope.tier("Bắc Kạn", "2020-03-01", Unmerged()) == ""  # type: ignore[arg-type]


@pytest.mark.unit
def test_news_page_without_header_gets_its_province_from_districts(knowledge) -> None:
    blocks, text = _blocks("""
Phó Chủ tịch UBND tỉnh kiểm tra tiến độ xây dựng nông thôn mới tại Hải Hà, Đầm Hà
Ngày 24/9/2013, đồng chí Phó Chủ tịch UBND tỉnh đã đi kiểm tra các xã đăng ký đạt chuẩn của huyện Hải Hà và huyện Đầm \
Hà.
Tại xã Quảng Long (Hải Hà), đoàn đã kiểm tra tuyến đường trục xã. Xã Quảng Chính đạt 15/19 tiêu chí.
""")
    assert detect_province(blocks, text, knowledge.places) == "Quảng Ninh"


@pytest.mark.unit
def test_formal_header_in_two_columns_wins_over_the_body(knowledge) -> None:
    blocks, text = _blocks("""
ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH THÁI NGUYÊN Độc lập - Tự do - Hạnh phúc
Số: 386/TB-UBND Thái Nguyên, ngày 27 tháng 10 năm 2025
THÔNG BÁO
Giai đoạn 2021 - 2025, tỉnh Bắc Kạn (cũ) có 40 xã đạt chuẩn; tỉnh Bắc Kạn (cũ) còn 12 xã chưa đạt; tỉnh Bắc Kạn (cũ) \
đạt 70%.
""")
    assert detect_province(blocks, text, knowledge.places) == "Thái Nguyên"


@pytest.mark.unit
def test_a_lone_mention_does_not_make_a_province(knowledge) -> None:
    blocks, text = _blocks("""
Hội nghị trực tuyến toàn quốc về xây dựng nông thôn mới
Các địa phương báo cáo kết quả; đại biểu đến từ nhiều tỉnh, trong đó có một đoàn học tập kinh nghiệm ở Nam Định.
""")
    assert detect_province(blocks, text, knowledge.places) == ""


@pytest.mark.unit
def test_question_wins_over_a_contradicting_ui_filter(knowledge, places) -> None:
    plan = plan_question("Tỉnh Quảng Ninh huy động bao nhiêu tỷ đồng cho nông thôn mới?", knowledge)
    filters, notice = reconcile_filters(plan, Filters(province="Thanh Hóa", year_from=2013), places)
    assert filters is not None and filters.province == "" and filters.year_from == 2013
    assert "Quảng Ninh" in notice and "Thanh Hóa" in notice
    # a filter of the same merged province is no contradiction
    same = Filters(province="Bắc Kạn")
    assert reconcile_filters(plan_question("Thái Nguyên có bao nhiêu xã đạt chuẩn?", knowledge), same, places) == (
        same,
        "",
    )


_DOCS = {
    "qn.txt": """Quảng Ninh kiểm tra nông thôn mới tại huyện Hải Hà

Ngày 24/9/2013, đoàn công tác của tỉnh Quảng Ninh kiểm tra xây dựng nông thôn mới tại huyện Hải Hà và huyện Đầm Hà. \
Năm 2013 huyện Hải Hà đã huy động 86 tỷ đồng cho xây dựng nông thôn mới, nhân dân hiến hơn 12.000 m2 đất để mở đường \
giao thông nông thôn.
""",
    "th.txt": """ỦY BAN NHÂN DÂN TỈNH THANH HÓA

Báo cáo kết quả xây dựng nông thôn mới năm 2013 của tỉnh Thanh Hóa. Năm 2013 toàn tỉnh Thanh Hóa đã huy động 86 tỷ \
đồng cho xây dựng nông thôn mới, nhân dân hiến đất để mở đường giao thông nông thôn tại các huyện.
""",
    "none.txt": """Hội nghị trực tuyến đánh giá nông thôn mới

Ngày 12/10/2013, hội nghị đánh giá kết quả huy động vốn: năm 2013 đã huy động 86 tỷ đồng cho xây dựng nông thôn mới, \
nhân dân hiến đất làm đường giao thông nông thôn, làm nhà văn hóa thôn và khu xử lý rác thải.
""",
}


@pytest.fixture(scope="module")
def place_index(tmp_path_factory, build_index):
    corpus = write_texts(tmp_path_factory.mktemp("places-corpus"), _DOCS)
    return build_index(tmp_path_factory.mktemp("places-index"), [corpus], max_bytes=1024 * 1024)


@pytest.mark.e2e
def test_asked_province_is_a_soft_filter(knowledge, place_index) -> None:
    from assistant.retrieve import HybridSearch

    provinces = {Path(d.source).name: d.metadata.get("province", "") for d in place_index.documents()}
    assert provinces == {"qn.txt": "Quảng Ninh", "th.txt": "Thanh Hóa", "none.txt": ""}
    search = HybridSearch(place_index, knowledge)
    result = search.search(
        plan_question("Quảng Ninh huy động bao nhiêu tỷ đồng cho nông thôn mới năm 2013?", knowledge), 6
    )
    sources = [Path(c.source).name for c in result.chunks]
    assert "none.txt" in sources  # a document of no detected province is not hidden
    assert "th.txt" not in sources  # another province's document is out
    assert sources[0] == "qn.txt"  # the asked province's document ranks first
    conflict = search.search(
        plan_question("Quảng Ninh huy động bao nhiêu tỷ đồng?", knowledge), 6, Filters(province="Thanh Hóa")
    )
    assert conflict.notice and "th.txt" not in {Path(c.source).name for c in conflict.chunks}

import pytest

from assistant.query import (
    expand_abbreviations,
    find_provinces,
    plan_question,
    split_parts,
)

pytestmark = pytest.mark.unit


def test_abbreviations_expand_both_ways() -> None:
    assert "nông thôn mới" in expand_abbreviations("xây dựng NTM")
    assert "NTM" in expand_abbreviations("xây dựng nông thôn mới")
    assert "Ban Chỉ đạo" in expand_abbreviations("BCĐ tỉnh")


def test_provinces_with_and_without_diacritics(knowledge) -> None:
    assert find_provinces("Sở KH&ĐT Lai Châu phải làm gì", knowledge.places) == ["Lai Châu"]
    assert find_provinces("so ke hoach lai chau phai lam gi", knowledge.places) == ["Lai Châu"]
    assert find_provinces("Hà Giang và Bắc Kạn", knowledge.places) == ["Hà Giang", "Bắc Kạn"]


def test_accented_words_are_not_mistaken_for_provinces(knowledge) -> None:
    assert find_provinces("các xã rà soát, đánh giá lại mức độ đạt chuẩn", knowledge.places) == []


def test_plan_finds_agency_even_misspelled_and_prefers_the_asked_one(knowledge) -> None:
    assert plan_question("Sở Kế hoạnh và Đầu tư được giao gì?", knowledge).agency == "so-khdt"
    plan = plan_question("Chủ tịch UBND tỉnh giao Sở Tài chính việc gì?", knowledge)
    assert plan.agency == "so-tai-chinh" and plan.intent == "task"


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("Năm 2023 tỉnh phấn đấu có thêm bao nhiêu xã đạt chuẩn?", "target"),
        ("Đến nay toàn tỉnh có bao nhiêu xã đạt chuẩn nông thôn mới?", "result"),
        ("Cơ quan nào chủ trì xây dựng cơ chế quản lý đầu tư?", "agency"),
        ("Hội nghị diễn ra ngày nào, ai chủ trì?", "metadata"),
        ("So sánh số xã đạt chuẩn của hai tỉnh", "comparison"),
        ("VPĐP NTM phải làm gì?", "task"),
    ],
)
def test_intent(knowledge, question: str, intent: str) -> None:
    assert plan_question(question, knowledge).intent == intent


def test_years_and_periods(knowledge) -> None:
    plan = plan_question("Kế hoạch giai đoạn 2021-2025 và mục tiêu năm 2023", knowledge)
    assert plan.years == [2023] and plan.periods == [(2021, 2025)]


def test_follow_up_inherits_province_year_and_topic(knowledge) -> None:
    first = "Sở Kế hoạch và Đầu tư Lai Châu được giao nhiệm vụ gì năm 2014?"
    plan = plan_question("còn Sở Tài chính thì sao?", knowledge, [first])
    assert plan.follow_up and plan.agency == "so-tai-chinh"
    assert plan.provinces == ["Lai Châu"] and plan.years == [2014] and plan.intent == "task"
    assert "Kế hoạch và Đầu tư" not in plan.retrieval_text  # the replaced agency is not searched for
    year_follow_up = plan_question(
        "năm 2019 thì sao?", knowledge, ["Thái Nguyên có bao nhiêu xã đạt chuẩn NTM năm 2018?"]
    )
    assert year_follow_up.years == [2019] and year_follow_up.provinces == ["Thái Nguyên"]


def test_new_topic_does_not_inherit(knowledge) -> None:
    plan = plan_question(
        "Hà Tĩnh có bao nhiêu sản phẩm OCOP?", knowledge, ["Sở Tài chính Lai Châu phải làm gì năm 2014?"]
    )
    assert not plan.follow_up and plan.provinces == ["Hà Tĩnh"] and plan.years == []


def test_multi_part_questions_split_only_on_separate_questions(knowledge) -> None:
    assert len(split_parts("Ai chủ trì hội nghị và hội nghị diễn ra ngày nào?", knowledge.cues)) == 2
    assert (
        split_parts("Có bao nhiêu xã đạt chuẩn nông thôn mới, nông thôn mới nâng cao và kiểu mẫu?", knowledge.cues)
        == []
    )


@pytest.mark.parametrize(
    "question",
    [
        "Theo Kế hoạch năm 2013 của Điện Biên, việc xây dựng nông thôn mới ở cấp xã được triển khai theo những bước "
        "nào?",
        "Hồ sơ UBND xã gửi UBND huyện gồm những giấy tờ gì?",
        "huyen tien lang co nhung xa nao duoc cong nhan dat chuan ntm nam 2019",
        "Văn phòng Điều phối được giao những nhiệm vụ gì trong 6 tháng cuối năm?",
    ],
)
def test_list_questions_are_recognised(knowledge, question: str) -> None:
    assert plan_question(question, knowledge).asks_list


@pytest.mark.parametrize(
    "question",
    [
        "Những xã được chọn làm mẫu ở Lai Châu được hẹn đến mốc năm nào thì phải cơ bản xong toàn bộ bộ chỉ tiêu?",
        "Năm 2023 có bao nhiêu xã đạt chuẩn nông thôn mới?",
        "Cơ quan nào chủ trì thẩm định hồ sơ?",
    ],
)
def test_single_fact_questions_are_not_lists(knowledge, question: str) -> None:
    assert not plan_question(question, knowledge).asks_list


def test_the_plan_records_what_is_asked_once(knowledge) -> None:
    plan = plan_question("Năm 2024 Kon Tum phân bổ bao nhiêu tiền vốn sự nghiệp, ai ký quyết định?", knowledge)
    assert "quantity" in plan.asked_kinds and "person" in plan.asked_kinds
    assert plan.asks_quantity and plan.asks_signer and plan.unit_pattern
    assert plan_question("Nông thôn mới là gì?", knowledge).asks_definition
    assert plan_question("Các bước xây dựng nông thôn mới ở cấp xã là gì?", knowledge).asks_sequence


def test_follow_up_switching_agency_asks_the_same_thing_of_the_new_one(knowledge) -> None:
    first = "Sở Kế hoạch và Đầu tư Lai Châu được giao những nhiệm vụ gì năm 2014?"
    plan = plan_question("còn Sở Tài chính thì sao?", knowledge, [first])
    assert plan.agency == "so-tai-chinh" and plan.asks_list == plan_question(first, knowledge).asks_list


def test_several_provinces_make_one_part_each(knowledge) -> None:
    plan = plan_question("Hạn chót gửi kết quả rà soát ở Cần Thơ và ở Thái Nguyên là ngày nào?", knowledge)
    assert [p["province"] for p in plan.cross_parts] == ["Cần Thơ", "Thái Nguyên"]
    assert all("Thái Nguyên" not in p["text"] for p in plan.cross_parts[:1])


def test_each_place_keeps_its_own_clause_when_each_asks_its_own_question(knowledge) -> None:
    plan = plan_question(
        "hai phong nam 2019 cong nhan bao nhieu xa dat chuan ntm, con hung yen nam 2020 phan dau co them bao nhieu xa "
        "dat chuan",
        knowledge,
    )
    first, second = plan.cross_parts
    assert first["text"] == "hai phong nam 2019 cong nhan bao nhieu xa dat chuan ntm" and first["years"] == [2019]
    assert second["text"].startswith("hung yen nam 2020 phan dau") and second["years"] == [2020]


def test_comma_coordinated_questions_split_and_keep_their_words(knowledge) -> None:
    parts = split_parts(
        "Theo CV 2156/UBND-KT1, Sở TC phấn đấu giải ngân bao nhiêu % kế hoạch vốn, hạn chót khi nào?", knowledge.cues
    )
    assert parts == ["Theo CV 2156/UBND-KT1, Sở TC phấn đấu giải ngân bao nhiêu % kế hoạch vốn", "hạn chót khi nào"]
    assert split_parts("Bình quân 5,6 tiêu chí/xã, tỉnh có bao nhiêu xã đạt chuẩn?", knowledge.cues) == []


@pytest.mark.parametrize(
    ("question", "figure", "not_figure"),
    [
        ("Năm 2019 Tiền Giang phấn đấu có thêm bao nhiêu xã đạt chuẩn?", "17 xã", "5 tỷ đồng"),  # "Tiền" is a name
        ("Sở Tài chính phấn đấu giải ngân bao nhiêu % kế hoạch vốn năm 2020?", "100%", "20 tỷ đồng"),  # head: %
        ("Thu nhập bình quân khu vực nông thôn đạt bao nhiêu?", "48 triệu đồng", "48 xã"),  # topic words
        ("tu mo rong duoc giao chi tieu may xa dat chuan", "1 xã", "12.430 triệu đồng"),
    ],
)
def test_the_counted_head_decides_the_asked_unit(knowledge, question: str, figure: str, not_figure: str) -> None:
    import re

    from core.vntext import fold

    pattern = re.compile(plan_question(question, knowledge).unit_pattern)
    assert pattern.search(fold(figure)) and not pattern.search(fold(not_figure))


def test_a_part_reads_the_whole_question_for_place_and_year(knowledge) -> None:
    from assistant.query import part_question_plan

    plan = plan_question("Năm 2023 Hà Nội có thêm bao nhiêu xã đạt chuẩn nâng cao và bao nhiêu xã kiểu mẫu?", knowledge)
    second = part_question_plan(plan, plan.parts[1], knowledge)
    assert second.provinces == ["Hà Nội"] and second.years == [2023] and second.intent == plan.intent
    assert "kieu mau" in second.folded and "nang cao" not in second.folded


def test_abbreviation_pairs_are_remembered_but_never_shared() -> None:
    """Planning and evidence scoring both read the question's abbreviation pairs (remembered per
    text): each caller gets its own list, so one changing it cannot change the other's."""
    from assistant.query import abbreviation_pairs

    question = "UBND huyện và Sở NN&PTNT làm gì để xây dựng NTM?"
    first = abbreviation_pairs(question)
    assert ("NTM", "nông thôn mới") in first and ("UBND", "Ủy ban nhân dân") in first
    first.clear()
    assert abbreviation_pairs(question) and abbreviation_pairs(question) is not abbreviation_pairs(question)

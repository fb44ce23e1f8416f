"""Agencies recognised by the grammar of their names, on sentences as real documents write them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.unit


def _found(knowledge, text: str, question: bool = False) -> list[tuple[str, str]]:
    return [(m.surface, m.agency_id) for m in knowledge.registry.find(text, question)]


@pytest.mark.parametrize(
    ("sentence", "surface", "name"),
    [
        ("Kho bạc Nhà nước tỉnh kiểm soát chi theo quy định.", "Kho bạc Nhà nước tỉnh", "Kho bạc Nhà nước tỉnh"),
        ("Sở Dân tộc và Tôn giáo hướng dẫn các xã vùng đồng bào.", "Sở Dân tộc và Tôn giáo", "Sở Dân tộc và Tôn giáo"),
        (
            "Chi cục Phát triển nông thôn tổng hợp kết quả.",
            "Chi cục Phát triển nông thôn",
            "Chi cục Phát triển nông thôn",
        ),
        ("Công ty Điện lực Bắc Giang đầu tư lưới điện.", "Công ty Điện lực Bắc Giang", None),
        ("Ngân hàng Nhà nước Việt Nam - Chi nhánh tỉnh Bình Phước chỉ đạo các tổ chức tín dụng.", None, None),
    ],
)
def test_unlisted_bodies_are_read_by_their_head(
    knowledge, sentence: str, surface: str | None, name: str | None
) -> None:
    mentions = knowledge.registry.find(sentence)
    assert mentions, sentence
    first = mentions[0]
    assert first.start == 0
    if surface:
        assert first.surface == surface
    agency = knowledge.registry.get(first.agency_id)
    assert not agency.collective
    if name:
        assert agency.name == name


def test_one_body_one_id_whatever_the_spelling(knowledge) -> None:
    registry = knowledge.registry
    ids = {
        registry.find(t)[0].agency_id
        for t in ("Kho bạc Nhà nước tỉnh", "Kho bạc Nhà nước Kon Tum", "KBNN tỉnh", "Kho bạc Nhà nước thành phố")
    }
    assert len(ids) == 1
    # the province-level qualifier does not split a body; a lower level does
    assert (
        registry.find("Ủy ban MTTQ Việt Nam tỉnh")[0].agency_id
        == registry.find("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh")[0].agency_id
    )
    assert (
        registry.find("Ủy ban Mặt trận Tổ quốc Việt Nam xã phối hợp")[0].agency_id
        != registry.find("Ủy ban MTTQ tỉnh")[0].agency_id
    )
    # "&" and "và", acronyms and full names
    assert (
        registry.find("Sở NN & PTNT")[0].agency_id
        == registry.find("Sở Nông nghiệp và Phát triển nông thôn")[0].agency_id
        == "so-nnptnt"
    )


def test_named_unit_is_not_its_collective(knowledge) -> None:
    registry = knowledge.registry
    named = registry.find("UBND huyện Mường Khương chủ trì rà soát tiêu chí.")
    assert [m.surface for m in named] == ["UBND huyện Mường Khương"]
    unit = registry.get(named[0].agency_id)
    assert unit.unit and not unit.collective and unit.level == "huyện"
    assert _found(knowledge, "UBND các huyện, thành phố rà soát tiêu chí.") == [
        ("UBND các huyện, thành phố", "ubnd-huyen")
    ]
    assert "ubnd-huyen" in registry.collectives_of(unit.id)
    # a district-level city keeps its name; a centrally-run city is a province
    assert registry.get(registry.find("UBND thành phố Cao Bằng")[0].agency_id).unit
    assert registry.find("UBND thành phố Hà Nội")[0].agency_id == "ubnd-tinh"


def test_enumerated_units_and_departments_each_get_a_mention(knowledge) -> None:
    text = (
        "Chủ tịch UBND các huyện: Nho Quan, Gia Viễn, Yên Mô và thị xã Tam Điệp chịu trách nhiệm thi hành Quyết "
        "định này."
    )
    names = [knowledge.registry.get(m.agency_id).name for m in knowledge.registry.find(text)]
    assert names == ["UBND huyện Nho Quan", "UBND huyện Gia Viễn", "UBND huyện Yên Mô", "UBND thị xã Tam Điệp"]
    text = (
        "Chánh Văn phòng UBND tỉnh; Giám đốc các Sở: Tài chính, Xây dựng, Nông nghiệp và Môi trường căn cứ Quyết "
        "định thi hành."
    )
    mentions = knowledge.registry.find(text)
    assert [m.agency_id for m in mentions][1:] == ["so-tai-chinh", "so-xay-dung", "so-nnmt"]
    assert [m.person for m in mentions] == ["Chánh", "Giám đốc", "Giám đốc", "Giám đốc"]
    assert knowledge.registry.get(mentions[0].agency_id).name == "Văn phòng UBND tỉnh"


def test_person_heading_an_agency_is_that_agency(knowledge) -> None:
    mentions = knowledge.registry.find("Giám đốc Sở Y tế tỉnh Thái Nguyên chịu trách nhiệm thi hành.")
    assert [(m.agency_id, m.person) for m in mentions] == [("so-y-te", "Giám đốc")]
    mentions = knowledge.registry.find(
        "Thủ trưởng các sở, ngành và Chủ tịch UBND các huyện, thành phố chịu trách nhiệm"
    )
    assert [m.agency_id for m in mentions] == ["cac-so-nganh", "ubnd-huyen"]
    assert mentions[1].surface == "Chủ tịch UBND các huyện, thành phố"


def test_a_listed_name_does_not_swallow_the_verb_after_it(knowledge) -> None:
    assert _found(knowledge, "Sở Tài chính cân đối, bố trí vốn đối ứng.") == [("Sở Tài chính", "so-tai-chinh")]
    assert _found(knowledge, "Sở Xây dựng xây dựng thiết kế mẫu nhà văn hóa.") == [("Sở Xây dựng", "so-xay-dung")]
    assert _found(knowledge, "Sở Tài chính việc gì?", question=True) == [("Sở Tài chính", "so-tai-chinh")]


def test_table_columns_and_lines_end_a_name(knowledge) -> None:
    assert _found(knowledge, "3 Sở Tài chính Xã Văn Phương Nho Quan 11")[0] == ("Sở Tài chính", "so-tai-chinh")
    assert _found(knowledge, "Sở Thông tin và Truyền thông | Báo Khánh Hòa | Thường xuyên")[1][0] == "Báo Khánh Hòa"


def test_questions_typed_without_accents(knowledge) -> None:
    registry = knowledge.registry
    assert (
        registry.resolve("kho bac nha nuoc tinh phai lam gi").id == registry.find("Kho bạc Nhà nước tỉnh")[0].agency_id
    )
    assert (
        registry.resolve("ubnd huyen muong khuong phai lam gi").id
        == registry.find("UBND huyện Mường Khương")[0].agency_id
    )


def test_place_names_are_not_mistaken_for_grammar_words(knowledge) -> None:
    # "Quan" is not "quận", "Chánh" in "Lang Chánh" is not the title "Chánh", "Bảo" is not "Báo"
    text = (
        "Các huyện miền núi Mường Lát, Quan Sơn, Quan Hóa, Lang Chánh, Bá Thước cần tập trung chỉ đạo nâng cao thu "
        "nhập."
    )
    names = [knowledge.registry.get(m.agency_id).name for m in knowledge.registry.find(text)]
    assert names == [
        "UBND huyện Mường Lát",
        "UBND huyện Quan Sơn",
        "UBND huyện Quan Hóa",
        "UBND huyện Lang Chánh",
        "UBND huyện Bá Thước",
    ]
    text = "Ủy ban nhân dân các huyện: Tiên Lãng, Vĩnh Bảo, Kiến Thụy chỉ đạo Ủy ban nhân dân các xã được công nhận."
    assert [m.surface for m in knowledge.registry.find(text)][:3] == [
        "Ủy ban nhân dân các huyện: Tiên Lãng",
        "Vĩnh Bảo",
        "Kiến Thụy",
    ]


def test_a_list_of_places_or_a_task_after_a_colon_is_not_an_addressee(knowledge) -> None:
    assert _found(knowledge, "Huyện Tiên Lãng (04 xã): Bạch Đằng, Kiến Thiết, Tiên Minh.") == []
    found = _found(knowledge, "b) Ủy ban nhân dân các phường: Duy trì, nâng cao chất lượng các tiêu chí đã đạt.")
    assert found == [("Ủy ban nhân dân các phường", "ubnd-phuong")]


def test_capitals_hide_a_names_extent_so_only_listed_names_count_there(knowledge) -> None:
    # a letterhead: "SỞ NÔNG NGHIỆP VÀ" then the motto on the same line; "BÁO CÁO" is a title
    assert _found(knowledge, "SỞ NÔNG NGHIỆP VÀ Độc lập - Tự do - Hạnh phúc") == [
        ("SỞ NÔNG NGHIỆP", "so-nnptnt")
    ]  # a listed alias
    assert _found(knowledge, "BÁO CÁO KẾT QUẢ THỰC HIỆN") == []
    assert _found(knowledge, "SỞ TÀI CHÍNH") == [("SỞ TÀI CHÍNH", "so-tai-chinh")]
    assert knowledge.registry.get(knowledge.registry.find("ỦY BAN NHÂN DÂN HUYỆN MƯỜNG KHƯƠNG")[0].agency_id).unit


def test_a_persons_name_or_an_acronym_ends_a_name(knowledge) -> None:
    assert _found(knowledge, "Phó Giám đốc Sở LĐ-TB&XH Đặng Văn Dũng phát biểu")[0][1] == "so-ldtbxh"
    assert _found(knowledge, "Giám đốc Sở NN&PTNT kiêm Chánh Văn phòng Điều phối")[0] == (
        "Giám đốc Sở NN&PTNT",
        "so-nnptnt",
    )
    assert _found(knowledge, "Báo Hải Phòng đưa tin") == [("Báo Hải Phòng", "bao-tinh")]
    assert _found(knowledge, "Các xã NTM cần duy trì") == [("Các xã", "ubnd-xa")]


def test_verbs_end_names_as_whole_words_and_dashes_are_one(knowledge) -> None:
    assert (
        _found(knowledge, "Chi cục Trồng trọt và Bảo vệ thực vật tập huấn cho nông dân.")[0][0]
        == "Chi cục Trồng trọt và Bảo vệ thực vật"
    )
    assert _found(knowledge, "Sở Lao động – Thương binh và Xã hội hướng dẫn.") == [
        ("Sở Lao động – Thương binh và Xã hội", "so-ldtbxh")
    ]
    found = _found(knowledge, "Giám đốc các sở: Tài chính, Xây dựng chịu trách nhiệm thi hành.")
    assert [agency for _, agency in found] == ["so-tai-chinh", "so-xay-dung"]


@pytest.mark.parametrize(
    "question",
    [
        "Báo cáo số 218/BC-UBND của UBND tỉnh Bà Rịa - Vũng Tàu gửi cơ quan nào?",
        "Ha Tinh dat chi tieu bao nhieu san pham OCOP trong nam 2023?",
        "So sanh so xa dat chuan nong thon moi cua Thai Nguyen va Bac Kan",
        "Theo Quyết định 3125/QĐ-UBND, năm 2019 Hải Phòng công nhận bao nhiêu xã đạt chuẩn?",
        "Cac huyen o Lai Chau be tong hoa duong truc theo phuong cham nao?",
        "Phó Bí thư nhắc các ban chỉ đạo điều gì?",
    ],
)
def test_common_words_in_questions_are_not_agencies(knowledge, question: str) -> None:
    registry = knowledge.registry
    assert not [m.surface for m in registry.find(question, question=True) if registry.get(m.agency_id).discovered]


def test_asked_agency_bare_place_only_as_subject_of_a_duty(knowledge) -> None:
    from assistant.query import plan_question

    assert (
        plan_question("Huyện Đầm Hà được giao làm gì với xã Quảng Tân?", knowledge)
        .agencies[0]
        .startswith("ubnd-huyen-dam-ha")
    )
    assert plan_question("Những xã nào của huyện Kim Sơn được các cơ quan cấp tỉnh giúp đỡ?", knowledge).agencies == []
    assert plan_question("UBND huyện Mường Khương và UBND các huyện phải làm gì?", knowledge).agencies[
        0
    ] == registry_id(knowledge, "UBND huyện Mường Khương")
    assert plan_question("kho bac nha nuoc tinh phai lam gi", knowledge).agencies == [
        registry_id(knowledge, "Kho bạc Nhà nước tỉnh")
    ]


def registry_id(knowledge, name: str) -> str:
    return knowledge.registry.find(name)[0].agency_id


def test_a_dash_joins_name_parts_unless_an_apposition_follows(knowledge) -> None:
    assert _found(knowledge, "Ban Kinh tế - Ngân sách HĐND tỉnh thẩm tra dự thảo.")[0][0] == "Ban Kinh tế - Ngân sách"
    assert _found(knowledge, "Ban Văn hóa - Xã hội HĐND tỉnh giám sát.")[0][0] == "Ban Văn hóa - Xã hội"
    found = _found(knowledge, "Sở Nông nghiệp và Phát triển nông thôn - Cơ quan thường trực Ban Chỉ đạo tỉnh chủ trì")
    assert found[0] == ("Sở Nông nghiệp và Phát triển nông thôn", "so-nnptnt")

import pytest

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("surface", "agency_id"),
    [
        ("Sở NN&PTNT", "so-nnptnt"),
        ("Sở Nông nghiệp & PTNT", "so-nnptnt"),
        ("Sở Nông nghiệp và Phát triển nông thôn", "so-nnptnt"),
        ("Sờ Tài chính", "so-tai-chinh"),
        ("Sở Kế hoạnh và Đầu tư", "so-khdt"),
        ("so ke hoach va dau tu", "so-khdt"),
        ("Sở KH & ĐT", "so-khdt"),
        ("VPĐP NTM", "vpdp-ntm"),
        ("Văn phòng Điều phối NTM tỉnh", "vpdp-ntm"),
        ("Sở LĐ-TB&XH", "so-ldtbxh"),
        ("UBND các huyện, thành phố", "ubnd-huyen"),
    ],
)
def test_registry_resolves_spellings_to_one_agency(knowledge, surface: str, agency_id: str) -> None:
    agency = knowledge.registry.resolve(surface)
    assert agency is not None and agency.id == agency_id


def test_find_reports_offsets_of_each_mention(knowledge) -> None:
    text = "Chủ trì phối hợp với Sở Nông nghiệp và Phát triển nông thôn, Sờ Tài chính tham mưu"
    mentions = knowledge.registry.find(text)
    assert [m.agency_id for m in mentions] == ["so-nnptnt", "so-tai-chinh"]
    assert [text[m.start : m.end] for m in mentions] == ["Sở Nông nghiệp và Phát triển nông thôn", "Sờ Tài chính"]


def test_ministry_is_not_the_provincial_department(knowledge) -> None:
    registry = knowledge.registry
    assert registry.ids_in("Bộ Tài chính") == ["bo-tai-chinh"]
    assert registry.resolve("Sở Y tế Thái Nguyên").id == "so-y-te"


def test_collective_addressee_expands_to_members(knowledge) -> None:
    registry = knowledge.registry
    members = registry.members_of("cac-so-nganh")
    assert {"so-tai-chinh", "so-khdt", "so-nnptnt"} <= set(members)
    assert "ubnd-huyen" not in members


def test_2025_mergers_are_lineage_not_aliases(knowledge) -> None:
    registry = knowledge.registry
    assert registry.resolve("Sở Nông nghiệp và Môi trường").id == "so-nnmt"
    assert registry.resolve("Sở NN&MT").id == "so-nnmt"
    assert registry.resolve("Sở NN&PTNT").id == "so-nnptnt"
    assert registry.predecessors_of("so-nnmt") == ["so-nnptnt", "so-tnmt"]
    assert registry.successors_of("so-khdt") == ["so-tai-chinh"]
    assert registry.successors_of("so-gtvt") == ["so-xay-dung"]
    assert registry.successors_of("so-tttt") == ["so-khcn"]
    assert registry.successors_of("so-ldtbxh") == ["so-noi-vu"]


_PLAN_2023 = """UBND TỈNH LÀO CAI
Số: 10/KH-UBND
Lào Cai, ngày 10 tháng 3 năm 2023
KẾ HOẠCH
Thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2023
III. TỔ CHỨC THỰC HIỆN
1. Sở Nông nghiệp và Phát triển nông thôn: chủ trì hướng dẫn các xã rà soát, đánh giá mức đạt các tiêu chí nông thôn \
mới.
2. UBND huyện Mường Khương: chủ trì xây dựng kế hoạch nâng cao chất lượng tiêu chí cho xã Bản Lầu.
3. UBND các huyện, thành phố: chỉ đạo các xã cập nhật số liệu, báo cáo kết quả thực hiện hằng quý.
"""

_PLAN_2025 = """UBND TỈNH LÀO CAI
Số: 20/KH-UBND
Lào Cai, ngày 15 tháng 8 năm 2025
KẾ HOẠCH
Thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2025
III. TỔ CHỨC THỰC HIỆN
1. Sở Nông nghiệp và Môi trường: chủ trì tổng hợp kết quả thực hiện Chương trình năm 2025 trên địa bàn tỉnh.
2. Sở Tài chính: chủ trì cân đối, bố trí vốn đối ứng thực hiện Chương trình năm 2025.
"""


@pytest.mark.e2e
def test_register_lists_own_rows_then_lineage_then_collective(knowledge, tmp_path, make_index, make_ingester) -> None:
    from assistant.register import TaskRegister

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kh_2023.txt").write_text(_PLAN_2023, "utf-8")
    (docs / "kh_2025.txt").write_text(_PLAN_2025, "utf-8")
    index = make_index(tmp_path / "index")
    make_ingester(index, 1024 * 1024).ingest_paths([docs])
    register = TaskRegister(index, knowledge.registry)

    new = register.tasks("Sở Nông nghiệp và Môi trường")
    assert [r.lineage for r in new][:1] == [""] and "tổng hợp kết quả" in new[0].task
    inherited = [r for r in new if r.lineage == "kế thừa"]
    assert inherited and "rà soát" in inherited[0].task
    assert inherited[0].role_label == "chủ trì (kế thừa từ Sở Nông nghiệp và Phát triển nông thôn)"
    assert (
        inherited[0].agency == "Sở Nông nghiệp và Phát triển nông thôn"
        and inherited[0].via == "Sở Nông nghiệp và Môi trường"
    )
    old = register.tasks("Sở NN&PTNT")
    assert "rà soát" in old[0].task and any(r.lineage == "kế nhiệm" and "tổng hợp kết quả" in r.task for r in old)
    assert [r.role_label for r in old if r.lineage] == ["chủ trì (đơn vị kế nhiệm: Sở Nông nghiệp và Môi trường)"]

    unit = register.tasks("UBND huyện Mường Khương")
    assert "Bản Lầu" in unit[0].task and not unit[0].shared
    assert any(r.shared and r.role_label.endswith("(giao chung)") and "cập nhật số liệu" in r.task for r in unit[1:])
    collective = register.tasks("UBND các huyện")
    assert not any("Bản Lầu" in r.task for r in collective)  # a named unit's task is not every district's


def test_register_metric_matches_gold_names_by_canonical_identity(knowledge) -> None:
    from eval.register_metrics import (
        _registry_resolver,
        assignment_scores,
        recogniser_coverage,
    )

    registry = knowledge.registry
    resolve = _registry_resolver(registry)
    kbnn = registry.find("Kho bạc Nhà nước Hà Nội")[0].agency_id
    assert resolve("Kho bạc Nhà nước thành phố") == kbnn  # one body, however the gold names it
    assert resolve("UBND các xã đăng ký đạt chuẩn năm 2019") == "ubnd-xa"  # a conditional collective
    assert resolve("Sở Nông nghiệp và Môi trường") == "so-nnmt"  # no lineage: not Sở NN&PTNT
    gold = [
        {
            "id": "g1",
            "source": "kh",
            "agency": "Kho bạc Nhà nước thành phố",
            "role": "phối hợp",
            "keywords": ["kiểm soát chi"],
        },
        {
            "id": "g2",
            "source": "kh",
            "agency": "Sở Nông nghiệp và Môi trường",
            "role": "chủ trì",
            "keywords": ["tổng hợp kết quả"],
        },
    ]
    extracted = [
        {"source": "kh.txt", "agency": kbnn, "role": "phối hợp", "task": "Kiểm soát chi vốn Chương trình"},
        {"source": "kh.txt", "agency": "so-nnptnt", "role": "chủ trì", "task": "Tổng hợp kết quả thực hiện"},
    ]
    scores = assignment_scores(extracted, gold, resolve)
    assert scores["n_matched"] == 1 and scores["missed"] == ["g2"]
    text = "Giám đốc Kho bạc Nhà nước Hà Nội; Chủ tịch UBND các huyện: Đông Anh, Sóc Sơn chịu trách nhiệm thi hành."
    gold = [
        {
            "id": "c1",
            "source": "qd",
            "agency": "Kho bạc Nhà nước thành phố",
            "agency_text": "Giám đốc Kho bạc Nhà nước Hà Nội",
        },
        {
            "id": "c2",
            "source": "qd",
            "agency": "UBND huyện Sóc Sơn",
            "agency_text": "Chủ tịch UBND các huyện: Đông Anh, Sóc Sơn",
        },
        {"id": "c3", "source": "qd", "agency": "Sở Y tế", "agency_text": "Sở Y tế"},
    ]
    coverage = recogniser_coverage({"qd": text}, gold, registry)
    assert coverage["n_found"] == 2 and coverage["missed"][0].startswith("c3")

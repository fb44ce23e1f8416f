"""The directive grammar, tasks given by the layout of a document: execution clauses, an agency's
lead-in with its lettered items, level headings with steps, task tables and their headers, the
organisation section of a plan, a plan attached after the signature. Documents are built directly
(`tests/directive_docs.py`) so the tests exercise extraction alone."""

from __future__ import annotations

import pytest

from ingest.directive_cues import load_directive_cues
from ingest.table_tasks import header_columns, row_tasks, split_row
from tests.directive_docs import extract, rows_for

pytestmark = pytest.mark.unit


def test_execution_clause_gives_every_addressee_a_row(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        QUYẾT ĐỊNH:
        Điều 1. Công nhận 14 xã đạt chuẩn nông thôn mới năm 2019.
        Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.
        Điều 3. Chánh Văn phòng UBND tỉnh, Giám đốc Sở Tài chính, Giám đốc Sở Xây dựng, Chủ tịch UBND các huyện, thành \
phố căn cứ Quyết định thi hành./.
        """,
        kind="quyết định",
    )
    for name in ("Sở Tài chính", "Sở Xây dựng", "UBND các huyện, thành phố"):
        own = rows_for(knowledge, rows, name)
        assert [r.role for r in own] == ["thực hiện"], name
        assert "thi hành quyết định" in own[0].task.lower()
    assert not rows_for(knowledge, rows, "UBND tỉnh")  # the office of UBND tỉnh is meant, not the UBND itself
    assert not any("hiệu lực" in r.task for r in rows)


def test_agency_lead_in_with_lettered_items_and_a_qualifier_before_the_colon(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        2. Nhiệm vụ trọng tâm thời gian tới
        2.2. Sở Tài chính (tiếp nhận chức năng, nhiệm vụ của Sở Kế hoạch và Đầu tư):
        a) Chủ trì, phối hợp với Sở Xây dựng rà soát toàn bộ 37 công trình dở dang, đề xuất phương án bố trí vốn hoàn \
thành trước ngày 15/12/2025.
        b) Tham mưu UBND tỉnh dự kiến kế hoạch vốn năm 2026 thực hiện Chương trình.
        2.3. Sở Xây dựng: Hướng dẫn các xã rà soát, điều chỉnh quy hoạch chung xã, hoàn thành trong quý I/2026.
        """,
    )
    finance = {r.role: r for r in rows_for(knowledge, rows, "Sở Tài chính")}
    assert set(finance) == {"chủ trì", "tham mưu"}
    assert "37 công trình dở dang" in finance["chủ trì"].task
    assert finance["chủ trì"].deadline == "trước ngày 15/12/2025"
    assert not rows_for(knowledge, rows, "Sở Kế hoạch và Đầu tư")  # named in the qualifier only
    building = rows_for(knowledge, rows, "Sở Xây dựng")
    partner = [r for r in building if r.role == "phối hợp"]
    assert partner and "37 công trình" in partner[0].task
    own = [r for r in building if r.role == "thực hiện"]
    assert own and "quy hoạch chung xã" in own[0].task and own[0].deadline == "trong quý I/2026"


def test_level_headings_with_steps(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        II. TRÌNH TỰ XÉT, CÔNG NHẬN
        Cấp xã:
        Bước 1. Tổ chức tự đánh giá mức độ đạt từng tiêu chí; lập báo cáo kết quả xây dựng nông thôn mới của xã.
        Bước 2. Hoàn thiện hồ sơ, gửi UBND huyện trước ngày 15/10/2019.
        Cấp huyện:
        Bước 3. Thành lập Đoàn thẩm tra, tổ chức thẩm tra hồ sơ và kiểm tra thực tế mức độ đạt từng tiêu chí của xã.
        """,
        kind="hướng dẫn",
    )
    commune = rows_for(knowledge, rows, "UBND các xã")
    assert any("tự đánh giá" in r.task for r in commune)
    assert any(r.deadline == "trước ngày 15/10/2019" for r in commune)
    district = rows_for(knowledge, rows, "UBND các huyện")
    assert [r.task[:25] for r in district] == ["Thành lập Đoàn thẩm tra, "]
    assert not any("Đoàn thẩm tra" in r.task for r in commune)


def test_lead_in_announcing_demands_for_a_level(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        3. Nhiệm vụ thời gian tới
        Đối với cấp huyện, cần:
        - Tập trung chỉ đạo quyết liệt các xã đăng ký về đích năm 2016;
        - Bố trí đủ ngân sách đối ứng, không để phát sinh nợ đọng xây dựng cơ bản.
        4. Sở Tài chính hướng dẫn các xã thanh quyết toán công trình hoàn thành.
        """,
    )
    district = [r.task for r in rows_for(knowledge, rows, "UBND các huyện")]
    assert len(district) == 2 and district[0].startswith("Tập trung chỉ đạo quyết liệt")
    assert not any("thanh quyết toán" in t for t in district)  # the next item has its own subject
    assert rows_for(knowledge, rows, "Sở Tài chính")


def test_task_table_rows_with_header(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        IV. TỔ CHỨC THỰC HIỆN
        TT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành
        1 | Tham mưu phân bổ vốn ngân sách tỉnh đối ứng thực hiện Chương trình năm 2018 | Sở Kế hoạch và Đầu tư | Sở \
Tài chính, Sở Xây dựng | Tháng 5/2018
        2 | Đào tạo nghề cho lao động nông thôn | Sở Lao động - Thương binh và Xã hội | UBND các huyện, thị xã, thành \
phố | Năm 2018
        """,
    )
    lead = rows_for(knowledge, rows, "Sở Kế hoạch và Đầu tư")
    assert [r.role for r in lead] == ["chủ trì"]  # the column says chủ trì, whatever the verb
    assert lead[0].task.startswith("Tham mưu phân bổ vốn") and lead[0].deadline == "Tháng 5/2018"
    assert [r.role for r in rows_for(knowledge, rows, "Sở Tài chính")] == ["phối hợp"]
    assert [r.role for r in rows_for(knowledge, rows, "UBND các huyện, thị xã, thành phố")] == ["phối hợp"]


def test_table_header_kinds_and_a_sponsor_table(knowledge) -> None:
    cues, registry = load_directive_cues(), knowledge.registry
    header = split_row("STT | Đơn vị đỡ đầu | Xã được giúp đỡ | Huyện")
    assert header is not None
    kinds = header_columns(header, cues)
    assert kinds == ["index", "lead", "content", "content"]
    assert header_columns(["1", "Sở Y tế", "Xã Yên Thành", "Yên Mô"], cues) is None  # a body row
    row = row_tasks(["10", "Sở Y tế", "Xã Yên Thành", "Yên Mô"], kinds, header, registry, cues)
    assert [(r.role, r.task) for r in row] == [("thực hiện", "Xã được giúp đỡ: Xã Yên Thành; Huyện: Yên Mô")]
    assert split_row("Trang chủ") is None


def test_organisation_section_of_a_plan_roles_from_verbs(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        V. TỔ CHỨC THỰC HIỆN
        1. Sở Nông nghiệp và Phát triển nông thôn
        a) Hướng dẫn các huyện, xã triển khai Kế hoạch; chỉ đạo phát triển sản xuất tại xã điểm;
        b) Tổng hợp, báo cáo tiến độ thực hiện trước ngày 15 tháng cuối quý.
        2. Sở Kế hoạch và Đầu tư: Chủ trì, phối hợp với Sở Tài chính tham mưu UBND tỉnh phân bổ vốn ngân sách trung \
ương năm 2013 cho các huyện.
        """,
    )
    agri = {r.role: r.task for r in rows_for(knowledge, rows, "Sở Nông nghiệp và Phát triển nông thôn")}
    assert agri["thực hiện"].startswith("Hướng dẫn các huyện, xã") and "chỉ đạo phát triển" in agri["thực hiện"]
    assert agri["báo cáo"].startswith("Tổng hợp, báo cáo tiến độ")
    assert [r.role for r in rows_for(knowledge, rows, "Sở Kế hoạch và Đầu tư")] == ["chủ trì"]
    assert [r.role for r in rows_for(knowledge, rows, "Sở Tài chính")] == ["phối hợp"]


def test_plan_attached_after_the_signature_and_document_lists(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        Điều 2. Chánh Văn phòng UBND tỉnh, Chủ tịch UBND các huyện chịu trách nhiệm thi hành Quyết định này./.
        Nơi nhận:
        - Như Điều 2;
        - Sở Tài chính;
        KT. CHỦ TỊCH
        KẾ HOẠCH
        I. NHIỆM VỤ
        1. Sở Tài chính: Hướng dẫn thủ tục thanh toán, quyết toán vốn Chương trình.
        2. UBND các xã hoàn chỉnh hồ sơ đề nghị xét công nhận, gửi UBND huyện trước ngày 25/9/2017. Hồ sơ gồm:
        - Tờ trình đề nghị xét công nhận xã đạt chuẩn nông thôn mới;
        - Báo cáo kết quả xây dựng nông thôn mới của xã.
        """,
        kind="quyết định",
    )
    finance = rows_for(knowledge, rows, "Sở Tài chính")
    assert [r.task[:20] for r in finance] == ["Hướng dẫn thủ tục th"]  # from the plan, not "Nơi nhận"
    commune = rows_for(knowledge, rows, "UBND các xã")
    assert [r.deadline for r in commune] == ["trước ngày 25/9/2017"]  # the documents listed are no tasks


def test_execution_clauses_of_directives_and_plans_but_not_ordinary_tasks(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        Giám đốc Sở Tài chính, Chủ tịch UBND các huyện, thành phố có trách nhiệm tổ chức thực hiện nghiêm Chỉ thị này./.
        Sở Nông nghiệp và Phát triển nông thôn chủ trì, phối hợp với Sở Xây dựng tổ chức thực hiện Kế hoạch này.
        Văn phòng Điều phối nông thôn mới tỉnh theo dõi, đôn đốc việc thực hiện văn bản này.
        """,
        kind="chỉ thị",
    )
    assert [r.task for r in rows_for(knowledge, rows, "Sở Tài chính")] == [
        "Có trách nhiệm tổ chức thực hiện nghiêm Chỉ thị này"
    ]
    assert [r.role for r in rows_for(knowledge, rows, "UBND các huyện, thành phố")] == ["thực hiện"]
    assert [r.role for r in rows_for(knowledge, rows, "Sở Nông nghiệp và Phát triển nông thôn")] == ["chủ trì"]
    assert [r.role for r in rows_for(knowledge, rows, "Sở Xây dựng")] == ["phối hợp"]
    assert [r.task[:20] for r in rows_for(knowledge, rows, "Văn phòng Điều phối nông thôn mới tỉnh")] == [
        "Theo dõi, đôn đốc vi"
    ]

"""The directive grammar of provincial documents: every form a task is given in, with its role,
task text and deadline. Each test is a tiny document in the words real notices, plans, decisions
and news reports use; documents are built directly (one block per line, one chunk) so the tests
exercise extraction alone."""

from __future__ import annotations

import pytest

from tests.directive_docs import extract, rows_for

pytestmark = pytest.mark.unit


def test_request_with_the_agency_in_mid_sentence_even_in_a_news_report(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        Tại cuộc họp, Phó Chủ tịch UBND tỉnh đề nghị UBND các huyện khẩn trương hoàn thiện hồ sơ đề nghị công nhận xã \
đạt chuẩn trước ngày 30/11/2019.
        """,
        kind="tin/bài",
    )
    district = rows_for(knowledge, rows, "UBND các huyện")
    assert len(district) == 1 and district[0].role == "thực hiện"
    assert (
        district[0].task.startswith("Khẩn trương hoàn thiện hồ sơ") and district[0].deadline == "trước ngày 30/11/2019"
    )


def test_distributive_subjects(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        Từng sở, ngành phải xây dựng kế hoạch hỗ trợ xã được phân công giúp đỡ.
        Mỗi xã cần lựa chọn ít nhất một tiêu chí để tập trung hoàn thành trong năm.
        """,
    )
    assert [r.task[:27] for r in rows_for(knowledge, rows, "các sở, ngành")] == ["Phải xây dựng kế hoạch hỗ t"]
    assert [r.task[:24] for r in rows_for(knowledge, rows, "UBND các xã")] == ["Cần lựa chọn ít nhất một"]


def test_partner_inside_a_section_is_not_the_subject(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        3. Sở Tài chính:
        - Chủ trì tham mưu phân bổ vốn sự nghiệp năm 2022 thực hiện Chương trình, hoàn thành trước ngày 30/6/2022.
        - Phối hợp với Sở Kế hoạch và Đầu tư đề xuất cân đối nguồn vốn đối ứng của ngân sách tỉnh.
        """,
    )
    finance = {r.role: r for r in rows_for(knowledge, rows, "Sở Tài chính")}
    assert finance["chủ trì"].deadline == "trước ngày 30/6/2022"
    assert "nguồn vốn đối ứng" in finance["thực hiện"].task  # Sở Tài chính's own task
    planning = rows_for(knowledge, rows, "Sở Kế hoạch và Đầu tư")
    assert [r.role for r in planning] == ["phối hợp"]  # never Sở KH&ĐT's own (chủ trì/thực hiện) task


def test_narration_and_recommendations_to_central_bodies_assign_nothing(knowledge) -> None:
    news = extract(
        knowledge,
        """
        Năm 2023, Sở Nông nghiệp và Phát triển nông thôn đã hướng dẫn các xã hoàn thiện hồ sơ.
        Sở Tài chính hướng dẫn các xã thanh quyết toán công trình hoàn thành trong năm.
        Ngày 16/5/2024, đồng chí Phó Chủ tịch UBND tỉnh chủ trì cuộc họp nghe báo cáo tiến độ.
        Sở Xây dựng cần hướng dẫn các huyện xử lý rác thải tại những xã chưa có bãi rác tập trung.
        Đề nghị Bộ Nông nghiệp và Phát triển nông thôn sớm ban hành hướng dẫn thực hiện tiêu chí.
        """,
        kind="tin/bài",
    )
    assert [(r.agency_text, r.task[:20]) for r in news] == [("Sở Xây dựng", "Cần hướng dẫn các hu")]


def test_request_goes_on_in_its_paragraph_and_a_topic_names_the_addressee(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        Chủ tịch UBND tỉnh yêu cầu Sở Nông nghiệp và PTNT khẩn trương hướng dẫn các huyện rà soát thực trạng từng tiêu \
chí. Sở Tài chính hướng dẫn các xã thanh quyết toán công trình hoàn thành, kiên quyết không để phát sinh nợ đọng.
        Đối với các huyện, thành phố, Chủ tịch UBND tỉnh đề nghị tập trung chỉ đạo quyết liệt các xã đăng ký về đích; \
sử dụng xi măng hỗ trợ đúng mục đích.
        Sở Xây dựng hướng dẫn các huyện xử lý rác thải trong năm 2016.
        """,
        kind="tin/bài",
    )
    assert [r.task[:25] for r in rows_for(knowledge, rows, "Sở Tài chính")] == ["Hướng dẫn các xã thanh qu"]
    district = [r.task for r in rows_for(knowledge, rows, "UBND các huyện, thành phố")]
    assert len(district) == 2 and district[0].startswith("Tập trung chỉ đạo quyết liệt")
    assert not rows_for(knowledge, rows, "Sở Xây dựng")  # a new paragraph of the report narrates again


def test_passive_agent_and_parallel_clauses(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        3. Thẩm định các tiêu chí
        - Tiêu chí Thu nhập do Cục Thống kê tỉnh thẩm định trên cơ sở số liệu điều tra.
        4. Phân công giúp đỡ xã: Sở Y tế phụ trách xã Hồng Kim (huyện A Lưới), Sở Giáo dục và Đào tạo phụ trách xã \
Thượng Quảng (huyện Nam Đông).
        """,
        kind="thông báo kết luận",
    )
    assert [r.task[:20] for r in rows_for(knowledge, rows, "Cục Thống kê tỉnh")] == ["Tiêu chí Thu nhập do"]
    assert [r.task for r in rows_for(knowledge, rows, "Sở Y tế")] == ["Phụ trách xã Hồng Kim (huyện A Lưới)"]
    assert [r.task for r in rows_for(knowledge, rows, "Sở Giáo dục và Đào tạo")] == [
        "Phụ trách xã Thượng Quảng (huyện Nam Đông)."
    ]


def test_passive_assignment_and_a_qualifier_before_the_colon(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        V. TỔ CHỨC THỰC HIỆN
        1. Sở Nông nghiệp và Phát triển nông thôn - Cơ quan thường trực Ban Chỉ đạo Chương trình tỉnh: Chủ trì, phối \
hợp với các sở, ngành hướng dẫn các huyện, thành phố triển khai Kế hoạch.
        Phó Chủ tịch UBND tỉnh yêu cầu Sở Xây dựng rà soát quy hoạch chung xã. Sở Tài chính cũng được giao hướng dẫn \
các huyện thanh quyết toán vốn, hoàn thành trong tháng 11/2023.
        """,
    )
    agri = rows_for(knowledge, rows, "Sở Nông nghiệp và Phát triển nông thôn")
    assert [r.role for r in agri] == ["chủ trì"] and "triển khai Kế hoạch" in agri[0].task
    assert not rows_for(knowledge, rows, "Ban Chỉ đạo tỉnh")  # the apposition names Sở NN&PTNT's role
    finance = rows_for(knowledge, rows, "Sở Tài chính")
    assert [r.task[:30] for r in finance] == ["Hướng dẫn các huyện thanh quyế"] and finance[
        0
    ].deadline == "trong tháng 11/2023"


def test_goals_states_and_provisos_are_not_tasks(knowledge) -> None:
    news = extract(
        knowledge,
        """
        Huyện Tân Yên tiếp tục dẫn đầu tỉnh với 8 xã đạt chuẩn. Chủ tịch UBND tỉnh đề nghị Đài Phát thanh và Truyền \
hình tỉnh tiếp tục mở chuyên mục về xây dựng nông thôn mới.
        """,
        kind="tin/bài",
    )
    assert [r.task[:22] for r in news] == ["Tiếp tục mở chuyên mục"]
    plan = extract(
        knowledge,
        """
        II. NHIỆM VỤ
        Phấn đấu đến cuối năm 2021 có thêm 05 xã đạt chuẩn nông thôn mới; UBND huyện Châu Thành hoàn thành các tiêu \
chí huyện nông thôn mới.
        3. Sở Tài chính:
        - Hướng dẫn các xã thanh toán, quyết toán vốn sự nghiệp.
        Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, kịp thời phản ánh về Sở Nông nghiệp và Phát triển nông \
thôn.
        """,
    )
    assert [r.task[:20] for r in plan] == ["Hướng dẫn các xã tha"]  # the goal and the proviso give no rows


def test_a_named_body_opening_an_item_of_the_goals_takes_that_goal(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        II. MỤC TIÊU
        2. Chỉ tiêu năm 2023
        - Có thêm 11 xã đạt chuẩn nông thôn mới nâng cao.
        - UBND huyện Diên Khánh hoàn thành xây dựng nông thôn mới ở tất cả các xã, hoàn thiện hồ sơ đề nghị công nhận \
trong quý IV/2023.
        """,
    )
    assert [(r.role, r.deadline) for r in rows] == [("thực hiện", "trong quý IV/2023")]
    assert "Diên Khánh" in rows[0].agency_text


def test_correlative_distributive_subject(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        1. Sở Nông nghiệp và Phát triển nông thôn:
        - Tham mưu Ban Chỉ đạo tỉnh phân công các sở, ngành giúp đỡ 15 xã điểm; các tiêu chí thuộc lĩnh vực sở, ngành \
nào quản lý thì sở, ngành đó chịu trách nhiệm xây dựng kế hoạch hoàn thành.
        """,
    )
    assert [r.role for r in rows_for(knowledge, rows, "Sở Nông nghiệp và Phát triển nông thôn")] == ["tham mưu"]
    shared = rows_for(knowledge, rows, "các sở, ngành")
    assert len(shared) == 1 and "sở, ngành đó chịu trách nhiệm" in shared[0].task


def test_inline_list_of_bodies_after_a_shared_predicate(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        3. Các sở, ngành phụ trách tiêu chí thẩm định theo lĩnh vực: Sở Xây dựng (tiêu chí 1, 9); Sở Y tế (tiêu chí \
15); Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh (tiêu chí 19).
        """,
        kind="hướng dẫn",
    )
    assert [r.task for r in rows_for(knowledge, rows, "Sở Y tế")] == [
        "Phụ trách tiêu chí thẩm định theo lĩnh vực: Sở Y tế (tiêu chí 15)"
    ]
    assert rows_for(knowledge, rows, "Công an tỉnh") and rows_for(knowledge, rows, "Bộ Chỉ huy Quân sự tỉnh")
    assert not rows_for(knowledge, rows, "các sở, ngành")  # the collective only introduces the list


def test_a_clause_with_its_own_subject_is_never_the_leads(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        Ban Dân tộc tỉnh cần đôn đốc tiến độ Chương trình phát triển kinh tế - xã hội vùng đồng bào dân tộc; Sở Lao \
động - Thương binh và Xã hội đã rà soát kết quả giảm nghèo.
        """,
        kind="tin/bài",
    )
    assert [r.task[:8] for r in rows_for(knowledge, rows, "Ban Dân tộc tỉnh")] == ["Cần đôn "]
    assert not rows_for(
        knowledge, rows, "Sở Lao động - Thương binh và Xã hội"
    )  # narrated, and not Ban Dân tộc's either


def test_subject_after_an_introductory_phrase_naming_other_bodies(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        Trên cơ sở ý kiến của các sở, ngành, Văn phòng Điều phối nông thôn mới tỉnh tổng hợp, tham mưu UBND tỉnh ban \
hành Bộ tiêu chí xã nông thôn mới giai đoạn 2021 - 2025.
        Ngày 05/3, UBND tỉnh ban hành Thông báo số 15/TB-UBND về kết luận hội nghị.
        """,
        kind="công văn",
    )
    assert [(r.agency_text, r.role) for r in rows] == [("Văn phòng Điều phối nông thôn mới tỉnh", "tham mưu")]


def test_periodic_reports_and_sending_reports_are_report_rows(knowledge) -> None:
    rows = extract(
        knowledge,
        """
        1. Các đơn vị được phân công đỡ đầu xã phải:
        a) Định kỳ 6 tháng (trước ngày 15/6) và hằng năm (trước ngày 15/12) báo cáo kết quả giúp đỡ xã về Sở Nông \
nghiệp và Phát triển nông thôn.
        2. UBND các huyện, thành phố: Tổng hợp kết quả rà soát của các xã, gửi báo cáo về Văn phòng Điều phối nông \
thôn mới tỉnh trước ngày 20/5/2022.
        3. Báo Bắc Giang, Đài Phát thanh và Truyền hình tỉnh tiếp tục mở chuyên mục, phản ánh gương điển hình trong \
xây dựng nông thôn mới.
        """,
    )
    assert [r.role for r in rows_for(knowledge, rows, "UBND các huyện, thành phố")] == ["báo cáo"]
    assert [r.role for r in rows_for(knowledge, rows, "Đài Phát thanh và Truyền hình tỉnh")] == [
        "thực hiện"
    ]  # "phản ánh gương" is no report
    assert any(r.role == "báo cáo" and r.deadline.startswith("trước ngày 15/6") for r in rows)

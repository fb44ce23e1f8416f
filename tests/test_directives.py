"""The directive grammar of provincial documents: every form a task is given in, with its role,
task text and deadline. Each test is a tiny document in the words real notices, plans, decisions
and news reports use; documents are built directly (one block per line, one chunk) so the tests
exercise extraction alone."""

from __future__ import annotations

import pytest

from core.agencies import load_registry
from core.contracts import Assignment, Block, Chunk, CleanDocument, DocumentMetadata
from ingest.directive_cues import load_directive_cues
from ingest.extract import extract_assignments
from ingest.table_tasks import header_columns, row_tasks, split_row

pytestmark = pytest.mark.unit


def _extract(text: str, kind: str = "kế hoạch") -> list[Assignment]:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    blocks, pos = [], 0
    for line in lines:
        blocks.append((Block(line), pos, pos + len(line)))
        pos += len(line) + 2
    body = "\n\n".join(lines)
    doc = CleanDocument("d1", "d1.txt", "h", "txt", body, blocks, DocumentMetadata(kind=kind))
    chunk = Chunk("d1:0", "d1", 0, body, [], 0, len(body))
    return extract_assignments(doc, [chunk], load_registry(), load_directive_cues())


def _for(rows: list[Assignment], name: str) -> list[Assignment]:
    agency = load_registry().resolve(name)
    assert agency is not None, name
    return [r for r in rows if r.agency == agency.id]


def test_execution_clause_gives_every_addressee_a_row() -> None:
    rows = _extract(
        """
        QUYẾT ĐỊNH:
        Điều 1. Công nhận 14 xã đạt chuẩn nông thôn mới năm 2019.
        Điều 2. Quyết định này có hiệu lực thi hành kể từ ngày ký.
        Điều 3. Chánh Văn phòng UBND tỉnh, Giám đốc Sở Tài chính, Giám đốc Sở Xây dựng, Chủ tịch UBND các huyện, thành phố căn cứ Quyết định thi hành./.
        """,
        kind="quyết định",
    )
    for name in ("Sở Tài chính", "Sở Xây dựng", "UBND các huyện, thành phố"):
        own = _for(rows, name)
        assert [r.role for r in own] == ["thực hiện"], name
        assert "thi hành quyết định" in own[0].task.lower()
    assert not _for(rows, "UBND tỉnh")  # the office of UBND tỉnh is meant, not the UBND itself
    assert not any("hiệu lực" in r.task for r in rows)


def test_agency_lead_in_with_lettered_items_and_a_qualifier_before_the_colon() -> None:
    rows = _extract(
        """
        2. Nhiệm vụ trọng tâm thời gian tới
        2.2. Sở Tài chính (tiếp nhận chức năng, nhiệm vụ của Sở Kế hoạch và Đầu tư):
        a) Chủ trì, phối hợp với Sở Xây dựng rà soát toàn bộ 37 công trình dở dang, đề xuất phương án bố trí vốn hoàn thành trước ngày 15/12/2025.
        b) Tham mưu UBND tỉnh dự kiến kế hoạch vốn năm 2026 thực hiện Chương trình.
        2.3. Sở Xây dựng: Hướng dẫn các xã rà soát, điều chỉnh quy hoạch chung xã, hoàn thành trong quý I/2026.
        """
    )
    finance = {r.role: r for r in _for(rows, "Sở Tài chính")}
    assert set(finance) == {"chủ trì", "tham mưu"}
    assert "37 công trình dở dang" in finance["chủ trì"].task
    assert finance["chủ trì"].deadline == "trước ngày 15/12/2025"
    assert not _for(rows, "Sở Kế hoạch và Đầu tư")  # named in the qualifier only
    building = _for(rows, "Sở Xây dựng")
    partner = [r for r in building if r.role == "phối hợp"]
    assert partner and "37 công trình" in partner[0].task
    own = [r for r in building if r.role == "thực hiện"]
    assert own and "quy hoạch chung xã" in own[0].task and own[0].deadline == "trong quý I/2026"


def test_level_headings_with_steps() -> None:
    rows = _extract(
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
    commune = _for(rows, "UBND các xã")
    assert any("tự đánh giá" in r.task for r in commune)
    assert any(r.deadline == "trước ngày 15/10/2019" for r in commune)
    district = _for(rows, "UBND các huyện")
    assert [r.task[:25] for r in district] == ["Thành lập Đoàn thẩm tra, "]
    assert not any("Đoàn thẩm tra" in r.task for r in commune)


def test_request_with_the_agency_in_mid_sentence_even_in_a_news_report() -> None:
    rows = _extract(
        """
        Tại cuộc họp, Phó Chủ tịch UBND tỉnh đề nghị UBND các huyện khẩn trương hoàn thiện hồ sơ đề nghị công nhận xã đạt chuẩn trước ngày 30/11/2019.
        """,
        kind="tin/bài",
    )
    district = _for(rows, "UBND các huyện")
    assert len(district) == 1 and district[0].role == "thực hiện"
    assert (
        district[0].task.startswith("Khẩn trương hoàn thiện hồ sơ") and district[0].deadline == "trước ngày 30/11/2019"
    )


def test_lead_in_announcing_demands_for_a_level() -> None:
    rows = _extract(
        """
        3. Nhiệm vụ thời gian tới
        Đối với cấp huyện, cần:
        - Tập trung chỉ đạo quyết liệt các xã đăng ký về đích năm 2016;
        - Bố trí đủ ngân sách đối ứng, không để phát sinh nợ đọng xây dựng cơ bản.
        4. Sở Tài chính hướng dẫn các xã thanh quyết toán công trình hoàn thành.
        """
    )
    district = [r.task for r in _for(rows, "UBND các huyện")]
    assert len(district) == 2 and district[0].startswith("Tập trung chỉ đạo quyết liệt")
    assert not any("thanh quyết toán" in t for t in district)  # the next item has its own subject
    assert _for(rows, "Sở Tài chính")


def test_distributive_subjects() -> None:
    rows = _extract(
        """
        Từng sở, ngành phải xây dựng kế hoạch hỗ trợ xã được phân công giúp đỡ.
        Mỗi xã cần lựa chọn ít nhất một tiêu chí để tập trung hoàn thành trong năm.
        """
    )
    assert [r.task[:27] for r in _for(rows, "các sở, ngành")] == ["Phải xây dựng kế hoạch hỗ t"]
    assert [r.task[:24] for r in _for(rows, "UBND các xã")] == ["Cần lựa chọn ít nhất một"]


def test_task_table_rows_with_header() -> None:
    rows = _extract(
        """
        IV. TỔ CHỨC THỰC HIỆN
        TT | Nội dung nhiệm vụ | Cơ quan chủ trì | Cơ quan phối hợp | Thời gian hoàn thành
        1 | Tham mưu phân bổ vốn ngân sách tỉnh đối ứng thực hiện Chương trình năm 2018 | Sở Kế hoạch và Đầu tư | Sở Tài chính, Sở Xây dựng | Tháng 5/2018
        2 | Đào tạo nghề cho lao động nông thôn | Sở Lao động - Thương binh và Xã hội | UBND các huyện, thị xã, thành phố | Năm 2018
        """
    )
    lead = _for(rows, "Sở Kế hoạch và Đầu tư")
    assert [r.role for r in lead] == ["chủ trì"]  # the column says chủ trì, whatever the verb
    assert lead[0].task.startswith("Tham mưu phân bổ vốn") and lead[0].deadline == "Tháng 5/2018"
    assert [r.role for r in _for(rows, "Sở Tài chính")] == ["phối hợp"]
    assert [r.role for r in _for(rows, "UBND các huyện, thị xã, thành phố")] == ["phối hợp"]


def test_table_header_kinds_and_a_sponsor_table() -> None:
    cues, registry = load_directive_cues(), load_registry()
    header = split_row("STT | Đơn vị đỡ đầu | Xã được giúp đỡ | Huyện")
    assert header is not None
    kinds = header_columns(header, cues)
    assert kinds == ["index", "lead", "content", "content"]
    assert header_columns(["1", "Sở Y tế", "Xã Yên Thành", "Yên Mô"], cues) is None  # a body row
    row = row_tasks(["10", "Sở Y tế", "Xã Yên Thành", "Yên Mô"], kinds, header, registry, cues)
    assert [(r.role, r.task) for r in row] == [("thực hiện", "Xã được giúp đỡ: Xã Yên Thành; Huyện: Yên Mô")]
    assert split_row("Trang chủ") is None


def test_organisation_section_of_a_plan_roles_from_verbs() -> None:
    rows = _extract(
        """
        V. TỔ CHỨC THỰC HIỆN
        1. Sở Nông nghiệp và Phát triển nông thôn
        a) Hướng dẫn các huyện, xã triển khai Kế hoạch; chỉ đạo phát triển sản xuất tại xã điểm;
        b) Tổng hợp, báo cáo tiến độ thực hiện trước ngày 15 tháng cuối quý.
        2. Sở Kế hoạch và Đầu tư: Chủ trì, phối hợp với Sở Tài chính tham mưu UBND tỉnh phân bổ vốn ngân sách trung ương năm 2013 cho các huyện.
        """
    )
    agri = {r.role: r.task for r in _for(rows, "Sở Nông nghiệp và Phát triển nông thôn")}
    assert agri["thực hiện"].startswith("Hướng dẫn các huyện, xã") and "chỉ đạo phát triển" in agri["thực hiện"]
    assert agri["báo cáo"].startswith("Tổng hợp, báo cáo tiến độ")
    assert [r.role for r in _for(rows, "Sở Kế hoạch và Đầu tư")] == ["chủ trì"]
    assert [r.role for r in _for(rows, "Sở Tài chính")] == ["phối hợp"]


def test_partner_inside_a_section_is_not_the_subject() -> None:
    rows = _extract(
        """
        3. Sở Tài chính:
        - Chủ trì tham mưu phân bổ vốn sự nghiệp năm 2022 thực hiện Chương trình, hoàn thành trước ngày 30/6/2022.
        - Phối hợp với Sở Kế hoạch và Đầu tư đề xuất cân đối nguồn vốn đối ứng của ngân sách tỉnh.
        """
    )
    finance = {r.role: r for r in _for(rows, "Sở Tài chính")}
    assert finance["chủ trì"].deadline == "trước ngày 30/6/2022"
    assert "nguồn vốn đối ứng" in finance["thực hiện"].task  # Sở Tài chính's own task
    planning = _for(rows, "Sở Kế hoạch và Đầu tư")
    assert [r.role for r in planning] == ["phối hợp"]  # never Sở KH&ĐT's own (chủ trì/thực hiện) task


def test_narration_and_recommendations_to_central_bodies_assign_nothing() -> None:
    news = _extract(
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


def test_plan_attached_after_the_signature_and_document_lists() -> None:
    rows = _extract(
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
    finance = _for(rows, "Sở Tài chính")
    assert [r.task[:20] for r in finance] == ["Hướng dẫn thủ tục th"]  # from the plan, not "Nơi nhận"
    commune = _for(rows, "UBND các xã")
    assert [r.deadline for r in commune] == ["trước ngày 25/9/2017"]  # the documents listed are no tasks


def test_request_goes_on_in_its_paragraph_and_a_topic_names_the_addressee() -> None:
    rows = _extract(
        """
        Chủ tịch UBND tỉnh yêu cầu Sở Nông nghiệp và PTNT khẩn trương hướng dẫn các huyện rà soát thực trạng từng tiêu chí. Sở Tài chính hướng dẫn các xã thanh quyết toán công trình hoàn thành, kiên quyết không để phát sinh nợ đọng.
        Đối với các huyện, thành phố, Chủ tịch UBND tỉnh đề nghị tập trung chỉ đạo quyết liệt các xã đăng ký về đích; sử dụng xi măng hỗ trợ đúng mục đích.
        Sở Xây dựng hướng dẫn các huyện xử lý rác thải trong năm 2016.
        """,
        kind="tin/bài",
    )
    assert [r.task[:25] for r in _for(rows, "Sở Tài chính")] == ["Hướng dẫn các xã thanh qu"]
    district = [r.task for r in _for(rows, "UBND các huyện, thành phố")]
    assert len(district) == 2 and district[0].startswith("Tập trung chỉ đạo quyết liệt")
    assert not _for(rows, "Sở Xây dựng")  # a new paragraph of the report narrates again


def test_passive_agent_and_parallel_clauses() -> None:
    rows = _extract(
        """
        3. Thẩm định các tiêu chí
        - Tiêu chí Thu nhập do Cục Thống kê tỉnh thẩm định trên cơ sở số liệu điều tra.
        4. Phân công giúp đỡ xã: Sở Y tế phụ trách xã Hồng Kim (huyện A Lưới), Sở Giáo dục và Đào tạo phụ trách xã Thượng Quảng (huyện Nam Đông).
        """,
        kind="thông báo kết luận",
    )
    assert [r.task[:20] for r in _for(rows, "Cục Thống kê tỉnh")] == ["Tiêu chí Thu nhập do"]
    assert [r.task for r in _for(rows, "Sở Y tế")] == ["Phụ trách xã Hồng Kim (huyện A Lưới)"]
    assert [r.task for r in _for(rows, "Sở Giáo dục và Đào tạo")] == ["Phụ trách xã Thượng Quảng (huyện Nam Đông)."]


def test_passive_assignment_and_a_qualifier_before_the_colon() -> None:
    rows = _extract(
        """
        V. TỔ CHỨC THỰC HIỆN
        1. Sở Nông nghiệp và Phát triển nông thôn - Cơ quan thường trực Ban Chỉ đạo Chương trình tỉnh: Chủ trì, phối hợp với các sở, ngành hướng dẫn các huyện, thành phố triển khai Kế hoạch.
        Phó Chủ tịch UBND tỉnh yêu cầu Sở Xây dựng rà soát quy hoạch chung xã. Sở Tài chính cũng được giao hướng dẫn các huyện thanh quyết toán vốn, hoàn thành trong tháng 11/2023.
        """
    )
    agri = _for(rows, "Sở Nông nghiệp và Phát triển nông thôn")
    assert [r.role for r in agri] == ["chủ trì"] and "triển khai Kế hoạch" in agri[0].task
    assert not _for(rows, "Ban Chỉ đạo tỉnh")  # the apposition names Sở NN&PTNT's role
    finance = _for(rows, "Sở Tài chính")
    assert [r.task[:30] for r in finance] == ["Hướng dẫn các huyện thanh quyế"] and finance[
        0
    ].deadline == "trong tháng 11/2023"


def test_goals_states_and_provisos_are_not_tasks() -> None:
    news = _extract(
        """
        Huyện Tân Yên tiếp tục dẫn đầu tỉnh với 8 xã đạt chuẩn. Chủ tịch UBND tỉnh đề nghị Đài Phát thanh và Truyền hình tỉnh tiếp tục mở chuyên mục về xây dựng nông thôn mới.
        """,
        kind="tin/bài",
    )
    assert [r.task[:22] for r in news] == ["Tiếp tục mở chuyên mục"]
    plan = _extract(
        """
        II. NHIỆM VỤ
        Phấn đấu đến cuối năm 2021 có thêm 05 xã đạt chuẩn nông thôn mới; UBND huyện Châu Thành hoàn thành các tiêu chí huyện nông thôn mới.
        3. Sở Tài chính:
        - Hướng dẫn các xã thanh toán, quyết toán vốn sự nghiệp.
        Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, kịp thời phản ánh về Sở Nông nghiệp và Phát triển nông thôn.
        """
    )
    assert [r.task[:20] for r in plan] == ["Hướng dẫn các xã tha"]  # the goal and the proviso give no rows


def test_a_named_body_opening_an_item_of_the_goals_takes_that_goal() -> None:
    rows = _extract(
        """
        II. MỤC TIÊU
        2. Chỉ tiêu năm 2023
        - Có thêm 11 xã đạt chuẩn nông thôn mới nâng cao.
        - UBND huyện Diên Khánh hoàn thành xây dựng nông thôn mới ở tất cả các xã, hoàn thiện hồ sơ đề nghị công nhận trong quý IV/2023.
        """
    )
    assert [(r.role, r.deadline) for r in rows] == [("thực hiện", "trong quý IV/2023")]
    assert "Diên Khánh" in rows[0].agency_text


def test_correlative_distributive_subject() -> None:
    rows = _extract(
        """
        1. Sở Nông nghiệp và Phát triển nông thôn:
        - Tham mưu Ban Chỉ đạo tỉnh phân công các sở, ngành giúp đỡ 15 xã điểm; các tiêu chí thuộc lĩnh vực sở, ngành nào quản lý thì sở, ngành đó chịu trách nhiệm xây dựng kế hoạch hoàn thành.
        """
    )
    assert [r.role for r in _for(rows, "Sở Nông nghiệp và Phát triển nông thôn")] == ["tham mưu"]
    shared = _for(rows, "các sở, ngành")
    assert len(shared) == 1 and "sở, ngành đó chịu trách nhiệm" in shared[0].task


def test_inline_list_of_bodies_after_a_shared_predicate() -> None:
    rows = _extract(
        """
        3. Các sở, ngành phụ trách tiêu chí thẩm định theo lĩnh vực: Sở Xây dựng (tiêu chí 1, 9); Sở Y tế (tiêu chí 15); Công an tỉnh, Bộ Chỉ huy Quân sự tỉnh (tiêu chí 19).
        """,
        kind="hướng dẫn",
    )
    assert [r.task for r in _for(rows, "Sở Y tế")] == [
        "Phụ trách tiêu chí thẩm định theo lĩnh vực: Sở Y tế (tiêu chí 15)"
    ]
    assert _for(rows, "Công an tỉnh") and _for(rows, "Bộ Chỉ huy Quân sự tỉnh")
    assert not _for(rows, "các sở, ngành")  # the collective only introduces the list


def test_a_clause_with_its_own_subject_is_never_the_leads() -> None:
    rows = _extract(
        """
        Ban Dân tộc tỉnh cần đôn đốc tiến độ Chương trình phát triển kinh tế - xã hội vùng đồng bào dân tộc; Sở Lao động - Thương binh và Xã hội đã rà soát kết quả giảm nghèo.
        """,
        kind="tin/bài",
    )
    assert [r.task[:8] for r in _for(rows, "Ban Dân tộc tỉnh")] == ["Cần đôn "]
    assert not _for(rows, "Sở Lao động - Thương binh và Xã hội")  # narrated, and not Ban Dân tộc's either


def test_subject_after_an_introductory_phrase_naming_other_bodies() -> None:
    rows = _extract(
        """
        Trên cơ sở ý kiến của các sở, ngành, Văn phòng Điều phối nông thôn mới tỉnh tổng hợp, tham mưu UBND tỉnh ban hành Bộ tiêu chí xã nông thôn mới giai đoạn 2021 - 2025.
        Ngày 05/3, UBND tỉnh ban hành Thông báo số 15/TB-UBND về kết luận hội nghị.
        """,
        kind="công văn",
    )
    assert [(r.agency_text, r.role) for r in rows] == [("Văn phòng Điều phối nông thôn mới tỉnh", "tham mưu")]


def test_periodic_reports_and_sending_reports_are_report_rows() -> None:
    rows = _extract(
        """
        1. Các đơn vị được phân công đỡ đầu xã phải:
        a) Định kỳ 6 tháng (trước ngày 15/6) và hằng năm (trước ngày 15/12) báo cáo kết quả giúp đỡ xã về Sở Nông nghiệp và Phát triển nông thôn.
        2. UBND các huyện, thành phố: Tổng hợp kết quả rà soát của các xã, gửi báo cáo về Văn phòng Điều phối nông thôn mới tỉnh trước ngày 20/5/2022.
        3. Báo Bắc Giang, Đài Phát thanh và Truyền hình tỉnh tiếp tục mở chuyên mục, phản ánh gương điển hình trong xây dựng nông thôn mới.
        """
    )
    assert [r.role for r in _for(rows, "UBND các huyện, thành phố")] == ["báo cáo"]
    assert [r.role for r in _for(rows, "Đài Phát thanh và Truyền hình tỉnh")] == [
        "thực hiện"
    ]  # "phản ánh gương" is no report
    assert any(r.role == "báo cáo" and r.deadline.startswith("trước ngày 15/6") for r in rows)


def test_execution_clauses_of_directives_and_plans_but_not_ordinary_tasks() -> None:
    rows = _extract(
        """
        Giám đốc Sở Tài chính, Chủ tịch UBND các huyện, thành phố có trách nhiệm tổ chức thực hiện nghiêm Chỉ thị này./.
        Sở Nông nghiệp và Phát triển nông thôn chủ trì, phối hợp với Sở Xây dựng tổ chức thực hiện Kế hoạch này.
        Văn phòng Điều phối nông thôn mới tỉnh theo dõi, đôn đốc việc thực hiện văn bản này.
        """,
        kind="chỉ thị",
    )
    assert [r.task for r in _for(rows, "Sở Tài chính")] == ["Có trách nhiệm tổ chức thực hiện nghiêm Chỉ thị này"]
    assert [r.role for r in _for(rows, "UBND các huyện, thành phố")] == ["thực hiện"]
    assert [r.role for r in _for(rows, "Sở Nông nghiệp và Phát triển nông thôn")] == ["chủ trì"]
    assert [r.role for r in _for(rows, "Sở Xây dựng")] == ["phối hợp"]
    assert [r.task[:20] for r in _for(rows, "Văn phòng Điều phối nông thôn mới tỉnh")] == ["Theo dõi, đôn đốc vi"]

"""List and structure answers: blocks read from the layout, whole lists cited item by item, lists
narrowed to the asked place say so, and a quoted lead-in gets what it leads into."""

from __future__ import annotations

import pytest

from assistant.answering.documents import DocumentView
from assistant.answering.list_blocks import ListBlocks, find_blocks, narrowed_items
from assistant.evidence import TermWeights
from assistant.query import plan_question
from core.contracts import Answer, Citation

pytestmark = pytest.mark.unit

STEPS = (
    "1. Tổ chức thực hiện ở cấp xã\n\n"
    "Việc xây dựng nông thôn mới ở cấp xã được triển khai theo các bước sau:\n\n"
    "Bước 1. Kiện toàn Ban Quản lý xây dựng nông thôn mới xã.\n\n"
    "Bước 2. Tuyên truyền, vận động người dân tham gia.\n\n"
    "Bước 3. Rà soát, hoàn thiện đề án, trình UBND huyện phê duyệt.\n\n"
    "2. Phát triển hạ tầng: tập trung đầu tư đường giao thông.\n"
)

DISTRICTS = (
    "Điều 1. Công nhận 6 xã thuộc 3 huyện đạt chuẩn nông thôn mới năm 2019, cụ thể như sau:\n\n"
    "1. Huyện Tiên Lãng (03 xã): Bạch Đằng, Kiến Thiết, Tiên Minh.\n\n"
    "2. Huyện Vĩnh Bảo (02 xã): Trấn Dương, Hòa Bình.\n\n"
    "3. Huyện Cát Hải (01 xã): Hoàng Châu.\n\n"
    "Điều 2. Quyết định có hiệu lực từ ngày ký.\n"
)


def test_steps_block_runs_to_the_next_item_of_the_lead_level() -> None:
    blocks = find_blocks("d", STEPS)
    block = next(b for b in blocks if b.lead.text.endswith("các bước sau:"))
    assert [i.text[:6] for i in block.items] == ["Bước 1", "Bước 2", "Bước 3"]
    for line in [block.lead, *block.items]:
        assert STEPS[line.start : line.end] == line.text


def test_lettered_items_under_a_numbered_lead_stop_at_the_next_number() -> None:
    text = (
        "1. Hồ sơ của UBND xã gửi UBND huyện (01 bộ), gồm:\n"
        "a) Tờ trình của UBND xã;\nb) Báo cáo kết quả xây dựng nông thôn mới của xã;\nc) Hình ảnh minh họa.\n"
        "2. Hồ sơ của UBND huyện gửi tỉnh (02 bộ), gồm:\na) Tờ trình của UBND huyện;\nb) Biên bản họp.\n"
    )
    first, second = find_blocks("d", text)
    assert len(first.items) == 3 and first.items[-1].text == "c) Hình ảnh minh họa."
    assert second.lead.text.startswith("2. Hồ sơ") and len(second.items) == 2


def test_table_rows_keep_their_header() -> None:
    text = (
        "Phân công đơn vị giúp đỡ các xã, cụ thể như sau:\nSTT | Đơn vị | Xã\n"
        "1 | Sở Y tế | Xã Tùng Bá\n2 | Sở Xây dựng | Xã Xuân Giang\n"
    )
    (block,) = find_blocks("d", text)
    assert block.header is not None and block.header.text.startswith("STT")
    assert [i.text for i in block.items] == ["1 | Sở Y tế | Xã Tùng Bá", "2 | Sở Xây dựng | Xã Xuân Giang"]


def test_items_are_narrowed_to_the_place_the_question_names(knowledge) -> None:
    (block,) = [b for b in find_blocks("d", DISTRICTS) if b.lead.text.startswith("Điều 1")]
    plan = plan_question("Huyện Tiên Lãng có những xã nào được công nhận đạt chuẩn nông thôn mới năm 2019?", knowledge)
    assert [i.text[:18] for i in narrowed_items(block, plan)] == ["1. Huyện Tiên Lãng"]
    every = plan_question("Những xã nào được công nhận đạt chuẩn nông thôn mới năm 2019?", knowledge)
    assert len(narrowed_items(block, every)) == 3


@pytest.fixture(scope="module")
def list_index(tmp_path_factory, build_index):
    """A real index of one plan whose list of tasks is longer than one chunk."""

    folder = tmp_path_factory.mktemp("list-docs")
    items = "\n\n".join(
        f"- Nhiệm vụ số {n}: rà soát, hoàn thiện hồ sơ tiêu chí giao thông, thủy lợi, trường học và nhà văn hóa "
        f"của các thôn, bản thuộc cụm xã số {n}, báo cáo kết quả về Văn phòng Điều phối trước ngày {n}/11/2019."
        for n in range(1, 13)
    )
    text = (
        "ỦY BAN NHÂN DÂN TỈNH ĐIỆN BIÊN\n\nSố: 18/KH-UBND\n\nĐiện Biên, ngày 05 tháng 3 năm 2019\n\nKẾ HOẠCH\n\n"
        "Xây dựng nông thôn mới năm 2019\n\n"
        "Căn cứ Quyết định số 1600/QĐ-TTg ngày 16/8/2016 của Thủ tướng Chính phủ;\n\n"
        "I. NHIỆM VỤ CỦA CÁC XÃ\n\nCác xã đăng ký đạt chuẩn năm 2019 thực hiện các nhiệm vụ sau:\n\n"
        f"{items}\n\nII. TỔ CHỨC THỰC HIỆN\n\nCác sở, ngành theo chức năng hướng dẫn các xã thực hiện.\n"
    )
    (folder / "dien-bien_ke-hoach_2019.txt").write_text(text, encoding="utf-8")
    return build_index(tmp_path_factory.mktemp("list-index"), [folder])


def _strategy(knowledge, index) -> ListBlocks:
    return ListBlocks(TermWeights([c.indexed_text for c in index.all_chunks()]), DocumentView(index), knowledge)


@pytest.mark.e2e
def test_whole_list_answer_cites_every_item_across_chunks(knowledge, list_index) -> None:
    from assistant.retrieve import HybridSearch, RetrievalConfig

    plan = plan_question("Các xã đăng ký đạt chuẩn năm 2019 ở Điện Biên phải thực hiện những nhiệm vụ gì?", knowledge)
    assert plan.asks_list
    retrieved = HybridSearch(list_index, knowledge, RetrievalConfig()).search(plan, 2).chunks
    lists = _strategy(knowledge, list_index)
    answer = lists.answer(plan, retrieved)
    assert answer is not None and not answer.abstained
    doc_text = list_index.document_text(retrieved[0].doc_id)
    assert answer.citations[0].quote == "Các xã đăng ký đạt chuẩn năm 2019 thực hiện các nhiệm vụ sau:"
    for c in answer.citations:
        assert doc_text[c.start : c.end] == c.quote
        assert c.chunk_id in {r.chunk_id for r in answer.retrieved}
    assert len({c.chunk_id for c in answer.citations}) > 1  # the list runs into the next chunk
    shown = [line for line in answer.text.splitlines() if line.startswith("- Nhiệm vụ")]
    assert len(shown) == lists.config.max_items
    assert "và 2 mục khác" in answer.text  # past the cap, the rest is counted, never dropped silently


@pytest.mark.e2e
def test_a_quoted_lead_in_gets_its_items(knowledge, list_index) -> None:
    lists = _strategy(knowledge, list_index)
    doc = list_index.documents()[0]
    text = list_index.document_text(doc.doc_id)
    lead = "Các xã đăng ký đạt chuẩn năm 2019 thực hiện các nhiệm vụ sau:"
    start = text.index(lead)
    chunk = lists.documents.chunk_at(doc.doc_id, start)
    extractive = Answer(
        f"Theo Kế hoạch số 18/KH-UBND:\n- {lead} [1]",
        [Citation.of(1, chunk, lead, start, start + len(lead))],
        False,
        0.5,
        [chunk],
    )
    plan = plan_question("Các xã ở Điện Biên năm 2019 làm gì?", knowledge)
    expanded = lists.expand_lead_ins(plan, extractive)
    items = [line for line in expanded.text.splitlines() if line.strip().startswith("- Nhiệm vụ")]
    assert len(items) == lists.config.expand_items
    assert [c.n for c in expanded.citations] == list(range(1, len(expanded.citations) + 1))
    assert all(text[c.start : c.end] == c.quote for c in expanded.citations)


def test_lead_in_ends_are_read_from_the_line_end(shared) -> None:
    """A lead-in is told by how its line ends; reading only the line's end must agree with
    searching the whole line, on every line of the dev corpus and on lines built to sit at the edge
    (the word boundary before "như sau", a line that is only the phrase, a colon mid-line)."""
    from assistant.answering.block_layout import _LEAD_END, _ends_lead_in, lines_of

    lines = [line.text for p in sorted((shared / "corpus" / "dev").glob("*.txt")) for line in lines_of(p.read_text())]
    for stem in ["", "a", "Cụ thể", "Nhiệm vụ: gồm 3 việc", "x" * 300]:
        for end in [" như sau.", "như sau", " sau đây", "nhưnhư sau.", " sau đây:", ":", " như sau:", ". Như sau", ""]:
            lines.append((stem + end).strip())
    leads = [line for line in lines if _LEAD_END.search(line)]
    assert len(leads) > 50 and len(lines) - len(leads) > 500
    for line in lines:
        assert _ends_lead_in(line) == bool(_LEAD_END.search(line)), line


def test_one_family_pattern_names_the_first_family_that_matches(shared) -> None:
    """`family` tries every marker family in one pattern; it must name the family that trying
    them in order names, on every line of the seeds and dev corpus and on lines built for the
    edges (case-blind "Bước", markers that two families share, no marker)."""
    from assistant.answering.block_layout import _FAMILIES, family, lines_of

    def in_order(line: str) -> str:
        return next((name for name, pattern in _FAMILIES if pattern.match(line)), "")

    folders = [shared / "corpus" / "seeds", shared / "corpus" / "dev"]
    lines = [line.text for d in folders for p in sorted(d.glob("*.txt")) for line in lines_of(p.read_text())]
    lines += ["BƯỚC 2. Rà soát", "bước 3 x", "IV) Nhiệm vụ", "1.2. Mục tiêu", "12 Sở Tài chính", "x | y", "a\tb"]
    lines += ["đ) Hỗ trợ", "- Cứng hóa", "+ Nâng cấp", "• Trạm y tế", "Điều 5. Hiệu lực", "Căn cứ", "1) Sở", "Ia. x"]
    named = {in_order(line) for line in lines}
    assert named >= {name for name, _ in _FAMILIES} | {""}  # every family occurs: the check is not vacuous
    for line in lines:
        assert family(line) == in_order(line), line

"""Text tables survive cleaning: told from portal menus by structure, kept row by row, and read
with their header (in the heading path of a chunk that holds rows without it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.contracts import Block, BlockKind
from ingest.chunking import ChunkingConfig, chunk_document
from ingest.clean import clean_blocks
from ingest.loaders.txt import load_txt
from ingest.pipeline import prepare_bytes
from ingest.tables import judge_table, row_with_header, split_cells

TEXTS = Path(__file__).parent / "data" / "texts"  # real document layouts, kept verbatim

PORTAL_PAGE = (TEXTS / "clean_tables_portal_page.txt").read_text(encoding="utf-8")

TAB_TABLE = (
    "UBND TỈNH KHÁNH HÒA\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
    "THÀNH PHỐ NHA TRANG\tĐộc lập - Tự do - Hạnh phúc\n"
    "Số: 3612/KH-UBND\tKhánh Hòa, ngày 07 tháng 5 năm 2018\n"
    "Chỉ tiêu xã đạt chuẩn nông thôn mới theo từng địa phương:\n"
    "Địa phương\tSố xã đạt chuẩn đến hết năm 2017\tChỉ tiêu thêm mới năm 2018\n"
    "Thị xã Ninh Hòa\t9\t3\n"
    "Huyện Cam Lâm\t7\t2\n"
)


def _cleaned(text: str) -> list[Block]:
    return clean_blocks(load_txt(text.encode("utf-8"), "x.txt").blocks)


@pytest.mark.unit
def test_table_rows_stay_and_menus_go() -> None:
    blocks = _cleaned(PORTAL_PAGE)
    texts = [b.text for b in blocks]
    rows = [b.text for b in blocks if b.kind == BlockKind.TABLE_ROW]
    assert rows[0] == "STT | Huyện, thị xã | Xã NTM nâng cao | Xã NTM kiểu mẫu"
    assert "1 | Ba Vì | 8 | 2" in rows and "Tổng cộng | 62 | 25" in rows  # the totals row too
    assert not any(t.startswith("Trang chủ") for t in texts)  # one line of link labels: a menu
    assert not any("[Gửi]" in t for t in texts)  # the comment form after the article is cut


@pytest.mark.unit
def test_tab_separated_rows_become_cells_but_a_header_layout_does_not() -> None:
    blocks = _cleaned(TAB_TABLE)
    rows = [b.text for b in blocks if b.kind == BlockKind.TABLE_ROW]
    assert rows == [
        "Địa phương | Số xã đạt chuẩn đến hết năm 2017 | Chỉ tiêu thêm mới năm 2018",
        "Thị xã Ninh Hòa | 9 | 3",
        "Huyện Cam Lâm | 7 | 2",
    ]
    # the two-column header of an administrative text has no figures: it stays running text
    assert any(b.text.startswith("Số: 3612/KH-UBND Khánh Hòa") for b in blocks)


@pytest.mark.unit
def test_structure_decides_not_the_separator() -> None:
    menu = [split_cells("Trang chủ | Giới thiệu | Tin tức"), split_cells("Đăng nhập | Sơ đồ site | English")]
    assert judge_table(menu) is None  # short labels, no figures
    table = judge_table(
        [split_cells("Nguồn vốn | Lào Cai | Yên Bái"), split_cells("Ngân sách trung ương | 2.318 | 2.104")]
    )
    assert table is not None and table.header[0] == "Nguồn vốn"
    assert split_cells("| a | b |") == ["a", "b"]  # a Markdown row


@pytest.mark.unit
def test_a_row_reads_with_its_columns() -> None:
    header = ("STT", "Huyện, thị xã", "Xã NTM nâng cao", "Xã NTM kiểu mẫu")
    assert row_with_header(header, ("1", "Ba Vì", "8", "2"), numbered=True) == (
        "Huyện, thị xã: Ba Vì; Xã NTM nâng cao: 8; Xã NTM kiểu mẫu: 2"
    )
    # a totals row merges the number and name columns: its figures still land under their columns
    assert row_with_header(header, ("Tổng cộng", "62", "25"), numbered=True) == (
        "Tổng cộng; Xã NTM nâng cao: 62; Xã NTM kiểu mẫu: 25"
    )
    # a row that lost its empty last cell keeps its alignment from the left
    header = ("TT", "Tên tiêu chí", "Số xã đạt", "Ghi chú")
    assert row_with_header(header, ("3", "Lao động có việc làm", "33"), numbered=True) == (
        "Tên tiêu chí: Lao động có việc làm; Số xã đạt: 33"
    )


@pytest.mark.unit
def test_chunks_holding_rows_carry_the_header(knowledge) -> None:
    rows = "\n".join(f"{i} | Huyện số {i} của tỉnh | {i * 1000 + 120} | {i % 3}" for i in range(1, 30))
    text = (
        "QUYẾT ĐỊNH\nVề việc phân bổ vốn sự nghiệp năm 2024\n"
        "Điều 1. Phân bổ vốn sự nghiệp ngân sách trung ương năm 2024 cho các huyện như sau:\n"
        "STT | Đơn vị | Vốn sự nghiệp phân bổ | Chỉ tiêu xã đạt chuẩn NTM năm 2024\n" + rows + "\n"
    )
    prepared = prepare_bytes(text.encode("utf-8"), "phan-bo.txt", knowledge)
    chunks = chunk_document(prepared.document, knowledge.registry, ChunkingConfig(max_chars=400))
    header = "STT | Đơn vị | Vốn sự nghiệp phân bổ | Chỉ tiêu xã đạt chuẩn NTM năm 2024"
    with_rows = [c for c in chunks if "| Huyện số" in c.text]
    assert len(with_rows) >= 2
    for chunk in with_rows:
        assert header in chunk.text or chunk.heading_path[-1] == header
        assert prepared.document.text[chunk.start : chunk.end] == chunk.text  # offsets stay true

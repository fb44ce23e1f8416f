"""Kinds, titles and header facts of real administrative layouts: a decision (two-column header
merged into one line by the loader, Căn cứ lines, Xét đề nghị, Điều 3 of effect, KT. CHỦ TỊCH
signature), a công văn (V/v under the number), a nghị quyết of the HĐND and a tờ trình."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.event_facts import official_date
from core.header_facts import read_header
from ingest.clean import clean_blocks, join_blocks
from ingest.loaders import load_bytes
from ingest.metadata import extract_metadata

TEXTS = Path(__file__).parent / "data" / "texts"  # real document layouts, kept verbatim

pytestmark = pytest.mark.unit

DECISION = (TEXTS / "metadata_kinds_decision.txt").read_text(encoding="utf-8")

LETTER = (TEXTS / "metadata_kinds_letter.txt").read_text(encoding="utf-8")

RESOLUTION = (TEXTS / "metadata_kinds_resolution.txt").read_text(encoding="utf-8")

SUBMISSION = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 112/TTr-UBND

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 05 tháng 3 năm 2019

TỜ TRÌNH
Về việc đề nghị công nhận huyện Bình Sơn đạt chuẩn nông thôn mới năm 2018

Kính gửi: Bộ Nông nghiệp và Phát triển nông thôn.

Căn cứ Quyết định số 2540/QĐ-TTg ngày 30/12/2016 của Thủ tướng Chính phủ, UBND tỉnh kính trình Bộ xem xét.

TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH

Trần Ngọc Căng
"""


def _read(knowledge, text: str, name: str = "doc.txt"):
    loaded = load_bytes(text.encode("utf-8"), name)
    blocks = clean_blocks(loaded.blocks)
    clean, _ = join_blocks(blocks)
    return (
        clean,
        extract_metadata(blocks, clean, knowledge, loaded.hints),
        read_header(clean, knowledge.kinds, knowledge.names.find),
    )


def _quote(text: str, fact) -> str:
    return text[fact.start : fact.end]


def test_decision_kind_title_and_header_facts(knowledge) -> None:
    text, meta, facts = _read(knowledge, DECISION)
    assert meta.kind == "quyết định"
    assert (
        meta.title
        == "Quyết định Về việc phân công các sở, ban, ngành giúp đỡ các xã xây dựng nông thôn mới giai đoạn 2017 - 2020"
    )
    assert meta.number == "876/QĐ-UBND" and meta.issued == "2017-06-29"
    assert meta.issuer == "UBND tỉnh Ninh Bình" and meta.signer == "Trịnh Minh Khoa"
    assert _quote(text, facts.number) == "Số: 876/QĐ-UBND"
    assert _quote(text, facts.issued) == "Ninh Bình, ngày 29 tháng 6 năm 2017" and facts.issued.detail == "2017-06-29"
    assert [b.value[:40] for b in facts.bases] == [
        "Căn cứ Luật Tổ chức chính quyền địa phươ",
        "Căn cứ Quyết định số 1980/QĐ-TTg ngày 17",
        "Căn cứ Kế hoạch số 64/KH-UBND ngày 05 th",
    ]
    assert all(_quote(text, b) == b.value for b in facts.bases)
    assert "Tờ trình số 87/TTr-SNN" in _quote(text, facts.submitted_by)
    assert _quote(text, facts.effective).startswith("Quyết định này có hiệu lực thi hành kể từ ngày ký")
    assert "512/QĐ-UBND" in _quote(text, facts.replaces) and "Chánh Văn phòng" not in _quote(text, facts.effective)
    assert facts.signer.detail == "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"
    assert _quote(text, facts.signer).endswith("Trịnh Minh Khoa")


def test_letter_is_a_cong_van_titled_by_its_vv_line(knowledge) -> None:
    text, meta, facts = _read(knowledge, LETTER)
    assert meta.kind == "công văn"
    assert meta.title == "Công văn V/v đẩy nhanh tiến độ thực hiện Chương trình MTQG xây dựng NTM năm 2020"
    assert facts.recipients.value == "Các sở, ban, ngành tỉnh; UBND các huyện, thị xã, thành phố"
    assert [b.value for b in facts.bases] == [
        "Thực hiện Kế hoạch số 35/KH-UBND ngày 12/3/2020 của UBND tỉnh về thực hiện Chương trình mục tiêu quốc gia "
        "xây dựng nông thôn mới năm 2020"
    ]
    assert meta.signer == "Lê Đức Thịnh" and meta.issuer == "UBND tỉnh Hưng Yên"


def test_resolution_of_the_provincial_council(knowledge) -> None:
    text, meta, facts = _read(knowledge, RESOLUTION)
    assert meta.kind == "nghị quyết" and meta.number == "09/2022/NQ-HĐND"
    assert meta.title.startswith("Nghị quyết Quy định chính sách hỗ trợ")
    assert meta.issuer == "HĐND tỉnh Đồng Nai" and meta.signer == "Phạm Minh Khôi"
    assert "kỳ họp thứ 6" in _quote(text, facts.session)
    assert _quote(text, facts.effective).endswith("có hiệu lực từ ngày 01 tháng 8 năm 2022.")
    assert _quote(text, facts.submitted_by).startswith("Xét Tờ trình số 7512/TTr-UBND")


def test_submission_and_its_recipient(knowledge) -> None:
    text, meta, facts = _read(knowledge, SUBMISSION)
    assert meta.kind == "tờ trình"
    assert meta.title == "Tờ trình Về việc đề nghị công nhận huyện Bình Sơn đạt chuẩn nông thôn mới năm 2018"
    assert facts.recipients.value == "Bộ Nông nghiệp và Phát triển nông thôn"
    assert meta.signer == "Trần Ngọc Căng"


def test_a_notice_is_a_conclusion_notice_only_when_it_says_so(knowledge) -> None:
    head = "ỦY BAN NHÂN DÂN\nTỈNH LAI CHÂU\nSố: 15/TB-UBND\nLai Châu, ngày 05 tháng 3 năm 2014\n\nTHÔNG BÁO\n"
    body = "\n\nNgày 17/02/2014, UBND tỉnh tổ chức Hội nghị sơ kết 3 năm xây dựng nông thôn mới.\n"
    assert (
        _read(knowledge, head + "Kết luận của Phó Chủ tịch UBND tỉnh tại Hội nghị sơ kết" + body)[1].kind
        == "thông báo kết luận"
    )
    assert (
        _read(knowledge, head + "Lịch tiếp công dân tháng 3 năm 2014 của lãnh đạo UBND tỉnh" + body)[1].kind == "khác"
    )


def test_a_news_page_keeps_its_own_title_and_kind(knowledge) -> None:
    text = (
        "Bắc Giang phấn đấu năm 2016 có thêm 16 xã đạt chuẩn nông thôn mới\n\n"
        "Ngày 20/7, UBND tỉnh tổ chức hội nghị sơ kết 6 tháng đầu năm Chương trình xây dựng nông thôn mới. "
        "Đồng chí Nguyễn Hữu Tường, Phó Chủ tịch UBND tỉnh chủ trì hội nghị.\n"
    )
    _, meta, facts = _read(knowledge, text)
    assert meta.kind == "tin/bài" and meta.title.startswith("Bắc Giang phấn đấu") and not facts.formal


@pytest.mark.parametrize(
    ("kind_line", "number", "kind"),
    [
        ("CHỈ THỊ", "05/CT-UBND", "chỉ thị"),
        ("KẾ HOẠCH", "112/KH-UBND", "kế hoạch"),
        ("HƯỚNG DẪN", "07/HD-VPĐP", "hướng dẫn"),
        ("", "05/CT-UBND", "chỉ thị"),  # no kind line: the type code of the số hiệu says it
        ("", "31/QĐ-UBND", "quyết định"),
    ],
)
def test_kind_from_kind_line_or_type_code(knowledge, kind_line: str, number: str, kind: str) -> None:
    text = (
        f"ỦY BAN NHÂN DÂN\nTỈNH LAI CHÂU\nSố: {number}\nLai Châu, ngày 05 tháng 3 năm 2019\n\n{kind_line}\n"
        "Về tăng cường chỉ đạo xây dựng nông thôn mới năm 2019\n\nNăm 2019, toàn tỉnh phấn đấu có thêm 10 xã đạt "
        "chuẩn.\n"
    )
    _, meta, _ = _read(knowledge, text)
    assert meta.kind == kind
    if kind_line:
        assert (
            meta.title
            == f"{kind_line[:1]}{kind_line[1:].lower()} Về tăng cường chỉ đạo xây dựng nông thôn mới năm 2019"
        )


def test_a_loosely_typed_header(knowledge) -> None:
    """Spaces around the slash of the number, a numeric date line, a kind line whose capitals
    came from a style (DOCX) rather than the text."""
    text, meta, facts = _read(
        knowledge,
        "ỦY BAN NHÂN DÂN\nTỈNH AN GIANG\nSố:  96 /BC-UBND\nAn Giang, ngày 20/12/2012\n\n"
        "Báo cáo\nTình hình thực hiện Chương trình nông thôn mới năm 2012\n\n"
        "Kính gửi: Bộ Nông nghiệp và Phát triển nông thôn.\n\nNăm 2012, toàn tỉnh có thêm 12 xã đạt chuẩn.\n",
    )
    assert meta.number == "96/BC-UBND" and _quote(text, facts.number) == "Số: 96 /BC-UBND"
    assert meta.issued == "2012-12-20" and meta.kind == "báo cáo"
    assert meta.title == "Báo cáo Tình hình thực hiện Chương trình nông thôn mới năm 2012"
    assert facts.recipients.value == "Bộ Nông nghiệp và Phát triển nông thôn"


def test_a_news_dateline_makes_a_news_item(knowledge) -> None:
    text = (
        "Kiểm tra tiến độ xây dựng nông thôn mới tại Gò Quao và An Biên\n\n"
        "(Cổng TTĐT KG) - Ngày 18/9/2019, đồng chí Trần Minh Khoa, Phó Chủ tịch UBND tỉnh dẫn đoàn công tác "
        "kiểm tra tiến độ xây dựng nông thôn mới tại huyện Gò Quao và huyện An Biên.\n"
    )
    assert _read(knowledge, text)[1].kind == "tin/bài"


@pytest.mark.parametrize(
    ("iso", "written"), [("2019-03-05", "05/3/2019"), ("2023-02-21", "21/02/2023"), ("2016-12-09", "09/12/2016")]
)
def test_dates_are_written_the_administrative_way(iso: str, written: str) -> None:
    assert official_date(iso) == written

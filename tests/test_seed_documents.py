"""The five seeds through the whole ingest stage: metadata, cleaning and structural chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.contracts import PreparedDocument
from core.vntext import fold
from ingest.pipeline import prepare_bytes

pytestmark = pytest.mark.unit

SEEDS = {
    "000_ba98eac4c7362506": {
        "province": "Hà Giang",
        "event_date": "2017-09-08",
        "kind": "tin/bài",
        "presided_by": "Nguyễn Văn Sơn",
    },
    "001_0c4ed19236d5e3b6": {
        "province": "Bắc Kạn",
        "event_date": "2018-08-03",
        "issued": "2018-08-06",
        "kind": "tin/bài",
    },
    "002_8b2520492b2011fc": {
        "province": "Hà Tĩnh",
        "event_date": "2023-03-13",
        "kind": "tin/bài",
        "presided_by": "Nguyễn Hồng Lĩnh",
        "number": "",
    },
    "003_53ad26070fe62449": {
        "province": "Lai Châu",
        "number": "15/TB-UBND",
        "issued": "2014-03-05",
        "event_date": "2014-02-17",
        "kind": "thông báo kết luận",
        "presided_by": "Lê Trọng Quảng",
        "issuer": "UBND tỉnh Lai Châu",
    },
    "004_2cf336e0c0e404f5": {
        "province": "Thái Nguyên",
        "event_date": "2019-07-10",
        "kind": "tin/bài",
        "presided_by": "Dương Văn Lượng",
    },
}

# Portal furniture seen around the seed articles; none of it may reach a chunk.
JUNK = [
    "Ý kiến phản hồi",
    "Các tin đã đăng",
    "Thăm dò ý kiến",
    "Quảng cáo",
    "Liên hệ quảng cáo",
    "Văn bản mới",
    "Thư viện hình ảnh",
    "Skip Ribbon Commands",
    "Sign In",
    "Previous ◁",
    "print   send mail",
    "kính chào quý khách",
    "Chưa có lời bình nào",
    "Điện thoại: 02083",
    "Ghi rõ nguồn",
    "Sàn GDTMĐT",
    "Hãy đăng kí địa chỉ email",
    "Thứ sáu 29/11/2024",
    "04:16:21 Thứ hai",
]


@pytest.fixture(scope="module")
def prepared(knowledge, seeds_dir: Path) -> dict[str, PreparedDocument]:
    return {p.stem: prepare_bytes(p.read_bytes(), p.name, knowledge) for p in sorted(seeds_dir.glob("*.txt"))}


@pytest.mark.parametrize("stem", sorted(SEEDS))
def test_seed_metadata_is_read_from_the_text(prepared, stem: str) -> None:
    meta = prepared[stem].document.metadata.as_dict()
    for key, value in SEEDS[stem].items():
        assert meta[key] == value, (stem, key, meta)


def test_cited_decisions_are_not_the_documents_own_number(prepared) -> None:
    assert prepared["002_8b2520492b2011fc"].document.metadata.number == ""  # cites 2591/QĐ-UBND and 3004/KH-UBND
    assert "2591/QĐ-UBND" in prepared["002_8b2520492b2011fc"].document.text


@pytest.mark.parametrize("stem", sorted(SEEDS))
def test_no_portal_junk_in_any_chunk(prepared, stem: str) -> None:
    for chunk in prepared[stem].chunks:
        for junk in JUNK:
            assert fold(junk) not in fold(chunk.text), (stem, chunk.chunk_id, junk)


def test_article_text_survives_cleaning(prepared) -> None:
    texts = {stem: p.document.text for stem, p in prepared.items()}
    assert "88 xã đạt chuẩn NTM" in texts["004_2cf336e0c0e404f5"]
    assert "177/181 xã đạt chuẩn NTM" in texts["002_8b2520492b2011fc"]
    assert "giao Sở Kế hoạnh và Đầu tư" in texts["000_ba98eac4c7362506"]
    assert "Thu Hoài" in texts["003_53ad26070fe62449"]  # the byline is article text


def test_agency_heading_and_its_tasks_share_one_chunk(prepared) -> None:
    chunks = prepared["003_53ad26070fe62449"].chunks
    (chunk,) = [c for c in chunks if c.text.startswith("Sở Kế hoạch và Đầu tư:")]
    assert "cơ chế quản lý đầu tư" in chunk.text
    assert chunk.heading_path[-1] == "Sở Kế hoạch và Đầu tư"
    assert "Nhiệm vụ trọng tâm năm 2014" in chunk.heading_path
    assert "so-khdt" in chunk.agencies


def test_targets_stay_under_their_heading(prepared) -> None:
    chunks = prepared["003_53ad26070fe62449"].chunks
    (chunk,) = [c for c in chunks if c.heading_path and c.heading_path[-1] == "Mục tiêu năm 2014"]
    assert "8,2 tiêu chí/xã" in chunk.text and "1,5 tiêu chí/xã" in chunk.text


@pytest.mark.parametrize("stem", sorted(SEEDS))
def test_chunk_offsets_point_into_the_cleaned_text(prepared, stem: str) -> None:
    doc = prepared[stem].document
    for n, chunk in enumerate(prepared[stem].chunks):
        assert chunk.chunk_id == f"{doc.doc_id}:{n}"
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= 1200 + 200  # max_chars, with at most one sentence of slack


def test_doc_id_is_stable_for_a_source(knowledge, seeds_dir: Path) -> None:
    path = next(seeds_dir.glob("003_*.txt"))
    first = prepare_bytes(path.read_bytes(), path.name, knowledge).document
    changed = prepare_bytes(
        path.read_bytes() + "\nThêm một dòng mới cho văn bản.".encode(), path.name, knowledge
    ).document
    assert first.doc_id == changed.doc_id and first.content_hash != changed.content_hash


def test_langchain_loader_yields_documents_and_chunks(knowledge, seeds_dir: Path, shared: Path) -> None:
    from ingest.langchain_loader import NTMDocumentLoader

    docs = NTMDocumentLoader(seeds_dir, knowledge=knowledge).load()
    assert len(docs) == 5
    lai_chau = next(d for d in docs if d.metadata["province"] == "Lai Châu")
    assert lai_chau.metadata["number"] == "15/TB-UBND" and "Sở Kế hoạch và Đầu tư:" in lai_chau.page_content
    chunk_loader = NTMDocumentLoader(
        next(seeds_dir.glob("003_*.txt")),
        shared / "corpus" / "bad" / "empty_zero-bytes.pdf",
        chunks=True,
        knowledge=knowledge,
    )
    chunks = chunk_loader.load()
    assert chunks and all(c.metadata["chunk_id"].startswith(c.metadata["doc_id"]) for c in chunks)
    assert any(c.metadata["heading_path"].endswith("Sở Kế hoạch và Đầu tư") for c in chunks)
    assert chunk_loader.refused == {"empty_zero-bytes.pdf": "empty file"}


@pytest.mark.parametrize(
    ("stamp", "issued"),
    [
        ("Thứ Sáu, 17/02/2023 | 09:42 GMT+7", "2023-02-17"),  # a news page's own time stamp
        ("(Cập nhật: 19/07/2023 08:15) - Lượt xem: 120", "2023-07-19"),
        ("04:16:21 Thứ hai, ngày 25/09/2017", ""),  # a portal clock, not the article's date
    ],
)
def test_news_page_time_stamps(knowledge, stamp: str, issued: str) -> None:
    text = (
        f"{stamp}\n\nTỉnh Yên Bái đẩy mạnh làm đường giao thông nông thôn\n\n"
        "Từ chính sách hỗ trợ xi măng, người dân các huyện đã góp công, hiến đất làm mới nhiều km đường giao thông, "
        "góp phần hoàn thành tiêu chí giao thông trong xây dựng nông thôn mới của tỉnh Yên Bái.\n"
    )
    meta = prepare_bytes(text.encode(), "tin.txt", knowledge).document.metadata
    assert meta.issued == issued and meta.province == "Yên Bái"

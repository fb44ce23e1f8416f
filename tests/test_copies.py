"""One document, many copies: near-duplicates are recorded as alternates, never indexed twice.

Real indexes (Chroma + BM25 + records) with the default embedder, built from the shared kit:
seeds + formats (the README's example ingest) must give five documents; an HTML page, the DOCX
and the PDF of one notice give one document with two alternates in any order; different
documents on one template are never merged; removing a document promotes its best alternate.
"""

from __future__ import annotations

import html
import itertools
import shutil
from pathlib import Path

import pytest

from ingest.copies import Copies
from ingest.near_duplicates import THRESHOLD, fingerprint, same_document, similarity
from ingest.pipeline import prepare_bytes

SEED_003 = "003_53ad26070fe62449.txt"
DOCX_003 = "003_lai-chau_ket-luan_python-docx.docx"
PDF_003 = "003_lai-chau_ket-luan_libreoffice.pdf"
CANONICAL = {  # the richest copy of each seed document (ingest/data/format_rank.json)
    "000": "000_ba98eac4c7362506.txt",  # HTML and text rank alike: the copy indexed first stays
    "001": "001_0c4ed19236d5e3b6.txt",
    "002": "002_ha-tinh_header-footer.docx",
    "003": DOCX_003,
    "004": "004_2cf336e0c0e404f5.txt",
}


def fp_of(knowledge, path: Path):
    doc = prepare_bytes(path.read_bytes(), path.name, knowledge).document
    return fingerprint(doc.text, doc.metadata.number)


# --- the similarity measure ------------------------------------------------------------------
@pytest.mark.unit
def test_different_documents_on_one_template_are_never_one(knowledge, shared: Path) -> None:
    """All 435 pairs of the 30 dev documents (five thông báo kết luận, four kế hoạch, …) stay apart."""
    dev = sorted((shared / "corpus" / "dev").glob("*.txt"))
    prints = {p.name: fp_of(knowledge, p) for p in dev}
    scores = {(a, b): similarity(prints[a], prints[b]) for a, b in itertools.combinations(prints, 2)}
    worst = max(scores, key=scores.get)
    print(f"highest dev pair {worst}: {scores[worst]:.3f} (threshold {THRESHOLD})")
    assert scores[worst] < THRESHOLD / 2
    assert not any(same_document(prints[a], prints[b]) for a, b in scores)


@pytest.mark.unit
def test_copies_in_other_formats_are_one(knowledge, shared: Path) -> None:
    seeds = {p.name[:3]: fp_of(knowledge, p) for p in sorted((shared / "corpus" / "seeds").glob("*.txt"))}
    for path in sorted(p for p in (shared / "corpus" / "formats").iterdir() if p.is_file()):
        fp = fp_of(knowledge, path)
        assert same_document(fp, seeds[path.name[:3]]), path.name
        assert not any(same_document(fp, other) for key, other in seeds.items() if key != path.name[:3]), path.name


@pytest.mark.unit
def test_a_differing_own_number_vetoes(shared: Path) -> None:
    """Next month's report on the same template, near-identical text but its own số hiệu: not a copy."""
    text = (shared / "corpus" / "dev" / "c18_quang-ngai_bao-cao_2023.txt").read_text("utf-8")
    first, second = (
        fingerprint(text, "238/BC-UBND"),
        fingerprint(text.replace("238/BC-UBND", "251/BC-UBND"), "251/BC-UBND"),
    )
    assert similarity(first, second) > 0.9
    assert not same_document(first, second)
    assert same_document(first, fingerprint(text, ""))  # a copy whose number was not read is still one


# --- one notice as HTML, DOCX and PDF ---------------------------------------------------------
def html_page_of(seed: Path, target: Path) -> Path:
    lines = [line.strip() for line in seed.read_text("utf-8").splitlines() if line.strip()]
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in lines)
    target.write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(lines[0])}</title></head>"
        f"<body><article>{body}</article></body></html>",
        "utf-8",
    )
    return target


@pytest.mark.e2e
@pytest.mark.parametrize("order", [("html", "pdf", "docx"), ("docx", "html", "pdf")])
def test_html_docx_pdf_of_one_notice_is_one_document(
    order, shared: Path, make_index, make_ingester, tmp_path: Path
) -> None:
    formats = shared / "corpus" / "formats"
    folder = tmp_path / "in"
    folder.mkdir()
    files = {
        "html": html_page_of(shared / "corpus" / "seeds" / SEED_003, folder / "thong-bao-15.html"),
        "pdf": folder / PDF_003,
        "docx": folder / DOCX_003,
    }
    shutil.copy(formats / PDF_003, files["pdf"])
    shutil.copy(formats / DOCX_003, files["docx"])
    index = make_index(tmp_path / "idx")
    ingester = make_ingester(index)
    report = ingester.ingest_paths([files[k] for k in order])
    assert not report.refused
    docs = Copies(index).document_rows()
    assert [d["source"] for d in docs] == [DOCX_003]  # the DOCX, whatever the order
    assert sorted(a["source"] for a in docs[0]["alternates"]) == sorted([PDF_003, "thong-bao-15.html"])
    assert {d["source"] for d in report.duplicates} == {PDF_003, "thong-bao-15.html"}
    assert all(d["of"] == DOCX_003 for d in report.duplicates)
    assert report.added == [DOCX_003]
    # never indexed twice: Chroma and the records hold the DOCX's chunks only
    assert index.count() == docs[0]["n_chunks"] == len(index.all_chunks())
    # re-ingest does nothing
    again = make_ingester(index).ingest_paths([files[k] for k in order])
    assert (
        sorted(again.unchanged) == sorted(p.name for p in files.values()) and not again.added and not again.duplicates
    )
    # a document removed behind the ledger's back (Index.remove): its copies are placed afresh
    with index.batch():
        assert index.remove(DOCX_003)
    after = make_ingester(index).ingest_paths([files[k] for k in order])
    assert after.added == [DOCX_003] and [d["source"] for d in Copies(index).document_rows()] == [DOCX_003]
    assert index.count() == len(index.all_chunks())


# --- the README's example ingest: seeds + formats -----------------------------------------------
@pytest.fixture(scope="module")
def seeds_and_formats(tmp_path_factory, shared: Path, make_index, make_ingester):
    root = tmp_path_factory.mktemp("copies")
    index = make_index(root / "idx")
    report = make_ingester(index).ingest_paths([shared / "corpus" / "seeds", shared / "corpus" / "formats"])
    return index, report


@pytest.mark.e2e
def test_seeds_and_formats_are_five_documents(seeds_and_formats) -> None:
    index, report = seeds_and_formats
    assert not report.refused
    docs = Copies(index).document_rows()
    assert sorted(d["source"] for d in docs) == sorted(CANONICAL.values())
    alternates = {d["source"][:3]: len(d["alternates"]) for d in docs}
    assert alternates == {"000": 1, "001": 2, "002": 2, "003": 2, "004": 2}
    assert len(report.added) == 5 and len(report.duplicates) == 9
    assert index.count() == sum(d["n_chunks"] for d in docs)
    sources = {c.doc_id for c in index.all_chunks()}
    assert sources == {d["doc_id"] for d in docs}


@pytest.mark.e2e
def test_answer_cites_each_notice_once(knowledge, seeds_and_formats) -> None:
    from assistant.service import ChatService
    from assistant.settings import Settings

    index, _ = seeds_and_formats
    answer = ChatService(index, Settings(index_dir=index.index_dir), knowledge).ask(
        "Sở KH&ĐT Lai Châu được giao nhiệm vụ gì năm 2014?"
    )
    cited = {c["source"] for c in answer.as_json()["citations"]}
    assert cited and cited <= set(CANONICAL.values())
    numbers = [c["number"] for c in answer.as_json()["citations"] if c["number"]]
    assert len({(c["source"]) for c in answer.as_json()["citations"] if c["number"] == "15/TB-UBND"}) <= 1, numbers


@pytest.mark.e2e
def test_reingest_in_another_order_changes_nothing(seeds_and_formats, shared: Path, make_ingester) -> None:
    index, _ = seeds_and_formats
    before = Copies(index).document_rows()
    report = make_ingester(index).ingest_paths([shared / "corpus" / "formats", shared / "corpus" / "seeds"])
    assert len(report.unchanged) == 14 and not report.added and not report.updated and not report.duplicates
    assert Copies(index).document_rows() == before


@pytest.mark.e2e
def test_removal_promotes_the_best_alternate_and_alternates_are_removable(knowledge, seeds_and_formats) -> None:
    index, _ = seeds_and_formats
    copies = Copies(index)
    with index.batch():
        assert copies.remove(DOCX_003, knowledge) == (True, PDF_003)  # text PDF (rank 5) before the seed's text (3)
    rows = {d["source"]: d for d in copies.document_rows()}
    assert DOCX_003 not in rows and PDF_003 in rows
    assert [a["source"] for a in rows[PDF_003]["alternates"]] == [SEED_003]
    assert rows[PDF_003]["number"] == "15/TB-UBND"
    assert {c.doc_id for c in index.all_chunks()} == {d["doc_id"] for d in rows.values()}
    # an alternate: only forgotten, the document stays as it is
    with index.batch():
        assert copies.remove(SEED_003, knowledge) == (True, "")
    after = {d["source"]: d for d in copies.document_rows()}
    assert after[PDF_003]["alternates"] == [] and after[PDF_003]["n_chunks"] == rows[PDF_003]["n_chunks"]
    with index.batch():
        assert copies.remove(PDF_003, knowledge) == (True, "")  # no copy left: the notice is gone
        assert copies.remove(PDF_003, knowledge) == (False, "")
    assert len(copies.document_rows()) == 4


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword not installed (make word)")
def test_upload_tab_takes_doc_and_odt_and_records_the_second_as_a_copy(knowledge, make_index, tmp_path: Path) -> None:
    from assistant.service import ChatService
    from assistant.settings import Settings
    from assistant.ui.services import UPLOAD_TYPES, UIServices
    from ingest.pipeline import SUPPORTED_SUFFIXES

    assert UPLOAD_TYPES == SUPPORTED_SUFFIXES and {".doc", ".odt"} <= set(UPLOAD_TYPES)
    kit = Path(__file__).resolve().parent / "data" / "word"
    folder = tmp_path / "gradio-upload"
    folder.mkdir()
    paths = []
    for name in ("003_lai-chau_ket-luan.odt", "003_lai-chau_ket-luan.doc"):
        shutil.copy(kit / name, folder / name)
        paths.append(str(folder / name))
    settings = Settings(index_dir=tmp_path / "index", admin_user="quantri", admin_password="mật-khẩu-thử")
    ui = UIServices(ChatService(make_index(tmp_path / "index"), settings, knowledge), settings)
    results = [(source, status, reason) for _, source, status, reason in ui.ingest_uploads(paths, authed=True)]
    assert results == [
        ("003_lai-chau_ket-luan.odt", "added", ""),
        ("003_lai-chau_ket-luan.doc", "duplicate", "003_lai-chau_ket-luan.odt"),
    ]  # .odt outranks .doc
    docs = ui.documents()
    assert [d["source"] for d in docs] == ["003_lai-chau_ket-luan.odt"]
    assert docs[0]["alternates"] == "003_lai-chau_ket-luan.doc (doc)"
    assert docs[0]["alternate_sources"] == ["003_lai-chau_ket-luan.doc"]
    title, text = ui.document_text("003_lai-chau_ket-luan.doc")  # an alternate shows its document's text
    assert "bản khác" in title and "15/TB-UBND" in (text or "")
    assert ui.remove("003_lai-chau_ket-luan.odt", authed=True)  # the .doc takes its place
    assert [(d["source"], d["format"]) for d in ui.documents()] == [("003_lai-chau_ket-luan.doc", "doc")]


def test_fingerprints_are_read_once_per_write_batch(
    seeds_and_formats, shared: Path, make_index, make_ingester, tmp_path: Path
) -> None:
    """Placing each file must not read every document's fingerprint again (quadratic ingest)."""
    index = make_index(tmp_path / "idx")
    ingester = make_ingester(index)
    reads = []
    original = ingester.copies.ledger.fingerprints
    ingester.copies.ledger.fingerprints = lambda: reads.append(1) or original()  # type: ignore[method-assign]
    report = ingester.ingest_paths([shared / "corpus" / "seeds", shared / "corpus" / "formats"])
    assert len(reads) == 1
    expected_index, expected_report = seeds_and_formats  # the same outcome as without the cache
    assert sorted(report.added) == sorted(expected_report.added)
    assert sorted(d["source"] for d in report.duplicates) == sorted(d["source"] for d in expected_report.duplicates)

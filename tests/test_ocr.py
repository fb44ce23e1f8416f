"""OCR of scanned PDFs and images with the real Tesseract (Debian tesseract-ocr-vie, `make ocr`).

Kit: tests/data/scans (scripts/make_scan_kit.py), expected texts from the source PDFs' text layer.
OCR takes seconds per page, so each kit file is OCR'd once per session (`ocr_of`) and the kit
is kept to a few pages. OMP_THREAD_LIMIT=1 is what the product uses by default.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from core.contracts import LoadedFile, RefusedFile
from ingest.loaders import load_bytes
from ingest.loaders.ocr import OcrConfig
from tests.support import token_match

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / "tests" / "data" / "scans"
# file → lowest token match (the bounds: ≥ 0.97 clean renders, ≥ 0.93 noisy ones)
BOUNDS = {
    "002_ha-tinh_p1_clean.png": 0.97,
    "002_ha-tinh_p2_noisy.jpg": 0.93,
    "002_ha-tinh_p3-4_clean.tiff": 0.97,
    "003_lai-chau_scan-noisy.pdf": 0.93,
}


@lru_cache(maxsize=None)
def ocr_of(name: str) -> tuple[LoadedFile, tuple[tuple[int, int], ...]]:
    """The loader's result for a kit file and the (done, total) progress calls it made."""
    calls: list[tuple[int, int]] = []
    loaded = load_bytes((KIT / name).read_bytes(), name, OcrConfig(), lambda done, total: calls.append((done, total)))
    return loaded, tuple(calls)


def text_of(loaded: LoadedFile) -> str:
    return "\n\n".join(block.text for block in loaded.blocks)


def expected(name: str) -> str:
    return (KIT / "_expected" / f"{Path(name).stem}.txt").read_text("utf-8")


def toned_words(text: str) -> list[str]:
    """Words carrying a Vietnamese tone mark or a modified letter (ă â đ ê ô ơ ư)."""
    return [w for w in re.findall(r"\w+", text) if any(unicodedata.decomposition(c) or c in "đĐ" for c in w)]


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_kit_file_is_read_within_its_token_match_bound_with_diacritics(name: str) -> None:
    loaded, _ = ocr_of(name)
    got, want = text_of(loaded), expected(name)
    ratio = token_match(want, got)
    print(f"{name}: token match {ratio:.4f}")
    assert ratio >= BOUNDS[name], ratio
    assert got == unicodedata.normalize("NFC", got)
    # the diacritics are there, not stripped: nearly every toned word of the page is read with them
    toned_want, toned_got = toned_words(want), set(toned_words(got))
    found = sum(1 for w in toned_want if w in toned_got) / len(toned_want)
    assert found >= 0.95, found
    assert "nông thôn" in got and len(toned_words(got)) >= 0.95 * len(toned_want)


def test_progress_is_reported_per_page_and_running_furniture_is_dropped() -> None:
    loaded, calls = ocr_of("002_ha-tinh_p3-4_clean.tiff")
    assert calls == ((1, 2), (2, 2))
    assert loaded.format == "image" and loaded.hints["ocr_pages"] == "1,2"
    text = text_of(loaded)
    # the two pages' running header and "Trang 3"/"Trang 4" footers go, as for the text PDF
    assert "UBND TỈNH HÀ TĨNH" not in text and not re.search(r"Trang [34]\b", text)


def test_mixed_pdf_ocrs_only_its_scanned_page(shared: Path) -> None:
    """Text pages keep their text layer; only the image-only page goes through Tesseract."""
    writer = PdfWriter()
    text_pdf = PdfReader(str(shared / "corpus" / "formats" / "003_lai-chau_ket-luan_libreoffice.pdf"))
    for page in text_pdf.pages[2:4]:
        writer.add_page(page)
    writer.add_page(PdfReader(str(shared / "corpus" / "bad" / "scanned_no-text-layer.pdf")).pages[0])
    buffer = io.BytesIO()
    writer.write(buffer)
    calls: list[tuple[int, int]] = []
    loaded = load_bytes(buffer.getvalue(), "mixed.pdf", OcrConfig(), lambda done, total: calls.append((done, total)))
    assert loaded.hints["ocr_pages"] == "3"
    assert calls == [(1, 1)]
    text = text_of(loaded)
    scan = (shared / "corpus" / "bad" / "_expected" / "scanned_no-text-layer.ocr.txt").read_text("utf-8")
    assert token_match(scan, text[-len(scan) - 200 :]) >= 0.95  # the scanned page, last
    assert "Sở Kế hoạch và Đầu tư" in text  # from the text pages' layer


def _fake_tesseract(folder: Path, langs: str) -> Path:
    """A `tesseract` that only lists these language models (a host without tesseract-ocr-vie)."""
    script = folder / "tesseract"
    script.write_text(f"#!/bin/sh\necho 'List of available languages in \"/x/\" (1):'\nprintf '{langs}\\n'\n")
    script.chmod(0o755)
    return script


def test_missing_tesseract_or_model_is_a_refusal_naming_the_packages(tmp_path: Path) -> None:
    data = (KIT / "002_ha-tinh_p1_clean.png").read_bytes()
    with pytest.raises(RefusedFile) as missing:
        load_bytes(data, "scan.png", OcrConfig(command=str(tmp_path / "no-such-tesseract")))
    assert "tesseract-ocr" in missing.value.reason and "tesseract-ocr-vie" in missing.value.reason
    assert missing.value.source == "scan.png"
    fake = _fake_tesseract(tmp_path, "eng\\nosd")
    with pytest.raises(RefusedFile) as no_model:
        load_bytes((KIT / "003_lai-chau_scan-noisy.pdf").read_bytes(), "scan.pdf", OcrConfig(command=str(fake)))
    assert "tesseract-ocr-vie" in no_model.value.reason


def _cli(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> tuple[int, object, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NTM_")}
    base.update(PYTHONIOENCODING="utf-8", PYTHONPATH=str(ROOT), OMP_THREAD_LIMIT="1", **(env or {}))
    cwd.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *map(str, args)], cwd=cwd, env=base, capture_output=True, timeout=900
    )
    out = proc.stdout.decode("utf-8")
    return proc.returncode, json.loads(out) if "--json" in args else out, proc.stderr.decode("utf-8", "replace")


@pytest.mark.e2e
def test_scanned_pdf_ingested_end_to_end_is_found_by_search_and_ask(tmp_path: Path) -> None:
    idx = tmp_path / "index"
    scan = KIT / "003_lai-chau_scan-clean.pdf"
    # without Tesseract: refused with the packages to install, the index stays empty
    rc, report, _ = _cli(
        "ingest", scan, "--index", idx, "--json", cwd=tmp_path, env={"NTM_TESSERACT_CMD": str(tmp_path / "missing")}
    )
    assert rc == 2 and report["added"] == [], report
    assert "tesseract-ocr-vie" in report["refused"][0]["reason"]
    rc, report, err = _cli("ingest", scan, "--index", idx, "--json", cwd=tmp_path)
    assert rc == 0 and report["added"] == [scan.name], (report, err)
    assert "OCR trang 1/2" in err and "OCR trang 2/2" in err  # the tqdm bar's per-page progress
    rc, docs, _ = _cli("docs", "--index", idx, "--json", cwd=tmp_path)
    (doc,) = docs
    assert doc["source"] == scan.name and doc["province"] == "Lai Châu" and doc["n_chunks"] >= 2
    # header facts read from the OCR text ("Ngày 05/3": the model's fraction slash is read as "/")
    assert doc["number"] == "15/TB-UBND" and doc["issued"] == "2014-03-05"
    rc, hits, _ = _cli("search", "Hội nghị sơ kết 3 năm xây dựng nông thôn mới", "--index", idx, "--json", cwd=tmp_path)
    assert any("sơ kết" in h["text"].lower() for h in hits["lexical"][:3]), hits  # the only document
    rc, answer, _ = _cli(
        "ask",
        "Ai chủ trì Hội nghị sơ kết 3 năm xây dựng nông thôn mới của Lai Châu?",
        "--index",
        idx,
        "--json",
        cwd=tmp_path,
    )
    assert not answer["abstained"], answer
    assert answer["citations"] and all(c["source"] == scan.name for c in answer["citations"])
    assert "Lê Trọng Quảng" in answer["answer"]
    # re-ingest is idempotent: nothing OCR'd again
    rc, report, err = _cli("ingest", scan, "--index", idx, "--json", cwd=tmp_path)
    assert report["unchanged"] == [scan.name] and "OCR trang" not in err


def test_coloured_text_survives_colour_dropout(shared: Path) -> None:
    """Dropout fades a red seal, but a page whose text is itself red keeps it (the shared PNG)."""
    data = (shared / "corpus" / "bad" / "png-image-named.txt").read_bytes()
    loaded = load_bytes(data, "thong-bao.png")  # the same bytes under an image name are a scan
    assert "Thông báo số 15/TB-UBND" in text_of(loaded)
    with pytest.raises(RefusedFile, match="PNG image"):  # under a .txt name they stay refused
        load_bytes(data, "png-image-named.txt")


@pytest.mark.parametrize("angle", [-1.8, 1.2])
def test_deskew_finds_the_angle_a_page_was_scanned_at(angle: float) -> None:
    from PIL import Image

    from ingest.loaders.scan_prep import skew_angle

    page = Image.open(KIT / "002_ha-tinh_p1_clean.png").convert("L")
    tilted = page.rotate(angle, resample=Image.BICUBIC, fillcolor=255)
    assert abs(skew_angle(tilted) + angle) <= 0.2
    assert abs(skew_angle(page)) <= 0.1


@pytest.mark.e2e
def test_upload_tab_ocrs_a_scan_with_page_progress_and_refuses_in_vietnamese_without_tesseract(
    knowledge, make_index, tmp_path: Path
) -> None:
    from assistant.service import ChatService
    from assistant.settings import Settings
    from assistant.ui.docs_tab import DocsActions
    from assistant.ui.services import UIServices

    upload = tmp_path / "upload"
    upload.mkdir()
    scan = upload / "002_ha-tinh_p1_clean.png"
    scan.write_bytes((KIT / scan.name).read_bytes())

    def services(index: str, **ocr: str) -> UIServices:
        settings = Settings(index_dir=tmp_path / index, admin_user="qt", admin_password="mk", **ocr)
        return UIServices(ChatService(make_index(tmp_path / index), settings, knowledge), settings)

    broken = services("no-ocr", tesseract_cmd=str(tmp_path / "missing"))
    log = list(DocsActions(broken).ingest([str(scan)], True))[-1][0]
    assert "từ chối" in log and "ảnh quét" in log and "tesseract-ocr-vie" in log
    assert broken.documents() == []
    ui = services("ocr")
    pages: list[tuple[str, int, int]] = []
    results = list(
        ui.ingest_uploads([str(scan)], True, lambda source, done, total: pages.append((source, done, total)))
    )
    assert results == [(0, scan.name, "added", "")] and pages == [(scan.name, 1, 1)]
    (doc,) = ui.documents()
    assert doc["format"] == "image" and doc["province"] == "Hà Tĩnh"


def test_langchain_loader_reads_a_scan(knowledge) -> None:
    from ingest.langchain_loader import NTMDocumentLoader

    loader = NTMDocumentLoader(KIT / "002_ha-tinh_p1_clean.png", knowledge=knowledge)
    (doc,) = loader.load()
    assert not loader.refused and doc.metadata["province"] == "Hà Tĩnh"
    assert token_match(expected("002_ha-tinh_p1_clean.png"), doc.page_content) >= 0.97

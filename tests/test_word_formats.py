"""Word 97-2003 .doc (antiword, for real) and OpenDocument .odt against the kit in tests/data/word/.

The kit is the shared documents saved by LibreOffice (scripts/make_word_kit.py); the expected
texts beside them are the reference, compared token by token like the formats kit.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.contracts import BlockKind, LoadedFile, RefusedFile
from ingest.langchain_loader import NTMDocumentLoader
from ingest.loaders import load_bytes
from ingest.loaders.doc import load_doc
from ingest.sniff import sniff_format
from tests.support import token_match

KIT = Path(__file__).resolve().parent / "data" / "word"
STEMS = ["002_ha-tinh_header-footer", "003_lai-chau_ket-luan", "c08_kon-tum_quyet-dinh"]
KIT_FILES = [f"{stem}.{ext}" for stem in STEMS for ext in ("doc", "odt")]
needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None, reason="antiword not installed (make word)")


def joined(loaded: LoadedFile) -> str:
    return "\n\n".join(block.text for block in loaded.blocks)


def expected(name: str) -> str:
    return (KIT / f"{Path(name).stem}.txt").read_text(encoding="utf-8")


def rows(loaded: LoadedFile) -> list[str]:
    return [b.text for b in loaded.blocks if b.kind is BlockKind.TABLE_ROW]


def test_kit_lists_every_file() -> None:
    assert sorted(p.name for p in KIT.iterdir() if p.suffix in (".doc", ".odt")) == sorted(KIT_FILES)


@pytest.mark.parametrize("name", KIT_FILES)
def test_kit_file_sniffed_by_bytes(name: str) -> None:
    data = (KIT / name).read_bytes()
    assert sniff_format(data, "no-extension") == Path(name).suffix[1:]


@needs_antiword
@pytest.mark.parametrize("name", KIT_FILES)
def test_kit_file_matches_expected_text(name: str) -> None:
    loaded = load_bytes((KIT / name).read_bytes(), name)
    ratio = token_match(expected(name), joined(loaded))
    print(f"{name}: token_match {ratio:.4f}")
    assert loaded.format == Path(name).suffix[1:]
    assert ratio >= 0.99


@needs_antiword
@pytest.mark.parametrize("ext", ["doc", "odt"])
def test_tables_kept_row_by_row(ext: str) -> None:
    loaded = load_bytes((KIT / f"c08_kon-tum_quyet-dinh.{ext}").read_bytes(), f"c08.{ext}")
    table = rows(loaded)
    assert len(table) == 19
    assert table[0] == "STT\tĐơn vị\tVốn sự nghiệp phân bổ\tChỉ tiêu xã đạt chuẩn NTM năm 2024\tGhi chú"
    assert table[9] == "8\tHuyện Ia H'Drai\t5.170\t-\tHuyện có điều kiện đặc biệt khó khăn"  # a wrapped cell kept whole
    first = [r.split("\t")[0] for r in rows(load_bytes((KIT / f"003_lai-chau_ket-luan.{ext}").read_bytes(), "003"))]
    assert first == [
        "Nhóm xã theo số tiêu chí đạt",
        "Số xã đạt 15-19 tiêu chí",
        "S xã đạt 10-14 tiêu chí",
        "Số xã đạt 5 - 9 tiêu chí",
        "Số xã đạt dưới 5 tiêu chí",
    ]


def heading_levels(loaded: LoadedFile) -> dict[str, int]:
    return {b.text: b.level for b in loaded.blocks if b.kind is BlockKind.HEADING}


@needs_antiword
@pytest.mark.parametrize("ext", ["doc", "odt"])
def test_heading_levels_as_from_the_docx(ext: str) -> None:
    levels = heading_levels(load_bytes((KIT / f"003_lai-chau_ket-luan.{ext}").read_bytes(), "003"))
    assert levels["Nhim vu trọng tâm trong năm 2014."] == 2
    assert levels["Sở Kế hoạch và Đầu tư:"] == 3
    if ext == "odt":  # antiword's DocBook has no Title style (it comes out as a bold paragraph)
        assert (
            levels["Kết luận của Phó Chủ tịch UBND tỉnh tại Hội nghị Sơ kết 3 năm xây dựng nông thôn mới 2011-2013."]
            == 1
        )


@needs_antiword
@pytest.mark.parametrize("ext", ["doc", "odt"])
def test_page_header_and_footer_stay_out(ext: str) -> None:
    text = joined(load_bytes((KIT / f"002_ha-tinh_header-footer.{ext}").read_bytes(), "002"))
    assert "UBND TỈNH HÀ TĨNH" not in text and "Trang" not in text.split()
    assert "UBND tỉnh Hà Tĩnh" in text  # the body's own sentence is kept


@pytest.mark.skipif(shutil.which("catdoc") is None, reason="catdoc not installed (measured, not used)")
def test_catdoc_would_leak_the_page_header() -> None:
    """Why antiword and not catdoc: catdoc appends headers and footers to the body text."""
    out = subprocess.run(
        ["catdoc", "-d", "utf-8", "-w", str(KIT / "002_ha-tinh_header-footer.doc")], capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert "UBND TỈNH HÀ TĨNH" in out
    c08 = subprocess.run(
        ["catdoc", "-d", "utf-8", "-w", str(KIT / "c08_kon-tum_quyet-dinh.doc")], capture_output=True, check=True
    ).stdout.decode("utf-8")
    assert token_match(expected("c08_kon-tum_quyet-dinh.doc"), c08) < 0.95  # antiword: >= 0.99 above


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed (optional .doc path)")
def test_libreoffice_path_reads_the_doc() -> None:
    loaded = load_doc((KIT / "003_lai-chau_ket-luan.doc").read_bytes(), "003.doc", tool="soffice")
    assert loaded.format == "doc"
    assert token_match(expected("003_lai-chau_ket-luan.doc"), joined(loaded)) >= 0.99


def test_missing_tool_is_a_refusal_naming_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingest.loaders.doc.shutil.which", lambda name: None)
    with pytest.raises(RefusedFile) as info:
        load_bytes((KIT / "003_lai-chau_ket-luan.doc").read_bytes(), "Thông báo 15.doc")
    assert info.value.source == "Thông báo 15.doc"
    assert "apt-get install antiword" in info.value.reason


def test_misnamed_and_damaged_files_are_refused_by_bytes() -> None:
    pdf = b"%PDF-1.4\n" + b"0" * 100
    with pytest.raises(RefusedFile, match="not a Word 97-2003 .doc"):
        sniff_format(pdf, "quyet-dinh.doc")
    with pytest.raises(RefusedFile, match="not a valid ODT"):
        sniff_format(b"plain text, not a package", "ke-hoach.odt")
    # an OLE2 compound file without a WordDocument stream (an .xls) is not read as Word
    with pytest.raises(RefusedFile, match="not a Word document"):
        sniff_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le") + b"\0" * 600, "bang.xls")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content><broken")
    with pytest.raises(RefusedFile, match="corrupt ODT"):
        load_bytes(buf.getvalue(), "hong.odt")


@needs_antiword
def test_damaged_doc_is_refused_with_the_tool_reason() -> None:
    data = (KIT / "003_lai-chau_ket-luan.doc").read_bytes()
    with pytest.raises(RefusedFile) as info:
        load_bytes(data[: len(data) // 3], "cut.doc")
    assert "cut.doc" == info.value.source and info.value.reason


@needs_antiword
@pytest.mark.parametrize("name", ["003_lai-chau_ket-luan.doc", "003_lai-chau_ket-luan.odt"])
def test_cli_extract(name: str, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "extract", str(KIT / name), "--json"],
        capture_output=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    payload = json.loads(proc.stdout)
    assert payload["metadata"]["format"] == Path(name).suffix[1:]
    assert payload["metadata"]["number"] == "15/TB-UBND" and payload["metadata"]["province"] == "Lai Châu"
    assert token_match(expected(name), payload["text"]) >= 0.99
    assert list(tmp_path.iterdir()) == []


@needs_antiword
def test_langchain_loader_reads_both(knowledge) -> None:
    loader = NTMDocumentLoader(KIT, knowledge=knowledge)
    docs = loader.load()
    assert loader.refused == {}
    by_source = {d.metadata["source"]: d for d in docs}
    assert set(by_source) == set(KIT_FILES) | {f"{s}.txt" for s in STEMS}
    assert by_source["c08_kon-tum_quyet-dinh.odt"].metadata["number"] == "415/QĐ-UBND"
    assert "Huyện Tu Mơ Rông" in by_source["c08_kon-tum_quyet-dinh.doc"].page_content

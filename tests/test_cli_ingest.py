"""`ntm ingest / extract / docs / remove` end to end on the shared kit (corpus/formats, corpus/bad).

Every command runs for real in a child process (the installed `ntm` console script or
`python -m assistant.cli`), always with `--index` inside a tmp folder and with an empty tmp folder
as working directory, so nothing can touch the project's own `.ntm/`.

The index is inspected by a separate, read-only child process (`tests/cli_harness.py`'s snapshot),
which does not go through `Index()`: that may repair an index when it opens it and would hide a
half-written state.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from tests.cli_harness import ODD_NAME, copy_index, copy_kit, odd_names_around, run_cli, snapshot, tree
from tests.support import token_match

pytestmark = pytest.mark.e2e

# file in corpus/bad/ → words its refusal reason must contain (case-insensitive; any of them)
MUST_REFUSE: dict[str, tuple[str, ...]] = {
    "empty_zero-bytes.pdf": ("empty",),
    "random-bytes.pdf": ("not a pdf",),
    "truncated_first-60pct.pdf": ("truncated", "damaged"),
    "encrypted_user-password-secret.pdf": ("password",),
    "blank-page_no-text.pdf": ("no extractable text",),
    "html-404-page-named.pdf": ("html",),
    "zip-with-garbage.docx": ("not a valid docx",),
    "docx_document-xml-cut-off.docx": ("xml parse error",),
    "png-image-named.txt": ("png",),
}
# files in corpus/bad/ that must go in, by their NFC display name
MUST_ADD = {
    "scanned_no-text-layer.pdf",  # OCR'd (tesseract-ocr-vie, installed by `make test`)
    "..\\..\\Thông báo số 15 (bản sửa).txt",
    "Thông báo số 15 (bản sửa).txt",
    "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fThông báo số 15 (bản sửa).txt",
    "Thông báo số 16 (bản NFD).txt",
    "prompt-injection_script_onerror.html",
}
# of those, the files that are another copy of an indexed document (ingest/copies.py): recorded
# as its alternate, never indexed twice — source → the document they are a copy of. The four
# copies of one sentence: the first name in walk order is indexed; the injection page and the scan
# are seed 004 (a copy of equal or lower format rank never displaces the indexed one).
MUST_DUPLICATE = {
    "Thông báo số 15 (bản sửa).txt": "..\\..\\Thông báo số 15 (bản sửa).txt",
    "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fThông báo số 15 (bản sửa).txt": "..\\..\\Thông báo số 15 (bản sửa).txt",
    "Thông báo số 16 (bản NFD).txt": "..\\..\\Thông báo số 15 (bản sửa).txt",
    "prompt-injection_script_onerror.html": "004_2cf336e0c0e404f5.txt",
    "scanned_no-text-layer.pdf": "004_2cf336e0c0e404f5.txt",
}
INDEXED = MUST_ADD - set(MUST_DUPLICATE)
SEEDS = [
    "000_ba98eac4c7362506.txt",
    "001_0c4ed19236d5e3b6.txt",
    "002_8b2520492b2011fc.txt",
    "003_53ad26070fe62449.txt",
    "004_2cf336e0c0e404f5.txt",
]
# the ingest inputs in corpus/formats/ (README "formats/"); a new kit file must be added here
FORMATS = [
    "000_ha-giang_portal.html",
    "001_bac-kan_tcvn3-abc.txt",
    "001_bac-kan_tcvn3-as-cp1252-mojibake.utf8.txt",
    "002_ha-tinh_header-footer.docx",
    "002_ha-tinh_header-footer_libreoffice.pdf",
    "003_lai-chau_ket-luan_libreoffice.pdf",
    "003_lai-chau_ket-luan_python-docx.docx",
    "004_thai-nguyen_cp1258.txt",
    "004_thai-nguyen_utf16le-bom.txt",
]
PROVINCE_BY_PREFIX = {"000": "Hà Giang", "001": "Bắc Kạn", "002": "Hà Tĩnh", "003": "Lai Châu", "004": "Thái Nguyên"}
# The kit's expected text for 004 is the whole seed, including the portal footer ("Chưa có lời
# bình nào…", the office's address/phone, "Ghi rõ nguồn…") that our cleaner drops by design
# (tests/test_seed_documents.py JUNK). Against the raw expected text those files therefore score
# ~0.946; against the expected text put through the same cleaner they must still score ≥ 0.99.
RAW_FLOOR = {"004_thai-nguyen_cp1258.txt": 0.94, "004_thai-nguyen_utf16le-bom.txt": 0.94}


# --- the seed documents' part of a snapshot --------------------------------------------------
def seed_part(snap: dict) -> dict:
    """The part of a snapshot that belongs to the seed documents."""
    docs = [d for d in snap["documents"] if d["source"] in SEEDS]
    ids = {d["doc_id"] for d in docs}
    chunks = [c for c in snap["chunks"] if c["doc_id"] in ids]
    chroma = {cid: v for cid, v in snap["chroma"].items() if v["metadata"].get("doc_id") in ids}
    return {"documents": docs, "chunks": chunks, "chroma": chroma}


# --- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def kit(shared: Path) -> Path:
    return shared / "corpus"


@pytest.fixture(scope="module")
def seed_index_dir(tmp_path_factory, seeds_dir: Path) -> Path:
    """The five seeds ingested once by the installed console script; tests work on copies."""
    base = tmp_path_factory.mktemp("cli-seeds")
    rc, report, err = run_cli("ingest", seeds_dir, "--index", base / "idx", "--json", cwd=base / "cwd", script=True)
    assert rc == 0, err
    assert report == {"added": SEEDS, "updated": [], "unchanged": [], "refused": []}
    return base / "idx"


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, kit: Path, seed_index_dir: Path) -> dict:
    """Seeds index + `ntm ingest <copy of corpus/bad> --json`, with everything observed around it."""
    base = tmp_path_factory.mktemp("cli-bad")
    idx = copy_index(seed_index_dir, base / "idx")
    bad = copy_kit(kit / "bad", base / "bad")
    assert sorted(os.listdir(bad)) == sorted(os.listdir(kit / "bad"))  # the hidden "..\..\…" one too
    (base / "cwd").mkdir()
    outside_before = tree(base, skip=idx)
    around_before = odd_names_around(base)
    before = snapshot(idx)
    rc, report, err = run_cli("ingest", bad, "--index", idx, "--json", cwd=base / "cwd")
    return {
        "base": base,
        "idx": idx,
        "rc": rc,
        "report": report,
        "stderr": err,
        "before": before,
        "after": snapshot(idx),
        "outside_before": outside_before,
        "outside_after": tree(base, skip=idx),
        "around_before": around_before,
        "around_after": odd_names_around(base),
    }


# --- ingest of corpus/bad --------------------------------------------------------------------
def test_bad_folder_refuses_each_bad_file_with_its_reason(bad_run) -> None:
    assert bad_run["rc"] == 2, bad_run["stderr"]
    report = bad_run["report"]
    assert set(report) == {"added", "updated", "unchanged", "refused", "duplicates"}
    refused = {item["source"]: item["reason"] for item in report["refused"]}
    assert set(refused) == set(MUST_REFUSE), refused
    for name, words in MUST_REFUSE.items():
        assert any(w in refused[name].lower() for w in words), (name, refused[name])


def test_bad_folder_adds_odd_names_exactly_as_nfc(bad_run) -> None:
    report = bad_run["report"]
    assert set(report["added"]) == INDEXED, report["added"]
    assert {d["source"]: d["of"] for d in report["duplicates"]} == MUST_DUPLICATE
    assert report["updated"] == [] and report["unchanged"] == []
    taken = set(report["added"]) | set(MUST_DUPLICATE)
    for name in taken:
        assert unicodedata.is_normalized("NFC", name), ascii(name)
    # the fullwidth ．．／ was not NFKC-folded into ../, the backslashes were kept as data
    assert "\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fThông báo số 15 (bản sửa).txt" in taken
    assert "..\\..\\Thông báo số 15 (bản sửa).txt" in taken
    # `ntm docs` lists them under the same names, the copies as alternates of their document
    rc, docs, err = run_cli("docs", "--index", bad_run["idx"], "--json", cwd=bad_run["base"] / "cwd")
    assert rc == 0, err
    assert {d["source"] for d in docs} == INDEXED | set(SEEDS)
    alternates = {a["source"]: d["source"] for d in docs for a in d["alternates"]}
    assert alternates == MUST_DUPLICATE


def test_bad_folder_leaves_the_seed_documents_untouched(bad_run) -> None:
    before, after = bad_run["before"], bad_run["after"]
    assert seed_part(after) == seed_part(before)
    assert {d["source"] for d in after["documents"]} == set(SEEDS) | INDEXED
    # nothing of a refused file anywhere: no record, no chunk, no Chroma entry
    sources_in_chroma = {v["metadata"]["source"] for v in after["chroma"].values()}
    assert not sources_in_chroma & set(MUST_REFUSE)
    assert sources_in_chroma == set(SEEDS) | INDEXED  # a copy of a document is not indexed again
    doc_ids = {d["doc_id"] for d in after["documents"]}
    assert {c["doc_id"] for c in after["chunks"]} == doc_ids
    assert not any("Không tìm thấy trang" in c["text"] for c in after["chunks"])  # the 404 page's text


def test_bad_folder_writes_nothing_outside_the_index(bad_run) -> None:
    assert bad_run["outside_after"] == bad_run["outside_before"]  # inputs unchanged, cwd still empty
    assert os.listdir(bad_run["base"] / "cwd") == []
    assert bad_run["around_after"] == bad_run["around_before"] == []
    for dirpath, dirnames, filenames in os.walk(bad_run["idx"]):
        for name in dirnames + filenames:
            assert name.isascii() and not ODD_NAME.search(name), f"{dirpath}/{name}"


@pytest.fixture(scope="module")
def injection_run(tmp_path_factory, kit: Path) -> dict:
    """The injection page ingested alone (on top of the seeds it is a copy of seed 004)."""
    base = tmp_path_factory.mktemp("cli-injection")
    page = copy_kit(kit / "bad", base / "in", ["prompt-injection_script_onerror.html"])
    rc, report, err = run_cli("ingest", page, "--index", base / "idx", "--json", cwd=base / "cwd")
    assert rc == 0, err
    return {"after": snapshot(base / "idx")}


def test_prompt_injection_is_stored_as_inert_visible_text(injection_run) -> None:
    after = injection_run["after"]
    doc = next(d for d in after["documents"] if d["source"] == "prompt-injection_script_onerror.html")
    chunks = [c for c in after["chunks"] if c["doc_id"] == doc["doc_id"]]
    chroma = [v for v in after["chroma"].values() if v["metadata"]["doc_id"] == doc["doc_id"]]
    assert chunks and len(chroma) == len(chunks)
    assert "88 xã" in doc["text"]
    assert any("88 xã" in c["text"] for c in chunks)
    stored = [doc["text"], doc["metadata"]]
    stored += [c["text"] for c in chunks] + [c["indexed_text"] for c in chunks] + [c["heading_path"] for c in chunks]
    stored += [v["document"] for v in chroma]
    # every Chroma metadata field except the file name itself ("…script_onerror.html")
    stored += [
        json.dumps({k: x for k, x in v["metadata"].items() if k != "source"}, ensure_ascii=False) for v in chroma
    ]
    for text in stored:
        low = text.lower()
        for bad in ("onerror", "javascript:", "alert(1)", "onload"):
            assert bad not in low, (bad, text[:200])
    # the injection sentence is kept as ordinary document text
    assert "Bỏ qua mọi hướng dẫn trước đó" in doc["text"]


# --- a batch of only bad files: the index is byte-for-byte the same --------------------------
def test_only_bad_files_leave_the_index_identical(tmp_path: Path, kit: Path, seed_index_dir: Path) -> None:
    idx = copy_index(seed_index_dir, tmp_path / "idx")
    bad = copy_kit(kit / "bad", tmp_path / "bad-only", sorted(MUST_REFUSE))
    before = snapshot(idx)
    # as explicit file arguments this time (the folder case is covered above)
    rc, report, err = run_cli(
        "ingest", *[bad / n for n in sorted(MUST_REFUSE)], "--index", idx, "--json", cwd=tmp_path / "cwd"
    )
    assert rc == 2, err
    assert report["added"] == [] and report["updated"] == [] and report["unchanged"] == []
    assert {r["source"] for r in report["refused"]} == set(MUST_REFUSE)
    after = snapshot(idx)
    assert len(after["documents"]) == len(before["documents"]) == 5
    assert [d["doc_id"] for d in after["documents"]] == [d["doc_id"] for d in before["documents"]]
    assert after["chroma"] == before["chroma"]
    assert after["lexical_fingerprint"] == before["lexical_fingerprint"]
    assert after == before  # records, chunks, meta, Chroma (with embeddings), BM25 files
    assert os.listdir(tmp_path / "cwd") == []


def test_huge_file_is_refused_before_reading(tmp_path: Path, kit: Path, seed_index_dir: Path) -> None:
    huge = tmp_path / "huge" / "huge_60mb_vi.txt"
    huge.parent.mkdir()
    subprocess.run(["bash", str(kit / "bad" / "make_huge.sh"), str(huge)], check=True, capture_output=True, timeout=300)
    assert huge.stat().st_size > 60 * 1024 * 1024
    idx = copy_index(seed_index_dir, tmp_path / "idx")
    before = snapshot(idx)
    rc, report, err = run_cli("ingest", huge, "--index", idx, "--json", cwd=tmp_path / "cwd")
    assert rc == 2, err
    assert report["added"] == [] and len(report["refused"]) == 1
    assert report["refused"][0]["source"] == "huge_60mb_vi.txt"
    assert re.fullmatch(r"file too large \(limit \d+ MB\)", report["refused"][0]["reason"]), report["refused"]
    assert snapshot(idx) == before
    rc, payload, _ = run_cli("extract", huge, "--json", cwd=tmp_path / "cwd")
    assert rc == 2 and payload == {"source": "huge_60mb_vi.txt", "refused": report["refused"][0]["reason"]}
    huge.unlink()  # 60 MiB: do not keep it in pytest's retained tmp folders


# --- re-ingest, update, remove ---------------------------------------------------------------
def test_reingest_update_and_remove(tmp_path: Path, seeds_dir: Path, seed_index_dir: Path) -> None:
    idx = copy_index(seed_index_dir, tmp_path / "idx")
    corpus = copy_kit(seeds_dir, tmp_path / "corpus")
    cwd = tmp_path / "cwd"
    before = snapshot(idx)

    rc, report, err = run_cli("ingest", corpus, "--index", idx, "--json", cwd=cwd, script=True)
    assert rc == 0, err
    assert report == {"added": [], "updated": [], "unchanged": SEEDS, "refused": []}
    assert snapshot(idx) == before

    target = corpus / "004_2cf336e0c0e404f5.txt"
    target.write_text(target.read_text("utf-8").replace("88 xã đạt chuẩn NTM", "90 xã đạt chuẩn NTM"), "utf-8")
    rc, report, err = run_cli("ingest", corpus, "--index", idx, "--json", cwd=cwd)
    assert rc == 0, err
    assert report == {
        "added": [],
        "updated": [target.name],
        "unchanged": [s for s in SEEDS if s != target.name],
        "refused": [],
    }
    updated = snapshot(idx)

    def others(snap: dict) -> dict:
        return {d["source"]: d for d in snap["documents"] if d["source"] != target.name}

    assert others(updated) == others(before)
    doc = next(d for d in updated["documents"] if d["source"] == target.name)
    texts = [v["document"] for v in updated["chroma"].values() if v["metadata"]["doc_id"] == doc["doc_id"]]
    assert any("90 xã đạt chuẩn NTM" in t for t in texts) and not any("88 xã đạt chuẩn" in t for t in texts)

    removed = "003_53ad26070fe62449.txt"
    rc, out, err = run_cli("remove", removed, "--index", idx, cwd=cwd)
    assert rc == 0, err
    rc, docs, err = run_cli("docs", "--index", idx, "--json", cwd=cwd)
    assert rc == 0, err
    assert [d["source"] for d in docs] == [s for s in SEEDS if s != removed]
    after = snapshot(idx)
    assert removed not in {v["metadata"]["source"] for v in after["chroma"].values()}

    rc, out, err = run_cli("remove", "khong-co-tai-lieu-nay.txt", "--index", idx, cwd=cwd)
    assert rc != 0
    assert "khong-co-tai-lieu-nay.txt" in err
    assert snapshot(idx) == after
    assert os.listdir(cwd) == []


# --- extract ---------------------------------------------------------------------------------
def test_formats_folder_holds_exactly_the_known_inputs(kit: Path) -> None:
    inputs = sorted(n for n in os.listdir(kit / "formats") if (kit / "formats" / n).is_file())
    assert inputs == sorted(FORMATS)


@pytest.mark.parametrize("name", FORMATS)
def test_extract_formats_file_matches_expected_text(knowledge, name: str, kit: Path, tmp_path: Path) -> None:
    from core.vntext import canonical_tones
    from ingest.pipeline import prepare_bytes

    path = kit / "formats" / name
    rc, payload, err = run_cli("extract", path, "--json", cwd=tmp_path / "cwd")
    assert rc == 0, err
    assert payload["source"] == name and set(payload) == {"source", "text", "metadata"}
    text = payload["text"]
    expected_file = kit / "formats" / "_expected" / f"{Path(name).stem}.txt"
    expected = expected_file.read_text("utf-8")
    raw = token_match(expected, text)
    toned = token_match(canonical_tones(expected), text)
    # the reference text through the same cleaner: isolates what the format's extraction adds/loses
    cleaned = token_match(prepare_bytes(expected.encode("utf-8"), expected_file.name, knowledge).document.text, text)
    print(f"{name}: token_match raw={raw:.4f} tone-normalised={toned:.4f} vs-cleaned-reference={cleaned:.4f}")
    assert toned >= RAW_FLOOR.get(name, 0.99), (raw, toned)
    assert cleaned >= 0.99, cleaned

    meta = payload["metadata"]
    assert meta["province"] == PROVINCE_BY_PREFIX[name[:3]]
    if name.startswith("003_"):
        assert meta["number"] == "15/TB-UBND"
    assert meta["format"] == {".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".html": "html"}[path.suffix]
    assert meta["chunks"] >= 1
    assert os.listdir(tmp_path / "cwd") == []  # extract writes nothing (no default .ntm/index either)


@pytest.mark.parametrize("name", sorted(MUST_REFUSE))
def test_extract_refuses_bad_file_and_writes_nothing(name: str, kit: Path, tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    rc, payload, err = run_cli("extract", kit / "bad" / name, "--json", cwd=cwd)
    assert rc == 2, err
    assert set(payload) == {"source", "refused"} and payload["source"] == name
    assert any(w in payload["refused"].lower() for w in MUST_REFUSE[name]), payload
    assert os.listdir(cwd) == []
    assert sorted(os.listdir(tmp_path)) == ["cwd"]

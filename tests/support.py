"""Helpers shared by tests: locating the shared kit, writing small corpora, a free loopback port,
comparing texts token by token."""

from __future__ import annotations

import difflib
import os
import re
import socket
import subprocess
import sys
import unicodedata
from collections.abc import Mapping
from pathlib import Path

import pytest


def shared_dir() -> Path:
    """The `shared/` folder beside the checkout (override with NTM_SHARED_DIR)."""
    env = os.environ.get("NTM_SHARED_DIR")
    path = Path(env) if env else Path(__file__).resolve().parents[2] / "shared"
    if not path.is_dir():
        pytest.skip(f"shared kit not found at {path}")
    return path


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (for a server a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def eval_check(metrics_dir: Path, *gates: str) -> subprocess.CompletedProcess[str]:
    """`python -m eval check METRICS_DIR GATES…` run as a user runs it, from the repository root."""
    return subprocess.run(
        [sys.executable, "-m", "eval", "check", str(metrics_dir), *gates],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )


def tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\u2022", " ")
    return re.findall(r"\w+|[^\w\s]", text)


def token_match(expected: str, got: str) -> float:
    """Similarity of two texts as token sequences (1.0 = identical after collapsing whitespace)."""
    return difflib.SequenceMatcher(None, tokens(expected), tokens(got), autojunk=False).ratio()


def write_texts(folder: Path, texts: Mapping[str, str]) -> Path:
    """Write `{file name: text}` as UTF-8 files into `folder` (created); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


class HashEmbeddings:
    """A deterministic stand-in for the embedder in the sync and pipelined-ingest tests: what they check is which
    records and lexical entries each process holds, not vector quality (the real embedder runs in
    the two-app test of `tests/test_shared_store.py`)."""

    spec = "test:sha512"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        import hashlib

        import numpy as np

        v = np.frombuffer(hashlib.sha512(text.encode()).digest(), dtype=np.uint8)[:32].astype(float) + 1.0
        return (v / np.linalg.norm(v)).tolist()


def index_state(index) -> dict:
    """Everything an index holds (records, chunks, assignments, targets, lexical index, searches):
    two indexes are in step when their states are equal."""
    return {
        "docs": [(d.doc_id, d.source, d.content_hash, d.metadata, d.n_chunks) for d in index.documents()],
        "chunks": sorted((c.chunk_id, c.text, c.indexed_text, c.heading_path, c.agencies) for c in index.all_chunks()),
        "assignments": sorted(map(repr, index.assignments())),
        "targets": sorted(map(repr, index.targets())),
        "lexical": index.lexical.fingerprint,
        "search": [index.lexical_search(q, 10) for q in ("so ke hoach va dau tu", "san pham ocop", "xa dat chuan")],
    }

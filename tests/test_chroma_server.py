"""The same Index code against a real Chroma server (`chroma run`) on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ingest.ingester import Ingester
from tests.conftest import open_index

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path: Path):
    exe = shutil.which("chroma") or str(Path(sys.executable).with_name("chroma"))
    port = _free_port()
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


def test_index_works_against_a_chroma_server(tmp_path: Path, chroma_server: str, seeds_dir: Path, embeddings) -> None:
    index = open_index(tmp_path / "idx", embeddings, chroma_url=chroma_server)
    report = Ingester(index, 20 * 1024 * 1024).ingest_paths(
        [next(seeds_dir.glob("003_*.txt")), next(seeds_dir.glob("002_*.txt"))]
    )
    assert len(report.added) == 2
    assert not (tmp_path / "idx" / "chroma").exists()  # vectors live on the server, not locally
    hits = index.dense_search("Sở Kế hoạch và Đầu tư chủ trì cơ chế quản lý đầu tư", 3, where={"province": "Lai Châu"})
    assert hits and all(h.chunk_id.startswith(index.find_document("003_53ad26070fe62449.txt").doc_id) for h in hits)
    with index.batch():
        index.remove("002_8b2520492b2011fc.txt")
    assert index.count() == sum(d.n_chunks for d in index.documents())

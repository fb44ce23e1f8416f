"""Several processes on one Chroma server stay consistent: two `ntm serve` apps and an `ntm ingest`
process, each with its own index folder, share a real `chroma run` on 127.0.0.1. Right after the
ingest process adds a document, both apps answer identically and cite it; after it removes one,
neither cites it any more."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import HashEmbeddings, free_port, index_state

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
OCOP = "Hà Tĩnh có bao nhiêu sản phẩm OCOP?"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NTM_")}
    env.update(NTM_CHROMA_URL=url, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return env


def _ntm(*args: object, env: dict[str, str]) -> subprocess.CompletedProcess:
    exe = shutil.which("ntm") or str(Path(sys.executable).with_name("ntm"))
    return subprocess.run([exe, *map(str, args)], env=env, capture_output=True, text=True, timeout=900, cwd=ROOT)


@pytest.fixture
def two_apps(tmp_path: Path, chroma_server: str):
    exe = shutil.which("ntm") or str(Path(sys.executable).with_name("ntm"))
    apps = []
    for name in ("app-a", "app-b"):
        port = free_port()
        proc = subprocess.Popen(
            [exe, "serve", "--host", "127.0.0.1", "--port", str(port), "--index", str(tmp_path / name)],
            env=_env(chroma_server),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        apps.append((proc, f"http://127.0.0.1:{port}/"))
    try:
        for proc, url in apps:
            deadline = time.monotonic() + 180
            while True:
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    if proc.poll() is not None:
                        pytest.fail(f"ntm serve exited at start ({proc.returncode})")
                    if time.monotonic() > deadline:
                        pytest.fail("ntm serve did not answer within 180 s")
                    time.sleep(0.5)
        from gradio_client import Client

        yield [Client(url, verbose=False) for _, url in apps]
    finally:
        for proc, _ in apps:
            proc.terminate()
        for proc, _ in apps:
            proc.wait(timeout=30)


def _ask(client, question: str) -> dict:
    return client.predict(question, "", "", api_name="/ask")


def test_apps_on_one_server_follow_an_ingest_by_another_process(
    tmp_path: Path,
    chroma_server: str,
    two_apps,
    seeds_dir: Path,  # noqa: F811
) -> None:
    env = _env(chroma_server)
    lai_chau = next(seeds_dir.glob("003_*.txt"))
    ha_tinh = next(seeds_dir.glob("002_*.txt"))
    first = _ntm("ingest", lai_chau, "--index", tmp_path / "writer", "--json", env=env)
    assert first.returncode == 0, first.stderr

    a, b = two_apps
    before = [_ask(c, OCOP) for c in (a, b)]
    assert before[0] == before[1]
    assert ha_tinh.name not in {c["source"] for c in before[0]["citations"]}
    tasks = [c.predict("Sở Kế hoạch và Đầu tư", "Lai Châu", "", api_name="/tasks") for c in (a, b)]
    assert tasks[0] == tasks[1] and tasks[0]  # the apps synced the first document at start

    added = _ntm("ingest", ha_tinh, "--index", tmp_path / "writer", "--json", env=env)
    assert added.returncode == 0, added.stderr
    after = [_ask(c, OCOP) for c in (a, b)]  # right after: no restart, no wait
    assert after[0] == after[1]
    assert not after[0]["abstained"]
    assert ha_tinh.name in {c["source"] for c in after[0]["citations"]}

    removed = _ntm("remove", ha_tinh.name, "--index", tmp_path / "writer", env=env)
    assert removed.returncode == 0, removed.stderr
    gone = [_ask(c, OCOP) for c in (a, b)]
    assert gone[0] == gone[1]
    assert ha_tinh.name not in {c["source"] for c in gone[0]["citations"]}
    assert ha_tinh.name not in {r["source"] for r in gone[0]["retrieved"]}


# --- the staleness sync itself, in one process ----------------------------------------------
def test_a_process_syncs_records_and_lexical_from_the_server(
    tmp_path: Path, chroma_server: str, seeds_dir: Path, make_index, make_ingester
) -> None:

    writer = make_index(tmp_path / "w", HashEmbeddings(), chroma_url=chroma_server)
    reader = make_index(tmp_path / "r", HashEmbeddings(), chroma_url=chroma_server)
    seeds = sorted(seeds_dir.glob("*.txt"))
    make_ingester(writer).ingest_paths(seeds[:3])
    assert len(reader.documents()) == 0  # stale until it checks
    reader.refresh()
    assert index_state(reader) == index_state(writer) and len(reader.documents()) == 3

    with writer.batch():
        writer.remove(seeds[0].name)
    make_ingester(writer).ingest_paths(seeds[3:])
    reader.refresh()
    assert index_state(reader) == index_state(writer) and len(reader.documents()) == 4
    generation = reader.lexical.generation
    reader.refresh()  # nothing new: nothing rebuilt
    assert reader.lexical.generation == generation

    fresh = make_index(tmp_path / "fresh", HashEmbeddings(), chroma_url=chroma_server)  # an empty folder
    assert index_state(fresh) == index_state(writer)


def test_a_reader_of_the_same_folder_follows_the_writer(
    tmp_path: Path, seeds_dir: Path, make_index, make_ingester
) -> None:

    writer = make_index(tmp_path / "idx", HashEmbeddings())
    seeds = sorted(seeds_dir.glob("*.txt"))
    make_ingester(writer).ingest_paths(seeds[:2])
    reader = make_index(tmp_path / "idx", HashEmbeddings())
    assert index_state(reader) == index_state(writer)
    make_ingester(writer).ingest_paths(seeds[2:])
    assert reader.lexical.n_chunks < writer.lexical.n_chunks
    reader.refresh()
    assert index_state(reader) == index_state(writer)


def test_an_interrupted_batch_is_rebuilt_from_the_records(
    tmp_path: Path, seeds_dir: Path, make_index, make_ingester
) -> None:

    index = make_index(tmp_path / "idx", HashEmbeddings())
    seeds = sorted(seeds_dir.glob("*.txt"))
    make_ingester(index).ingest_paths(seeds[:2])
    expected = index_state(index)
    index._records.set_meta("generation", "pending-crashed")  # a writer died before saving the lexical index
    index.lexical.remove([c.chunk_id for c in index.all_chunks()][:3])
    index.lexical.save("not-what-the-records-say")  # and left a lexical index out of step
    reopened = make_index(tmp_path / "idx", HashEmbeddings())
    assert index_state(reopened) == expected
    assert reopened.lexical.generation == reopened.generation != "not-what-the-records-say"
    assert not reopened.lexical.generation.startswith("pending-")


def test_rebuild_drops_the_server_store_and_readers_follow(
    tmp_path: Path, chroma_server: str, seeds_dir: Path, monkeypatch, make_index, make_ingester
) -> None:
    from assistant.cli import _wipe_for_rebuild

    writer = make_index(tmp_path / "w", HashEmbeddings(), chroma_url=chroma_server)
    reader = make_index(tmp_path / "r", HashEmbeddings(), chroma_url=chroma_server)
    seeds = sorted(seeds_dir.glob("*.txt"))
    make_ingester(writer).ingest_paths(seeds[:2])
    reader.refresh()
    assert len(reader.documents()) == 2
    monkeypatch.setenv("NTM_CHROMA_URL", chroma_server)
    _wipe_for_rebuild(tmp_path / "w")  # `ntm ingest --rebuild`, e.g. for another embedding model

    class OtherModel(HashEmbeddings):
        spec = "test:other-model"

    rebuilt = make_index(tmp_path / "w", OtherModel(), chroma_url=chroma_server)  # no model mismatch: a new store
    make_ingester(rebuilt).ingest_paths(seeds[2:3])
    with pytest.raises(Exception, match="embedding model"):
        reader.refresh()  # the store now holds another model's vectors: an error, never silent drift
    follower = make_index(tmp_path / "f", OtherModel(), chroma_url=chroma_server)
    assert [d.source for d in follower.documents()] == [seeds[2].name]

"""Faults an index meets in use, each through the real `ntm` command: two ingests at once, a held
write lock, a read-only index folder and a full disk (real tmpfs mounts, as root), a file deleted
mid-ingest and kill -9 mid-ingest. Each gives a clear error (or waits its turn) and leaves an index
that is consistent (Chroma holds exactly the recorded chunks) and still answers."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

QUESTION = "Bắc Kạn huy động được bao nhiêu vốn cho NTM?"  # answered from the seeds: "4.051 tỷ đồng"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NTM_")}
    return {**env, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def ntm(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant.cli", *map(str, args)],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=timeout,
        cwd=Path(__file__).resolve().parents[1],
    )


def start_ntm(*args: str | Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=Path(__file__).resolve().parents[1],
    )


def copy_index(seed_index, dest: Path) -> Path:
    shutil.copytree(seed_index.index_dir, dest, ignore=shutil.ignore_patterns(".write.lock"))
    return dest


def recorded_sources(index_dir: Path) -> set[str]:
    """The documents the records hold, read without opening the index (no writes)."""
    with sqlite3.connect(f"file:{index_dir / 'records.sqlite'}?mode=ro", uri=True) as db:
        return {row[0] for row in db.execute("SELECT source FROM documents")}


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_consistent_and_answers(index_dir: Path, make_index) -> None:
    """Chroma holds exactly the recorded chunks, and the seed question is answered with its figure."""
    from assistant.service import build_service
    from assistant.settings import Settings

    index = make_index(index_dir)
    try:
        in_chroma = set(index.collection.get(include=[])["ids"])
        recorded = {c.chunk_id for c in index.all_chunks()}
        assert in_chroma == recorded
        answer = build_service(Settings(index_dir=index_dir), index).ask(QUESTION)
        assert not answer.abstained and "4.051" in answer.text and answer.citations
    finally:
        index.close()


@pytest.fixture
def dev_files(shared: Path) -> list[Path]:
    return sorted((shared / "corpus" / "dev").glob("*.txt"))


@contextmanager
def tmpfs(where: Path, size: str):
    """A real tmpfs mounted at `where` (needs root); skipped where mounting is not allowed."""
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


# --- two writers --------------------------------------------------------------------------
def test_two_ingests_on_one_index_serialise(seed_index, tmp_path, dev_files, make_index) -> None:
    index_dir = copy_index(seed_index, tmp_path / "index")
    first, second = dev_files[0:2], dev_files[2:4]
    procs = [start_ntm("ingest", *files, "--json", "--index", index_dir) for files in (first, second)]
    outputs = [p.communicate(timeout=900) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=False):
        assert proc.returncode == 0, err
    added = [name for out, _ in outputs for name in json.loads(out)["added"]]
    assert sorted(added) == sorted(f.name for f in first + second)
    assert {f.name for f in first + second} <= recorded_sources(index_dir)
    assert_consistent_and_answers(index_dir, make_index)


def test_an_ingest_waits_while_another_holds_the_write_lock(seed_index, tmp_path, dev_files) -> None:
    index_dir = copy_index(seed_index, tmp_path / "index")
    with (index_dir / ".write.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as a writer in another process would
        proc = start_ntm("ingest", dev_files[0], "--index", index_dir)
        waited = proc.stderr.readline()
        assert "đang chờ" in waited and str(index_dir) in waited
        assert proc.poll() is None  # it cannot go on while the lock is held
        assert dev_files[0].name not in recorded_sources(index_dir)
        fcntl.flock(lock, fcntl.LOCK_UN)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    assert dev_files[0].name in recorded_sources(index_dir)


# --- the file system refuses --------------------------------------------------------------
def test_read_only_index_folder(seed_index, tmp_path, dev_files) -> None:
    with tmpfs(tmp_path / "ro", "64m") as mount:
        index_dir = copy_index(seed_index, mount / "index")
        before = tree_digest(index_dir)
        assert subprocess.run(["mount", "-o", "remount,ro", str(mount)]).returncode == 0
        refused = ntm("ingest", dev_files[0], "--json", "--index", index_dir)
        assert refused.returncode == 1
        error = json.loads(refused.stdout)
        assert error["problem"] == "read-only" and "chỉ mục không thay đổi" in error["error"]
        assert "Traceback" not in refused.stderr
        answered = ntm("ask", QUESTION, "--json", "--index", index_dir)
        assert answered.returncode == 0, answered.stderr
        assert "4.051" in json.loads(answered.stdout)["answer"] and "chỉ đọc" in answered.stderr
        assert tree_digest(index_dir) == before


def test_full_disk_mid_ingest(seed_index, tmp_path, dev_files, make_index) -> None:
    # room for the index and 8 MB more, however large the session's seed index has grown
    room = sum(f.stat().st_size for f in seed_index.index_dir.rglob("*") if f.is_file()) // 2**20 + 8
    with tmpfs(tmp_path / "full", f"{room}m") as mount:
        index_dir = copy_index(seed_index, mount / "index")
        sources = recorded_sources(index_dir)
        filler = mount / "filler"
        with filler.open("wb") as fh:  # fill the disk to the last byte
            try:
                while True:
                    fh.write(b"\0" * 65536)
                    fh.flush()
            except OSError:
                pass
        full = ntm("ingest", *dev_files[:2], "--json", "--index", index_dir)
        assert full.returncode == 1
        error = json.loads(full.stdout)
        assert error["problem"] == "disk full" and "đĩa đầy" in error["error"]
        assert "Traceback" not in full.stderr
        answered = ntm("ask", QUESTION, "--json", "--index", index_dir)  # still answers, disk still full
        assert answered.returncode == 0, answered.stderr
        assert "4.051" in json.loads(answered.stdout)["answer"]
        filler.unlink()
        assert recorded_sources(index_dir) <= sources | {f.name for f in dev_files[:2]}
        assert_consistent_and_answers(index_dir, make_index)
        again = ntm("ingest", *dev_files[:2], "--json", "--index", index_dir)  # space freed: the rest goes in
        assert again.returncode == 0, again.stderr
        assert {f.name for f in dev_files[:2]} <= recorded_sources(index_dir)


# --- the input changes or the process dies -------------------------------------------------
def test_file_deleted_mid_ingest(seed_index, tmp_path, dev_files, make_index, make_ingester, monkeypatch) -> None:
    import ingest.ingester as ingesting

    index_dir = copy_index(seed_index, tmp_path / "index")
    folder = tmp_path / "inbox"
    folder.mkdir()
    for f in dev_files[:3]:
        shutil.copy(f, folder / f.name)
    doomed = folder / dev_files[1].name
    listed = ingesting.iter_input_files

    def list_then_delete(paths):  # the folder is listed, then one of its files disappears before it is read
        files = listed(paths)
        doomed.unlink()
        return files

    monkeypatch.setattr(ingesting, "iter_input_files", list_then_delete)
    index = make_index(index_dir)
    try:
        report = make_ingester(index).ingest_paths([folder])
    finally:
        index.close()
    assert [r["source"] for r in report.refused] == [doomed.name]
    assert "cannot read file" in report.refused[0]["reason"]
    assert sorted(report.added) == sorted([dev_files[0].name, dev_files[2].name])
    assert_consistent_and_answers(index_dir, make_index)


def test_kill_9_during_ingest_stays_safe(seed_index, tmp_path, dev_files, make_index) -> None:
    index_dir = copy_index(seed_index, tmp_path / "index")
    seeds = recorded_sources(index_dir)
    batch = dev_files[:8]
    proc = start_ntm("ingest", *batch, "--index", index_dir)
    deadline = time.monotonic() + 600
    while len(recorded_sources(index_dir)) <= len(seeds):  # at least one document written …
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else "slow"
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)  # … then killed in the middle of the batch
    proc.wait(timeout=60)
    assert_consistent_and_answers(index_dir, make_index)
    resumed = ntm("ingest", *batch, "--json", "--index", index_dir)
    assert resumed.returncode == 0, resumed.stderr
    assert {f.name for f in batch} <= recorded_sources(index_dir)
    again = json.loads(ntm("ingest", *batch, "--json", "--index", index_dir).stdout)
    assert sorted(again["unchanged"]) == sorted(f.name for f in batch) and not again["added"]
    assert_consistent_and_answers(index_dir, make_index)

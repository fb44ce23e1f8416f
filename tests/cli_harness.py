"""Running `ntm` as a user does and inspecting what it left, for the CLI tests.

`run_cli` runs a command in a child process (the installed `ntm` console script or `python -m
assistant.cli`) with a hermetic environment (no NTM_* settings). `snapshot` reads an index folder in
a separate, read-only child process (`python tests/cli_harness.py --snapshot DIR`): SQLite opened
read-only, Chroma read through a fresh PersistentClient, the BM25 manifest and files hashed. It does
not go through `Index()`, which may repair an index when it opens it and would hide a half-written
state. `tree`, `odd_names_around`, `copy_kit`, `copy_index`: what a run wrote, and writable copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # when run as a script for --snapshot
    sys.path.insert(0, str(ROOT))


# --- running the CLI -------------------------------------------------------------------------
def _env() -> dict[str, str]:
    """The child's environment without NTM_* settings (hermetic: no server, no other index)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NTM_")}
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONPATH"] = str(ROOT)
    return env


def ntm_command() -> list[str]:
    """The installed console script when there is one, else the module."""
    script = Path(sys.executable).with_name("ntm")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.cli"]


def run_cli(*args: str | Path, cwd: Path, script: bool = False, timeout: float = 600) -> tuple[int, object, str]:
    """Run `ntm ARGS` in a child process; returns (exit code, parsed JSON stdout or raw stdout, stderr)."""
    cwd.mkdir(parents=True, exist_ok=True)
    cmd = (ntm_command() if script else [sys.executable, "-m", "assistant.cli"]) + [str(a) for a in args]
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, timeout=timeout)
    out = proc.stdout.decode("utf-8")
    err = proc.stderr.decode("utf-8", "replace")
    try:
        parsed: object = json.loads(out) if "--json" in args else out
    except json.JSONDecodeError:
        pytest.fail(f"`ntm {' '.join(map(str, args))}` printed no JSON (exit {proc.returncode}):\n{out}\n{err}")
    return proc.returncode, parsed, err


# --- read-only snapshot of an index folder ---------------------------------------------------
def _snapshot_in_this_process(index_dir: Path) -> dict:
    import sqlite3
    from urllib.parse import quote

    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings

    from vectorstore.lexical import fingerprint

    db = sqlite3.connect(f"file:{quote(str(index_dir / 'records.sqlite'))}?mode=ro", uri=True)
    docs = [
        dict(
            zip(
                ("doc_id", "source", "content_hash", "format", "metadata", "text", "n_chunks", "ingested_at"),
                row,
                strict=False,
            )
        )
        for row in db.execute(
            "SELECT doc_id, source, content_hash, format, metadata, text, n_chunks, ingested_at "
            "FROM documents ORDER BY doc_id"
        )
    ]
    chunks = [
        dict(
            zip(
                ("chunk_id", "doc_id", "n", "text", "heading_path", "start", "end", "agencies", "indexed_text"),
                row,
                strict=False,
            )
        )
        for row in db.execute(
            'SELECT chunk_id, doc_id, n, text, heading_path, start, "end", agencies, indexed_text '
            "FROM chunks ORDER BY doc_id, n"
        )
    ]
    meta = dict(db.execute("SELECT key, value FROM meta ORDER BY key").fetchall())
    db.close()

    client = chromadb.PersistentClient(
        path=str(index_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    collection = client.get_collection("ntm_chunks")
    got = collection.get(include=["documents", "metadatas", "embeddings"])
    chroma = {
        cid: {
            "document": doc,
            "metadata": dict(sorted((md or {}).items())),
            "embedding_sha1": hashlib.sha1(np.asarray(emb, dtype=np.float32).tobytes()).hexdigest(),
        }
        for cid, doc, md, emb in zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=False)
    }

    lexical_dir = index_dir / "lexical"
    manifest = json.loads((lexical_dir / "manifest.json").read_text("utf-8"))
    lexical_files = {
        str(p.relative_to(lexical_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lexical_dir.rglob("*"))
        if p.is_file()
    }
    return {
        "documents": docs,
        "chunks": chunks,
        "meta": meta,
        "chroma": chroma,
        "chroma_count": collection.count(),
        "lexical_fingerprint": manifest.get("fingerprint"),
        "lexical_from_records": fingerprint([(c["chunk_id"], c["indexed_text"]) for c in chunks]),
        "lexical_files": lexical_files,
    }


def snapshot(index_dir: Path) -> dict:
    """Everything a refused file must leave as it was, read by a fresh child process."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--snapshot", str(index_dir)],
        cwd=index_dir.parent,
        env=_env(),
        capture_output=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    snap = json.loads(proc.stdout.decode("utf-8"))
    # the three stores agree with each other
    assert set(snap["chroma"]) == {c["chunk_id"] for c in snap["chunks"]}
    assert snap["chroma_count"] == len(snap["chunks"]) == sum(d["n_chunks"] for d in snap["documents"])
    assert snap["lexical_fingerprint"] == snap["lexical_from_records"]
    assert snap["meta"].get("dirty", "0") == "0"
    return snap


def tree(folder: Path, skip: Path | None = None) -> dict[str, str]:
    """Every file and folder under `folder` (hidden ones too) → content hash ('' for folders)."""
    out: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        here = Path(dirpath)
        if skip is not None and (here == skip or skip in here.parents):
            dirnames[:] = []
            continue
        for d in dirnames:
            if skip is None or here / d != skip:
                out[str((here / d).relative_to(folder))] = ""
        for f in filenames:
            out[str((here / f).relative_to(folder))] = hashlib.sha256((here / f).read_bytes()).hexdigest()
    return out


ODD_NAME = re.compile(r"Thông|báo|bản|\uff0e|\uff0f|\\")


def odd_names_around(base: Path) -> list[str]:
    """Entries named like the odd kit files in `base` and the two folders above it (where a
    "../../" escape from the index or an upload folder would land). Other entries are ignored:
    concurrent pytest sessions may create folders there."""
    found = []
    for folder in (base, base.parent, base.parent.parent):
        found += [str(folder / n) for n in os.listdir(folder) if ODD_NAME.search(unicodedata.normalize("NFC", n))]
    return sorted(found)


def copy_kit(src: Path, dest: Path, names: list[str] | None = None) -> Path:
    """Copy kit files (read-only in the kit) into a writable folder, listing with os.listdir."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in names if names is not None else os.listdir(src):
        if (src / name).is_dir():
            shutil.copytree(src / name, dest / name, copy_function=shutil.copyfile)
        else:
            shutil.copyfile(src / name, dest / name)
    return dest


def copy_index(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest)
    return dest


if __name__ == "__main__" and sys.argv[1:2] == ["--snapshot"]:
    json.dump(_snapshot_in_this_process(Path(sys.argv[2])), sys.stdout, ensure_ascii=False)

"""Vietnamese texts for the e5 benchmarks: indexed chunks of the shared kit and its questions.

Chunks are what the product embeds (`contextual_text` of every chunk of corpus/dev, corpus/seeds
and data/sample, ~900 characters); queries are the questions of the shared question sets.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    env = os.environ.get("NTM_SHARED_DIR")
    return Path(env) if env else ROOT.parent / "shared"


def kit_chunks(limit: int = 500, max_chars: int = 1200) -> list[str]:
    """Indexed texts of the kit's chunks, in a fixed order (first `limit`; refused files skipped)."""
    from core.contracts import RefusedFile
    from core.knowledge import Knowledge
    from ingest.chunking import ChunkingConfig
    from ingest.pipeline import iter_input_files, prepare_bytes
    from vectorstore.index import contextual_text

    knowledge, chunking = Knowledge.load(), ChunkingConfig(max_chars=max_chars)
    folders = [
        shared_dir() / "corpus" / "dev",
        shared_dir() / "corpus" / "seeds",
        ROOT / "data" / "sample",
        ROOT / "eval" / "datasets" / "corpus_b",
        shared_dir() / "corpus" / "formats",
    ]
    out: list[str] = []
    for path, source in iter_input_files([f for f in folders if f.is_dir()]):
        try:
            prepared = prepare_bytes(path.read_bytes(), source, knowledge, chunking)
        except RefusedFile:
            continue
        out += [contextual_text(prepared.document, c) for c in prepared.chunks]
        if len(out) >= limit:
            break
    return out[:limit]


def kit_questions(limit: int = 500) -> list[str]:
    out: list[str] = []
    for path in [
        shared_dir() / "eval" / "dev_qa.jsonl",
        shared_dir() / "eval" / "seed_qa.jsonl",
        ROOT / "eval" / "datasets" / "corpus_b_qa.jsonl",
        ROOT / "data" / "sample" / "questions.jsonl",
    ]:
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    q = json.loads(line).get("question")
                    if q and q not in out:
                        out.append(q)
    return out[:limit]

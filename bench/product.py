"""The product benchmark: the synthetic corpus through the real ingest path into a fresh index,
then questions through ChatService, the bare floor (query embedding + Chroma query) and a cold
start in a new process."""

from __future__ import annotations

import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.measure import folder_mb, peak_rss_mb, percentile, raw_encode_rate, timed_ms

ROOT = Path(__file__).resolve().parents[1]


def run_product(
    corpus: Path, questions: list[str], workdir: Path, embedding: str | None, raw_sample: int, log: Any
) -> dict[str, Any]:
    from assistant.service import ChatService
    from assistant.settings import Settings
    from core.knowledge import Knowledge
    from ingest.ingester import Ingester
    from vectorstore.embeddings import make_embeddings
    from vectorstore.index import Index

    index_dir = workdir / "index"
    overrides: dict[str, Any] = {"index_dir": index_dir}
    if embedding:
        overrides["embedding"] = embedding
    base = Settings(**overrides)
    if base.chroma_url:  # a shared server: a collection of our own, dropped afterwards
        overrides["collection"] = f"bench_{uuid.uuid4().hex[:10]}"
    settings = Settings(**overrides)
    embeddings = make_embeddings(settings.embedding)
    log(
        f"embedding {settings.embedding}; chroma "
        f"{'server ' + settings.chroma_url if settings.chroma_url else 'embedded'}"
    )

    index = Index.open(settings, embeddings)
    knowledge = Knowledge.load()  # one for the ingest and the questions
    ingester = Ingester.from_settings(settings, index, knowledge=knowledge)
    t0 = time.perf_counter()
    report = ingester.ingest_paths([corpus])
    ingest_s = time.perf_counter() - t0
    chunks = index.count()
    log(f"ingest: {len(report.added)} files, {chunks} chunks in {ingest_s:.1f} s, {len(report.refused)} refused")

    t0 = time.perf_counter()
    again = ingester.ingest_paths([corpus])
    reingest_s = time.perf_counter() - t0
    if again.added or again.updated:
        raise RuntimeError(f"re-ingest of an unchanged corpus changed {len(again.added) + len(again.updated)} files")

    texts = [c.indexed_text for c in index.all_chunks()]
    if raw_sample and len(texts) > raw_sample:
        texts = random.Random(0).sample(texts, raw_sample)
    raw = raw_encode_rate(embeddings, texts)
    log(f"raw encode: {raw:.2f} chunks/s on {len(texts)} chunks; re-ingest unchanged {reingest_s:.2f} s")

    service = ChatService(index, settings, knowledge)
    service.ask(questions[0])  # warm-up (lazy loads: cues, register, selection model)
    ask_ms = timed_ms(service.ask, questions)

    def floor(question: str) -> Any:
        vector = embeddings.embed_query(question)
        return index.collection.query(
            query_embeddings=[vector], n_results=min(settings.candidates, chunks), include=["distances"]
        )

    floor_ms = timed_ms(floor, questions)
    result = {
        "chunks": chunks,
        "ingest_chunks_per_s": chunks / ingest_s if ingest_s > 0 else 0.0,
        "raw_encode_per_s": raw,
        "reingest_unchanged_s": reingest_s,
        "ask_p50_ms": percentile(ask_ms, 50),
        "ask_p95_ms": percentile(ask_ms, 95),
        "floor_p50_ms": percentile(floor_ms, 50),
        "peak_rss_mb": peak_rss_mb(),
        "index_mb": folder_mb(index_dir),
    }
    index.close()
    result["cold_start_s"] = cold_start(settings, questions[0])
    if settings.chroma_url:
        try:
            index._client.delete_collection(settings.collection)
        except Exception:  # noqa: BLE001 - best effort clean-up of our own collection
            pass
    return result


def cold_start(settings: Any, question: str) -> float:
    """Seconds for a new process to import, load the model, open the index and answer once."""
    import os

    env = {
        **os.environ,
        "NTM_INDEX_DIR": str(settings.index_dir),
        "NTM_EMBEDDING": settings.embedding,
        "NTM_COLLECTION": settings.collection,
    }
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench", "first-answer", question],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def first_answer(question: str) -> int:
    """The cold-start child: configured index, one answer, exit."""
    from assistant.service import build_service

    build_service().ask(question)
    return 0

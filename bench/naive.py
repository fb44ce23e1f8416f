"""The naive LangChain pipeline (eval/baseline.py: splitter 1000/200, Chroma, same embedder,
top-4) on the same synthetic corpus, measured like the product for a side-by-side row.

It has no notion of an unchanged file (re-adding re-embeds everything) and keeps no index to
reopen, so `reingest_unchanged_s` and `cold_start_s` are null."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

from bench.measure import folder_mb, peak_rss_mb, percentile, raw_encode_rate, timed_ms


def run_naive(corpus: Path, questions: list[str], embedding: str | None, raw_sample: int, log: Any) -> dict[str, Any]:
    from assistant.settings import Settings
    from eval.baseline import TOP_K, NaiveBaseline
    from vectorstore.embeddings import make_embeddings

    settings = Settings(**({"embedding": embedding} if embedding else {}))
    embeddings = make_embeddings(settings.embedding)
    log(f"naive baseline, embedding {settings.embedding}")
    t0 = time.perf_counter()
    baseline = NaiveBaseline.from_corpus(corpus, embeddings, settings.max_file_bytes)
    ingest_s = time.perf_counter() - t0
    try:
        collection = baseline._client.get_collection(baseline._collection)
        chunks = int(collection.count())
        log(f"naive ingest: {baseline.n_documents} files, {chunks} chunks in {ingest_s:.1f} s")
        texts = collection.get(include=["documents"])["documents"]
        if raw_sample and len(texts) > raw_sample:
            texts = random.Random(0).sample(texts, raw_sample)
        raw = raw_encode_rate(embeddings, texts)
        baseline.ask(questions[0])
        ask_ms = timed_ms(baseline.ask, questions)

        def floor(question: str) -> Any:
            vector = embeddings.embed_query(question)
            return collection.query(query_embeddings=[vector], n_results=min(TOP_K, chunks), include=["distances"])

        floor_ms = timed_ms(floor, questions)
        return {
            "chunks": chunks,
            "ingest_chunks_per_s": chunks / ingest_s if ingest_s > 0 else 0.0,
            "raw_encode_per_s": raw,
            "reingest_unchanged_s": None,
            "ask_p50_ms": percentile(ask_ms, 50),
            "ask_p95_ms": percentile(ask_ms, 95),
            "floor_p50_ms": percentile(floor_ms, 50),
            "peak_rss_mb": peak_rss_mb(),
            "index_mb": folder_mb(baseline.workdir),
            "cold_start_s": None,
        }
    finally:
        baseline.close()

"""The product benchmark: the synthetic corpus through the real ingest path into a fresh index,
then questions through ChatService, the bare floor (query embedding + Chroma query; and again with
the metadata filter retrieval used for each question), a cold start in a new process and the same
questions in a fresh answering process (its memory alone).

With `doc_vectors` (an index folder), the document vectors are real e5 vectors of that index
reused by text hash (bench/reuse_vectors.py) instead of the model's: everything else of the ingest
(parsing, extraction, chunking, records, BM25, Chroma writes) and every query embedding is real.
The two model rates are then not measured (null)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.measure import cpu_seconds, folder_mb, peak_rss_mb, percentile, raw_encode, timed_ms

ROOT = Path(__file__).resolve().parents[1]


def run_product(
    corpus: Path,
    questions: list[str],
    workdir: Path,
    embedding: str | None,
    raw_sample: int,
    log: Any,
    doc_vectors: Path | None = None,
) -> dict[str, Any]:
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
    writer, label = embeddings, "model"
    if doc_vectors is not None:
        from bench.reuse_vectors import ReusedDocumentVectors

        writer = ReusedDocumentVectors.from_index(embeddings, doc_vectors)
        dim = len(embeddings.embed_query(questions[0]))
        if writer.base.shape[1] != dim:
            raise ValueError(f"{doc_vectors}: vectors of {writer.base.shape[1]} dimensions, the model makes {dim}")
        label = f"reused:{doc_vectors}"
    log(
        f"embedding {settings.embedding}; document vectors {label} ({len(getattr(writer, 'base', ()))} to reuse); "
        f"chroma {'server ' + settings.chroma_url if settings.chroma_url else 'embedded'}"
    )

    index = Index.open(settings, writer)
    knowledge = Knowledge.load()  # one for the ingest and the questions
    ingester = Ingester.from_settings(settings, index, knowledge=knowledge)
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    report = ingester.ingest_paths([corpus])
    ingest_s, ingest_cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    chunks = index.count()
    log(f"ingest: {len(report.added)} files, {chunks} chunks in {ingest_s:.1f} s, {len(report.refused)} refused")

    t0 = time.perf_counter()
    again = ingester.ingest_paths([corpus])
    reingest_s = time.perf_counter() - t0
    if again.added or again.updated:
        raise RuntimeError(f"re-ingest of an unchanged corpus changed {len(again.added) + len(again.updated)} files")

    raw = raw_cpu = None
    if doc_vectors is None:
        texts = [c.indexed_text for c in index.all_chunks()]
        if raw_sample and len(texts) > raw_sample:
            texts = random.Random(0).sample(texts, raw_sample)
        raw, raw_cpu = raw_encode(embeddings, texts)
        log(f"raw encode: {raw:.2f} chunks/s on {len(texts)} chunks, {raw_cpu:.1f} CPU-ms per chunk")
    log(f"re-ingest unchanged {reingest_s:.2f} s")
    result = {
        "chunks": chunks,
        "ingest_chunks_per_s": (chunks / ingest_s if ingest_s > 0 else 0.0) if doc_vectors is None else None,
        "raw_encode_per_s": raw,
        "reingest_unchanged_s": reingest_s,
        "index_mb": folder_mb(index_dir),
        "doc_vectors": label,
        "ingest_s": ingest_s,
        "ingest_cpu_ms_per_chunk": ingest_cpu / max(chunks, 1) * 1000.0,
        "raw_cpu_ms_per_chunk": raw_cpu,
    }
    result.update(ask_questions(index, settings, knowledge, questions, log))
    if settings.chroma_url:
        try:
            index._client.delete_collection(settings.collection)
        except Exception:  # noqa: BLE001 - best effort clean-up of our own collection
            pass
    return result


def run_questions(index_dir: Path, questions: list[str], log: Any) -> dict[str, Any]:
    """The question half alone on an index a `bench run --workdir` kept (the configured embedding
    model, which must be the one the index was built with): no ingest keys."""
    from assistant.settings import Settings
    from core.knowledge import Knowledge
    from vectorstore.index import Index

    settings = Settings(index_dir=index_dir)
    index = Index.open(settings)
    log(f"index {index_dir}: {index.count()} chunks, embedding {settings.embedding}")
    result = {"chunks": index.count(), "index_mb": folder_mb(index_dir), "doc_vectors": f"as built in {index_dir}"}
    result.update(ask_questions(index, settings, Knowledge.load(), questions, log))
    return result


def ask_questions(index: Any, settings: Any, knowledge: Any, questions: list[str], log: Any) -> dict[str, Any]:
    """Questions through ChatService, the floor with and without retrieval's filters, then (the index
    closed) a cold start and the same questions in a fresh answering process."""
    from assistant.service import ChatService

    embeddings, chunks = index.embeddings, index.count()
    service = ChatService(index, settings, knowledge)
    service.ask(questions[0])  # warm-up (lazy loads: cues, register, selection model)
    wheres: dict[str, list[Any]] = {}  # the metadata filters the dense leg used, per question
    dense_search = index.dense_search

    def recorded(query: str, k: int, where: dict[str, Any] | None = None, **options: Any) -> Any:
        wheres[asking].append(where)
        return dense_search(query, k, where, **options)  # the listed ids and the vector retrieval passes

    def ask(question: str) -> Any:
        nonlocal asking
        asking = question
        wheres[question] = []
        return service.ask(question)

    asking = ""
    index.dense_search = recorded  # type: ignore[method-assign]
    ask_ms = timed_ms(ask, questions)
    del index.dense_search

    def floor(question: str, filtered: bool = False) -> Any:
        vector = embeddings.embed_query(question)
        for where in wheres[question] if filtered else [None]:
            index.collection.query(
                query_embeddings=[vector],
                n_results=min(settings.candidates, chunks),
                where=where or None,
                include=["distances"],
            )

    floor_ms = timed_ms(floor, questions)
    floor_where_ms = timed_ms(lambda q: floor(q, True), questions)
    result = {
        "ask_p50_ms": percentile(ask_ms, 50),
        "ask_p95_ms": percentile(ask_ms, 95),
        "floor_p50_ms": percentile(floor_ms, 50),
        "floor_where_p50_ms": percentile(floor_where_ms, 50),
        "peak_rss_mb": peak_rss_mb(),
    }
    log(
        f"asked {len(questions)}: p50 {result['ask_p50_ms']:.1f} ms, floor {result['floor_p50_ms']:.1f} ms, "
        f"with retrieval's filters {result['floor_where_p50_ms']:.1f} ms"
    )
    index.close()
    result["cold_start_s"] = cold_start(settings, questions[0])
    served = serve_child(settings, questions)
    result["serve_peak_rss_mb"] = served["peak_rss_mb"]
    result["serve_ask_p50_ms"] = percentile(served["ask_ms"], 50)
    result["serve_ask_p95_ms"] = percentile(served["ask_ms"], 95)
    log(f"answering process: peak RSS {served['peak_rss_mb']:.0f} MB, p50 {result['serve_ask_p50_ms']:.1f} ms")
    return result


def _child_env(settings: Any) -> dict[str, str]:
    """A child process configured for the bench index (and the Chroma server, if any, inherited)."""
    return {
        **os.environ,
        "NTM_INDEX_DIR": str(settings.index_dir),
        "NTM_EMBEDDING": settings.embedding,
        "NTM_COLLECTION": settings.collection,
    }


def cold_start(settings: Any, question: str) -> float:
    """Seconds for a new process to import, load the model, open the index and answer once."""
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bench", "first-answer", question],
        cwd=ROOT,
        env=_child_env(settings),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def serve_child(settings: Any, questions: list[str]) -> dict[str, Any]:
    """The questions in a fresh process that only answers (what a serving process holds at this
    index size, without the ingest's model and buffers): {"peak_rss_mb", "ask_ms"}."""
    done = subprocess.run(
        [sys.executable, "-m", "bench", "serve-ask"],
        cwd=ROOT,
        env=_child_env(settings),
        input=json.dumps(questions, ensure_ascii=False),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the answering process failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def serve_ask() -> int:
    """The answering child: questions (a JSON list) on stdin; the first is a warm-up, as in the
    bench process; prints {"peak_rss_mb", "ask_ms"} as the last line."""
    from assistant.service import build_service

    questions = json.loads(sys.stdin.read())
    service = build_service()
    service.ask(questions[0])
    ask_ms = timed_ms(service.ask, questions)
    print(json.dumps({"peak_rss_mb": peak_rss_mb(), "ask_ms": ask_ms}))
    return 0


def first_answer(question: str) -> int:
    """The cold-start child: configured index, one answer, exit."""
    from assistant.service import build_service

    build_service().ask(question)
    return 0

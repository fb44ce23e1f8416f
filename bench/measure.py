"""Measuring helpers shared by the product and the naive benchmark modes."""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

RESULT_KEYS = (
    "chunks",
    "ingest_chunks_per_s",
    "raw_encode_per_s",
    "reingest_unchanged_s",
    "ask_p50_ms",
    "ask_p95_ms",
    "floor_p50_ms",
    "peak_rss_mb",
    "index_mb",
    "cold_start_s",
)
# Beside the keys: the floor with the metadata filter retrieval used for each question (a
# province filter is not cheap at 100k chunks); what the document vectors were ("model", or
# "reused:<index dir>" when `--doc-vectors reuse:DIR` stood in for the model: the two model rates
# are then null); the ingest wall time; the answering process alone (a fresh process that opens the
# index and asks the same questions: its peak resident memory and latency); the load averages; the
# CPU time per chunk of the ingest (this process and its preparing workers) and of the raw encode:
# their ratio is what the cores allow ingest/raw to be, whatever else runs on the machine.
EXTRA_KEYS = (
    "floor_where_p50_ms",
    "doc_vectors",
    "ingest_s",
    "ingest_cpu_ms_per_chunk",
    "raw_cpu_ms_per_chunk",
    "serve_peak_rss_mb",
    "serve_ask_p50_ms",
    "serve_ask_p95_ms",
    "loadavg_start",
    "loadavg_end",
)


def peak_rss_mb() -> float:
    """Peak resident set of this process so far. On Linux, VmHWM of /proc/self/status: getrusage's
    ru_maxrss survives fork and exec, so a child started by a process that had loaded a model would
    report the parent's peak (ru_maxrss elsewhere: macOS reports bytes)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children that have ended (a process
    pool is counted once it is shut down)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def folder_mb(folder: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return total / (1024 * 1024)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    if len(values) == 1:
        return values[0]
    return (
        statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]
        if 1 <= q <= 99
        else (min(values) if q <= 0 else max(values))
    )


def timed_call(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def median_ms(values: list[float], digits: int = 2) -> float:
    """The median, rounded (0.0 of nothing), for the one-line JSON reports."""
    return round(statistics.median(values), digits) if values else 0.0


def timed_ms(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[float]:
    out = []
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t0) * 1000.0)
    return out


def raw_encode_rate(embeddings: Any, texts: list[str], batch: int = 64) -> float:
    """Chunks per second of the embedder alone on these texts (as `embed_documents` batches)."""
    return raw_encode(embeddings, texts, batch)[0]


def raw_encode(embeddings: Any, texts: list[str], batch: int = 64) -> tuple[float, float]:
    """(chunks per second, CPU-ms per chunk) of the embedder alone on these texts, after a warm-up."""
    if not texts:
        return 0.0, 0.0
    embeddings.embed_documents(texts[:2])  # warm-up: lazy loads, first-call allocations
    t0, cpu0 = time.perf_counter(), cpu_seconds()
    for i in range(0, len(texts), batch):
        embeddings.embed_documents(texts[i : i + batch])
    return len(texts) / (time.perf_counter() - t0), (cpu_seconds() - cpu0) / len(texts) * 1000.0


def round_result(result: dict[str, Any]) -> dict[str, Any]:
    """The result in RESULT_KEYS + EXTRA_KEYS order, floats rounded for a readable JSON line."""
    out: dict[str, Any] = {}
    for key in RESULT_KEYS + EXTRA_KEYS:
        value = result.get(key)
        out[key] = round(value, 3) if isinstance(value, float) else value
    return out

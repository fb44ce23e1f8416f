"""Cold start of the web app: seconds from process start to HTTP 200 on its URL, with a built index.

    .venv/bin/python bench/cold_start.py [--index DIR] [--corpus DIR] [--repeat N]

Without --index, an index of the seed corpus (`../shared/corpus/seeds`, or under NTM_SHARED_DIR)
is built first in a temporary folder (not timed). Each run spawns `python app.py` with
NTM_INDEX_DIR pointing at it on a free 127.0.0.1 port and polls the page (and then the app's
config, i.e. the UI is ready to render) every 50 ms, then times a first question through the
`ask` API (the embedding model may load lazily on it); the process is stopped after each run.
Prints one line per run and the medians, in seconds.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, deadline: float, proc: subprocess.Popen) -> float:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise TimeoutError(f"no HTTP 200 from {url}")


QUESTION = "Sở Kế hoạch và Đầu tư Lai Châu phải làm gì?"


def first_answer(url: str) -> float:
    from gradio_client import Client

    client = Client(url, verbose=False)
    start = time.monotonic()
    client.predict(QUESTION, "", "", api_name="/ask")
    return time.monotonic() - start


def one_run(index: Path, timeout: float) -> tuple[float, float, float]:
    port = free_port()
    env = {**os.environ, "NTM_INDEX_DIR": str(index), "NTM_HOST": "127.0.0.1", "NTM_PORT": str(port)}
    start = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        page = wait_for(f"http://127.0.0.1:{port}/", start + timeout, proc) - start
        config = wait_for(f"http://127.0.0.1:{port}/config", start + timeout, proc) - start
        return page, config, first_answer(f"http://127.0.0.1:{port}/")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def build_index(corpus: Path, folder: Path) -> None:
    cmd = [str(Path(sys.executable).with_name("ntm")), "ingest", str(corpus), "--index", str(folder)]
    done = subprocess.run(cmd, check=False, cwd=ROOT, capture_output=True, text=True)
    if done.returncode not in (0, 2):
        raise SystemExit(f"ingest failed: {done.stderr}")


def main() -> None:
    shared = Path(os.environ.get("NTM_SHARED_DIR", ROOT.parent / "shared"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="an already-built index (default: build one from --corpus)")
    parser.add_argument("--corpus", type=Path, default=shared / "corpus" / "seeds")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ntm-cold-") as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            print(f"building an index of {args.corpus} …", file=sys.stderr)
            build_index(args.corpus, index)
        runs, answers = [], []
        for i in range(args.repeat):
            page, config, answer = one_run(index, args.timeout)
            runs.append(page)
            answers.append(answer)
            print(
                f"run {i + 1}: HTTP 200 after {page:.2f} s (config ready {config:.2f} s); first answer {answer:.2f} s"
            )
        print(
            f"cold start (median of {len(runs)}): {statistics.median(runs):.2f} s on {os.cpu_count()} cores; "
            f"first answer after it: {statistics.median(answers):.2f} s"
        )


if __name__ == "__main__":
    main()

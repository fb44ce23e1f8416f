"""Files prepared ahead of the embedder, so ingest time is embedding time.

Reading, extraction, cleaning, metadata and chunking of the next files run in a process pool
(separate processes: that work is pure Python and would hold the GIL) while the main process
embeds and writes the current ones. Items come back in the order of the file list, so reports
and the index are exactly what a sequential ingest gives. A file is prepared in a worker with
the same `prepare_bytes`; a refusal there is the same refusal, and a worker that dies takes
only the files it was holding back to the main process, which prepares them itself.

Consecutive prepared documents are handed to `on_ready` in groups of about `group_chunks`
chunks before they are yielded, so their chunks are embedded in one call, sorted by length
(`Index.embed_ahead`).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from core.contracts import PreparedDocument, RefusedFile
from core.knowledge import Knowledge
from ingest.chunking import ChunkingConfig
from ingest.pipeline import check_suffix, prepare_bytes, read_limited

MIN_FILES_FOR_POOL = 16  # fewer files to prepare than this: starting a worker (imports) costs more than it saves


@dataclass
class Item:
    """One input file, read and (unless unchanged or refused) prepared."""

    path: Path
    source: str
    data: bytes = b""
    content_hash: str = ""
    prepared: PreparedDocument | None = None
    refused: str = ""  # the reason, when the file was refused while reading or preparing
    todo: bool = False  # to be prepared (read, not refused, not unchanged)
    future: Future | None = None


@lru_cache(maxsize=1)
def _worker_knowledge() -> Knowledge:
    """A worker process is a composition root of its own (spawned: nothing of the parent's is
    shared): it reads the knowledge once, for every file it prepares."""
    return Knowledge.load()


def _prepare(data: bytes, source: str, chunking: ChunkingConfig, ocr: Any) -> tuple[PreparedDocument | None, str]:
    """In a worker: the prepared document, or the refusal reason (RefusedFile does not pickle)."""
    try:
        return prepare_bytes(data, source, _worker_knowledge(), chunking, ocr), ""
    except RefusedFile as exc:
        return None, exc.reason


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class PreparedStream:
    """Iterate `files` as prepared Items, preparing up to `window` files ahead in `workers`
    processes. `needs_prepare(source, content_hash)` is False for files that are unchanged."""

    def __init__(
        self,
        files: list[tuple[Path, str]],
        needs_prepare: Callable[[str, str], bool],
        max_file_bytes: int,
        knowledge: Knowledge,
        chunking: ChunkingConfig,
        ocr: Any = None,
        workers: int | None = None,
        window: int = 16,
        on_ready: Callable[[list[PreparedDocument]], None] | None = None,
        group_chunks: int = 64,
        on_page: Callable[[str, int, int], None] | None = None,
        require_suffix: bool = False,
    ) -> None:
        self.files = files
        self.needs_prepare = needs_prepare
        self.max_file_bytes = max_file_bytes
        self.knowledge = knowledge
        self.chunking = chunking
        self.ocr = ocr
        self.workers = default_workers() if workers is None else workers
        self.window = max(1, window)
        self.on_ready = on_ready
        self.group_chunks = group_chunks
        self.on_page = on_page  # OCR progress, for files prepared in this process
        self.require_suffix = require_suffix  # a file without a suffix is refused (uploads)
        self._pool: ProcessPoolExecutor | None = None

    def __iter__(self) -> Iterator[Item]:
        files = iter(self.files)
        ahead: deque[Item] = deque()  # read, in order; those to prepare are submitted
        exhausted = False

        def fill() -> None:
            nonlocal exhausted
            while not exhausted and sum(it.todo for it in ahead) < self.window and len(ahead) < 8 * self.window:
                nxt = next(files, None)
                if nxt is None:
                    exhausted = True
                    break
                ahead.append(self._read(*nxt))
            if self._pool is None and self.workers and sum(it.todo for it in ahead) >= MIN_FILES_FOR_POOL:
                self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
            for it in ahead:
                if it.todo:
                    self._submit(it)

        try:
            fill()
            while ahead:
                group: list[Item] = []
                chunks = 0
                while ahead and (not group or chunks < self.group_chunks):
                    item = ahead.popleft()
                    fill()  # keep the workers busy while this one is finished
                    self._finish(item)
                    group.append(item)
                    chunks += len(item.prepared.chunks) if item.prepared else 0
                ready = [it.prepared for it in group if it.prepared is not None]
                if self.on_ready and ready:
                    self.on_ready(ready)
                yield from group
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None

    def _read(self, path: Path, source: str) -> Item:
        item = Item(path, source)
        try:
            check_suffix(path, source, self.require_suffix)
            item.data = read_limited(path, source, self.max_file_bytes)
            item.content_hash = hashlib.sha256(item.data).hexdigest()
        except RefusedFile as exc:
            item.refused = exc.reason
            return item
        item.todo = self.needs_prepare(source, item.content_hash)
        if not item.todo:
            item.data = b""  # unchanged: nothing more to do with its bytes
        return item

    def _submit(self, item: Item) -> None:
        if self._pool is not None and item.future is None and item.prepared is None:
            try:
                item.future = self._pool.submit(_prepare, item.data, item.source, self.chunking, self.ocr)
            except (BrokenProcessPool, RuntimeError):
                item.future = None

    def _finish(self, item: Item) -> None:
        if not item.todo or item.prepared is not None:
            return  # refused while reading, or unchanged: the ingester skips it
        result: tuple[PreparedDocument | None, str] | None = None
        if item.future is not None:
            try:
                result = item.future.result()
            except BrokenProcessPool:
                result = None  # the worker died (a crash in a parser): prepare it here instead
            item.future = None
        if result is None:
            result = _prepare_here(item, self.knowledge, self.chunking, self.ocr, self.on_page)
        item.prepared, item.refused = result
        item.todo = False


def _prepare_here(
    item: Item,
    knowledge: Knowledge,
    chunking: ChunkingConfig,
    ocr: Any,
    on_page: Callable[[str, int, int], None] | None,
) -> tuple[PreparedDocument | None, str]:
    pages = (lambda done, total: on_page(item.source, done, total)) if on_page else None
    try:
        return prepare_bytes(item.data, item.source, knowledge, chunking, ocr, pages), ""
    except RefusedFile as exc:
        return None, exc.reason

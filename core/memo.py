"""A bounded, thread-safe memo that can be primed with values computed elsewhere.

`functools.lru_cache` remembers what a function computed, but cannot be handed values: readings
that ingest computed and stored with a chunk (core/chunk_readings) are put into one of these, so
the answer path finds them as if it had read the text itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(Generic[K, V]):
    """Values by key, the oldest dropped past `size` (insertion order: priming renews a key)."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a memo holds at least one value")
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: K) -> V | None:
        return self._values.get(key)

    def get_or_compute(self, key: K, compute: Callable[[K], V]) -> V:
        found = self._values.get(key)
        if found is None:
            found = compute(key)
            self.put({key: found})
        return found

    def put(self, values: Mapping[K, V]) -> None:
        with self._lock:
            for key, value in values.items():
                self._values[key] = value
                self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

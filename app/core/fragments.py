"""Rendered fragments kept between requests, keyed by what they show and by a version of the
data they were built from, so a change to the data is a new key, never a stale page. Each
process keeps its own, at most `size` fragments, the least recently used going first (a flood
of different searches only cycles it). One per application (`app.state.fragments`)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class Fragments:
    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._held: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The fragment under `key`, built (outside the lock: two requests may both build it,
        which is harmless) when it is not held."""
        with self._lock:
            if key in self._held:
                self._held.move_to_end(key)
                return self._held[key]  # type: ignore[return-value]
        value = build()
        with self._lock:
            self._held[key] = value
            self._held.move_to_end(key)
            while len(self._held) > self._size:
                self._held.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._held)

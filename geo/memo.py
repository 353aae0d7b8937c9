"""A thread-safe memo for pure analytic results, bounded in bytes.

The app keeps one analytics object per worker and many users ask for many
parameter combinations (d0 alone has ~100 settings; one LSOA x practice decay
matrix at d0 = 10 km is ~40 MB, at 1.6 km ~1 MB), so a bound on the number
of entries says nothing about memory. Each entry's size is estimated from
its arrays (`estimate_bytes`) and the least recently used entries are dropped
once the memo holds more than `max_bytes`; a dropped result is recomputed,
identically, if asked for again. Concurrent requests for the same key wait
for the one computation instead of repeating it. Keys asked for with `share`
have a second level behind the memo: the results store the workers share
(data/results.py), so what one worker computed the others only read.
"""
from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

if TYPE_CHECKING:
    from data.results import SharedResults

T = TypeVar("T")
MB = 1024 * 1024
GEOMETRY_OVERHEAD = 120  # bytes per shapely geometry besides its coordinates (GEOS object, Python wrapper)
SCALARS = frozenset({str, int, float, bool, bytes})  # in a container: counted by size, without the walk


def estimate_bytes(value, shared: frozenset[int] = frozenset()) -> int:
    """Approximate memory held by `value`: arrays, sparse matrices, frames, geometries, text and containers of
    them (each object counted once). Objects whose id is in `shared` (e.g. the tidy model's frames, which a
    result only refers to) count nothing."""
    seen: set[int] = set(shared)
    visited: list = []  # kept alive while counting: a freed temporary (a frame's column Series) frees its id for reuse

    def item(obj, depth: int) -> int:
        """A container's item: a scalar by its own size (a repeated string counted again, an over-estimate
        that spares the walk a call per item), anything else walked."""
        return sys.getsizeof(obj) if type(obj) in SCALARS else size(obj, depth)

    def size(obj, depth: int) -> int:
        if id(obj) in seen or depth > 8 or obj is None:
            return 0
        seen.add(id(obj))
        visited.append(obj)
        if isinstance(obj, np.ndarray):
            if obj.dtype == object:
                return obj.nbytes + sum(size(item, depth + 1) for item in obj.ravel().tolist())
            return obj.nbytes if obj.base is None else 0  # a view holds no memory of its own
        if sp.issparse(obj):
            return sum(getattr(obj, name).nbytes for name in ("data", "indices", "indptr", "row", "col", "coords")
                       if isinstance(getattr(obj, name, None), np.ndarray))
        if isinstance(obj, pd.DataFrame):
            return sum(size(obj[column], depth + 1) for column in obj.columns) + int(obj.index.memory_usage(deep=True))
        if isinstance(obj, pd.Series):
            if obj.dtype.name == "geometry":
                geometries = np.asarray(obj.array)
                return int(16 * shapely.get_num_coordinates(geometries).sum()) + GEOMETRY_OVERHEAD * len(obj)
            return int(obj.memory_usage(index=False, deep=True))
        if isinstance(obj, pd.Index):
            return int(obj.memory_usage(deep=True))
        if isinstance(obj, (bytes, bytearray, str)):
            return sys.getsizeof(obj)
        if isinstance(obj, dict):
            return sys.getsizeof(obj) + sum(item(k, depth + 1) + item(v, depth + 1) for k, v in obj.items())
        if isinstance(obj, (list, tuple, set, frozenset)):
            return sys.getsizeof(obj) + sum(item(value, depth + 1) for value in obj)
        if dataclasses.is_dataclass(obj):
            return sum(size(getattr(obj, f.name), depth + 1) for f in dataclasses.fields(obj))
        if hasattr(obj, "__dict__"):
            return sys.getsizeof(obj) + size(vars(obj), depth + 1)
        return sys.getsizeof(obj)

    return size(value, 0)


class Memo:
    """Least-recently-used memo holding at most `max_bytes` (as `size` estimates each value); a value larger
    than the whole budget is returned but not kept."""

    def __init__(self, max_bytes: int, size: Callable[[object], int] = estimate_bytes,
                 shared: SharedResults | None = None, namespace: str = ""):
        self.max_bytes = max_bytes
        self._size = size
        self._shared, self._namespace = shared, namespace
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._pending: dict[Hashable, threading.Lock] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def _lookup(self, key: Hashable):
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def get(self, key: Hashable, compute: Callable[[], T], share: bool = False) -> T:
        """The value of `key`, computed once. `share`: on a miss, read it from (or leave it in) the shared
        results store, so another worker's computation is reused; for results that cost far more to compute
        than to read (the key's repr names it there, so it must name everything the value depends on)."""
        if share and self._shared is not None:
            compute = partial(self._shared.get, f"{self._namespace}/{key!r}", compute)
        with self._lock:
            entry = self._lookup(key)
            if entry is not None:
                return entry[0]
            running = self._pending.get(key)
            owner = running is None
            if owner:
                running = self._pending[key] = threading.Lock()
                running.acquire()
        if not owner:
            with running:  # another thread computes this key: wait for it, then use its result
                pass
            with self._lock:
                entry = self._lookup(key)
            return entry[0] if entry is not None else compute()
        try:
            value = compute()  # outside the memo's lock: other keys stay available meanwhile
            self._store(key, value)
            return value
        finally:
            with self._lock:
                self._pending.pop(key, None)
            running.release()

    def _store(self, key: Hashable, value) -> None:
        nbytes = self._size(value)
        with self._lock:
            if nbytes > self.max_bytes:
                return
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            self._entries[key] = (value, nbytes)
            self._bytes += nbytes
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    @property
    def nbytes(self) -> int:
        """Estimated bytes held."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

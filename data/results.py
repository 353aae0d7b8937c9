"""Derived results shared by the app's worker processes: a store of bytes keyed by content, atomic writes.

gunicorn runs several workers, each with its own memory. A worker that computes a pure result (a measure
cube, say) puts its bytes here, and the others read them instead of computing again. Keys name what the result
depends on (the data and code version, the parameters), so an entry never goes stale: new data or code simply
means new keys. `lock(key)` lets one process compute a key while the others wait for its entry.

`FileStore` (the default) keeps one file per key in the cache directory's results/ folder, written to a
temporary file and renamed into place, so a reader sees a whole entry or none, and pruned oldest first beyond
`max_bytes`. It serves the workers of one host. For several hosts behind a load balancer, set
GP_ATLAS_RESULTS to a Redis URL (`redis://cache-host:6379/0`, with the `redis` package installed):
`RedisStore` keeps the same entries in Redis, with Redis's own expiry and memory limit (docs/SCALING.md).
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from data.cache import file_lock
from data.config import cache_dir

log = logging.getLogger(__name__)
MB = 1024 * 1024
DEFAULT_MAX_BYTES = 512 * MB
REDIS_TTL_S = 30 * 24 * 3600  # entries never go stale; the expiry only returns space from old versions
# A file store is scanned (every entry's size and age) once a process has written this share of its budget
# since its last scan, or may have passed the budget, and is then pruned to PRUNE_TO of it: a scan of thousands
# of files costs a quarter of a second, too much for every put. So the store may exceed its budget by what the
# other processes wrote since their last scans: at most PRUNE_EVERY of it each.
PRUNE_EVERY, PRUNE_TO = 0.05, 0.9


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class FileStore:
    """Entries as files `<root>/<2 hex>/<sha256 of key>`; one host's processes share them."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES):
        self.root, self.max_bytes = Path(root), max_bytes
        self._prune_lock = threading.Lock()
        self._scanned_bytes = 0  # the store's size at this process's last scan
        self._written_bytes = 0  # what this process has written since

    def _path(self, key: str) -> Path:
        name = digest(key)
        return self.root / name[:2] / name

    def get(self, key: str) -> bytes | None:
        try:
            return self._path(key).read_bytes()
        except OSError:
            return None

    def put(self, key: str, value: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, staging = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(value)
            os.replace(staging, path)
        except OSError:
            Path(staging).unlink(missing_ok=True)
            raise
        self._prune(len(value))

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Held by one process at a time per key: compute under it, then put."""
        with file_lock(self._path(key)):
            yield

    def _prune(self, written: int) -> None:
        """Drop the least recently written entries down to PRUNE_TO of max_bytes, when a scan is due."""
        with self._prune_lock:
            self._written_bytes += written
            if (self._written_bytes < PRUNE_EVERY * self.max_bytes
                    and self._scanned_bytes + self._written_bytes <= self.max_bytes):
                return
            entries = self._entries()
            total = sum(size for _, size, _ in entries)
            if total > self.max_bytes:
                for _, size, path in sorted(entries):
                    if total <= PRUNE_TO * self.max_bytes:
                        break
                    path.unlink(missing_ok=True)
                    total -= size
            self._scanned_bytes, self._written_bytes = total, 0

    def _entries(self) -> list[tuple[float, int, Path]]:
        """(time written, bytes, path) of every entry."""
        return [(stat.st_mtime, stat.st_size, path) for path in self.root.glob("??/*")
                if not path.name.startswith(".") and (stat := _stat(path))]


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:  # removed by another process meanwhile
        return None


class RedisStore:
    """The same entries in Redis, shared by every host that points at it (`client`: a redis-py client)."""

    def __init__(self, client, prefix: str = "gp-atlas:", ttl_s: int = REDIS_TTL_S):
        self.client, self.prefix, self.ttl_s = client, prefix, ttl_s

    def get(self, key: str) -> bytes | None:
        return self.client.get(self.prefix + digest(key))

    def put(self, key: str, value: bytes) -> None:
        self.client.set(self.prefix + digest(key), value, ex=self.ttl_s)

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        with self.client.lock(self.prefix + "lock:" + digest(key), timeout=300, blocking_timeout=300):
            yield


def results_store(configured: str | None = None) -> FileStore | RedisStore:
    """The store named by GP_ATLAS_RESULTS (a redis:// URL), else files in the cache directory."""
    configured = os.environ.get("GP_ATLAS_RESULTS") if configured is None else configured
    if configured and configured.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis
        except ImportError as exc:
            raise RuntimeError("GP_ATLAS_RESULTS names a Redis server: pip install redis") from exc
        return RedisStore(redis.Redis.from_url(configured))
    return FileStore(cache_dir() / "results")


class SharedResults:
    """Pure results under a version, computed by one worker and read by the others: the second level of a
    worker's memo (geo/memo.py). A key is computed once across workers (under the store's lock); a store that
    cannot be read or written costs speed, never the answer. `dumps`/`loads` default to pickle: the store is
    this deployment's own cache, written only by its workers."""

    def __init__(self, store: FileStore | RedisStore, version: str):
        self.store, self.version = store, version

    def get(self, key: str, compute: Callable[[], object], dumps: Callable[[object], bytes] = pickle.dumps,
            loads: Callable[[bytes], object] = pickle.loads):
        name = f"{self.version}/{key}"
        cached = self.store.get(name)
        if cached is not None:
            return loads(cached)
        with ExitStack() as held:
            try:
                held.enter_context(self.store.lock(name))
            except OSError as exc:
                log.warning("results store cannot be locked (%s); computing %s here", exc, key)
                return compute()
            cached = self.store.get(name)
            if cached is None:
                value = compute()
                self._put(name, dumps(value))
                return value
        return loads(cached)

    def _put(self, name: str, value: bytes) -> None:
        try:
            self.store.put(name, value)
        except OSError as exc:
            log.warning("results store cannot be written (%s); %s stays in this worker only", exc, name)

"""The results store the workers share: whole entries or none, bounded in bytes, computed once across
processes, and a store that fails costs speed, never the answer."""
import os

import numpy as np
import pytest

from data.results import FileStore, SharedResults
from geo.memo import Memo


def test_a_put_entry_is_read_back_and_an_unknown_key_is_none(tmp_path):
    store = FileStore(tmp_path)
    store.put("v1/cube", b"bytes")
    assert store.get("v1/cube") == b"bytes"
    assert store.get("v2/cube") is None
    assert not list(tmp_path.glob("??/.tmp-*"))  # the staging file was renamed into place


def test_the_store_drops_the_oldest_entries_beyond_its_budget(tmp_path):
    store = FileStore(tmp_path, max_bytes=25)
    for age, key in enumerate(["a", "b", "c"]):
        store.put(key, b"x" * 10)
        os.utime(store._path(key), (1_000 + age, 1_000 + age))  # a is the oldest, whatever the clock's grain
    store.put("d", b"x" * 10)
    assert [store.get(key) is not None for key in "abcd"] == [False, False, True, True]


def test_a_store_is_scanned_once_per_twentieth_of_its_budget_written_and_pruned_below_it(tmp_path, monkeypatch):
    store = FileStore(tmp_path, max_bytes=1000)
    scans = []
    entries = store._entries
    monkeypatch.setattr(store, "_entries", lambda: scans.append(1) or entries())
    for key in range(20):
        store.put(str(key), b"x" * 10)
    assert len(scans) == 4  # every 50 bytes written, not every put
    for key in range(20, 120):  # 1,200 bytes: past the budget, so pruned, to 900 bytes at most
        store.put(str(key), b"x" * 10)
    assert sum(size for _, size, _ in entries()) <= 1000 and store.get("0") is None and store.get("119")


def test_a_result_is_computed_once_and_read_by_another_worker(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"values": np.arange(3)}

    first = SharedResults(FileStore(tmp_path), "v1").get("cube", compute)
    second = SharedResults(FileStore(tmp_path), "v1").get("cube", compute)  # another process's view
    assert calls == [1]
    np.testing.assert_array_equal(second["values"], first["values"])
    SharedResults(FileStore(tmp_path), "v2").get("cube", compute)  # new data or code: a new key
    assert calls == [1, 1]


def test_custom_encodings_are_used_both_ways(tmp_path):
    shared = SharedResults(FileStore(tmp_path), "v1")
    shared.get("text", lambda: "abc", dumps=str.encode, loads=bytes.decode)
    assert shared.store.get("v1/text") == b"abc"
    assert shared.get("text", lambda: pytest.fail("recomputed"), dumps=str.encode, loads=bytes.decode) == "abc"


class BrokenStore(FileStore):
    def __init__(self, root, fail: str):
        super().__init__(root)
        self.fail = fail

    def put(self, key, value):
        if self.fail == "put":
            raise OSError("disk full")
        super().put(key, value)

    def lock(self, key):
        if self.fail == "lock":
            raise PermissionError("read-only cache")
        return super().lock(key)


@pytest.mark.parametrize("fail", ["put", "lock"])
def test_a_store_that_fails_still_returns_the_answer_computed_once(tmp_path, fail, caplog):
    calls = []
    shared = SharedResults(BrokenStore(tmp_path, fail), "v1")
    assert shared.get("cube", lambda: calls.append(1) or 42) == 42
    assert calls == [1]
    assert "results store cannot" in caplog.text


def test_a_memo_shares_only_the_keys_asked_for_with_share(tmp_path):
    first = Memo(10_000, shared=SharedResults(FileStore(tmp_path), "v1"), namespace="tables")
    second = Memo(10_000, shared=SharedResults(FileStore(tmp_path), "v1"), namespace="tables")
    calls = []

    def compute(name):
        calls.append(name)
        return np.ones(4)

    first.get(("series", "gp_fte"), lambda: compute("shared"), share=True)
    first.get("local", lambda: compute("local"))
    np.testing.assert_array_equal(second.get(("series", "gp_fte"), lambda: compute("again"), share=True), np.ones(4))
    second.get("local", lambda: compute("local"))
    assert calls == ["shared", "local", "local"]
    assert len(second) == 2  # what it read from the store is in its own memo now

import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from geo.memo import Memo, estimate_bytes
from geo.params import grid_d0


def array(kilobytes: int) -> np.ndarray:
    return np.zeros(kilobytes * 128)  # 128 float64 = 1 kB


def test_memo_is_bounded_in_bytes_and_drops_the_least_recently_used():
    memo, calls = Memo(max_bytes=3_000), []

    def compute(key):
        calls.append(key)
        return array(1)

    memo.get("a", lambda: compute("a"))
    memo.get("b", lambda: compute("b"))
    memo.get("a", lambda: compute("a"))  # cached, now the most recent
    memo.get("c", lambda: compute("c"))  # 3 x 1,024 > 3,000: drops b, the least recently used
    assert len(memo) == 2 and memo.nbytes == 2 * 1024
    memo.get("b", lambda: compute("b"))
    assert calls == ["a", "b", "c", "b"]


def test_a_value_larger_than_the_budget_is_returned_but_not_kept():
    memo = Memo(max_bytes=1_000)
    assert len(memo.get("big", lambda: array(2))) == 256
    assert len(memo) == 0 and memo.nbytes == 0


def test_one_large_value_evicts_as_many_small_ones_as_it_needs():
    memo = Memo(max_bytes=4 * 1024)
    for key in "abcd":
        memo.get(key, lambda: array(1))
    memo.get("big", lambda: array(3))
    assert len(memo) == 2 and memo.nbytes == 4 * 1024  # b, c dropped as well as a; d and big stay


def test_concurrent_requests_for_one_key_compute_it_once():
    memo, calls = Memo(max_bytes=10_000), []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return array(1)

    results = []
    threads = [threading.Thread(target=lambda: results.append(memo.get("k", slow))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and len(results) == 4 and all(r is results[0] for r in results)


def test_a_failed_computation_raises_for_its_caller_and_is_tried_again_later():
    memo = Memo(max_bytes=10_000)
    with pytest.raises(ZeroDivisionError):
        memo.get("k", lambda: 1 / 0)
    assert memo.get("k", lambda: 7) == 7


def test_estimate_counts_arrays_sparse_matrices_frames_and_containers_once():
    values = np.arange(1000, dtype=float)                         # 8,000 bytes
    matrix = sp.csr_matrix(np.eye(100))                            # 100 data + 100 indices + 101 indptr
    frame = pd.DataFrame({"x": np.zeros(500), "n": np.zeros(500, dtype="int32")})  # 4,000 + 2,000 + index
    assert estimate_bytes(values) == 8_000
    assert estimate_bytes(matrix) == matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes
    assert 6_000 <= estimate_bytes(frame) <= 6_200
    assert 8_000 < estimate_bytes((values, values, {"again": values}, [values])) < 9_000  # the array once
    assert estimate_bytes(values[:10]) == 0                        # a view holds no memory of its own
    names = ["Archway", "Archway", 7]  # scalars in a container: each by its own size, a repeat counted again
    assert estimate_bytes(names) == sys.getsizeof(names) + 2 * sys.getsizeof("Archway") + sys.getsizeof(7)
    assert 0 < estimate_bytes((values, frame), shared=frozenset({id(values)})) - estimate_bytes(frame) < 100


def test_d0_keys_are_on_the_100_m_grid():
    assert grid_d0(1600) == 1600.0 and grid_d0(2500.0) == 2500.0
    with pytest.raises(ValueError, match="multiple of 100 m"):
        grid_d0(1649.5)

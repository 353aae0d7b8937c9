from geo.memo import Memo


def test_memo_returns_cached_value_and_drops_least_recently_used():
    memo, calls = Memo(max_entries=2), []

    def compute(key):
        calls.append(key)
        return key * 10

    assert memo.get(1, lambda: compute(1)) == 10
    assert memo.get(2, lambda: compute(2)) == 20
    assert memo.get(1, lambda: compute(1)) == 10  # cached, and now most recent
    memo.get(3, lambda: compute(3))  # evicts 2, the least recently used
    assert len(memo) == 2
    memo.get(2, lambda: compute(2))
    assert calls == [1, 2, 3, 2]

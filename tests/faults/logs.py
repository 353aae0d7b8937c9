"""What the app logs while a fault is tried (Hypothesis tests cannot take pytest's function-scoped caplog)."""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def log_records(level: int) -> Iterator[list[logging.LogRecord]]:
    """The records at `level` or above that reach the root logger inside the block."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(level)
    handler.emit = records.append
    logging.getLogger().addHandler(handler)
    try:
        yield records
    finally:
        logging.getLogger().removeHandler(handler)

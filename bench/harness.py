"""Timing helpers shared by the bench scripts: medians over repeated runs, printed with ratios."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(run: Callable[[], object], runs: int = 7, warmup: int = 1) -> float:
    """Median wall time of `run` over `runs` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        run()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def report(name: str, seconds: float, budget: float | None = None, baseline: tuple[str, float] | None = None) -> str:
    """One line: median, the budget verdict and the ratio to a baseline measured in the same run."""
    line = f"{name}: median {seconds * 1000:,.2f} ms"
    if budget is not None:
        line += f" (budget {budget * 1000:,.0f} ms: {'OK' if seconds < budget else 'OVER'})"
    if baseline is not None:
        label, base = baseline
        line += f"; {label} {base * 1000:,.2f} ms -> {base / seconds:,.1f}x"
    print(line, flush=True)
    return line


def real_services():
    """The services over the real bundle, built as the app builds them (the cache builds itself if needed)."""
    from data.loader import load_atlas
    from layout.services import AtlasServices
    return AtlasServices(load_atlas())

"""Colour classes for choropleths: quantiles and natural breaks (via mapclassify) or a continuous scale.

Colours always mean the same thing whatever the measure: the darkest red is
the poorest provision (low access, or many patients per GP), pale yellow the
best, so a planner never has to check which way a legend runs.

Natural breaks are the Jenks optimum (minimum within-class sum of squares,
the quantity `mapclassify.FisherJenks` minimises). mapclassify's own Jenks is
O(k n^2) in pure Python without numba (~45 s for London's 4,835 LSOAs) and its
k-means `NaturalBreaks` is randomly initialised (two workers could draw
different legends for one link), so `jenks_breaks` solves the same dynamic
programme vectorised on a 512-quantile summary of the values: deterministic
and ~30 ms.
"""
from __future__ import annotations

from dataclasses import dataclass

import mapclassify
import numpy as np

YL_OR_RD = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")  # ColorBrewer YlOrRd-5, best -> poorest
NO_DATA_COLOUR = "#d9d9d9"
JENKS_SUMMARY = 512
CONTINUOUS_RANGE = (2, 98)  # percentiles: one outlier must not wash out the whole map


@dataclass(frozen=True)
class Classing:
    scheme: str
    z: list                 # per area: class index (classed) or value (continuous); None = no data
    colorscale: list
    zmin: float
    zmax: float
    tickvals: list
    ticktext: list
    colours: list           # per area hex colour (for exports), NO_DATA_COLOUR where missing
    labels: list            # per area class label ("" for continuous)


def jenks_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of k Jenks classes of finite `values` (the last is the maximum).

    Exact on up to JENKS_SUMMARY distinct values; beyond that it is exact on
    the evenly spaced quantiles, which is what a map legend can resolve.
    """
    data = np.sort(np.asarray(values, dtype=float))
    x = np.unique(data)
    if len(x) > JENKS_SUMMARY:
        x = np.quantile(data, np.linspace(0, 1, JENKS_SUMMARY))
    k = min(k, len(x))
    m = len(x)
    s1, s2 = np.concatenate([[0.0], np.cumsum(x)]), np.concatenate([[0.0], np.cumsum(x * x)])
    start, end = np.meshgrid(np.arange(m), np.arange(m), indexing="ij")
    count = end - start + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        ssd = (s2[end + 1] - s2[start]) - (s1[end + 1] - s1[start]) ** 2 / count
    ssd = np.where(count > 0, np.maximum(ssd, 0.0), np.inf)   # ssd[a, b]: one class from a to b
    cost = ssd[0].copy()                                      # one class ending at b
    choice = np.zeros((k, m), dtype=int)
    for j in range(1, k):
        previous = np.concatenate([[np.inf], cost[:-1]])      # best j classes ending at a - 1
        total = previous[:, None] + ssd                       # then a class from a to b
        choice[j] = np.argmin(total, axis=0)
        cost = total[choice[j], np.arange(m)]
    ends, b = [], m - 1
    for j in range(k - 1, 0, -1):
        ends.append(b)
        b = choice[j][b] - 1
    ends.append(b)
    bounds = x[np.array(ends[::-1])]
    bounds[-1] = data[-1]
    return np.unique(bounds)


def class_bounds(values: np.ndarray, scheme: str, k: int = 5) -> np.ndarray:
    """Upper bounds of the classes (mapclassify's convention: class i holds bounds[i-1] < v <= bounds[i])."""
    finite = values[np.isfinite(values)]
    if scheme == "quantiles":
        return np.unique(mapclassify.Quantiles(finite, k=min(k, len(np.unique(finite)))).bins)
    if scheme == "natural_breaks":
        return jenks_breaks(finite, k)
    raise ValueError(f"not a classed scheme: {scheme!r}")


def _palette(n: int, poor: str) -> list[str]:
    colours = list(YL_OR_RD) if n == len(YL_OR_RD) else [
        YL_OR_RD[int(round(i * (len(YL_OR_RD) - 1) / max(n - 1, 1)))] for i in range(n)]
    return colours if poor == "high" else colours[::-1]


def classify(values, scheme: str, poor: str, decimals: int, k: int = 5) -> Classing:
    """Colours, legend ticks and per-area z for one set of area values (NaN = no data)."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    if not finite.any():
        return Classing(scheme, [None] * len(values), [[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]], 0, 1, [], [],
                        [NO_DATA_COLOUR] * len(values), [""] * len(values))
    fmt = f"{{:,.{decimals}f}}"
    if scheme == "continuous":
        low, high = np.percentile(values[finite], CONTINUOUS_RANGE)
        high = high if high > low else low + 1
        scale = list(YL_OR_RD) if poor == "high" else list(YL_OR_RD)[::-1]
        stops = np.linspace(0, 1, len(scale))
        ticks = np.linspace(low, high, 5)
        position = np.clip((values - low) / (high - low), 0, 1)
        index = np.where(finite, np.rint(position * (len(scale) - 1)), 0).astype(int)
        return Classing(scheme, _listed(values), [[float(s), c] for s, c in zip(stops, scale)], float(low),
                        float(high), [float(t) for t in ticks], [fmt.format(t) for t in ticks],
                        [scale[i] if ok else NO_DATA_COLOUR for i, ok in zip(index, finite)], [""] * len(values))
    bounds = class_bounds(values, scheme, k)
    classes = np.searchsorted(bounds, values, side="left").clip(0, len(bounds) - 1)
    colours = _palette(len(bounds), poor)
    lower = np.concatenate([[values[finite].min()], bounds[:-1]])
    counts = np.bincount(classes[finite], minlength=len(bounds))
    text = [f"{fmt.format(lo)} – {fmt.format(hi)}" for lo, hi in zip(lower, bounds)]
    steps = [[edge, colour] for i, colour in enumerate(colours)
             for edge in (i / len(colours), (i + 1) / len(colours))]
    return Classing(
        scheme, [int(c) if ok else None for c, ok in zip(classes, finite)], steps, -0.5, len(bounds) - 0.5,
        list(range(len(bounds))), [f"{t} ({n:,})" for t, n in zip(text, counts)],
        [colours[c] if ok else NO_DATA_COLOUR for c, ok in zip(classes, finite)],
        [text[c] if ok else "no data" for c, ok in zip(classes, finite)])


def _listed(values: np.ndarray) -> list:
    return [None if not np.isfinite(v) else float(v) for v in values]

"""Class positions for choropleths: quantiles, natural breaks (Jenks) or a continuous scale, per area.

Pure numbers (which class or shade each area falls in, and the class bounds), so that the measure cube
(geo/cube.py) and the map's colours (layout/classes.py, which owns the palettes and legend text) come from
one classification. Class 0 holds the lowest values; an area without data gets the position after the last.

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

import numpy as np

SCHEMES = ("quantiles", "natural_breaks", "continuous")
JENKS_SUMMARY = 512
CONTINUOUS_RANGE = (2, 98)  # percentiles: one outlier must not wash out the whole map
CONTINUOUS_SHADES = 64      # a 'continuous' scale is drawn in this many shades: finer than the eye separates


@dataclass(frozen=True)
class ClassPositions:
    """Each area's class (or shade), and what the classes span."""

    scheme: str
    index: np.ndarray   # per area: 0 .. count - 1, or `count` where the area has no data
    count: int          # classes (or CONTINUOUS_SHADES)
    lower: np.ndarray   # classed: each class's lowest bound; continuous: the low end of the scale
    upper: np.ndarray   # classed: each class's upper bound; continuous: the high end of the scale
    counts: np.ndarray  # areas per class (classed schemes)
    missing: int        # areas without data


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


def quantile_bounds(finite: np.ndarray, k: int) -> np.ndarray:
    """mapclassify.Quantiles' bins (its percentile steps, linear interpolation, ties collapsed) without importing
    mapclassify and scipy.stats, which took 2 s of the app's start."""
    step = 100.0 / k
    percents = np.minimum(np.arange(step, 100 + step, step), 100.0)
    return np.unique(np.percentile(finite, percents))


def class_bounds(values: np.ndarray, scheme: str, k: int = 5) -> np.ndarray:
    """Upper bounds of the classes (mapclassify's convention: class i holds bounds[i-1] < v <= bounds[i])."""
    finite = values[np.isfinite(values)]
    if scheme == "quantiles":
        return quantile_bounds(finite, min(k, len(np.unique(finite))))
    if scheme == "natural_breaks":
        return jenks_breaks(finite, k)
    raise ValueError(f"not a classed scheme: {scheme!r}")


def class_positions(values, scheme: str, k: int = 5) -> ClassPositions:
    """Class (or shade) of every area for one set of values (NaN = no data); at least one value is finite."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    missing = int((~finite).sum())
    if scheme == "continuous":
        low, high = np.percentile(values[finite], CONTINUOUS_RANGE)
        high = high if high > low else low + 1
        position = np.clip((values - low) / (high - low), 0, 1)
        index = np.where(finite, np.rint(position * (CONTINUOUS_SHADES - 1)), CONTINUOUS_SHADES).astype(int)
        return ClassPositions(scheme, index, CONTINUOUS_SHADES, np.array([low]), np.array([high]),
                              np.bincount(index[finite], minlength=CONTINUOUS_SHADES), missing)
    bounds = class_bounds(values, scheme, k)
    index = np.where(finite, np.searchsorted(bounds, values, side="left").clip(0, len(bounds) - 1), len(bounds))
    lower = np.concatenate([[values[finite].min()], bounds[:-1]])
    return ClassPositions(scheme, index.astype(int), len(bounds), lower, bounds,
                          np.bincount(index[finite], minlength=len(bounds)), missing)

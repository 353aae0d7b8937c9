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

# ColorBrewer YlOrRd-9's odd classes, best -> poorest: YlOrRd-5's darkest steps are too close for deuteranopes
# (CIEDE2000 9 between its 2nd and 3rd classes); these stay >= 11 apart under protanopia, deuteranopia and
# tritanopia (tests/test_layout_colours.py simulates them), and the mid grey for 'no data' >= 20 from each.
YL_OR_RD = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
NO_DATA_COLOUR = "#969696"
SWATCH_BORDER = "#4d4d4d"  # legend swatch edges: 8.4:1 on white, so a pale class still reads as a box (WCAG 1.4.11)
JENKS_SUMMARY = 512
CONTINUOUS_RANGE = (2, 98)  # percentiles: one outlier must not wash out the whole map
CONTINUOUS_SHADES = 64      # a 'continuous' scale is drawn in this many shades: finer than the eye separates


@dataclass(frozen=True)
class Classing:
    """Every area's colour as a position in a short palette, so a map can be recoloured by sending one small
    integer per area (the browser looks the colour up) and a legend can be drawn from the palette alone."""

    scheme: str
    palette: tuple[str, ...]  # class colours, or CONTINUOUS_SHADES shades; NO_DATA_COLOUR last if an area lacks data
    index: list[int]          # per area: position of its colour in `palette`
    tickvals: list[float]     # legend ticks, as positions in `palette`
    ticktext: list[str]
    labels: list[str]         # per area class label ("" for continuous, "no data" where missing)
    missing: int = 0          # areas without data (then the last palette colour and tick are 'no data')

    @property
    def colours(self) -> list[str]:
        """Per area hex colour (for exports)."""
        return [self.palette[i] for i in self.index]

    @property
    def zmin(self) -> float:
        return -0.5

    @property
    def zmax(self) -> float:
        return len(self.palette) - 0.5

    @property
    def colorscale(self) -> list:
        """Plotly colour scale with one flat band per palette colour, for z = `index` between zmin and zmax."""
        n = len(self.palette)
        return [[edge, colour] for i, colour in enumerate(self.palette) for edge in (i / n, (i + 1) / n)]


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


def shades(stops, n: int) -> list[str]:
    """n colours evenly spaced along the stops, interpolated linearly in RGB (as Plotly draws a scale)."""
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in stops], dtype=float)
    position = np.linspace(0, len(stops) - 1, n)
    lower = np.minimum(position.astype(int), len(stops) - 2)
    mixed = rgb[lower] + (position - lower)[:, None] * (rgb[lower + 1] - rgb[lower])
    return ["#{:02x}{:02x}{:02x}".format(*colour) for colour in np.rint(mixed).astype(int)]


def classify(values, scheme: str, poor: str, decimals: int, k: int = 5) -> Classing:
    """Palette, per-area colour index and legend ticks for one set of area values (NaN = no data)."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    missing = int((~finite).sum())
    if not finite.any():
        return Classing(scheme, (NO_DATA_COLOUR,), [0] * len(values), [0], [f"no data ({len(values):,})"],
                        ["no data"] * len(values), len(values))
    fmt = f"{{:,.{decimals}f}}"
    if scheme == "continuous":
        low, high = np.percentile(values[finite], CONTINUOUS_RANGE)
        high = high if high > low else low + 1
        palette = shades(YL_OR_RD if poor == "high" else YL_OR_RD[::-1], CONTINUOUS_SHADES)
        position = np.clip((values - low) / (high - low), 0, 1)
        index = np.where(finite, np.rint(position * (CONTINUOUS_SHADES - 1)), CONTINUOUS_SHADES).astype(int)
        ticks = np.linspace(low, high, 5)
        tickvals = [float(t) for t in np.linspace(0, CONTINUOUS_SHADES - 1, 5)]
        ticktext, labels = [fmt.format(t) for t in ticks], ["" if ok else "no data" for ok in finite]
    else:
        bounds = class_bounds(values, scheme, k)
        palette = _palette(len(bounds), poor)
        index = np.where(finite, np.searchsorted(bounds, values, side="left").clip(0, len(bounds) - 1), len(bounds))
        lower = np.concatenate([[values[finite].min()], bounds[:-1]])
        counts = np.bincount(index[finite], minlength=len(bounds))
        text = [f"{fmt.format(lo)} – {fmt.format(hi)}" for lo, hi in zip(lower, bounds, strict=True)]
        tickvals = list(range(len(bounds)))
        ticktext = [f"{t} ({n:,})" for t, n in zip(text, counts, strict=True)]
        labels = [text[c] if ok else "no data" for c, ok in zip(index, finite, strict=True)]
    if missing:
        tickvals, ticktext = tickvals + [len(palette)], ticktext + [f"no data ({missing:,})"]
        palette = palette + [NO_DATA_COLOUR]
    return Classing(scheme, tuple(palette), [int(i) for i in index], tickvals, ticktext, labels, missing)

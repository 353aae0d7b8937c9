"""Colours and legend text for choropleths, over the class positions of geo/classes.py.

Colours always mean the same thing whatever the measure: the darkest red is
the poorest provision (low access, or many patients per GP), pale yellow the
best, so a planner never has to check which way a legend runs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from geo.classes import CONTINUOUS_SHADES, ClassPositions, class_positions

# ColorBrewer YlOrRd-9's odd classes, best -> poorest: YlOrRd-5's darkest steps are too close for deuteranopes
# (CIEDE2000 9 between its 2nd and 3rd classes); these stay >= 11 apart under protanopia, deuteranopia and
# tritanopia (tests/test_layout_colours.py simulates them), and the mid grey for 'no data' >= 20 from each.
YL_OR_RD = ("#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026")
NO_DATA_COLOUR = "#969696"
SWATCH_BORDER = "#4d4d4d"  # legend swatch edges: 8.4:1 on white, so a pale class still reads as a box (WCAG 1.4.11)


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


def class_palette(n: int, poor: str) -> list[str]:
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
    positions = class_positions(values, scheme, k) if np.isfinite(values).any() else None
    return classing(scheme, positions, values, poor, decimals)


def classing(scheme: str, positions: ClassPositions | None, values, poor: str, decimals: int) -> Classing:
    """Colours and legend text for class positions computed already (geo/classes.py; None: no value at all)."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    if positions is None:
        return Classing(scheme, (NO_DATA_COLOUR,), [0] * len(values), [0], [f"no data ({len(values):,})"],
                        ["no data"] * len(values), len(values))
    fmt = f"{{:,.{decimals}f}}"
    index, missing = positions.index, positions.missing
    if scheme == "continuous":
        palette = shades(YL_OR_RD if poor == "high" else YL_OR_RD[::-1], CONTINUOUS_SHADES)
        ticks = np.linspace(positions.lower[0], positions.upper[0], 5)
        tickvals = [float(t) for t in np.linspace(0, CONTINUOUS_SHADES - 1, 5)]
        ticktext, labels = [fmt.format(t) for t in ticks], ["" if ok else "no data" for ok in finite]
    else:
        palette = class_palette(positions.count, poor)
        text = [f"{fmt.format(lo)} – {fmt.format(hi)}" for lo, hi in zip(positions.lower, positions.upper, strict=True)]
        tickvals = list(range(positions.count))
        ticktext = [f"{t} ({n:,})" for t, n in zip(text, positions.counts, strict=True)]
        labels = [text[c] if ok else "no data" for c, ok in zip(index, finite, strict=True)]
    if missing:
        tickvals, ticktext = tickvals + [len(palette)], ticktext + [f"no data ({missing:,})"]
        palette = palette + [NO_DATA_COLOUR]
    return Classing(scheme, tuple(palette), [int(i) for i in index], tickvals, ticktext, labels, missing)

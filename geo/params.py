"""The analysis parameters, and every default, defined once.

Every measure, persistence class, hot-spot map and bid score depends on the
same few settings: how need is weighted, how far people travel (the E2SFCA
catchment d0), and what "persistently poor" means (in the poorest `cut` of
areas in at least `k` of the last `n` years). They travel together as one
frozen `AnalysisParams`, so a default is written here and nowhere else, and a
memo key is simply the parameter object (or the parts of it a result uses).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from geo.need import check_weighting

D0_RANGE = (200.0, 10_000.0)  # metres
D0_STEP = 100.0               # the app offers (and memoises) d0 on this grid
CUT_MAX = 0.5                 # "poor" is at most the poorest half of areas


def check_d0(d0: float) -> float:
    d0 = float(d0)
    if not (D0_RANGE[0] <= d0 <= D0_RANGE[1]):
        raise ValueError(f"d0 must be between {D0_RANGE[0]:,.0f} and {D0_RANGE[1]:,.0f} metres, got {d0:g}")
    return d0


def grid_d0(d0: float) -> float:
    """d0 as a memo key: on the D0_STEP grid (what the app offers), else ValueError. Memoised results are
    keyed by d0, so arbitrary floats would make every near-identical catchment a new entry."""
    d0 = float(d0)
    if d0 != round(d0 / D0_STEP) * D0_STEP:
        raise ValueError(f"d0 must be a multiple of {D0_STEP:,.0f} m, got {d0:g}")
    return d0


def check_window(k: int, n: int) -> tuple[int, int]:
    """k of the last n years: whole numbers with 1 <= k <= n (the message lists the valid k)."""
    def whole(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)
    if not (whole(n) and n >= 1):
        raise ValueError(f"n must be a whole number of years, at least 1 (default {AnalysisParams.n}); got {n!r}")
    if not (whole(k) and 1 <= k <= n):
        raise ValueError(f"k must be a whole number of years between 1 and n = {n}; choose one of "
                         f"{list(range(1, n + 1))}; got {k!r}")
    return k, n


def check_cut(cut: float) -> float:
    cut = float(cut)
    if not 0 < cut <= CUT_MAX:
        raise ValueError(f"cut must be a fraction in (0, {CUT_MAX}], e.g. 0.2 for the poorest fifth; got {cut:g}")
    return cut


@dataclass(frozen=True)
class AnalysisParams:
    """weights: need weighting (geo.need.WEIGHTINGS); d0: E2SFCA catchment in metres (Gaussian decay, straight
    line; 1,600 m is about a 20-minute walk); k, n: persistent = poor in at least k of the last n years with
    data; cut: poor = in the poorest `cut` share of a level's areas in a year (0.2 = bottom quintile)."""

    weights: str = "age"
    d0: float = 1600.0
    k: int = 4
    n: int = 5
    cut: float = 0.2

    def __post_init__(self):
        check_weighting(self.weights)
        object.__setattr__(self, "d0", check_d0(self.d0))
        check_window(self.k, self.n)
        object.__setattr__(self, "cut", check_cut(self.cut))

    def with_(self, **changes) -> AnalysisParams:
        return replace(self, **changes)

    @property
    def catchment(self) -> tuple[str, float]:
        """What measure values depend on (weights, d0): the memo key of every per-year result."""
        return self.weights, self.d0


DEFAULT_PARAMS = AnalysisParams()

"""Persistently poor provision: which areas sit in London's poor quintile year after year.

A single year's ranking mixes real shortfalls with noise (a practice that
missed one workforce return, a list cleaned in one year). An area that is in
the poor quintile in most recent years is a far safer target for a bid, so the
atlas classifies each area by how often it was poor in a window of years, and
adds the straight-line trend and the change over that window.

Input: a long frame ``area_code, year, value`` for one measure at one area
level (geo/measure_values.py), with the measure's polarity ``poor``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from geo.measure_values import check_fraction, check_poor, check_values_frame

PERSISTENCE_CLASSES = ("persistent", "intermittent", "never", "insufficient data")


def poor_flags(values: pd.DataFrame, cut: float = 0.2, poor: str = "low") -> pd.DataFrame:
    """Flag each area-year that is in the poor quintile (``cut``) of that year's areas.

    Definition: for each year, the threshold is
    ``numpy.quantile(that year's non-missing values, q)`` with numpy's default
    'linear' method, q = ``cut`` for ``poor="low"`` and q = ``1 - cut`` for
    ``poor="high"``. An area-year is poor when its value <= threshold
    (``poor="low"``) or >= threshold (``poor="high"``); ties with the
    threshold count as poor. A missing value gets no flag (<NA>), never False.

    Returns the rows of `values` (same order) with columns area_code, year,
    value, poor_threshold (that year's threshold) and poor (nullable boolean).
    """
    check_poor(poor)
    cut = check_fraction("cut", cut, "0.2 for the poorest fifth")
    frame = check_values_frame(values, ("area_code", "year"))
    thresholds = _yearly_thresholds(_area_by_year(frame), cut, poor)
    frame["poor_threshold"] = frame["year"].map(thresholds).astype("float64")
    flagged = _is_poor(frame["value"].to_numpy(), frame["poor_threshold"].to_numpy(), poor)
    frame["poor"] = pd.array(flagged, dtype="boolean")
    frame.loc[frame["value"].isna(), "poor"] = pd.NA
    return frame


def classify_persistence(values: pd.DataFrame, k: int = 4, n: int = 5, cut: float = 0.2, poor: str = "low",
                         end_year: int | None = None) -> pd.DataFrame:
    """Classify every area by how many of the last `n` years it was in the poor quintile.

    Definitions:

    * window: the last `n` years, among the years with any data in `values`,
      up to and including `end_year` (default: the latest such year). The
      years need not be consecutive calendar years.
    * poor in a year: exactly as `poor_flags` (quantile of all areas that year).
    * years_with_data: years in the window with a value for the area;
      years_poor: of those, the years flagged poor.
    * persistence_class: "insufficient data" if years_with_data < k, else
      "persistent" if years_poor >= k, "intermittent" if 1 <= years_poor < k,
      "never" if years_poor == 0.
    * slope_per_year: ordinary least-squares slope of value on year over the
      window years with data (NaN with fewer than 2 such years). Computed from
      per-area sums (n, sum x, sum y, sum x^2, sum xy), no loop over areas.
    * change: the area's last minus its first value among the window years
      with data (NaN with fewer than 2 such years), so a missing end year
      does not blank out the change.

    Parameters must satisfy 1 <= k <= n, n >= 1, 0 < cut < 1, and `end_year`
    must be a year with data; anything else raises ValueError naming the
    valid choices. Near the start of the series the window holds fewer than n
    years, so areas reach k years only if the window allows it.

    Returns one row per area in `values` (even areas with no value at all),
    sorted by area_code:
    area_code, window_start, window_end, years_with_data, years_poor,
    persistence_class (categorical, PERSISTENCE_CLASSES), slope_per_year, change.
    """
    check_poor(poor)
    cut = check_fraction("cut", cut, "0.2 for the poorest fifth")
    _check_whole("n", n, "a window of at least 1 year", minimum=1)
    _check_whole("k", k, f"between 1 and n = {n}; choose one of {list(range(1, n + 1))}", minimum=1, maximum=n)
    table = _area_by_year(check_values_frame(values, ("area_code", "year")))
    window_years = _window(table.columns.tolist(), n, end_year)

    window = table[window_years].to_numpy()
    has_value = ~np.isnan(window)
    thresholds = _yearly_thresholds(table[window_years], cut, poor).to_numpy()
    years_with_data = has_value.sum(axis=1)
    years_poor = (_is_poor(window, thresholds, poor) & has_value).sum(axis=1)
    persistence_class = np.select(
        [years_with_data < k, years_poor >= k, years_poor >= 1],
        ["insufficient data", "persistent", "intermittent"], default="never")
    return pd.DataFrame({
        "area_code": table.index.to_numpy(),
        "window_start": window_years[0],
        "window_end": window_years[-1],
        "years_with_data": years_with_data,
        "years_poor": years_poor,
        "persistence_class": pd.Categorical(persistence_class, categories=PERSISTENCE_CLASSES),
        "slope_per_year": _ols_slope(np.asarray(window_years, dtype="float64"), window, has_value),
        "change": _last_minus_first(window, has_value),
    })


def _check_whole(name: str, value, rule: str, minimum: int, maximum: int | None = None) -> None:
    whole = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not whole or value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be a whole number of years, {rule}; got {value!r}")


def _area_by_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Area x year matrix of values: every area in the frame, only the years with any data (sorted)."""
    table = frame.pivot(index="area_code", columns="year", values="value")
    return table.loc[:, table.notna().any()].sort_index(axis=1)


def poor_threshold(values: np.ndarray, cut: float, poor: str = "low"):
    """The threshold of "poor" over areas (see `poor_flags`): numpy's linear quantile of the non-missing values
    at `cut` (``poor="low"``) or ``1 - cut`` (``poor="high"``); one per column of a 2-D array."""
    return np.nanquantile(values, cut if poor == "low" else 1 - cut, axis=0)


def _yearly_thresholds(table: pd.DataFrame, cut: float, poor: str) -> pd.Series:
    return pd.Series(poor_threshold(table.to_numpy(), cut, poor), index=table.columns)


def _is_poor(values: np.ndarray, thresholds: np.ndarray, poor: str) -> np.ndarray:
    return values <= thresholds if poor == "low" else values >= thresholds


def _window(years: list[int], n: int, end_year: int | None) -> list[int]:
    """The last n years with data up to and including end_year (fewer near the start of the series:
    areas then lack the k years they need and come out as "insufficient data")."""
    if not years:
        raise ValueError("values has no non-missing value, so there is no year to classify")
    end_year = years[-1] if end_year is None else end_year
    if end_year not in years:
        raise ValueError(f"end_year {end_year!r} is not a year with data; choose end_year from {years}")
    end = years.index(end_year)
    return years[max(0, end - n + 1):end + 1]


def _ols_slope(years: np.ndarray, window: np.ndarray, has_value: np.ndarray) -> np.ndarray:
    """Per-row OLS slope of value on year using only the cells with a value (NaN below 2 points).

    Years are measured from the window's last year so the sums stay small and exact.
    """
    x = np.where(has_value, years - years[-1], 0.0)
    y = np.where(has_value, window, 0.0)
    count = has_value.sum(axis=1)
    sum_x, sum_y = x.sum(axis=1), y.sum(axis=1)
    numerator = count * (x * y).sum(axis=1) - sum_x * sum_y
    denominator = count * (x * x).sum(axis=1) - sum_x ** 2
    return np.divide(numerator, denominator, out=np.full(len(window), np.nan), where=count >= 2)


def _last_minus_first(window: np.ndarray, has_value: np.ndarray) -> np.ndarray:
    rows = np.arange(len(window))
    first = has_value.argmax(axis=1)
    last = window.shape[1] - 1 - has_value[:, ::-1].argmax(axis=1)
    return np.where(has_value.sum(axis=1) >= 2, window[rows, last] - window[rows, first], np.nan)

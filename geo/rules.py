"""Domain rules about practices, written once for every measure, catchment, profile and bid.

* **A practice counts in year Y** when it is a GP practice (prescribing setting 4), has a location that year,
  and is open in Y (ODS dates, `data/years.py`) or sent a workforce return for Y (a practice still reporting
  staff is still seeing patients, whatever its ODS dates say).
* **Patients per GP FTE** of a practice is its list size over its fully qualified GP FTE, defined only when
  both are positive: a missing or zero GP FTE is an incomplete workforce return (111 practices in FY2015/16),
  not a practice with infinitely many patients per GP. Any total over practices (an area, a PCN, London)
  uses the same aligned practices in numerator and denominator.
* **An implausible practice figure** is shown with a caveat, never hidden: more than
  `IMPLAUSIBLE_PATIENTS_PER_GP_FTE` patients per GP FTE (about three times London's ~2,000), or under
  `IMPLAUSIBLE_GP_FTE` fully qualified GP FTE for a list of `SMALL_LIST` or more (a partial workforce return
  is more likely than one part-time GP serving thousands).
* **Shared boundaries** coincide only after snapping to the boundary files' millimetre grid.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from data.config import SNAP_GRID_M

NO_WORKFORCE_RETURN = "no workforce return"
IMPLAUSIBLE_PATIENTS_PER_GP_FTE = 5_000
IMPLAUSIBLE_GP_FTE = 1.0
SMALL_LIST = 1_000


def practices_counted(practice_years: pd.DataFrame, year: int) -> pd.DataFrame:
    """The `practice_years` rows of the GP practices that count in `year` (rule above), index reset."""
    rows = practice_years[practice_years["year"] == year]
    active = rows["open_in_year"].fillna(False).astype(bool) | (rows["fte_status"] != NO_WORKFORCE_RETURN)
    counted = rows["is_gp"].fillna(False).astype(bool) & active & rows["easting"].notna() & rows["northing"].notna()
    return rows[counted].reset_index(drop=True)


def aligned_supply(list_size, gp_fte) -> np.ndarray:
    """True where a practice's list size and GP FTE are both positive (missing counts as not)."""
    list_size = np.asarray(pd.to_numeric(list_size, errors="coerce"), dtype=float)
    gp_fte = np.asarray(pd.to_numeric(gp_fte, errors="coerce"), dtype=float)
    return (np.nan_to_num(list_size) > 0) & (np.nan_to_num(gp_fte) > 0)


def patients_per_gp_fte(list_size, gp_fte) -> np.ndarray:
    """List size / GP FTE per practice; NaN where the two are not aligned (see the module docstring)."""
    aligned = aligned_supply(list_size, gp_fte)
    list_size = np.asarray(pd.to_numeric(list_size, errors="coerce"), dtype=float)
    gp_fte = np.asarray(pd.to_numeric(gp_fte, errors="coerce"), dtype=float)
    return np.divide(list_size, gp_fte, out=np.full(len(aligned), np.nan), where=aligned)


def aligned_ratio(list_size, gp_fte) -> float:
    """Total patients over total GP FTE of the aligned practices (NaN when there are none)."""
    aligned = aligned_supply(list_size, gp_fte)
    fte = float(np.asarray(gp_fte, dtype=float)[aligned].sum())
    return float(np.asarray(list_size, dtype=float)[aligned].sum()) / fte if fte > 0 else float("nan")


def snap_to_grid(geometries: np.ndarray) -> np.ndarray:
    """Coordinates rounded to the boundary files' millimetre grid (data.config.SNAP_GRID_M), so that the two
    copies of a shared vertex coincide exactly: contiguity and coverage dissolves depend on it."""
    return shapely.transform(geometries, lambda xy: np.round(xy / SNAP_GRID_M) * SNAP_GRID_M)



def figure_caveats(list_size, gp_fte) -> pd.Series:
    """Per practice, why its patients per GP FTE is implausible (the rule above), or None."""
    list_size = pd.Series(pd.to_numeric(pd.Series(list_size), errors="coerce"), dtype=float).reset_index(drop=True)
    gp_fte = pd.Series(pd.to_numeric(pd.Series(gp_fte), errors="coerce"), dtype=float).reset_index(drop=True)
    high = pd.Series(patients_per_gp_fte(list_size, gp_fte) > IMPLAUSIBLE_PATIENTS_PER_GP_FTE)
    low_fte = (gp_fte > 0) & (gp_fte < IMPLAUSIBLE_GP_FTE) & (list_size >= SMALL_LIST)
    reasons = pd.Series([[] for _ in range(len(gp_fte))], dtype=object)
    for flagged, text in ((high, f"over {IMPLAUSIBLE_PATIENTS_PER_GP_FTE:,} patients per GP FTE"),
                          (low_fte, f"under {IMPLAUSIBLE_GP_FTE:g} GP FTE for over {SMALL_LIST:,} patients")):
        reasons[flagged] = reasons[flagged].map(lambda found, text=text: [*found, text])
    return reasons.map(lambda found: f"Check: {' and '.join(found)}; likely an incomplete workforce return"
                       if found else None)

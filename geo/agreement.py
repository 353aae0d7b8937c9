"""Where the measures agree: per-method verdicts, E2SFCA parameter stability, robust persistence, correlations.

The four measures answer "is this area poorly served?" in different ways
(E2SFCA assumes residents use nearby practices, attributed FTE follows where
they actually register, distance ignores capacity), and the E2SFCA answer also
moves with the catchment d0 and the need weighting. A planner needs the areas
that are poor *whichever reasonable method is used*, and to know which
verdicts hinge on one parameter. Definitions:

* **poor under a measure**: in the poorest `cut` of the level's areas that
  year, exactly as `geo.persistence.poor_flags` (numpy 'linear' quantile of
  the areas with a value, ties with the threshold count as poor), with the
  measure's own polarity (`MEASURES[m].poor`: for distance and patients per GP
  FTE the *largest* values are the poorest). An area without a value for a
  measure (e.g. patients per GP FTE where no practice reports FTE for its
  residents) gets no verdict (<NA>), never "not poor".
* **methods_available**: the measures with a verdict for the area;
  **methods_poor**: of those, the ones calling it poor.
* **robust**: poor under every available method, and at least
  `MIN_METHODS` of them (one method agreeing with itself is not agreement);
  **contested**: poor under some but not all available methods.
* **stability**: the share of the `STABILITY_SETTINGS` (d0 x weighting) under
  which the area is poor by E2SFCA at its level (0-1). The sparse pair matrix
  is built once at the largest d0; each smaller d0 re-weights its entries
  (the Gaussian of `geo.access.gaussian_weight` is 0 beyond d0), so no
  KD-tree is rebuilt per setting. Areas aggregate LSOA access as the atlas
  does: sum of access x need over sum of need.
* **robust persistence**: persistent (the persistence module's k of the last
  n years) under every method with enough history for the area (not
  "insufficient data"), and at least `MIN_METHODS` such methods.
* **correlations**: Spearman rank correlation between the measures' raw
  values over the level's areas, pairwise complete. Polarity is not flipped:
  a negative coefficient between a "low is poor" and a "high is poor"
  measure means they agree.

Inputs are plain frames and arrays (geo/agreement_tables.py fetches them from
the atlas), so every rule here is testable on a handful of numbers.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.access import PER, e2sfca, gaussian_weight
from geo.measures import MEASURES
from geo.need import WEIGHTINGS
from geo.params import AnalysisParams
from geo.persistence import PERSISTENCE_CLASSES, poor_flags

METHODS = tuple(MEASURES)
MIN_METHODS = 2
STABILITY_D0 = (800.0, 1200.0, 1600.0, 2400.0, 3200.0)
STABILITY_WEIGHTINGS = tuple(WEIGHTINGS)  # every need weighting the atlas offers
STABILITY_SETTINGS = tuple(product(STABILITY_D0, STABILITY_WEIGHTINGS))  # (d0, weights), d0 outermost
PERSISTENT, NO_HISTORY = PERSISTENCE_CLASSES[0], PERSISTENCE_CLASSES[-1]  # "persistent", "insufficient data"


def verdict_column(measure: str) -> str:
    return f"poor_{measure}"


def persistence_column(measure: str) -> str:
    return f"persistence_{measure}"


# ---------------------------------------------------------------------------- agreement

def poor_verdicts(values: pd.DataFrame, params: AnalysisParams) -> pd.DataFrame:
    """Per-method verdicts and their agreement for one level and year.

    values: ``area_code`` and one column per measure of `METHODS` that has data
    at this level and year (NaN = no value for that area; a measure without a
    column has no data here). Returns area_code, poor_<measure> (nullable
    boolean, one per METHODS), methods_poor, methods_available, robust, contested.
    """
    frame = pd.DataFrame({"area_code": values["area_code"].to_numpy()})
    for measure in METHODS:
        frame[verdict_column(measure)] = _measure_verdict(values, measure, params.cut)
    verdicts = frame[[verdict_column(m) for m in METHODS]]
    frame["methods_poor"] = verdicts.sum(axis=1).astype("int64")
    frame["methods_available"] = verdicts.notna().sum(axis=1).astype("int64")
    frame["robust"] = (frame["methods_available"] >= MIN_METHODS) & (
        frame["methods_poor"] == frame["methods_available"])
    frame["contested"] = (frame["methods_poor"] > 0) & (frame["methods_poor"] < frame["methods_available"])
    return frame


def _measure_verdict(values: pd.DataFrame, measure: str, cut: float) -> pd.arrays.BooleanArray:
    if measure not in values or values[measure].isna().all():
        return pd.array([pd.NA] * len(values), dtype="boolean")
    one_year = pd.DataFrame({"area_code": values["area_code"].to_numpy(), "year": 0,
                             "value": values[measure].to_numpy(dtype=float)})
    return pd.array(poor_flags(one_year, cut=cut, poor=MEASURES[measure].poor)["poor"], dtype="boolean")


def correlations(values: pd.DataFrame) -> pd.DataFrame:
    """Spearman matrix between the measure columns of `values` (pairwise complete), rows and columns
    in `METHODS` order; a measure without data here gives a row and column of NaN."""
    wide = values.reindex(columns=list(METHODS)).astype(float)
    matrix = wide.corr(method="spearman")
    matrix.index.name = "measure"
    return matrix


# ---------------------------------------------------------------------------- stability

@dataclass(frozen=True)
class AccessInputs:
    """What E2SFCA needs for one year, as arrays: LSOA and practice points in EPSG:27700 metres, GP FTE per
    practice, and need-weighted residents per LSOA for every weighting in `STABILITY_WEIGHTINGS`."""

    lsoa_xy: np.ndarray
    supply_xy: np.ndarray
    supply: np.ndarray
    need: Mapping[str, np.ndarray]

    def __post_init__(self):
        n_lsoa, n_supply = len(self.lsoa_xy), len(self.supply_xy)
        if np.shape(self.lsoa_xy) != (n_lsoa, 2) or np.shape(self.supply_xy) != (n_supply, 2):
            raise ValueError("lsoa_xy and supply_xy must be (n, 2) arrays of EPSG:27700 metres")
        if len(self.supply) != n_supply:
            raise ValueError(f"supply has {len(self.supply)} values for {n_supply} practice points")
        missing = [w for w in STABILITY_WEIGHTINGS if w not in self.need]
        wrong = [w for w in STABILITY_WEIGHTINGS if w in self.need and len(self.need[w]) != n_lsoa]
        if missing or wrong:
            raise ValueError(f"need must hold {n_lsoa} LSOA values for each of {', '.join(STABILITY_WEIGHTINGS)}; "
                             f"missing {missing}, wrong length {wrong}")


def setting_labels() -> list[str]:
    return [f"d0 {d0:,.0f} m, {weights}" for d0, weights in STABILITY_SETTINGS]


def settings_area_access(inputs: AccessInputs, area_of_lsoa: pd.Series) -> pd.DataFrame:
    """E2SFCA access (x PER) of every area under every stability setting: one column per setting
    (`setting_labels()` order), one row per area (sorted codes).

    area_of_lsoa: the area code of each LSOA, in `inputs.lsoa_xy` order (missing = in no area). An area's
    value is sum(access x need) / sum(need) over its LSOAs, as `Provision.area_values`.
    """
    codes = pd.Series(np.asarray(area_of_lsoa, dtype=object))
    if len(codes) != len(inputs.lsoa_xy):
        raise ValueError(f"area_of_lsoa has {len(codes)} entries for {len(inputs.lsoa_xy)} LSOAs")
    member = codes.notna().to_numpy()
    area_codes, area_index = np.unique(codes[member].astype(str), return_inverse=True)
    membership = sp.csr_matrix((np.ones(member.sum()), (area_index, np.flatnonzero(member))),
                               shape=(len(area_codes), len(codes)))

    pairs = cKDTree(inputs.lsoa_xy).sparse_distance_matrix(cKDTree(inputs.supply_xy), max(STABILITY_D0),
                                                           output_type="coo_matrix").tocsr()
    need = np.column_stack([inputs.need[w] for w in STABILITY_WEIGHTINGS])
    area_need = membership @ need
    columns = []
    for d0 in STABILITY_D0:
        decay = pairs.copy()
        decay.data = gaussian_weight(pairs.data, d0)  # 0 beyond d0: the smaller catchment by re-weighting
        access = np.column_stack([e2sfca(decay, need[:, j], inputs.supply).access
                                  for j in range(len(STABILITY_WEIGHTINGS))])
        numerator = membership @ (access * PER * need)
        columns.append(np.divide(numerator, area_need, out=np.full_like(numerator, np.nan), where=area_need > 0))
    return pd.DataFrame(np.hstack(columns), index=pd.Index(area_codes, name="area_code"), columns=setting_labels())


def stability(inputs: AccessInputs, area_of_lsoa: pd.Series, params: AnalysisParams) -> pd.Series:
    """Share of the stability settings under which each area is poor by E2SFCA (NaN: no value in any)."""
    return share_poor(settings_area_access(inputs, area_of_lsoa), params)


def share_poor(setting_values: pd.DataFrame, params: AnalysisParams) -> pd.Series:
    """Per area (row), the share of settings (columns) in which it is in the poorest `cut` (poor_flags)."""
    n_areas, n_settings = setting_values.shape
    long = pd.DataFrame({"area_code": np.repeat(setting_values.index.to_numpy(), n_settings),
                         "year": np.tile(np.arange(n_settings), n_areas),
                         "value": setting_values.to_numpy(dtype=float).ravel()})
    flags = poor_flags(long, cut=params.cut, poor=MEASURES["e2sfca"].poor)
    poor = flags["poor"].astype("Float64").to_numpy(dtype=float, na_value=np.nan).reshape(n_areas, n_settings)
    judged = (~np.isnan(poor)).sum(axis=1)
    shares = np.divide(np.nansum(poor, axis=1), judged, out=np.full(n_areas, np.nan), where=judged > 0)
    return pd.Series(shares, index=setting_values.index, name="stability")


# ---------------------------------------------------------------------------- persistence

def robust_persistence(classes: pd.DataFrame) -> pd.DataFrame:
    """Persistence under every method: classes has area_code and one persistence_<measure> column
    (geo.persistence classes; missing = the measure has no data here) per measure.

    Returns area_code, the persistence_<measure> columns (one per METHODS), methods_persistent,
    methods_with_history (classes other than "insufficient data") and robust_persistent.
    """
    frame = pd.DataFrame({"area_code": classes["area_code"].to_numpy()})
    for measure in METHODS:
        column = persistence_column(measure)
        frame[column] = classes[column].astype(object).to_numpy() if column in classes else None
    labels = frame[[persistence_column(m) for m in METHODS]]
    with_history = labels.notna() & labels.ne(NO_HISTORY)
    frame["methods_persistent"] = labels.eq(PERSISTENT).sum(axis=1).astype("int64")
    frame["methods_with_history"] = with_history.sum(axis=1).astype("int64")
    frame["robust_persistent"] = (frame["methods_with_history"] >= MIN_METHODS) & (
        frame["methods_persistent"] == frame["methods_with_history"])
    return frame

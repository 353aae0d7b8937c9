"""Getis-Ord Gi* hot and cold spots of provision over LSOA queen contiguity.

A low value in one LSOA may be an artefact of where a practice's postcode
falls; a significant cluster of neighbouring LSOAs with poor provision is the
pattern a commissioner can act on. Gi* compares the sum over an LSOA and its
contiguous neighbours with what a random arrangement of the same values
would give.

Build the weights once per boundary set with `lsoa_weights` (about 1 s for
London's 4,835 LSOAs; the caller caches them) and call `getis_ord_gi_star`
per measure and year.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

if TYPE_CHECKING:  # esda and libpysal take ~1.7 s to import: loaded on first use, not at app start
    from libpysal.weights import W

from data.config import BNG
from data.errors import check_crs
from geo.measure_values import check_fraction, check_poor, check_values_frame
from geo.rules import snap_to_grid

POOR_CLUSTER = "cold spot (poor provision cluster)"
GOOD_CLUSTER = "hot spot (good provision cluster)"
NOT_SIGNIFICANT = "not significant"
HOTSPOT_CLASSES = (POOR_CLUSTER, NOT_SIGNIFICANT, GOOD_CLUSTER)



def lsoa_weights(lsoa_gdf: gpd.GeoDataFrame) -> W:
    """Queen contiguity (shared edge or corner) between areas, ids = area_code, binary.

    Why the snapping: libpysal's Queen matches polygon vertices exactly, and
    in the GLA 2011 LSOA boundaries the two copies of a shared vertex differ
    by ~1e-7 m, so the raw polygons give 4,835 islands and no neighbour at
    all. Rounding every coordinate to the millimetre grid the file is
    published on restores the neighbours: 28,678 directed pairs, exactly the
    pairs of LSOAs whose polygons come within 1 mm of each other (checked in
    tests/test_geo_hotspots.py), 1 to 15 neighbours, mean 5.9.

    Islands: the polygons are clipped to mean high water, so the tidal
    Thames separates the banks (between the riverside boroughs only one
    City of London - Southwark pair of LSOAs touches across it; bridges are
    not shared boundaries). Still, every 2011 LSOA has at least one
    neighbour and London is one connected graph even without that pair (the
    banks join further upstream). An area with no neighbour is kept as an
    island (no neighbour is invented across water);
    `getis_ord_gi_star` leaves islands untested, because Gi* at an island
    only restates the area's own value and esda's permutation test marks it
    significant whatever the value.
    """
    check_crs(lsoa_gdf, BNG, "lsoa_weights polygons (snapped in metres)")
    snapped = snap_to_grid(lsoa_gdf.geometry.to_numpy())
    polygons = gpd.GeoDataFrame({"area_code": lsoa_gdf["area_code"].to_numpy()}, geometry=snapped, crs=BNG)
    from libpysal.weights import Queen
    return Queen.from_dataframe(polygons, ids="area_code", use_index=False, silence_warnings=True)


def getis_ord_gi_star(values_for_one_year: pd.DataFrame, weights: W, alpha: float = 0.05, permutations: int = 999,
                      seed: int = 12345, poor: str = "low") -> pd.DataFrame:
    """Gi* z-score, pseudo p-value and a provision-worded cluster label for every area in `weights`.

    Definitions:

    * Gi* is `esda.G_Local(y, w, transform="B", star=True)`: binary
      contiguity weights with the area itself included at weight 1, the
      textbook Getis-Ord (1995) Gi*: z_i = (sum_j w_ij x_j - xbar W_i) /
      (S sqrt((n sum_j w_ij^2 - W_i^2) / (n - 1))), S the population
      standard deviation. gi_z is that z of the value as given, whatever
      the polarity (positive = cluster of high values).
    * p_value is the two-sided permutation pseudo p-value: twice esda's
      directed ``p_sim`` (the share of `permutations` conditional
      permutations at least as extreme in the observed direction; seeded by
      `seed`, so runs repeat exactly), capped at 1. Two-sided because we look
      for clusters of either kind, as in the usual hot-spot analysis; the
      one-sided ``p_sim < 0.05`` would be a 10 % test. p_norm is the
      two-sided normal p-value of gi_z, 2 sf(|z|); with ``permutations=0``
      p_value is p_norm.
    * hotspot_class: "not significant" unless p_value < alpha; a significant
      area is a "cold spot (poor provision cluster)" when its cluster is of
      poor values (gi_z < 0 for ``poor="low"``, gi_z > 0 for ``poor="high"``)
      and a "hot spot (good provision cluster)" otherwise. So "poor provision
      cluster" always means poor provision, whichever end of the measure is
      poor.

    Missing values: areas in `weights` without a value (NaN or no row) are
    dropped from the weights (`w_subset`) before the test, so neighbours with
    no data neither count as low nor as high. An area left with no
    neighbour that has data is an island in that subset: its value still
    takes part in the reference distribution of the others, but it gets no
    test. So does an area whose neighbourhood is every area with data (only
    in tiny inputs: its Gi* is the same under every permutation, z = 0/0).
    Untested areas have NaN gi_z and p-values and <NA> class.

    `values_for_one_year` has columns area_code and value (a year column is
    allowed if it holds one year). Values must be >= 0 (Gi* is defined for
    non-negative variables) and not all equal; codes must be areas in
    `weights`. Otherwise ValueError.

    Returns one row per area in `weights` (its order): area_code, value,
    neighbours_with_data, gi_z, p_value, p_norm, hotspot_class (categorical,
    HOTSPOT_CLASSES).
    """
    check_poor(poor)
    alpha = check_fraction("alpha", alpha, "0.05")
    if isinstance(permutations, bool) or not isinstance(permutations, (int, np.integer)) or permutations < 0:
        raise ValueError(f"permutations must be a whole number >= 0 (999 is usual; 0 = analytical p-values only); "
                         f"got {permutations!r}")
    value = _values_on_weights(values_for_one_year, weights)
    has_value = value.notna().to_numpy()
    from libpysal.weights import w_subset
    with_data = w_subset(weights, value.index[has_value].tolist(), silence_warnings=True)
    neighbours = np.zeros(len(value), dtype="int64")
    neighbours[has_value] = with_data.sparse.getnnz(axis=1)
    if not neighbours.any():
        raise ValueError("no area with a value has a neighbour with a value, so there is no cluster to test")

    gi = _g_local_star(value.to_numpy()[has_value], with_data, permutations, seed)
    testable = (neighbours[has_value] > 0) & np.isfinite(gi.Zs)
    tests = pd.DataFrame({
        "gi_z": gi.Zs,
        "p_value": np.minimum(1.0, 2 * gi.p_sim) if permutations else 2 * gi.p_norm,
        "p_norm": 2 * gi.p_norm,
    }, index=value.index[has_value])[testable].reindex(value.index)
    gi_z, p_value = tests["gi_z"].to_numpy(), tests["p_value"].to_numpy()
    tested = ~np.isnan(gi_z)

    significant = tested & (p_value < alpha)
    poor_side = gi_z < 0 if poor == "low" else gi_z > 0
    hotspot_class = np.select([~tested, significant & poor_side, significant], [None, POOR_CLUSTER, GOOD_CLUSTER],
                              default=NOT_SIGNIFICANT)
    return pd.DataFrame({
        "area_code": value.index.to_numpy(),
        "value": value.to_numpy(),
        "neighbours_with_data": neighbours,
        **{column: tests[column].to_numpy() for column in tests.columns},
        "hotspot_class": pd.Categorical(hotspot_class, categories=HOTSPOT_CLASSES),
    })


def _values_on_weights(values_for_one_year: pd.DataFrame, weights: W) -> pd.Series:
    """The values as a Series on the weights' area order (NaN where an area has no value)."""
    if isinstance(values_for_one_year, pd.DataFrame) and "year" in values_for_one_year.columns:
        years = sorted(values_for_one_year["year"].dropna().unique().tolist())
        if len(years) > 1:
            raise ValueError(f"values_for_one_year holds several years {years}; pass one year's rows")
    frame = check_values_frame(values_for_one_year, ("area_code",)).dropna(subset=["value"])
    unknown = sorted(set(frame["area_code"]) - set(weights.id_order))
    if unknown:
        raise ValueError(f"{len(unknown)} area code(s) are not areas of the weights (another area level?), "
                         f"e.g. {unknown[:3]}")
    if frame.empty:
        raise ValueError("values_for_one_year has no non-missing value")
    if (frame["value"] < 0).any():
        raise ValueError("Gi* needs non-negative values (it compares local sums with the London total); "
                         f"got a minimum of {frame['value'].min()}")
    if frame["value"].nunique() == 1:
        raise ValueError("every area has the same value, so there is no cluster to find")
    return frame.set_index("area_code")["value"].reindex(weights.id_order)


def _g_local_star(y: np.ndarray, weights: W, permutations: int, seed: int) -> GiStar:
    """esda Gi*, binary weights plus self, with esda's conditional permutation test (`_permutation_p`)."""
    import esda
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        # Islands and disconnected parts are expected once missing areas are dropped; they are not tested.
        warnings.filterwarnings("ignore", message="The weights matrix is not fully connected", category=UserWarning)
        # np.errstate: an area whose neighbourhood is every area with data has zero variance (z = 0/0, untested).
        gi = esda.G_Local(y, weights, transform="B", star=True, permutations=0, keep_simulations=False, n_jobs=1)
    p_sim = _permutation_p(np.asarray(y, dtype=float), gi.w, gi.Gs, permutations, seed) if permutations else None
    return GiStar(Zs=gi.Zs, p_norm=gi.p_norm, p_sim=p_sim)


@dataclass(frozen=True)
class GiStar:
    Zs: np.ndarray
    p_norm: np.ndarray
    p_sim: np.ndarray | None


def _permutation_p(y: np.ndarray, weights: W, observed: np.ndarray, permutations: int, seed: int) -> np.ndarray:
    """The pseudo p-values of esda's conditional randomisation (esda.crand.crand, 'directed', island weight 0):
    the same permuted ids and the same arithmetic per area, so the same numbers, in a third of the time: esda
    without numba copies all the other areas' values for every area, this indexes around the area instead."""
    from esda.crand import vec_permutations
    adjacency = weights.sparse.tocsr(copy=True)
    self_weights = adjacency.diagonal()
    adjacency.setdiag(0)
    adjacency.eliminate_zeros()
    cardinality, others = np.diff(adjacency.indptr), adjacency.data.astype(y.dtype)
    permuted = vec_permutations(cardinality.max(), len(y), permutations, seed)
    scaling, larger = y.sum(), np.empty(len(y))
    start = 0
    for i, count in enumerate(cardinality):
        area_weights = others[start:start + count] if count else np.zeros(1)  # an island draws one, weighted 0
        self_weight = self_weights[i] if count else 0.0
        start += count
        ids = permuted[:, :len(area_weights)]
        draws = (y[ids + (ids >= i)] @ area_weights + self_weight * y[i]) / scaling  # ids skip the area itself
        larger[i] = (draws >= observed[i]).sum()
    low = (permutations - larger) < larger
    larger[low] = permutations - larger[low]
    return (larger + 1.0) / (permutations + 1.0)

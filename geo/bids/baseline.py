"""What a bid scenario is measured against: the baseline of a year and parameter set, and practice changes.

States compared (access per LSOA, GP FTE per need-weighted resident; shown x 10,000):

* *baseline*: E2SFCA for the year, need weighting and d0 as published.
* *before*: the baseline with the scenario's closures and merges applied
  (the baseline itself when there are none). Bids are scored against it.
* *after*: before + the bid(s).

The **bottom quintile cut** is the atlas's threshold of "poor"
(`geo.persistence.poor_threshold`: numpy's linear quantile at ``params.cut``,
0.2 by default) of the *baseline* LSOA access, fixed for every bid and
scenario of the run so that scores are comparable. An LSOA is in the bottom
quintile when its access is <= the cut, the same convention as
`geo.persistence.poor_flags` (ties count as poor), so "bottom quintile" means
one thing across the atlas. *Persistent* LSOAs are the atlas's persistence
classes for E2SFCA at LSOA level (`AreaTables.persistence`: bottom quintile in
>= k of the last n years up to the scenario's year).
"""
from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from data.config import BNG
from data.errors import check_crs
from data.years import fy_label
from geo.measures import MEASURES
from geo.params import DEFAULT_PARAMS, AnalysisParams
from geo.persistence import poor_threshold
from geo.tables import AreaTables

BID_MEASURE, BID_LEVEL = "e2sfca", "lsoa11"  # bids change E2SFCA access, scored per LSOA


@dataclass(frozen=True, eq=False)
class BidBaseline:
    """Everything a scenario is measured against, for one year and parameter set (read-only)."""
    year: int
    params: AnalysisParams
    lsoa_codes: np.ndarray
    lsoa_xy: np.ndarray
    need: np.ndarray              # need-weighted residents per LSOA (E2SFCA demand)
    imd_decile: np.ndarray        # 1..10, 1 = most deprived
    access: np.ndarray            # baseline E2SFCA access per LSOA (FTE per need-weighted resident)
    cut: float                    # baseline access at the poor threshold (fixed bottom-quintile cut)
    persistent: np.ndarray | None  # LSOA persistent-poor for e2sfca (None: too few years)
    persistence_note: str
    practices: pd.DataFrame       # supply points: practice_code, practice_name, easting, northing, gp_fte
    decay: sp.csc_matrix          # LSOA x practice Gaussian weights
    demand_in_reach: np.ndarray   # D_j per practice
    boroughs: gpd.GeoDataFrame    # London boroughs (EPSG:27700) for the point-in-London test
    postcodes: pd.DataFrame       # atlas.postcodes
    practice_register: pd.Series  # every practice code in the atlas -> name (for clear messages)
    basis: str                    # one line saying what the access figures are built from

    @property
    def bottom_quintile_need(self) -> float:
        """Need-weighted residents of the baseline bottom quintile (access <= cut)."""
        return float(self.need[self.access <= self.cut].sum())

    def practice_index(self, codes: pd.Series) -> np.ndarray:
        """Column of each code among this year's supply points (-1 where it is not one)."""
        lookup = pd.Series(np.arange(len(self.practices)), index=self.practices["practice_code"])
        return lookup.reindex(codes.to_numpy()).fillna(-1).to_numpy(dtype=int)


def bid_baseline(tables: AreaTables, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> BidBaseline:
    """Baseline E2SFCA, the fixed quintile cut and the persistent-poor LSOAs for one year and parameter set."""
    provision = tables.provision
    year = provision.check_year(BID_MEASURE, year)
    weights, d0 = params.catchment
    atlas = provision.atlas
    boroughs = check_crs(atlas.areas["borough"], BNG, "boroughs")
    register = atlas.practice_names
    points = provision.supply_points(year)
    practices = points[["practice_code", "easting", "northing", "gp_fte"]].assign(
        practice_name=register.reindex(points["practice_code"]).fillna("").to_numpy())
    result = provision.access(year, weights, d0)
    persistent, note = _persistent_lsoas(tables, year, params)
    return BidBaseline(
        year=year, params=params, lsoa_codes=provision.lsoa_codes, lsoa_xy=provision.lsoa_xy,
        need=provision.need_population(year, weights),
        imd_decile=provision.imd_decile.reindex(provision.lsoa_codes).fillna(0).to_numpy(dtype=int),
        access=result.access, cut=float(poor_threshold(result.access, params.cut, MEASURES[BID_MEASURE].poor)),
        persistent=persistent, persistence_note=note, practices=practices, decay=provision.decay(year, d0).tocsc(),
        demand_in_reach=result.demand_in_reach, boroughs=boroughs[["area_code", "area_name", "geometry"]],
        postcodes=atlas.postcodes, practice_register=register, basis=provision.basis(BID_MEASURE, year, params))


def _persistent_lsoas(tables: AreaTables, year: int, params: AnalysisParams):
    """Boolean per LSOA: persistent-poor E2SFCA access (k of the last n years up to `year`), and a note.

    The classes are the atlas's own (`AreaTables.persistence`, memoised: the Explore map shows the same).
    None (not all-False) when no LSOA can qualify because fewer than k years have
    data up to `year`: "no persistent LSOA reached" must never stand in for "unknown".
    """
    k, n = params.k, params.n
    try:
        classes = tables.persistence(BID_MEASURE, BID_LEVEL, year, params)
    except ValueError as exc:
        return None, f"persistent-poor LSOAs not available: {exc}"
    years = int(classes["years_with_data"].max())
    if years < k:
        return None, (f"persistent-poor LSOAs not available: only {years} year(s) of E2SFCA data up to "
                      f"{fy_label(year)}, and persistence needs k = {k}")
    lsoa_codes = tables.provision.lsoa_codes
    persistent = classes.set_index("area_code")["persistence_class"].reindex(lsoa_codes) == "persistent"
    window = f"{int(classes['window_start'].iloc[0])}-{int(classes['window_end'].iloc[0])}"
    return persistent.to_numpy(), f"persistent = bottom quintile of E2SFCA access in >= {k} of {n} years ({window})"


@dataclass(frozen=True)
class PracticeChanges:
    """Closures (supply removed) and merges (FTE of `from` moved to `into`) applied before bids are scored."""
    closures: tuple[str, ...] = ()
    merges: tuple[tuple[str, str], ...] = ()

    @property
    def removed(self) -> tuple[str, ...]:
        """Practices with no supply left in the scenario."""
        return self.closures + tuple(source for source, _ in self.merges)

    def describe(self) -> str:
        parts = ([f"closed {', '.join(self.closures)}"] if self.closures else []) + \
                [f"merged {source} into {target}" for source, target in self.merges]
        return "; ".join(parts) or "no closures or merges"


NO_CHANGES = PracticeChanges()


def parse_changes(close: str | None, merge: str | None, base: BidBaseline) -> tuple[PracticeChanges, list[str]]:
    """Closures ("F84001, F84002") and merges ("F84003>F84004", ':' also accepted) checked against the year.

    Returns the valid changes and one message per item dropped (unknown code, a
    practice closed twice, merged into itself or into a practice that closes).
    """
    def codes(text):
        return [item.strip().upper() for item in (text or "").replace(";", ",").split(",") if item.strip()]

    open_codes = set(base.practices["practice_code"])
    where = f"an open GP practice with a location in {fy_label(base.year)}"
    problems, closures, merges = [], [], []
    for code in codes(close):
        if code not in open_codes:
            problems.append(f"close {code}: not {where}")
        elif code not in closures:
            closures.append(code)
    for item in codes(merge):
        pair = [part.strip() for part in item.replace(":", ">").split(">")]
        if len(pair) != 2 or not all(pair):
            problems.append(f"merge {item}: write FROM>INTO, e.g. F84003>F84004")
        elif unknown := [code for code in pair if code not in open_codes]:
            problems.append(f"merge {item}: {', '.join(unknown)} not {where}")
        elif pair[0] == pair[1]:
            problems.append(f"merge {item}: a practice cannot merge into itself")
        elif pair[0] in closures or pair[1] in closures or pair[0] in {s for s, _ in merges} | {t for _, t in merges} \
                or pair[1] in {s for s, _ in merges}:
            problems.append(f"merge {item}: {pair[0]} or {pair[1]} is already closed or merged in this scenario")
        else:
            merges.append((pair[0], pair[1]))
    return PracticeChanges(tuple(closures), tuple(merges)), problems

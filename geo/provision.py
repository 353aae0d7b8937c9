"""`Provision`: every measure for every LSOA, year and parameter set, over one read-only tidy model.

It memoises the per-year building blocks (supply points, need-weighted
population, decay matrix, supply attribution) so the app and the CLIs ask for
any measure x level x year without recomputing shared work. What each measure
*is* lives in the registry, `geo/measures.py`; this module only supplies the
ingredients and aggregates LSOA numerators and denominators to coarser areas.
"""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from data.config import BNG
from data.errors import check_crs
from data.model import AtlasData
from geo.access import decay_matrix, e2sfca, nearest_distance
from geo.levels import LEVEL_CODE_COLUMN
from geo.measures import LOCATION_YEARS, check_measure
from geo.memo import MB, Memo
from geo.names import display_names
from geo.need import check_weighting, need_weighted_population
from geo.params import DEFAULT_PARAMS, AnalysisParams, check_d0, grid_d0
from geo.rules import figure_caveats, patients_per_gp_fte, practices_counted
from geo.search import to_lonlat

if TYPE_CHECKING:
    from data.results import SharedResults

# Decay and attribution matrices dominate: ~1 MB per year at d0 1.6 km, ~40 MB at 10 km (geo/memo.py).
MEMO_BYTES = 128 * MB


class Provision:
    """Measures over one tidy model; memoised, read-only after construction."""

    def __init__(self, atlas: AtlasData, shared: SharedResults | None = None):
        lsoa = check_crs(atlas.areas["lsoa11"], BNG, "LSOAs")
        self.atlas = atlas
        self.lsoa = pd.DataFrame(lsoa.drop(columns="geometry"))
        self.lsoa_codes = lsoa["area_code"].to_numpy()
        self.lsoa_xy = lsoa[["centroid_x", "centroid_y"]].to_numpy(dtype=float)
        self.imd_decile = lsoa.set_index("area_code")["imd_decile"]
        self.supply_years = atlas.years
        self.location_years = sorted(int(y) for y in atlas.practice_years["year"].unique())
        self.shared = shared  # the workers' shared results (AreaTables and AgreementTables use it too)
        self._memo = Memo(max_bytes=MEMO_BYTES, shared=shared, namespace="provision")

    def _cached(self, key: tuple, compute, share: bool = False):
        return self._memo.get(key, compute, share)

    def derived(self, key: tuple, compute):
        """A result another module derives from this provision (geo/profiles.py), memoised in this one's memo;
        callers must not change what it returns."""
        return self._cached(("derived", *key), compute)

    @cached_property
    def practice_display_names(self) -> pd.Series:
        """practice_code -> name as shown (geo/names.py), cased once per process rather than per request."""
        return display_names(self.atlas.practice_names)

    @cached_property
    def pcn_display_names(self) -> pd.Series:
        """pcn_code -> PCN name as shown."""
        return display_names(self.atlas.pcn_names)

    def years_for(self, measure: str) -> list[int]:
        return self.location_years if check_measure(measure).years == LOCATION_YEARS else self.supply_years

    def check_year(self, measure: str, year: int) -> int:
        years = self.years_for(measure)
        if year not in years:
            raise ValueError(f"no {measure} data for year {year}; choose one of {', '.join(map(str, years))}")
        return int(year)

    # ------------------------------------------------------------------ building blocks
    def supply_points(self, year: int) -> pd.DataFrame:
        """The GP practices that count in the year (geo/rules.py) at their location that year, EPSG:27700.

        gp_fte is 0 where the practice made no return; `fte_reported` says which.
        """
        def compute():
            rows = practices_counted(self.atlas.practice_years, year)
            points = rows[["practice_code", "easting", "northing", "list_size", "gp_fte", "pcn_code",
                           "lsoa11_code", "fte_status"]].copy()
            points["fte_reported"] = points["gp_fte"].notna()
            points["patients_per_gp_fte"] = patients_per_gp_fte(points["list_size"], points["gp_fte"])
            points["gp_fte"] = points["gp_fte"].fillna(0.0)
            return points
        return self._cached(("supply", year), compute)

    def practice_points(self, year: int) -> pd.DataFrame:
        """The year's supply points with what the panels and map show of each: name, PCN name, lon/lat and
        the caveat on an implausible figure; made once per year, not per request."""
        def compute():
            points = self.supply_points(year)
            lon, lat = to_lonlat(points["easting"], points["northing"])
            return points.assign(practice_name=points["practice_code"].map(self.practice_display_names),
                                 pcn_name=points["pcn_code"].map(self.pcn_display_names), lon=lon, lat=lat,
                                 caveat=figure_caveats(points["list_size"], points["gp_fte"]).to_numpy())
        return self._cached(("points", year), compute)

    def pcn_gp_fte(self, year: int) -> pd.Series:
        """pcn_code -> the GP FTE of all its member practices that count in the year."""
        return self._cached(("pcn_fte", year), lambda: self.supply_points(year).groupby("pcn_code")["gp_fte"].sum())

    def population(self, year: int) -> pd.DataFrame:
        """Residents of each LSOA in the year (population, population_mid_year), indexed by lsoa11_code."""
        def compute():
            lsoa_years = self.atlas.lsoa_years
            return lsoa_years[lsoa_years["year"] == year].set_index("lsoa11_code")[
                ["population", "population_mid_year"]]
        return self._cached(("population", year), compute)

    def need_population(self, year: int, weights: str) -> np.ndarray:
        def compute():
            population = self.atlas.lsoa_years[self.atlas.lsoa_years["year"] == year].set_index("lsoa11_code")
            population = population.reindex(self.lsoa_codes)
            if population["population"].isna().any():
                raise ValueError(f"no population for {int(population['population'].isna().sum())} LSOAs in {year}")
            return need_weighted_population(population, self.imd_decile, weights).to_numpy()
        return self._cached(("need", year, check_weighting(weights)), compute)

    def residents(self, year: int) -> np.ndarray:
        return self.need_population(year, "none")

    def population_mid_year(self, year: int) -> int:
        """The ONS mid-year estimate standing in for the year (data/years.py)."""
        lsoa_years = self.atlas.lsoa_years
        return int(lsoa_years.loc[lsoa_years["year"] == year, "population_mid_year"].iloc[0])

    def decay(self, year: int, d0: float) -> sp.csr_matrix:
        points, d0 = self.supply_points(year), grid_d0(d0)
        return self._cached(("decay", year, d0), lambda: decay_matrix(
            self.lsoa_xy, points[["easting", "northing"]].to_numpy(dtype=float), d0))

    def access(self, year: int, weights: str, d0: float):
        d0 = grid_d0(d0)
        return self._cached(("e2sfca", year, weights, d0), lambda: e2sfca(
            self.decay(year, d0), self.need_population(year, weights), self.supply_points(year)["gp_fte"].to_numpy()))

    def nearest_practice_distance(self, year: int) -> np.ndarray:
        """Straight-line metres from each LSOA centroid to the nearest practice that counts in the year."""
        points = self.supply_points(year)
        return self._cached(("nearest", year), lambda: nearest_distance(
            self.lsoa_xy, points[["easting", "northing"]].to_numpy(dtype=float))[0])

    def attribution(self, year: int, weights: str, d0: float) -> tuple[sp.csr_matrix, pd.Series]:
        """(LSOA x practice) shares of each supply practice over London LSOAs (columns sum to 1), and the basis."""
        d0 = grid_d0(d0)
        return self._cached(("shares", year, weights, d0), lambda: self._attribution(year, weights, d0),
                            share=True)

    def _attribution(self, year: int, weights: str, d0: float) -> tuple[sp.csr_matrix, pd.Series]:
        points = self.supply_points(year)
        n_lsoa, n_practice = len(self.lsoa_codes), len(points)
        flows = self.atlas.flows
        flows = flows[flows["lsoa_in_london"] & (flows["patients"] > 0)]
        practice_index = pd.Series(np.arange(n_practice), index=points["practice_code"])
        lsoa_index = pd.Series(np.arange(n_lsoa), index=self.lsoa_codes)
        flows = flows[flows["practice_code"].isin(practice_index.index)]
        counts = sp.csr_matrix((flows["patients"].to_numpy(dtype=float),
                                (lsoa_index[flows["lsoa11_code"]].to_numpy(),
                                 practice_index[flows["practice_code"]].to_numpy())),
                               shape=(n_lsoa, n_practice))
        has_flows = np.asarray(counts.sum(axis=0)).ravel() > 0

        catchment = self.decay(year, d0).multiply(self.need_population(year, weights)[:, None]).tocsc()
        in_reach = np.asarray(catchment.sum(axis=0)).ravel() > 0
        _, nearest_lsoa = nearest_distance(points[["easting", "northing"]].to_numpy(dtype=float), self.lsoa_xy)
        nearest = sp.csr_matrix((np.ones(n_practice), (nearest_lsoa, np.arange(n_practice))),
                                shape=(n_lsoa, n_practice))

        def column_shares(matrix, keep):
            totals = np.asarray(matrix.sum(axis=0)).ravel()
            scale = np.divide(1.0, totals, out=np.zeros(n_practice), where=totals > 0) * keep
            return sp.csr_matrix(matrix.multiply(scale[None, :]))

        use_catchment = ~has_flows & in_reach
        use_nearest = ~has_flows & ~in_reach
        shares = (column_shares(counts, has_flows) + column_shares(catchment, use_catchment)
                  + column_shares(nearest, use_nearest)).tocsr()
        basis = pd.Series(np.select([has_flows, use_catchment],
                                    [f"patient flows ({self.atlas.flows_snapshot})", f"E2SFCA catchment (d0 {d0:g} m)"],
                                    "nearest LSOA (nobody within d0)"),
                          index=points["practice_code"], name="attribution_basis")
        return shares, basis

    # ------------------------------------------------------------------ measures
    def lsoa_values(self, measure: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        """One row per LSOA: value, numerator, denominator (areas aggregate as sum(num)/sum(den))."""
        spec = check_measure(measure)
        year = self.check_year(measure, year)
        grid_d0(check_d0(params.d0))

        def compute():
            numerator, denominator = spec.compute(self, year, params)
            value = np.divide(numerator, denominator, out=np.full(len(numerator), np.nan), where=denominator > 0)
            return pd.DataFrame({"lsoa11_code": self.lsoa_codes, "value": value,
                                 "numerator": numerator, "denominator": denominator})
        return self._cached(("lsoa", measure, year, *params.catchment), compute, share=True)

    def area_values(self, measure: str, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS,
                    lsoa_to_area: pd.Series | None = None) -> pd.DataFrame:
        """Value per area of a level: ratio of summed LSOA numerators and denominators.

        `lsoa_to_area` (indexed by lsoa11_code) overrides the LSOA membership,
        e.g. the PCN catchment partition from geo/catchments.py.
        """
        lsoa_values = self.lsoa_values(measure, year, params)
        if lsoa_to_area is None:
            if level not in LEVEL_CODE_COLUMN:
                raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVEL_CODE_COLUMN)}")
            lsoa_to_area = self.lsoa.set_index("area_code", drop=False)[LEVEL_CODE_COLUMN[level]]
        grouped = (lsoa_values.assign(area_code=lsoa_to_area.reindex(lsoa_values["lsoa11_code"]).to_numpy())
                   .dropna(subset=["area_code"]).groupby("area_code")[["numerator", "denominator"]].sum())
        grouped["value"] = grouped["numerator"] / grouped["denominator"].where(grouped["denominator"] > 0)
        out = grouped.reset_index()
        out.insert(1, "year", year)
        out.insert(2, "measure", measure)
        return out

    def london_value(self, measure: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> float:
        frame = self.lsoa_values(measure, year, params)
        return float(frame["numerator"].sum() / frame["denominator"].sum())

    def basis(self, measure: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> str:
        return check_measure(measure).basis(self, year, params)

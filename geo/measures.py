"""Provision measures for every LSOA and year, and their aggregation to coarser areas.

`Provision` wraps one read-only tidy model and memoises the per-year building
blocks (supply points, need-weighted population, decay matrix, supply
attribution), so the app and the CLI ask for any measure x level x year
without recomputing shared work. Every LSOA result carries a numerator and a
denominator, and every coarser area is the ratio of their sums: that *is* the
population-weighted (or list-weighted) mean, never a plain mean of ratios.

Measures (basis strings below are shown in legends, tooltips and exports):

* ``e2sfca``: E2SFCA access (geo/access.py), GP FTE of practices open in the
  year as supply, need-weighted LSOA residents at LSOA centroids as demand;
  x 10,000. Areas: need-weighted-population-weighted mean. Only London
  practices and London residents enter (the workforce series covers London
  practices only), so LSOAs on the Greater London boundary whose nearest
  surgeries lie outside London read lower than their residents' real access,
  and a boundary practice's FTE is shared among London residents only.
* ``gp_fte_per_10k``: GP FTE attributed to the LSOA per 10,000 need-weighted
  residents. Each practice's FTE is shared over London LSOAs in proportion to
  where its registered patients live (July 2022 flows, London residents only,
  carried to other years); a practice without flows (closed before or opened
  after July 2022) is shared by its E2SFCA catchment weights G(d) x P; one with
  nobody within d0 goes wholly to its nearest LSOA. So London's attributed FTE
  equals London's reported FTE. Areas: need-weighted-population-weighted mean.
* ``patients_per_gp_fte``: registered patients / GP FTE, aligned: only
  practices that reported a positive GP FTE and list that year (FY means of
  the same workforce returns; a zero GP FTE is read as an incomplete return,
  e.g. 111 practices in FY2015/16). An area's value is the patients of those
  practices living there divided by the GP FTE attributed to them by the same
  shares (list x share / FTE x share, summed over the practices serving its
  residents). That is the list-weighted *harmonic* mean of the practices'
  ratios: at London level it is the familiar total patients / total FTE, and a
  practice with 0.3 FTE and 9,000 patients cannot swamp an area the way it
  would in an arithmetic mean of ratios (30,000).
* ``nearest_practice_m``: straight-line metres from the LSOA centroid to the
  nearest open GP practice. Areas: resident-population-weighted mean.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from data.config import BNG
from data.model import AtlasData
from data.years import FLOWS_SNAPSHOT, FLOWS_YEAR, fy_label
from geo.access import DEFAULT_D0, PER, check_d0, decay_matrix, e2sfca, nearest_distance
from geo.memo import Memo
from geo.need import WEIGHTINGS, check_weighting, need_weighted_population

LEVEL_CODE_COLUMN = {"lsoa11": "area_code", "msoa11": "msoa11_code", "ward": "ward_code", "borough": "borough_code",
                     "ccg19": "ccg19_code", "icb": "icb_code"}


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    poor: str  # "low" or "high": which end is poor provision
    uses_supply: bool
    decimals: int
    description: str


MEASURES = {
    "e2sfca": Measure("e2sfca", "E2SFCA access", "GP FTE per 10,000 need-weighted residents in reach", "low", True, 2,
                      "Enhanced two-step floating catchment access, Gaussian decay to d0 (straight-line metres)"),
    "gp_fte_per_10k": Measure("gp_fte_per_10k", "GP FTE per 10,000", "GP FTE per 10,000 need-weighted residents", "low",
                              True, 2, "GP FTE attributed to residents by where each practice's patients live"),
    "patients_per_gp_fte": Measure("patients_per_gp_fte", "Patients per GP FTE", "registered patients per GP FTE",
                                   "high", True, 0,
                                   "List size / fully qualified GP FTE of the practices serving residents"),
    "nearest_practice_m": Measure("nearest_practice_m", "Distance to nearest practice", "metres (straight line)",
                                  "high", False, 0,
                                  "Straight-line distance from the LSOA centroid to the nearest open GP practice"),
}


def check_measure(measure: str) -> Measure:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    return MEASURES[measure]


class Provision:
    """Measures over one tidy model; memoised, read-only after construction."""

    def __init__(self, atlas: AtlasData):
        lsoa = atlas.areas["lsoa11"]
        assert lsoa.crs == BNG, f"LSOAs must be {BNG}"
        self.atlas = atlas
        self.lsoa = pd.DataFrame(lsoa.drop(columns="geometry"))
        self.lsoa_codes = lsoa["area_code"].to_numpy()
        self.lsoa_xy = lsoa[["centroid_x", "centroid_y"]].to_numpy(dtype=float)
        self.imd_decile = lsoa.set_index("area_code")["imd_decile"]
        self.supply_years = atlas.years
        self.location_years = sorted(int(y) for y in atlas.practice_years["year"].unique())
        self._memo = Memo(max_entries=2048)

    # ------------------------------------------------------------------ helpers
    def _cached(self, key: tuple, compute):
        return self._memo.get(key, compute)

    def years_for(self, measure: str) -> list[int]:
        return self.supply_years if check_measure(measure).uses_supply else self.location_years

    def check_year(self, measure: str, year: int) -> int:
        years = self.years_for(measure)
        if year not in years:
            raise ValueError(f"no {measure} data for year {year}; choose one of {', '.join(map(str, years))}")
        return int(year)

    # ------------------------------------------------------------------ building blocks
    def supply_points(self, year: int) -> pd.DataFrame:
        """GP practices open (or reporting) in the year at their location that year, EPSG:27700.

        gp_fte is 0 where the practice made no return; `fte_reported` says which.
        """
        def compute():
            rows = self.atlas.practice_years
            rows = rows[(rows["year"] == year) & rows["is_gp"].fillna(False) & rows["easting"].notna()
                        & (rows["open_in_year"] | (rows["fte_status"] == "reported"))].reset_index(drop=True)
            points = rows[["practice_code", "easting", "northing", "list_size", "gp_fte", "pcn_code",
                           "lsoa11_code", "fte_status"]].copy()
            points["fte_reported"] = points["gp_fte"].notna()
            points["gp_fte"] = points["gp_fte"].fillna(0.0)
            valid = points["fte_reported"] & (points["gp_fte"] > 0) & (points["list_size"] > 0)
            points["patients_per_gp_fte"] = np.where(valid, points["list_size"] / points["gp_fte"].where(valid), np.nan)
            return points
        return self._cached(("supply", year), compute)

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

    def decay(self, year: int, d0: float) -> sp.csr_matrix:
        points = self.supply_points(year)
        return self._cached(("decay", year, d0), lambda: decay_matrix(
            self.lsoa_xy, points[["easting", "northing"]].to_numpy(dtype=float), d0))

    def access(self, year: int, weights: str, d0: float):
        return self._cached(("e2sfca", year, weights, d0), lambda: e2sfca(
            self.decay(year, d0), self.need_population(year, weights), self.supply_points(year)["gp_fte"].to_numpy()))

    def attribution(self, year: int, weights: str, d0: float) -> tuple[sp.csr_matrix, pd.Series]:
        """(LSOA x practice) shares of each supply practice over London LSOAs (columns sum to 1), and the basis."""
        return self._cached(("shares", year, weights, d0), lambda: self._attribution(year, weights, d0))

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
                                    [f"patient flows ({FLOWS_SNAPSHOT})", f"E2SFCA catchment (d0 {d0:g} m)"],
                                    "nearest LSOA (nobody within d0)"),
                          index=points["practice_code"], name="attribution_basis")
        return shares, basis

    # ------------------------------------------------------------------ measures
    def lsoa_values(self, measure: str, year: int, weights: str = "age", d0: float = DEFAULT_D0) -> pd.DataFrame:
        """One row per LSOA: value, numerator, denominator (areas aggregate as sum(num)/sum(den))."""
        check_measure(measure)
        year = self.check_year(measure, year)
        weights, d0 = check_weighting(weights), check_d0(d0)
        return self._cached(("lsoa", measure, year, weights, d0), lambda: self._lsoa_values(measure, year, weights, d0))

    def _lsoa_values(self, measure: str, year: int, weights: str, d0: float) -> pd.DataFrame:
        if measure == "nearest_practice_m":
            points = self.supply_points(year)
            distance, _ = nearest_distance(self.lsoa_xy, points[["easting", "northing"]].to_numpy(dtype=float))
            residents = self.residents(year)
            numerator, denominator = distance * residents, residents
        elif measure == "e2sfca":
            need = self.need_population(year, weights)
            numerator, denominator = self.access(year, weights, d0).access * PER * need, need
        else:
            shares, _ = self.attribution(year, weights, d0)
            points = self.supply_points(year)
            if measure == "gp_fte_per_10k":
                numerator = shares @ points["gp_fte"].to_numpy() * PER
                denominator = self.need_population(year, weights)
            else:  # patients_per_gp_fte
                aligned = points["patients_per_gp_fte"].notna().to_numpy()
                numerator = shares @ np.where(aligned, points["list_size"].fillna(0).to_numpy(), 0.0)
                denominator = shares @ np.where(aligned, points["gp_fte"].to_numpy(), 0.0)
        value = np.divide(numerator, denominator, out=np.full(len(numerator), np.nan), where=denominator > 0)
        return pd.DataFrame({"lsoa11_code": self.lsoa_codes, "value": value,
                             "numerator": numerator, "denominator": denominator})

    def area_values(self, measure: str, level: str, year: int, weights: str = "age", d0: float = DEFAULT_D0,
                    lsoa_to_area: pd.Series | None = None) -> pd.DataFrame:
        """Value per area of a level: ratio of summed LSOA numerators and denominators.

        `lsoa_to_area` (indexed by lsoa11_code) overrides the LSOA membership,
        e.g. the PCN catchment partition from geo/catchments.py.
        """
        lsoa_values = self.lsoa_values(measure, year, weights, d0)
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

    def series(self, measure: str, level: str, weights: str = "age", d0: float = DEFAULT_D0,
               lsoa_to_area: pd.Series | None = None) -> pd.DataFrame:
        """Long frame area_code, year, value over every year the measure supports (for trends/persistence)."""
        return pd.concat([self.area_values(measure, level, year, weights, d0, lsoa_to_area)
                          for year in self.years_for(measure)], ignore_index=True)

    def london_value(self, measure: str, year: int, weights: str = "age", d0: float = DEFAULT_D0) -> float:
        frame = self.lsoa_values(measure, year, weights, d0)
        return float(frame["numerator"].sum() / frame["denominator"].sum())

    def basis(self, measure: str, year: int, weights: str = "age", d0: float = DEFAULT_D0) -> str:
        """One line stating what the number is built from, for legends, tooltips and exports."""
        spec = check_measure(measure)
        parts = [f"{spec.unit}", fy_label(year)]
        if spec.uses_supply:
            parts.append("GP FTE: NHS Digital workforce (FY mean, fully qualified GPs)")
        if measure in ("e2sfca", "gp_fte_per_10k"):
            parts.append(WEIGHTINGS[weights])
        if measure == "e2sfca":
            parts.append(f"Gaussian decay, d0 {d0:,.0f} m straight line")
        if measure in ("gp_fte_per_10k", "patients_per_gp_fte"):
            parts.append(f"patients located by {FLOWS_SNAPSHOT} flows" +
                         ("" if year == FLOWS_YEAR else " (shares carried over)"))
        if measure in ("e2sfca", "gp_fte_per_10k", "nearest_practice_m"):
            mid = int(self.atlas.lsoa_years.loc[self.atlas.lsoa_years["year"] == year, "population_mid_year"].iloc[0])
            parts.append(f"ONS mid-{mid} population")
        return "; ".join(parts)

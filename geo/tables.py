"""Per-area tables (value, rank, persistence, hot spots) for one `Provision`: what the maps, rankings, panels
and exports show, computed once and memoised per parameter set."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import geopandas as gpd
import numpy as np
import pandas as pd

from data.geography import web_copy
from data.years import PCN_FIRST_YEAR, fy_label
from geo.catchments import lsoa_pcn_assignment, pcn_catchments
from geo.hotspots import getis_ord_gi_star, lsoa_weights
from geo.levels import LEVEL_CODE_COLUMN, check_level, level_years
from geo.measures import MEASURES, check_measure
from geo.memo import MB, Memo
from geo.names import display_names
from geo.params import DEFAULT_PARAMS, AnalysisParams
from geo.persistence import classify_persistence
from geo.provision import Provision

MEMO_BYTES = 80 * MB  # value series, persistence and hot-spot frames: tens to hundreds of kB each
HOTSPOT_ALPHA = 0.05


def london_ranks(values: pd.Series | np.ndarray, measure: str) -> pd.Series:
    """London rank of each value, 1 = poorest provision; areas with equal values share the best rank ('min');
    no value, no rank."""
    return pd.Series(values).rank(ascending=MEASURES[measure].higher_is_better, method="min")


@dataclass(frozen=True)
class RankedValues:
    """Every year's value and London rank of each area of a level under one measure: the compact form the
    cube and the area panel read (an array lookup, where a per-year table would be built and searched)."""
    codes: tuple[str, ...]  # sorted (PCN catchments: every year's)
    years: tuple[int, ...]
    values: np.ndarray      # (years, areas); NaN = no value, or no such area that year
    ranks: np.ndarray       # (years, areas) int32; 1 = poorest provision, 0 = no rank

    @cached_property
    def column(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}

    def of(self, area_code: str, year: int) -> tuple[float, int, int, int]:
        """(value, rank (0 = none), areas sharing that rank, areas ranked) of one area in one year."""
        row = self.years.index(year)
        value, rank = self.values[row, self.column[area_code]], int(self.ranks[row, self.column[area_code]])
        ranks = self.ranks[row]
        return float(value), rank, int((ranks == rank).sum()) if rank else 0, int((ranks > 0).sum())


class AreaTables:
    """Per-area tables for one `Provision`; memoised, read-only."""

    def __init__(self, provision: Provision):
        self.provision = provision
        self._memo = Memo(max_bytes=MEMO_BYTES, shared=provision.shared, namespace="tables")

    def _cached(self, key: tuple, compute, share: bool = False):
        return self._memo.get(key, compute, share)

    def years(self, measure: str, level: str) -> list[int]:
        return level_years(level, self.provision.years_for(measure))

    def pcn_years(self) -> list[int]:
        """The years with PCN catchments (PCN membership and practices with GP FTE)."""
        return level_years("pcn", self.provision.supply_years)

    def pcn_assignment(self, year: int) -> pd.Series:
        return self._cached(("pcn", year), lambda: lsoa_pcn_assignment(self.provision.atlas, year)
                            .set_index("lsoa11_code")["pcn_code"], share=True)

    def pcn_polygons(self, year: int) -> gpd.GeoDataFrame:
        return self._cached(("pcn_polygons", year), lambda: pcn_catchments(self.provision.atlas, year), share=True)

    def area_names(self, level: str) -> pd.Series:
        if level == "pcn":
            return self._cached(("names", level), lambda: display_names(self.provision.atlas.pcn_names))
        return self._cached(("names", level),
                            lambda: self.provision.atlas.areas[level].set_index("area_code")["area_name"])

    def check_year(self, measure: str, level: str, year: int) -> str:
        """The level (checked), or ValueError naming the years the measure has there."""
        check_measure(measure)
        level = check_level(level)
        if year not in self.years(measure, level):
            raise ValueError(f"no {measure} data at level {level} for year {year}; choose one of "
                             f"{', '.join(map(str, self.years(measure, level)))}")
        return level

    def values(self, measure: str, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        assignment = self.pcn_assignment(year) if level == "pcn" else None
        return self.provision.area_values(measure, level, year, params, lsoa_to_area=assignment)

    def series(self, measure: str, level: str, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        """Long frame area_code, year, value, ... over every year the measure has at the level."""
        return self._cached(("series", measure, level, *params.catchment), lambda: pd.concat(
            [self.values(measure, level, y, params) for y in self.years(measure, level)], ignore_index=True),
            share=True)

    def ranked(self, measure: str, level: str, params: AnalysisParams = DEFAULT_PARAMS) -> RankedValues:
        """Every year's values and ranks at the level, from the series (shared by the workers: it is small)."""
        def compute():
            series = self.series(measure, level, params)
            years, codes = tuple(self.years(measure, level)), np.unique(series["area_code"].to_numpy(dtype=str))
            values = np.full((len(years), len(codes)), np.nan)
            values[np.searchsorted(years, series["year"].to_numpy()),
                   np.searchsorted(codes, series["area_code"].to_numpy(dtype=str))] = series["value"].to_numpy(float)
            ranks = np.vstack([london_ranks(row, measure).fillna(0).to_numpy(np.int32) for row in values])
            return RankedValues(tuple(codes.tolist()), years, values, ranks)
        return self._cached(("ranked", measure, level, *params.catchment), compute, share=True)

    def persistence(self, measure: str, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS
                    ) -> pd.DataFrame:
        return self._cached(("persistence", measure, level, year, params), lambda: classify_persistence(
            self.series(measure, level, params)[["area_code", "year", "value"]], k=params.k, n=params.n,
            cut=params.cut, poor=MEASURES[measure].poor, end_year=year), share=True)

    def lsoa_weights(self):
        return self._cached(("lsoa_weights",), lambda: lsoa_weights(self.provision.atlas.areas["lsoa11"]))

    def hotspots(self, measure: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        return self._cached(("hotspots", measure, year, *params.catchment), lambda: getis_ord_gi_star(
            self.values(measure, "lsoa11", year, params)[["area_code", "value"]], self.lsoa_weights(),
            alpha=HOTSPOT_ALPHA, poor=MEASURES[measure].poor))

    def table(self, level: str, measure: str, year: int, params: AnalysisParams = DEFAULT_PARAMS,
              persistence: bool = False, hotspots: bool = False) -> pd.DataFrame:
        """One row per area: code, name, year, measure, value, rank (1 = poorest provision), basis,
        and persistence / hot-spot fields when asked (hot spots at LSOA level only)."""
        level = self.check_year(measure, level, year)
        if hotspots and level != "lsoa11":
            raise ValueError("hot spots are computed on LSOA queen contiguity; use --level lsoa11")
        frame = self.values(measure, level, year, params)
        frame.insert(1, "area_name", frame["area_code"].map(self.area_names(level)))
        frame["rank"] = london_ranks(frame["value"], measure).astype("Int64")
        frame["basis"] = self.provision.basis(measure, year, params)
        frame["fy"] = fy_label(year)
        if persistence:
            frame = frame.merge(self.persistence(measure, level, year, params), on="area_code", how="left")
        if hotspots:
            frame = frame.merge(self.hotspots(measure, year, params).drop(columns="value"), on="area_code",
                                how="left")
        return frame.drop(columns=["numerator", "denominator"]).sort_values("area_code").reset_index(drop=True)

    def geometry(self, level: str, year: int) -> gpd.GeoDataFrame:
        """Web geometry (EPSG:4326) of a level's areas; PCN catchments are dissolved for the year."""
        if level == "pcn":
            polygons = self.pcn_polygons(year).rename(columns={"pcn_code": "area_code", "pcn_name": "area_name"})
            return web_copy(polygons[~polygons.geometry.is_empty], "pcn")[["area_code", "geometry"]]
        return self.provision.atlas.areas_web[level][["area_code", "geometry"]]

    def serving_pcns(self, level: str, year: int) -> pd.Series:
        """area_code -> the PCN serving it: the PCN whose catchment (geo/catchments.py) holds most of the area's
        residents, with how many other PCNs' catchments reach into it ('Brent Central PCN (+3 more)'); a PCN
        catchment serves itself. Empty before PCNs existed."""
        check_level(level)
        if year < PCN_FIRST_YEAR:
            return pd.Series(dtype=str)

        def compute():
            names = self.provision.atlas.pcn_names
            assignment = self.pcn_assignment(year)
            if level == "pcn":
                codes = pd.Series(assignment.unique())
                return pd.Series(codes.map(names).fillna(codes).to_numpy(), index=codes.to_numpy())
            lsoa = self.provision.lsoa
            frame = pd.DataFrame({"area_code": lsoa[LEVEL_CODE_COLUMN[level]].to_numpy(),
                                  "pcn_code": lsoa["area_code"].map(assignment).to_numpy(),
                                  "residents": self.provision.residents(year)}).dropna(subset=["pcn_code"])
            totals = frame.groupby(["area_code", "pcn_code"], as_index=False)["residents"].sum()
            top = totals.sort_values(["area_code", "residents", "pcn_code"], ascending=[True, False, True])
            top = top.drop_duplicates("area_code").set_index("area_code")["pcn_code"]
            others = totals.groupby("area_code").size().reindex(top.index) - 1
            more = others.map(lambda count: f" (+{count} more)" if count else "")
            return top.map(names).fillna(top) + more
        return self._cached(("serving_pcns", level, year), compute, share=True)

"""Export any measure at any level and year, with persistence and hot-spot fields.

    python -m geo.export --level LEVEL --measure MEASURE --year YEAR [--weights age|age_imd|none]
        [--d0 METRES] [--k K --n N] [--cut CUT] [--hotspots] --format csv|geojson --out PATH|-

MEASURE ``agreement`` writes the method-agreement table instead (geo/agreement_tables.py), and
``--measure agreement --correlations`` the Spearman matrix between the measures (CSV).

`area_table` is the pure core (also used by the app for downloads); `main` is
the command line, the only place here that touches files.
"""
from __future__ import annotations

import argparse
import sys

import geopandas as gpd
import pandas as pd

from data.config import WGS84
from data.geography import LEVELS as AREA_LEVELS
from data.geography import web_copy
from data.years import PCN_FIRST_YEAR, fy_label
from geo.access import DEFAULT_D0
from geo.catchments import lsoa_pcn_assignment, pcn_catchments
from geo.hotspots import getis_ord_gi_star, lsoa_weights
from geo.measures import MEASURES, Provision, check_measure
from geo.memo import Memo
from geo.need import check_weighting
from geo.persistence import classify_persistence

LEVELS = {**AREA_LEVELS, "pcn": "PCN catchment (plurality of registered residents)"}


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    return level


class AreaTables:
    """Per-area tables (value, rank, persistence, hot spots) for one `Provision`; memoised."""

    def __init__(self, provision: Provision):
        self.provision = provision
        self._memo = Memo(max_entries=512)

    def _cached(self, key: tuple, compute):
        return self._memo.get(key, compute)

    def years(self, measure: str, level: str) -> list[int]:
        years = self.provision.years_for(measure)
        return [y for y in years if y >= PCN_FIRST_YEAR] if level == "pcn" else years

    def pcn_assignment(self, year: int) -> pd.Series:
        return self._cached(("pcn", year), lambda: lsoa_pcn_assignment(self.provision.atlas, year)
                            .set_index("lsoa11_code")["pcn_code"])

    def pcn_polygons(self, year: int) -> gpd.GeoDataFrame:
        return self._cached(("pcn_polygons", year), lambda: pcn_catchments(self.provision.atlas, year))

    def area_names(self, level: str) -> pd.Series:
        if level == "pcn":
            return self.provision.atlas.pcns.set_index("pcn_code")["pcn_name"]
        return self.provision.atlas.areas[level].set_index("area_code")["area_name"]

    def values(self, measure: str, level: str, year: int, weights: str, d0: float) -> pd.DataFrame:
        assignment = self.pcn_assignment(year) if level == "pcn" else None
        return self.provision.area_values(measure, level, year, weights, d0, lsoa_to_area=assignment)

    def series(self, measure: str, level: str, weights: str, d0: float) -> pd.DataFrame:
        return self._cached(("series", measure, level, weights, d0), lambda: pd.concat(
            [self.values(measure, level, y, weights, d0) for y in self.years(measure, level)], ignore_index=True))

    def persistence(self, measure: str, level: str, year: int, weights: str, d0: float,
                    k: int, n: int, cut: float) -> pd.DataFrame:
        return self._cached(("persistence", measure, level, year, weights, d0, k, n, cut), lambda: classify_persistence(
            self.series(measure, level, weights, d0)[["area_code", "year", "value"]], k=k, n=n, cut=cut,
            poor=MEASURES[measure].poor, end_year=year))

    def lsoa_weights(self):
        return self._cached(("lsoa_weights",), lambda: lsoa_weights(self.provision.atlas.areas["lsoa11"]))

    def hotspots(self, measure: str, year: int, weights: str, d0: float, alpha: float = 0.05) -> pd.DataFrame:
        return self._cached(("hotspots", measure, year, weights, d0, alpha), lambda: getis_ord_gi_star(
            self.values(measure, "lsoa11", year, weights, d0)[["area_code", "value"]], self.lsoa_weights(),
            alpha=alpha, poor=MEASURES[measure].poor))

    def table(self, level: str, measure: str, year: int, weights: str = "age", d0: float = DEFAULT_D0,
              k: int | None = None, n: int | None = None, cut: float = 0.2, hotspots: bool = False) -> pd.DataFrame:
        """One row per area: code, name, year, measure, value, rank (1 = poorest provision), basis,
        and persistence / hot-spot fields when asked (k and n given; hotspots at LSOA level)."""
        spec, level = check_measure(measure), check_level(level)
        weights = check_weighting(weights)
        if year not in self.years(measure, level):
            raise ValueError(f"no {measure} data at level {level} for year {year}; choose one of "
                             f"{', '.join(map(str, self.years(measure, level)))}")
        if hotspots and level != "lsoa11":
            raise ValueError("hot spots are computed on LSOA queen contiguity; use --level lsoa11")
        frame = self.values(measure, level, year, weights, d0)
        frame.insert(1, "area_name", frame["area_code"].map(self.area_names(level)))
        frame["rank"] = frame["value"].rank(ascending=spec.poor == "low", method="min").astype("Int64")
        frame["basis"] = self.provision.basis(measure, year, weights, d0)
        frame["fy"] = fy_label(year)
        if k is not None or n is not None:
            persistence = self.persistence(measure, level, year, weights, d0, k or 4, n or 5, cut)
            frame = frame.merge(persistence, on="area_code", how="left")
        if hotspots:
            frame = frame.merge(self.hotspots(measure, year, weights, d0).drop(columns="value"), on="area_code",
                                how="left")
        return frame.drop(columns=["numerator", "denominator"]).sort_values("area_code").reset_index(drop=True)

    def geometry(self, level: str, year: int) -> gpd.GeoDataFrame:
        """Web geometry (EPSG:4326) of a level's areas; PCN catchments are dissolved for the year."""
        if level == "pcn":
            polygons = self.pcn_polygons(year).rename(columns={"pcn_code": "area_code", "pcn_name": "area_name"})
            return web_copy(polygons[~polygons.geometry.is_empty], "pcn")[["area_code", "geometry"]]
        return self.provision.atlas.areas_web[level][["area_code", "geometry"]]


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(2, f"error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    parser = _OneLineParser(prog="python -m geo.export", description="Export a provision measure per area.")
    parser.add_argument("--level", required=True)
    parser.add_argument("--measure", required=True)
    parser.add_argument("--year", required=True, type=int)
    parser.add_argument("--weights", default="age")
    parser.add_argument("--d0", type=float, default=DEFAULT_D0)
    parser.add_argument("--k", type=int)
    parser.add_argument("--n", type=int)
    parser.add_argument("--cut", type=float, default=0.2)
    parser.add_argument("--hotspots", action="store_true")
    parser.add_argument("--correlations", action="store_true")
    parser.add_argument("--format", default="csv")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    from geo.agreement_tables import AGREEMENT, export_table  # it builds on this module
    try:
        check_level(args.level)
        if args.measure != AGREEMENT:
            check_measure(args.measure)
        check_weighting(args.weights)
        if args.format not in ("csv", "geojson"):
            raise ValueError(f"unknown format {args.format!r}; choose one of csv, geojson")
        from data.errors import DataFileError
        from data.loader import load_atlas
        try:
            tables = AreaTables(Provision(load_atlas()))
        except DataFileError as exc:
            raise ValueError(f"data error: {exc}") from exc
        if args.measure == AGREEMENT or args.correlations:
            table = export_table(tables, args)
        else:
            table = tables.table(args.level, args.measure, args.year, args.weights, args.d0,
                                 args.k, args.n, args.cut, args.hotspots)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.format == "geojson":
        layer = tables.geometry(args.level, args.year).merge(table, on="area_code", how="right")
        text = gpd.GeoDataFrame(layer, geometry="geometry", crs=WGS84).to_json(drop_id=True, na="null")
    else:
        text = table.to_csv(index=False)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(f"wrote {len(table):,} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

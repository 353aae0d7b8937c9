"""Export any measure at any level and year, with persistence and hot-spot fields.

    python -m geo.export --level LEVEL --measure MEASURE --year YEAR [--weights age|age_imd|none]
        [--d0 METRES] [--k K --n N] [--cut CUT] [--hotspots] --format csv|geojson --out PATH|-

The tables are `geo.tables.AreaTables` (what the app shows); this module is
the command line, the only place here that touches files. Persistence
columns are added when --k or --n is given (the other defaults to
`geo.params.AnalysisParams`).

MEASURE ``agreement`` writes the method-agreement table instead (geo/agreement_tables.py), and
``--measure agreement --correlations`` the Spearman matrix between the measures (CSV).
"""
from __future__ import annotations

import argparse
import sys

import geopandas as gpd

from data.config import WGS84
from geo.levels import check_level
from geo.measures import check_measure
from geo.params import DEFAULT_PARAMS, AnalysisParams


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.exit(2, f"error: {message}\n")


def parser() -> argparse.ArgumentParser:
    cli = _OneLineParser(prog="python -m geo.export", description="Export a provision measure per area.")
    cli.add_argument("--level", required=True)
    cli.add_argument("--measure", required=True)
    cli.add_argument("--year", required=True, type=int)
    cli.add_argument("--weights", default=DEFAULT_PARAMS.weights)
    cli.add_argument("--d0", type=float, default=DEFAULT_PARAMS.d0)
    cli.add_argument("--k", type=int)
    cli.add_argument("--n", type=int)
    cli.add_argument("--cut", type=float, default=DEFAULT_PARAMS.cut)
    cli.add_argument("--hotspots", action="store_true")
    cli.add_argument("--correlations", action="store_true")
    cli.add_argument("--format", default="csv")
    cli.add_argument("--out", required=True)
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    from geo.agreement_tables import AGREEMENT, export_table
    try:
        check_level(args.level)
        if args.measure != AGREEMENT:
            check_measure(args.measure)
        params = AnalysisParams(weights=args.weights, d0=args.d0,
                                k=DEFAULT_PARAMS.k if args.k is None else args.k,
                                n=DEFAULT_PARAMS.n if args.n is None else args.n, cut=args.cut)
        if args.format not in ("csv", "geojson"):
            raise ValueError(f"unknown format {args.format!r}; choose one of csv, geojson")
        from data.errors import DataFileError
        from data.loader import load_atlas
        from geo.provision import Provision
        from geo.tables import AreaTables
        try:
            tables = AreaTables(Provision(load_atlas()))
        except DataFileError as exc:
            raise ValueError(f"data error: {exc}") from exc
        if args.measure == AGREEMENT or args.correlations:
            table = export_table(tables, args, params)
        else:
            table = tables.table(args.level, args.measure, args.year, params,
                                 persistence=args.k is not None or args.n is not None, hotspots=args.hotspots)
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

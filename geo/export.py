"""Export any measure at any level and year, with persistence and hot-spot fields.

    python -m geo.export --level LEVEL --measure MEASURE --year YEAR [--weights age|age_imd|none]
        [--d0 METRES] [--k K --n N] [--cut CUT] [--hotspots] --format csv|geojson --out PATH|-

The tables are `geo.tables.AreaTables` (what the app shows); this module is
the command line, the only place here that touches files: CSV cells are
spreadsheet-safe (`data.safe_csv`) and every error is one line with exit
status 2, the output checked before the work starts (`geo.cli`). Persistence
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
from data.safe_csv import safe_csv
from geo.cli import OneLineParser, OutputError, check_output, fail, write_output
from geo.levels import check_level
from geo.measures import check_measure
from geo.params import DEFAULT_PARAMS, AnalysisParams

PROG = "geo.export"


def parser() -> argparse.ArgumentParser:
    cli = OneLineParser(PROG, description="Export a provision measure per area.")
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
        check_output(args.out)
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
    except ValueError as exc:  # OutputError included
        return fail(PROG, str(exc))
    if args.format == "geojson":
        layer = tables.geometry(args.level, args.year).merge(table, on="area_code", how="right")
        text = gpd.GeoDataFrame(layer, geometry="geometry", crs=WGS84).to_json(drop_id=True, na="null")
    else:
        text = safe_csv(table)
    try:
        write_output(text, args.out)
    except OutputError as exc:
        return fail(PROG, str(exc))
    if args.out != "-":
        print(f"wrote {len(table):,} rows to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

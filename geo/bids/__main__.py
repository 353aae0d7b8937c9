"""Command line for the bid evaluator.

    python -m geo.bids --bids FILE.csv --year YEAR [--d0 METRES] [--weights age|age_imd|none]
                       [--objective OBJECTIVE] [--close CODES] [--merge FROM>INTO,...] [--k K --n N]
                       --out ranked.csv|-

Writes one row per input row (status, scores, rank; valid rows ranked by the
objective) and prints the combined-scenario summary on stderr; text cells are
spreadsheet-safe (`data.safe_csv`). Bad arguments, an unreadable or malformed
bids file, or an output that cannot be written: one line on stderr, exit
status 2, no traceback (`geo.cli`).
Defaults of the analysis parameters are `geo.params.AnalysisParams`'s.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data.bid_intake import COLUMNS_HELP, MAX_FILE_SIZE_TEXT, BidFileError, read_bids_file
from data.errors import DataFileError
from data.loader import load_atlas
from data.safe_csv import safe_csv
from geo.bids.baseline import bid_baseline, parse_changes
from geo.bids.objectives import DEFAULT_OBJECTIVE, OBJECTIVES
from geo.bids.report import ranked_table, summary_line
from geo.bids.scenario import evaluate
from geo.cli import OneLineParser, OutputError, check_output, fail, write_output
from geo.need import WEIGHTINGS
from geo.params import D0_RANGE, DEFAULT_PARAMS, AnalysisParams, check_d0
from geo.provision import Provision
from geo.tables import AreaTables

PROG = "geo.bids"


def _d0(text: str) -> float:
    try:
        return check_d0(float(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"d0 must be a number of metres between {D0_RANGE[0]:,.0f} and "
                                         f"{D0_RANGE[1]:,.0f}, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    build = OneLineParser(PROG, description="Score and rank proposed GP premises (bids).")
    build.add_argument("--bids", required=True, help=f"CSV: {COLUMNS_HELP}; at most {MAX_FILE_SIZE_TEXT}")
    build.add_argument("--year", required=True, help="year label (NHS financial year ending 31 March)")
    build.add_argument("--d0", type=_d0, default=DEFAULT_PARAMS.d0,
                       help=f"catchment in metres (default {DEFAULT_PARAMS.d0:g})")
    build.add_argument("--weights", choices=list(WEIGHTINGS), default=DEFAULT_PARAMS.weights)
    build.add_argument("--objective", choices=list(OBJECTIVES), default=DEFAULT_OBJECTIVE)
    build.add_argument("--close", default="", help="practice codes closed in the scenario, comma-separated")
    build.add_argument("--merge", default="", help="merges FROM>INTO (or FROM:INTO), comma-separated")
    build.add_argument("--k", type=int, default=DEFAULT_PARAMS.k, help="persistent: bottom quintile in at least k ...")
    build.add_argument("--n", type=int, default=DEFAULT_PARAMS.n, help="... of the last n years")
    build.add_argument("--out", required=True, help="output CSV path, or - for stdout")
    return build


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        raw = read_bids_file(Path(args.bids))
        check_output(args.out)
    except (BidFileError, OutputError) as exc:
        return fail(PROG, str(exc))
    try:
        tables = AreaTables(Provision(load_atlas()))  # from the cache, building it first when missing or stale
        year = int(args.year) if args.year.strip().lstrip("-").isdigit() else args.year
        params = AnalysisParams(weights=args.weights, d0=args.d0, k=args.k, n=args.n)
        base = bid_baseline(tables, year, params)
    except (DataFileError, ValueError) as exc:
        return fail(PROG, str(exc))
    changes, problems = parse_changes(args.close, args.merge, base)
    if problems:
        return fail(PROG, "; ".join(problems))
    scenario = evaluate(raw, base, changes, args.objective)
    try:
        write_output(safe_csv(ranked_table(scenario)), args.out)
    except OutputError as exc:
        return fail(PROG, str(exc))
    print(summary_line(scenario.summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""PCN plurality catchments for one year: LSOA -> PCN assignment plus dissolving the 4,835 London
LSOAs into ~200 PCN polygons (target well under 1 s), against a naive per-PCN union loop.

    python bench/catchments.py [--year 2023] [--runs N]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median_seconds, report  # noqa: E402
from data.loader import load_atlas  # noqa: E402
from geo.catchments import lsoa_pcn_assignment, pcn_catchments  # noqa: E402


def naive_catchments(atlas, year: int) -> list:
    """The same assignment, then one overlay union per PCN in a Python loop (the usual first attempt)."""
    assignment = lsoa_pcn_assignment(atlas, year)
    geometry = atlas.lsoa.set_index("area_code").geometry
    return [shapely.make_valid(shapely.unary_union(geometry[members["lsoa11_code"]].to_numpy()))
            for _, members in assignment.groupby("pcn_code")]


def geopandas_dissolve(atlas, year: int):
    """The same assignment, then GeoDataFrame.dissolve with its default overlay union."""
    assignment = lsoa_pcn_assignment(atlas, year)
    lsoa = atlas.lsoa[["area_code", "geometry"]].merge(assignment, left_on="area_code", right_on="lsoa11_code")
    return lsoa.dissolve("pcn_code")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    atlas = load_atlas()

    catchments = pcn_catchments(atlas, args.year)
    print(f"{args.year}: {len(atlas.lsoa):,} LSOAs -> {len(catchments)} PCN catchments (plurality)")
    assignment = median_seconds(lambda: lsoa_pcn_assignment(atlas, args.year), args.runs)
    ours = median_seconds(lambda: pcn_catchments(atlas, args.year), args.runs)
    naive = median_seconds(lambda: naive_catchments(atlas, args.year), max(3, args.runs // 2))
    dissolve = median_seconds(lambda: geopandas_dissolve(atlas, args.year), max(3, args.runs // 2))
    report("LSOA -> PCN assignment (flows plurality + KD-tree fallback)", assignment)
    report("pcn_catchments plurality (assignment + 1 mm snap + coverage union + PCN table)", ours, budget=1.0,
           baseline=("assignment + per-PCN unary_union loop", naive))
    report("pcn_catchments plurality", ours, baseline=("assignment + GeoDataFrame.dissolve (unary)", dissolve))
    report("pcn_catchments percent_volume", median_seconds(
        lambda: pcn_catchments(atlas, args.year, "percent_volume"), args.runs), budget=1.0)


if __name__ == "__main__":
    main()

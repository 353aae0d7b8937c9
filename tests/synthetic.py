"""A tiny, hand-checkable tidy model for unit tests of geo/ (no files involved).

LSOAs are 1 km squares in a row along the x axis (BNG metres, origin at
(500000, 180000)), so centroid distances are easy to work out on paper.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from data.config import BNG, WGS84
from data.model import AtlasData
from data.quality import QualityReport

ORIGIN_X, ORIGIN_Y = 500_000.0, 180_000.0
BANDS = ("0-4", "5-14", "15-44", "45-64", "65-74", "75-84", "85+")


def lsoa_row(n: int, side: float = 1000.0) -> gpd.GeoDataFrame:
    """n square LSOAs E0..E{n-1} side by side; centroid of LSOA i at x = ORIGIN_X + side*(i + 0.5)."""
    geometry = [box(ORIGIN_X + side * i, ORIGIN_Y, ORIGIN_X + side * (i + 1), ORIGIN_Y + side) for i in range(n)]
    frame = gpd.GeoDataFrame({"area_code": [f"E{i}" for i in range(n)], "area_name": [f"LSOA {i}" for i in range(n)]},
                             geometry=geometry, crs=BNG)
    centroids = frame.geometry.centroid
    frame["centroid_x"], frame["centroid_y"] = centroids.x, centroids.y
    for level in ("msoa11", "ward", "borough", "ccg19", "icb"):
        frame[f"{level}_code"] = [f"{level.upper()}{i // 2}" for i in range(n)]  # pairs of LSOAs
    frame["imd_decile"] = [(i % 10) + 1 for i in range(n)]
    return frame


# The flows extract the hand-written flows stand for (year 2023), as the build would record it.
FLOWS_SOURCE = {"file": "registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz", "family": "flows",
                "vintage": "2022-07", "status": "used", "size": 0, "sha256": ""}


def tiny_atlas(lsoa: gpd.GeoDataFrame, practices: pd.DataFrame, population: list[float] | dict,
               flows: pd.DataFrame | None = None, years: tuple[int, ...] = (2023,)) -> AtlasData:
    """AtlasData from hand-written pieces.

    practices: practice_code, easting, northing, gp_fte, list_size [, pcn_code, year, open_in_year].
    population: residents per LSOA (all in band 15-44, so age weights cancel), or a
    dict band -> list of counts.
    """
    bands = population if isinstance(population, dict) else {"15-44": population}
    per_year = []
    for year in years:
        counts = {f"pop_{band}": np.asarray(bands.get(band, [0.0] * len(lsoa)), dtype=float) for band in BANDS}
        frame = pd.DataFrame({"lsoa11_code": lsoa["area_code"], **counts, "year": year,
                              "population_mid_year": year - 1})
        frame["population"] = frame[[f"pop_{b}" for b in BANDS]].sum(axis=1)
        per_year.append(frame)
    rows = practices.copy()
    if "year" not in rows:
        rows = rows.merge(pd.DataFrame({"year": list(years)}), how="cross")
    rows = rows.assign(**{column: default for column, default in {
        "open_in_year": True, "is_gp": True, "pcn_code": None, "lsoa11_code": None,
        "fte_status": "reported"}.items() if column not in rows})
    rows.loc[rows["gp_fte"].isna(), "fte_status"] = "no workforce return"
    rows["is_gp"] = rows["is_gp"].astype("boolean")
    register = gpd.GeoDataFrame(rows.drop_duplicates("practice_code")[["practice_code"]],
                                geometry=gpd.points_from_xy(rows.drop_duplicates("practice_code")["easting"],
                                                            rows.drop_duplicates("practice_code")["northing"]), crs=BNG)
    flows = flows if flows is not None else pd.DataFrame(columns=["practice_code", "lsoa11_code", "patients"])
    flows = flows.assign(year=2023, practice_in_london=True,
                         lsoa_in_london=flows["lsoa11_code"].isin(lsoa["area_code"]))
    areas = {"lsoa11": lsoa}
    return AtlasData(
        practices=register, practice_years=rows, pcns=pd.DataFrame(columns=["pcn_code", "pcn_name"]), areas=areas,
        areas_web={level: frame.to_crs(WGS84) for level, frame in areas.items()},
        lsoa_years=pd.concat(per_year, ignore_index=True), flows=flows,
        postcodes=pd.DataFrame(columns=["postcode", "easting", "northing", "release", "live"]),
        quality=QualityReport(sources=[FLOWS_SOURCE]))

"""Area layers (LSOA 2011 and every coarser level) and LSOA attributes.

All layers are EPSG:27700 with valid geometry. The LSOA frame carries the
code of every coarser level it belongs to, so the analytics aggregate by a
plain group-by and never need another spatial join.
"""
from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from data.config import BNG, WGS84
from data.errors import check_crs
from data.quality import QualityReport
from data.readers import read_boundaries, read_csv_checked

LEVELS = {
    "lsoa11": "LSOA (2011)",
    "msoa11": "MSOA (2011)",
    "ward": "Ward (2014, City merged)",
    "borough": "Borough",
    "ccg19": "CCG (April 2019)",
    "icb": "ICB (July 2022)",
}
COARSE_LEVELS = [level for level in LEVELS if level != "lsoa11"]

# Douglas-Peucker tolerance (metres) for the web copy of each level: below a
# pixel at the zoom the level is read at, and small enough that neighbouring
# edges (simplified independently) never open a visible gap.
WEB_TOLERANCE_M = {"lsoa11": 20, "msoa11": 25, "ward": 25, "borough": 40, "ccg19": 50, "icb": 60,
                   "pcn": 25}  # pcn: catchments dissolved from LSOAs by geo/catchments.py (app only)
WEB_DECIMALS = 5

GLA = "london_datastore_statistical_gis_boundaries"


def read_area_layers(root: Path, report: QualityReport) -> dict[str, gpd.GeoDataFrame]:
    """Boundary polygons of every level, our column names, EPSG:27700."""
    geography = root / "geography"
    gpkg = geography / "london_geography.gpkg"
    return {
        "lsoa11": read_boundaries(
            geography / GLA / "LSOA_2011_London_gen_MHW.shp",
            {"LSOA11CD": "area_code", "LSOA11NM": "area_name", "MSOA11CD": "msoa11_code", "LAD11CD": "borough_code"},
            "GLA LSOA 2011 boundaries (shapefile)", report),
        "msoa11": read_boundaries(
            geography / GLA / "MSOA_2011_London_gen_MHW.shp",
            {"MSOA11CD": "area_code", "MSOA11NM": "area_name", "LAD11CD": "borough_code"},
            "GLA MSOA 2011 boundaries (shapefile)", report),
        "ward": read_boundaries(
            geography / GLA / "London_Ward_CityMerged.shp",
            {"GSS_CODE": "area_code", "NAME": "area_name", "LB_GSS_CD": "borough_code"},
            "GLA ward boundaries, City merged (shapefile)", report),
        "borough": read_boundaries(
            geography / GLA / "London_Borough_Excluding_MHW.shp",
            {"GSS_CODE": "area_code", "NAME": "area_name"},
            "GLA borough boundaries (shapefile)", report),
        "ccg19": read_boundaries(
            gpkg, {"CCG19CD": "area_code", "CCG19NM": "area_name", "CCG19CDH": "ods_code"},
            "CCG 2019 polygons (derived LSOA dissolve)", report, layer="ccg19_derived_dissolve_lsoa"),
        "icb": read_boundaries(
            gpkg, {"icb22_code": "area_code", "icb22_name": "area_name", "icb22_code_h": "ods_code"},
            "ICB 2022 polygons (derived LSOA dissolve)", report, layer="icb22_derived_dissolve_lsoa"),
    }


def _lookup(path: Path, columns: dict[str, str], what: str, report: QualityReport) -> pd.DataFrame:
    """One row per LSOA (a repeated LSOA would duplicate it, and its population, in every total)."""
    frame = read_csv_checked(path, list(columns), what, dtype=str)
    repeated = frame.duplicated(next(iter(columns)))
    report.file(path.name, len(frame), int((~repeated).sum()),
                {"LSOA listed again (first row kept)": int(repeated.sum())})
    return frame.loc[~repeated, list(columns)].rename(columns=columns)


def attach_lsoa_memberships(layers: dict[str, gpd.GeoDataFrame], root: Path, report: QualityReport) -> gpd.GeoDataFrame:
    """LSOA frame with the code of its ward, CCG 2019 and ICB.

    MSOA and borough come from the LSOA file itself (exact nesting). CCG 2019
    and ICB come from the ONS lookups (the polygons are dissolves of the same
    LSOAs, so this is exact too). Wards (2014-era) do not nest: each LSOA goes
    to the ward containing its representative point (ONS 'best fit' style).
    """
    lookups = root / "geography" / "lookups"
    lsoa = layers["lsoa11"].copy()
    ccg = _lookup(lookups / "lsoa11_ccg19_stp19_lad19_london.csv", {"LSOA11CD": "area_code", "CCG19CD": "ccg19_code"},
                  "ONS LSOA11 to CCG19 lookup", report)
    icb = _lookup(lookups / "lsoa11_sicbl22_icb22_ltla22_london.csv",
                  {"lsoa11_code": "area_code", "icb22_code": "icb_code"}, "ONS LSOA11 to ICB22 lookup", report)
    lsoa = lsoa.merge(ccg, on="area_code", how="left").merge(icb, on="area_code", how="left")
    for column, name in (("ccg19_code", "LSOA -> CCG 2019 (ONS lookup)"),
                         ("icb_code", "LSOA -> ICB 2022 (ONS lookup)")):
        missing = lsoa.loc[lsoa[column].isna(), "area_code"]
        report.join(name, len(lsoa), len(lsoa) - len(missing),
                    [{"lsoa11_code": c, "reason": "not in lookup"} for c in missing], {"not in lookup": len(missing)})

    points = gpd.GeoDataFrame({"area_code": lsoa["area_code"]}, geometry=lsoa.geometry.representative_point(), crs=BNG)
    wards = layers["ward"][["area_code", "geometry"]].rename(columns={"area_code": "ward_code"})
    joined = gpd.sjoin(points, wards, how="left", predicate="within").drop_duplicates("area_code")
    lsoa = lsoa.merge(joined[["area_code", "ward_code"]], on="area_code", how="left")
    missing = lsoa.loc[lsoa["ward_code"].isna(), "area_code"]
    report.join("LSOA -> ward (representative point in ward polygon)", len(lsoa), len(lsoa) - len(missing),
                [{"lsoa11_code": c, "reason": "point in no ward"} for c in missing], {"point in no ward": len(missing)})

    centroids = lsoa.geometry.centroid
    lsoa["centroid_x"] = centroids.x
    lsoa["centroid_y"] = centroids.y
    return lsoa


def attach_lsoa_attributes(lsoa: gpd.GeoDataFrame, root: Path, report: QualityReport) -> gpd.GeoDataFrame:
    """IMD 2019 rank/decile, the IMD 'road distance to a GP surgery' and CIDR indicators, PTAL 2015."""
    geography = root / "geography"
    imd = read_csv_checked(geography / "deprivation" / "imd2019_london_lsoa11.csv",
                           ["lsoa11_code", "IMD_decile", "IMD_rank"], "IMD 2019 ranks and deciles",
                           dtype={"lsoa11_code": str})
    indicators = read_csv_checked(
        geography / "deprivation" / "imd2019_london_lsoa11_indicators.csv",
        ["lsoa11_code", "road_distance_to_a_gp_surgery_indicator_km",
         "comparative_illness_and_disability_ratio_indicator"],
        "IMD 2019 underlying indicators", dtype={"lsoa11_code": str})
    ptal = read_csv_checked(geography / "transport" / "LSOA2011_AvPTAI2015.csv", ["LSOA2011", "AvPTAI2015", "PTAL"],
                            "TfL PTAL 2015 by LSOA", dtype={"LSOA2011": str, "PTAL": str})
    # PTAL is a class label (0, 1a, 1b, 2 ... 6b); some rows carry '2.00000'.
    ptal_label = ptal["PTAL"].str.strip().str.replace(r"^(\d)\.0+$", r"\1", regex=True)
    attributes = pd.DataFrame({"area_code": imd["lsoa11_code"],
                               "imd_decile": pd.to_numeric(imd["IMD_decile"], errors="coerce"),
                               "imd_rank": pd.to_numeric(imd["IMD_rank"], errors="coerce")})
    attributes = attributes.merge(pd.DataFrame({
        "area_code": indicators["lsoa11_code"],
        "road_dist_gp_km": pd.to_numeric(indicators["road_distance_to_a_gp_surgery_indicator_km"], errors="coerce"),
        "cidr": pd.to_numeric(indicators["comparative_illness_and_disability_ratio_indicator"], errors="coerce"),
    }), on="area_code", how="outer").merge(pd.DataFrame({
        "area_code": ptal["LSOA2011"], "ptal": ptal_label, "ptai": pd.to_numeric(ptal["AvPTAI2015"], errors="coerce"),
    }), on="area_code", how="outer")
    for name, frame, key in (("IMD 2019", imd, "lsoa11_code"), ("IMD 2019 indicators", indicators, "lsoa11_code"),
                             ("PTAL 2015", ptal, "LSOA2011")):
        codes = set(frame[key])
        missing = lsoa.loc[~lsoa["area_code"].isin(codes), "area_code"]
        extra = len(codes - set(lsoa["area_code"]))
        report.join(f"LSOA -> {name}", len(lsoa), len(lsoa) - len(missing),
                    [{"lsoa11_code": c, "reason": "no record"} for c in missing],
                    {"no record": len(missing), "records for non-London LSOAs ignored": extra})
    return lsoa.merge(attributes, on="area_code", how="left")


def web_copy(layer: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Simplified EPSG:4326 copy for the browser: codes, names and geometry only."""
    check_crs(layer, BNG, level)
    simplified = layer.geometry.simplify(WEB_TOLERANCE_M[level], preserve_topology=True).make_valid()
    web = gpd.GeoDataFrame(layer[["area_code", "area_name"]].copy(), geometry=simplified, crs=BNG).to_crs(WGS84)
    web["geometry"] = web.geometry.set_precision(10 ** -WEB_DECIMALS).make_valid()
    return web

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
from data.sources import SOURCES, Inventory

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
# A second, coarser web copy for London-wide views of the levels where detail costs the browser most: at the
# zoom the map opens on (about 100 m a pixel) 45 m is under half a pixel, and London's LSOAs keep 58% fewer
# vertices for MapLibre's worker to parse and tile. The map swaps in the WEB_TOLERANCE_M copy when zoomed in
# (layout/geometry.py OVERVIEW_BELOW_ZOOM).
OVERVIEW_TOLERANCE_M = {"lsoa11": 45}
WEB_DECIMALS = 5



def _renamed(key: str, ours: tuple[str, ...]) -> dict[str, str]:
    """The manifest's source columns of a family, mapped in order to our names."""
    return dict(zip(SOURCES[key].columns, ours, strict=True))


def _layer(files: Inventory, key: str, ours: tuple[str, ...], what: str, report: QualityReport) -> gpd.GeoDataFrame:
    return read_boundaries(files.fixed(key), _renamed(key, ours), what, report, layer=SOURCES[key].layer or None)


def read_area_layers(files: Inventory, report: QualityReport) -> dict[str, gpd.GeoDataFrame]:
    """Boundary polygons of every level, our column names, EPSG:27700."""
    return {
        "lsoa11": _layer(files, "lsoa11_boundaries", ("area_code", "area_name", "msoa11_code", "borough_code"),
                         "GLA LSOA 2011 boundaries (shapefile)", report),
        "msoa11": _layer(files, "msoa11_boundaries", ("area_code", "area_name", "borough_code"),
                         "GLA MSOA 2011 boundaries (shapefile)", report),
        "ward": _layer(files, "ward_boundaries", ("area_code", "area_name", "borough_code"),
                       "GLA ward boundaries, City merged (shapefile)", report),
        "borough": _layer(files, "borough_boundaries", ("area_code", "area_name"),
                          "GLA borough boundaries (shapefile)", report),
        "ccg19": _layer(files, "ccg19_areas", ("area_code", "area_name", "ods_code"),
                        "CCG 2019 polygons (derived LSOA dissolve)", report),
        "icb": _layer(files, "icb22_areas", ("area_code", "area_name", "ods_code"),
                      "ICB 2022 polygons (derived LSOA dissolve)", report),
    }


def _lookup(path: Path, columns: dict[str, str], what: str, report: QualityReport) -> pd.DataFrame:
    """One row per LSOA (a repeated LSOA would duplicate it, and its population, in every total)."""
    frame = read_csv_checked(path, list(columns), what, dtype=str)
    repeated = frame.duplicated(next(iter(columns)))
    report.file(path.name, len(frame), int((~repeated).sum()),
                {"LSOA listed again (first row kept)": int(repeated.sum())})
    return frame.loc[~repeated, list(columns)].rename(columns=columns)


def attach_lsoa_memberships(layers: dict[str, gpd.GeoDataFrame], files: Inventory,
                            report: QualityReport) -> gpd.GeoDataFrame:
    """LSOA frame with the code of its ward, CCG 2019 and ICB.

    MSOA and borough come from the LSOA file itself (exact nesting). CCG 2019
    and ICB come from the ONS lookups (the polygons are dissolves of the same
    LSOAs, so this is exact too). Wards (2014-era) do not nest: each LSOA goes
    to the ward containing its representative point (ONS 'best fit' style).
    """
    lsoa = layers["lsoa11"].copy()
    ccg = _lookup(files.fixed("ccg19_lookup"), _renamed("ccg19_lookup", ("area_code", "ccg19_code")),
                  "ONS LSOA11 to CCG19 lookup", report)
    icb = _lookup(files.fixed("icb22_lookup"), _renamed("icb22_lookup", ("area_code", "icb_code")),
                  "ONS LSOA11 to ICB22 lookup", report)
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


def _attributes(files: Inventory, key: str, ours: tuple[str, ...], what: str) -> pd.DataFrame:
    """A per-LSOA attribute file with our column names (the first is the LSOA code)."""
    columns = _renamed(key, ours)
    frame = read_csv_checked(files.fixed(key), list(columns), what, dtype=str)
    return frame[list(columns)].rename(columns=columns)


def attach_lsoa_attributes(lsoa: gpd.GeoDataFrame, files: Inventory, report: QualityReport) -> gpd.GeoDataFrame:
    """IMD 2019 rank/decile, the IMD 'road distance to a GP surgery' and CIDR indicators, PTAL 2015."""
    imd = _attributes(files, "imd2019", ("area_code", "imd_decile", "imd_rank"), "IMD 2019 ranks and deciles")
    indicators = _attributes(files, "imd2019_indicators", ("area_code", "road_dist_gp_km", "cidr"),
                             "IMD 2019 underlying indicators")
    ptal = _attributes(files, "ptal", ("area_code", "ptai", "ptal"), "TfL PTAL 2015 by LSOA")
    # PTAL is a class label (0, 1a, 1b, 2 ... 6b); some rows carry '2.00000'.
    ptal["ptal"] = ptal["ptal"].astype("string").str.strip().str.replace(r"^(\d)\.0+$", r"\1", regex=True)
    for frame, numeric in ((imd, ("imd_decile", "imd_rank")), (indicators, ("road_dist_gp_km", "cidr")),
                           (ptal, ("ptai",))):
        frame[list(numeric)] = frame[list(numeric)].apply(pd.to_numeric, errors="coerce")
    attributes = imd.merge(indicators, on="area_code", how="outer").merge(ptal, on="area_code", how="outer")
    for name, frame in (("IMD 2019", imd), ("IMD 2019 indicators", indicators), ("PTAL 2015", ptal)):
        codes = set(frame["area_code"])
        missing = lsoa.loc[~lsoa["area_code"].isin(codes), "area_code"]
        extra = len(codes - set(lsoa["area_code"]))
        report.join(f"LSOA -> {name}", len(lsoa), len(lsoa) - len(missing),
                    [{"lsoa11_code": c, "reason": "no record"} for c in missing],
                    {"no record": len(missing), "records for non-London LSOAs ignored": extra})
    return lsoa.merge(attributes, on="area_code", how="left")


def web_copy(layer: gpd.GeoDataFrame, level: str, tolerance_m: float | None = None) -> gpd.GeoDataFrame:
    """Simplified EPSG:4326 copy for the browser (at WEB_TOLERANCE_M unless told): codes, names and geometry."""
    check_crs(layer, BNG, level)
    tolerance_m = WEB_TOLERANCE_M[level] if tolerance_m is None else tolerance_m
    simplified = layer.geometry.simplify(tolerance_m, preserve_topology=True).make_valid()
    web = gpd.GeoDataFrame(layer[["area_code", "area_name"]].copy(), geometry=simplified, crs=BNG).to_crs(WGS84)
    web["geometry"] = web.geometry.set_precision(10 ** -WEB_DECIMALS).make_valid()
    return web

"""Find a practice, an area or a postcode from what a person types, and where it is.

The app's search box needs one ranked answer list over three kinds of thing:
GP practices (name, code, postcode), areas of every level (name or code) and
London postcodes (OS Code-Point Open via `data.postcodes`). Matching is plain
case-insensitive text: an exact code or name first, then names starting with
the text, then a word starting with it, then anywhere; ties go to practices, then
coarser areas (a borough before the LSOAs named after it), then shorter names.
Locations are British National Grid points; `to_lonlat` converts for the map.
"""
from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from data.config import BNG, NEAREST_AREA_MAX_M, WGS84
from data.errors import check_crs
from data.postcodes import display_postcode, looks_like_postcode, lookup_postcodes
from geo.names import display_names

KIND_ORDER = {"postcode": 0, "practice": 1, "area": 2}
LEVEL_ORDER = ("icb", "ccg19", "borough", "pcn", "ward", "msoa11", "lsoa11")


BNG_TO_LONLAT = Transformer.from_crs(BNG, WGS84, always_xy=True)


def to_lonlat(easting, northing) -> tuple[np.ndarray, np.ndarray]:
    """BNG metres -> (lon, lat) degrees, vectorised."""
    return BNG_TO_LONLAT.transform(np.asarray(easting, dtype=float), np.asarray(northing, dtype=float))


def build_index(practices: pd.DataFrame, areas: dict[str, gpd.GeoDataFrame],
                level_labels: dict[str, str]) -> pd.DataFrame:
    """One row per searchable thing: kind, code, level, label, name and text (lower-case), easting, northing.

    practices: the tidy `practices` frame (GP practices with a location are kept);
    areas: level -> GeoDataFrame (EPSG:27700) with area_code, area_name, geometry.
    """
    gp = practices[practices["is_gp"].fillna(False).astype(bool) & practices["easting"].notna()]
    closed = np.where(gp["status_code"].fillna("A") == "A", "", " · closed")
    postcode = gp["postcode"].fillna("").map(display_postcode)
    rows = [pd.DataFrame({
        "kind": "practice", "code": gp["practice_code"].to_numpy(), "level": None,
        "label": (display_names(gp["practice_name"]).fillna(gp["practice_code"]) + " (" + gp["practice_code"] + ", "
                  + postcode + ")" + closed).to_numpy(),
        "name": gp["practice_name"].fillna("").str.lower().to_numpy(),
        "text": (gp["practice_name"].fillna("") + " " + gp["practice_code"] + " " + postcode).str.lower().to_numpy(),
        "easting": gp["easting"].to_numpy(float), "northing": gp["northing"].to_numpy(float)})]
    for level, layer in areas.items():
        check_crs(layer, BNG, f"areas[{level}]")
        point = layer.geometry.representative_point()
        rows.append(pd.DataFrame({
            "kind": "area", "code": layer["area_code"].to_numpy(), "level": level,
            "label": (layer["area_name"] + " (" + level_labels.get(level, level) + ")").to_numpy(),
            "name": layer["area_name"].str.lower().to_numpy(),
            "text": (layer["area_name"] + " " + layer["area_code"]).str.lower().to_numpy(),
            "easting": point.x.to_numpy(), "northing": point.y.to_numpy()}))
    index = pd.concat(rows, ignore_index=True)
    index["order"] = index["kind"].map(KIND_ORDER) * 10 + index["level"].map(
        {level: i for i, level in enumerate(LEVEL_ORDER)}).fillna(0)
    return index


def search(index: pd.DataFrame, postcodes: pd.DataFrame, text: str, limit: int = 8) -> list[dict]:
    """Best matches for `text`: dicts with kind, code, level, label, easting, northing (best first).

    A full London postcode gives one 'postcode' answer; anything shorter than
    two characters gives nothing (too many matches to be useful).
    """
    query = (text or "").strip()
    if looks_like_postcode(query):
        found = lookup_postcodes(pd.Series([query]), postcodes).iloc[0]
        if found["status"] == "ok":
            return [{"kind": "postcode", "code": found["postcode"], "level": None,
                     "label": f"{display_postcode(found['postcode'])} (postcode)",
                     "easting": float(found["easting"]), "northing": float(found["northing"])}]
    needle = query.lower()
    if len(needle) < 2:
        return []
    haystack = index["text"]
    score = np.select(
        [(index["code"].str.lower() == needle) | (index["name"] == needle), haystack.str.startswith(needle),
         haystack.str.contains(r"\b" + re.escape(needle), regex=True), haystack.str.contains(needle, regex=False)],
        [0, 1, 2, 3], default=9)
    hits = index.assign(score=score, length=index["label"].str.len())
    hits = hits[hits["score"] < 9].sort_values(["score", "order", "length", "label"]).head(limit)
    return hits[["kind", "code", "level", "label", "easting", "northing"]].to_dict("records")


def lsoa_at(lsoa: gpd.GeoDataFrame, easting: float, northing: float) -> str | None:
    """Code of the LSOA holding a BNG point (else the nearest within NEAREST_AREA_MAX_M, e.g. on the
    Thames foreshore), or None."""
    check_crs(lsoa, BNG, "LSOAs")
    point = shapely.Point(easting, northing)
    inside = lsoa.sindex.query(point, predicate="within")
    if len(inside):
        return str(lsoa["area_code"].iloc[int(inside[0])])
    nearest, distance = lsoa.sindex.nearest(point, max_distance=NEAREST_AREA_MAX_M, return_distance=True)
    return str(lsoa["area_code"].iloc[int(nearest[1][0])]) if len(distance) else None

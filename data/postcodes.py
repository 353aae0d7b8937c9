"""London postcode lookup (Code-Point Open) for search boxes and bid sites."""
from __future__ import annotations

import pandas as pd

from data.config import LONDON_POSTCODE_AREAS
from data.readers import normalise_postcode, postcode_area

# Outward code + inward code, UK format (normalised: no space).
POSTCODE_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"


def postcode_table(current: pd.DataFrame, older: pd.DataFrame) -> pd.DataFrame:
    """Current release first; older releases only for postcodes since terminated (live=False)."""
    newest_older = older.sort_values("release", ascending=False).drop_duplicates("postcode")
    table = pd.concat([current.assign(live=True),
                       newest_older[~newest_older["postcode"].isin(current["postcode"])].assign(live=False)],
                      ignore_index=True)
    return table[["postcode", "easting", "northing", "release", "live"]]


def display_postcode(normalised: str) -> str:
    """'N200DH' -> 'N20 0DH'."""
    return f"{normalised[:-3]} {normalised[-3:]}" if len(normalised) > 3 else normalised


def lookup_postcodes(queries: pd.Series, table: pd.DataFrame, live_only: bool = False) -> pd.DataFrame:
    """Easting/northing (EPSG:27700) for each query, with a status saying why any failed.

    status: 'ok' | 'malformed postcode' | 'outside London' (not a London postcode
    area) | 'not found among Greater London postcodes' (Code-Point covers the 33
    London districts only, so a Kent 'DA' postcode lands here too) |
    'terminated postcode' (only when live_only).
    """
    normalised = normalise_postcode(queries.fillna("").astype(str))
    found = pd.DataFrame({"query": queries.to_numpy(), "postcode": normalised.to_numpy()}).merge(
        table, on="postcode", how="left")
    well_formed = found["postcode"].str.fullmatch(POSTCODE_PATTERN).fillna(False).astype(bool)
    in_london_area = postcode_area(found["postcode"]).isin(LONDON_POSTCODE_AREAS).fillna(False).astype(bool)
    terminated = live_only & (found["live"] == False)  # noqa: E712  (NA-safe comparison)
    found["status"] = "ok"
    found.loc[found["easting"].isna() | terminated, "status"] = "not found among Greater London postcodes"
    found.loc[terminated & found["easting"].notna(), "status"] = "terminated postcode"
    found.loc[found["easting"].isna() & well_formed & ~in_london_area, "status"] = "outside London"
    found.loc[~well_formed, "status"] = "malformed postcode"
    found.loc[found["status"] != "ok", ["easting", "northing"]] = float("nan")
    return found.set_index(queries.index)

"""Every London postcode with its British National Grid point (OS Code-Point Open), and look-ups on it.

Built once with the cache (`postcodes` in the tidy model) from the same
Code-Point files and with the same rule as the practice geocoder
(`data.practices.geocode`): the newest release first, then older London
releases for postcodes no longer in it. So a practice's postcode, a typed
postcode in the app's search box and a bid site given by postcode always land
on the same point.
"""
from __future__ import annotations

import re

import pandas as pd

from data.config import LONDON_POSTCODE_AREAS, UK_POSTCODE_AREAS
from data.practices import geocode
from data.readers import normalise_postcode, postcode_area

FOUND = "ok"
NOT_FOUND = "not found among Greater London postcodes"
OUTSIDE_LONDON = "outside London"
EMPTY = "no postcode given"
MALFORMED = "not a UK postcode"
POSTCODE_PATTERN = r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}"  # outward + inward code, normalised (no space)


def postcode_table(codepoint_current: pd.DataFrame, codepoint_older: pd.DataFrame) -> pd.DataFrame:
    """One row per located postcode: postcode (normalised, no spaces), easting, northing, release, live.

    `live` is True for postcodes in the current release, False for those only
    in older releases (terminated or recoded since).
    """
    located = geocode(pd.concat([codepoint_current["postcode"], codepoint_older["postcode"]]),
                      codepoint_current, codepoint_older)
    located = located[located["easting"].notna()].copy()
    located["live"] = located["postcode"].isin(codepoint_current["postcode"])
    return (located[["postcode", "easting", "northing", "release", "live"]]
            .astype({"easting": float, "northing": float, "live": bool})
            .sort_values("postcode").reset_index(drop=True))


def looks_like_postcode(text: str) -> bool:
    """Whether typed text has the shape of a full UK postcode (any case and spacing)."""
    normalised = normalise_postcode(pd.Series([text], dtype="string")).iloc[0]
    return isinstance(normalised, str) and bool(re.fullmatch(POSTCODE_PATTERN, normalised))


def display_postcode(postcode: str) -> str:
    """'SW1A1AA' -> 'SW1A 1AA' (the inward code is always the last three characters)."""
    return f"{postcode[:-3]} {postcode[-3:]}" if isinstance(postcode, str) and len(postcode) > 3 else postcode


def lookup_postcodes(queries: pd.Series, table: pd.DataFrame) -> pd.DataFrame:
    """Locate each query (any spacing or case) in `table` (a `postcode_table`).

    Returns a frame on the queries' index: postcode (normalised), easting,
    northing (NaN unless found) and status: "ok", "not a UK postcode" (wrong
    shape, or in no UK postcode area), "outside London" (not a Greater London postcode area), "not found
    among Greater London postcodes", or "no postcode given".
    """
    normalised = normalise_postcode(queries.astype("string"))
    found = pd.DataFrame({"postcode": normalised}).merge(
        table[["postcode", "easting", "northing"]].drop_duplicates("postcode"), on="postcode", how="left")
    found.index = queries.index
    blank = normalised.isna() | (normalised.fillna("") == "")
    outside = ~postcode_area(normalised).isin(LONDON_POSTCODE_AREAS).fillna(False).astype(bool)
    found["status"] = FOUND
    found.loc[found["easting"].isna(), "status"] = NOT_FOUND
    found.loc[found["easting"].isna() & outside, "status"] = OUTSIDE_LONDON
    well_formed = (normalised.fillna("").str.fullmatch(POSTCODE_PATTERN).astype(bool)
                   & postcode_area(normalised).isin(UK_POSTCODE_AREAS).fillna(False).astype(bool))
    found.loc[~well_formed, "status"] = MALFORMED
    found.loc[blank, "status"] = EMPTY
    return found

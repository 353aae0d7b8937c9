"""Where each bid is, and why a row cannot be scored: validate and locate every row of a bids table.

A *bid* adds GP FTE at a site: either a **new site** (a postcode, an
easting/northing in EPSG:27700, a lat/lon, or a map click) or an **uplift** of
an existing practice (``practice_code``; the FTE is added at that practice's
location in the scenario's year). Every input row comes back, with `status`
'ok' or every reason it cannot be scored, so one bad row never costs the
others and the user sees what to fix.

The atlas's own rules are used, not copies: postcodes are located with
`data.postcodes.lookup_postcodes` (the same points as the search box and the
practice geocoder), and a site is in London when it lies within a London
borough polygon.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from data.bid_intake import MAX_BIDS, normalised_columns, text_cells
from data.config import BNG, WGS84
from data.postcodes import display_postcode, lookup_postcodes
from data.readers import normalise_postcode
from data.years import fy_label
from geo.bids.baseline import NO_CHANGES, BidBaseline, PracticeChanges

# Upper bound on the GP FTE one site may end up with (a new site's added FTE, or an uplifted practice's
# existing + added FTE). The largest London practice in the bundle reports 39.3 GP FTE (F85002, FY2021/22;
# tests/test_bids_real.py keeps this true), so more than 50 at one site is almost surely a unit slip
# (headcount, sessions, patients or pounds typed into the FTE column), not a premises bid.
MAX_SITE_FTE = 50.0
MAX_LABEL_CHARS = 80
LOCATION_HELP = "give a postcode, easting and northing, lat and lon, or a practice_code"


def _numbers(text: pd.Series, strip: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Numbers parsed from text cells (blank -> NaN), and which non-blank cells are not finite numbers."""
    cleaned = text.str.replace(strip, "", regex=True) if strip else text
    numbers = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").astype(float)
    return numbers, (text != "") & ~np.isfinite(numbers)


class _Reasons:
    """Per-row reasons a bid cannot be scored, joined with '; ' (vectorised over rows)."""

    def __init__(self, index: pd.Index):
        self.text = pd.Series("", index=index, dtype=object)

    def add(self, mask: pd.Series, message) -> None:
        message = pd.Series(message, index=self.text.index, dtype=object) if isinstance(message, str) else message
        mask = mask.fillna(False).astype(bool)
        joined = self.text.where(self.text == "", self.text + "; ") + message
        self.text = self.text.where(~mask, joined)

    def status(self) -> pd.Series:
        return self.text.where(self.text != "", "ok")


def read_bids(raw: pd.DataFrame, base: BidBaseline, changes: PracticeChanges = NO_CHANGES) -> pd.DataFrame:
    """Validate and locate bids. Every input row comes back, with `status` 'ok' or its reasons.

    Input columns (case-insensitive; others are ignored): ``label, postcode |
    easting,northing | lat,lon, added_gp_fte [, cost, practice_code]``.
    Location: a practice_code makes the bid an uplift at that practice's
    location in the year (location columns are then ignored); otherwise
    easting/northing, then lat/lon, then postcode, whichever is given first.
    A blank label becomes "bid <row>"; labels are cut to 80 characters.

    Reasons (several may apply): missing column added_gp_fte; missing location;
    half a coordinate pair; non-numeric added_gp_fte, cost, coordinates;
    added_gp_fte <= 0; more than MAX_SITE_FTE (50) GP FTE at one site; cost <= 0;
    lat/lon out of range; postcode malformed / outside London / not found;
    site outside the London borough polygons; practice_code unknown, not an
    open located GP practice that year, or closed/merged away in the scenario;
    label used by an earlier row (case-insensitive); rows beyond MAX_BIDS.
    """
    text = text_cells(raw)
    fte_column_given = "added_gp_fte" in normalised_columns(raw)
    index = text.index
    reasons = _Reasons(index)
    row = pd.Series(np.arange(1, len(text) + 1), index=index)

    label = text["label"].str.slice(0, MAX_LABEL_CHARS)
    label = label.where(label != "", "bid " + row.astype(str))
    key = label.str.casefold()
    first_row = row.groupby(key).transform("min")
    reasons.add(first_row < row, "duplicated label (first used on row " + first_row.astype(str) + ")")

    if not fte_column_given:
        reasons.add(pd.Series(True, index=index), "missing column added_gp_fte")
    fte, bad_fte = _numbers(text["added_gp_fte"])
    reasons.add(bad_fte, "non-numeric added_gp_fte '" + text["added_gp_fte"] + "'")
    reasons.add(fte_column_given & (text["added_gp_fte"] == ""), "added_gp_fte is blank")
    reasons.add(fte <= 0, "added_gp_fte must be more than 0 (got " + text["added_gp_fte"] + ")")
    cost, bad_cost = _numbers(text["cost"], strip=r"[£,\s]")
    reasons.add(bad_cost, "non-numeric cost '" + text["cost"] + "'")
    reasons.add(cost <= 0, "cost must be more than 0 (leave it blank if unknown)")

    located = _locate(text, base, changes, reasons)
    site_fte = fte + located["existing_fte"].fillna(0)
    reasons.add(site_fte > MAX_SITE_FTE, f"more than {MAX_SITE_FTE:g} GP FTE at one site (existing + added = "
                + site_fte.round(1).astype(str) + "): check the units (FTE, not headcount or sessions)")
    reasons.add(row > MAX_BIDS, f"beyond the first {MAX_BIDS:,} bids (the limit for one run)")

    bids = pd.DataFrame({"row": row, "label": label, "status": reasons.status()})
    bids = pd.concat([bids, located], axis=1)
    bids["added_gp_fte"] = fte
    bids["cost"] = cost
    return bids


def _locate(text: pd.DataFrame, base: BidBaseline, changes: PracticeChanges, reasons: _Reasons) -> pd.DataFrame:
    """Site of every row (EPSG:27700), how it was located and, for uplifts, the practice's current FTE."""
    index = text["label"].index
    code = text["practice_code"].str.upper()
    has = {"practice": code != "",
           "easting/northing": (text["easting"] != "") & (text["northing"] != ""),
           "lat/lon": (text["lat"] != "") & (text["lon"] != ""),
           "postcode": text["postcode"] != ""}
    source = pd.Series(np.select(list(has.values()), list(has), default=""), index=index, dtype=object)
    halves = {(first, second): (text[first] != "") != (text[second] != "")
              for first, second in (("easting", "northing"), ("lat", "lon"))}
    missing = source == ""
    reasons.add(missing & ~(halves["easting", "northing"] | halves["lat", "lon"]), f"missing location: {LOCATION_HELP}")
    for (first, second), half in halves.items():
        reasons.add(missing & half, f"give both {first} and {second}")

    x = pd.Series(np.nan, index=index)
    y = pd.Series(np.nan, index=index)
    easting, bad_e = _numbers(text["easting"])
    northing, bad_n = _numbers(text["northing"])
    by_grid = source == "easting/northing"
    reasons.add(by_grid & (bad_e | bad_n), "non-numeric easting/northing")
    x, y = x.where(~by_grid, easting), y.where(~by_grid, northing)

    lat, bad_lat = _numbers(text["lat"])
    lon, bad_lon = _numbers(text["lon"])
    by_degrees = source == "lat/lon"
    reasons.add(by_degrees & (bad_lat | bad_lon), "non-numeric lat/lon")
    out_of_range = by_degrees & ((lat.abs() > 90) | (lon.abs() > 180))
    reasons.add(out_of_range, "lat/lon out of range (lat -90..90, lon -180..180)")
    convert = by_degrees & lat.notna() & lon.notna() & ~out_of_range
    if convert.any():
        grid = gpd.GeoSeries(gpd.points_from_xy(lon[convert], lat[convert]), index=lon[convert].index, crs=WGS84) \
            .to_crs(BNG)
        x[convert], y[convert] = grid.x, grid.y

    postcode = pd.Series("", index=index, dtype=object)
    by_postcode = source == "postcode"
    if by_postcode.any():
        queries = text["postcode"][by_postcode]
        wanted = base.postcodes["postcode"].isin(normalise_postcode(queries))
        found = lookup_postcodes(queries, base.postcodes[wanted])
        failed = pd.Series(False, index=index)
        failed[found.index] = found["status"] != "ok"
        message = pd.Series("", index=index, dtype=object)
        message[found.index] = "postcode '" + queries + "': " + found["status"].astype(str)
        reasons.add(failed, message)
        x[found.index], y[found.index] = found["easting"], found["northing"]  # NaN where not found
        ok = found["status"] == "ok"
        postcode[found.index[ok]] = found.loc[ok, "postcode"].map(display_postcode)

    new_site = source.isin(["easting/northing", "lat/lon", "postcode"]) & x.notna() & y.notna()
    borough = _borough_of(x[new_site], y[new_site], base.boroughs).reindex(index)
    reasons.add(new_site & borough.isna(), "site outside London (E " + x.round(0).astype("Int64").astype(str)
                + ", N " + y.round(0).astype("Int64").astype(str) + ")")

    uplift = source == "practice"
    column = pd.Series(base.practice_index(code), index=index).where(uplift, -1)
    known = code.isin(base.practice_register.index)
    reasons.add(uplift & ~known, "unknown practice_code '" + code + "'")
    reasons.add(uplift & known & (column < 0),
                "practice_code " + code + f" is not an open GP practice with a location in {fy_label(base.year)}")
    reasons.add(uplift & code.isin(changes.removed), "practice_code " + code + " is closed or merged away in this "
                                                                               "scenario")
    practices = base.practices
    at_practice = uplift & (column >= 0)
    picked = practices.iloc[column[at_practice].to_numpy()]
    x[at_practice], y[at_practice] = picked["easting"].to_numpy(), picked["northing"].to_numpy()
    existing_fte = pd.Series(np.nan, index=index)
    existing_fte[at_practice] = picked["gp_fte"].to_numpy()

    site = pd.Series("", index=index, dtype=object)
    site[at_practice] = (code[at_practice] + " " + picked["practice_name"].to_numpy()).str.strip()
    site[by_postcode] = postcode[by_postcode]
    grid_sites = (by_grid | by_degrees) & x.notna()
    site[grid_sites] = "E " + x[grid_sites].round(0).astype(int).astype(str) + ", N " + \
        y[grid_sites].round(0).astype(int).astype(str)
    kind = pd.Series(np.where(uplift, "uplift", "new site"), index=index, dtype=object)
    return pd.DataFrame({"kind": kind, "site": site, "located_by": source, "practice_code": code.where(uplift, ""),
                         "practice_column": column, "easting": x, "northing": y,
                         "borough": borough.where(new_site).fillna(""), "existing_fte": existing_fte})


def _borough_of(x: pd.Series, y: pd.Series, boroughs: gpd.GeoDataFrame) -> pd.Series:
    """Name of the London borough containing each point (NaN outside London), via the spatial index."""
    points = gpd.GeoSeries(gpd.points_from_xy(x, y), index=x.index, crs=BNG)
    point_at, borough_at = boroughs.sindex.query(points.to_numpy(), predicate="within")
    names = pd.Series(boroughs["area_name"].to_numpy()[borough_at], index=x.index[point_at])
    return names[~names.index.duplicated()].reindex(x.index)


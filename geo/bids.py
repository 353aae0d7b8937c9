"""Bid evaluator: score and rank proposed GP premises against unmet need (E2SFCA scenarios).

A *bid* adds GP FTE at a site: either a **new site** (a postcode, an
easting/northing in EPSG:27700, a lat/lon, or a map click) or an **uplift** of
an existing practice (``practice_code``; the FTE is added at that practice's
location in the scenario's year). A *scenario* holds any number of bids and
may also close practices (their supply is removed) or merge them (the closing
practice's FTE moves to another practice).

Why deltas, not reruns: E2SFCA (geo/access.py) is linear in supply once the
locations are fixed. A site j's ratio is ``R_j = S_j / D_j`` with
``D_j = sum_k G(d_kj) P_k`` depending on demand only, and ``A_k = sum_j G(d_kj) R_j``.
So adding supply ``s`` at a site changes access by exactly
``delta_k = G(d_kj) * s / D_j`` and leaves every other site's ratio alone: a new
site is one new decay column (Gaussian weights from the LSOA centroids within
d0, via a KD-tree); an uplift scales the existing column's ratio; a closure is
``-S_j`` on its column; a merge is ``-S_a`` on a and ``+S_a`` on b. Several bids
add up. A site with nobody within d0 has no ratio and adds nothing, as in
`geo.access.e2sfca`.

States compared (access per LSOA, GP FTE per need-weighted resident; shown x 10,000):

* *baseline*: E2SFCA for the year, need weighting and d0 as published.
* *before*: the baseline with the scenario's closures and merges applied
  (the baseline itself when there are none). Bids are scored against it.
* *after*: before + the bid(s).

Definitions of the scores (per bid alone, and for the combined scenario):

* **bottom quintile cut**: ``numpy.quantile`` (linear rule) of the *baseline*
  LSOA access at 0.2, fixed for every bid and scenario of the run so that
  scores are comparable. An LSOA is in the bottom quintile when its access is
  <= the cut, the same convention as `geo.persistence.poor_flags` (ties count as
  poor), so "bottom quintile" means one thing across the atlas.
* **gainers_need**: need-weighted residents of LSOAs whose access rises
  (delta > 0); ``lsoas_gaining`` counts those LSOAs.
* **lifted_need**: need-weighted residents of LSOAs in the bottom quintile
  before and above the cut after ("residents lifted out of the bottom
  quintile"). It can never exceed the baseline bottom quintile's need-weighted
  population when the scenario has no closures.
* **persistent_reached**: LSOAs classed "persistent" for E2SFCA at LSOA level
  (`geo.persistence.classify_persistence`, bottom quintile in >= k of the last n
  years up to the scenario's year, default 4 of 5) whose access rises. NaN
  when the year has fewer than n years of data before it.
* **gainers_imd_1 .. gainers_imd_10**: need-weighted gainers by IMD 2019
  national decile (1 = most deprived); ``gainers_imd_1_2_share`` is the share of
  gainers in the two most deprived deciles.
* **access_gain_fte**: ``sum_k P_k * delta_k``, need-weighted access gained, in
  GP FTE. E2SFCA conserves supply (``sum_k P_k A_k = sum_j S_j`` over sites with
  anyone in reach), so this equals the added FTE whenever the site reaches
  anyone and 0 when it reaches nobody; ``access_gain_per_fte`` (= it / added FTE)
  is therefore 1 for every reaching bid. It is reported as a check, and is why
  it is not offered as a ranking objective (it cannot tell bids apart).
* **underserved_gain_fte**: the part of ``access_gain_fte`` landing in LSOAs in
  the bottom quintile before: how many of the added FTE reach under-served
  residents. Per added FTE it is a share between 0 and 1.
* **need_in_reach**: the site's E2SFCA denominator ``D_j`` (Gaussian-weighted
  need-weighted residents within d0).
* **nearest_practice_m**: straight-line metres from the site to the nearest
  other GP practice open in the *before* state (closed and merged-away
  practices excluded; an uplifted practice does not count as its own neighbour).

*Alone* means the bid on its own against *before*; *in combination* means its
marginal effect within the combined scenario (the combined score minus the
score of the combination without it). Access deltas add up, so the linear
scores (access and underserved gain) are the same both ways; the threshold
score ``lifted_need`` is not: two nearby sites may each lift an LSOA alone that
either could lift (overlap: combined < sum of singles) or lift together an LSOA
neither lifts alone (synergy: combined > sum). The summary reports the combined
total, the sum of singles and their difference (the interaction).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from data.config import BNG, WGS84
from data.postcodes import display_postcode, lookup_postcodes
from data.readers import normalise_postcode
from data.years import fy_label
from geo.access import PER, decay_matrix
from geo.memo import Memo
from geo.params import DEFAULT_PARAMS, AnalysisParams
from geo.tables import AreaTables

# Upper bound on the GP FTE one site may end up with (a new site's added FTE, or an uplifted practice's
# existing + added FTE). The largest London practice in the bundle reports 39.3 GP FTE (F85002, FY2021/22;
# tests/test_bids_real.py keeps this true), so more than 50 at one site is almost surely a unit slip
# (headcount, sessions, patients or pounds typed into the FTE column), not a premises bid.
MAX_SITE_FTE = 50.0
MAX_BIDS = 1000  # per run: ~5x the bids London took forward in a year; keeps one upload's memory bounded
MAX_LABEL_CHARS = 80
MAX_FILE_BYTES = 2 * 1024 * 1024

INPUT_COLUMNS = ("label", "postcode", "easting", "northing", "lat", "lon", "added_gp_fte", "cost", "practice_code")
LOCATION_HELP = "give a postcode, easting and northing, lat and lon, or a practice_code"


@dataclass(frozen=True)
class Objective:
    key: str
    label: str
    score: str       # the score column in the numerator
    per: str         # "added_gp_fte" or "cost_gbp_m"
    description: str


OBJECTIVES = {objective.key: objective for objective in (
    Objective("lifted_per_fte", "Residents lifted out of the bottom quintile per added GP FTE", "lifted_need",
              "added_gp_fte", "need-weighted residents of LSOAs moved above the baseline 20th-percentile access, "
                              "per GP FTE added"),
    Objective("lifted_per_gbp_m", "Residents lifted out of the bottom quintile per £1m", "lifted_need", "cost_gbp_m",
              "need-weighted residents lifted out of the bottom quintile per £1m of cost (bids without a cost are "
              "not ranked)"),
    Objective("underserved_gain_per_fte", "Share of added FTE reaching the bottom quintile", "underserved_gain_fte",
              "added_gp_fte", "need-weighted access gained in bottom-quintile LSOAs per GP FTE added (0 to 1): "
                              "rewards depth of gain for the under-served, not only crossing the cut"),
    Objective("underserved_gain_per_gbp_m", "FTE reaching the bottom quintile per £1m", "underserved_gain_fte",
              "cost_gbp_m", "need-weighted access gained in bottom-quintile LSOAs (GP FTE) per £1m of cost"),
    Objective("access_gain_per_gbp_m", "Access gained per £1m", "access_gain_fte", "cost_gbp_m",
              "total need-weighted access gained (GP FTE reaching residents) per £1m of cost"),
)}
DEFAULT_OBJECTIVE = "lifted_per_fte"


class BidFileError(ValueError):
    """A bids file that cannot be read at all (one line, shown as is)."""


def check_objective(objective: str) -> Objective:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    return OBJECTIVES[objective]


# ---------------------------------------------------------------------------------------------- baseline

@dataclass(frozen=True, eq=False)
class BidBaseline:
    """Everything a scenario is measured against, for one year, need weighting and d0 (read-only)."""
    year: int
    weights: str
    d0: float
    k: int
    n: int
    lsoa_codes: np.ndarray
    lsoa_xy: np.ndarray
    need: np.ndarray              # need-weighted residents per LSOA (E2SFCA demand)
    imd_decile: np.ndarray        # 1..10, 1 = most deprived
    access: np.ndarray            # baseline E2SFCA access per LSOA (FTE per need-weighted resident)
    cut: float                    # baseline 20th percentile of LSOA access (fixed bottom-quintile cut)
    persistent: np.ndarray | None  # LSOA persistent-poor for e2sfca (None: too few years)
    persistence_note: str
    practices: pd.DataFrame       # supply points: practice_code, practice_name, easting, northing, gp_fte
    decay: sp.csc_matrix          # LSOA x practice Gaussian weights
    demand_in_reach: np.ndarray   # D_j per practice
    boroughs: gpd.GeoDataFrame    # London boroughs (EPSG:27700) for the point-in-London test
    postcodes: pd.DataFrame       # atlas.postcodes
    practice_register: pd.Series  # every practice code in the atlas -> name (for clear messages)
    basis: str                    # one line saying what the access figures are built from

    @property
    def bottom_quintile_need(self) -> float:
        """Need-weighted residents of the baseline bottom quintile (access <= cut)."""
        return float(self.need[self.access <= self.cut].sum())

    def practice_index(self, codes: pd.Series) -> np.ndarray:
        """Column of each code among this year's supply points (-1 where it is not one)."""
        lookup = pd.Series(np.arange(len(self.practices)), index=self.practices["practice_code"])
        return lookup.reindex(codes.to_numpy()).fillna(-1).to_numpy(dtype=int)


def bid_baseline(tables: AreaTables, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> BidBaseline:
    """Baseline E2SFCA, the fixed quintile cut and the persistent-poor LSOAs for one parameter set."""
    provision = tables.provision
    year = provision.check_year("e2sfca", year)
    weights, d0, k, n = params.weights, params.d0, params.k, params.n
    atlas = provision.atlas
    boroughs = atlas.areas["borough"]
    assert boroughs.crs == BNG, f"boroughs must be {BNG}"
    register = atlas.practices.set_index("practice_code")["practice_name"]
    points = provision.supply_points(year)
    practices = points[["practice_code", "easting", "northing", "gp_fte"]].assign(
        practice_name=register.reindex(points["practice_code"]).fillna("").to_numpy())
    result = provision.access(year, weights, d0)
    persistent, note = _persistent_lsoas(tables, year, params)
    return BidBaseline(
        year=year, weights=weights, d0=d0, k=k, n=n, lsoa_codes=provision.lsoa_codes, lsoa_xy=provision.lsoa_xy,
        need=provision.need_population(year, weights),
        imd_decile=provision.imd_decile.reindex(provision.lsoa_codes).fillna(0).to_numpy(dtype=int),
        access=result.access, cut=float(np.quantile(result.access, params.cut)), persistent=persistent,
        persistence_note=note, practices=practices, decay=provision.decay(year, d0).tocsc(),
        demand_in_reach=result.demand_in_reach, boroughs=boroughs[["area_code", "area_name", "geometry"]],
        postcodes=atlas.postcodes, practice_register=register, basis=provision.basis("e2sfca", year, params))


def _persistent_lsoas(tables: AreaTables, year: int, params: AnalysisParams):
    """Boolean per LSOA: persistent-poor E2SFCA access (k of the last n years up to `year`), and a note.

    None (not all-False) when no LSOA can qualify because fewer than k years have
    data up to `year`: "no persistent LSOA reached" must never stand in for "unknown".
    """
    k, n, provision = params.k, params.n, tables.provision
    try:
        classes = tables.persistence("e2sfca", "lsoa11", year, params)
    except ValueError as exc:
        return None, f"persistent-poor LSOAs not available: {exc}"
    years = int(classes["years_with_data"].max())
    if years < k:
        return None, (f"persistent-poor LSOAs not available: only {years} year(s) of E2SFCA data up to "
                      f"{fy_label(year)}, and persistence needs k = {k}")
    persistent = classes.set_index("area_code")["persistence_class"].reindex(provision.lsoa_codes) == "persistent"
    window = f"{int(classes['window_start'].iloc[0])}-{int(classes['window_end'].iloc[0])}"
    return persistent.to_numpy(), f"persistent = bottom quintile of E2SFCA access in >= {k} of {n} years ({window})"


# ---------------------------------------------------------------------------------------------- changes

@dataclass(frozen=True)
class PracticeChanges:
    """Closures (supply removed) and merges (FTE of `from` moved to `into`) applied before bids are scored."""
    closures: tuple[str, ...] = ()
    merges: tuple[tuple[str, str], ...] = ()

    @property
    def removed(self) -> tuple[str, ...]:
        """Practices with no supply left in the scenario."""
        return self.closures + tuple(source for source, _ in self.merges)

    def describe(self) -> str:
        parts = ([f"closed {', '.join(self.closures)}"] if self.closures else []) + \
                [f"merged {source} into {target}" for source, target in self.merges]
        return "; ".join(parts) or "no closures or merges"


NO_CHANGES = PracticeChanges()


def parse_changes(close: str | None, merge: str | None, base: BidBaseline) -> tuple[PracticeChanges, list[str]]:
    """Closures ("F84001, F84002") and merges ("F84003>F84004", ':' also accepted) checked against the year.

    Returns the valid changes and one message per item dropped (unknown code, a
    practice closed twice, merged into itself or into a practice that closes).
    """
    def codes(text):
        return [item.strip().upper() for item in (text or "").replace(";", ",").split(",") if item.strip()]

    open_codes = set(base.practices["practice_code"])
    where = f"an open GP practice with a location in {fy_label(base.year)}"
    problems, closures, merges = [], [], []
    for code in codes(close):
        if code not in open_codes:
            problems.append(f"close {code}: not {where}")
        elif code not in closures:
            closures.append(code)
    for item in codes(merge):
        pair = [part.strip() for part in item.replace(":", ">").split(">")]
        if len(pair) != 2 or not all(pair):
            problems.append(f"merge {item}: write FROM>INTO, e.g. F84003>F84004")
        elif unknown := [code for code in pair if code not in open_codes]:
            problems.append(f"merge {item}: {', '.join(unknown)} not {where}")
        elif pair[0] == pair[1]:
            problems.append(f"merge {item}: a practice cannot merge into itself")
        elif pair[0] in closures or pair[1] in closures or pair[0] in {s for s, _ in merges} | {t for _, t in merges} \
                or pair[1] in {s for s, _ in merges}:
            problems.append(f"merge {item}: {pair[0]} or {pair[1]} is already closed or merged in this scenario")
        else:
            merges.append((pair[0], pair[1]))
    return PracticeChanges(tuple(closures), tuple(merges)), problems


def _column_deltas(columns: sp.csc_matrix, added_supply: np.ndarray, need: np.ndarray):
    """Access change per LSOA (one column per site) from adding supply at each site, and each site's D_j."""
    in_reach = columns.T @ need
    ratio = np.divide(added_supply, in_reach, out=np.zeros(len(added_supply)), where=in_reach > 0)
    return (columns @ sp.diags(ratio)).tocsc(), in_reach


def _changes_delta(base: BidBaseline, changes: PracticeChanges) -> np.ndarray:
    """Access change per LSOA from the scenario's closures and merges (negative where supply leaves)."""
    sources = list(changes.closures) + [source for source, _ in changes.merges]
    targets = [target for _, target in changes.merges]
    if not sources:
        return np.zeros(len(base.lsoa_codes))
    source_index = base.practice_index(pd.Series(sources))
    target_index = base.practice_index(pd.Series(targets, dtype=object))
    fte = base.practices["gp_fte"].to_numpy()
    moved = fte[source_index[len(changes.closures):]]
    columns = np.concatenate([source_index, target_index])
    supply = np.concatenate([-fte[source_index], moved])
    delta, _ = _column_deltas(base.decay[:, columns], supply, base.need)
    return np.asarray(delta.sum(axis=1)).ravel()


# ---------------------------------------------------------------------------------------------- reading bids

def check_bids_file(name: str, size: int) -> None:
    """Reject anything that is not a .csv of at most 2 MB, with one line saying which."""
    if not str(name).lower().endswith(".csv"):
        raise BidFileError(f"{name} is not a CSV file: upload a .csv with columns "
                           "label, postcode | easting,northing | lat,lon, added_gp_fte [, cost, practice_code]")
    if size > MAX_FILE_BYTES:
        raise BidFileError(f"{name} is {size / 1024 / 1024:.1f} MB; bid files are limited to 2 MB")


def bids_from_csv(content: bytes, name: str) -> pd.DataFrame:
    """The rows of a bids CSV as text (every cell a string), or BidFileError with one clear line."""
    check_bids_file(name, len(content))
    if b"\x00" in content[:4096]:
        raise BidFileError(f"{name} is not a text CSV file (it looks binary)")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise BidFileError(f"{name} is empty: expected a header row and one row per bid") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise BidFileError(f"{name} could not be read as CSV: {str(exc).splitlines()[0]}") from None
    if frame.empty:
        raise BidFileError(f"{name} has a header but no bid rows")
    return frame


def _normalised_columns(raw: pd.DataFrame) -> pd.DataFrame:
    return raw.rename(columns=lambda name: str(name).strip().lower().replace(" ", "_")).reset_index(drop=True)


def missing_columns(raw: pd.DataFrame) -> list[str]:
    """What a bids table lacks to be scored at all: added_gp_fte, and any location column."""
    columns = set(_normalised_columns(raw).columns)
    missing = [] if "added_gp_fte" in columns else ["added_gp_fte"]
    located = {"postcode", "practice_code"} & columns or {"easting", "northing"} <= columns or {"lat", "lon"} <= columns
    return missing + ([] if located else ["a location (postcode, easting and northing, lat and lon, or practice_code)"])


def bid_rows(raw: pd.DataFrame) -> list[dict]:
    """The input columns of every row as text cells (blank where absent): what the app stores and links carry."""
    frame = _normalised_columns(raw)
    return pd.DataFrame({column: _text_column(frame, column) for column in INPUT_COLUMNS}).to_dict("records")


def _text_column(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=frame.index, dtype=object)
    return frame[column].astype("string").fillna("").str.strip().astype(object)


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
    frame = _normalised_columns(raw)
    text = {column: _text_column(frame, column) for column in INPUT_COLUMNS}
    index = frame.index
    reasons = _Reasons(index)
    row = pd.Series(np.arange(1, len(frame) + 1), index=index)

    label = text["label"].str.slice(0, MAX_LABEL_CHARS)
    label = label.where(label != "", "bid " + row.astype(str))
    key = label.str.casefold()
    first_row = row.groupby(key).transform("min")
    reasons.add(first_row < row, "duplicated label (first used on row " + first_row.astype(str) + ")")

    if "added_gp_fte" not in frame:
        reasons.add(pd.Series(True, index=index), "missing column added_gp_fte")
    fte, bad_fte = _numbers(text["added_gp_fte"])
    reasons.add(bad_fte, "non-numeric added_gp_fte '" + text["added_gp_fte"] + "'")
    reasons.add(("added_gp_fte" in frame) & (text["added_gp_fte"] == ""), "added_gp_fte is blank")
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


def _locate(text: dict, base: BidBaseline, changes: PracticeChanges, reasons: _Reasons) -> pd.DataFrame:
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


# ---------------------------------------------------------------------------------------------- scoring

@dataclass(frozen=True, eq=False)
class Scenario:
    """A scored scenario: every bid row (status, scores, rank), the LSOA deltas and the combined summary."""
    base: BidBaseline
    changes: PracticeChanges
    objective: Objective
    bids: pd.DataFrame             # one row per input row
    before: np.ndarray             # access per LSOA before the bids (baseline + closures/merges)
    delta: sp.csc_matrix           # access change per LSOA, one column per valid bid (in `bids` order)
    summary: dict = field(default_factory=dict)

    def lsoa_changes(self, row: int | None = None) -> pd.DataFrame:
        """Per LSOA: before / after / delta access x 10,000 for one bid (its input `row`) or all bids combined."""
        if row is None:
            delta = np.asarray(self.delta.sum(axis=1)).ravel()
        else:
            column = int(np.flatnonzero(self.bids.loc[self.bids["status"] == "ok", "row"].to_numpy() == row)[0])
            delta = self.delta[:, column].toarray().ravel()
        after = self.before + delta
        base = self.base
        return pd.DataFrame({
            "lsoa11_code": base.lsoa_codes, "need_population": base.need, "imd_decile": base.imd_decile,
            "before": self.before * PER, "after": after * PER, "delta": delta * PER,
            "bottom_quintile_before": self.before <= base.cut,
            "lifted": (self.before <= base.cut) & (after > base.cut),
            "persistent": base.persistent if base.persistent is not None else False})


def evaluate(raw: pd.DataFrame, base: BidBaseline, changes: PracticeChanges = NO_CHANGES,
             objective: str = DEFAULT_OBJECTIVE) -> Scenario:
    """Validate, score alone and in combination, and rank every bid; summarise the combined scenario."""
    objective = check_objective(objective)
    bids = read_bids(raw, base, changes)
    before = base.access + _changes_delta(base, changes)
    valid = bids["status"] == "ok"
    delta, in_reach = _bid_deltas(bids[valid], base)
    bids["need_in_reach"] = np.nan
    bids.loc[valid, "need_in_reach"] = in_reach
    bids["cost_gbp_m"] = bids["cost"] / 1e6

    combined = np.asarray(delta.sum(axis=1)).ravel()
    scores = _score_columns(delta, before, combined, base)
    for column in scores:
        bids[column] = np.nan
        bids.loc[valid, column] = scores[column].to_numpy()
    bids["access_gain_per_fte"] = bids["access_gain_fte"] / bids["added_gp_fte"]
    bids["underserved_gain_per_fte"] = bids["underserved_gain_fte"] / bids["added_gp_fte"]
    bids["nearest_practice_m"], bids["nearest_practice_code"] = _nearest_practice(bids, valid, base, changes)
    per = bids[objective.per].where(bids[objective.per] > 0)
    score_in_combination = "lifted_need_in_combination" if objective.score == "lifted_need" else objective.score
    bids["objective"] = objective.key
    bids["objective_value"] = bids[objective.score] / per
    bids["objective_in_combination"] = bids[score_in_combination] / per
    bids["rank"] = _rank(bids, "objective_value")
    bids["rank_in_combination"] = _rank(bids, "objective_in_combination")
    bids["note"] = _notes(bids, valid, objective)

    total = _score_columns(sp.csc_matrix(combined[:, None]), before, combined, base).iloc[0]
    summary = _summary(bids, valid, total, before, base, changes, objective)
    return Scenario(base, changes, objective, bids, before, delta, summary)


def _bid_deltas(valid: pd.DataFrame, base: BidBaseline):
    """One access-delta column per valid bid: existing decay columns for uplifts, new KD-tree columns otherwise."""
    uplift = valid["practice_column"].to_numpy() >= 0
    new_xy = valid.loc[~uplift, ["easting", "northing"]].to_numpy(dtype=float)
    new_columns = (decay_matrix(base.lsoa_xy, new_xy, base.d0) if len(new_xy)
                   else sp.csr_matrix((len(base.lsoa_codes), 0)))
    columns = sp.hstack([base.decay[:, valid["practice_column"].to_numpy()[uplift]], new_columns]).tocsc()
    order = np.argsort(np.concatenate([np.flatnonzero(uplift), np.flatnonzero(~uplift)]), kind="stable")
    return _column_deltas(columns[:, order], valid["added_gp_fte"].to_numpy(dtype=float), base.need)


def _score_columns(delta: sp.csc_matrix, before: np.ndarray, combined: np.ndarray, base: BidBaseline) -> pd.DataFrame:
    """Scores of each delta column against `before` (definitions in the module docstring), from its non-zeros."""
    entries = delta.tocoo()
    lsoa, column, change = entries.row, entries.col, entries.data
    count = delta.shape[1]
    need, start = base.need[lsoa], before[lsoa]
    gains = change > 0
    poor_before = start <= base.cut

    def total(values):
        return np.bincount(column, weights=values, minlength=count)

    def lifted(from_access, to_access):
        return total(need * (from_access <= base.cut) * (to_access > base.cut))

    others = combined[lsoa] - change
    scores = pd.DataFrame({
        "lsoas_gaining": total(gains),
        "gainers_need": total(need * gains),
        "lifted_need": lifted(start, start + change),
        "lifted_need_in_combination": lifted(start + others, start + combined[lsoa]),
        "access_gain_fte": total(need * change),
        "underserved_gain_fte": total(need * change * poor_before),
        "persistent_reached": total(base.persistent[lsoa] & gains) if base.persistent is not None else np.nan,
    })
    by_decile = np.bincount(column * 10 + np.clip(base.imd_decile[lsoa], 1, 10) - 1, weights=need * gains,
                            minlength=count * 10).reshape(count, 10)
    for decile in range(10):
        scores[f"gainers_imd_{decile + 1}"] = by_decile[:, decile]
    scores["gainers_imd_1_2_share"] = np.divide(by_decile[:, :2].sum(axis=1), scores["gainers_need"].to_numpy(),
                                                out=np.full(count, np.nan), where=scores["gainers_need"].to_numpy() > 0)
    return scores


def _nearest_practice(bids: pd.DataFrame, valid: pd.Series, base: BidBaseline, changes: PracticeChanges):
    """Metres from each valid site to the nearest other practice open before the bids, and that practice.

    The two nearest open practices are found at once; where the nearest is the
    uplifted practice itself, the second is taken (NaN with under two practices).
    """
    distance = pd.Series(np.nan, index=bids.index)
    nearest = pd.Series("", index=bids.index, dtype=object)
    open_index = np.flatnonzero(~base.practices["practice_code"].isin(changes.removed).to_numpy())
    if not valid.any() or len(open_index) < 2:
        return distance, nearest
    tree = cKDTree(base.practices[["easting", "northing"]].to_numpy(dtype=float)[open_index])
    found, at = tree.query(bids.loc[valid, ["easting", "northing"]].to_numpy(dtype=float), k=2)
    pick = (open_index[at[:, 0]] == bids.loc[valid, "practice_column"].to_numpy()).astype(int)
    rows = np.arange(len(at))
    distance[valid] = found[rows, pick]
    nearest[valid] = base.practices["practice_code"].to_numpy()[open_index[at[rows, pick]]]
    return distance, nearest


def _rank(bids: pd.DataFrame, column: str) -> pd.Series:
    """1 = best by `column`; ties broken by the share of FTE reaching the bottom quintile, then input order."""
    rankable = bids[bids[column].notna()]
    order = rankable.sort_values([column, "underserved_gain_per_fte", "row"], ascending=[False, False, True]).index
    rank = pd.Series(pd.NA, index=bids.index, dtype="Int64")
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def _notes(bids: pd.DataFrame, valid: pd.Series, objective: Objective) -> pd.Series:
    notes = pd.Series("", index=bids.index, dtype=object)
    notes[valid & (bids["need_in_reach"] <= 0)] = "no residents within d0: the site adds no access"
    notes[valid & bids["objective_value"].isna() & (objective.per == "cost_gbp_m")] = \
        f"no cost given: not ranked by {objective.key}"
    return notes


def _summary(bids, valid, total, before, base: BidBaseline, changes: PracticeChanges, objective: Objective) -> dict:
    changed = before - base.access
    fte = base.practices.set_index("practice_code")["gp_fte"]
    added = float(bids.loc[valid, "added_gp_fte"].sum())
    cost = bids.loc[valid, "cost"]
    summary = {
        "year": base.year, "fy": fy_label(base.year), "weights": base.weights, "d0": base.d0,
        "objective": objective.key, "objective_label": objective.label,
        "bids_total": int(len(bids)), "bids_valid": int(valid.sum()), "added_gp_fte": added,
        "cost_total": float(cost.sum()) if cost.notna().all() and len(cost) else float("nan"),
        "cut_per_10k": base.cut * PER, "bottom_quintile_need": base.bottom_quintile_need,
        "lifted_need_sum_of_singles": float(bids.loc[valid, "lifted_need"].sum()),
        "changes": changes.describe(),
        "fte_closed": float(fte.reindex(list(changes.closures)).sum()),
        "fte_moved": float(fte.reindex([source for source, _ in changes.merges]).sum()),
        "need_losing_access_from_changes": float(base.need[changed < 0].sum()),
        "need_pushed_into_bottom_quintile": float(base.need[(base.access > base.cut) & (before <= base.cut)].sum()),
        "persistence_note": base.persistence_note, "basis": base.basis,
    }
    summary.update({f"combined_{name}": float(value) for name, value in total.items()
                    if name != "lifted_need_in_combination"})
    summary["interaction_lifted_need"] = summary["combined_lifted_need"] - summary["lifted_need_sum_of_singles"]
    per = added if objective.per == "added_gp_fte" else summary["cost_total"] / 1e6
    summary["combined_objective_value"] = (summary[f"combined_{objective.score}"] / per if per and per > 0
                                           else float("nan"))
    return summary


def summary_line(summary: dict) -> str:
    """The combined scenario in one line (CLI stderr, page footnote)."""
    return (f"combined scenario, {summary['fy']}, {summary['weights']} weights, d0 {summary['d0']:,.0f} m: "
            f"{summary['bids_valid']} of {summary['bids_total']} bids valid, {summary['added_gp_fte']:,.1f} GP FTE "
            f"added; {summary['combined_lifted_need']:,.0f} need-weighted residents lifted out of the bottom quintile "
            f"(cut {summary['cut_per_10k']:.2f} per 10,000; sum of single bids "
            f"{summary['lifted_need_sum_of_singles']:,.0f}, "
            f"interaction {summary['interaction_lifted_need']:+,.0f}); {summary['combined_gainers_need']:,.0f} gain "
            f"access; {summary['combined_underserved_gain_fte']:,.2f} FTE reach the bottom quintile; "
            f"{_number(summary['combined_persistent_reached'], 0)} persistent-poor LSOAs reached; "
            f"{summary['objective']} = {_number(summary['combined_objective_value'], 1)}; {summary['changes']}")


def _number(value: float, decimals: int) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:,.{decimals}f}"


EXPORT_COLUMNS = {  # column -> decimals (None = as is)
    "rank": None, "row": None, "label": None, "status": None, "kind": None, "site": None, "located_by": None,
    "practice_code": None,
    "borough": None, "easting": 0, "northing": 0, "added_gp_fte": 2, "cost": 0, "objective": None,
    "objective_value": 3, "objective_in_combination": 3, "rank_in_combination": None, "lifted_need": 1,
    "lifted_need_in_combination": 1, "gainers_need": 1, "lsoas_gaining": 0, "persistent_reached": 0,
    "underserved_gain_fte": 4, "underserved_gain_per_fte": 4, "access_gain_fte": 4, "access_gain_per_fte": 4,
    "need_in_reach": 1, "nearest_practice_m": 0, "nearest_practice_code": None,
    **{f"gainers_imd_{decile}": 1 for decile in range(1, 11)}, "gainers_imd_1_2_share": 4, "note": None,
}


def ranked_table(scenario: Scenario) -> pd.DataFrame:
    """Every input row in rank order (unscored rows last, in input order), rounded for export, each row stating
    the year, parameters, fixed quintile cut and basis it was scored on."""
    table = scenario.bids.sort_values(["rank", "row"], na_position="last")[list(EXPORT_COLUMNS)].copy()
    for column, decimals in EXPORT_COLUMNS.items():
        if decimals is not None:
            table[column] = table[column].astype(float).round(decimals)
    for column in ("easting", "northing", "cost", "lsoas_gaining", "persistent_reached", "nearest_practice_m"):
        table[column] = table[column].astype("Int64")
    summary = scenario.summary
    return table.reset_index(drop=True).assign(
        fy=summary["fy"], weights=summary["weights"], d0_m=summary["d0"],
        bottom_quintile_cut_per_10k=round(summary["cut_per_10k"], 4), changes=summary["changes"],
        basis=summary["basis"])


if __name__ == "__main__":  # python -m geo.bids: the file-reading shell lives in geo/bids_cli.py
    from geo.bids_cli import main
    raise SystemExit(main())


class BidScenarios:
    """Baselines and scored scenarios for one `AreaTables`, memoised (bounded): the same inputs give the same
    read-only result to every user."""

    def __init__(self, tables: AreaTables):
        self.tables = tables
        self._baselines = Memo(max_entries=8)
        self._scenarios = Memo(max_entries=32)

    def baseline(self, year: int, params: AnalysisParams) -> BidBaseline:
        return self._baselines.get((year, params), lambda: bid_baseline(self.tables, year, params))

    def scenario(self, rows: tuple[dict, ...], year: int, params: AnalysisParams, objective: str, close: str,
                 merge: str) -> tuple[Scenario, tuple[str, ...]]:
        """The scored scenario of bid rows (text cells keyed by INPUT_COLUMNS) and the dropped changes."""
        def compute():
            base = self.baseline(year, params)
            changes, problems = parse_changes(close, merge, base)
            raw = pd.DataFrame(list(rows), columns=list(INPUT_COLUMNS))
            return evaluate(raw, base, changes, objective), tuple(problems)
        key = (tuple(tuple(row.get(c, "") for c in INPUT_COLUMNS) for row in rows), year, params, objective, close,
               merge)
        return self._scenarios.get(key, compute)

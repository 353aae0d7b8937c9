"""Practices: register, location per year, areas, PCN membership, list sizes and FTE.

Locations are per year because practices move: for year Y a practice is
placed at the postcode in that year's NHS Payments file, else at the postcode
of the epraccur snapshot nearest the middle of FY Y, else at its latest
epraccur postcode; the first of these that Code-Point Open can place wins.
"""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from data.config import BNG, LONDON_POSTCODE_AREAS, NEAREST_AREA_MAX_M
from data.errors import check_crs
from data.quality import QualityReport
from data.readers import GP_PRESCRIBING_SETTING, postcode_area
from data.years import fy_end, fy_start, year_of_date

# Candidate sources of a practice's postcode for a year, in order of preference.
LOCATION_PRIORITY = {"payments": 0, "epraccur (nearest snapshot)": 1, "epraccur (latest)": 2}


def latest_register(epraccur: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per London practice code, from the newest snapshot that lists it."""
    stacked = pd.concat([frame.assign(snapshot=snapshot) for snapshot, frame in epraccur.items()], ignore_index=True)
    latest = stacked.sort_values("snapshot").drop_duplicates("practice_code", keep="last")
    latest = latest.rename(columns={"snapshot": "latest_snapshot"})
    latest["is_gp"] = (latest["prescribing_setting"] == GP_PRESCRIBING_SETTING).fillna(False).astype(bool)
    return latest.reset_index(drop=True)


def geocode(postcodes: pd.Series, codepoint_current: pd.DataFrame, codepoint_older: pd.DataFrame) -> pd.DataFrame:
    """Distinct postcodes -> easting/northing, current Code-Point release first, then older releases.

    Unplaced postcodes get a reason rather than disappearing.
    """
    distinct = pd.DataFrame({"postcode": postcodes.dropna().unique()})
    older = codepoint_older.sort_values("release", ascending=False).drop_duplicates("postcode")
    located = distinct.merge(codepoint_current[["postcode", "easting", "northing", "release"]], on="postcode",
                             how="left")
    fallback = located["easting"].isna()
    filled = located.loc[fallback, ["postcode"]].merge(older[["postcode", "easting", "northing", "release"]],
                                                       on="postcode", how="left")
    located.loc[fallback, ["easting", "northing", "release"]] = filled[["easting", "northing", "release"]].to_numpy()
    outside = ~postcode_area(located["postcode"]).isin(LONDON_POSTCODE_AREAS)
    located["unlocated_reason"] = np.where(
        located["easting"].notna(), None,
        np.where(outside, "postcode outside the London postcode areas (not in London Code-Point)",
                 "postcode not in Code-Point Open (newest or older London releases)"))
    return located


def nearest_snapshot(years: list[int], snapshots: dict[str, pd.Timestamp]) -> dict[int, str]:
    """For each FY, the epraccur snapshot whose date is nearest the FY's midpoint (1 October).

    `snapshots` must hold only the snapshots actually read: a nearer one that is
    absent would otherwise leave the year with no snapshot postcode at all.
    """
    return {year: min(snapshots, key=lambda s: abs((snapshots[s] - pd.Timestamp(year - 1, 10, 1)).days))
            for year in years}


def location_candidates(practice_years: pd.DataFrame, payments: pd.DataFrame, epraccur: dict[str, pd.DataFrame],
                        register: pd.DataFrame, snapshot_dates: dict[str, pd.Timestamp]) -> pd.DataFrame:
    keys = practice_years[["practice_code", "year"]]
    from_payments = keys.merge(payments[["practice_code", "year", "payments_postcode"]], on=["practice_code", "year"])
    from_payments = from_payments.rename(columns={"payments_postcode": "postcode"}).assign(source="payments")
    per_year = nearest_snapshot(sorted(keys["year"].unique()), snapshot_dates)
    snapshot_rows = pd.concat([frame[["practice_code", "postcode"]].assign(snapshot=s)
                               for s, frame in epraccur.items()])
    from_snapshot = keys.assign(snapshot=keys["year"].map(per_year)).merge(snapshot_rows,
                                                                           on=["practice_code", "snapshot"])
    from_snapshot = from_snapshot.drop(columns="snapshot").assign(source="epraccur (nearest snapshot)")
    from_latest = (keys.merge(register[["practice_code", "postcode"]], on="practice_code")
                   .assign(source="epraccur (latest)"))
    candidates = pd.concat([from_payments, from_snapshot, from_latest], ignore_index=True)
    candidates["priority"] = candidates["source"].map(LOCATION_PRIORITY)
    return candidates.dropna(subset=["postcode"])


def assign_areas(points: gpd.GeoDataFrame, layers: dict[str, gpd.GeoDataFrame], report: QualityReport,
                 what: str) -> pd.DataFrame:
    """Code of the area of each level holding each point (sjoin 'within', then nearest within 500 m)."""
    check_crs(points, BNG, "practice points")
    out = pd.DataFrame(index=points.index)
    for level, layer in layers.items():
        check_crs(layer, BNG, level)
        polygons = layer[["area_code", "geometry"]]
        inside = gpd.sjoin(points[["geometry"]], polygons, how="left", predicate="within")
        inside = inside[~inside.index.duplicated(keep="first")]["area_code"]
        missing = inside.isna()
        snapped = pd.Series(dtype="object")
        if missing.any():
            near = gpd.sjoin_nearest(points.loc[missing, ["geometry"]], polygons, how="left",
                                     max_distance=NEAREST_AREA_MAX_M, distance_col="snap_m")
            snapped = near[~near.index.duplicated(keep="first")]["area_code"]
            inside = inside.fillna(snapped)
        out[f"{level}_code"] = inside
        still = out[f"{level}_code"].isna()
        far = points.loc[still]
        report.join(f"{what} -> {level} (sjoin within{', nearest <= 500 m' if missing.any() else ''})",
                    len(points), int((~still).sum()),
                    [{"easting": x, "northing": y, "reason": f"no {level} within {NEAREST_AREA_MAX_M} m"}
                     for x, y in zip(far.geometry.x.round(1), far.geometry.y.round(1), strict=True)],
                    {f"snapped to nearest {level} (point in a boundary gap)": int(snapped.notna().sum()),
                     f"no {level} within {NEAREST_AREA_MAX_M} m": int(still.sum())})
    return out


def pcn_membership(relationships: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Practice -> PCN for each year, from the union of all ePCN snapshots.

    The PCN is the relationship in force on 31 March Y; a practice with none
    that day (it left or closed during the year, or ODS records a gap between
    two spells) takes the relationship in force on the latest day of FY Y it
    had one, so a practice open in the year is not dropped from its network.
    A relationship counts from its start to its end date inclusive. For each
    practice-PCN pair only the newest snapshot that lists the pair is used: an
    older snapshot shows no end date for a relationship a later one records as
    ended. Where two relationships tie, the newest snapshot (then the latest
    start) wins.
    """
    newest = relationships.groupby(["practice_code", "pcn_code"])["snapshot"].transform("max")
    relationships = relationships[relationships["snapshot"] == newest]
    rows = []
    for year in years:
        start, end = fy_start(year), fy_end(year)
        live = relationships[(relationships["start_date"] <= end)
                             & (relationships["end_date"].isna() | (relationships["end_date"] >= start))]
        last_day = live["end_date"].fillna(end).clip(upper=end)
        live = live.assign(last_day=last_day).sort_values(["last_day", "snapshot", "start_date"])
        live = live.drop_duplicates("practice_code", keep="last")
        rows.append(live[["practice_code", "pcn_code"]].assign(year=year))
    return pd.concat(rows, ignore_index=True)


def open_in_year(register: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """(practice, year) pairs where the practice was open at any time in the FY."""
    grid = register[["practice_code", "open_date", "close_date"]].merge(pd.DataFrame({"year": years}), how="cross")
    starts = grid["year"].map(fy_start)
    ends = grid["year"].map(fy_end)
    grid["open_in_year"] = (grid["open_date"].isna() | (grid["open_date"] <= ends)) & (
        grid["close_date"].isna() | (grid["close_date"] >= starts))
    return grid[["practice_code", "year", "open_in_year"]]


def registered_by_year(monthly: pd.DataFrame) -> pd.DataFrame:
    """Mean of the monthly registered-patient extracts within each FY, with the number of extracts."""
    monthly = monthly.assign(year=year_of_date(monthly["extract_date"]).astype(int))
    return (monthly.groupby(["practice_code", "year"])["registered"]
            .agg(nhsd_registered="mean", nhsd_extracts="count").reset_index())


def combine_workforce(series: list[pd.DataFrame], report: QualityReport) -> pd.DataFrame:
    """Stack workforce files; where two cover the same practice-year the later file wins (revised returns)."""
    ordered = sorted(series, key=lambda frame: frame["year"].max())
    stacked = pd.concat(ordered, ignore_index=True)
    overlap = stacked.duplicated(["practice_code", "year"], keep=False)
    overlapping = stacked[overlap].groupby(["practice_code", "year"])["gp_fte"]
    revised = overlapping.max() - overlapping.min()
    combined = stacked.drop_duplicates(["practice_code", "year"], keep="last").reset_index(drop=True)
    report.note(f"Workforce files overlap on {int(overlap.sum() // 2):,} practice-years "
                f"({', '.join(map(str, sorted(stacked.loc[overlap, 'year'].unique())))}); the later file's "
                f"values are used; GP FTE differs by more than 0.05 in {int((revised > 0.05).sum()):,} of them.")
    return combined

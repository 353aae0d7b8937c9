"""PCN catchments: which London LSOAs each Primary Care Network serves.

Definitions (year label Y = FY ending 31 March Y, see `data/years.py`):

* **Practices considered in Y**: the practices that count in Y (`geo/rules.py`:
  located GP practices open in Y or sending a workforce return for Y) that
  belong to a PCN on 31 March Y.
  PCNs began on 1 July 2019, so Y must be 2020 (FY2019/20) or later.
* **Registered residents**: the patient flows (practice x LSOA registered
  patients, July 2022 extract = year 2023), London practices and London LSOAs
  only. For every Y, each considered practice's July-2022 distribution over
  LSOAs is carried over unchanged and counted for the practice's PCN *in Y*;
  practices not considered in Y contribute nothing. The basis label says so.
* **Plurality** (a partition): each London LSOA goes to the PCN whose member
  practices hold most of its registered residents. Ties go to the PCN with the
  larger total list size, then to the lower PCN code.
* **Nearest-practice fallback** (labelled "nearest practice (no flows)"): an
  LSOA none of whose registered residents are with a considered practice goes
  to the PCN of its nearest considered practice (straight line, EPSG:27700,
  LSOA centroid to practice point). A PCN none of whose practices has flows
  (e.g. opened after July 2022) takes the LSOAs whose nearest practice is one of
  its own, overriding the flows there; it has no catchment if it is nearest to
  none. Practices sharing a site count as one site belonging to the PCN first
  in the tie order above.
* **Nearest** (`method="nearest"`, for comparison): every LSOA by nearest
  practice.
* **Percent volume** (PCN-level, catchments may overlap): for each PCN the
  smallest set of LSOAs holding at least `volume` of its London-resident
  registered patients, taking LSOAs in descending order of its patients there
  (ties by LSOA code) and including the LSOA that crosses the threshold. A PCN
  without flows gets its nearest-practice LSOAs instead.
"""
from __future__ import annotations

from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from data.config import BNG
from data.errors import check_crs
from data.years import PCN_FIRST_YEAR, fy_label
from geo.rules import aligned_supply, practices_counted, snap_to_grid

METHODS = ("plurality", "percent_volume", "nearest")
BY_FLOWS = "flows"
BY_NEAREST_FALLBACK = "nearest practice (no flows)"
BY_NEAREST = "nearest practice"
NEAREST_BASIS = "nearest practice (straight line, EPSG:27700)"


class CatchmentInputs(Protocol):
    """What the catchments need from the tidy model; `data.model.AtlasData` has it all.

    practice_years: practice_code, year, is_gp, open_in_year, fte_status, easting, northing, pcn_code,
    list_size, gp_fte. flows: practice_code, lsoa11_code, patients, practice_in_london, lsoa_in_london.
    lsoa: area_code, centroid_x, centroid_y, geometry (EPSG:27700). pcns: pcn_code, pcn_name.
    flows_year, flows_snapshot: the flows extract's year label and month, for the basis labels.
    """

    practice_years: pd.DataFrame
    flows: pd.DataFrame
    flows_year: int
    flows_snapshot: str
    lsoa: gpd.GeoDataFrame
    pcns: pd.DataFrame


def flows_basis(inputs: CatchmentInputs, year: int) -> str:
    """Label for registered residents in `year`: says when the extract's shares stand in for another year."""
    if year == inputs.flows_year:
        return f"patient flows ({inputs.flows_snapshot})"
    return f"patient flows ({inputs.flows_snapshot} shares carried to {fy_label(year)})"


def pcn_practices(practice_years: pd.DataFrame, year: int) -> pd.DataFrame:
    """Practices considered in `year` (module docstring) with their PCN, site, list size and GP FTE."""
    if year < PCN_FIRST_YEAR:
        raise ValueError(f"No PCN catchments for {year}: PCNs start in {fy_label(PCN_FIRST_YEAR)} "
                         f"(year {PCN_FIRST_YEAR}).")
    rows = practices_counted(practice_years, year)
    practices = rows.loc[rows["pcn_code"].notna(),
                         ["practice_code", "pcn_code", "easting", "northing", "list_size", "gp_fte"]]
    if practices.empty:
        raise ValueError(f"No located GP practices with a PCN in {year} ({fy_label(year)}).")
    return practices.sort_values("practice_code").reset_index(drop=True)


def lsoa_pcn_assignment(inputs: CatchmentInputs, year: int, method: str = "plurality") -> pd.DataFrame:
    """LSOA -> PCN partition (plurality with nearest fallback, or nearest): one row per London LSOA.

    Columns: lsoa11_code, pcn_code, assignment_basis ("flows" | "nearest practice (no flows)" |
    "nearest practice"), share_of_lsoa_residents (the PCN's share of the LSOA's registered residents;
    NaN where the LSOA has none). The app aggregates LSOA measures to the PCN level through it.
    """
    if method not in ("plurality", "nearest"):
        raise ValueError(f"LSOA assignment method must be 'plurality' or 'nearest', not {method!r} "
                         "(percent-volume catchments overlap, so they are not a partition).")
    return _partition(*_year_inputs(inputs, year), method)


def pcn_catchments(inputs: CatchmentInputs, year: int, method: str = "plurality",
                   volume: float = 0.8) -> gpd.GeoDataFrame:
    """One row per PCN considered in `year`: members, supply and catchment polygon (EPSG:27700).

    Columns: pcn_code, pcn_name, method, basis, n_practices, practice_codes, list_size, gp_fte,
    patients_per_gp_fte (members reporting both list size and GP FTE), n_lsoa, n_lsoa_nearest_fallback,
    registered_residents_in_catchment (all considered practices' patients living there),
    pcn_patients_in_catchment, pcn_london_patients, share_of_pcn_patients_covered, geometry
    (valid MultiPolygon, empty when the PCN wins no LSOA).
    """
    if method not in METHODS:
        raise ValueError(f"Catchment method must be one of {', '.join(METHODS)}; got {method!r}.")
    if not 0 < volume <= 1:
        raise ValueError(f"Percent-volume share must be in (0, 1]; got {volume}.")
    lsoa, practices, residents = _year_inputs(inputs, year)
    if method == "percent_volume":
        members = _percent_volume_members(lsoa, practices, residents, volume)
    else:
        members = _partition(lsoa, practices, residents, method)
    table = _pcn_table(members, practices, residents, inputs.pcns)
    table.insert(2, "method", method)
    table.insert(3, "basis", NEAREST_BASIS if method == "nearest" else
                 np.where(table["pcn_london_patients"] > 0, flows_basis(inputs, year), BY_NEAREST_FALLBACK))
    geometry = _dissolve(members, lsoa).reindex(table["pcn_code"]).to_numpy()
    return gpd.GeoDataFrame(table, geometry=_as_multipolygons(geometry), crs=BNG)


def _year_inputs(inputs: CatchmentInputs, year: int) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """LSOAs (CRS checked), the practices considered in `year` and their registered residents."""
    check_crs(inputs.lsoa, BNG, "LSOAs")
    practices = pcn_practices(inputs.practice_years, year)
    return inputs.lsoa, practices, _registered_residents(inputs.flows, practices)


def _registered_residents(flows: pd.DataFrame, practices: pd.DataFrame) -> pd.DataFrame:
    """Registered London residents per (PCN, LSOA) for the year's membership."""
    counted = flows.loc[flows["practice_in_london"] & flows["lsoa_in_london"]
                        & flows["practice_code"].isin(practices["practice_code"]),
                        ["practice_code", "lsoa11_code", "patients"]]
    pcn = _lookup(counted["practice_code"], practices.set_index("practice_code")["pcn_code"])
    return (counted.assign(pcn_code=pcn).groupby(["pcn_code", "lsoa11_code"], as_index=False, observed=True)["patients"]
            .sum().astype({"pcn_code": "str"}))


def _lookup(codes: pd.Series, values: pd.Series) -> pd.Series:
    """`codes.map(values)` (codes not missing), looking each distinct code up once: ~10x faster on Arrow strings."""
    categorical = codes.astype("category").cat
    return pd.Series(values.reindex(categorical.categories).to_numpy()[categorical.codes], index=codes.index)


def _tie_order(practices: pd.DataFrame) -> pd.Series:
    """PCN -> rank used to break ties: larger total list first, then lower code."""
    lists = practices.groupby("pcn_code", as_index=False)["list_size"].sum()
    ordered = lists.sort_values(["list_size", "pcn_code"], ascending=[False, True])
    return pd.Series(np.arange(len(ordered)), index=ordered["pcn_code"].to_numpy())


def _nearest_pcn(lsoa: gpd.GeoDataFrame, practices: pd.DataFrame, rank: pd.Series) -> pd.Series:
    """LSOA code -> PCN of the nearest practice site (straight line from the LSOA centroid)."""
    sites = (practices.assign(rank=practices["pcn_code"].map(rank)).sort_values("rank")
             .drop_duplicates(["easting", "northing"]))
    _, nearest = cKDTree(sites[["easting", "northing"]].to_numpy()).query(lsoa[["centroid_x", "centroid_y"]].to_numpy())
    return pd.Series(sites["pcn_code"].to_numpy()[nearest], index=lsoa["area_code"].to_numpy())


def _partition(lsoa: gpd.GeoDataFrame, practices: pd.DataFrame, residents: pd.DataFrame, method: str) -> pd.DataFrame:
    rank = _tie_order(practices)
    nearest = _nearest_pcn(lsoa, practices, rank)
    if method == "nearest":
        pcn, basis = nearest, np.full(len(nearest), BY_NEAREST)
    else:
        winners = (residents.assign(rank=_lookup(residents["pcn_code"], rank))
                   .sort_values(["patients", "rank"], ascending=[False, True])
                   .drop_duplicates("lsoa11_code").set_index("lsoa11_code")["pcn_code"])
        by_flows = winners.reindex(nearest.index)
        flowless_pcns = rank.index.difference(residents["pcn_code"].unique())
        fallback = by_flows.isna() | nearest.isin(flowless_pcns)
        pcn = by_flows.where(~fallback, nearest)
        basis = np.where(fallback, BY_NEAREST_FALLBACK, BY_FLOWS)
    assignment = pd.DataFrame({"lsoa11_code": nearest.index, "pcn_code": pcn.to_numpy(), "assignment_basis": basis})
    held = assignment.merge(residents, on=["lsoa11_code", "pcn_code"], how="left")["patients"].fillna(0)
    lsoa_total = _lookup(assignment["lsoa11_code"], residents.groupby("lsoa11_code")["patients"].sum())
    assignment["share_of_lsoa_residents"] = held.to_numpy() / lsoa_total.to_numpy()
    return assignment


def _percent_volume_members(lsoa: gpd.GeoDataFrame, practices: pd.DataFrame, residents: pd.DataFrame,
                            volume: float) -> pd.DataFrame:
    """(PCN, LSOA) pairs of each PCN's percent-volume catchment; PCNs without flows by nearest practice."""
    ordered = residents.sort_values(["pcn_code", "patients", "lsoa11_code"], ascending=[True, False, True])
    by_pcn = ordered.groupby("pcn_code")["patients"]
    held_before = by_pcn.cumsum() - ordered["patients"]
    flows_members = ordered.loc[held_before < volume * by_pcn.transform("sum"), ["pcn_code", "lsoa11_code"]]
    nearest = _nearest_pcn(lsoa, practices, _tie_order(practices))
    flowless = nearest[~nearest.isin(residents["pcn_code"].unique())]
    return pd.concat([
        flows_members.assign(assignment_basis=BY_FLOWS),
        pd.DataFrame({"pcn_code": flowless.to_numpy(), "lsoa11_code": flowless.index,
                      "assignment_basis": BY_NEAREST_FALLBACK}),
    ], ignore_index=True)


def _pcn_table(members: pd.DataFrame, practices: pd.DataFrame, residents: pd.DataFrame,
               pcns: pd.DataFrame) -> pd.DataFrame:
    """PCN membership, supply and how much of its registered population the catchment holds."""
    aligned = aligned_supply(practices["list_size"], practices["gp_fte"])
    supply = practices.assign(aligned_list=practices["list_size"].where(aligned),
                              aligned_fte=practices["gp_fte"].where(aligned))
    by_pcn = supply.groupby("pcn_code")
    table = by_pcn[["list_size", "gp_fte", "aligned_list", "aligned_fte"]].sum(min_count=1).assign(
        n_practices=by_pcn.size(), practice_codes=by_pcn["practice_code"].agg(", ".join))
    table["patients_per_gp_fte"] = (table["aligned_list"] / table["aligned_fte"]).replace(np.inf, np.nan)

    lsoa_total = residents.groupby("lsoa11_code")["patients"].sum()
    in_catchment = members.merge(residents, on=["pcn_code", "lsoa11_code"], how="left").assign(
        all_patients=lambda m: _lookup(m["lsoa11_code"], lsoa_total),
        fallback=lambda m: m["assignment_basis"] == BY_NEAREST_FALLBACK)
    coverage = in_catchment.groupby("pcn_code").agg(
        n_lsoa=("lsoa11_code", "size"), n_lsoa_nearest_fallback=("fallback", "sum"),
        registered_residents_in_catchment=("all_patients", "sum"), pcn_patients_in_catchment=("patients", "sum"))
    table = table.join(coverage).join(residents.groupby("pcn_code")["patients"].sum().rename("pcn_london_patients"))
    counts = ["n_lsoa", "n_lsoa_nearest_fallback", "registered_residents_in_catchment", "pcn_patients_in_catchment",
              "pcn_london_patients"]
    table[counts] = table[counts].fillna(0).astype(int)
    table["share_of_pcn_patients_covered"] = (table["pcn_patients_in_catchment"]
                                              / table["pcn_london_patients"].replace(0, np.nan))
    table = table.reset_index().merge(pcns[["pcn_code", "pcn_name"]], on="pcn_code", how="left")
    return table[["pcn_code", "pcn_name", "n_practices", "practice_codes", "list_size", "gp_fte",
                  "patients_per_gp_fte", "n_lsoa", "n_lsoa_nearest_fallback", *counts[2:],
                  "share_of_pcn_patients_covered"]]


def _dissolve(members: pd.DataFrame, lsoa: gpd.GeoDataFrame) -> pd.Series:
    """PCN code -> union of its LSOA polygons.

    Neighbouring LSOAs share edges only up to ~1e-6 m of float noise, which leaves slivers in an
    overlay union and defeats GEOS CoverageUnion. Snapped to a common 1 mm grid they form an exact
    coverage, so each PCN is dissolved with CoverageUnion (~20x faster than unary union).
    """
    snapped = snap_to_grid(lsoa.geometry.to_numpy())
    by_code = pd.Series(snapped, index=lsoa["area_code"].to_numpy())
    rows = gpd.GeoDataFrame({"pcn_code": members["pcn_code"].to_numpy()},
                            geometry=by_code.reindex(members["lsoa11_code"]).to_numpy(), crs=BNG)
    return rows.dissolve("pcn_code", method="coverage").geometry


def _as_multipolygons(geometry: np.ndarray) -> np.ndarray:
    """Valid MultiPolygons (empty for missing), so every catchment has one geometry type.

    Only invalid unions go through make_valid: on London-sized catchments it costs ~10x the check.
    """
    geometry = geometry.copy()
    invalid = ~(shapely.is_valid(geometry) | shapely.is_missing(geometry))
    geometry[invalid] = shapely.make_valid(geometry[invalid], method="structure", keep_collapsed=False)
    if not shapely.is_valid(geometry[invalid]).all():
        raise ValueError("a PCN catchment stayed invalid after make_valid")
    parts, owner = shapely.get_parts(geometry, return_index=True)
    out = np.array([shapely.MultiPolygon()] * len(geometry), dtype=object)
    present = np.unique(owner)
    out[present] = shapely.multipolygons(parts, indices=np.searchsorted(present, owner))
    return out

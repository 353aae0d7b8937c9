"""Profiles for the app's detail views: one area (value, rank, trend, persistence, people, practices serving it)
and one practice (list and FTE over years against London, its PCN, where its patients live).

Everything is derived from `geo.tables.AreaTables` / `geo.provision.Provision`,
so a profile shows exactly the numbers the map and the tables show.

Practices serving an area: `Provision.attribution` says how each practice's
patients spread over London LSOAs (the patient-flows extract; E2SFCA catchment or
nearest LSOA for practices without flows). A practice's patients living in an
area are estimated as its list size x the share of its London patients living
in the area's LSOAs; each practice's share of the area is its part of the sum.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from data.years import PCN_FIRST_YEAR, fy_label
from geo.levels import LEVEL_CODE_COLUMN
from geo.names import display_names
from geo.params import AnalysisParams, grid_d0
from geo.provision import Provision
from geo.rules import aligned_ratio, figure_caveats, patients_per_gp_fte
from geo.tables import AreaTables

MOST_DEPRIVED_DECILES = (1, 2)  # IMD 2019 national deciles: the most deprived 20% of England
NO_PCN = "no PCN recorded"


def area_lsoas(tables: AreaTables, level: str, area_code: str, year: int) -> list[str]:
    """LSOA codes making up an area of a level in a year (PCN catchments change by year)."""
    if level == "pcn":
        assignment = tables.pcn_assignment(year)
        return sorted(assignment.index[assignment == area_code])
    lsoa = tables.provision.lsoa
    return sorted(lsoa.loc[lsoa[LEVEL_CODE_COLUMN[level]] == area_code, "area_code"])


def serving_practices(provision: Provision, lsoa_codes: list[str], year: int, params: AnalysisParams) -> pd.DataFrame:
    """Practices whose patients live in the LSOAs, largest first (memoised: the side panel draws them again for
    every measure, scheme and click on the same area; callers must not change the frame).

    Columns: practice_code, practice_name, pcn_code, pcn_name, residents (estimated registered
    residents of the area), share (of the area's registered residents), list_size, gp_fte,
    patients_per_gp_fte, attribution_basis.
    """
    key = ("serving_practices", year, params.weights, grid_d0(params.d0), tuple(lsoa_codes))
    return provision.derived(key, lambda: _serving_practices(provision, lsoa_codes, year, params))


def _serving_practices(provision: Provision, lsoa_codes: list[str], year: int, params: AnalysisParams
                       ) -> pd.DataFrame:
    shares, basis = provision.attribution(year, params.weights, params.d0)
    rows = np.flatnonzero(np.isin(provision.lsoa_codes, lsoa_codes))
    in_area = np.asarray(shares[rows].sum(axis=0)).ravel()
    points = provision.practice_points(year)
    residents = points["list_size"].fillna(0).to_numpy() * in_area
    served = points[residents > 0].assign(residents=residents[residents > 0],
                                          attribution_basis=basis.to_numpy()[residents > 0])
    served["share"] = served["residents"] / served["residents"].sum()
    return served.sort_values(["residents", "practice_code"], ascending=[False, True])[
        ["practice_code", "practice_name", "pcn_code", "pcn_name", "residents", "share", "list_size", "gp_fte",
         "patients_per_gp_fte", "caveat", "attribution_basis"]].reset_index(drop=True)


def serving_pcns(tables: AreaTables, practices: pd.DataFrame, measure: str, year: int,
                 params: AnalysisParams) -> pd.DataFrame:
    """The PCNs whose member practices serve an area's residents (`practices`: `serving_practices` of the area),
    largest first: pcn_code, pcn_name, residents, share (of the area's registered residents), practices (serving
    members), gp_fte (all the PCN's members that year) and persistence_class (its catchment at PCN level, under
    the view's measure and parameters; None before PCN catchments exist)."""
    by_pcn = practices.groupby(practices["pcn_code"].fillna(NO_PCN).rename("pcn_code"), sort=False)
    grouped = by_pcn[["residents", "share"]].sum()
    grouped["practices"] = by_pcn.size()
    grouped["gp_fte"] = tables.provision.pcn_gp_fte(year).reindex(grouped.index)
    grouped["pcn_name"] = tables.provision.pcn_display_names.reindex(grouped.index).fillna(NO_PCN)
    grouped["persistence_class"] = None
    if year in tables.years(measure, "pcn"):
        try:
            classes = tables.persistence(measure, "pcn", year, params).set_index("area_code")["persistence_class"]
            grouped["persistence_class"] = classes.reindex(grouped.index).astype(object).where(
                classes.reindex(grouped.index).notna(), None)
        except ValueError:  # the persistence window does not fit before this year
            pass
    return (grouped.reset_index().sort_values(["residents", "pcn_code"], ascending=[False, True])
            [["pcn_code", "pcn_name", "residents", "share", "practices", "gp_fte", "persistence_class"]]
            .reset_index(drop=True))


def main_pcns(tables: AreaTables, level: str, year: int, params: AnalysisParams) -> pd.DataFrame:
    """Per area of a level: main_pcn_code, main_pcn_name and main_pcn_share, the PCN whose member practices
    hold the largest share of the area's registered residents (estimated as in `serving_practices`); empty
    before PCNs existed (FY2019/20)."""
    columns = ["area_code", "main_pcn_code", "main_pcn_name", "main_pcn_share"]
    if year < PCN_FIRST_YEAR:
        return pd.DataFrame(columns=columns)
    provision = tables.provision
    shares, _ = provision.attribution(year, params.weights, params.d0)
    points = provision.supply_points(year)
    residents = sp.csr_matrix(shares.multiply(points["list_size"].fillna(0).to_numpy(dtype=float)[None, :]))
    pcn_codes, pcn_of_practice = np.unique(points["pcn_code"].fillna("").to_numpy(dtype=str), return_inverse=True)
    practice_to_pcn = sp.csr_matrix((np.ones(len(points)), (np.arange(len(points)), pcn_of_practice)),
                                    shape=(len(points), len(pcn_codes)))
    if level == "pcn":
        area_of_lsoa = tables.pcn_assignment(year).reindex(provision.lsoa_codes)
    else:
        lsoa = provision.lsoa.set_index("area_code", drop=False)
        area_of_lsoa = lsoa[LEVEL_CODE_COLUMN[level]].reindex(provision.lsoa_codes)
    known = area_of_lsoa.notna().to_numpy()
    area_codes, area_of_row = np.unique(area_of_lsoa[known].to_numpy(dtype=str), return_inverse=True)
    lsoa_to_area = sp.csr_matrix((np.ones(known.sum()), (area_of_row, np.flatnonzero(known))),
                                 shape=(len(area_codes), len(provision.lsoa_codes)))
    by_pcn = (lsoa_to_area @ residents @ practice_to_pcn).toarray()
    total = by_pcn.sum(axis=1)
    named = by_pcn.copy()
    named[:, pcn_codes == ""] = -1  # practices without a PCN are counted in the total, never the main PCN
    best = named.argmax(axis=1)
    share = np.divide(by_pcn[np.arange(len(best)), best], total, out=np.full(len(best), np.nan), where=total > 0)
    code = pd.Series(pcn_codes[best]).where((share > 0) & (pcn_codes[best] != ""))
    return pd.DataFrame({"area_code": area_codes, "main_pcn_code": code,
                         "main_pcn_name": display_names(code.map(provision.atlas.pcn_names)),
                         "main_pcn_share": share})[columns]

def main_pcn_of(tables: AreaTables, level: str, area_code: str, year: int, params: AnalysisParams) -> str | None:
    """The main PCN of one area (as `main_pcns`), or None before PCNs existed or when no PCN serves it."""
    if year < PCN_FIRST_YEAR:
        return None
    practices = serving_practices(tables.provision, area_lsoas(tables, level, area_code, year), year, params)
    residents = practices.dropna(subset=["pcn_code"]).groupby("pcn_code")["residents"].sum()
    return None if residents.empty else str(residents.sort_index().idxmax())


def people(provision: Provision, lsoa_codes: list[str], year: int) -> dict:
    """Residents (ONS mid-year standing in for the year) and IMD 2019 deprivation of a set of LSOAs."""
    population = provision.population(year)
    rows = population[population.index.isin(lsoa_codes)]
    residents = rows["population"]
    decile = provision.imd_decile.reindex(residents.index)
    total = float(residents.sum())
    known = decile.notna()
    return {
        "residents": total,
        "population_mid_year": int(rows["population_mid_year"].iloc[0]) if len(rows) else None,
        "most_deprived_share": float(residents[decile.isin(MOST_DEPRIVED_DECILES)].sum() / total) if total else np.nan,
        "mean_imd_decile": float((residents[known] * decile[known]).sum() / residents[known].sum())
        if residents[known].sum() else np.nan,
    }


def area_trend(tables: AreaTables, measure: str, level: str, area_code: str, params: AnalysisParams) -> pd.DataFrame:
    """year, value (the area), london_median (median area of the level), london (all London) for every year."""
    ranked = tables.ranked(measure, level, params)
    column = ranked.column.get(area_code)
    return pd.DataFrame({
        "year": list(ranked.years),
        "value": ranked.values[:, column] if column is not None else np.nan,
        "london_median": pd.DataFrame(ranked.values.T).median().to_numpy(),  # over the areas with a value
        "london": [tables.provision.london_value(measure, year, params) for year in ranked.years]})


def area_profile(tables: AreaTables, measure: str, level: str, area_code: str, year: int,
                 params: AnalysisParams) -> dict | None:
    """Everything the area panel shows, or None if the area is not on the map for that level and year."""
    level = tables.check_year(measure, level, year)
    lsoas = area_lsoas(tables, level, area_code, year)
    if not lsoas:
        return None
    value, rank, tied, n_ranked = tables.ranked(measure, level, params).of(area_code, year)
    try:
        persistence = tables.persistence(measure, level, year, params)
        persistence = persistence[persistence["area_code"] == area_code].iloc[0].to_dict()
    except ValueError as exc:  # window does not fit before this year
        persistence = {"persistence_class": None, "reason": str(exc)}
    return {
        "area_code": area_code, "area_name": tables.area_names(level).get(area_code), "level": level,
        "year": year, "measure": measure, "value": value, "rank": rank or None, "n_ranked": n_ranked,
        "basis": tables.provision.basis(measure, year, params), "tied": tied,
        "london": tables.provision.london_value(measure, year, params),
        "persistence": persistence, "n_lsoa": len(lsoas), "lsoa_codes": lsoas,
        "imd_decile": tables.provision.imd_decile.get(area_code) if level == "lsoa11" else None,
        "flows_snapshot": tables.provision.atlas.flows_snapshot,
        **people(tables.provision, lsoas, year),
    }


def london_patients_per_gp_fte(provision: Provision) -> pd.Series:
    """London's registered patients per GP FTE by year, over practices reporting both (aligned)."""
    ratios = {year: aligned_ratio(provision.supply_points(year)["list_size"], provision.supply_points(year)["gp_fte"])
              for year in provision.supply_years}
    return pd.Series(ratios, name="london_patients_per_gp_fte").rename_axis("year")


def practice_profile(provision: Provision, practice_code: str) -> dict | None:
    """Register entry, yearly list / FTE / ratio against London, PCN per year; None for an unknown code."""
    register = provision.atlas.practices
    entry = register[register["practice_code"] == practice_code]
    if entry.empty:
        return None
    years = provision.atlas.practice_years
    own = years[years["practice_code"] == practice_code].set_index("year")
    history = pd.DataFrame({
        "list_size": own["list_size"], "gp_fte": own["gp_fte"],
        "patients_per_gp_fte": patients_per_gp_fte(own["list_size"], own["gp_fte"]),
        "pcn_code": own["pcn_code"], "pcn_name": display_names(own["pcn_code"].map(provision.atlas.pcn_names)),
        "fte_status": own["fte_status"], "caveat": figure_caveats(own["list_size"], own["gp_fte"]).to_numpy(),
    }).join(london_patients_per_gp_fte(provision), how="left").rename_axis("year").reset_index()
    history["fy"] = history["year"].map(fy_label)
    entry = entry.assign(practice_name=display_names(entry["practice_name"]))
    return {**entry.iloc[0].drop(labels="geometry").to_dict(), "history": history}


def pcn_members(provision: Provision, pcn_code: str, year: int) -> pd.DataFrame:
    """Practices in a PCN on 31 March of the year with their list, GP FTE and patients per GP FTE."""
    years = provision.atlas.practice_years
    members = years[(years["year"] == year) & (years["pcn_code"] == pcn_code)]
    return pd.DataFrame({
        "practice_code": members["practice_code"],
        "practice_name": display_names(members["practice_code"].map(provision.atlas.practice_names)),
        "list_size": members["list_size"], "gp_fte": members["gp_fte"],
        "patients_per_gp_fte": patients_per_gp_fte(members["list_size"], members["gp_fte"]),
        "caveat": figure_caveats(members["list_size"], members["gp_fte"]).to_numpy(),
    }).sort_values("practice_code").reset_index(drop=True)


def patient_flows(provision: Provision, practice_code: str) -> tuple[pd.DataFrame, dict]:
    """Where a practice's registered patients live (the flows extract's month): London LSOA counts, and a summary."""
    flows = provision.atlas.flows
    own = flows[(flows["practice_code"] == practice_code) & (flows["patients"] > 0)]
    london = own[own["lsoa_in_london"]][["lsoa11_code", "patients"]].sort_values("patients", ascending=False)
    total = float(own["patients"].sum())
    return london.reset_index(drop=True), {
        "snapshot": provision.atlas.flows_snapshot, "patients": total,
        "london_patients": float(london["patients"].sum()),
        "outside_london_share": 1 - float(london["patients"].sum()) / total if total else np.nan,
        "lsoas": len(london)}



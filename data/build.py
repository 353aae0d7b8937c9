"""Build the tidy model from the raw bundle: `python -m data.build [--force]`.

Reads every input, validates and joins it, writes the cache atomically and
prints the data-quality report. The tidy model (docs/ARCHITECTURE.md, "The tidy model"):

practices      GeoDataFrame, EPSG:27700, one row per London practice code
               (latest register record and latest location; is_gp = setting 4)
practice_years practice x year: open flag, location and areas that year,
               list size and GP FTE (workforce), payments lists, NHSD totals, PCN
pcns           pcn_code, pcn_name
areas          one GeoDataFrame per level, EPSG:27700, valid polygons
areas_web      the same, simplified, EPSG:4326, 5-decimal coordinates
lsoa_years     LSOA x year: resident population in workload age bands and the
               mid-year estimate standing in for that year
flows          practice x LSOA registered patients (July 2022 = year 2023)
postcodes      every London postcode in Code-Point Open (current and older
               releases): postcode, easting, northing, release, live
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from data import cache
from data.config import BNG, cache_dir, data_dir
from data.errors import DataFileError
from data.geography import (
    COARSE_LEVELS,
    LEVELS,
    attach_lsoa_attributes,
    attach_lsoa_memberships,
    read_area_layers,
    web_copy,
)
from data.model import AtlasData
from data.postcodes import postcode_table
from data.practices import (
    assign_areas,
    combine_workforce,
    geocode,
    latest_register,
    location_candidates,
    open_in_year,
    pcn_membership,
    registered_by_year,
)
from data.quality import QualityReport
from data.readers import (
    read_codepoint,
    read_epcn,
    read_epraccur,
    read_flows,
    read_payments,
    read_population_syoa,
    read_registered_totals,
    read_workforce,
)
from data.years import FLOWS_YEAR, PCN_FIRST_YEAR, POPULATION_MID_YEARS, payments_year, population_year_for

YEARS = list(range(2015, 2026))  # FY2014/15 (first payments file) .. FY2024/25 (last workforce year)
EPRACCUR_SNAPSHOT_DATES = {  # inferred publication dates (PROVENANCE.md, practices section 1)
    "2019-12": pd.Timestamp("2019-12-20"), "2023-02": pd.Timestamp("2023-02-28"),
    "2024-08": pd.Timestamp("2024-08-24"), "2025-11": pd.Timestamp("2025-11-13"),
}
FLOWS_FILE = "registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz"


def _glob(root: Path, pattern: str, what: str) -> list[Path]:
    found = sorted(root.glob(pattern))
    if not found:
        raise DataFileError(root / pattern, f"no file matches; expected {what}")
    return found


def _snapshot(path: Path) -> str:
    """'epraccur_london_2025-11.csv' -> '2025-11'."""
    return path.name.split("_")[-1].split(".")[0]


def _snapshot_date(path: Path) -> pd.Timestamp:
    """When an epraccur file was taken: the inferred date if known, else mid-month of its name."""
    snapshot = _snapshot(path)
    if snapshot in EPRACCUR_SNAPSHOT_DATES:
        return EPRACCUR_SNAPSHOT_DATES[snapshot]
    month = pd.to_datetime(snapshot, format="%Y-%m", errors="coerce")
    if pd.isna(month):
        raise DataFileError(path, "file name does not end in a YYYY-MM snapshot; expected epraccur_london_YYYY-MM.csv")
    return month + pd.Timedelta(days=14)


def _payments_year(path: Path) -> int:
    """Year label of a payments file from its name ('..._2019-20.csv' -> 2020)."""
    try:
        return payments_year(path.stem.split("_")[-1])
    except ValueError as exc:
        raise DataFileError(path, "file name does not end in a financial year; expected "
                                  "nhs_payments_to_general_practice_london_YYYY-YY.csv (e.g. _2019-20)") from exc


def build_model(root: Path) -> AtlasData:
    report = QualityReport()
    practices_dir = root / "practices"

    # ---- areas
    layers = read_area_layers(root, report)
    lsoa = attach_lsoa_memberships(layers, root, report)
    lsoa = attach_lsoa_attributes(lsoa, root, report)
    layers["lsoa11"] = lsoa
    for level in COARSE_LEVELS:
        layers[level]["n_lsoa"] = (layers[level]["area_code"].map(lsoa.groupby(f"{level}_code").size())
                                   .fillna(0).astype(int))
    report.total("London LSOAs (2011)", len(lsoa))

    # ---- population
    population = pd.concat([
        read_population_syoa(root / "geography" / "population" / f"lsoa11_population_syoa_mid{mid}_london.csv", mid,
                             report)
        for mid in POPULATION_MID_YEARS], ignore_index=True)
    for mid in POPULATION_MID_YEARS:
        codes = set(population.loc[population["mid_year"] == mid, "lsoa11_code"])
        missing = lsoa.loc[~lsoa["area_code"].isin(codes), "area_code"]
        report.join(f"LSOA -> population mid-{mid}", len(lsoa), len(lsoa) - len(missing),
                    [{"lsoa11_code": c, "reason": "no population row"} for c in missing])
        report.total(f"London resident population mid-{mid}",
                     int(population.loc[population["mid_year"] == mid, "population"].sum()))
    lsoa_years = pd.concat([
        population[population["mid_year"] == population_year_for(year)].assign(year=year) for year in YEARS],
        ignore_index=True).rename(columns={"mid_year": "population_mid_year"})
    lsoa_years = lsoa_years[lsoa_years["lsoa11_code"].isin(lsoa["area_code"])].reset_index(drop=True)

    # ---- practice register and postcodes
    epraccur_files = _glob(practices_dir, "epraccur_london_*.csv", "ODS epraccur extracts")
    snapshot_dates = {_snapshot(p): _snapshot_date(p) for p in epraccur_files}
    epraccur = {_snapshot(p): read_epraccur(p, report) for p in epraccur_files}
    register = latest_register(epraccur)
    codepoint_current = read_codepoint(practices_dir / "codepoint_open_london_2025-10.csv.gz", report,
                                       release="2025.4.0")
    codepoint_older = read_codepoint(practices_dir / "codepoint_open_london_older_releases_not_in_2025.csv.gz", report)
    london_codes = set(register["practice_code"])

    # ---- per-year practice data
    payments = pd.concat([
        read_payments(p, _payments_year(p), report)
        for p in _glob(practices_dir, "nhs_payments_to_general_practice_london_*.csv",
                       "NHS Payments to General Practice files")],
        ignore_index=True)
    workforce = combine_workforce([read_workforce(p, report)
                                   for p in _glob(practices_dir, "heec_workforce_year_london_*.csv",
                                                  "HEEC workforce series")], report)
    monthly = pd.concat([read_registered_totals(p, report) for p in _glob(practices_dir, "gp-reg-pat-prac-all_*.csv",
                                                                        "Patients Registered at a GP Practice totals")],
                        ignore_index=True)
    monthly = monthly[monthly["practice_code"].isin(london_codes)]
    registered = registered_by_year(monthly)

    for name, frame in (("payments", payments), ("workforce", workforce)):
        unknown = sorted(set(frame["practice_code"]) - london_codes)
        report.join(f"{name} practice codes -> London register (epraccur)", frame["practice_code"].nunique(),
                    frame["practice_code"].nunique() - len(unknown),
                    [{"practice_code": c, "reason": "not in any London epraccur snapshot"} for c in unknown])

    opened = open_in_year(register, YEARS)
    keys = pd.concat([
        opened.loc[opened["open_in_year"]
                   & opened["practice_code"].isin(register.loc[register["is_gp"], "practice_code"]),
                   ["practice_code", "year"]],
        workforce[["practice_code", "year"]], payments[["practice_code", "year"]],
        registered[["practice_code", "year"]],
    ]).drop_duplicates()
    keys = keys[keys["practice_code"].isin(london_codes) & keys["year"].isin(YEARS)].astype({"year": int})
    practice_years = keys.merge(opened, on=["practice_code", "year"], how="left")

    # ---- locate every postcode once, then each practice-year
    candidates = location_candidates(practice_years, payments, epraccur, register, snapshot_dates)
    postcodes = geocode(pd.concat([candidates["postcode"], register["postcode"]]), codepoint_current, codepoint_older)
    candidates = candidates.merge(postcodes, on="postcode", how="left")
    chosen = (candidates[candidates["easting"].notna()].sort_values("priority")
              .drop_duplicates(["practice_code", "year"])
              [["practice_code", "year", "postcode", "easting", "northing", "source"]]
              .rename(columns={"source": "location_source"}))
    practice_years = practice_years.merge(chosen, on=["practice_code", "year"], how="left")

    register = register.merge(postcodes[["postcode", "easting", "northing", "release", "unlocated_reason"]],
                              on="postcode", how="left").rename(columns={"release": "codepoint_release"})
    register.loc[register["postcode"].isna(), "unlocated_reason"] = "no postcode in register"

    # ---- areas of every distinct location
    sites = (pd.concat([practice_years[["easting", "northing"]], register[["easting", "northing"]]])
             .dropna().drop_duplicates())
    site_points = gpd.GeoDataFrame(sites.reset_index(drop=True),
                                   geometry=gpd.points_from_xy(sites["easting"], sites["northing"]), crs=BNG)
    site_areas = pd.concat([site_points[["easting", "northing"]],
                            assign_areas(site_points, layers, report, "practice sites")], axis=1)
    practice_years = practice_years.merge(site_areas, on=["easting", "northing"], how="left")
    register = register.merge(site_areas, on=["easting", "northing"], how="left")

    # ---- list sizes, FTE, PCN
    workforce_columns = [c for c in workforce.columns if c not in ("practice_code", "year")]
    practice_years = (practice_years
                      .merge(workforce, on=["practice_code", "year"], how="left")
                      .merge(payments.drop(columns="payments_postcode"), on=["practice_code", "year"], how="left")
                      .merge(registered, on=["practice_code", "year"], how="left"))
    epcn = [read_epcn(p, _snapshot(p), report) for p in sorted(
        list(practices_dir.glob("ePCN_*.xlsx")) + list((root / "registrations").glob("ePCN_*.xlsx")))]
    if not epcn:
        raise DataFileError(practices_dir / "ePCN_*.xlsx", "no file matches; expected ODS ePCN workbooks")
    relationships = pd.concat([partners for partners, _ in epcn], ignore_index=True)
    relationships = relationships[relationships["practice_code"].isin(london_codes)]
    membership = pcn_membership(relationships, [y for y in YEARS if y >= PCN_FIRST_YEAR])
    practice_years = practice_years.merge(membership, on=["practice_code", "year"], how="left")
    # A PCN's name: from the newest snapshot that names it, the details sheet before the
    # partner sheet (whose 2019 name cells are VLOOKUP formulas that may hold no value).
    names = pd.concat([relationships[["pcn_code", "pcn_name", "snapshot"]]] + [details for _, details in epcn],
                      ignore_index=True).dropna(subset=["pcn_code"])
    pcns = (names.assign(named=names["pcn_name"].notna()).sort_values(["named", "snapshot"], kind="stable")
            .drop_duplicates("pcn_code", keep="last")[["pcn_code", "pcn_name"]].reset_index(drop=True))
    practice_years = practice_years.merge(register[["practice_code", "is_gp"]], on="practice_code", how="left")
    practice_years["fte_status"] = np.select(
        [practice_years["gp_fte"].notna(), practice_years["workforce_source"].notna()],
        ["reported", "return without GP FTE"], "no workforce return")
    practice_years = practice_years.sort_values(["practice_code", "year"]).reset_index(drop=True)
    _report_practices(report, register, practice_years, workforce_columns)

    practices = gpd.GeoDataFrame(
        register.drop(columns=["national_grouping"]),
        geometry=gpd.points_from_xy(register["easting"], register["northing"]), crs=BNG)
    practices.loc[practices["easting"].isna(), "geometry"] = None

    # ---- flows
    flows = read_flows(root / FLOWS_FILE, report)
    flows["year"] = FLOWS_YEAR
    flows["practice_in_london"] = flows["practice_code"].isin(london_codes)
    flows["lsoa_in_london"] = flows["lsoa11_code"].isin(set(lsoa["area_code"]))
    _report_flows(report, flows)

    areas = {level: layers[level] for level in LEVELS}
    return AtlasData(
        practices=practices, practice_years=practice_years, pcns=pcns, areas=areas,
        areas_web={level: web_copy(layer, level) for level, layer in areas.items()},
        lsoa_years=lsoa_years, flows=flows, postcodes=postcode_table(codepoint_current, codepoint_older),
        quality=report,
    )


def _report_practices(report: QualityReport, register: pd.DataFrame, practice_years: pd.DataFrame,
                      workforce_columns: list[str]) -> None:
    latest_snapshot = register["latest_snapshot"].max()
    active = register[register["is_gp"] & (register["status_code"] == "A")
                      & (register["latest_snapshot"] == latest_snapshot)]
    unlocated = active[active["easting"].isna()]
    report.join(f"Active GP practices in the latest register ({latest_snapshot}) -> Code-Point location",
                len(active), len(active) - len(unlocated),
                [{"practice_code": r.practice_code, "name": r.practice_name, "postcode": r.postcode,
                  "reason": r.unlocated_reason} for r in unlocated.itertuples()],
                unlocated["unlocated_reason"].value_counts().to_dict())
    gp = register[register["is_gp"]]
    missing = gp[gp["easting"].isna()]
    report.join("All GP practices ever in the register (latest postcode) -> Code-Point location", len(gp),
                len(gp) - len(missing),
                [{"practice_code": r.practice_code, "name": r.practice_name, "postcode": r.postcode,
                  "status": r.status_code, "reason": r.unlocated_reason} for r in missing.itertuples()],
                missing["unlocated_reason"].value_counts().to_dict())
    gp_years = practice_years[practice_years["is_gp"]]
    in_pcn_era = gp_years[gp_years["open_in_year"] & (gp_years["year"] >= PCN_FIRST_YEAR)]
    no_pcn = in_pcn_era.loc[in_pcn_era["pcn_code"].isna(), ["practice_code", "year"]]
    report.join(f"Open GP practice-years ({PCN_FIRST_YEAR}+) -> PCN (ePCN; 31 March, else last spell in the year)",
                len(in_pcn_era),
                len(in_pcn_era) - len(no_pcn),
                no_pcn.assign(reason="no ePCN relationship in force during the year").to_dict("records"),
                {"no ePCN relationship in force during the year": len(no_pcn)})
    unplaced = gp_years[gp_years["easting"].isna()]
    report.join("GP practice-years -> location that year", len(gp_years), len(gp_years) - len(unplaced),
                [{"practice_code": r.practice_code, "year": r.year, "reason": "no candidate postcode in Code-Point"}
                 for r in unplaced.itertuples()],
                {"no candidate postcode in Code-Point": len(unplaced)})
    moved = gp_years.groupby("practice_code")["postcode"].nunique()
    report.note(f"{int((moved > 1).sum()):,} GP practices sit at more than one postcode across the years "
                "(moves or postcode recoding); each year uses that year's postcode.")
    reported = gp_years[gp_years["fte_status"] == "reported"]
    not_open = reported[~reported["open_in_year"].fillna(False)]
    report.note(f"{len(not_open):,} workforce practice-years fall outside the practice's ODS open/close dates; "
                "they are kept (the return shows GPs were in post) and flagged open_in_year=False.")
    not_gp = practice_years[~practice_years["is_gp"] & practice_years["gp_fte"].notna()]
    report.note(f"{not_gp['practice_code'].nunique()} practice codes with workforce returns are not GP practices "
                f"(prescribing setting != 4) and are excluded from provision measures: "
                f"{', '.join(sorted(not_gp['practice_code'].unique()))}.")
    for year, group in gp_years.groupby("year"):
        status = group["fte_status"].value_counts()
        report.total(f"{year}: GP practices open or reporting", len(group),
                     f"({status.get('reported', 0)} with GP FTE, "
                     f"{status.get('return without GP FTE', 0)} return without FTE, "
                     f"{status.get('no workforce return', 0)} no return)")
        if group["gp_fte"].notna().any():
            aligned = group[group["gp_fte"].notna()]
            report.total(f"{year}: London GP FTE (fully qualified)", round(float(aligned["gp_fte"].sum()), 1))
            report.total(f"{year}: London registered patients (workforce list sizes)",
                         int(round(aligned["list_size"].sum())))
        if group["payments_registered"].notna().any():
            report.total(f"{year}: London registered patients (payments file)",
                         int(round(group["payments_registered"].sum())),
                         f"weighted {int(round(group['payments_weighted'].sum())):,}")
        if group["nhsd_registered"].notna().any():
            report.total(f"{year}: London registered patients (NHSD monthly mean)",
                         int(round(group["nhsd_registered"].sum())),
                         f"({int(group['nhsd_extracts'].max())} extracts)")


def _report_flows(report: QualityReport, flows: pd.DataFrame) -> None:
    no_lsoa = flows["lsoa11_code"] == "NO2011"
    welsh = flows["lsoa11_code"].str.startswith("W01")
    report.join("Flows: practice x LSOA rows -> London practice and London LSOA", len(flows),
                int((flows["practice_in_london"] & flows["lsoa_in_london"]).sum()),
                reasons={"LSOA not assigned (NO2011)": int(no_lsoa.sum()), "Welsh LSOA": int(welsh.sum()),
                         "LSOA outside London (London practice)": int(
                             (flows["practice_in_london"] & ~flows["lsoa_in_london"] & ~no_lsoa & ~welsh).sum()),
                         "practice outside London (London resident)": int(
                             (~flows["practice_in_london"] & flows["lsoa_in_london"]).sum())})
    london_practice = flows["practice_in_london"]
    report.total("Flows (July 2022): patients of London practices", int(flows.loc[london_practice, "patients"].sum()),
                 f"at {flows.loc[london_practice, 'practice_code'].nunique():,} practices")
    report.total("Flows (July 2022): patients living in London LSOAs",
                 int(flows.loc[flows["lsoa_in_london"], "patients"].sum()))
    report.total("Flows (July 2022): London residents registered with London practices",
                 int(flows.loc[london_practice & flows["lsoa_in_london"], "patients"].sum()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.build", description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if the cache is fresh")
    args = parser.parse_args(argv)
    try:
        root, target = data_dir(), cache_dir()
        started = time.perf_counter()
        if args.force or cache.is_stale(root, target):
            model = build_model(root)
            cache.write(model, root, target)
            state = f"built in {time.perf_counter() - started:.1f} s"
        else:
            model = cache.read(target)
            state = "cache is fresh (use --force to rebuild)"
    except DataFileError as exc:
        print(f"data error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # e.g. the cache folder cannot be created or written
        print(f"cache error: could not write {cache_dir()} ({' '.join(str(exc).split())})", file=sys.stderr)
        return 2
    print(model.quality.to_text())
    print(f"\nCache: {target} ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Quality-report summaries of the built practice-year and patient-flow tables.

Counts the build states about what it produced (joins that left practices
unplaced or without a PCN, London totals per year), kept apart from the
build itself so each stays readable.
"""
from __future__ import annotations

import pandas as pd

from data.quality import QualityReport
from data.years import PCN_FIRST_YEAR


def report_practices(report: QualityReport, register: pd.DataFrame, practice_years: pd.DataFrame,
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


def report_flows(report: QualityReport, flows: pd.DataFrame, snapshot: str) -> None:
    """`snapshot` names the extract, e.g. 'July 2022'."""
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
    report.total(f"Flows ({snapshot}): patients of London practices", int(flows.loc[london_practice, "patients"].sum()),
                 f"at {flows.loc[london_practice, 'practice_code'].nunique():,} practices")
    report.total(f"Flows ({snapshot}): patients living in London LSOAs",
                 int(flows.loc[flows["lsoa_in_london"], "patients"].sum()))
    report.total(f"Flows ({snapshot}): London residents registered with London practices",
                 int(flows.loc[london_practice & flows["lsoa_in_london"], "patients"].sum()))

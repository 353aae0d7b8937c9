"""London's method-agreement figures at LSOA level for the issue note (every number computed from the bundle).

    python bench/agreement_figures.py [--years 2025 2023] [--top 5]

For each year: LSOAs robustly poor (poor under every measure), persistently robustly poor (persistent under
every measure with the history), the boroughs holding most of them, E2SFCA stability, the Spearman matrix,
and what changes when the E2SFCA catchment d0 goes from 1,200 m to 2,400 m. Default parameters
(geo.params.AnalysisParams) otherwise.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import real_services  # noqa: E402
from data.years import fy_label  # noqa: E402
from geo.agreement import METHODS  # noqa: E402
from geo.agreement_tables import AgreementTables  # noqa: E402
from geo.measures import MEASURES  # noqa: E402
from geo.params import DEFAULT_PARAMS  # noqa: E402

D0_FROM, D0_TO = 1200.0, 2400.0


def boroughs_holding(table: pd.DataFrame, flag: str, top: int) -> str:
    counts = table.loc[table[flag], "borough_name"].value_counts().head(top)
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def year_figures(agreement: AgreementTables, year: int, top: int) -> None:
    table = agreement.table("lsoa11", year, DEFAULT_PARAMS)
    residents = agreement.tables.provision.residents(year)
    resident = pd.Series(residents, index=agreement.tables.provision.lsoa_codes).reindex(table["area_code"]).to_numpy()
    both = table["robust"] & table["robust_persistent"]
    table["robust_and_persistent"] = both
    print(f"\n== {fy_label(year)} (year {year}), {len(table):,} LSOAs; cut {DEFAULT_PARAMS.cut:.0%}, E2SFCA "
          f"{DEFAULT_PARAMS.weights}-weighted d0 {DEFAULT_PARAMS.d0:,.0f} m, persistence {DEFAULT_PARAMS.k} of "
          f"{DEFAULT_PARAMS.n} years")
    print("methods poor (of 4):", table["methods_poor"].value_counts().sort_index().to_dict())
    print(f"robustly poor: {table['robust'].sum():,} LSOAs ({resident[table['robust']].sum():,.0f} residents); "
          f"contested: {table['contested'].sum():,}")
    print(f"persistently robustly poor (persistent under every measure with the history): "
          f"{table['robust_persistent'].sum():,}; of them robustly poor this year too: {both.sum():,} "
          f"({resident[both].sum():,.0f} residents)")
    print(f"boroughs with most robustly poor LSOAs: {boroughs_holding(table, 'robust', top)}")
    print(f"boroughs with most persistently robustly poor LSOAs: {boroughs_holding(table, 'robust_persistent', top)}")
    print(f"boroughs with most LSOAs robustly poor now and persistently: "
          f"{boroughs_holding(table, 'robust_and_persistent', top)}")
    shares = table["stability"]
    print(f"E2SFCA stability: poor in all 15 settings {(shares == 1).sum():,}, in none {(shares == 0).sum():,}, "
          f"in some {((shares > 0) & (shares < 1)).sum():,}; of the robustly poor, stable (1.0) "
          f"{(shares[table['robust']] == 1).sum():,}")
    for measure in METHODS:
        counts = table[f"persistence_{measure}"].value_counts()
        print(f"  {MEASURES[measure].label}: poor {int(table[f'poor_{measure}'].sum()):,}, "
              f"persistent {counts.get('persistent', 0):,}")

    matrix = agreement.correlations("lsoa11", year, DEFAULT_PARAMS)
    print("Spearman rank correlation (raw values; distance and patients per GP FTE are poor when HIGH):")
    print(matrix.round(3).rename_axis(None).to_string())

    near, far = (agreement.agreement("lsoa11", year, DEFAULT_PARAMS.with_(d0=d0)).set_index("area_code")
                 for d0 in (D0_FROM, D0_TO))
    e2sfca_near, e2sfca_far = near["poor_e2sfca"].astype(bool), far["poor_e2sfca"].astype(bool)
    print(f"d0 {D0_FROM:,.0f} -> {D0_TO:,.0f} m: E2SFCA verdict changes for "
          f"{(e2sfca_near != e2sfca_far).sum():,} LSOAs ({(e2sfca_near & ~e2sfca_far).sum():,} leave the poorest "
          f"fifth, {(~e2sfca_near & e2sfca_far).sum():,} enter); robust verdict changes for "
          f"{(near['robust'] != far['robust']).sum():,} (robust {near['robust'].sum():,} -> {far['robust'].sum():,}); "
          f"methods_poor changes for {(near['methods_poor'] != far['methods_poor']).sum():,}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--years", type=int, nargs="+", default=[2025, 2023])
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args()
    agreement = AgreementTables(real_services().tables)
    for year in args.years:
        year_figures(agreement, year, args.top)


if __name__ == "__main__":
    main()

"""Method-agreement stability budget: E2SFCA poor/not-poor for every LSOA under all 15 settings
(d0 800-3,200 m x weightings none/age/age_imd) in < 200 ms.

    python bench/agreement.py [--year 2025] [--level lsoa11] [--runs N]

Ours (geo.agreement.stability): one KD-tree pair matrix at 3,200 m, re-weighted for each smaller d0,
15 pairs of sparse products, areas aggregated by one sparse membership product, poor flags for all 15
settings in one `poor_flags` call. Baseline in the same run, checked to give the same shares: 15
independent computations from scratch, each a fresh `Provision` (its own supply points, need weighting
and KD-tree decay matrix) asked for the level's E2SFCA values, flagged with `poor_flags`.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median_seconds, real_services, report  # noqa: E402
from geo.agreement import STABILITY_SETTINGS, settings_area_access, share_poor, stability  # noqa: E402
from geo.agreement_tables import AgreementTables  # noqa: E402
from geo.params import DEFAULT_PARAMS  # noqa: E402
from geo.persistence import poor_flags  # noqa: E402
from geo.provision import Provision  # noqa: E402
from geo.tables import AreaTables  # noqa: E402

BUDGET = 0.200


def naive_stability(atlas, level: str, year: int, assignment: pd.Series | None) -> pd.Series:
    """15 separate Provision computations (nothing shared), each flagged on its own."""
    poor = []
    for d0, weights in STABILITY_SETTINGS:
        params = DEFAULT_PARAMS.with_(weights=weights, d0=d0)
        values = Provision(atlas).area_values("e2sfca", level, year, params, lsoa_to_area=assignment)
        flags = poor_flags(values[["area_code", "year", "value"]], cut=DEFAULT_PARAMS.cut)
        poor.append(flags.set_index("area_code")["poor"].astype(float))
    return pd.concat(poor, axis=1).mean(axis=1).rename("stability")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--level", default="lsoa11")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    services = real_services()
    atlas, tables = services.atlas, AgreementTables(services.tables)
    inputs = tables.access_inputs(args.year)
    areas = pd.Series(tables.area_of_lsoa(args.level, args.year))
    assignment = tables.tables.pcn_assignment(args.year) if args.level == "pcn" else None

    ours = stability(inputs, areas, DEFAULT_PARAMS)
    naive = naive_stability(atlas, args.level, args.year, assignment).reindex(ours.index)
    assert np.array_equal(ours.to_numpy(), naive.to_numpy()), "masked and naive stability differ"
    print(f"Stability: {len(ours):,} {args.level} areas from {len(inputs.lsoa_xy):,} LSOAs x "
          f"{len(inputs.supply):,} practices, year {args.year}, {len(STABILITY_SETTINGS)} settings; "
          f"same shares as the naive way ({(ours == 1).sum():,} areas poor in every setting, "
          f"{(ours == 0).sum():,} in none)")

    setting_values = settings_area_access(inputs, areas)
    report("  access under 15 settings (one pair matrix, re-weighted per d0)",
           median_seconds(lambda: settings_area_access(inputs, areas), args.runs))
    report("  poor flags for 15 settings (one poor_flags call)",
           median_seconds(lambda: share_poor(setting_values, DEFAULT_PARAMS), args.runs))
    fresh_inputs = median_seconds(lambda: AgreementTables(AreaTables(Provision(atlas))).access_inputs(args.year),
                                  args.runs)
    report("  inputs from a fresh Provision (supply points, 3 need weightings; memoised in the app)", fresh_inputs)
    naive_seconds = median_seconds(lambda: naive_stability(atlas, args.level, args.year, assignment),
                                   max(3, args.runs // 5))
    report("stability (geo.agreement.stability)", median_seconds(lambda: stability(inputs, areas, DEFAULT_PARAMS),
                                                                  args.runs),
           budget=BUDGET, baseline=("15 independent Provision computations from scratch", naive_seconds))


if __name__ == "__main__":
    main()

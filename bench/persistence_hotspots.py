"""Speed of persistence and Gi* hot spots at LSOA level: `python bench/persistence_hotspots.py [--runs N]`.

Persistence runs on a realistic LSOA x 10-year frame: the real IMD road
distance to a GP surgery, scaled each year by the LSOA's population relative
to the first year, with 2 % of area-years removed at random (missing data).
Only its shape matters here. The baseline is the obvious per-area Python loop
(group by area, count flags, numpy.polyfit), run in the same process and
checked to give the same answer.

Gi* runs on the real road distance for all 4,835 LSOAs: the 999-permutation
call against the analytical-only call (permutations=0), against esda's
G_Local alone (the cost of our validation, subsetting and labelling) and
against building the queen weights.
"""
from __future__ import annotations

import argparse
import importlib.util
import sys
import warnings
from pathlib import Path

import esda
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median_seconds, report  # noqa: E402
from data.loader import load_atlas  # noqa: E402
from geo.hotspots import getis_ord_gi_star, lsoa_weights  # noqa: E402
from geo.persistence import classify_persistence  # noqa: E402

YEARS = list(range(2016, 2026))
MISSING_SHARE = 0.02
K, CUT = 7, 0.2
GI_BUDGET_S = 3.0  # the brief's "too slow" line for 999 permutations without numba


def synthetic_values(atlas) -> pd.DataFrame:
    """Real LSOA road distance x (population that year / population in the first year), 2 % of rows dropped."""
    lsoa = atlas.areas["lsoa11"][["area_code", "road_dist_gp_km"]]
    population = atlas.lsoa_years[atlas.lsoa_years["year"].isin(YEARS)][["lsoa11_code", "year", "population"]]
    frame = population.rename(columns={"lsoa11_code": "area_code"}).merge(lsoa, on="area_code")
    first = frame[frame["year"] == YEARS[0]].set_index("area_code")["population"]
    frame["value"] = frame["road_dist_gp_km"] * frame["population"] / frame["area_code"].map(first)
    keep = np.random.default_rng(2024).random(len(frame)) >= MISSING_SHARE
    return frame.loc[keep, ["area_code", "year", "value"]].reset_index(drop=True)


def naive_persistence(values: pd.DataFrame, k: int, cut: float) -> pd.DataFrame:
    """Per-area loop baseline, poor='low', window = every year with data."""
    thresholds = {year: np.quantile(group["value"].dropna(), cut) for year, group in values.groupby("year")}
    rows = []
    for code, group in values.groupby("area_code"):
        group = group.dropna(subset=["value"]).sort_values("year")
        years_poor = sum(value <= thresholds[year] for year, value in zip(group["year"], group["value"]))
        years_with_data = len(group)
        if years_with_data < k:
            label = "insufficient data"
        elif years_poor >= k:
            label = "persistent"
        else:
            label = "intermittent" if years_poor else "never"
        enough = years_with_data >= 2
        rows.append({
            "area_code": code, "years_with_data": years_with_data, "years_poor": years_poor,
            "persistence_class": label,
            "slope_per_year": np.polyfit(group["year"], group["value"], 1)[0] if enough else np.nan,
            "change": group["value"].iloc[-1] - group["value"].iloc[0] if enough else np.nan,
        })
    return pd.DataFrame(rows)


def check_same(vectorised: pd.DataFrame, naive: pd.DataFrame) -> None:
    merged = vectorised.merge(naive, on="area_code", suffixes=("", "_naive"))
    assert len(merged) == len(vectorised) == len(naive)
    for column in ("years_with_data", "years_poor"):
        assert (merged[column] == merged[f"{column}_naive"]).all(), column
    assert (merged["persistence_class"].astype(str) == merged["persistence_class_naive"]).all()
    for column in ("slope_per_year", "change"):
        assert np.allclose(merged[column], merged[f"{column}_naive"], equal_nan=True), column


def bench_persistence(atlas, runs: int) -> None:
    values = synthetic_values(atlas)
    n_years = values["year"].nunique()
    vectorised = classify_persistence(values, k=K, n=n_years, cut=CUT)
    check_same(vectorised, naive_persistence(values, K, CUT))
    print(f"Persistence: {vectorised['area_code'].nunique():,} LSOAs x {n_years} years ({len(values):,} area-years, "
          f"{MISSING_SHARE:.0%} removed), k={K}, n={n_years}, cut={CUT}; same answer as the per-area loop")
    fast = median_seconds(lambda: classify_persistence(values, k=K, n=n_years, cut=CUT), runs)
    slow = median_seconds(lambda: naive_persistence(values, K, CUT), max(3, runs // 3), warmup=0)
    report("classify_persistence (area x year matrix, row sums)", fast,
           baseline=("per-area Python loop with numpy.polyfit", slow))


def bench_gi_star(atlas, runs: int) -> None:
    lsoa = atlas.areas["lsoa11"]
    road = lsoa[["area_code", "road_dist_gp_km"]].rename(columns={"road_dist_gp_km": "value"})
    weights = lsoa_weights(lsoa)
    y = road["value"].to_numpy()

    def esda_alone():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            esda.G_Local(y, weights, transform="B", star=True, permutations=999, seed=12345, keep_simulations=False,
                         n_jobs=1)

    print(f"\nGi* (IMD road distance to a GP surgery) on {weights.n:,} LSOAs, queen, mean "
          f"{weights.mean_neighbors:.1f} neighbours; numba {'present' if importlib.util.find_spec('numba') else 'absent'}, "
          f"n_jobs=1")
    build = median_seconds(lambda: lsoa_weights(lsoa), max(3, runs // 3), warmup=0)
    analytical = median_seconds(lambda: getis_ord_gi_star(road, weights, permutations=0, poor="high"), runs)
    permuted_99 = median_seconds(lambda: getis_ord_gi_star(road, weights, permutations=99, poor="high"), runs)
    permuted = median_seconds(lambda: getis_ord_gi_star(road, weights, poor="high"), runs)
    report("lsoa_weights (queen on mm-snapped polygons; build once)", build)
    report("getis_ord_gi_star, permutations=0 (analytical p_norm)", analytical)
    report("getis_ord_gi_star, 99 permutations", permuted_99)
    report("getis_ord_gi_star, 999 permutations", permuted, budget=GI_BUDGET_S,
           baseline=("esda.G_Local alone, 999 permutations", median_seconds(esda_alone, runs)))
    print(f"999 permutations cost {permuted / analytical:.1f}x the analytical call "
          f"and {permuted / build:.2f}x one weights build")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    atlas = load_atlas()
    bench_persistence(atlas, args.runs)
    bench_gi_star(atlas, args.runs)


if __name__ == "__main__":
    main()

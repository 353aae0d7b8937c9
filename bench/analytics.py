"""Analytics budgets: E2SFCA for all London LSOAs x practices in one year (< 25 ms and >= 10x
faster than PySAL `access` on the same inputs), persistence over all years and Gi* at LSOA level.

    python bench/analytics.py [--runs N]

Persistence and Gi* run on the real E2SFCA access of every LSOA and year
(default weights and d0). Baselines, in the same run: PySAL `access` for
E2SFCA; the obvious per-area Python loop (checked to give the same answer)
for persistence; esda's G_Local alone and the analytical-only call for Gi*.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import esda
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median_seconds, real_services, report  # noqa: E402
from geo.access import decay_matrix, e2sfca, gaussian_weight  # noqa: E402
from geo.hotspots import getis_ord_gi_star, lsoa_weights  # noqa: E402
from geo.params import AnalysisParams  # noqa: E402
from geo.persistence import classify_persistence  # noqa: E402

YEAR, D0, WEIGHTS = 2023, 1600.0, "age"
PARAMS = AnalysisParams(weights=WEIGHTS, d0=D0)
SERVICES = real_services()


def bench_e2sfca(runs: int) -> None:
    model = SERVICES.provision
    points = model.supply_points(YEAR)
    supply_xy = points[["easting", "northing"]].to_numpy(float)
    demand, supply = model.need_population(YEAR, WEIGHTS), points["gp_fte"].to_numpy()

    ours = median_seconds(lambda: e2sfca(decay_matrix(model.lsoa_xy, supply_xy, D0), demand, supply), runs)

    from access import Access
    decay_pairs = decay_matrix(model.lsoa_xy, supply_xy, D0).tocoo()
    distance = np.hypot(*(model.lsoa_xy[decay_pairs.row] - supply_xy[decay_pairs.col]).T)
    cost = pd.DataFrame({"origin": model.lsoa_codes[decay_pairs.row],
                         "dest": points["practice_code"].to_numpy()[decay_pairs.col], "cost": distance})
    demand_df = pd.DataFrame({"lsoa": model.lsoa_codes, "need": demand})
    supply_df = points[["practice_code", "gp_fte"]]

    def pysal():
        Access(demand_df=demand_df.copy(), demand_index="lsoa", demand_value="need", supply_df=supply_df.copy(),
               supply_index="practice_code", supply_value="gp_fte", cost_df=cost, cost_origin="origin",
               cost_dest="dest", cost_name="cost").enhanced_two_stage_fca(
            weight_fn=lambda d: float(gaussian_weight(d, D0)), max_cost=D0)

    reference = median_seconds(pysal, max(3, runs // 3))
    print(f"E2SFCA inputs: {len(model.lsoa_codes):,} LSOAs x {len(points):,} practices, "
          f"{decay_pairs.nnz:,} pairs within {D0:,.0f} m, year {YEAR}")
    report("E2SFCA (KD-tree sparse decay + two sparse products)", ours, budget=0.025,
           baseline=("PySAL access enhanced_two_stage_fca, same pairs and weights", reference))


def naive_persistence(values: pd.DataFrame, k: int, cut: float) -> pd.DataFrame:
    """Per-area loop baseline, poor='low', window = every year with data."""
    thresholds = {year: np.quantile(group["value"].dropna(), cut) for year, group in values.groupby("year")}
    rows = []
    for code, group in values.groupby("area_code"):
        group = group.dropna(subset=["value"]).sort_values("year")
        years_poor = sum(value <= thresholds[year] for year, value in zip(group["year"], group["value"], strict=True))
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


def bench_persistence(runs: int) -> None:
    values = SERVICES.tables.series("e2sfca", "lsoa11", PARAMS)[["area_code", "year", "value"]]
    years = values["year"].nunique()
    k = years  # the loop baseline counts every year, so the window is all of them
    fast = classify_persistence(values, k=k, n=years)
    naive = naive_persistence(values, k, 0.2)
    merged = fast.merge(naive, on="area_code", suffixes=("", "_naive"))
    assert (merged["years_poor"] == merged["years_poor_naive"]).all()
    assert (merged["persistence_class"].astype(str) == merged["persistence_class_naive"]).all()
    assert np.allclose(merged["slope_per_year"], merged["slope_per_year_naive"], equal_nan=True)
    print(f"\nPersistence: E2SFCA access of {values['area_code'].nunique():,} LSOAs x {years} years; "
          "same answer as the per-area loop")
    report("classify_persistence (area x year matrix, row sums)",
           median_seconds(lambda: classify_persistence(values, k=k, n=years), runs),
           baseline=("per-area Python loop with numpy.polyfit",
                     median_seconds(lambda: naive_persistence(values, k, 0.2), max(3, runs // 5), warmup=0)))


def bench_gi_star(runs: int) -> None:
    lsoa = SERVICES.atlas.areas["lsoa11"]
    values = SERVICES.provision.area_values("e2sfca", "lsoa11", YEAR, PARAMS)[["area_code", "value"]]
    weights = lsoa_weights(lsoa)

    def esda_alone():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            esda.G_Local(values["value"].to_numpy(), weights, transform="B", star=True, permutations=999,
                         seed=12345, keep_simulations=False, n_jobs=1)

    print(f"\nGi* of E2SFCA access {YEAR} on {weights.n:,} LSOAs (queen, mean {weights.mean_neighbors:.1f} neighbours)")
    report("lsoa_weights (queen on mm-snapped polygons; built once per process)",
           median_seconds(lambda: lsoa_weights(lsoa), max(3, runs // 5), warmup=0))
    report("getis_ord_gi_star, 999 permutations", median_seconds(lambda: getis_ord_gi_star(values, weights), runs),
           baseline=("esda.G_Local alone", median_seconds(esda_alone, runs)))
    report("getis_ord_gi_star, analytical p only (permutations=0)",
           median_seconds(lambda: getis_ord_gi_star(values, weights, permutations=0), runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    SERVICES.provision.lsoa_values("e2sfca", YEAR)  # load the cache before timing
    bench_e2sfca(args.runs)
    bench_persistence(max(3, args.runs // 2))
    bench_gi_star(max(3, args.runs // 3))


if __name__ == "__main__":
    main()

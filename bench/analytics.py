"""Analytics budgets: E2SFCA for all London LSOAs x practices in one year (< 25 ms and >= 10x
faster than PySAL `access` on the same inputs), persistence over all years and Gi* at LSOA level.

    python bench/analytics.py [--runs N]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median_seconds, report  # noqa: E402
from callbacks.context import provision  # noqa: E402
from geo.access import decay_matrix, e2sfca, gaussian_weight  # noqa: E402

YEAR, D0, WEIGHTS = 2023, 1600.0, "age"


def bench_e2sfca(runs: int) -> None:
    model = provision()
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    provision().lsoa_values("e2sfca", YEAR)  # load the cache before timing
    bench_e2sfca(args.runs)


if __name__ == "__main__":
    main()

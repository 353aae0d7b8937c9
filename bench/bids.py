"""Bid evaluator budgets: one bid end to end (< 300 ms server) and 50 bids ranked (< 5 s).

Two levels are timed. The page's server path: the Bids callbacks as Dash runs
them (add a bid by postcode, or upload 50 as a CSV; then the render callback
that returns the table, five figures, the map Patch and the one-page summary;
then the URL sync), with the scenario memo cleared before every run so each
run does the work.

And the analytics alone: validate + locate (postcode look-up, point-in-London), E2SFCA deltas
(one KD-tree decay column per new site), every score alone and in
combination, ranking and the export table, against a warm baseline (the
parameter set's E2SFCA, quintile cut and persistence, memoised per process;
its one-off cost is printed too). Baseline in the same run: the naive
evaluator that reruns the full E2SFCA (all LSOAs x all practices + the new
sites) for each bid alone, for the combination and for the combination
without each bid (the leave-one-out needed for "in combination" scores).
The 50 bids are real London postcodes sampled deterministically.

    python bench/bids.py [--runs N]
"""
from __future__ import annotations

import argparse
import base64
import sys
import time
from contextvars import copy_context
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import median_seconds, real_services, report  # noqa: E402
from geo.access import decay_matrix, e2sfca  # noqa: E402
from geo.bids import bid_baseline, evaluate, ranked_table, read_bids  # noqa: E402
from geo.params import AnalysisParams  # noqa: E402

YEAR, PARAMS = 2024, AnalysisParams(weights="age", d0=1600.0)
SEED, BIDS = 20240331, 50


def sample_bids(services, count: int) -> pd.DataFrame:
    postcodes = services.atlas.postcodes
    sample = postcodes[postcodes["live"]].sample(count, random_state=SEED)
    return pd.DataFrame({"label": [f"bid {i + 1}" for i in range(count)], "postcode": sample["postcode"].to_numpy(),
                         "added_gp_fte": np.resize(["1.5", "3", "4.5", "6"], count),
                         "cost": np.resize(["900000", "1500000", "2500000", ""], count)})


def ours(raw: pd.DataFrame, base) -> pd.DataFrame:
    scenario = evaluate(raw, base)
    scenario.lsoa_changes()  # the map's before/after/delta
    return ranked_table(scenario)


def naive(raw: pd.DataFrame, base) -> list[float]:
    """Full E2SFCA rerun per bid alone, combined, and combined-without-each: lifted residents of each."""
    bids = read_bids(raw, base)
    bids = bids[bids["status"] == "ok"]
    points = base.practices
    xy = points[["easting", "northing"]].to_numpy(dtype=float)
    supply = points["gp_fte"].to_numpy()
    sites = bids[["easting", "northing"]].to_numpy(dtype=float)
    fte = bids["added_gp_fte"].to_numpy()
    poor = base.access <= base.cut

    def access_with(chosen: np.ndarray) -> np.ndarray:
        decay = decay_matrix(base.lsoa_xy, np.vstack([xy, sites[chosen]]), base.params.d0)
        return e2sfca(decay, base.need, np.concatenate([supply, fte[chosen]])).access

    def lifted(access: np.ndarray) -> float:
        return float(base.need[poor & (access > base.cut)].sum())

    everyone = np.ones(len(bids), dtype=bool)
    combined = lifted(access_with(everyone))
    scores = []
    for i in range(len(bids)):
        alone = np.zeros(len(bids), dtype=bool)
        alone[i] = True
        scores.append(lifted(access_with(alone)))
        scores.append(combined - lifted(access_with(everyone & ~alone)))
    return scores


def page_callbacks(services, many: pd.DataFrame):
    """The Bids page's server work for one added bid, and for a 50-bid CSV upload (Dash callback functions)."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    import callbacks.bids as page
    from callbacks.common import bind

    render, sync_url, add_bid, upload = (bind(services, callback) for callback in
                                         (page.render, page.sync_url, page.add_bid, page.upload))

    controls = {"year": YEAR, "weights": PARAMS.weights, "d0": PARAMS.d0, "k": PARAMS.k, "n": PARAMS.n,
                "objective": "lifted_per_fte", "close": "", "merge": ""}
    base = f"?year={YEAR}"
    form = {"label": "", "postcode": many["postcode"].iloc[0], "practice": "", "fte": 3, "cost": None}
    csv_upload = "data:text/csv;base64," + base64.b64encode(many.to_csv(index=False).encode()).decode()

    def after(rows):
        def run():
            context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "bids-store.data", "value": None}]))
            render(rows=rows, focus=None, mode="after", pending=None, controls=controls, base=base)
        copy_context().run(run)
        sync_url(rows=rows, focus=None, controls=controls, base=base)

    def add_one():
        services.bids.clear_scenarios()
        rows, *_ = add_bid(clicks=1, submits=None, form=form, pending=None, rows=[], controls=controls, base=base)
        after(rows)

    def upload_many():
        services.bids.clear_scenarios()
        rows, _ = upload(contents=csv_upload, filename="bids.csv", rows=[], controls=controls, base=base)
        after(rows)

    return add_one, upload_many


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    services = real_services()
    model = services.provision
    started = time.perf_counter()
    base = bid_baseline(services.tables, YEAR, PARAMS)
    print(f"baseline for {YEAR}, {PARAMS.weights}, d0 {PARAMS.d0:,.0f} m (E2SFCA over all years for persistence, "
          f"cut, decay): {(time.perf_counter() - started) * 1000:,.0f} ms once per parameter set per process",
          flush=True)

    many = sample_bids(services, BIDS)
    one = many.head(1)
    summary = evaluate(many, base).summary
    print(f"inputs: {len(model.lsoa_codes):,} LSOAs, {len(base.practices):,} practices; {summary.bids_valid} of "
          f"{BIDS} sampled postcodes valid; need-weighted residents lifted: combined "
          f"{summary.combined_lifted_need:,.0f}, sum of singles {summary.lifted_need_sum_of_singles:,.0f}",
          flush=True)
    from app import create_app  # the Dash app over these services: page layouts need its path prefix
    with create_app(services).server.test_request_context("/"):
        add_one, upload_many = page_callbacks(services, many)
        report("page: add one bid by postcode (add_bid + render + sync_url callbacks)",
               median_seconds(add_one, args.runs), budget=0.300)
        report(f"page: upload {BIDS} bids as CSV (upload + render + sync_url callbacks)",
               median_seconds(upload_many, args.runs), budget=5.0)
    ours_one = median_seconds(lambda: ours(one, base), args.runs)
    naive_one = median_seconds(lambda: naive(one, base), args.runs)
    report("one bid end to end (validate, deltas, scores, rank, table, map values)", ours_one, budget=0.300,
           baseline=("naive full E2SFCA reruns", naive_one))
    ours_many = median_seconds(lambda: ours(many, base), args.runs)
    naive_many = median_seconds(lambda: naive(many, base), max(3, args.runs // 2))
    report(f"{BIDS} bids ranked, alone and in combination", ours_many, budget=5.0,
           baseline=(f"naive ({2 * BIDS + 1} full E2SFCA reruns)", naive_many))


if __name__ == "__main__":
    main()

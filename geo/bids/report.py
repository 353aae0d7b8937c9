"""What a scored scenario says: its typed summary, the one-line summary and the ranked export table.

The summary is a frozen dataclass rather than a dict of string keys, so every
figure the page, the CLI and the export show has one name and one type, and a
misspelt figure fails where it is written, not on a user's screen.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from data.years import fy_label
from geo.access import PER
from geo.bids.baseline import BidBaseline, PracticeChanges
from geo.bids.objectives import Objective
from geo.params import AnalysisParams

if TYPE_CHECKING:  # report sits under scenario: evaluate() builds the summary
    from geo.bids.scenario import Scenario


@dataclass(frozen=True)
class ScenarioSummary:
    """The combined scenario (every valid bid together) and what it was scored on; the scores are defined in
    geo/bids/scenario.py. A figure is NaN where it cannot be known (no cost given, persistence unavailable)."""
    year: int
    params: AnalysisParams
    objective: Objective
    changes: PracticeChanges
    bids_total: int
    bids_valid: int
    added_gp_fte: float
    cost_total: float                    # NaN unless every valid bid gives a cost
    cut_per_10k: float                   # the fixed bottom-quintile cut of baseline access, per 10,000
    bottom_quintile_need: float          # need-weighted residents of the baseline bottom quintile
    fte_closed: float
    fte_moved: float
    need_losing_access_from_changes: float
    need_pushed_into_bottom_quintile: float
    combined_lsoas_gaining: int
    combined_gainers_need: float
    combined_lifted_need: float
    combined_access_gain_fte: float
    combined_underserved_gain_fte: float
    combined_persistent_reached: float   # NaN when persistence is not available for the year
    combined_gainers_by_imd: tuple[float, ...]  # need-weighted gainers in IMD deciles 1 (most deprived) .. 10
    combined_gainers_imd_1_2_share: float
    combined_objective_value: float
    lifted_need_sum_of_singles: float
    persistence_note: str
    basis: str

    @property
    def fy(self) -> str:
        return fy_label(self.year)

    @property
    def interaction_lifted_need(self) -> float:
        """Combined minus the sum of single bids: negative where bids overlap, positive where they combine."""
        return self.combined_lifted_need - self.lifted_need_sum_of_singles


def summarise(bids: pd.DataFrame, combined: pd.Series, before: np.ndarray, base: BidBaseline,
              changes: PracticeChanges, objective: Objective) -> ScenarioSummary:
    """The summary of scored bid rows, given the scores of all valid bids together (`combined`)."""
    valid = bids["status"] == "ok"
    fte = base.practices.set_index("practice_code")["gp_fte"]
    added = float(bids.loc[valid, "added_gp_fte"].sum())
    cost = bids.loc[valid, "cost"]
    cost_total = float(cost.sum()) if cost.notna().all() and len(cost) else float("nan")
    per = added if objective.per == "added_gp_fte" else cost_total / 1e6
    return ScenarioSummary(
        year=base.year, params=base.params, objective=objective, changes=changes,
        bids_total=int(len(bids)), bids_valid=int(valid.sum()), added_gp_fte=added, cost_total=cost_total,
        cut_per_10k=base.cut * PER, bottom_quintile_need=base.bottom_quintile_need,
        fte_closed=float(fte.reindex(list(changes.closures)).sum()),
        fte_moved=float(fte.reindex([source for source, _ in changes.merges]).sum()),
        need_losing_access_from_changes=float(base.need[before - base.access < 0].sum()),
        need_pushed_into_bottom_quintile=float(base.need[(base.access > base.cut) & (before <= base.cut)].sum()),
        combined_lsoas_gaining=int(combined["lsoas_gaining"]),
        combined_gainers_need=float(combined["gainers_need"]),
        combined_lifted_need=float(combined["lifted_need"]),
        combined_access_gain_fte=float(combined["access_gain_fte"]),
        combined_underserved_gain_fte=float(combined["underserved_gain_fte"]),
        combined_persistent_reached=float(combined["persistent_reached"]),
        combined_gainers_by_imd=tuple(float(combined[f"gainers_imd_{decile}"]) for decile in range(1, 11)),
        combined_gainers_imd_1_2_share=float(combined["gainers_imd_1_2_share"]),
        combined_objective_value=float(combined[objective.score]) / per if per and per > 0 else float("nan"),
        lifted_need_sum_of_singles=float(bids.loc[valid, "lifted_need"].sum()),
        persistence_note=base.persistence_note, basis=base.basis)


def summary_line(summary: ScenarioSummary) -> str:
    """The combined scenario in one line (CLI stderr, page footnote)."""
    return (f"combined scenario, {summary.fy}, {summary.params.weights} weights, d0 {summary.params.d0:,.0f} m: "
            f"{summary.bids_valid} of {summary.bids_total} bids valid, {summary.added_gp_fte:,.1f} GP FTE "
            f"added; {summary.combined_lifted_need:,.0f} need-weighted residents lifted out of the bottom quintile "
            f"(cut {summary.cut_per_10k:.2f} per 10,000; sum of single bids "
            f"{summary.lifted_need_sum_of_singles:,.0f}, "
            f"interaction {summary.interaction_lifted_need:+,.0f}); {summary.combined_gainers_need:,.0f} gain "
            f"access; {summary.combined_underserved_gain_fte:,.2f} FTE reach the bottom quintile; "
            f"{_number(summary.combined_persistent_reached, 0)} persistent-poor LSOAs reached; "
            f"{summary.objective.key} = {_number(summary.combined_objective_value, 1)}; "
            f"{summary.changes.describe()}")


def _number(value: float, decimals: int) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:,.{decimals}f}"


EXPORT_COLUMNS = {  # column -> decimals (None = as is)
    "rank": None, "row": None, "label": None, "status": None, "kind": None, "site": None, "located_by": None,
    "practice_code": None,
    "borough": None, "easting": 0, "northing": 0, "added_gp_fte": 2, "cost": 0, "objective": None,
    "objective_value": 3, "objective_in_combination": 3, "rank_in_combination": None, "lifted_need": 1,
    "lifted_need_in_combination": 1, "gainers_need": 1, "lsoas_gaining": 0, "persistent_reached": 0,
    "underserved_gain_fte": 4, "underserved_gain_per_fte": 4, "access_gain_fte": 4, "access_gain_per_fte": 4,
    "need_in_reach": 1, "nearest_practice_m": 0, "nearest_practice_code": None,
    **{f"gainers_imd_{decile}": 1 for decile in range(1, 11)}, "gainers_imd_1_2_share": 4, "note": None,
}


def ranked_table(scenario: Scenario) -> pd.DataFrame:
    """Every input row in rank order (unscored rows last, in input order), rounded for export, each row stating
    the year, parameters, fixed quintile cut and basis it was scored on."""
    table = scenario.bids.sort_values(["rank", "row"], na_position="last")[list(EXPORT_COLUMNS)].copy()
    for column, decimals in EXPORT_COLUMNS.items():
        if decimals is not None:
            table[column] = table[column].astype(float).round(decimals)
    for column in ("easting", "northing", "cost", "lsoas_gaining", "persistent_reached", "nearest_practice_m"):
        table[column] = table[column].astype("Int64")
    summary = scenario.summary
    return table.reset_index(drop=True).assign(
        fy=summary.fy, weights=summary.params.weights, d0_m=summary.params.d0,
        bottom_quintile_cut_per_10k=round(summary.cut_per_10k, 4), changes=summary.changes.describe(),
        basis=summary.basis)

"""What bids are ranked by: the objectives, each a score over an amount (added GP FTE or cost)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Objective:
    """Rank by `score` (a score column of the bids) per unit of `per`; bids where `per` is missing or 0 are not
    ranked."""
    key: str
    label: str
    score: str       # the score column in the numerator
    per: str         # "added_gp_fte" or "cost_gbp_m"
    description: str


OBJECTIVES = {objective.key: objective for objective in (
    Objective("lifted_per_fte", "Residents lifted out of the bottom quintile per added GP FTE", "lifted_need",
              "added_gp_fte", "need-weighted residents of LSOAs moved above the baseline 20th-percentile access, "
                              "per GP FTE added"),
    Objective("lifted_per_gbp_m", "Residents lifted out of the bottom quintile per £1m", "lifted_need", "cost_gbp_m",
              "need-weighted residents lifted out of the bottom quintile per £1m of cost (bids without a cost are "
              "not ranked)"),
    Objective("underserved_gain_per_fte", "Share of added FTE reaching the bottom quintile", "underserved_gain_fte",
              "added_gp_fte", "need-weighted access gained in bottom-quintile LSOAs per GP FTE added (0 to 1): "
                              "rewards depth of gain for the under-served, not only crossing the cut"),
    Objective("underserved_gain_per_gbp_m", "FTE reaching the bottom quintile per £1m", "underserved_gain_fte",
              "cost_gbp_m", "need-weighted access gained in bottom-quintile LSOAs (GP FTE) per £1m of cost"),
    Objective("access_gain_per_gbp_m", "Access gained per £1m", "access_gain_fte", "cost_gbp_m",
              "total need-weighted access gained (GP FTE reaching residents) per £1m of cost"),
)}
DEFAULT_OBJECTIVE = "lifted_per_fte"


def check_objective(objective: str) -> Objective:
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    return OBJECTIVES[objective]


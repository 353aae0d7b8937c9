"""Bid evaluator: score and rank proposed GP premises against unmet need (E2SFCA scenarios).

One module per job, in the order they depend on each other:

* `baseline`: what a scenario is measured against (a year's E2SFCA access, the fixed bottom-quintile cut,
  the persistent-poor LSOAs) and the scenario's practice closures and merges;
* `sites`: where each bid row is (practice uplift, grid reference, lat/lon, postcode) and why a row
  cannot be scored;
* `objectives`: what bids are ranked by;
* `scenario`: the access deltas, every score alone and in combination, and the ranking;
* `report`: the typed `ScenarioSummary`, the one-line summary and the ranked export table;
* `service`: `BidScenarios`, the memoised evaluator one process owns;
* `__main__`: the command line, ``python -m geo.bids``.

Reading a bids file (name, size, encoding, CSV) is `data.bid_intake`'s job: geo/ never reads files.
"""
from geo.bids.baseline import (
    BID_LEVEL,
    BID_MEASURE,
    NO_CHANGES,
    BidBaseline,
    PracticeChanges,
    bid_baseline,
    parse_changes,
)
from geo.bids.objectives import DEFAULT_OBJECTIVE, OBJECTIVES, Objective, check_objective
from geo.bids.report import EXPORT_COLUMNS, ScenarioSummary, ranked_table, summary_line
from geo.bids.scenario import Scenario, evaluate
from geo.bids.service import BidScenarios
from geo.bids.sites import MAX_SITE_FTE, read_bids

__all__ = [
    "BID_LEVEL", "BID_MEASURE", "DEFAULT_OBJECTIVE", "EXPORT_COLUMNS", "MAX_SITE_FTE", "NO_CHANGES", "OBJECTIVES",
    "BidBaseline", "BidScenarios", "Objective", "PracticeChanges", "Scenario", "ScenarioSummary", "bid_baseline",
    "check_objective", "evaluate", "parse_changes", "ranked_table", "read_bids", "summary_line",
]

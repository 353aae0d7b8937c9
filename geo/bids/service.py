"""`BidScenarios`: the bid evaluator as one object the app owns, with its results memoised and bounded.

A baseline (E2SFCA over every year for persistence, the cut, the decay
matrix) costs about a third of a second and a scored scenario tens of
milliseconds, and the Bids page asks for the same ones again on every click
(render, URL sync, download). Both are pure, so one bounded memo per process
serves every user the same read-only result; nothing here holds user state.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from data.bid_intake import INPUT_COLUMNS
from geo.bids.baseline import BidBaseline, bid_baseline, parse_changes
from geo.bids.scenario import Scenario, evaluate
from geo.memo import MB, Memo, estimate_bytes
from geo.params import AnalysisParams
from geo.tables import AreaTables

BASELINE_BYTES = 64 * MB   # a baseline is ~2 MB at the default d0 (its decay matrix), ~40 MB at d0 10 km
SCENARIO_BYTES = 32 * MB   # a scenario of a few bids is tens of kB; 500 bids a few MB


class BidScenarios:
    """Baselines keyed by (year, params); scenarios by their bid rows (text cells keyed by INPUT_COLUMNS),
    year, params, objective, closures and merges. Both memos are bounded in bytes; what a result only refers
    to (the tidy model's postcodes and boroughs, a scenario's baseline) is not counted against them."""

    def __init__(self, tables: AreaTables, baseline_bytes: int = BASELINE_BYTES,
                 scenario_bytes: int = SCENARIO_BYTES):
        self.tables = tables
        atlas = tables.provision.atlas
        shared = frozenset(map(id, (atlas.postcodes, atlas.practice_names, *atlas.areas.values())))
        self._baselines = Memo(baseline_bytes, size=lambda base: estimate_bytes(base, shared))
        self._scenarios = Memo(scenario_bytes, size=lambda result: estimate_bytes(
            result, shared | {id(result[0].base)}))

    def baseline(self, year: int, params: AnalysisParams) -> BidBaseline:
        return self._baselines.get((year, params), lambda: bid_baseline(self.tables, year, params))

    def scenario(self, rows: Iterable[Mapping[str, str]], year: int, params: AnalysisParams, objective: str,
                 close: str, merge: str) -> tuple[Scenario, tuple[str, ...]]:
        """The scored scenario of the rows, and a message per closure or merge that was dropped."""
        cells = tuple(tuple(row.get(column, "") for column in INPUT_COLUMNS) for row in rows)

        def compute():
            base = self.baseline(year, params)
            changes, problems = parse_changes(close, merge, base)
            raw = pd.DataFrame(list(cells), columns=list(INPUT_COLUMNS))
            return evaluate(raw, base, changes, objective), tuple(problems)
        return self._scenarios.get((cells, year, params, objective, close, merge), compute)

    def clear_scenarios(self) -> None:
        """Forget the scored scenarios, keeping the baselines (benchmarks time scoring from cold)."""
        self._scenarios.clear()

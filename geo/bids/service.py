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
from geo.memo import Memo
from geo.params import AnalysisParams
from geo.tables import AreaTables


class BidScenarios:
    """Baselines keyed by (year, params); scenarios by their bid rows (text cells keyed by INPUT_COLUMNS),
    year, params, objective, closures and merges."""

    def __init__(self, tables: AreaTables, max_baselines: int = 8, max_scenarios: int = 32):
        self.tables = tables
        self._baselines = Memo(max_baselines)
        self._scenarios = Memo(max_scenarios)

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

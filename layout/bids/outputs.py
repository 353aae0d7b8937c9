"""What the Bids page shows for a state: scores, table, map values and camera, footnote, notes and the focused
bid's one-page summary. The page builds its first view from it (so a shared link's map, table and cards come
with the page, in one response), and the render callback every later one."""
from __future__ import annotations

from dataclasses import dataclass

from geo.bids import BID_LEVEL, Scenario
from layout.bids.map import camera_for, map_updates
from layout.bids.report import bid_summary, grid_rows, page_footnote, summary_cards
from layout.bids.state import BidsView, bids_query
from layout.services import AtlasServices


@dataclass(frozen=True)
class BidsOutputs:
    rows: list            # the ranked table's rows
    cards: list
    updates: dict         # map trace values (layout/bids/map.py map_updates)
    camera: dict | None   # where the valid sites are, None when there is none
    footnote: str
    notes: list[str]
    summary: object       # the focused bid's one-page summary (Dash components)
    pending: str          # what a map click proposes


def scenario_for(services: AtlasServices, state: BidsView) -> tuple[Scenario, tuple[str, ...]]:
    """The scored scenario of a page state (same inputs -> the same memoised, read-only result)."""
    return services.bids.scenario(state.bids, state.view.year, state.params, state.objective, state.close,
                                  state.merge)


def ranked_rows_and_summary(services: AtlasServices, state: BidsView) -> tuple[list, object]:
    """The ranked table's rows and the focused bid's one-page summary: on screen they follow the map's first
    paint (callbacks/bids.py below_the_map)."""
    scenario, _ = scenario_for(services, state)
    query, _ = bids_query(state)
    return grid_rows(scenario), bid_summary(scenario, state.focus, query, services.layers.url(BID_LEVEL,
                                                                                              state.view.year))


def bids_outputs(services: AtlasServices, state: BidsView, mode: str, pending: dict | None,
                 with_below: bool = True) -> BidsOutputs:
    """Everything the page shows; without `with_below`, not the ranked rows nor the summary (the page's first view
    on screen, where they follow the map's first paint)."""
    scenario, problems = scenario_for(services, state)
    _, too_long = bids_query(state)
    updates = map_updates(scenario, mode, services.layers.named(BID_LEVEL).codes, pending)
    notes = [*state.notices, *problems, *([too_long] if too_long else [])]
    rows, summary = ranked_rows_and_summary(services, state) if with_below else ([], None)
    return BidsOutputs(rows, summary_cards(scenario), updates, camera_for(scenario), page_footnote(scenario), notes,
                       summary, pending["text"] if pending else "")

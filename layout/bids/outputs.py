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


def bids_outputs(services: AtlasServices, state: BidsView, mode: str, pending: dict | None,
                 below_the_map: bool = True) -> BidsOutputs:
    """Everything the page shows; without `below_the_map`, not the ranked rows nor the summary (the page's first
    view on screen, where they follow the map's first paint: callbacks/bids.py below_the_map)."""
    scenario, problems = scenario_for(services, state)
    query, too_long = bids_query(state)
    lsoa_url = services.layers.url(BID_LEVEL, state.view.year)
    updates = map_updates(scenario, mode, services.layers.named(BID_LEVEL).codes, pending)
    notes = [*state.notices, *problems, *([too_long] if too_long else [])]
    footnote = page_footnote(scenario)
    return BidsOutputs(grid_rows(scenario) if below_the_map else [], summary_cards(scenario), updates,
                       camera_for(scenario), footnote, notes,
                       bid_summary(scenario, state.focus, query, lsoa_url) if below_the_map else None,
                       pending["text"] if pending else "")

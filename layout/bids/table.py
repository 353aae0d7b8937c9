"""The Bids map's Table view: every LSOA before and after the bids, as the map shows them (baseline quintile
classes, lifted areas), with persistence and the PCN serving it; sortable and keyboard-navigable."""
from __future__ import annotations

import numpy as np

from geo.bids import Scenario
from layout.bids.map import baseline_classes
from layout.services import AtlasServices
from layout.tables import grid, number_column

TABLE_ID = "bids-table"
COLUMNS = [
    number_column("rank_before", "Rank before (1 = poorest)", 0, width=110, sort="asc"),
    {"field": "area_name", "headerName": "LSOA", "width": 170},
    {"field": "area_code", "headerName": "Code", "width": 110},
    number_column("before", "Access before", 2, width=105, headerTooltip="GP FTE per 10,000 need-weighted residents"),
    number_column("after", "Access after", 2, width=105, headerTooltip="GP FTE per 10,000 need-weighted residents"),
    number_column("delta", "Change", 2, width=100),
    {"field": "class_before", "headerName": "Class before", "width": 175},
    {"field": "class_after", "headerName": "Class after", "width": 175},
    {"field": "lifted", "headerName": "Lifted out of bottom quintile", "width": 120},
    {"field": "persistence", "headerName": "Persistent poor (baseline)", "width": 120},
    {"field": "serving_pcn", "headerName": "Serving PCN", "width": 230},
]


def before_after_rows(services: AtlasServices, scenario: Scenario) -> list[dict]:
    """One row per LSOA: access before and after every valid bid, both in the baseline quintile classes."""
    changes = scenario.lsoa_changes()
    before, after = changes["before"].to_numpy(), changes["after"].to_numpy()
    classes, ticks = baseline_classes(scenario, np.concatenate([before, after]))
    names = services.provision.lsoa.set_index("area_code")["area_name"]
    frame = changes.assign(
        area_code=changes["lsoa11_code"], area_name=changes["lsoa11_code"].map(names),
        rank_before=changes["before"].rank(method="min").astype(int),
        class_before=[ticks[c] for c in classes[:len(before)]], class_after=[ticks[c] for c in classes[len(before):]],
        lifted=np.where(changes["lifted"], "lifted", ""),
        persistence=np.where(changes["persistent"], "persistent", ""),
        serving_pcn=changes["lsoa11_code"].map(services.tables.serving_pcns("lsoa11", scenario.base.year)))
    rows = frame[[column["field"] for column in COLUMNS]].round({"before": 4, "after": 4, "delta": 4})
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def before_after_grid(rows: list[dict]):
    return grid(TABLE_ID, rows, COLUMNS, height="100%", column_size=None)

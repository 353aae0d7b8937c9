"""Explore's text alternatives to the map: the Table view, and the live summary when the selection changes
(layout/explore_table.py; callbacks/explore.py writes it with the map)."""
from __future__ import annotations

from dash import Dash, Input, Output, State, no_update

from callbacks.common import bind, control_inputs, control_states, current_view
from layout.components import MAP_CONTROLS, VIEW_CONTROLS
from layout.explore_map import map_values_for_view
from layout.explore_table import TABLE_ID, map_summary, table_view
from layout.services import AtlasServices

NAMES = VIEW_CONTROLS + MAP_CONTROLS


def describe(services: AtlasServices, selection, controls, base):
    """The map's summary again when only the selection changes (the map callback writes it for every view)."""
    view = current_view(services, base, controls, **(selection or {}))
    content, _, _ = map_values_for_view(services, view)
    return map_summary(view, content)


def show_table(services: AtlasServices, show_as, controls, base):
    """Table view on: its rows (sent only while it is shown) and the map hidden behind it."""
    if show_as != "table":
        return True, "map-region", no_update, no_update
    view = current_view(services, base, controls)
    rows, columns = table_view(services, view)
    return False, "map-region as-table", rows, columns


def select_row(selection, table_hidden, show_as):
    """The selected area highlighted (and scrolled to) in the table, however it was chosen."""
    area = (selection or {}).get("area")
    if table_hidden or show_as != "table":
        return no_update, no_update
    return {"ids": [area] if area else []}, ({"rowId": area, "rowPosition": "middle"} if area else no_update)


def register(app: Dash, services: AtlasServices) -> None:
    app.callback(output=Output("explore-map-summary", "children", allow_duplicate=True),
                 inputs={"selection": Input("explore-selection", "data")},
                 state={"controls": control_states("explore", NAMES), "base": State("explore-base", "data")},
                 prevent_initial_call=True)(bind(services, describe))
    app.callback(output=[Output(f"{TABLE_ID}-frame", "hidden"), Output("explore-map-region", "className"),
                         Output(TABLE_ID, "rowData"), Output(TABLE_ID, "columnDefs")],
                 inputs={"show_as": Input("explore-show-as", "value"),
                         "controls": control_inputs("explore", NAMES)},
                 state={"base": State("explore-base", "data")})(bind(services, show_table))
    app.callback(Output(TABLE_ID, "selectedRows"), Output(TABLE_ID, "scrollTo"),
                 Input("explore-selection", "data"), Input(f"{TABLE_ID}-frame", "hidden"),
                 State("explore-show-as", "value"))(select_row)

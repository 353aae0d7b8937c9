"""Explore's text alternatives to the map: the Table view, and the live summary of what the map shows
(layout/explore_table.py). Like the map, they ask the server only for what the browser cannot say alone: the
summary of a selected area (the cube gives assets/explore_map.js the rest), and the table while it is shown
(assets/explore_view.js passes the controls on through PANEL_VIEW and TABLE_VIEW)."""
from __future__ import annotations

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import bind, explore_view
from layout.components import MAP_CONTROLS, VIEW_CONTROLS
from layout.explore import PANEL_VIEW, TABLE_VIEW
from layout.explore_map import map_values_for_view
from layout.explore_table import TABLE_ID, map_summary, table_view
from layout.services import AtlasServices

NAMES = VIEW_CONTROLS + MAP_CONTROLS


def describe(services: AtlasServices, panel_view, base):
    """The map's summary with the selected area, while one is selected (and once more when it clears)."""
    if not panel_view:
        raise PreventUpdate
    controls = dict(zip(NAMES, panel_view["controls"], strict=True))
    view = explore_view(services, base, controls, **(panel_view["selection"] or {}))
    content, _ = map_values_for_view(services, view)
    return map_summary(view, content)


def show_table(services: AtlasServices, shown, base):
    """Table view on: its grid (made, and its rows sent, only while it is shown) and the map hidden behind it."""
    if not shown:
        raise PreventUpdate
    if shown["show_as"] != "table":
        return True, "map-region", no_update
    view = explore_view(services, base, dict(zip(NAMES, shown["controls"], strict=True)))
    return False, "map-region as-table", table_view(services, view)


def select_row(selection, table_hidden, show_as):
    """The selected area highlighted (and scrolled to) in the table, however it was chosen."""
    area = (selection or {}).get("area")
    if table_hidden or show_as != "table":
        return no_update, no_update
    return {"ids": [area] if area else []}, ({"rowId": area, "rowPosition": "middle"} if area else no_update)


def register(app: Dash, services: AtlasServices) -> None:
    app.callback(output=Output("explore-map-summary", "children", allow_duplicate=True),
                 inputs={"panel_view": Input(PANEL_VIEW, "data")}, state={"base": State("explore-base", "data")},
                 prevent_initial_call=True)(bind(services, describe))
    app.callback(output=[Output(f"{TABLE_ID}-frame", "hidden"), Output("explore-map-region", "className"),
                         Output(f"{TABLE_ID}-frame", "children")],
                 inputs={"shown": Input(TABLE_VIEW, "data")}, state={"base": State("explore-base", "data")},
                 prevent_initial_call=True)(bind(services, show_table))
    app.callback(Output(TABLE_ID, "selectedRows"), Output(TABLE_ID, "scrollTo"),
                 Input("explore-selection", "data"), Input(f"{TABLE_ID}-frame", "hidden"),
                 State("explore-show-as", "value"))(select_row)

"""Explore page callbacks: parse inputs -> layout.explore_* (which asks geo/) -> figure, Patch or panel.

Most view changes never reach the server: the browser repaints a year, a colour scheme, the persistent and
hot-spot outlines and a measure from the measure cube and keeps the URL (clientside callbacks in
assets/explore_view.js and assets/explore_map.js). The server callbacks draw what the cube cannot: new
geometry or analysis parameters, practices, PCN catchments, a selection and its panel.
"""
from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from callbacks import explore_text
from callbacks.common import bind, control_states, explore_view
from geo.search import search
from layout.agreement_panel import robust_csv
from layout.components import MAP_CONTROLS, VIEW_CONTROLS, control_id
from layout.explore import (
    AGREEMENT_DOWNLOAD,
    CUBE_CONTROLS,
    DRAWN,
    PANEL_VIEW,
    SERVER_CONTROLS,
    SERVER_VIEW,
    TABLE_VIEW,
)
from layout.explore_map import (
    LEGEND_SELECTED,
    export_stem,
    export_values,
    layer_properties,
    map_outputs,
    values_csv,
)
from layout.explore_panel import panel_for, serving_csv
from layout.explore_select import search_options, selection_change
from layout.geometry import layer_geojson
from layout.services import AtlasServices
from layout.view import view_query

NAMES = VIEW_CONTROLS + MAP_CONTROLS
BASE = State("explore-base", "data")
SELECTION = State("explore-selection", "data")


def update_map(services: AtlasServices, server_view, controls, base, meta, selection):
    """What only the server can draw changed (`server_view`, kept by assets/explore_view.js: level, need
    weighting, d0, k, n, cut, the practices or PCN layers and then the year): the figure (Patches while the
    geometry stays), the paint and the view's canonical query."""
    view = explore_view(services, base, controls, **(selection or {}))
    figure, meta, paint = map_outputs(services, view, meta)
    return figure, meta, paint, view_query(view)


def select(services: AtlasServices, click, searched, clear, controls, base):
    """A map click, a search result or 'clear' changes the selection and outlines it."""
    view = explore_view(services, base, controls)
    change = selection_change(services, ctx.triggered_id, click, searched, view)
    if change is None:
        raise PreventUpdate
    kept = [no_update if change[key] is None else change[key]
            for key in ("selection", "patch", "paint", "legend_hidden")]
    return (*kept, no_update if change["level"] == view.level else change["level"], change["message"])


def search_suggestions(services: AtlasServices, text):
    if not text or len(text.strip()) < 2:
        raise PreventUpdate
    return search_options(search(services.search_index, services.atlas.postcodes, text))


def panel(services: AtlasServices, panel_view, base):
    """The side panel for the selection and controls in `panel_view` (assets/explore_view.js sends them while
    something is selected, and once more when the selection clears)."""
    if not panel_view:
        raise PreventUpdate
    controls = dict(zip(NAMES, panel_view["controls"], strict=True))
    view = explore_view(services, base, controls, **(panel_view["selection"] or {}))
    return panel_for(services, view, view_query(view, area=None, practice=None))


def download(services: AtlasServices, csv, geojson, controls, base, selection):
    view = explore_view(services, base, controls, **(selection or {}))
    content, layer = export_values(services, view)
    stem = export_stem(view)
    if ctx.triggered_id == "explore-download-geojson":
        return dcc.send_string(layer_geojson(layer, layer_properties(view, content)), f"{stem}.geojson")
    return dcc.send_string(values_csv(view, content), f"{stem}.csv")


def download_agreement(services: AtlasServices, clicks, controls, base):
    """The planner's list: the areas poor under every method at the view's level and year."""
    robust = robust_csv(services, explore_view(services, base, controls))
    if not clicks or robust is None:
        raise PreventUpdate
    return dcc.send_string(*robust)


def download_serving(services: AtlasServices, clicks, controls, base, selection):
    view = explore_view(services, base, controls, **(selection or {}))
    text = serving_csv(services, view)
    if not clicks or text is None:
        raise PreventUpdate
    return dcc.send_string(text, f"{export_stem(view)}_practices-serving-{view.area}.csv")


def controls_in(names, kind=Input) -> list:
    return [kind(control_id("explore", name), "value") for name in names]


def register(app: Dash, services: AtlasServices) -> None:
    # In the browser: repaint from the cube on any view change, keep the URL, and pass on to the server only
    # what it must draw (the server view) and the panel's view while something is selected.
    app.clientside_callback(ClientsideFunction("atlas", "paint"), Output(DRAWN, "data"), Input("explore-paint", "data"),
                            *controls_in(CUBE_CONTROLS))  # an output, or Dash would not call it for the first map
    app.clientside_callback(ClientsideFunction("atlas", "serverView"), Output(SERVER_VIEW, "data"),
                            *controls_in(SERVER_CONTROLS), State(SERVER_VIEW, "data"), prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("atlas", "panelView"), Output(PANEL_VIEW, "data"),
                            Input("explore-selection", "data"), *controls_in(NAMES), State(PANEL_VIEW, "data"))
    app.clientside_callback(ClientsideFunction("atlas", "tableView"), Output(TABLE_VIEW, "data"),
                            Input("explore-show-as", "value"), *controls_in(NAMES), State(TABLE_VIEW, "data"),
                            prevent_initial_call=True)
    app.clientside_callback(ClientsideFunction("atlas", "syncUrl"), Output("url", "search", allow_duplicate=True),
                            Output("explore-permalink", "href"), Output("explore-briefing", "href"),
                            Input("explore-base", "data"), Input("explore-selection", "data"),
                            Input("explore-map", "relayoutData"), *controls_in(CUBE_CONTROLS),
                            State("explore-briefing", "href"), prevent_initial_call=True)
    app.callback(output=[Output("explore-map", "figure"), Output("explore-map-meta", "data"),
                         Output("explore-paint", "data"), Output("explore-base", "data")],
                 inputs={"server_view": Input(SERVER_VIEW, "data")},
                 state={"controls": control_states("explore", NAMES), "base": BASE,
                        "meta": State("explore-map-meta", "data"), "selection": SELECTION},
                 prevent_initial_call=True)(bind(services, update_map))
    explore_text.register(app, services)
    app.callback(output=[Output("explore-selection", "data"), Output("explore-map", "figure", allow_duplicate=True),
                         Output("explore-paint", "data", allow_duplicate=True), Output(LEGEND_SELECTED, "hidden"),
                         Output("explore-level", "value"), Output("explore-search-result", "children")],
                 inputs={"click": Input("explore-map", "clickData"), "searched": Input("explore-search", "value"),
                         "clear": Input("explore-clear", "n_clicks")},
                 state={"controls": control_states("explore", NAMES), "base": BASE}, prevent_initial_call=True)(
        bind(services, select))
    app.callback(Output("explore-search", "options"), Input("explore-search", "search_value"),
                 prevent_initial_call=True)(bind(services, search_suggestions))
    app.callback(output=Output("explore-panel", "children"), inputs={"panel_view": Input(PANEL_VIEW, "data")},
                 state={"base": BASE})(bind(services, panel))
    app.callback(output=Output("explore-download", "data"),
                 inputs={"csv": Input("explore-download-csv", "n_clicks"),
                         "geojson": Input("explore-download-geojson", "n_clicks")},
                 state={"controls": control_states("explore", NAMES), "base": BASE, "selection": SELECTION},
                 prevent_initial_call=True)(bind(services, download))
    app.callback(output=Output(f"{AGREEMENT_DOWNLOAD}-file", "data"),
                 inputs={"clicks": Input(AGREEMENT_DOWNLOAD, "n_clicks")},
                 state={"controls": control_states("explore", NAMES), "base": BASE},
                 prevent_initial_call=True)(bind(services, download_agreement))
    app.callback(output=Output("explore-serving-download", "data"),
                 inputs={"clicks": Input("explore-serving-csv", "n_clicks")},
                 state={"controls": control_states("explore", NAMES), "base": BASE, "selection": SELECTION},
                 prevent_initial_call=True)(bind(services, download_serving))

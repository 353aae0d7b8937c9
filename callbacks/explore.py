"""Explore page callbacks: parse inputs -> layout.explore_* (which asks geo/) -> figure, Patch or panel."""
from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks import explore_text
from callbacks.common import bind, control_inputs, control_states, current_view, register_year_slider
from geo.search import search
from layout.components import MAP_CONTROLS, VIEW_CONTROLS
from layout.explore import briefing_href
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
from layout.explore_table import map_summary
from layout.geometry import layer_geojson
from layout.services import AtlasServices
from layout.view import camera_from_relayout, view_query

NAMES = VIEW_CONTROLS + MAP_CONTROLS
BASE = State("explore-base", "data")
SELECTION = State("explore-selection", "data")


def update_map(services: AtlasServices, controls, base, meta, selection):
    """Same geometry -> Patches of what changed; new geometry (first render, level, PCN year) -> full figure; and
    the map's summary in words (read out to screen readers)."""
    view = current_view(services, base, controls, **(selection or {}))
    figure, meta, paint, content = map_outputs(services, view, meta)
    return (figure, meta, content.footnote, [html.Li(note) for note in content.notes], paint, content.legend,
            map_summary(view, content))


def select(services: AtlasServices, click, searched, clear, controls, base):
    """A map click, a search result or 'clear' changes the selection and outlines it."""
    view = current_view(services, base, controls)
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


def panel(services: AtlasServices, selection, controls, base):
    view = current_view(services, base, controls, **(selection or {}))
    return panel_for(services, view, view_query(view, area=None, practice=None))


def sync_url(services: AtlasServices, selection, relayout, controls, base):
    """The URL (and permalink) always holds the whole view, camera included."""
    view = current_view(services, base, controls, **(selection or {}), **camera_from_relayout(relayout))
    query = view_query(view)
    return query, query, query, briefing_href(query)


def download(services: AtlasServices, csv, geojson, controls, base, selection):
    view = current_view(services, base, controls, **(selection or {}))
    content, layer = export_values(services, view)
    stem = export_stem(view)
    if ctx.triggered_id == "explore-download-geojson":
        return dcc.send_string(layer_geojson(layer, layer_properties(view, content)), f"{stem}.geojson")
    return dcc.send_string(values_csv(view, content), f"{stem}.csv")


def download_serving(services: AtlasServices, clicks, controls, base, selection):
    view = current_view(services, base, controls, **(selection or {}))
    text = serving_csv(services, view)
    if not clicks or text is None:
        raise PreventUpdate
    return dcc.send_string(text, f"{export_stem(view)}_practices-serving-{view.area}.csv")


def register(app: Dash, services: AtlasServices) -> None:
    register_year_slider(app, services, "explore")
    explore_text.register(app, services)
    app.callback(output=[Output("explore-map", "figure"), Output("explore-map-meta", "data"),
                         Output("explore-footnote", "children"), Output("explore-notes", "children"),
                         Output("explore-paint", "data"), Output("explore-legend", "children"),
                         Output("explore-map-summary", "children")],
                 inputs={"controls": control_inputs("explore", NAMES)},
                 state={"base": BASE, "meta": State("explore-map-meta", "data"), "selection": SELECTION})(
        bind(services, update_map))
    # The areas are coloured in the browser from the paint store (assets/explore_map.js).
    app.clientside_callback(ClientsideFunction("atlas", "paint"), Input("explore-paint", "data"))
    app.callback(output=[Output("explore-selection", "data"), Output("explore-map", "figure", allow_duplicate=True),
                         Output("explore-paint", "data", allow_duplicate=True), Output(LEGEND_SELECTED, "hidden"),
                         Output("explore-level", "value"), Output("explore-search-result", "children")],
                 inputs={"click": Input("explore-map", "clickData"), "searched": Input("explore-search", "value"),
                         "clear": Input("explore-clear", "n_clicks")},
                 state={"controls": control_states("explore", NAMES), "base": BASE}, prevent_initial_call=True)(
        bind(services, select))
    app.callback(Output("explore-search", "options"), Input("explore-search", "search_value"),
                 prevent_initial_call=True)(bind(services, search_suggestions))
    app.callback(output=Output("explore-panel", "children"),
                 inputs={"selection": Input("explore-selection", "data"),
                         "controls": control_inputs("explore", NAMES)},
                 state={"base": BASE})(bind(services, panel))
    app.callback(output=[Output("url", "search", allow_duplicate=True), Output("explore-permalink", "href"),
                         Output("explore-base", "data"), Output("explore-briefing", "href")],
                 inputs={"selection": Input("explore-selection", "data"),
                         "relayout": Input("explore-map", "relayoutData"),
                         "controls": control_inputs("explore", NAMES)},
                 state={"base": BASE}, prevent_initial_call=True)(bind(services, sync_url))
    app.callback(output=Output("explore-download", "data"),
                 inputs={"csv": Input("explore-download-csv", "n_clicks"),
                         "geojson": Input("explore-download-geojson", "n_clicks")},
                 state={"controls": control_states("explore", NAMES), "base": BASE, "selection": SELECTION},
                 prevent_initial_call=True)(bind(services, download))
    app.callback(output=Output("explore-serving-download", "data"),
                 inputs={"clicks": Input("explore-serving-csv", "n_clicks")},
                 state={"controls": control_states("explore", NAMES), "base": BASE, "selection": SELECTION},
                 prevent_initial_call=True)(bind(services, download_serving))

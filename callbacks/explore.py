"""Explore page callbacks: parse inputs -> geo (via layout.explore) -> figure, Patch or panel."""
from __future__ import annotations

from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from callbacks.common import control_inputs, control_states, current_view, register_year_slider
from callbacks.context import search_index, shared_atlas
from geo.search import search
from layout.components import MAP_CONTROLS, VIEW_CONTROLS
from layout.explore import (
    LEGEND_SELECTED,
    layer_properties,
    map_outputs,
    map_values_for_view,
    panel_for,
    search_options,
    selection_change,
    serving_csv,
    values_csv,
)
from layout.geometry import layer_geojson
from layout.view import camera_from_relayout, view_query

NAMES = VIEW_CONTROLS + MAP_CONTROLS
BASE = State("explore-base", "data")
SELECTION = State("explore-selection", "data")

register_year_slider("explore")


@callback(output=[Output("explore-map", "figure"), Output("explore-map-meta", "data"),
                  Output("explore-footnote", "children"), Output("explore-notes", "children"),
                  Output("explore-paint", "data"), Output("explore-legend", "children")],
          inputs={"controls": control_inputs("explore", NAMES)},
          state={"base": BASE, "meta": State("explore-map-meta", "data"), "selection": SELECTION})
def update_map(controls, base, meta, selection):
    """Same geometry -> Patches of what changed; new geometry (first render, level, PCN year) -> full figure."""
    figure, meta, paint, content = map_outputs(current_view(base, controls, **(selection or {})), meta)
    return figure, meta, content.footnote, [html.Li(note) for note in content.notes], paint, content.legend


# The areas are coloured in the browser from the paint store (assets/explore_map.js).
clientside_callback(ClientsideFunction("atlas", "paint"), Input("explore-paint", "data"))


@callback(output=[Output("explore-selection", "data"), Output("explore-map", "figure", allow_duplicate=True),
                  Output("explore-paint", "data", allow_duplicate=True), Output(LEGEND_SELECTED, "hidden"),
                  Output("explore-level", "value"), Output("explore-search-result", "children")],
          inputs={"click": Input("explore-map", "clickData"), "searched": Input("explore-search", "value"),
                  "clear": Input("explore-clear", "n_clicks")},
          state={"controls": control_states("explore", NAMES), "base": BASE}, prevent_initial_call=True)
def select(click, searched, clear, controls, base):
    """A map click, a search result or 'clear' changes the selection and outlines it."""
    view = current_view(base, controls)
    change = selection_change(ctx.triggered_id, click, searched, view)
    if change is None:
        raise PreventUpdate
    kept = [no_update if change[key] is None else change[key]
            for key in ("selection", "patch", "paint", "legend_hidden")]
    return (*kept, no_update if change["level"] == view.level else change["level"], change["message"])


@callback(Output("explore-search", "options"), Input("explore-search", "search_value"), prevent_initial_call=True)
def search_suggestions(text):
    if not text or len(text.strip()) < 2:
        raise PreventUpdate
    return search_options(search(search_index(), shared_atlas().postcodes, text))


@callback(output=Output("explore-panel", "children"),
          inputs={"selection": Input("explore-selection", "data"), "controls": control_inputs("explore", NAMES)},
          state={"base": BASE})
def panel(selection, controls, base):
    view = current_view(base, controls, **(selection or {}))
    return panel_for(view, view_query(view, area=None, practice=None))


@callback(output=[Output("url", "search", allow_duplicate=True), Output("explore-permalink", "href"),
                  Output("explore-base", "data")],
          inputs={"selection": Input("explore-selection", "data"), "relayout": Input("explore-map", "relayoutData"),
                  "controls": control_inputs("explore", NAMES)},
          state={"base": BASE}, prevent_initial_call=True)
def sync_url(selection, relayout, controls, base):
    """The URL (and permalink) always holds the whole view, camera included."""
    query = view_query(current_view(base, controls, **(selection or {}), **camera_from_relayout(relayout)))
    return query, query, query


@callback(output=Output("explore-download", "data"),
          inputs={"csv": Input("explore-download-csv", "n_clicks"),
                  "geojson": Input("explore-download-geojson", "n_clicks")},
          state={"controls": control_states("explore", NAMES), "base": BASE, "selection": SELECTION},
          prevent_initial_call=True)
def download(csv, geojson, controls, base, selection):
    view = current_view(base, controls, **(selection or {}))
    content, layer, _ = map_values_for_view(view)
    stem = f"gp-atlas_{view.measure}_{view.level}_{view.year}"
    if ctx.triggered_id == "explore-download-geojson":
        return dcc.send_string(layer_geojson(layer, layer_properties(view, content)), f"{stem}.geojson")
    return dcc.send_string(values_csv(view, content), f"{stem}.csv")


@callback(output=Output("explore-serving-download", "data"),
          inputs={"clicks": Input("explore-serving-csv", "n_clicks")},
          state={"controls": control_states("explore", NAMES), "base": BASE, "selection": SELECTION},
          prevent_initial_call=True)
def download_serving(clicks, controls, base, selection):
    view = current_view(base, controls, **(selection or {}))
    text = serving_csv(view)
    if not clicks or text is None:
        raise PreventUpdate
    return dcc.send_string(text, f"gp-atlas_practices-serving_{view.area}_{view.year}.csv")

"""Explore: the choropleth with controls, overlays, search, the area/practice side panel and downloads.

`page(services, **url_params)` lays the page out from the URL. What the map shows is layout/explore_map.py,
what a click or search selects is layout/explore_select.py, the side panel is layout/explore_panel.py.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.licences import SHORT_ATTRIBUTION
from layout.components import download_button, footnote, notices, view_controls, view_switch
from layout.explore_map import map_outputs
from layout.explore_panel import empty_panel
from layout.explore_table import TABLE_ID, map_title
from layout.mapfig import MAP_CONFIG, MAP_WIDTH
from layout.responsive import offcanvas, offcanvas_button
from layout.services import AtlasServices
from layout.tables import table_frame
from layout.view import View, parse_view, view_query

# The browser repaints from the measure cube when these change (assets/explore_map.js); the server draws
# again when SERVER_CONTROLS change (the year only while the practices or PCN layers are on), and the panel
# is drawn while something is selected (assets/explore_view.js keeps both stores).
CUBE_CONTROLS = ("measure", "year", "scheme", "layers")
SERVER_CONTROLS = ("level", "weights", "d0", "k", "n", "cut", "layers", "year")
SERVER_LAYERS = ("practices", "pcn")  # drawn by the server, for the year shown (explore_view.js names them too)
SERVER_VIEW, PANEL_VIEW, DRAWN = "explore-server-view", "explore-panel-view", "explore-drawn"
TABLE_VIEW = "explore-table-view"  # the controls, while the Table view is shown
AGREEMENT_DOWNLOAD = "explore-download-agreement"  # the areas poor under every method, at the view's level


def server_view(view: View) -> list:
    """What the server draws depends on, as assets/explore_view.js `serverView` lists it, for the first map: so
    that only a change of it reaches the server."""
    params, drawn = view.params, [layer for layer in view.layers if layer in SERVER_LAYERS]
    return [view.level, params.weights, params.d0, params.k, params.n, params.cut, drawn, view.year if drawn else None]


def _controls_card(services: AtlasServices, view: View) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.Div([dbc.Label("Find a practice, postcode or area", html_for="explore-search",
                            class_name="small fw-semibold mb-1"),
                  dcc.Dropdown(id="explore-search", placeholder="e.g. SW1A 1AA, Camden, F83004",
                               options=[], searchable=True, clearable=True, className="search-box")],
                 className="mb-3"),
        html.Div(id="explore-search-result", className="small text-muted mb-2"),
        view_controls("explore", view, services.explore_options, with_map_controls=True),
        html.Div([download_button("explore-download-csv", "CSV"),
                  download_button("explore-download-geojson", "GeoJSON"),
                  download_button(AGREEMENT_DOWNLOAD, "Areas poor under every method (CSV)"),
                  html.A("Link to this view", id="explore-permalink", href=view_query(view),
                         className="btn btn-sm btn-outline-secondary me-1 mb-1"),
                  html.A("⤓ Download briefing (PDF)", id="explore-briefing", href=briefing_href(view_query(view)),
                         download="", className="btn btn-sm btn-outline-secondary me-1 mb-1")],
                 className="mt-1 no-print"),
        html.Div("Map image: camera icon on the map toolbar.", className="form-text"),
    ]), class_name="controls-card shadow-sm")


def briefing_href(query: str) -> str:
    """The one-page briefing (PDF) of the view in `query` (served by callbacks/briefing.py)."""
    return dash.get_relative_path("/briefing.pdf") + query


def page(services: AtlasServices, /, **url_params) -> html.Div:
    view = parse_view(url_params, services.explore_options)
    height = "calc(100vh - 44px)" if view.embed else "calc(100vh - 190px)"
    figure, meta, paint = map_outputs(services, view, None)  # the first map travels with the page
    map_graph = dcc.Graph(id="explore-map", figure=figure, config=MAP_CONFIG, className="explore-map",
                          style={"height": height, "minHeight": "240px" if view.embed else "460px"})
    legend = html.Div(id="explore-legend", className="map-legend", style={"left": f"calc({MAP_WIDTH:.0%} + 8px)"},
                      **{"aria-label": "Map legend"})
    map_frame = dcc.Loading(html.Div([map_graph, legend], className="map-frame"), type="circle", delay_show=400,
                            overlay_style={"visibility": "visible", "opacity": 0.6})
    map_column = [notices(view), view_switch("explore-show-as") if not view.embed else None,
                  html.Section([map_frame, table_frame(TABLE_ID)], id="explore-map-region", className="map-region",
                               **{"aria-label": map_title(view)}),
                  html.P(id="explore-map-summary", className="visually-hidden", **{"aria-live": "polite"}),
                  footnote("explore-footnote"), html.Ul(id="explore-notes", className="map-notes small text-muted")]
    stores = [dcc.Store(id="explore-base", data=view_query(view)),
              dcc.Store(id="explore-selection", data={"area": view.area, "practice": view.practice}),
              dcc.Store(id="explore-map-meta", data=meta), dcc.Store(id="explore-paint", data=paint),
              dcc.Store(id=SERVER_VIEW, data=server_view(view)), dcc.Store(id=PANEL_VIEW), dcc.Store(id=DRAWN),
              dcc.Store(id=TABLE_VIEW),
              dcc.Download(id="explore-download"), dcc.Download(id=f"{AGREEMENT_DOWNLOAD}-file")]
    if view.embed:
        hidden = html.Div([_controls_card(services, view), html.Div(id="explore-panel"),
                           html.Button(id="explore-clear"), view_switch("explore-show-as")], hidden=True)
        attribution = html.Div(SHORT_ATTRIBUTION, className="basis-footnote embed-attribution")
        return html.Div(stores + [hidden] + map_column + [attribution], className="embed-view")
    return html.Div(stores + [dbc.Row([
        dbc.Col(offcanvas("explore-controls", "Map settings", _controls_card(services, view)), xs=12, lg=3, xxl=2,
                class_name="controls-column"),
        dbc.Col([offcanvas_button("explore-controls", "Map settings"), *map_column], xs=12, lg=6, xxl=7,
                class_name="map-column"),
        dbc.Col(html.Div([dbc.Button("Clear selection", id="explore-clear", size="sm", color="link",
                                     class_name="float-end no-print p-0"),
                          html.Div(empty_panel(), id="explore-panel")], className="detail-panel"), xs=12, lg=3,
                class_name="panel-column"),
    ], class_name="g-3")], className=f"explore-view{' print-view' if view.print else ''}")



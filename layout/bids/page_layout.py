"""The Bids page layout: the controls (add a site, upload, scenario), the cards, map, ranked table and one-page
summary, arranged for the normal, embedded and printed views. The URL parameters are in layout/bids/state.py."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from data.bid_intake import COLUMNS_HELP, MAX_FILE_SIZE_TEXT
from data.years import fy_label
from geo.bids import BID_LEVEL, BID_MEASURE, MAX_SITE_FTE, OBJECTIVES
from geo.params import D0_RANGE
from layout.bids.map import MAP_CONFIG, MODES, map_camera, map_figure, with_updates
from layout.bids.outputs import bids_outputs
from layout.bids.report import GRID_COLUMNS
from layout.bids.state import BidsView, bids_query, parse_bids_view
from layout.bids.table import TABLE_ID
from layout.components import WEIGHT_LABELS, notices, view_switch
from layout.responsive import offcanvas, offcanvas_button
from layout.services import AtlasServices
from layout.tables import grid, table_frame
from layout.view import ViewOptions

MAP_HEIGHT = "470px"  # inline: a responsive dcc.Graph sets an inline 100% height that would beat a CSS class


def objective_options() -> list[dict]:
    return [{"label": objective.label, "value": key} for key, objective in OBJECTIVES.items()]


def _field(label: str, control, help_text: str | None = None) -> html.Div:
    children = [dbc.Label(label, html_for=control.id, class_name="small fw-semibold mb-1"), control]
    if help_text:
        children.append(html.Div(help_text, className="form-text mt-0"))
    return html.Div(children, className="mb-2")


def _add_card() -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H6("Add a site", className="card-title"),
        _field("Postcode", dbc.Input(id="bids-postcode", placeholder="e.g. SE28 8RD", debounce=False, size="sm")),
        html.Div(id="bids-pending", className="small text-primary mb-2"),
        _field("or uplift a practice (code)", dbc.Input(id="bids-practice", placeholder="e.g. F82003", size="sm"),
               "Or click the map: an area drops a site at its centre, a practice dot sets up an uplift."),
        dbc.Row([dbc.Col(_field("GP FTE added", dbc.Input(id="bids-fte", type="number", min=0.1,
                                                          max=MAX_SITE_FTE, step=0.1, value=2, size="sm"))),
                 dbc.Col(_field("Cost £ (optional)", dbc.Input(id="bids-cost", type="number", min=0, step=1000,
                                                                size="sm")))], class_name="g-2"),
        _field("Label", dbc.Input(id="bids-label", placeholder="e.g. Thamesmead hub", size="sm")),
        dbc.Button("Add bid", id="bids-add", color="primary", size="sm", class_name="me-2"),
        html.Div(id="bids-add-message", className="small mt-2"),
    ]), class_name="controls-card shadow-sm mb-2")


def _upload_card() -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H6(f"Upload bids (CSV, up to {MAX_FILE_SIZE_TEXT})", className="card-title"),
        dcc.Upload(id="bids-upload", children=html.Div(["Drop a CSV here or ", html.A("choose a file")]),
                   className="bids-upload", multiple=False),
        html.Div(["Columns: ", html.Code(COLUMNS_HELP)], className="form-text"),
        html.Div(id="bids-upload-message", className="small mt-2"),
    ]), class_name="controls-card shadow-sm mb-2")


def _scenario_card(state: BidsView, options: ViewOptions) -> dbc.Card:
    view, params = state.view, state.params
    years = options.years[(BID_MEASURE, BID_LEVEL)]
    lo, hi = D0_RANGE
    return dbc.Card(dbc.CardBody([
        html.H6("Scenario", className="card-title"),
        _field("Year (NHS financial year)", dcc.Dropdown(
            id="bids-year", value=view.year, clearable=False, searchable=False,
            options=[{"label": fy_label(y), "value": y} for y in reversed(years)])),
        _field("Rank bids by", dcc.Dropdown(id="bids-objective", value=state.objective, clearable=False,
                                            searchable=False, options=objective_options())),
        _field("Need weighting", dbc.RadioItems(
            id="bids-weights", value=params.weights, class_name="small",
            options=[{"label": WEIGHT_LABELS.get(key, key), "value": key} for key in options.weightings])),
        _field("Catchment d0 (metres, straight line)", dbc.Input(
            id="bids-d0", type="number", min=lo, max=hi, step=100, value=params.d0, debounce=True, size="sm")),
        dbc.Label("Persistent = bottom quintile in", html_for="bids-k", class_name="small fw-semibold mb-1"),
        dbc.InputGroup([dbc.Input(id="bids-k", type="number", min=1, max=len(years), step=1, value=params.k,
                                  debounce=True, html_size=2),
                        dbc.InputGroupText("of the last"),
                        dbc.Label("of the last n years", html_for="bids-n", class_name="visually-hidden"),
                        dbc.Input(id="bids-n", type="number", min=1, max=len(years), step=1, value=params.n,
                                  debounce=True, html_size=2),
                        dbc.InputGroupText("years")], size="sm", class_name="mb-2"),
        _field("Close practices", dbc.Input(id="bids-close", value=state.close, placeholder="e.g. F84001, F84002",
                                            debounce=True, size="sm")),
        _field("Merge practices", dbc.Input(id="bids-merge", value=state.merge, placeholder="e.g. F84003>F84004",
                                            debounce=True, size="sm"),
               "FROM>INTO moves FROM's GP FTE to INTO. Bids are scored after closures and merges."),
    ]), class_name="controls-card shadow-sm mb-2")


def ranked_grid(rows: list[dict]):
    """The ranked bids, a row selected for its summary."""
    return grid("bids-grid", rows, GRID_COLUMNS, height="340px",
                rowSelection={"mode": "singleRow", "enableClickSelection": True})


def page(services: AtlasServices, /, **url_params) -> html.Div:
    """The Bids page from its URL (the parameters are listed in layout/bids/state.py)."""
    options = services.view_options
    state = parse_bids_view(url_params, options)
    query, too_long = bids_query(state)
    urls = services.layers.urls(BID_LEVEL, state.view.year)
    codes = services.layers.named(BID_LEVEL).codes
    names = services.provision.lsoa.set_index("area_code")["area_name"].reindex(list(codes)).fillna("").tolist()
    # the first view comes with the page, in one response (on screen, all but what follows the map's paint)
    first = bids_outputs(services, state, "after", None, with_below=state.view.print)
    figure = with_updates(map_figure(urls["lsoa"], urls["borough"], codes, names), first.updates)
    if first.camera:
        figure["layout"]["map"] = map_camera(urls["borough"], first.camera)
    stores = [dcc.Store(id="bids-store", data=list(state.bids)), dcc.Store(id="bids-base", data=query),
              dcc.Store(id="bids-focus", data=state.focus or 0), dcc.Store(id="bids-click", data={}),
              dcc.Store(id="bids-drawn"), dcc.Download(id="bids-download")]
    shown = list(state.notices) + ([too_long] if too_long else [])
    notice = notices(state.view.with_(notices=tuple(shown)))
    cards = html.Div(id="bids-cards-row", children=dbc.Row(first.cards, id="bids-cards", class_name="g-2 mb-2"))
    map_height = "calc(100vh - 90px)" if state.view.embed else MAP_HEIGHT
    map_card = dbc.Card(dbc.CardBody([
            html.Div([view_switch("bids-show-as"),
                      html.Div(dbc.RadioItems(id="bids-mode", value="after", inline=True, class_name="small mb-0",
                                              options=[{"label": label, "value": key}
                                                       for key, label in MODES.items()]),
                               role="radiogroup", className="ms-3", **{"aria-label": "Map colours show access"}),
                      html.Span(id="bids-mode-help", className="small text-muted ms-2")],
                     className="d-flex flex-wrap align-items-center mb-1 no-print"),
            html.Section([dcc.Graph(id="bids-map", className="bids-map", config=MAP_CONFIG,
                                    style={"height": map_height}, figure=figure),
                          table_frame(TABLE_ID)], id="bids-map-region", className="map-region",
                         **{"aria-label": f"Map of E2SFCA access by LSOA before and after the bids, "
                                          f"{fy_label(state.view.year)}; the Table view lists every LSOA"}),
            html.Div(first.footnote, id="bids-footnote", className="basis-footnote"),
            html.Ul([html.Li(text) for text in first.notes], id="bids-notes",
                    className="map-notes small text-warning"),
        ]), class_name="shadow-sm mb-2")
    table = dbc.Card(dbc.CardBody([
            html.Div([html.H6("Ranked bids", className="card-title mb-0 me-auto"),
                      dbc.Button("⤓ Ranked CSV", id="bids-download-csv", size="sm", color="secondary", outline=True,
                                 class_name="me-1"),
                      dbc.Button("Remove selected", id="bids-remove", size="sm", color="secondary", outline=True,
                                 class_name="me-1"),
                      dbc.Button("Clear all", id="bids-clear", size="sm", color="danger", outline=True,
                                 class_name="me-1"),
                      html.A("Link to this view", id="bids-permalink", href=query,
                             className="btn btn-sm btn-outline-secondary")],
                     className="d-flex align-items-center mb-2 no-print"),
            html.Div(id="bids-grid-frame", className="bids-grid-frame"),  # filled once the map has painted
            html.Div("Select a row for its one-page summary below. Bids with a status other than 'ok' are not scored; "
                     "fix them in the CSV and upload again.", className="form-text no-print"),
        ]), class_name="shadow-sm mb-2 no-print")
    # On screen, the ranked grid and the summary come once the map has painted (callbacks/bids.py below_the_map);
    # printed, the summary is the page.
    summary = dbc.Card(dbc.CardBody(html.Div(first.summary, id="bids-summary")),
                       class_name="shadow-sm mb-2 bids-summary-card")
    controls = [_add_card(), _upload_card(), _scenario_card(state, options)]
    if state.view.print:  # the one-page summary of the focused bid
        return html.Div(stores + [html.Div(controls + [cards, map_card, table], hidden=True), notice, summary],
                        className="bids-view print-view")
    if state.view.embed:  # the map and its footnote only, for an iframe
        return html.Div(stores + [html.Div(controls + [cards, table, summary], hidden=True), notice, map_card],
                        className="bids-view")
    return html.Div(stores + [notice, dbc.Row([
        dbc.Col(offcanvas("bids-controls", "Sites and scenario", controls), xs=12, lg=3, class_name="controls-column"),
        dbc.Col([offcanvas_button("bids-controls", "Sites and scenario"),
                 html.Div([cards, map_card, table], className="bids-work"), summary], xs=12, lg=9),
    ], class_name="g-3")], className="bids-view")


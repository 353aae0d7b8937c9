"""Trends & rankings callbacks: controls -> ranked table, distribution chart, URL; CSV of the rows as shown."""
from __future__ import annotations

from dash import Dash, Input, Output, State, dcc

from callbacks.common import bind, control_inputs, control_states, current_view, register_year_slider
from layout.chart_text import figure_text
from layout.explore_map import export_stem
from layout.services import AtlasServices
from layout.trends import ranking_print_table, rows_csv, trends_content
from layout.view import view_query

BASE = State("trends-base", "data")


def update(services: AtlasServices, controls, base):
    view = current_view(services, base, controls)
    rows, columns, figure, text = trends_content(services, view)
    return rows, columns, figure, text, figure_text(figure), ranking_print_table(rows, view)


def sync_url(services: AtlasServices, controls, base):
    return view_query(current_view(services, base, controls))


def download(services: AtlasServices, clicks, rows, controls, base):
    view = current_view(services, base, controls)
    return dcc.send_string(rows_csv(services, rows, view), f"{export_stem(view)}_ranking.csv")


def register(app: Dash, services: AtlasServices) -> None:
    register_year_slider(app, services, "trends")
    app.callback(output=[Output("trends-grid", "rowData"), Output("trends-grid", "columnDefs"),
                         Output("trends-chart", "figure"), Output("trends-footnote", "children"),
                         Output("trends-chart-text", "children"), Output("trends-print", "children")],
                 inputs={"controls": control_inputs("trends")}, state={"base": BASE})(bind(services, update))
    app.callback(output=Output("url", "search", allow_duplicate=True), inputs={"controls": control_inputs("trends")},
                 state={"base": BASE}, prevent_initial_call=True)(bind(services, sync_url))
    app.callback(output=Output("trends-download", "data"),
                 inputs={"clicks": Input("trends-download-csv", "n_clicks")},
                 state={"rows": State("trends-grid", "virtualRowData"), "controls": control_states("trends"),
                        "base": BASE}, prevent_initial_call=True)(bind(services, download))

"""Trends & rankings callbacks: controls -> ranked table, distribution chart, URL; CSV of the rows as shown."""
from __future__ import annotations

from dash import Input, Output, State, callback, dcc

from callbacks.common import control_inputs, control_states, current_view, register_year_slider
from layout.trends import rows_csv, trends_content
from layout.view import view_query

BASE = State("trends-base", "data")

register_year_slider("trends")


@callback(output=[Output("trends-grid", "rowData"), Output("trends-grid", "columnDefs"),
                  Output("trends-chart", "figure"), Output("trends-footnote", "children")],
          inputs={"controls": control_inputs("trends")}, state={"base": BASE})
def update(controls, base):
    return trends_content(current_view(base, controls))


@callback(output=Output("url", "search", allow_duplicate=True), inputs={"controls": control_inputs("trends")},
          state={"base": BASE}, prevent_initial_call=True)
def sync_url(controls, base):
    return view_query(current_view(base, controls))


@callback(output=Output("trends-download", "data"), inputs={"clicks": Input("trends-download-csv", "n_clicks")},
          state={"rows": State("trends-grid", "virtualRowData"), "controls": control_states("trends"), "base": BASE},
          prevent_initial_call=True)
def download(clicks, rows, controls, base):
    view = current_view(base, controls)
    return dcc.send_string(rows_csv(rows, view), f"gp-atlas_ranking_{view.measure}_{view.level}_{view.year}.csv")

"""Trends & rankings: every area of a level ranked, with change and persistence, and the distribution over years."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.safe_csv import safe_csv
from data.years import fy_label
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.tables import AreaTables
from layout.chart_text import described_graph
from layout.charts import distribution_figure
from layout.components import download_button, footnote, notices, persistence_note, view_controls
from layout.services import AtlasServices
from layout.tables import grid, number_column
from layout.view import View, parse_view, view_query

CHART_CONFIG = {"displaylogo": False, "responsive": True,
                "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "gp-atlas_distribution"}}


def ranking_columns(view: View) -> list[dict]:
    spec = MEASURES[view.measure]
    return [
        {"field": "rank", "headerName": "Rank (1 = poorest)", "type": "rightAligned", "width": 90,
         "filter": "agNumberColumnFilter", "sort": "asc"},
        {"field": "area_name", "headerName": "Area", "minWidth": 170, "flex": 2},
        {"field": "area_code", "headerName": "Code", "width": 110},
        number_column("value", f"{spec.label} ({fy_label(view.year)})", spec.decimals, width=120),
        number_column("change", "Change over window", spec.decimals, width=110),
        number_column("slope_per_year", "Trend per year", spec.decimals, width=100),
        {"field": "persistence_class", "headerName": "Persistence", "width": 120},
        {"field": "years_poor", "headerName": f"Years poor (of {view.params.n})", "type": "rightAligned", "width": 95,
         "filter": "agNumberColumnFilter"},
    ]


def ranking_table(view: View, tables: AreaTables) -> tuple[pd.DataFrame, str]:
    """Areas with value, rank, change, persistence; and a note when persistence cannot be computed."""
    table = tables.table(view.level, view.measure, view.year, view.params)
    try:
        persistence = tables.persistence(view.measure, view.level, view.year, view.params)
    except ValueError as exc:
        return table.assign(change=None, slope_per_year=None, persistence_class=None, years_poor=None), \
            f"Persistence not shown: {exc}."
    table = table.merge(persistence[["area_code", "change", "slope_per_year", "persistence_class", "years_poor"]],
                        on="area_code", how="left")
    table["persistence_class"] = table["persistence_class"].astype(str).replace("nan", None)
    return table, persistence_note(view, persistence, "areas") + " Change = last minus first value in the window."


def trends_content(services: AtlasServices, view: View) -> tuple[list[dict], list[dict], dict, str]:
    """Grid rows and columns, the distribution chart and the footnote for a view."""
    tables = services.tables
    spec = MEASURES[view.measure]
    table, note = ranking_table(view, tables)
    series = tables.series(view.measure, view.level, view.params)
    london = pd.Series({year: tables.provision.london_value(view.measure, year, view.params)
                        for year in sorted(series["year"].unique())})
    figure = distribution_figure(series, spec.label, spec.unit, spec.decimals, LEVELS[view.level], london,
                                 height=None if view.embed else 360)
    basis = tables.provision.basis(view.measure, view.year, view.params)
    text = f"{spec.label} by {LEVELS[view.level]}, {fy_label(view.year)}; {spec.unit}. {note} Basis: {basis}."
    rows = table[["rank", "area_name", "area_code", "value", "change", "slope_per_year", "persistence_class",
                  "years_poor"]].astype(object).where(table.notna(), None).to_dict("records")
    return rows, ranking_columns(view), figure, text


def rows_csv(services: AtlasServices, rows: list[dict] | None, view: View) -> str:
    """The rows the grid shows (after the user's filter and sort) with measure, year and basis columns."""
    spec = MEASURES[view.measure]
    frame = pd.DataFrame(rows or [])
    basis = services.provision.basis(view.measure, view.year, view.params)
    return safe_csv(frame.assign(level=LEVELS[view.level], measure=spec.label, unit=spec.unit,
                                 fy=fy_label(view.year), basis=basis))


def page(services: AtlasServices, /, **url_params) -> html.Div:
    view = parse_view(url_params, services.view_options)
    chart = described_graph(dcc.Graph(id="trends-chart", config=CHART_CONFIG,
                                      className="embed-chart" if view.embed else "",
                                      style={"height": "calc(100vh - 44px)" if view.embed else "380px"}), "")
    stores = [dcc.Store(id="trends-base", data=view_query(view)),
              dcc.Download(id="trends-download")]
    if view.embed:
        return html.Div(stores + [html.Div(view_controls("trends", view, services.view_options), hidden=True),
                                  html.Div(grid("trends-grid", [], []), hidden=True),
                                  html.Button(id="trends-download-csv", hidden=True), chart,
                                  footnote("trends-footnote")])
    return html.Div(stores + [dbc.Row([
        dbc.Col(dbc.Card(dbc.CardBody(view_controls("trends", view, services.view_options)), class_name="shadow-sm"),
                xs=12, lg=3, xxl=2, class_name="controls-column no-print"),
        dbc.Col([notices(view),
                 html.Div([html.H4("Trends and rankings", className="mb-1 d-inline-block me-3"),
                           download_button("trends-download-csv", "CSV of the table as shown")]),
                 footnote("trends-footnote"),
                 grid("trends-grid", [], [], height="430px"),
                 chart], xs=12, lg=9, xxl=10),
    ], class_name="g-3")])

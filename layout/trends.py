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
from layout.components import download_button, fmt, footnote, notices, persistence_note, view_controls
from layout.responsive import offcanvas, offcanvas_button
from layout.services import AtlasServices
from layout.tables import grid, number_column, print_table
from layout.view import View, parse_view, view_query

CHART_CONFIG = {"displaylogo": False, "responsive": True,
                "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "gp-atlas_distribution"}}


def ranking_columns(view: View) -> list[dict]:
    spec = MEASURES[view.measure]
    return [
        {"field": "rank", "headerName": "Rank", "headerTooltip": "1 = poorest provision; '=' marks a tie",
         "type": "rightAligned", "width": 90, "filter": "agNumberColumnFilter", "sort": "asc",
         "valueFormatter": {"function": "params.value == null ? '–' : (params.data.tied ? '=' : '') + params.value"}},
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
    table = table.assign(tied=table["rank"].map(table["rank"].value_counts()).fillna(0).gt(1))
    text += ties_note(table, spec.decimals)
    rows = table[["rank", "tied", "area_name", "area_code", "value", "change", "slope_per_year", "persistence_class",
                  "years_poor"]].astype(object).where(table.notna(), None).to_dict("records")
    return rows, ranking_columns(view), figure, text


def ties_note(table: pd.DataFrame, decimals: int) -> str:
    """' Ties: 68 areas share rank 1 (value 0.00).' for the largest tie, or nothing when every rank is unique."""
    counts = table["rank"].dropna().value_counts()
    if counts.empty or counts.max() < 2:
        return ""
    rank = counts.idxmax()
    value = table.loc[table["rank"] == rank, "value"].iloc[0]
    ties = int((counts > 1).sum())
    return (f" Ties share a rank ('='): {int(counts.max()):,} areas share rank {int(rank)} "
            f"(value {value:,.{decimals}f}); {ties:,} tied rank{'s' if ties > 1 else ''} in all.")


PRINTED_ROWS = 30  # ranking rows on paper (the rest: 'and N more')


def ranking_print_table(rows: list[dict], view: View) -> html.Div:
    """The poorest areas of the ranking as whole rows on paper (the grid prints as a cut-off scroll box)."""
    spec = MEASURES[view.measure]
    frame = pd.DataFrame(rows or [], columns=["rank", "tied", "area_name", "value", "persistence_class"])
    frame = frame.sort_values("rank", na_position="last").head(PRINTED_ROWS)
    ranks = [("=" if tied else "") + fmt(rank) for rank, tied in zip(frame["rank"], frame["tied"], strict=True)]
    text = pd.DataFrame({"rank": ranks,
                         "area": frame["area_name"], "value": [fmt(v, spec.decimals) for v in frame["value"]],
                         "persistence": frame["persistence_class"].fillna("–")})
    return print_table(text, {"rank": "Rank", "area": "Area", "value": f"{spec.label} ({spec.unit})",
                              "persistence": "Persistence"}, len(rows or []), "areas")


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
                                  html.Div([grid("trends-grid", [], []), html.Div(id="trends-print")], hidden=True),
                                  html.Button(id="trends-download-csv", hidden=True), chart,
                                  footnote("trends-footnote")])
    return html.Div(stores + [dbc.Row([
        dbc.Col(offcanvas("trends-controls", "Settings", dbc.Card(dbc.CardBody(
            view_controls("trends", view, services.view_options)), class_name="shadow-sm")),
                xs=12, lg=3, xxl=2, class_name="controls-column no-print"),
        dbc.Col([offcanvas_button("trends-controls", "Settings"), notices(view),
                 html.Div([html.H4("Trends and rankings", className="mb-1 d-inline-block me-3"),
                           download_button("trends-download-csv", "CSV of the table as shown")]),
                 footnote("trends-footnote"),
                 grid("trends-grid", [], [], height="430px"), html.Div(id="trends-print"),
                 chart], xs=12, lg=9, xxl=10),
    ], class_name="g-3")])

"""How far the measures agree over London: a small Spearman heat map (coefficients written in the cells) with
its table as the text alternative, and why the methods differ."""
from __future__ import annotations

from typing import TYPE_CHECKING

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.years import fy_label
from geo.agreement import METHODS
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.params import DEFAULT_PARAMS
from layout.chart_text import described_graph
from layout.panels import CHART_CONFIG

if TYPE_CHECKING:
    from layout.services import AtlasServices

HEATMAP_ID = "about-correlations"
LEVEL = "lsoa11"
WHY_THEY_DIFFER = ("They differ because they assume different things about where people go: GP FTE per 10,000 "
                   "follows where residents are actually registered (the patient flows); E2SFCA access assumes they "
                   "use practices near home, shared among everyone in reach; distance to the nearest practice "
                   "ignores how many GPs it has; patients per GP FTE ignores where patients live. A negative "
                   "coefficient between a measure where low values are poor and one where high values are poor "
                   "(distance, patients per GP FTE) means they agree.")


def correlation_matrix(services: AtlasServices, year: int) -> pd.DataFrame:
    """Spearman coefficients between the measures over London's LSOAs (measure labels as index and columns)."""
    matrix = services.agreement.correlations(LEVEL, year, DEFAULT_PARAMS).dropna(how="all").dropna(axis=1, how="all")
    labels = {m: MEASURES[m].label for m in METHODS}
    return matrix.rename(index=labels, columns=labels)


def correlation_figure(matrix: pd.DataFrame, title: str) -> dict:
    """Heat map, -1 (red) to +1 (blue), each cell's coefficient written in it."""
    return {"data": [{"type": "heatmap", "z": matrix.to_numpy().round(2).tolist(), "x": list(matrix.columns),
                      "y": list(matrix.index), "zmin": -1, "zmax": 1, "colorscale": "RdBu", "reversescale": True,
                      "texttemplate": "%{z:.2f}", "textfont": {"size": 13},
                      "hovertemplate": "%{y} vs %{x}: %{z:.2f}<extra></extra>",
                      "colorbar": {"title": {"text": "Spearman"}, "thickness": 12}}],
            "layout": {"title": {"text": title, "font": {"size": 14}}, "height": 360,
                       "margin": {"l": 190, "r": 20, "t": 40, "b": 110},
                       "yaxis": {"autorange": "reversed"}, "xaxis": {"tickangle": -25}}}


def correlation_text(matrix: pd.DataFrame) -> str:
    """The heat map in words: each pair's coefficient once."""
    names = list(matrix.index)
    pairs = [f"{a} with {b}: {matrix.loc[a, b]:.2f}" for i, a in enumerate(names) for b in names[i + 1:]]
    return "Spearman rank correlations. " + "; ".join(pairs) + "."


def agreement_section(services: AtlasServices) -> list:
    """About's 'How far the measures agree': the latest year's heat map, its table and why the methods differ."""
    years = services.agreement.years(LEVEL)
    if not years:
        return []
    year = max(years)
    matrix = correlation_matrix(services, year)
    title = f"Rank correlation between the measures, {LEVELS[LEVEL]}, {fy_label(year)}"
    graph = dcc.Graph(id=HEATMAP_ID, figure=correlation_figure(matrix, title), config=CHART_CONFIG,
                      className="correlation-heatmap")
    rows = [html.Tr([html.Th(name, scope="row"), *[html.Td(f"{value:.2f}") for value in matrix.loc[name]]])
            for name in matrix.index]
    table = dbc.Table([html.Thead(html.Tr([html.Th("measure", scope="col"),
                                           *[html.Th(name, scope="col") for name in matrix.columns]])),
                       html.Tbody(rows)], size="sm", bordered=False, striped=True)
    return [
        html.H2("How far the measures agree"),
        html.P(f"Spearman rank correlation of each pair of measures over London's {LEVELS[LEVEL]} areas "
               f"({fy_label(year)}, default need weighting and catchment): 1 = same order, 0 = unrelated. "
               + WHY_THEY_DIFFER, className="small"),
        html.Div(described_graph(graph, correlation_text(matrix)), className="correlation-chart"),
        html.Details([html.Summary("The coefficients as a table"),
                      html.Div(table, className="table-responsive", tabIndex="0", role="region",
                               **{"aria-label": "Spearman correlations between the measures"})], className="small"),
        html.P("Explore's 'Method agreement' map shows where they agree: each area by how many measures call it "
               "poor.", className="small"),
    ]

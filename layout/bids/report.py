"""Bids page figures and words: the summary cards, the ranked table (and its CSV) and the one-page summary of
a bid."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.licences import SHORT_ATTRIBUTION
from data.safe_csv import safe_csv
from geo.bids import Scenario, ranked_table
from geo.names import display_name
from layout.bids.map import gain_figure
from layout.bids.state import with_param
from layout.charts import FONT
from layout.components import WEIGHT_LABELS, fmt
from layout.tables import number_column


def summary_cards(scenario: Scenario) -> list:
    """The combined scenario in five figures, each with its unit, the definitions one hover away; with no bid yet,
    dashes and what to do instead of zeros."""
    s = scenario.summary
    if s.bids_total == 0:
        return [dbc.Col(dbc.Card(html.Div([
            html.Div("No bids yet", className="stat-title"), html.Div("–", className="stat-value text-muted"),
            html.Div("Add a site, click the map or upload a CSV: the combined scores appear here.",
                     className="stat-detail")], className="card-body"), class_name="stat-card h-100"), xs=12)]
    cards = [
        ("Bids scored", f"{s.bids_valid:,} of {s.bids_total:,}", f"bids; {fmt(s.added_gp_fte, 1)} GP FTE added",
         "Rows with status 'ok'; the others are listed with their reasons."),
        ("Lifted out of the bottom quintile", fmt(s.combined_lifted_need),
         f"need-weighted residents; sum of single bids {fmt(s.lifted_need_sum_of_singles)} "
         f"({s.interaction_lifted_need:+,.0f} interaction)",
         f"Need-weighted residents of LSOAs at or below the baseline 20th percentile of access "
         f"({s.cut_per_10k:.2f} per 10,000) before, and above it with all bids; the baseline bottom quintile "
         f"holds {s.bottom_quintile_need:,.0f}."),
        ("Residents gaining access", fmt(s.combined_gainers_need),
         f"need-weighted residents in {fmt(s.combined_lsoas_gaining)} LSOAs",
         "Need-weighted residents of LSOAs whose access rises."),
        ("FTE reaching the bottom quintile", fmt(s.combined_underserved_gain_fte, 2),
         f"GP FTE, of {fmt(s.combined_access_gain_fte, 2)} GP FTE reaching anyone",
         "Need-weighted access gained in bottom-quintile LSOAs, in GP FTE."),
        ("Persistent-poor LSOAs reached", fmt(s.combined_persistent_reached),
         f"LSOAs; {s.persistence_note.split(' = ')[-1]}", s.persistence_note),
    ]
    return [dbc.Col(dbc.Card(html.Div([
        html.Div(title, className="stat-title"), html.Div(value, className="stat-value"),
        html.Div(detail, className="stat-detail")], title=hover, className="card-body"), class_name="stat-card h-100"),
        xs=6, md=4, xl=True) for title, value, detail, hover in cards]


GRID_COLUMNS = [
    number_column("rank", "Rank", 0, minWidth=95, pinned="left"),
    {"field": "label", "headerName": "Bid", "pinned": "left", "minWidth": 150},
    {"field": "status", "headerName": "Status", "minWidth": 220, "wrapText": True, "autoHeight": True,
     "cellClassRules": {"text-danger": "params.value !== 'ok'"}},
    {"field": "site", "headerName": "Site", "minWidth": 150},
    number_column("added_gp_fte", "Added FTE", 1, minWidth=105),
    number_column("cost", "Cost £", 0, minWidth=110),
    number_column("objective_value", "Score, alone", 2, minWidth=115,
                  headerTooltip="the chosen objective (see 'Rank bids by' and the footnote), bid alone"),
    number_column("objective_in_combination", "Score in combination", 2, minWidth=135,
                  headerTooltip="the objective from the bid's marginal effect with all the other bids"),
    number_column("lifted_need", "Lifted", 0, minWidth=100,
                  headerTooltip="need-weighted residents lifted out of the bottom quintile (alone)"),
    number_column("gainers_need", "Gaining", 0, minWidth=105,
                  headerTooltip="need-weighted residents whose access rises"),
    number_column("underserved_gain_per_fte", "Share to bottom 20%", 2, minWidth=150,
                  headerTooltip="share of the added FTE reaching bottom-quintile residents"),
    number_column("persistent_reached", "Persistent LSOAs", 0, minWidth=135),
    number_column("gainers_imd_1_2_share", "Gainers IMD 1-2", 2, minWidth=130,
                  headerTooltip="share of need-weighted gainers in the 20% most deprived LSOAs"),
    number_column("nearest_practice_m", "Nearest practice m", 0, minWidth=145),
    {"field": "note", "headerName": "Note", "minWidth": 200},
]


def grid_rows(scenario: Scenario) -> list[dict]:
    table = ranked_table(scenario)
    keep = [column["field"] for column in GRID_COLUMNS] + ["row"]
    frame = table[keep].astype(object).where(table[keep].notna(), None)
    return frame.to_dict("records")


def ranked_csv(scenario: Scenario) -> str:
    """The ranked table for download, spreadsheet-safe (data.safe_csv)."""
    return safe_csv(ranked_table(scenario))


def figure_rows(bid: pd.Series, scenario: Scenario) -> list[tuple[str, str]]:
    objective = scenario.objective
    valid = scenario.bids["status"] == "ok"
    ranked = int(scenario.bids.loc[valid, "rank"].notna().sum())
    rank = f"{int(bid['rank'])} of {ranked}" if pd.notna(bid["rank"]) else "not ranked"
    share = bid["gainers_imd_1_2_share"]
    return [
        ("Rank", f"{rank} by {objective.label[0].lower()}{objective.label[1:]}"),
        (f"{objective.label}, alone / in combination",
         f"{fmt(bid['objective_value'], 2)} / {fmt(bid['objective_in_combination'], 2)}"),
        ("Need-weighted residents lifted out of the bottom quintile",
         f"{fmt(bid['lifted_need'])} alone; {fmt(bid['lifted_need_in_combination'])} in combination"),
        ("Need-weighted residents whose access rises",
         f"{fmt(bid['gainers_need'])} in {fmt(bid['lsoas_gaining'])} LSOAs"),
        ("Persistent-poor LSOAs reached", fmt(bid["persistent_reached"])),
        ("Added FTE reaching the bottom quintile",
         f"{fmt(bid['underserved_gain_fte'], 2)} of {fmt(bid['added_gp_fte'], 2)} "
         f"({fmt(bid['underserved_gain_per_fte'] * 100, 0)}%)"),
        ("Gainers in the 20% most deprived LSOAs (IMD 1-2)", "–" if pd.isna(share) else f"{share:.0%}"),
        ("Nearest existing practice", f"{nearest_practice(scenario, bid['nearest_practice_code'])} at "
                                      f"{fmt(bid['nearest_practice_m'])} m"),
        ("Need-weighted residents within reach (Gaussian-weighted)", fmt(bid["need_in_reach"])),
        ("Cost", "not given" if pd.isna(bid["cost"]) else f"£{bid['cost']:,.0f}"),
    ]


def nearest_practice(scenario: Scenario, code) -> str:
    """'Name (CODE)' of a practice in the scenario's baseline, or the code alone."""
    if not isinstance(code, str):
        return "–"
    names = scenario.base.practices.set_index("practice_code")["practice_name"]
    name = display_name(names.get(code))
    return f"{name} ({code})" if name else code


def imd_figure(bid: pd.Series) -> dict:
    values = [float(bid[f"gainers_imd_{d}"]) for d in range(1, 11)]
    return {"data": [{"type": "bar", "x": [str(d) for d in range(1, 11)], "y": values, "marker": {"color": [
        "#b2182b" if d <= 2 else "#6baed6" for d in range(1, 11)]}, "hovertemplate": "IMD decile %{x}: %{y:,.0f}"
                                                                                      "<extra></extra>"}],
            "layout": {"title": {"text": "Who gains: need-weighted residents by IMD 2019 decile", "font": {"size": 13},
                                 "x": 0.01, "xanchor": "left"}, "height": 220, "font": FONT,
                       "margin": {"l": 50, "r": 10, "t": 36, "b": 40}, "plot_bgcolor": "white",
                       "xaxis": {"title": {"text": "decile (1 = most deprived)"}, "type": "category"},
                       "yaxis": {"gridcolor": "#eee", "separatethousands": True}}}


def bid_summary(scenario: Scenario, row: int | None, query: str, lsoa_url: str) -> html.Div:
    """One printable page for one bid: what, where, the scores alone and in combination, who gains, the method."""
    valid = scenario.bids[scenario.bids["status"] == "ok"]
    if valid.empty:
        return html.Div(html.P("Add a site or upload a CSV of bids to see a one-page summary here.",
                               className="text-muted small"), className="bid-summary")
    if row is None or row not in set(valid["row"]):
        row = int(valid.sort_values(["rank", "row"], na_position="last")["row"].iloc[0])
    bid = valid.set_index("row").loc[row]
    s = scenario.summary
    kind = f"uplift of {bid['site']}" if bid["kind"] == "uplift" else f"new site at {bid['site']}"
    where = f", {bid['borough']}" if bid["borough"] else ""
    print_href = f"{dash.get_relative_path('/bids')}{with_param(query, focus=row, print=1)}"
    return html.Div([
        html.Div([html.H5(f"Bid summary: {bid['label']}", className="mb-0"),
                  html.Div([html.A("Printable page", href=print_href, target="_blank", id="bids-print-link",
                                   className="btn btn-sm btn-outline-secondary me-1"),
                            html.A("⤓ Download briefing (PDF)", id="bids-briefing-link", download="",
                                   href=f"{dash.get_relative_path('/bids/briefing.pdf')}{with_param(query, focus=row)}",
                                   className="btn btn-sm btn-outline-secondary")], className="no-print")],
                 className="d-flex justify-content-between align-items-center"),
        html.Div(f"{kind}{where}; +{bid['added_gp_fte']:g} GP FTE; {s.fy}, "
                 f"need weighting: {WEIGHT_LABELS.get(s.params.weights, s.params.weights)}, d0 {s.params.d0:,.0f} m",
                 className="text-muted small mb-2"),
        dbc.Row([
            dbc.Col(html.Table(html.Tbody([html.Tr([html.Th(name, className="fw-normal text-muted pe-2"),
                                                    html.Td(value, className="fw-semibold")])
                                           for name, value in figure_rows(bid, scenario)]),
                               className="table table-sm summary-table mb-1"), md=6),
            dbc.Col(dcc.Graph(figure=gain_figure(scenario, row, lsoa_url), config={"displayModeBar": False},
                              className="summary-map"), md=6),
        ], class_name="g-2"),
        dcc.Graph(figure=imd_figure(bid), config={"displayModeBar": False}),
        html.P([html.Strong("Method. "), definitions_text(scenario)], className="basis-footnote"),
        html.P([html.Strong("Basis. "), s.basis, ". ", SHORT_ATTRIBUTION], className="basis-footnote"),
    ], className="bid-summary", id="bids-summary-page")


def page_footnote(scenario: Scenario) -> str:
    """The combined scenario in words for the page (the CLI's summary_line names the objective by its key)."""
    s = scenario.summary
    if s.bids_total == 0:
        return f"No bids scored yet ({s.fy}). Basis: {s.basis}."
    score = "not defined" if pd.isna(s.combined_objective_value) else f"{s.combined_objective_value:,.1f}"
    return (f"Combined scenario, {s.fy}, {WEIGHT_LABELS.get(s.params.weights, s.params.weights).lower()} need "
            f"weighting, d0 {s.params.d0:,.0f} m: {s.bids_valid} of {s.bids_total} bids scored, "
            f"{s.added_gp_fte:,.1f} GP FTE added. {s.objective.label}: {score} for all bids together. "
            f"Basis: {s.basis}.")


def definitions_text(scenario: Scenario) -> str:
    s, objective = scenario.summary, scenario.objective
    return (f"Access = E2SFCA (GP FTE per 10,000 need-weighted residents within a Gaussian catchment of "
            f"{s.params.d0:,.0f} m, straight line). A bid adds its FTE at the site; access changes only within d0. "
            f"Bottom quintile = LSOAs at or below the baseline 20th percentile of access ({s.cut_per_10k:.2f} per "
            f"10,000), fixed for all bids. Lifted = need-weighted residents of LSOAs moved above it. Objective: "
            f"{objective.description}. 'In combination' = the bid's marginal effect given all the other bids "
            f"({s.bids_valid} valid). {s.persistence_note[:1].upper()}{s.persistence_note[1:]}. "
            f"Closures/merges: {s.changes.describe()}.")

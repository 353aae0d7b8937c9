"""Practice detail: list and GP FTE over years, patients per GP FTE against London, its PCN and members,
and where its registered patients live."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.postcodes import display_postcode
from data.years import PCN_FIRST_YEAR, fy_label
from geo.profiles import patient_flows, pcn_members, practice_profile
from geo.search import to_lonlat
from layout.chart_text import described_graph
from layout.charts import practice_history_figure, practice_ratio_figure, small_map
from layout.components import fmt, notices
from layout.panels import CHART_CONFIG, caveat_badge, practice_link, practice_title
from layout.services import AtlasServices
from layout.tables import grid, number_column
from layout.view import View, parse_view, view_query

STATUS = {"A": "active", "C": "closed", "D": "dormant", "P": "proposed"}


def practice_options(services: AtlasServices) -> list[dict]:
    index = services.search_index
    practices = index[index["kind"] == "practice"].sort_values("label")
    return [{"label": label, "value": code} for label, code in zip(practices["label"], practices["code"], strict=True)]


def _facts(profile: dict, history: pd.DataFrame, year: int) -> dbc.Card:
    latest = history.dropna(subset=["list_size"]).tail(1)
    row = history[history["year"] == year]
    pcn_name = row["pcn_name"].iloc[0] if len(row) and pd.notna(row["pcn_name"].iloc[0]) else None
    dates = f"opened {profile['open_date']:%d %b %Y}" if pd.notna(profile.get("open_date")) else ""
    if pd.notna(profile.get("close_date")):
        dates += f", closed {profile['close_date']:%d %b %Y}"
    items = [
        f"{profile['practice_code']} · {display_postcode(profile['postcode'])} · "
        f"{STATUS.get(profile.get('status_code'), profile.get('status_code'))}{' · ' + dates if dates else ''}",
        f"PCN in {fy_label(year)}: {pcn_name or 'none recorded'}",
    ]
    if len(latest):
        last = latest.iloc[0]
        items.append(f"{fy_label(int(last['year']))}: {fmt(last['list_size'])} registered patients, "
                     f"{fmt(last['gp_fte'], 1)} GP FTE, {fmt(last['patients_per_gp_fte'])} patients per GP FTE "
                     f"(London {fmt(last['london_patients_per_gp_fte'])})")
    caveat = latest["caveat"].iloc[0] if len(latest) else None
    return dbc.Card(dbc.CardBody([html.H4(practice_title(profile), id="practice-title"),
                                  html.Ul([html.Li(text) for text in items], className="mb-1"),
                                  caveat_badge(caveat)]),
                    class_name="shadow-sm mb-3")


def _members(services: AtlasServices, profile: dict, history: pd.DataFrame, year: int, query: str) -> html.Div:
    with_pcn = history.dropna(subset=["pcn_code"])
    if with_pcn.empty:
        return html.P("No PCN membership recorded (PCNs began in FY2019/20).", className="text-muted")
    row = with_pcn[with_pcn["year"] == year]
    chosen = row.iloc[0] if len(row) else with_pcn.iloc[-1]
    members = pcn_members(services.provision, chosen["pcn_code"], int(chosen["year"]))
    members["practice"] = [practice_link(c, n, query)
                           for c, n in zip(members["practice_code"], members["practice_name"], strict=True)]
    columns = [{"field": "practice", "headerName": "Practice", "cellRenderer": "markdown", "flex": 2,
                "minWidth": 200},
               {"field": "practice_code", "headerName": "Code", "width": 95, "minWidth": 95, "filter": False},
               number_column("list_size", "List", 0), number_column("gp_fte", "GP FTE", 1),
               number_column("patients_per_gp_fte", "Patients per GP FTE", 0),
               {"field": "caveat", "headerName": "Caveat", "minWidth": 220, "wrapText": True, "autoHeight": True}]
    return html.Div([
        html.H5(f"{chosen['pcn_name']} ({chosen['pcn_code']}), {fy_label(int(chosen['year']))}: "
                f"{len(members)} member practices", className="mt-2"),
        grid("practice-members", members.astype(object).where(members.notna(), None).to_dict("records"), columns,
             height="260px")])


def _flows(services: AtlasServices, profile: dict) -> html.Div:
    flows, summary = patient_flows(services.provision, profile["practice_code"])
    if flows.empty:
        return html.P(f"No patient flows for this practice in the {services.atlas.flows_snapshot} extract "
                      "(not open then).",
                      className="text-muted")
    names = services.provision.lsoa.set_index("area_code")["area_name"]
    lon, lat = to_lonlat([profile["easting"]], [profile["northing"]])
    point = pd.DataFrame({"lon": lon, "lat": lat, "label": [practice_title(profile)]})
    figure = small_map(services.layers.url("lsoa11", PCN_FIRST_YEAR), flows["lsoa11_code"].tolist(),
                       flows["patients"].tolist(), [f"{names.get(c, c)}: {n:,} patients" for c, n in
                                                    zip(flows["lsoa11_code"], flows["patients"], strict=True)],
                       {"lat": float(lat[0]), "lon": float(lon[0]), "zoom": 11.5}, point,
                       colorbar_title="patients", height=420)
    return html.Div([
        html.H5(f"Where its patients live ({summary['snapshot']})", className="mt-3"),
        html.P(f"{fmt(summary['patients'])} registered patients in {summary['lsoas']:,} London LSOAs; "
               f"{fmt(100 * summary['outside_london_share'], 1, '%')} live outside London. Pink dot: the practice.",
               className="small text-muted mb-1"),
        described_graph(dcc.Graph(figure=figure, config=CHART_CONFIG, id="practice-flows-map"),
                        f"Map of the {summary['lsoas']:,} London LSOAs where its registered patients live, shaded by "
                        "how many; most in " + ", ".join(
                            f"{names.get(code, code)} ({patients:,})" for code, patients in flows.nlargest(
                                3, "patients")[["lsoa11_code", "patients"]].itertuples(index=False)) + ".")])


def practice_content(services: AtlasServices, view: View) -> html.Div:
    if not view.practice:
        return html.P("Choose a practice above (by name, code or postcode), or open one from the Explore map's "
                      "area panel or its GP practices layer.", className="text-muted mt-3")
    profile = practice_profile(services.provision, view.practice)
    history = profile["history"]
    query = view_query(view, practice=None, area=None)
    return html.Div([
        _facts(profile, history, view.year),
        dbc.Row([dbc.Col(described_graph(dcc.Graph(figure=practice_history_figure(history), config=CHART_CONFIG)),
                         lg=6),
                 dbc.Col(described_graph(dcc.Graph(figure=practice_ratio_figure(history), config=CHART_CONFIG)),
                         lg=6)]),
        html.Div("GP FTE: fully qualified GPs (excluding registrars and locums), mean of the FY's workforce returns. "
                 "London: all practices reporting both list and GP FTE that year.", className="basis-footnote"),
        dbc.Row([dbc.Col(_members(services, profile, history, view.year, query), lg=6),
                 dbc.Col(_flows(services, profile), lg=6)]),
    ])


def page(services: AtlasServices, /, **url_params) -> html.Div:
    view = parse_view(url_params, services.view_options)
    return html.Div([
        dcc.Store(id="practice-base", data=view_query(view)), notices(view),
        dbc.Row(dbc.Col([dbc.Label("GP practice", html_for="practice-choice", class_name="small fw-semibold mb-1"),
                         dcc.Dropdown(id="practice-choice", options=practice_options(services), value=view.practice,
                                      placeholder="Choose a GP practice: name, code or postcode", clearable=False)],
                        lg=6), class_name="mb-3 no-print"),
        dcc.Loading(html.Div(practice_content(services, view), id="practice-content"), delay_show=300),
    ])

"""The explore side panel: an area's figures, trend, persistence, people and the practices serving it;
or a short practice summary with a link to its page."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.years import fy_label
from geo.measures import Measure
from layout.chart_text import described_graph
from layout.charts import small_map, trend_figure
from layout.components import download_button, fmt, rank_sentence
from layout.tables import grid, number_column, print_table

PERSISTENCE_COLOURS = {"persistent": "danger", "intermittent": "warning", "never": "success",
                       "insufficient data": "secondary"}
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": True}
SERVING_ROWS = 200  # the grid lists at most this many practices (the CSV has them all)


def practice_link(code: str, name: str, query: str) -> str:
    """Markdown link to the practice page, keeping the rest of the view in the URL."""
    separator = "&" if query else "?"
    return f"[{name or code}]({dash.get_relative_path('/practice')}{query}{separator}practice={code})"


def practice_title(row: dict) -> str:
    """A practice's display name, or its code where the register has none."""
    name = row.get("practice_name")
    return name if isinstance(name, str) and name else row["practice_code"]


def caveat_badge(reason) -> html.Div:
    """A visible caveat beside an implausible figure (geo.rules.figure_caveats), with its reason."""
    if not isinstance(reason, str):
        return html.Div()
    return html.Div([dbc.Badge("Caveat", color="warning", text_color="dark", class_name="me-2"),
                     html.Span(reason, className="small")], className="mb-2 caveat")


def _persistence_block(persistence: dict, cut: float) -> html.Div:
    cls = persistence.get("persistence_class")
    if cls is None:
        return html.Div(persistence.get("reason", "Persistence not available."), className="small text-muted")
    sentence = (f"In the poorest {cut:.0%} in {int(persistence['years_poor'])} of "
                f"{int(persistence['years_with_data'])} years {fy_label(int(persistence['window_start']))}–"
                f"{fy_label(int(persistence['window_end']))}")
    return html.Div([dbc.Badge(str(cls).capitalize(), color=PERSISTENCE_COLOURS.get(str(cls), "secondary"),
                               class_name="me-2", id="panel-persistence"), html.Span(sentence, className="small")])


def serving_columns(spec: Measure) -> list[dict]:
    return [
        {"field": "practice", "headerName": "Practice", "cellRenderer": "markdown", "width": 150, "pinned": "left"},
        {"field": "pcn_name", "headerName": "PCN", "width": 150, "tooltipField": "pcn_name"},
        number_column("share_pct", "Share", 1, "%", width=100,
                      headerTooltip="Share of the area's registered residents who are on this practice's list"),
        number_column("residents", "Residents", 0, width=120,
                      headerTooltip="Estimated residents of the area registered with the practice"),
        number_column("list_size", "List", 0, width=85),
        number_column("gp_fte", "GP FTE", 1, width=80),
        number_column("patients_per_gp_fte", "Patients per GP FTE", 0, width=130),
        {"field": "caveat", "headerName": "Caveat", "width": 260, "wrapText": True, "autoHeight": True},
    ]


def serving_rows(practices: pd.DataFrame, query: str) -> list[dict]:
    shown = practices.head(SERVING_ROWS)
    return shown.assign(
        practice=[practice_link(c, n, query)
                  for c, n in zip(shown["practice_code"], shown["practice_name"], strict=True)],
        share_pct=shown["share"] * 100, pcn_name=shown["pcn_name"].fillna("–"),
        caveat=shown["caveat"].where(shown["caveat"].notna(), ""),
    )[["practice", "pcn_name", "share_pct", "residents", "list_size", "gp_fte",
       "patients_per_gp_fte", "caveat"]].to_dict("records")


def pcn_block(pcns: pd.DataFrame, shown: int = 6) -> html.Div:
    """Which PCNs serve the area: share of its registered residents, the PCN's GP FTE and its persistence."""
    if pcns.empty:
        return html.Div()
    main = pcns.iloc[0]
    rows = [html.Tr([html.Td(name), html.Td(fmt(100 * share, 0, "%"), className="text-end"),
                     html.Td(fmt(fte, 1), className="text-end"),
                     html.Td(dbc.Badge(str(cls).capitalize(), color=PERSISTENCE_COLOURS.get(str(cls), "secondary"))
                             if cls else "–")])
            for name, share, fte, cls in pcns.head(shown)[["pcn_name", "share", "gp_fte", "persistence_class"]]
            .itertuples(index=False)]
    more = len(pcns) - shown
    return html.Div([
        html.H6("PCNs serving its residents", className="mt-2 mb-1"),
        html.Div(f"Main PCN: {main['pcn_name']}, {fmt(100 * main['share'], 0, '%')} of its registered residents "
                 "(catchment outlined on the map).", className="small mb-1", id="panel-main-pcn"),
        dbc.Table([html.Thead(html.Tr([html.Th("PCN"), html.Th("Share of residents", className="text-end"),
                                       html.Th("PCN GP FTE", className="text-end"), html.Th("Persistence")])),
                   html.Tbody(rows)], size="sm", class_name="small mb-1 pcn-table", id="panel-pcns"),
        html.Div(f"and {more:,} more PCN{'s' if more != 1 else ''}" if more > 0 else "", className="form-text mt-0"),
    ])


PRINTED_ROWS = 6  # practices printed under an area (the rest: 'and N more')


def serving_print_table(practices: pd.DataFrame) -> html.Div:
    """The practices serving an area as whole rows on paper, largest share first."""
    shown = practices.head(PRINTED_ROWS)
    text = pd.DataFrame({
        "practice": shown["practice_name"].fillna(shown["practice_code"]), "pcn": shown["pcn_name"].fillna("–"),
        "share": [fmt(100 * v, 1, "%") for v in shown["share"]], "fte": [fmt(v, 1) for v in shown["gp_fte"]],
        "ratio": [fmt(v) + (" (caveat)" if isinstance(c, str) else "")
                  for v, c in zip(shown["patients_per_gp_fte"], shown["caveat"], strict=True)]})
    return print_table(text, {"practice": "Practice", "pcn": "PCN", "share": "Share", "fte": "GP FTE",
                              "ratio": "Patients per GP FTE"}, len(practices), "practices", "explore-serving-print")


def area_panel(profile: dict, trend: pd.DataFrame, practices: pd.DataFrame, pcns: pd.DataFrame,
               practice_points: pd.DataFrame, spec: Measure, level_label: str, layer_url: str, camera: dict,
               cut: float, query: str, agreement: html.Section | None = None) -> html.Div:
    """Everything about one area, top to bottom in the order a planner reads it (`agreement`: what every
    measure says of it, after its persistence)."""
    year = profile["year"]
    people = [f"{fmt(profile['residents'])} residents (ONS mid-{profile['population_mid_year']})"]
    if profile.get("imd_decile") is not None and not pd.isna(profile["imd_decile"]):
        people.append(f"IMD 2019 decile {int(profile['imd_decile'])} (1 = most deprived 10% of England)")
    else:
        people.append(f"{fmt(100 * profile['most_deprived_share'], 0, '%')} of residents in England's most "
                      f"deprived 20% of LSOAs (IMD 2019); population-weighted mean decile "
                      f"{fmt(profile['mean_imd_decile'], 1)}")
    top = practice_points.head(10)
    return html.Div([
        html.H5(profile["area_name"], className="mb-0", id="panel-title"),
        html.Div(f"{level_label} · {profile['area_code']} · {profile['n_lsoa']} LSOA"
                 f"{'s' if profile['n_lsoa'] != 1 else ''}", className="small text-muted mb-2"),
        html.Div([html.Span(fmt(profile["value"], spec.decimals), className="panel-value"),
                  html.Span(f" {spec.unit}", className="small text-muted")]),
        html.Div([f"{spec.label}, {fy_label(year)}. London rank ",
                  html.Strong(rank_sentence(profile["rank"], profile["tied"], profile["n_ranked"])),
                  " (1 = poorest). London overall ", fmt(profile["london"], spec.decimals),
                  "."], className="small mb-2", id="panel-rank"),
        _persistence_block(profile["persistence"], cut),
        agreement,
        html.Ul([html.Li(text) for text in people], className="small mt-2 mb-1 ps-3"),
        described_graph(dcc.Graph(figure=trend_figure(trend, profile["area_name"], spec.label, spec.unit,
                                                      spec.decimals, level_label),
                                  config=CHART_CONFIG, className="panel-chart")),
        pcn_block(pcns),
        html.H6("Practices serving its residents", className="mt-2 mb-1"),
        html.Div(f"Estimated registered residents = practice list × share of the practice's London patients "
                 f"living here ({fy_label(year)}; patient flows {profile['flows_snapshot']}, carried to other years). "
                 f"{len(practices):,} practices.", className="form-text mt-0 mb-1"),
        grid("explore-serving-grid", serving_rows(practices, query), serving_columns(spec), height="300px",
             column_size=None),
        serving_print_table(practices),
        download_button("explore-serving-csv", "Practices CSV"),
        dcc.Download(id="explore-serving-download"),
        html.H6("Where it is", className="mt-2 mb-1 no-print"),
        described_graph(dcc.Graph(figure=small_map(
            layer_url, [profile["area_code"]], [1], [profile["area_name"]], camera,
            top.assign(label=top["practice_name"].fillna(top["practice_code"])),
            colorscale=[[0, "#fdae61"], [1, "#fdae61"]], height=220), config=CHART_CONFIG, className="panel-map"),
            f"Map locating {profile['area_name']} and the {len(top)} practices serving most of its residents."),
        html.Div("Pink dots: the 10 practices serving most of its residents."
                 if len(top) else "No practice locations to show.", className="form-text"),
    ], className="p-1")


def practice_summary(row: dict, london_ratio: float, year: int, query: str) -> html.Div:
    """A practice clicked on the map: its figures for the year and a link to its page."""
    return html.Div([
        html.H5(practice_title(row), className="mb-0", id="panel-title"),
        html.Div(f"GP practice · {row['practice_code']} · PCN {row.get('pcn_name') or '–'}",
                 className="small text-muted mb-2"),
        html.Ul([
            html.Li(f"Registered patients {fmt(row['list_size'])} ({fy_label(year)})"),
            html.Li(f"GP FTE (fully qualified) {fmt(row['gp_fte'], 1) if row.get('fte_reported') else 'not reported'}"),
            html.Li(f"Patients per GP FTE {fmt(row['patients_per_gp_fte'])} (London {fmt(london_ratio)})"),
        ], className="small ps-3"),
        caveat_badge(row.get("caveat")),
        dcc.Link("Open the practice page →", href=f"{dash.get_relative_path('/practice')}{query}"
                                                  f"{'&' if query else '?'}practice={row['practice_code']}",
                 className="btn btn-sm btn-primary"),
    ], className="p-1")

"""Bids page: candidate GP premises, before/after/change maps, the ranked table and a one-page summary per bid.

The page reads its state from the URL so a shortlist can be shared:

=========  ===========================================================  ==================
name       meaning                                                      default
=========  ===========================================================  ==================
year, weights, d0, k, n, print, embed: as every page (layout/view.py)
bids       the bid rows, compact: "1" + base64url(zlib(JSON rows))     none
objective  a key of geo.bids.OBJECTIVES                                 lifted_per_fte
close      practice codes closed in the scenario ("F84001,F84002")      none
merge      merges FROM>INTO ("F84003>F84004")                           none
focus      input row of the bid whose one-page summary is shown        best-ranked bid
=========  ===========================================================  ==================

A malformed or over-long ``bids`` value (or any other bad parameter) falls
back to its default with a visible notice; decoding never raises and never
inflates more than `MAX_URL_JSON` bytes. Bid rows are kept as the text a
person typed or uploaded (the columns of `geo.bids.INPUT_COLUMNS`), so a link
reproduces the same statuses, including the reasons bad rows were refused.
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlencode

import dash
import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
from dash import dcc, html

from callbacks.context import geometry_urls, named_layer, provision, view_options
from data.years import fy_label
from geo.access import PER
from geo.bids import (
    DEFAULT_OBJECTIVE,
    INPUT_COLUMNS,
    MAX_BIDS,
    MAX_SITE_FTE,
    OBJECTIVES,
    BidBaseline,
    Scenario,
    ranked_table,
)
from geo.search import to_lonlat
from layout.charts import FONT
from layout.classes import class_bounds, classify
from layout.components import WEIGHT_LABELS, fmt, notices
from layout.mapfig import ATTRIBUTION, LONDON_CENTRE, LONDON_ZOOM, basemap_style
from layout.tables import grid, number_column, safe_csv
from layout.view import View, ViewOptions, parse_view

URL_VERSION = "1"
MAX_URL_CHARS = 3000   # gunicorn refuses request lines over 4,094 bytes; leave room for the other parameters
MAX_URL_JSON = 200_000  # bytes a bids value may inflate to (a zip bomb stops here)
MAX_CELL_CHARS = 100
MODES = {"before": "Before", "after": "After", "delta": "Change"}
MAP_HEIGHT = "470px"  # inline: a responsive dcc.Graph sets an inline 100% height that would beat a CSS class
SLOTS = ("access", "lifted", "practices", "sites", "pending")
SLOT = {name: i for i, name in enumerate(SLOTS)}
TRANSPARENT = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]
UNDER_POINTS = "water-anchor"  # plotly's base-style anchor: area layers go here, point layers above
GAIN_SCALE = [[0, "rgba(0,0,0,0)"], [1e-9, "#e5f5e0"], [0.5, "#74c476"], [1, "#00441b"]]  # no change: not drawn
MAP_CONFIG = {"displaylogo": False, "scrollZoom": True, "responsive": True,
              "modeBarButtonsToRemove": ["select2d", "lasso2d"],
              "toImageButtonOptions": {"format": "png", "filename": "gp-atlas_bids", "scale": 2}}


# --------------------------------------------------------------------------- URL state

@dataclass(frozen=True)
class BidsView:
    view: View                     # year, weights, d0, k, n, print, embed (validated like every page)
    bids: tuple[dict, ...] = ()    # rows of text cells keyed by INPUT_COLUMNS
    objective: str = DEFAULT_OBJECTIVE
    close: str = ""
    merge: str = ""
    focus: int | None = None
    notices: tuple[str, ...] = ()


def clean_row(row: Mapping) -> dict:
    """A bid row as text cells (the URL and the store carry nothing else), cut to MAX_CELL_CHARS."""
    return {column: str(row.get(column) if row.get(column) is not None else "").strip()[:MAX_CELL_CHARS]
            for column in INPUT_COLUMNS}


def encode_bids(rows) -> str:
    """Rows -> 'v' + base64url(zlib(JSON list of lists, trailing blanks dropped)); '' for no rows."""
    if not rows:
        return ""
    compact = []
    for row in rows:
        cells = [clean_row(row)[column] for column in INPUT_COLUMNS]
        while cells and cells[-1] == "":
            cells.pop()
        compact.append(cells)
    payload = zlib.compress(json.dumps(compact, separators=(",", ":")).encode(), 9)
    return URL_VERSION + base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_bids(text: str) -> tuple[tuple[dict, ...], str | None]:
    """The rows of a `bids` URL value, or no rows and one sentence saying why it was ignored."""
    if not text:
        return (), None
    if not text.startswith(URL_VERSION):
        return (), "not a bids value written by this atlas"
    try:
        packed = base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_URL_JSON)
        if inflater.unconsumed_tail:
            return (), "the bids value is too large"
        rows = json.loads(raw)
    except (binascii.Error, ValueError, zlib.error):
        return (), "the bids value is damaged (was the link cut short?)"
    if not isinstance(rows, list) or not all(isinstance(row, list) and len(row) <= len(INPUT_COLUMNS) and
                                             all(isinstance(cell, (str, int, float)) for cell in row) for row in rows):
        return (), "the bids value is not a list of bid rows"
    if len(rows) > MAX_BIDS:
        return (), f"more than {MAX_BIDS:,} bids"
    return tuple(clean_row(dict(zip(INPUT_COLUMNS, row, strict=False))) for row in rows), None


def parse_bids_view(params: Mapping[str, str], options: ViewOptions) -> BidsView:
    """URL query of the Bids page -> a valid BidsView with notices for anything ignored (never raises)."""
    shared = {key: value for key, value in params.items() if key in ("year", "weights", "d0", "k", "n", "embed",
                                                                      "print")}
    view = parse_view({**shared, "measure": "e2sfca", "level": "lsoa11"}, options)
    found = list(view.notices)
    bids, why = decode_bids(params.get("bids", ""))
    if why:
        found.append(f"Ignored the bids in the link: {why}; starting with no bids.")
    objective = params.get("objective", DEFAULT_OBJECTIVE)
    if objective not in OBJECTIVES:
        found.append(f"Ignored objective={objective[:40]!r}: choose one of {', '.join(OBJECTIVES)}; using "
                     f"{DEFAULT_OBJECTIVE}.")
        objective = DEFAULT_OBJECTIVE
    focus = params.get("focus")
    if focus is not None and not (focus.isdigit() and 1 <= int(focus) <= len(bids)):
        found.append(f"Ignored focus={focus[:40]!r}: not a bid row of this link; showing the best-ranked bid.")
        focus = None
    return BidsView(view=view, bids=bids, objective=objective, close=params.get("close", "")[:400],
                    merge=params.get("merge", "")[:400], focus=int(focus) if focus else None, notices=tuple(found))


def state_from_controls(base_query: str | None, rows, focus, controls: Mapping, options: ViewOptions) -> BidsView:
    """The page's current state: its controls over the URL it opened with, re-validated like a fresh link
    (a momentarily odd control, e.g. a d0 being typed, degrades to the default with a notice)."""
    params = dict(parse_qsl((base_query or "").lstrip("?"), keep_blank_values=True))
    params.update({name: str(value) for name, value in controls.items() if value is not None and value != ""})
    params.pop("bids", None)
    params.pop("focus", None)
    state = parse_bids_view(params, options)
    rows = tuple(clean_row(row) for row in (rows or ())[:MAX_BIDS])
    return replace(state, bids=rows, focus=focus if isinstance(focus, int) and 1 <= focus <= len(rows) else None)


def bids_query(state: BidsView, **changes) -> tuple[str, str | None]:
    """'?year=...&bids=...' for a state, and a notice when the bids are too many to travel in a link."""
    state = replace(state, **changes) if changes else state
    view = state.view
    params = {"year": view.year, "weights": view.weights, "d0": f"{view.d0:g}", "k": view.k, "n": view.n,
              "objective": state.objective}
    for name in ("close", "merge"):
        if getattr(state, name):
            params[name] = getattr(state, name)
    encoded, notice = encode_bids(state.bids), None
    if len(encoded) > MAX_URL_CHARS:
        encoded, notice = "", (f"These {len(state.bids):,} bids are too many to share as a link; the link keeps the "
                               "settings only. Download the ranked CSV to share them.")
    if encoded:
        params["bids"] = encoded
    if state.focus:
        params["focus"] = state.focus
    for name in ("embed", "print"):
        if getattr(view, name):
            params[name] = 1
    return "?" + urlencode(params, safe=",>"), notice


# --------------------------------------------------------------------------- map

def _lonlat(frame: pd.DataFrame) -> tuple[list, list]:
    lon, lat = to_lonlat(frame["easting"].to_numpy(dtype=float), frame["northing"].to_numpy(dtype=float))
    return np.round(lat, 5).tolist(), np.round(lon, 5).tolist()


def map_figure(lsoa_url: str, borough_url: str, codes, names) -> dict:
    """The Bids map's fixed frame: LSOA choropleth (named by URL), lifted outlines, practices, sites, pending pin.

    Values arrive later as a Patch from `map_updates`, so geometry never moves twice. The area layers are
    pinned under the point layers (`below`): plotly.js adds a choropleth's layers only once its GeoJSON URL
    has loaded, after the points, and would otherwise paint over the practices and bid sites.
    """
    traces = [
        {"type": "choroplethmap", "name": "access", "geojson": lsoa_url, "locations": list(codes), "text": list(names),
         "z": [0] * len(codes), "colorscale": TRANSPARENT, "showscale": False, "showlegend": False,
         "below": UNDER_POINTS, "marker": {"line": {"width": 0.2, "color": "rgba(80,80,80,0.35)"}}},
        {"type": "choroplethmap", "name": "Lifted out of the bottom quintile", "geojson": lsoa_url, "locations": [],
         "z": [], "colorscale": TRANSPARENT, "showscale": False, "showlegend": True, "below": UNDER_POINTS,
         "hoverinfo": "skip", "marker": {"line": {"color": "#0571b0", "width": 2.5}}, "visible": False},
        {"type": "scattermap", "name": "GP practices (click: uplift)", "mode": "markers", "lat": [], "lon": [],
         "customdata": [], "marker": {"size": 6, "color": "#525252", "opacity": 0.75},
         "hovertemplate": "<b>%{customdata[1]}</b> (%{customdata[0]})<br>GP FTE %{customdata[2]}<extra></extra>"},
        {"type": "scattermap", "name": "Bid sites", "mode": "markers", "lat": [], "lon": [], "customdata": [],
         "marker": {"size": 15, "color": "#e7298a"}, "hovertemplate": "%{customdata}<extra></extra>"},
        {"type": "scattermap", "name": "New site (not yet added)", "mode": "markers", "lat": [], "lon": [],
         "text": [], "marker": {"size": 14, "color": "#0571b0", "opacity": 0.9},
         "hovertemplate": "%{text}<extra></extra>", "visible": False},
    ]
    layout = {"map": map_camera(borough_url), "margin": {"l": 0, "r": 0, "t": 34, "b": 0}, "uirevision": "bids",
              "clickmode": "event",
              "hoverdistance": 6,  # a practice dot must be under the pointer to win over the area around it
              "legend": {"x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top",
                         "bgcolor": "rgba(255,255,255,0.85)", "font": {"size": 11}},
              "paper_bgcolor": "white", "font": FONT}
    return {"data": traces, "layout": layout}


def map_camera(borough_url: str, camera: dict | None = None) -> dict:
    """The whole `layout.map` (style, borough outlines, centre, zoom): a camera move replaces it entirely,
    because patching only map.center/zoom leaves MapLibre a style without its sources ("Map error.")."""
    camera = camera or {"center": dict(LONDON_CENTRE), "zoom": LONDON_ZOOM}
    return {"style": basemap_style(), "zoom": camera["zoom"], "center": camera["center"],
            "layers": [{"sourcetype": "geojson", "source": borough_url, "type": "line", "color": "#4d4d4d",
                        "line": {"width": 0.9}}]}


def access_update(scenario: Scenario, mode: str, codes) -> dict:
    """z and legend of the LSOA layer: before/after coloured by the *baseline* quintiles (so a class change is
    visible and the poorest class is exactly the bottom quintile), change as a green scale of gains."""
    base = scenario.base
    changes = scenario.lsoa_changes().set_index("lsoa11_code").reindex(list(codes))
    if mode == "delta":
        gain = changes["delta"].to_numpy()
        top = float(gain.max()) if gain.max() > 0 else 1.0
        return {"z": gain.round(4).tolist(), "colorscale": GAIN_SCALE, "zmin": 0, "zmax": top, "showscale": True,
                "customdata": [
            [f"{b:,.2f}", f"{a:,.2f}", f"+{d:,.2f}"] for b, a, d in changes[["before", "after", "delta"]].to_numpy()],
                "colorbar": _colorbar("Access gained<br><sub>GP FTE per 10,000 need-weighted</sub>", None, None),
                "hovertemplate": _hover()}
    baseline = base.access * PER
    bounds = class_bounds(baseline, "quantiles")
    values = changes[mode].to_numpy()
    classes = np.searchsorted(bounds, values, side="left").clip(0, len(bounds) - 1)
    colours = classify(baseline, "quantiles", "low", 2)
    lower = np.concatenate([[min(baseline.min(), values.min())], bounds[:-1]])
    ticks = [f"{lo:,.2f} – {hi:,.2f}" for lo, hi in zip(lower, bounds, strict=True)]
    ticks[0] += " (bottom quintile)"
    return {"z": classes.tolist(), "colorscale": colours.colorscale, "zmin": -0.5, "zmax": len(bounds) - 0.5,
            "showscale": True,
            "customdata": [[f"{b:,.2f}", f"{a:,.2f}", f"+{d:,.2f}" if d > 0 else "no change"]
                           for b, a, d in changes[["before", "after", "delta"]].to_numpy()],
            "colorbar": _colorbar(f"E2SFCA access {MODES[mode].lower()}<br><sub>classes: baseline quintiles, per "
                                  "10,000</sub>", list(range(len(bounds))), ticks),
            "hovertemplate": _hover()}


def _colorbar(title: str, tickvals, ticktext) -> dict:
    bar = {"title": {"text": title, "side": "top"}, "len": 0.5, "thickness": 14, "x": 0.99, "xanchor": "right",
           "y": 0.97, "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)", "outlinewidth": 0,
           "tickfont": {"size": 11}}
    if tickvals is not None:
        bar.update(tickvals=tickvals, ticktext=ticktext)
    return bar


def _hover() -> str:
    return ("<b>%{text}</b><br>before %{customdata[0]}<br>after %{customdata[1]}<br>change %{customdata[2]}"
            "<br><sub>GP FTE per 10,000 need-weighted residents</sub><extra></extra>")


def map_updates(scenario: Scenario, mode: str, codes, pending: dict | None) -> dict:
    """Every trace's values for a scenario and map mode (slot -> {property: value})."""
    base = scenario.base
    practices = base.practices
    lat, lon = _lonlat(practices)
    valid = scenario.bids[scenario.bids["status"] == "ok"]
    site_lat, site_lon = _lonlat(valid) if len(valid) else ([], [])
    lifted = scenario.lsoa_changes().query("lifted")["lsoa11_code"].tolist() if mode != "before" else []
    pending_lat, pending_lon = _lonlat(pd.DataFrame([pending])) if pending else ([], [])
    return {
        "access": access_update(scenario, mode, codes),
        "lifted": {"locations": lifted, "z": [1] * len(lifted), "visible": bool(lifted)},
        "practices": {"lat": lat, "lon": lon, "customdata": practices[["practice_code", "practice_name", "gp_fte"]]
                      .assign(gp_fte=practices["gp_fte"].round(1)).to_numpy().tolist()},
        "sites": {"lat": site_lat, "lon": site_lon,  # no text labels: MapLibre would fetch glyphs from the web
                  "customdata": [f"<b>#{rank} {label}</b><br>{site}<br>+{fte:g} GP FTE" for rank, label, site, fte
                                 in valid[["rank", "label", "site", "added_gp_fte"]].to_numpy()]},
        "pending": {"lat": pending_lat, "lon": pending_lon, "text": [pending["text"]] if pending else [],
                    "visible": bool(pending)},
    }


def map_patch(updates: dict) -> dash.Patch:
    patch = dash.Patch()
    for slot, update in updates.items():
        for key, value in update.items():
            patch["data"][SLOT[slot]][key] = value
    return patch


def camera_for(scenario: Scenario) -> dict | None:
    """Centre on the valid sites (zoom by their spread), or None to leave the camera where the user put it."""
    valid = scenario.bids[scenario.bids["status"] == "ok"]
    if valid.empty:
        return None
    lat, lon = _lonlat(valid)
    # A map ~1,000 px wide at zoom z spans about 700 / 2^z degrees of longitude (512 px MapLibre tiles);
    # show the sites' spread with a margin, and at least ~8 km around a single site.
    span = max(np.ptp(lon) * 1.4, np.ptp(lat) * 2.2, 0.12)
    zoom = float(np.clip(np.log2(700 / span), 9.0, 13.0))
    return {"center": {"lat": float(np.mean(lat)), "lon": float(np.mean(lon))}, "zoom": round(zoom, 2)}


def pending_site(click: Mapping | None, base: BidBaseline) -> dict | None:
    """What a map click proposes: an uplift of a clicked practice, or a new site at a clicked LSOA's centroid."""
    points = (click or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    if point.get("curveNumber") == SLOT["practices"] and point.get("customdata"):
        code = point["customdata"][0]
        row = base.practices[base.practices["practice_code"] == code]
        if row.empty:
            return None
        return {"practice_code": code, "easting": float(row["easting"].iloc[0]),
                "northing": float(row["northing"].iloc[0]),
                "text": f"Uplift {code} {row['practice_name'].iloc[0]}".strip()}
    if point.get("curveNumber") == SLOT["access"] and point.get("location"):
        at = np.flatnonzero(base.lsoa_codes == point["location"])
        if not len(at):
            return None
        x, y = base.lsoa_xy[at[0]]
        return {"practice_code": "", "easting": round(float(x)), "northing": round(float(y)),
                "text": f"New site at the centre of {point.get('text') or point['location']} "
                        f"(E {x:,.0f}, N {y:,.0f})"}
    return None


def form_row(label, postcode, practice, fte, cost, pending: dict | None) -> dict | None:
    """The bid the 'Add a site' form describes: a practice code makes an uplift, else the postcode, else the
    pending map click (None when no site is given). A blank label is named after the site, so labels stay
    put when other bids are removed."""
    practice, postcode = (practice or "").strip().upper(), (postcode or "").strip().upper()
    row = {"added_gp_fte": "" if fte is None else str(fte), "cost": "" if cost in (None, "") else str(cost)}
    if practice:
        row.update(practice_code=practice, label=label or f"Uplift {practice}")
    elif postcode:
        row.update(postcode=postcode, label=label or postcode)
    elif pending and pending.get("easting") is not None:
        row.update(easting=str(pending["easting"]), northing=str(pending["northing"]),
                   label=label or f"Site E{pending['easting']:.0f} N{pending['northing']:.0f}")
    else:
        return None
    return clean_row(row)


# --------------------------------------------------------------------------- numbers

def summary_cards(scenario: Scenario) -> list:
    """The combined scenario in five figures, with the definitions one hover away."""
    s = scenario.summary
    interaction = s["interaction_lifted_need"]
    cards = [
        ("Bids scored", f"{s['bids_valid']:,} of {s['bids_total']:,}", f"{fmt(s['added_gp_fte'], 1)} GP FTE added",
         "Rows with status 'ok'; the others are listed with their reasons."),
        ("Lifted out of the bottom quintile", fmt(s["combined_lifted_need"]),
         f"sum of single bids {fmt(s['lifted_need_sum_of_singles'])} ({interaction:+,.0f} interaction)",
         f"Need-weighted residents of LSOAs at or below the baseline 20th percentile of access "
         f"({s['cut_per_10k']:.2f} per 10,000) before, and above it with all bids; the baseline bottom quintile "
         f"holds {s['bottom_quintile_need']:,.0f}."),
        ("Residents gaining access", fmt(s["combined_gainers_need"]),
         f"{fmt(s['combined_lsoas_gaining'])} LSOAs", "Need-weighted residents of LSOAs whose access rises."),
        ("FTE reaching the bottom quintile", fmt(s["combined_underserved_gain_fte"], 2),
         f"of {fmt(s['combined_access_gain_fte'], 2)} FTE reaching anyone",
         "Need-weighted access gained in bottom-quintile LSOAs, in GP FTE."),
        ("Persistent-poor LSOAs reached", fmt(s["combined_persistent_reached"]), s["persistence_note"].split(" = ")[-1],
         s["persistence_note"]),
    ]
    return [dbc.Col(dbc.Card(html.Div([
        html.Div(title, className="stat-title"), html.Div(value, className="stat-value"),
        html.Div(detail, className="stat-detail")], title=hover, className="card-body"), class_name="stat-card h-100"),
        xs=6, md=4, xl=True) for title, value, detail, hover in cards]


GRID_COLUMNS = [
    number_column("rank", "Rank", 0, minWidth=80, pinned="left"),
    {"field": "label", "headerName": "Bid", "pinned": "left", "minWidth": 150},
    {"field": "status", "headerName": "Status", "minWidth": 220, "wrapText": True, "autoHeight": True,
     "cellClassRules": {"text-danger": "params.value !== 'ok'"}},
    {"field": "site", "headerName": "Site", "minWidth": 150},
    number_column("added_gp_fte", "Added FTE", 1, minWidth=105),
    number_column("cost", "Cost £", 0, minWidth=110),
    number_column("objective_value", "Objective", 2, minWidth=115, headerTooltip="the chosen objective, bid alone"),
    number_column("objective_in_combination", "In combination", 2, minWidth=135,
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
    """The ranked table for download, spreadsheet-safe (layout.tables.safe_csv)."""
    return safe_csv(ranked_table(scenario))


def objective_options() -> list[dict]:
    return [{"label": objective.label, "value": key} for key, objective in OBJECTIVES.items()]


# --------------------------------------------------------------------------- one-page summary

def _figure_rows(bid: pd.Series, scenario: Scenario) -> list[tuple[str, str]]:
    objective = scenario.objective
    valid = scenario.bids["status"] == "ok"
    ranked = int(scenario.bids.loc[valid, "rank"].notna().sum())
    rank = f"{int(bid['rank'])} of {ranked}" if pd.notna(bid["rank"]) else "not ranked"
    share = bid["gainers_imd_1_2_share"]
    return [
        ("Rank", f"{rank} by {objective.label[0].lower()}{objective.label[1:]}"),
        ("Objective, alone / in combination",
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
        ("Nearest existing practice", f"{bid['nearest_practice_code']} at {fmt(bid['nearest_practice_m'])} m"),
        ("Need-weighted residents within reach (Gaussian-weighted)", fmt(bid["need_in_reach"])),
        ("Cost", "not given" if pd.isna(bid["cost"]) else f"£{bid['cost']:,.0f}"),
    ]


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


def gain_figure(scenario: Scenario, row: int, lsoa_url: str) -> dict:
    """Small map of the LSOAs gaining from one bid, centred on its site."""
    changes = scenario.lsoa_changes(row)
    gaining = changes[changes["delta"] > 0]
    bid = scenario.bids.set_index("row").loc[row]
    lat, lon = _lonlat(pd.DataFrame([bid]))
    return {"data": [
        {"type": "choroplethmap", "geojson": lsoa_url, "locations": gaining["lsoa11_code"].tolist(),
         "z": gaining["delta"].round(4).tolist(), "colorscale": GAIN_SCALE, "zmin": 0,
         "marker": {"line": {"width": 0.3, "color": "#666"}},
         "colorbar": {"title": {"text": "gain per 10,000", "side": "top"}, "thickness": 10, "len": 0.7},
         "hovertemplate": "%{location}: +%{z:.2f}<extra></extra>"},
        {"type": "scattermap", "lat": lat, "lon": lon, "mode": "markers", "marker": {"size": 14, "color": "#e7298a"},
         "hoverinfo": "skip", "showlegend": False}],
        "layout": {"map": {"style": basemap_style(), "center": {"lat": lat[0], "lon": lon[0]},
                           "zoom": 12.6 - np.log2(scenario.base.d0 / 1600)},
                   "height": 300, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "font": FONT}}


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
    print_href = f"{dash.get_relative_path('/bids')}{_with_param(query, focus=row, print=1)}"
    return html.Div([
        html.Div([html.H5(f"Bid summary: {bid['label']}", className="mb-0"),
                  html.A("Printable page", href=print_href, target="_blank", id="bids-print-link",
                         className="btn btn-sm btn-outline-secondary no-print")],
                 className="d-flex justify-content-between align-items-center"),
        html.Div(f"{kind}{where}; +{bid['added_gp_fte']:g} GP FTE; {s['fy']}, "
                 f"need weighting: {WEIGHT_LABELS.get(s['weights'], s['weights'])}, d0 {s['d0']:,.0f} m",
                 className="text-muted small mb-2"),
        dbc.Row([
            dbc.Col(html.Table(html.Tbody([html.Tr([html.Th(name, className="fw-normal text-muted pe-2"),
                                                    html.Td(value, className="fw-semibold")])
                                           for name, value in _figure_rows(bid, scenario)]),
                               className="table table-sm summary-table mb-1"), md=6),
            dbc.Col(dcc.Graph(figure=gain_figure(scenario, row, lsoa_url), config={"displayModeBar": False},
                              className="summary-map"), md=6),
        ], class_name="g-2"),
        dcc.Graph(figure=imd_figure(bid), config={"displayModeBar": False}),
        html.P([html.Strong("Method. "), definitions_text(scenario)], className="basis-footnote"),
        html.P([html.Strong("Basis. "), s["basis"], ". ", ATTRIBUTION], className="basis-footnote"),
    ], className="bid-summary", id="bids-summary-page")


def definitions_text(scenario: Scenario) -> str:
    s, objective = scenario.summary, scenario.objective
    return (f"Access = E2SFCA (GP FTE per 10,000 need-weighted residents within a Gaussian catchment of "
            f"{s['d0']:,.0f} m, straight line). A bid adds its FTE at the site; access changes only within d0. "
            f"Bottom quintile = LSOAs at or below the baseline 20th percentile of access ({s['cut_per_10k']:.2f} per "
            f"10,000), fixed for all bids. Lifted = need-weighted residents of LSOAs moved above it. Objective: "
            f"{objective.description}. 'In combination' = the bid's marginal effect given all the other bids "
            f"({s['bids_valid']} valid). {s['persistence_note'][:1].upper()}{s['persistence_note'][1:]}. "
            f"Closures/merges: {s['changes']}.")


def _with_param(query: str, **params) -> str:
    merged = dict(parse_qsl(query.lstrip("?"), keep_blank_values=True))
    merged.update({key: str(value) for key, value in params.items()})
    return "?" + urlencode(merged, safe=",>")


# --------------------------------------------------------------------------- layout

def _field(label: str, control, help_text: str | None = None) -> html.Div:
    children = [dbc.Label(label, class_name="small fw-semibold mb-1"), control]
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
        html.H6("Upload bids (CSV, up to 2 MB)", className="card-title"),
        dcc.Upload(id="bids-upload", children=html.Div(["Drop a CSV here or ", html.A("choose a file")]),
                   className="bids-upload", multiple=False),
        html.Div(["Columns: ", html.Code("label, postcode | easting,northing | lat,lon, added_gp_fte "
                                         "[, cost, practice_code]")], className="form-text"),
        html.Div(id="bids-upload-message", className="small mt-2"),
    ]), class_name="controls-card shadow-sm mb-2")


def _scenario_card(state: BidsView, options: ViewOptions) -> dbc.Card:
    view = state.view
    years = options.years[("e2sfca", "lsoa11")]
    lo, hi = options.d0_range
    return dbc.Card(dbc.CardBody([
        html.H6("Scenario", className="card-title"),
        _field("Year (NHS financial year)", dcc.Dropdown(
            id="bids-year", value=view.year, clearable=False, searchable=False,
            options=[{"label": fy_label(y), "value": y} for y in reversed(years)])),
        _field("Rank bids by", dcc.Dropdown(id="bids-objective", value=state.objective, clearable=False,
                                            searchable=False, options=objective_options())),
        _field("Need weighting", dbc.RadioItems(
            id="bids-weights", value=view.weights, class_name="small",
            options=[{"label": WEIGHT_LABELS.get(key, key), "value": key} for key in options.weightings])),
        _field("Catchment d0 (metres, straight line)", dbc.Input(
            id="bids-d0", type="number", min=lo, max=hi, step=100, value=view.d0, debounce=True, size="sm")),
        dbc.Label("Persistent = bottom quintile in", class_name="small fw-semibold mb-1"),
        dbc.InputGroup([dbc.Input(id="bids-k", type="number", min=1, max=len(years), step=1, value=view.k,
                                  debounce=True, html_size=2),
                        dbc.InputGroupText("of the last"),
                        dbc.Input(id="bids-n", type="number", min=1, max=len(years), step=1, value=view.n,
                                  debounce=True, html_size=2),
                        dbc.InputGroupText("years")], size="sm", class_name="mb-2"),
        _field("Close practices", dbc.Input(id="bids-close", value=state.close, placeholder="e.g. F84001, F84002",
                                            debounce=True, size="sm")),
        _field("Merge practices", dbc.Input(id="bids-merge", value=state.merge, placeholder="e.g. F84003>F84004",
                                            debounce=True, size="sm"),
               "FROM>INTO moves FROM's GP FTE to INTO. Bids are scored after closures and merges."),
    ]), class_name="controls-card shadow-sm mb-2")


def page(**url_params) -> html.Div:
    """The Bids page from its URL (see the module docstring for the parameters)."""
    options = view_options()
    state = parse_bids_view(url_params, options)
    query, too_long = bids_query(state)
    urls = geometry_urls("lsoa11", state.view.year)
    codes = named_layer("lsoa11").codes
    names = provision().lsoa.set_index("area_code")["area_name"].reindex(list(codes)).fillna("").tolist()
    stores = [dcc.Store(id="bids-store", data=list(state.bids)), dcc.Store(id="bids-base", data=query),
              dcc.Store(id="bids-focus", data=state.focus), dcc.Store(id="bids-click"),
              dcc.Download(id="bids-download")]
    shown = list(state.notices) + ([too_long] if too_long else [])
    notice = notices(state.view.with_(notices=tuple(shown)))
    cards = html.Div(id="bids-cards-row", children=dbc.Row(id="bids-cards", class_name="g-2 mb-2"))
    map_height = "calc(100vh - 90px)" if state.view.embed else MAP_HEIGHT
    map_card = dbc.Card(dbc.CardBody([
            html.Div([dbc.RadioItems(id="bids-mode", value="after", inline=True, class_name="small",
                                     options=[{"label": label, "value": key} for key, label in MODES.items()]),
                      html.Span(id="bids-mode-help", className="small text-muted ms-2")],
                     className="d-flex align-items-center mb-1 no-print"),
            dcc.Graph(id="bids-map", className="bids-map", config=MAP_CONFIG, style={"height": map_height},
                      figure=map_figure(urls["lsoa"], urls["borough"], codes, names)),
            html.Div(id="bids-footnote", className="basis-footnote"),
            html.Ul(id="bids-notes", className="map-notes small text-warning"),
        ]), class_name="shadow-sm mb-2")
    table = dbc.Card(dbc.CardBody([
            html.Div([html.H6("Ranked bids", className="card-title mb-0 me-auto"),
                      dbc.Button("⤓ Ranked CSV", id="bids-download-csv", size="sm", color="secondary", outline=True,
                                 class_name="me-1"),
                      dbc.Button("Remove selected", id="bids-remove", size="sm", color="secondary", outline=True,
                                 class_name="me-1"),
                      dbc.Button("Clear all", id="bids-clear", size="sm", color="danger", outline=True,
                                 class_name="me-1"),
                      html.A("⧉ Permalink", id="bids-permalink", href=query,
                             className="btn btn-sm btn-outline-secondary")],
                     className="d-flex align-items-center mb-2 no-print"),
            grid("bids-grid", [], GRID_COLUMNS, height="340px",
                 rowSelection={"mode": "singleRow", "enableClickSelection": True}),
            html.Div("Select a row for its one-page summary below. Bids with a status other than 'ok' are not scored; "
                     "fix them in the CSV and upload again.", className="form-text no-print"),
        ]), class_name="shadow-sm mb-2 no-print")
    summary = dbc.Card(dbc.CardBody(html.Div(id="bids-summary")), class_name="shadow-sm mb-2 bids-summary-card")
    controls = [_add_card(), _upload_card(), _scenario_card(state, options)]
    if state.view.print:  # the one-page summary of the focused bid
        return html.Div(stores + [html.Div(controls + [cards, map_card, table], hidden=True), notice, summary],
                        className="bids-view print-view")
    if state.view.embed:  # the map and its footnote only, for an iframe
        return html.Div(stores + [html.Div(controls + [cards, table, summary], hidden=True), notice, map_card],
                        className="bids-view")
    return html.Div(stores + [notice, dbc.Row([
        dbc.Col(controls, xs=12, lg=3, class_name="controls-column"),
        dbc.Col([html.Div([cards, map_card, table], className="bids-work"), summary], xs=12, lg=9),
    ], class_name="g-3")], className="bids-view")

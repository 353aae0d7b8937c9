"""Bids page maps: the main map's fixed frame and the values a scenario patches into it, the camera, what a
click proposes, and the small map of one bid's gains."""
from __future__ import annotations

from collections.abc import Mapping

import dash
import numpy as np
import pandas as pd
from plotly.colors import sample_colorscale

from geo.access import PER
from geo.bids import BidBaseline, Scenario
from geo.classes import class_bounds
from geo.params import DEFAULT_PARAMS
from geo.search import to_lonlat
from layout.charts import FONT
from layout.classes import classify
from layout.figure_text import plotly_text
from layout.geometry import FEATURE_ID_KEY
from layout.mapfig import LONDON_CENTRE, LONDON_ZOOM, TRANSPARENT, basemap_style, map_config

MODES = {"before": "Before", "after": "After", "delta": "Change"}
SLOTS = ("access", "lifted", "practices", "sites", "pending")
SLOT = {name: i for i, name in enumerate(SLOTS)}
GAIN_SHADES = [[0, "#e5f5e0"], [0.5, "#74c476"], [1, "#00441b"]]  # access gained, from the least to the most
GAIN_SCALE = [[0, "rgba(0,0,0,0)"], [1e-9, GAIN_SHADES[0][1]], *GAIN_SHADES[1:]]  # no change: not drawn
# The areas' geometry is not Plotly's to draw (assets/bids_map.js draws it from the file named in layout.meta):
# the choropleth traces keep the values, hover text, colour bar and legend entry with no features of their own.
NO_FEATURES = {"type": "FeatureCollection", "features": []}
DEFAULT_CATCHMENT_ZOOM = 12.6  # the small gain map shows the default d0 around a site; one zoom out per doubling
MAP_CONFIG = map_config("gp-atlas_bids")


def _lonlat(frame: pd.DataFrame) -> tuple[list, list]:
    lon, lat = to_lonlat(frame["easting"].to_numpy(dtype=float), frame["northing"].to_numpy(dtype=float))
    return np.round(lat, 5).tolist(), np.round(lon, 5).tolist()


def map_figure(lsoa_url: str, borough_url: str, codes, names) -> dict:
    """The Bids map's fixed frame: the LSOA access values and lifted areas, practices, sites, pending pin.

    The LSOAs themselves are drawn by assets/bids_map.js, as MapLibre layers over the geometry file named in
    `layout.meta.areas`, coloured by feature-state from the access trace's `meta.colours` (Plotly would hand
    MapLibre the whole GeoJSON, about 3 MB, to tessellate again for each scenario, and draw every LSOA edge in
    every frame). Values arrive later as a Patch from `map_updates`.
    """
    traces = [
        {"type": "choroplethmap", "name": "access", "geojson": NO_FEATURES, "featureidkey": FEATURE_ID_KEY,
         "locations": list(codes), "text": list(names),
         "z": [0] * len(codes), "colorscale": TRANSPARENT, "showscale": False, "showlegend": False,
         "marker": {"line": {"width": 0.2, "color": "rgba(80,80,80,0.35)"}}},
        # the lifted areas' codes (meta.codes) and their outline's style; a line trace with one empty point, for
        # its legend entry (the legend leaves out a trace with no points)
        {"type": "scattermap", "name": "Lifted out of the bottom quintile", "mode": "lines", "lat": [None],
         "lon": [None],
         "meta": {"codes": []}, "line": {"color": "#0571b0", "width": 2.5}, "hoverinfo": "skip", "visible": False},
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
              "paper_bgcolor": "white", "font": FONT, "meta": {"areas": lsoa_url}}
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
                "meta": {"colours": gain_colours(gain / top)},
                "customdata": [
            [f"{b:,.2f}", f"{a:,.2f}", f"+{d:,.2f}"] for b, a, d in changes[["before", "after", "delta"]].to_numpy()],
                "colorbar": _colorbar("Access gained<br><sub>GP FTE per 10,000 need-weighted</sub>", None, None),
                "hovertemplate": _hover()}
    values = changes[mode].to_numpy()
    classes, ticks = baseline_classes(scenario, values)
    colours = classify(base.access * PER, "quantiles", "low", 2)
    return {"z": classes.tolist(), "colorscale": colours.colorscale, "zmin": -0.5, "zmax": len(ticks) - 0.5,
            "showscale": True, "meta": {"colours": [colours.palette[c] for c in classes]},
            "customdata": [[f"{b:,.2f}", f"{a:,.2f}", f"+{d:,.2f}" if d > 0 else "no change"]
                           for b, a, d in changes[["before", "after", "delta"]].to_numpy()],
            "colorbar": _colorbar(f"E2SFCA access {MODES[mode].lower()}<br><sub>classes: baseline quintiles, per "
                                  "10,000</sub>", list(range(len(ticks))), ticks),
            "hovertemplate": _hover()}


def gain_colours(share: np.ndarray) -> list[str | None]:
    """Each area's colour on GAIN_SCALE for its gain as a share of the largest (None, not drawn, for none)."""
    shades = sample_colorscale(GAIN_SHADES, np.clip(np.nan_to_num(share), 0, 1).tolist(), colortype="tuple")
    return [f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}" if gain > 0 else None
            for (r, g, b), gain in zip(shades, share, strict=True)]


def baseline_classes(scenario: Scenario, values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Each access value's class among the *baseline* quintiles (per 10,000), and the classes' text (the first
    marked as the bottom quintile): before and after are classed alike, so a class change means a real change."""
    baseline = scenario.base.access * PER
    bounds = class_bounds(baseline, "quantiles")
    classes = np.searchsorted(bounds, values, side="left").clip(0, len(bounds) - 1)
    lower = np.concatenate([[min(baseline.min(), values.min())], bounds[:-1]])
    ticks = [f"{lo:,.2f} – {hi:,.2f}" for lo, hi in zip(lower, bounds, strict=True)]
    ticks[0] += " (bottom quintile)"
    return classes, ticks


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
        "lifted": {"meta": {"codes": lifted}, "visible": bool(lifted)},
        "practices": {"lat": lat, "lon": lon, "customdata": [
            [code, plotly_text(name) if isinstance(name, str) else "", fte] for code, name, fte in zip(
                practices["practice_code"].tolist(), practices["practice_name"].tolist(),
                practices["gp_fte"].round(1).tolist(), strict=True)]},
        "sites": {"lat": site_lat, "lon": site_lon,  # no text labels: MapLibre would fetch glyphs from the web
                  "customdata": [f"<b>#{rank} {plotly_text(label)}</b><br>{plotly_text(site)}<br>+{fte:g} GP FTE"
                                 for rank, label, site, fte in valid[["rank", "label", "site", "added_gp_fte"]]
                                 .to_numpy()]},
        "pending": {"lat": pending_lat, "lon": pending_lon, "text": [plotly_text(pending["text"])] if pending else [],
                    "visible": bool(pending)},
    }


def with_updates(figure: dict, updates: dict) -> dict:
    """The map's frame with a scenario's values in it (a first view travels whole; later ones as `map_patch`)."""
    for slot, update in updates.items():
        figure["data"][SLOT[slot]].update(update)
    return figure


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


def gain_figure(scenario: Scenario, row: int, lsoa_url: str) -> dict:
    """Small map of the LSOAs gaining from one bid, centred on its site."""
    changes = scenario.lsoa_changes(row)
    gaining = changes[changes["delta"] > 0]
    bid = scenario.bids.set_index("row").loc[row]
    lat, lon = _lonlat(pd.DataFrame([bid]))
    return {"data": [
        {"type": "choroplethmap", "geojson": lsoa_url, "featureidkey": FEATURE_ID_KEY,
         "locations": gaining["lsoa11_code"].tolist(),
         "z": gaining["delta"].round(4).tolist(), "colorscale": GAIN_SCALE, "zmin": 0,
         "marker": {"line": {"width": 0.3, "color": "#666"}},
         "colorbar": {"title": {"text": "gain per 10,000", "side": "top"}, "thickness": 10, "len": 0.7},
         "hovertemplate": "%{location}: +%{z:.2f}<extra></extra>"},
        {"type": "scattermap", "lat": lat, "lon": lon, "mode": "markers", "marker": {"size": 14, "color": "#e7298a"},
         "hoverinfo": "skip", "showlegend": False}],
        "layout": {"map": {"style": basemap_style(), "center": {"lat": lat[0], "lon": lon[0]},
                           "zoom": DEFAULT_CATCHMENT_ZOOM - np.log2(scenario.base.params.d0 / DEFAULT_PARAMS.d0)},
                   "height": 300, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "font": FONT}}


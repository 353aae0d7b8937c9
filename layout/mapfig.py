"""The explore map as a plain Plotly figure dict, and the Patch that updates it in place.

The figure has a fixed list of traces (`TRACES`): the choropleth, then the
overlays. Every view change is expressed as *updates*: {trace slot: {property:
value}} plus layout properties. A new map (first render, or a level whose
geometry differs) merges the updates into the trace templates; any other
change sends only the updates as a `dash.Patch`, so a measure, year or
weighting switch moves the z-values, hover data and legend, never geometry
(which the figure only names by URL; see layout/geometry.py).

Figures are dicts, not `go.Figure`s: validating 4,835-element arrays on every
switch costs more than the whole budget; tests/test_layout_mapfig.py checks
the dicts against Plotly's schema instead.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
from dash import Patch

from layout.classes import Classing

TRACES = ("choropleth", "boroughs", "pcn", "persistent", "poor_cluster", "good_cluster", "selected", "practices",
          "pin")
SLOT = {name: i for i, name in enumerate(TRACES)}
LONDON_CENTRE = {"lat": 51.4905, "lon": -0.1115}
LONDON_ZOOM = 8.9
TRANSPARENT = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]
OUTLINES = {  # slot -> (legend name, line colour, width)
    "boroughs": ("Borough boundaries", "#595959", 0.9),
    "pcn": ("PCN catchments", "#4d4d4d", 1.1),
    "persistent": ("Persistent poor provision", "#08306b", 1.6),
    "poor_cluster": ("Poor-provision cluster (Gi*)", "#7b3294", 1.8),
    "good_cluster": ("Good-provision cluster (Gi*)", "#1a9850", 1.8),
    "selected": ("Selected area", "#00a6d6", 3.5),
}
MAP_WIDTH = 0.78  # share of the figure the map takes; the colour legend sits in the rest, off the map
PRACTICE_SCALE = "Blues"
ATTRIBUTION = ("Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data © Royal Mail "
               "copyright and database right 2025; Contains National Statistics data © Crown copyright and database "
               "right 2025. NHS data: OGL v3.0.")


# A self-contained MapLibre style: nothing to fetch, so the map draws offline and behind NHS proxies.
# plotly.js places choropleths just above the first layer whose id starts with 'water' (below the next base
# layer) and points above everything; the two invisible anchor layers reproduce that order here, so practice
# dots and the search pin are drawn over the areas.
OFFLINE_STYLE = {"version": 8, "name": "atlas-offline", "sources": {"none": {"type": "geojson", "data": {
    "type": "FeatureCollection", "features": []}}}, "layers": [
    {"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}},
    {"id": "water-anchor", "type": "background", "paint": {"background-opacity": 0}},
    {"id": "labels-anchor", "type": "background", "paint": {"background-opacity": 0}},
]}


def basemap_style():
    """The self-contained style, unless GP_ATLAS_BASEMAP names a Plotly style (e.g. 'carto-positron' where
    tiles can be fetched, for street context)."""
    return os.environ.get("GP_ATLAS_BASEMAP") or OFFLINE_STYLE


def wrap(text: str, width: int = 150, separator: str = "; ") -> str:
    """Break a long line at `separator` into <br>-separated lines of about `width` characters (SVG text
    does not wrap by itself)."""
    lines, current = [], ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if current and len(candidate) > width:
            lines.append(current + separator.rstrip())
            current = part
        else:
            current = candidate
    return "<br>".join(lines + [current])


def choropleth_update(classing: Classing, values: np.ndarray, ranks: pd.Series, decimals: int, unit: str,
                      colorbar_title: str) -> dict:
    """z, hover data and legend of the choropleth for one set of area values (in layer order)."""
    shown = [f"{v:,.{decimals}f}" if np.isfinite(v) else "no data" for v in values]
    ranked = [str(int(r)) if pd.notna(r) else "–" for r in ranks]
    count = int(np.isfinite(values).sum())
    colorbar = {"title": {"text": colorbar_title, "side": "top"}, "tickvals": classing.tickvals,
                "ticktext": classing.ticktext, "len": 0.6, "thickness": 16, "x": MAP_WIDTH + 0.01, "xanchor": "left",
                "y": 0.97, "yanchor": "top", "outlinewidth": 0,
                "tickfont": {"size": 11}}
    return {"z": classing.z, "customdata": [list(pair) for pair in zip(shown, ranked)],
            "colorscale": classing.colorscale, "zmin": classing.zmin, "zmax": classing.zmax, "colorbar": colorbar,
            "hovertemplate": f"<b>%{{text}}</b><br>%{{customdata[0]}} {unit}<br>London rank %{{customdata[1]}} "
                             f"of {count:,} (1 = poorest)<extra></extra>"}


def outline_update(codes, visible: bool = True, url: str | None = None) -> dict:
    """An outline overlay: which areas, and (for the PCN layer) which geometry file."""
    codes = list(codes) if visible else []
    update = {"locations": codes, "z": [1] * len(codes), "visible": bool(visible and codes)}
    if url is not None:
        update["geojson"] = url
    return update


def practices_update(points: pd.DataFrame | None) -> dict:
    """GP practices layer: size = list size, colour = patients per GP FTE (grey where FTE not reported)."""
    if points is None or points.empty:
        return {"lat": [], "lon": [], "customdata": [], "marker.size": [], "marker.color": [], "visible": False}
    size = 5 + 13 * np.sqrt(points["list_size"].fillna(0).clip(lower=0) / max(points["list_size"].max(), 1))
    return {
        "lat": points["lat"].round(5).tolist(), "lon": points["lon"].round(5).tolist(),
        "customdata": [[code, str(name).title(), pcn if isinstance(pcn, str) else "–", _number(size),
                        _number(fte, 1) if reported else "not reported", _number(ratio)]
                       for code, name, pcn, size, fte, reported, ratio in zip(
                           points["practice_code"], points["practice_name"].fillna(points["practice_code"]),
                           points["pcn_name"], points["list_size"], points["gp_fte"], points["fte_reported"],
                           points["patients_per_gp_fte"])],
        "marker.size": size.round(1).tolist(),
        "marker.color": [None if pd.isna(v) else round(float(v)) for v in points["patients_per_gp_fte"]],
        "visible": True,
    }


def _number(value, decimals: int = 0) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.{decimals}f}"


def pin_update(lat: float | None, lon: float | None, label: str = "") -> dict:
    if lat is None or lon is None:
        return {"lat": [], "lon": [], "text": [], "visible": False}
    return {"lat": [lat], "lon": [lon], "text": [label], "visible": True}


def _outline_trace(slot: str, url: str) -> dict:
    name, colour, width = OUTLINES[slot]
    return {"type": "choroplethmap", "name": f"<span style='color:{colour}'>▬</span> {name}", "geojson": url,
            "locations": [], "z": [],
            "colorscale": TRANSPARENT, "showscale": False, "showlegend": True, "hoverinfo": "skip",
            "marker": {"line": {"color": colour, "width": width}}, "visible": False}


def map_figure(urls: dict[str, str], codes, names, updates: dict[str, dict], layout_update: dict,
               borough_codes, camera: dict | None = None) -> dict:
    """A complete explore map: trace templates with `updates` merged in.

    urls: geometry URLs of the mapped 'layer', the 'lsoa' layer (clusters), the 'borough' layer
    (boundaries drawn on top for orientation; a trace, so its geometry is fetched once) and the year's
    'pcn' catchments.
    """
    layer_url = urls["layer"]
    traces = [
        {"type": "choroplethmap", "name": "areas", "geojson": layer_url, "locations": list(codes),
         "text": list(names), "marker": {"line": {"width": 0.3, "color": "rgba(80,80,80,0.45)"}},
         "showlegend": False},
        {**_outline_trace("boroughs", urls["borough"]), **outline_update(borough_codes), "showlegend": False},
        _outline_trace("pcn", urls["pcn"]),
        _outline_trace("persistent", layer_url),
        _outline_trace("poor_cluster", urls["lsoa"]),
        _outline_trace("good_cluster", urls["lsoa"]),
        _outline_trace("selected", layer_url),
        {"type": "scattermap", "name": "GP practices (size = list)", "mode": "markers", "lat": [], "lon": [],
         "marker": {"size": [], "color": [], "colorscale": PRACTICE_SCALE, "cmin": 1000, "cmax": 4000,
                    "showscale": True, "colorbar": {
                        "title": {"text": "GP practices:<br>patients per GP FTE", "side": "top"},
                        "orientation": "h", "len": 0.19, "thickness": 10, "x": MAP_WIDTH + 0.01, "xanchor": "left",
                        "y": 0.22, "yanchor": "bottom", "tickfont": {"size": 10}}},
         "hovertemplate": "<b>%{customdata[1]}</b> (%{customdata[0]})<br>PCN: %{customdata[2]}<br>"
                          "List: %{customdata[3]}<br>GP FTE: %{customdata[4]}<br>Patients per GP FTE: "
                          "%{customdata[5]}<extra></extra>", "visible": False},
        {"type": "scattermap", "name": "Search result", "mode": "markers", "lat": [], "lon": [], "text": [],
         "marker": {"size": 16, "color": "#e7298a"}, "hovertemplate": "%{text}<extra></extra>", "visible": False},
    ]
    for slot, update in updates.items():
        _merge(traces[SLOT[slot]], update)
    camera = camera or {}
    layout = {
        "map": {"style": basemap_style(), "zoom": camera.get("zoom", LONDON_ZOOM), "domain": {"x": [0, MAP_WIDTH]},
                "center": {"lat": camera.get("lat", LONDON_CENTRE["lat"]), "lon": camera.get("lon", LONDON_CENTRE["lon"])}},
        "margin": {"l": 0, "r": 0, "t": 34, "b": 0}, "uirevision": "explore", "clickmode": "event",
        "legend": {"x": 0.01, "y": 0.99, "xanchor": "left", "yanchor": "top", "bgcolor": "rgba(255,255,255,0.85)",
                   "font": {"size": 11}},
        "paper_bgcolor": "white", "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"},
    }
    _merge(layout, layout_update)
    return {"data": traces, "layout": layout}


def map_patch(updates: dict[str, dict], layout_update: dict) -> Patch:
    """The same updates as a Patch: only the named properties travel."""
    patch = Patch()
    for slot, update in updates.items():
        _assign(patch["data"][SLOT[slot]], update)
    _assign(patch["layout"], layout_update)
    return patch


def _assign(target: Patch, update: dict) -> None:
    for key, value in update.items():
        *path, last = key.split(".")
        node = target
        for part in path:
            node = node[part]
        node[last] = value


def titles(title: str, basis: str) -> dict:
    """Layout title and the footnote carrying basis and attribution (so a PNG export states both)."""
    return {"title": {"text": title, "x": 0.01, "xanchor": "left", "y": 0.985, "font": {"size": 15}},
            "annotations": [{"text": wrap(basis) + "<br>" + wrap(ATTRIBUTION, 170), "showarrow": False,
                             "xref": "paper", "yref": "paper", "x": 0.0, "y": 0.0, "xanchor": "left",
                             "yanchor": "bottom", "align": "left", "font": {"size": 9, "color": "#444"},
                             "bgcolor": "rgba(255,255,255,0.8)"}]}


def _merge(target: dict, update: dict) -> None:
    """Set dotted keys ('marker.size') and plain keys of `update` into `target`."""
    for key, value in update.items():
        *path, last = key.split(".")
        node = target
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value

"""The explore map as a plain Plotly figure dict, its Patch, and the paint the browser colours areas with.

The figure has a fixed list of traces (`TRACES`). Plotly draws the basemap,
the practices and the search pin, the title and the footnote; every view
change is expressed as *updates*: {trace slot: {property: value}} plus layout
properties. A new map (first render, or a level whose geometry differs)
merges the updates into the trace templates; any other change sends only the
updates as a `dash.Patch`.

The areas and every outline over them (boroughs, PCNs, persistent, clusters,
selected) are not Plotly traces in the live map: restyling a 4,835-polygon
choropleth makes Plotly hand MapLibre the whole GeoJSON again (~2 s of
re-tessellation in software WebGL), any data change to *any* trace does the
same, and each outline trace also draws an invisible fill in every frame.
Instead assets/explore_map.js draws them as MapLibre layers from the same
geometry files and recolours them with feature-state, from the measure cube
(every year's colours, layout/explore_cube.py) and `paint_update` (what the
server decides: geometry, outlines, cube URLs). The outline traces stay in
the figure as empty, hidden templates: the script takes each outline's
style from its template, and the slot numbers order them.

Figures are dicts, not `go.Figure`s: validating 4,835-element arrays on every
switch costs more than the whole budget; tests/test_layout_pure.py checks
the dicts against Plotly's schema instead.
"""
from __future__ import annotations

import json
import os
from typing import NamedTuple
from urllib.parse import quote

import numpy as np
import pandas as pd
from dash import Patch

from data.licences import SHORT_ATTRIBUTION
from layout.figure_text import plotly_text
from layout.geometry import FEATURE_ID_KEY, OVERVIEW_BELOW_ZOOM

TRACES = ("choropleth", "boroughs", "pcn", "persistent", "poor_cluster", "good_cluster", "main_pcn", "selected",
          "practices", "pin")
SLOT = {name: i for i, name in enumerate(TRACES)}
LONDON_CENTRE = {"lat": 51.4905, "lon": -0.1115}
LONDON_ZOOM = 8.9
TRANSPARENT = [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]]


def map_config(filename: str, **image_size) -> dict:
    """A map's Plotly config: no logo, wheel zoom, no selection tools, a 2x PNG named `filename`."""
    return {"displaylogo": False, "scrollZoom": True, "responsive": True,
            "modeBarButtonsToRemove": ["select2d", "lasso2d"],
            "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2, **image_size}}


# Fixed for the page's life: a changed config makes Plotly rebuild the whole map. The PNG's file name comes
# with each view's paint instead (assets/explore_map.js takes over the camera button).
MAP_CONFIG = map_config("gp-atlas", width=1400, height=1000)


class Outline(NamedTuple):
    name: str      # legend entry
    colour: str
    width: float
    geometry: str  # a key of map_figure's urls
    # Line pattern, so an outline is told by its pattern as well as its colour (WCAG 1.4.1): MapLibre's
    # line-dasharray, in line widths (dash, gap, ...); () = solid; a 0-length dash with round caps is a dot.
    dash: tuple[float, ...] = ()
    # A wider line under it in a contrasting colour, so the outline keeps 3:1 against every fill (WCAG 1.4.11):
    # the line itself against pale fills, the casing against dark ones ('' = none).
    casing: str = ""


# Dark lines (relative luminance <= 0.06) on a white casing, or the selected area's light line on a dark one:
# either the line or its casing then has 3:1 against every fill, pale, mid (orange, 'no data' grey) or dark red
# (tests/test_layout_outlines.py), and the outlines differ by pattern and width rather than by hue.
CASING_LIGHT, CASING_DARK = "#ffffff", "#1a1a1a"
CASING_PAD = 1.0  # px of casing either side of the line
SOLID, DASHED, DOTTED, DASH_DOT = (), (3.0, 1.5), (0.0, 2.0), (4.0, 1.5, 0.0, 1.5)
OUTLINES = {  # trace slot -> style
    "boroughs": Outline("Borough boundaries", "#595959", 0.9, "borough"),
    "pcn": Outline("PCN catchments", "#333333", 1.1, "pcn", SOLID, CASING_LIGHT),
    "persistent": Outline("Persistent poor provision", "#08306b", 2.2, "layer", SOLID, CASING_LIGHT),
    "poor_cluster": Outline("Poor-provision cluster (Gi*)", "#3f007d", 2.0, "lsoa", DASHED, CASING_LIGHT),
    "good_cluster": Outline("Good-provision cluster (Gi*)", "#00441b", 2.6, "lsoa", DOTTED, CASING_LIGHT),
    "main_pcn": Outline("Main PCN of the selected area", "#7a0177", 2.5, "pcn", DASH_DOT, CASING_LIGHT),
    "selected": Outline("Selected area", "#7fdbff", 3.5, "layer", SOLID, CASING_DARK),
}
PAINTED = tuple(OUTLINES)  # all drawn by assets/explore_map.js, not Plotly
AREA_LINE = {"width": 0.3, "color": "rgba(80,80,80,0.45)"}  # area outlines in the PNG
# The live map draws area outlines as the edge of the fill's own antialiasing pass (1 px, cheaper than a line
# layer over 4,835 LSOAs), and only from a zoom where they help: at London scale LSOA outlines are a grey haze
# over the colours, and below that zoom the antialiasing pass is off (assets/explore_map.js drawAreas).
AREA_EDGE = "rgba(60,60,60,0.35)"
OUTLINE_FROM_ZOOM = {"lsoa11": 10.5}
MAP_WIDTH = 0.78  # share of the figure the map takes; the colour legend sits in the rest, off the map
PRACTICE_SCALE = "Blues"

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


# Handed to Plotly as a data: URL (MapLibre fetches it like any style URL, without a request): dcc.Graph
# deep-copies the layout on every update, and Plotly compares an object-valued style by identity, so a style
# *object* makes every Patch, even of the title, re-plot every trace; a string compares by value.
OFFLINE_STYLE_URL = "data:application/json," + quote(json.dumps(OFFLINE_STYLE, separators=(",", ":")))


def basemap_style() -> str:
    """The self-contained style, unless GP_ATLAS_BASEMAP names a Plotly style (e.g. 'carto-positron' where
    tiles can be fetched, for street context)."""
    return os.environ.get("GP_ATLAS_BASEMAP") or OFFLINE_STYLE_URL


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


def paint_update(urls: dict[str, str], outlines: dict[str, list], level: str, cubes: dict[str, str],
                 legend: dict) -> dict:
    """What assets/explore_map.js draws besides the measure cube (see layout/explore_cube.py).

    layer: geometry URL of the mapped areas (features keyed by their `code` property); overview: the URL of
    their coarser copy, drawn below zoom `below` (layout/geometry.py), or None; cube, hotspots: the
    cube URL templates the browser fills the measure into; outline: area edges' colour and the zoom they
    show from; outlines: {trace slot: {url, codes}} for every PAINTED outline, with the codes the server
    decides (boroughs, PCN catchments, the selected area) and none for those the cubes decide (persistent,
    clusters); slots: each outline's slot by name; legend: the legend's outline rows (slot -> component;
    'selected' carries its own id). The area names travel in the geometry files (layout/geometry.py).
    """
    return {
        "layer": urls["layer"], **cubes,
        "overview": {"url": urls["overview"], "below": OVERVIEW_BELOW_ZOOM} if urls.get("overview") else None,
        "outline": {"colour": AREA_EDGE, "zoom": OUTLINE_FROM_ZOOM.get(level, 0.0)},
        "outlines": {str(SLOT[name]): {"url": urls[OUTLINES[name].geometry],
                                       "codes": list(outlines.get(name, []))} for name in PAINTED},
        "slots": {name: str(SLOT[name]) for name in PAINTED}, "legend": legend,
    }


def paint_patch(paint: dict) -> Patch:
    """The paint as a Patch of the store."""
    patch = Patch()
    _assign(patch, paint)
    return patch


def outline_patch(outlines: dict[str, list]) -> Patch:
    """PAINTED outlines' new codes (slot -> codes), as a Patch of the paint store (a click outlines its area and
    its main PCN)."""
    patch = Patch()
    for slot, codes in outlines.items():
        patch["outlines"][str(SLOT[slot])]["codes"] = list(codes)
    return patch


def practices_update(points: pd.DataFrame | None) -> dict:
    """GP practices layer: size = list size, colour = patients per GP FTE (grey where FTE not reported)."""
    if points is None or points.empty:
        return {"lat": [], "lon": [], "customdata": [], "marker.size": [], "marker.color": [], "visible": False}
    size = 5 + 13 * np.sqrt(points["list_size"].fillna(0).clip(lower=0) / max(points["list_size"].max(), 1))
    return {
        "lat": points["lat"].round(5).tolist(), "lon": points["lon"].round(5).tolist(),
        "customdata": [[code, str(name), pcn if isinstance(pcn, str) else "–", _number(size),
                        _number(fte, 1) if reported else "not reported", _number(ratio)]
                       for code, name, pcn, size, fte, reported, ratio in zip(
                           points["practice_code"], points["practice_name"].fillna(points["practice_code"]),
                           points["pcn_name"], points["list_size"], points["gp_fte"], points["fte_reported"],
                           points["patients_per_gp_fte"], strict=True)],
        "marker.size": size.round(1).tolist(),
        "marker.color": [None if pd.isna(v) else round(float(v)) for v in points["patients_per_gp_fte"]],
        "visible": True,
    }


def _number(value, decimals: int = 0) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.{decimals}f}"


def pin_update(lat: float | None, lon: float | None, label: str = "") -> dict:
    if lat is None or lon is None:
        return {"lat": [], "lon": [], "text": [], "visible": False}
    return {"lat": [lat], "lon": [lon], "text": [plotly_text(label)], "visible": True}


def _outline_trace(slot: str, urls: dict[str, str]) -> dict:
    """An outline's hidden template: assets/explore_map.js takes its colour and width from `marker.line`,
    assets/explore_outlines.js its pattern and casing from `meta`."""
    name, colour, width, geometry, dash, casing = OUTLINES[slot]
    return {"type": "choroplethmap", "name": f"<span style='color:{colour}'>▬</span> {name}",
            "geojson": urls[geometry], "featureidkey": FEATURE_ID_KEY,
            "locations": [], "z": [],
            "colorscale": TRANSPARENT, "showscale": False, "showlegend": True, "hoverinfo": "skip",
            "marker": {"line": {"color": colour, "width": width}}, "visible": False,
            "meta": {"dash": list(dash), "casing": casing, "casing_width": width + 2 * CASING_PAD if casing else 0}}


def map_figure(urls: dict[str, str], updates: dict[str, dict], layout_update: dict, camera: dict | None = None) -> dict:
    """A complete explore map: trace templates with `updates` merged in.

    urls: geometry URLs of the mapped 'layer', the 'lsoa' layer (clusters), the 'borough' layer
    (boundaries drawn on top for orientation) and the year's 'pcn' catchments, which the choropleth and
    PAINTED outline templates name for the PNG export (see the module note).
    """
    traces = [
        {"type": "choroplethmap", "name": "areas", "geojson": urls["layer"], "featureidkey": FEATURE_ID_KEY,
         "locations": [], "z": [],
         "marker": {"line": AREA_LINE}, "showlegend": False, "hoverinfo": "skip", "visible": False},
        {**_outline_trace("boroughs", urls), "showlegend": False},
        _outline_trace("pcn", urls),
        _outline_trace("persistent", urls),
        _outline_trace("poor_cluster", urls),
        _outline_trace("good_cluster", urls),
        _outline_trace("main_pcn", urls),
        _outline_trace("selected", urls),
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
                "center": {"lat": camera.get("lat", LONDON_CENTRE["lat"]),
                           "lon": camera.get("lon", LONDON_CENTRE["lon"])}},
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
            "annotations": [{"text": wrap(basis) + "<br>" + wrap(SHORT_ATTRIBUTION, 170), "showarrow": False,
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

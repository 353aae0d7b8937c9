"""Chart figures (plain dicts): trends, distributions over years, practice histories and small maps.

Every chart's title or footnote names the measure and unit; x axes use NHS
financial-year labels (FY2023/24) because that is what a year label means
(data/years.py).
"""
from __future__ import annotations

import pandas as pd

from data.years import fy_label
from layout.geometry import FEATURE_ID_KEY
from layout.mapfig import basemap_style

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12}
AREA_COLOUR, MEDIAN_COLOUR, LONDON_COLOUR = "#b2182b", "#636363", "#2166ac"
WHISKERS = (0.05, 0.95)
# distribution whiskers: 5th and 95th percentiles (stated in the legend)
BLUES = [[0, "#deebf7"], [0.5, "#6baed6"], [1, "#08306b"]]


def short_fy(year: int) -> str:
    """2025 -> '24/25': axis labels that fit eleven years across a side panel."""
    return fy_label(year)[4:]


def _layout(title: str, y_title: str, height: int, **extra) -> dict:
    if len(y_title) > 24:  # a long unit reads better under the title than squeezed up the axis
        title, y_title = f"{title}<br><sup>{y_title}</sup>", ""
    return {"title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 14}}, "height": height,
            "margin": {"l": 52, "r": 14, "t": 52, "b": 36}, "font": FONT, "plot_bgcolor": "white",
            "paper_bgcolor": "white", "hovermode": "x unified",
            "xaxis": {"type": "category", "gridcolor": "#eee", "tickangle": "auto",  # turns labels that would collide
                      "dtick": 2 if height and height < 300 else 1},
            "yaxis": {"title": {"text": y_title}, "gridcolor": "#eee", "zeroline": False, "separatethousands": True},
            "legend": {"orientation": "h", "y": -0.18, "x": 0, "font": {"size": 11}}, **extra}


def _line(name: str, x, y, colour: str, dash: str = "solid", decimals: int = 2) -> dict:
    return {"type": "scatter", "mode": "lines+markers", "name": name, "x": list(x),
            "y": [None if pd.isna(v) else float(v) for v in y], "line": {"color": colour, "dash": dash, "width": 2},
            "marker": {"size": 5}, "hovertemplate": f"%{{y:,.{decimals}f}}"}


def trend_figure(trend: pd.DataFrame, area_name: str, label: str, unit: str, decimals: int, level_label: str,
                 height: int = 260) -> dict:
    """The area's value over years against the median area of its level and London as a whole."""
    x = [short_fy(y) for y in trend["year"]]
    return {"data": [
        _line(area_name, x, trend["value"], AREA_COLOUR, decimals=decimals),
        _line(f"London median {level_label}", x, trend["london_median"], MEDIAN_COLOUR, "dash", decimals),
        _line("London overall", x, trend["london"], LONDON_COLOUR, "dot", decimals),
    ], "layout": _layout(f"{label} over time", unit, height)}


def distribution_figure(series: pd.DataFrame, label: str, unit: str, decimals: int, level_label: str,
                        london: pd.Series, height: int | None = 360) -> dict:
    """Box per year from precomputed quartiles (a few numbers per year, not every area); height None fills
    the container (embeds)."""
    stats = series.dropna(subset=["value"]).groupby("year")["value"]
    summary = pd.DataFrame({
        "q1": stats.quantile(0.25), "median": stats.median(), "q3": stats.quantile(0.75),
        "low": stats.quantile(WHISKERS[0]), "high": stats.quantile(WHISKERS[1]), "count": stats.size()})
    x = [short_fy(y) for y in summary.index]
    box = {"type": "box", "name": f"{level_label}s (box: quartiles; whiskers: 5th-95th percentile)", "x": x,
           "q1": summary["q1"].tolist(), "median": summary["median"].tolist(), "q3": summary["q3"].tolist(),
           "lowerfence": summary["low"].tolist(), "upperfence": summary["high"].tolist(),
           "marker": {"color": "#9e9ac8"}, "line": {"color": "#54278f"}, "fillcolor": "rgba(158,154,200,0.45)",
           "hoverinfo": "y"}
    return {"data": [box, _line("London overall", x, london.reindex(summary.index), LONDON_COLOUR, "dot", decimals)],
            "layout": _layout(f"Distribution of {label} across {level_label}s, by year", unit, height,
                              hovermode="closest", boxmode="overlay")}


def practice_history_figure(history: pd.DataFrame, height: int = 300) -> dict:
    """Registered list (bars) and fully qualified GP FTE (line, right axis) by year."""
    x = [short_fy(y) for y in history["year"]]
    bars = {"type": "bar", "name": "Registered patients (list)", "x": x,
            "y": [None if pd.isna(v) else round(float(v)) for v in history["list_size"]],
            "marker": {"color": "#9ecae1"}, "hovertemplate": "%{y:,.0f}"}
    fte = _line("GP FTE (fully qualified)", x, history["gp_fte"], "#08519c", decimals=1)
    fte["yaxis"] = "y2"
    layout = _layout("List size and GP FTE", "registered patients", height)
    layout["margin"]["r"] = 52
    layout["yaxis2"] = {"title": {"text": "GP FTE"}, "overlaying": "y", "side": "right", "rangemode": "tozero",
                        "showgrid": False, "tickformat": ".1f"}
    layout["yaxis"]["rangemode"] = "tozero"
    return {"data": [bars, fte], "layout": layout}


def practice_ratio_figure(history: pd.DataFrame, height: int = 300) -> dict:
    """Patients per GP FTE for the practice against London (aligned: practices reporting both)."""
    x = [short_fy(y) for y in history["year"]]
    return {"data": [_line("This practice", x, history["patients_per_gp_fte"], AREA_COLOUR, decimals=0),
                     _line("London", x, history["london_patients_per_gp_fte"], LONDON_COLOUR, "dot", 0)],
            "layout": _layout("Patients per GP FTE", "patients per GP FTE", height)}


def small_map(layer_url: str, codes: list[str], z: list[float], text: list[str], camera: dict,
              points: pd.DataFrame | None = None, colorscale=BLUES, hovertemplate: str = "%{text}<extra></extra>",
              colorbar_title: str | None = None, height: int = 240) -> dict:
    """A compact map of some areas at a given camera (lat, lon, zoom), optional practice points on top."""
    choropleth = {"type": "choroplethmap", "geojson": layer_url, "featureidkey": FEATURE_ID_KEY, "locations": codes,
                  "z": z, "text": text,
                  "colorscale": colorscale, "showscale": colorbar_title is not None,
                  "marker": {"opacity": 0.75, "line": {"width": 0.6, "color": "#333"}}, "hovertemplate": hovertemplate}
    if colorbar_title:
        choropleth["colorbar"] = {"title": {"text": colorbar_title, "side": "top"}, "thickness": 10, "len": 0.7}
    data = [choropleth]
    if points is not None and len(points):
        data.append({"type": "scattermap", "mode": "markers", "lat": points["lat"].round(5).tolist(),
                     "lon": points["lon"].round(5).tolist(), "text": points["label"].tolist(),
                     "marker": {"size": 9, "color": "#e7298a"}, "hovertemplate": "%{text}<extra></extra>",
                     "showlegend": False})
    return {"data": data, "layout": {"map": {"style": basemap_style(), "fitbounds": False, "zoom": camera["zoom"],
                                             "center": {"lat": camera["lat"], "lon": camera["lon"]}},
                                     "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "height": height,
                                     "showlegend": False, "font": FONT}}

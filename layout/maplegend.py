"""The explore map's colour legend as HTML beside the map.

Plotly cannot draw it: the areas are not a Plotly trace in the live map (see
layout/mapfig.py), and a colour bar that Plotly draws would cost a full
re-plot whenever its scale changes. Values rise upwards. The measure cube
carries each year's `legend_head` and the paint the outline rows
(`outline_row`, `selected_row`), which assets/explore_map.js puts together:
head, then a list of the rows of the outlines drawn and the selected area's.
"""
from __future__ import annotations

from urllib.parse import quote

from dash import html

from layout.classes import NO_DATA_COLOUR, SWATCH_BORDER, Classing
from layout.mapfig import CASING_PAD, OUTLINES

KEY_BACKGROUND = "#bdbdbd"  # mid grey behind an outline's key, so its light casing shows as on the map


def _row(key: html.Span, text: str, **props) -> html.Li:
    return html.Li([key, html.Span(text)], className="legend-row", **props)


def outline_key_svg(slot: str) -> str:
    """The outline as the map draws it (casing, colour, pattern), a little thicker so it reads as a key, in a box
    with a 3:1 edge (WCAG 1.4.11)."""
    outline = OUTLINES[slot]
    width = outline.width + 1.0
    line = "<line x1='3' y1='8' x2='33' y2='8' stroke='{}' stroke-width='{:g}'{}/>"
    casing = line.format(outline.casing, width + 2 * CASING_PAD, "") if outline.casing else ""
    dash = " ".join(f"{part * width:g}" for part in outline.dash)
    pattern = (f" stroke-dasharray='{dash}' stroke-linecap='{'round' if 0 in outline.dash else 'butt'}'"
               if dash else "")
    return ("<svg xmlns='http://www.w3.org/2000/svg' width='36' height='16' viewBox='0 0 36 16'>"
            f"<rect x='0.5' y='0.5' width='35' height='15' fill='{KEY_BACKGROUND}' stroke='{SWATCH_BORDER}'/>{casing}"
            f"{line.format(outline.colour, width, pattern)}</svg>")


def _line(slot: str) -> html.Img:
    """The outline's key: decorative (alt=''), as the row's text names the outline."""
    return html.Img(src="data:image/svg+xml," + quote(outline_key_svg(slot)), alt="", className="legend-outline-key",
                    width=36, height=16)


def _swatch(colour: str) -> html.Span:
    return html.Span(className="legend-swatch", style={"background": colour, "border": f"1px solid {SWATCH_BORDER}"})


def _colour_key(classing: Classing) -> html.Div | html.Ul:
    """Swatches per class, or a ramp with its ticks for a continuous scale; 'no data' is always a swatch."""
    ticks, colours, no_data = list(zip(classing.tickvals, classing.ticktext, strict=True)), list(classing.palette), []
    if classing.missing:
        no_data = [_row(_swatch(NO_DATA_COLOUR), ticks[-1][1])]
        ticks, colours = ticks[:-1], colours[:-1]
    if classing.scheme != "continuous" or not colours:
        rows = [_row(_swatch(colours[int(value)]), text) for value, text in reversed(ticks)]
        return html.Ul(rows + no_data, className="legend-classes")
    last = len(colours) - 1
    ramp = html.Div(className="legend-ramp", style={"background": f"linear-gradient(to top, {', '.join(colours)})",
                                                    "border": f"1px solid {SWATCH_BORDER}"})
    labels = [html.Span(text, className="legend-tick", style={"bottom": f"{100 * value / last:.1f}%"})
              for value, text in ticks]
    return html.Div([html.Div([ramp, html.Div(labels, className="legend-ticks")], className="legend-continuous"),
                     html.Ul(no_data, className="legend-classes")])


def legend_head(classing: Classing, title: str, unit: str) -> list:
    """Title, unit and colour key: what changes with the measure, year and colour scheme."""
    return [html.Div(title, className="legend-title"), html.Div(unit, className="legend-unit"), _colour_key(classing)]


def outline_row(slot: str, name: str | None = None, **props) -> html.Li:
    """The key of one outline drawn over the areas (an OUTLINES slot; `name` when it outlines something else)."""
    return _row(_line(slot), name or OUTLINES[slot].name, **props)


def selected_row(selected_id: str, selected: bool) -> html.Li:
    """The selected area's key and its main PCN's, shown only while an area is selected."""
    return html.Li([_line("selected"), html.Span(OUTLINES["selected"].name), _line("main_pcn"),
                    html.Span("its main PCN")], className="legend-row", id=selected_id, hidden=not selected)

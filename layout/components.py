"""Building blocks shared by the pages: view controls, notices, footnotes, number formatting.

Controls are built per page with an id prefix ('explore', 'trends') so each
page's callbacks name only its own components; `CONTROL_IDS` lists the ids a
page's callbacks read back into a `View` with `view_from_controls`.
"""
from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html

from data.years import fy_label
from geo.params import D0_RANGE, D0_STEP, DEFAULT_PARAMS
from layout.view import LAYERS, SCHEMES, View, ViewOptions

VIEW_CONTROLS = ("measure", "level", "year", "weights", "d0", "k", "n", "cut")
MAP_CONTROLS = ("scheme", "layers")
SHOW_AS = {"map": "Map", "table": "Table"}  # every map has a Table view of the same areas
CUTS = {0.1: "poorest 10%", 0.2: "poorest 20% (quintile)", 0.25: "poorest 25%", 0.33: "poorest third"}
WEIGHT_LABELS = {"age": "Age (Carr-Hill)", "age_imd": "Age + deprivation", "none": "Unweighted"}


def control_id(prefix: str, name: str) -> str:
    return f"{prefix}-{name}"


def fmt(value, decimals: int = 0, suffix: str = "") -> str:
    """'1,234.5' style, or an en dash for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}{suffix}"


def rank_label(rank, tied: int) -> str:
    """A rank as people read a league table: '12', '=12' when several areas share it (`tied` of them), '–' for
    none."""
    if rank is None or pd.isna(rank) or not rank:
        return "–"
    return f"{'=' if tied > 1 else ''}{int(rank):,}"


def rank_labels(ranks) -> list[str]:
    """`rank_label` of every rank in a column."""
    ranks = pd.Series(ranks, dtype="Float64").reset_index(drop=True)
    tied = ranks.map(ranks.value_counts()).fillna(0)
    return [rank_label(r, t) for r, t in zip(ranks, tied, strict=True)]


def rank_sentence(rank, tied: int, total: int) -> str:
    """'14 of 33', or '=1 of 4,835 (tied with 67 others)'."""
    if rank is None or pd.isna(rank):
        return "–"
    text = f"{rank_label(rank, tied)} of {total:,}"
    return text + (f" (tied with {tied - 1:,} other{'s' if tied > 2 else ''})" if tied > 1 else "")


def year_marks(years) -> dict:
    """Slider marks '24/25': every year when few, else every other year counted back from the latest (six
    labels side by side collide in the narrow controls column)."""
    step = 1 if len(years) <= 4 else 2
    last = len(years) - 1
    return {int(y): {"label": fy_label(y)[4:]} for i, y in enumerate(years) if (last - i) % step == 0}


def year_slider_props(years, year: int) -> tuple:
    """min, max, marks, value for a year slider (value clamped into the years)."""
    year = year if year in years else max(years)
    return min(years), max(years), year_marks(years), year


def _labelled(label: str, control, help_text: str | None = None, group: bool = False) -> html.Div:
    """A control under its visible label, tied to it for screen readers: `<label for>` for one control
    (assets/keyboard.js passes it on to Dash's dropdown buttons and slider thumbs), a named group for a set
    of radio buttons or checkboxes."""
    label_id = f"{control.id}-label"
    if not group:
        children = [dbc.Label(label, html_for=control.id, id=label_id, class_name="small fw-semibold mb-1"), control]
    else:
        children = [html.Div(label, id=label_id, className="form-label small fw-semibold mb-1"), control]
    if help_text:
        children.append(html.Div(help_text, id=f"{control.id}-help", className="form-text mt-0"))
    group_props = {"role": "group", "aria-labelledby": label_id} if group else {}
    return html.Div(children, className="mb-3", **group_props)


def view_controls(prefix: str, view: View, options: ViewOptions, with_map_controls: bool = False) -> html.Div:
    """Measure, level, year, need weighting, catchment and persistence controls set from a View."""
    years = options.years[(view.measure, view.level)]
    params = view.params
    lo, hi = D0_RANGE
    cut = min(CUTS, key=lambda c: abs(c - params.cut))
    cut_options = [{"label": text, "value": value} for value, text in CUTS.items()]
    if all(abs(c - params.cut) > 1e-9 for c in CUTS):
        cut_options.append({"label": f"poorest {params.cut:.0%}", "value": params.cut})
        cut = params.cut
    controls = [
        _labelled("Measure", dcc.Dropdown(
            id=control_id(prefix, "measure"), value=view.measure, clearable=False, searchable=False,
            options=[{"label": label, "value": key} for key, label in options.measures.items()])),
        _labelled("Areas", dcc.Dropdown(
            id=control_id(prefix, "level"), value=view.level, clearable=False, searchable=False,
            options=[{"label": label, "value": key} for key, label in options.levels.items()])),
        _labelled("Year (NHS financial year)", dcc.Slider(
            id=control_id(prefix, "year"), min=min(years), max=max(years), step=1, value=view.year,
            marks=year_marks(years), included=False)),
        _labelled("Need weighting", dbc.RadioItems(
            id=control_id(prefix, "weights"), value=params.weights, class_name="small",
            options=[{"label": WEIGHT_LABELS.get(key, key), "value": key} for key in options.weightings]),
            group=True),
        _labelled("Catchment d0 (metres, straight line)", dcc.Slider(
            id=control_id(prefix, "d0"), min=lo, max=hi, step=D0_STEP, value=params.d0, included=False,
            marks={v: {"label": f"{v / 1000:g} km"} for v in (DEFAULT_PARAMS.d0, 5000, hi)},
            tooltip={"placement": "top", "always_visible": False}),
            "Used by E2SFCA access and to place patients of practices without flows."),
        html.Div([
            html.Div("Persistent poor provision", id=control_id(prefix, "persistence-label"),
                     className="form-label small fw-semibold mb-1"),
            dbc.Row([
                dbc.Col([dbc.Label("poor in k years", html_for=control_id(prefix, "k"), class_name="form-text mt-0"),
                         dbc.Input(id=control_id(prefix, "k"), type="number", min=1, max=len(years), step=1,
                                   value=params.k, debounce=True, size="sm")]),
                dbc.Col([dbc.Label("of the last n", html_for=control_id(prefix, "n"), class_name="form-text mt-0"),
                         dbc.Input(id=control_id(prefix, "n"), type="number", min=1, max=len(years), step=1,
                                   value=params.n, debounce=True, size="sm")]),
            ], class_name="g-2 mb-1"),
            dbc.Label("poor means", html_for=control_id(prefix, "cut"), class_name="form-text mt-0 mb-0"),
            html.Div(dcc.Dropdown(id=control_id(prefix, "cut"), value=cut, clearable=False, searchable=False,
                                  options=cut_options), className="mb-3 small"),
        ], role="group", **{"aria-labelledby": control_id(prefix, "persistence-label")}),
    ]
    if with_map_controls:
        controls += [
            _labelled("Colours", dbc.RadioItems(
                id=control_id(prefix, "scheme"), value=view.scheme, class_name="small",
                options=[{"label": label, "value": key} for key, label in SCHEMES.items()]), group=True),
            _labelled("Show on map", dbc.Checklist(
                id=control_id(prefix, "layers"), value=list(view.layers), class_name="small",
                options=[{"label": label, "value": key} for key, label in LAYERS.items()]), group=True),
        ]
    return html.Div(controls, className="view-controls")


def view_from_controls(base: View, measure=None, level=None, year=None, weights=None, d0=None, k=None, n=None,
                       cut=None, scheme=None, layers=None, **extra) -> View:
    """Controls' current values over a base View (from the URL); blanks keep the base value."""
    def pick(value, default):
        return default if value is None or value == "" else value

    params = base.params
    n = int(pick(n, params.n))
    params = params.with_(weights=pick(weights, params.weights), d0=float(pick(d0, params.d0)), n=n,
                          k=min(int(pick(k, params.k)), n), cut=float(pick(cut, params.cut)))
    changes = dict(measure=pick(measure, base.measure), level=pick(level, base.level), year=int(pick(year, base.year)),
                   params=params, scheme=pick(scheme, base.scheme), **extra)
    if layers is not None:
        changes["layers"] = tuple(item for item in LAYERS if item in layers)
    return base.with_(**changes)


def notices(view: View) -> html.Div:
    """What the URL asked for that could not be shown, in one dismissable alert."""
    if not view.notices:
        return html.Div(id="view-notices")
    return html.Div(dbc.Alert([html.Strong("Some link settings were not used. "),
                               html.Ul([html.Li(text) for text in view.notices], className="mb-0 small")],
                              color="warning", dismissable=True, class_name="py-2 mb-2"), id="view-notices")


def footnote(element_id: str, text: str = "") -> html.Div:
    """One line under a map or chart stating measure, basis and vintage (also in embeds and prints)."""
    return html.Div(text, id=element_id, className="basis-footnote")


def download_button(element_id: str, label: str, icon: str = "⤓") -> dbc.Button:
    return dbc.Button(f"{icon} {label}", id=element_id, size="sm", color="secondary", outline=True,
                      class_name="me-1 mb-1")


def persistence_note(view: View, persistence, areas_label: str) -> str:
    """How persistence was judged, naming the window actually used (shorter near the start of the data)."""
    start, end = int(persistence["window_start"].iloc[0]), int(persistence["window_end"].iloc[0])
    years = end - start + 1  # the data years are consecutive
    k, n, cut = view.params.k, view.params.n, view.params.cut
    note = (f"Persistent = in the poorest {cut:.0%} of {areas_label} in at least {k} of the last {n} "
            f"years with data ({fy_label(start)}–{fy_label(end)}")
    note += ")" if years >= n else f", only {years} so far: areas with fewer than {k} are 'insufficient data')"
    counts = persistence["persistence_class"].value_counts()
    return note + f": {int(counts.get('persistent', 0)):,} persistent."


def view_switch(element_id: str, value: str = "map") -> html.Div:
    """'Show as: Map | Table', a pair of radio buttons styled as a button group (arrow keys move between them)."""
    return html.Div([
        html.Span("Show as", id=f"{element_id}-label", className="small fw-semibold me-2"),
        dbc.RadioItems(id=element_id, value=value, inline=True, class_name="btn-group btn-group-sm",
                       input_class_name="btn-check", label_class_name="btn btn-outline-primary",
                       label_checked_class_name="active",
                       options=[{"label": label, "value": key} for key, label in SHOW_AS.items()]),
    ], role="radiogroup", className="view-switch no-print", **{"aria-labelledby": f"{element_id}-label"})

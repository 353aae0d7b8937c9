"""Text alternatives for charts (WCAG 1.1.1): what a Plotly figure dict shows, in one or two sentences.

Read from the figure itself, so the words cannot drift from the picture: the title, then per trace its first
and last values and its range (lines, bars), its medians and quartiles (box plots), or how many areas and points
it maps. The text is the chart's caption for screen readers (`described_graph`).
"""
from __future__ import annotations

import math
import re

from dash import dcc, html

TAGS = re.compile(r"<[^>]+>")


def plain(text: str | None) -> str:
    """Plotly's rich text ('a<br><sup>b</sup>') as plain words."""
    return re.sub(r"\s+", " ", TAGS.sub(" ", text or "")).strip()


def number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")


def _series(trace: dict) -> str:
    points = [(x, y) for x, y in zip(trace.get("x") or [], trace.get("y") or [], strict=False)
              if y is not None and not (isinstance(y, float) and math.isnan(y))]
    if not points:
        return f"{plain(trace.get('name'))}: no values"
    (x0, y0), (x1, y1) = points[0], points[-1]
    low, high = min(points, key=lambda p: p[1]), max(points, key=lambda p: p[1])
    text = f"{plain(trace.get('name'))}: {number(y0)} in {x0} to {number(y1)} in {x1}"
    if len(points) > 2 and low[1] != high[1]:
        text += f" (lowest {number(low[1])} in {low[0]}, highest {number(high[1])} in {high[0]})"
    return text


def _box(trace: dict) -> str:
    x, medians = trace.get("x") or [], trace.get("median") or []
    if not medians:
        return f"{plain(trace.get('name'))}: no values"
    return (f"{plain(trace.get('name'))}: median {number(medians[0])} in {x[0]} to {number(medians[-1])} in {x[-1]}; "
            f"middle half {number(trace['q1'][-1])} to {number(trace['q3'][-1])} in {x[-1]}")


def _map(trace: dict) -> str:
    if trace["type"] == "choroplethmap":
        count = len(trace.get("locations") or [])
        return f"map of {count:,} area{'s' if count != 1 else ''}" + (
            f" ({plain(trace['text'][0])})" if count == 1 and trace.get("text") else "")
    labels = [plain(label) for label in (trace.get("text") or [])]
    return f"{len(trace.get('lat') or []):,} points" + (f": {', '.join(labels[:10])}" if labels else "")


def figure_text(figure: dict | None) -> str:
    """'{title}. {trace}; {trace}.' for line, bar, box and map traces (hidden traces left out)."""
    if not figure:
        return ""
    layout = figure.get("layout") or {}
    title = plain((layout.get("title") or {}).get("text") if isinstance(layout.get("title"), dict)
                  else layout.get("title"))
    unit = plain(((layout.get("yaxis") or {}).get("title") or {}).get("text"))
    title = f"{title} ({unit})" if title and unit else title
    parts = []
    for trace in figure.get("data") or []:
        if trace.get("visible") is False:
            continue
        kind = trace.get("type", "scatter")
        if kind in ("scatter", "bar"):
            parts.append(_series(trace))
        elif kind == "box":
            parts.append(_box(trace))
        elif kind in ("choroplethmap", "scattermap"):
            parts.append(_map(trace))
    body = "; ".join(part for part in parts if part)
    return ". ".join(text for text in (title, body) if text) + "."


def described_graph(graph: dcc.Graph, text: str | None = None) -> html.Figure:
    """The chart with its text alternative as a caption that screen readers read (`{graph id}-text`, set by a
    callback when the figure changes; else from the figure given)."""
    caption_id = f"{graph.id}-text" if getattr(graph, "id", None) else None
    caption = html.Figcaption(text if text is not None else figure_text(getattr(graph, "figure", None)),
                              className="visually-hidden", **({"id": caption_id} if caption_id else {}))
    return html.Figure([graph, caption], className="chart-figure m-0")

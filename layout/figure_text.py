"""Text from outside (bid labels, typed sites, names from public files) made literal for Plotly.

Plotly reads the strings of `text`, `customdata` shown through a hovertemplate,
titles and annotations as a small HTML subset (<b>, <br>, <a href>, <span
style>) with entities, so a bid label "<b>x</b>" would turn bold and a label
with "<a href=...>" would become a link. Escaping &, < and > makes Plotly show
exactly what was typed; Dash components and ag-grid cells render text as text
already and need nothing.
"""
from __future__ import annotations


def plotly_text(value) -> str:
    """`value` as a string Plotly displays literally (its markup characters turned into entities)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

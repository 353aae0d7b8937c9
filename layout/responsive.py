"""Phones and tablets: a page's controls live in an off-canvas panel below the lg breakpoint (Bootstrap's
`offcanvas-lg`: an ordinary column from lg up), opened by a button above the map; assets/shell.js makes the
panel a dialog (focus in, Escape or Close shuts it, focus back to the button)."""
from __future__ import annotations

from dash import html


def offcanvas(element_id: str, title: str, children) -> html.Div:
    """`children` inline on wide screens, an off-canvas dialog named `title` on narrow ones."""
    return html.Div([
        html.Div([html.H2(title, className="h6 mb-0", id=f"{element_id}-title"),
                  html.Button(type="button", className="btn-close", **{"data-offcanvas-close": "",
                                                                        "aria-label": f"Close {title.lower()}"})],
                 className="offcanvas-header d-lg-none"),
        html.Div(children, className="offcanvas-body d-block p-0"),
    ], id=element_id, className="offcanvas-lg offcanvas-start", tabIndex="-1",
        **{"aria-labelledby": f"{element_id}-title"})


def offcanvas_button(target: str, label: str) -> html.Button:
    """The button that opens the panel, shown below lg only."""
    return html.Button(["☰ ", label], type="button", className="btn btn-sm btn-primary d-lg-none mb-2 me-2",
                       **{"data-offcanvas-target": target, "aria-controls": target, "aria-expanded": "false"})

"""The Share dialog, on every page: the permalink, an iframe snippet at a chosen size, the map as a PNG, the
briefing PDF, and which origins may embed the atlas.

The links are written from the page's URL as it is now (the URL always holds the whole view), without the
print and embed switches; the iframe opens the same view with ?embed=1. Copying is done in the browser by
assets/share.js (buttons with `data-copy-target`); the PNG button asks the Explore map's own export.
"""
from __future__ import annotations

import html as html_text
from urllib.parse import parse_qsl, urlencode

import dash_bootstrap_components as dbc
from dash import html

EMBED_SIZES = {"small": (480, 360), "medium": (800, 600), "large": (1200, 800)}
DEFAULT_EMBED = "medium"
SIZE_RANGE = (200, 2400)  # pixels, either side
BRIEFING_PATHS = {"/": "/briefing.pdf", "/bids": "/bids/briefing.pdf"}
PNG_PAGES = ("/",)  # pages whose map the PNG button exports
SWITCHES = ("embed", "print")


def view_params(search: str | None) -> list[tuple[str, str]]:
    """The URL's view, without the print and embed switches."""
    return [(key, value) for key, value in parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
            if key not in SWITCHES]


def embed_size(width, height) -> tuple[int, int]:
    """The iframe's size in pixels: what was typed, kept within SIZE_RANGE; the default size if blank."""
    default_width, default_height = EMBED_SIZES[DEFAULT_EMBED]
    low, high = SIZE_RANGE

    def clamp(value, default):
        try:
            return int(min(high, max(low, round(float(value)))))
        except (TypeError, ValueError):
            return default
    return clamp(width, default_width), clamp(height, default_height)


def share_links(origin: str, pathname: str | None, search: str | None, title: str, width=None,
                height=None) -> dict:
    """permalink, iframe (HTML snippet titled `title`), briefing (URL or None) and png (whether the page's map
    exports one)."""
    path = "/" + (pathname or "/").strip("/")
    origin = origin.rstrip("/")
    params = view_params(search)
    query = urlencode(params, safe=",>")
    permalink = f"{origin}{path}{'?' + query if query else ''}"
    embed = f"{origin}{path}?{urlencode([*params, ('embed', '1')], safe=',>')}"
    w, h = embed_size(width, height)
    iframe = (f'<iframe src="{html_text.escape(embed)}" width="{w}" height="{h}" title="{html_text.escape(title)}" '
              f'style="border:0" loading="lazy"></iframe>')
    briefing = f"{origin}{BRIEFING_PATHS[path]}?{query}" if path in BRIEFING_PATHS else None
    return {"permalink": permalink, "iframe": iframe, "briefing": briefing, "png": path in PNG_PAGES}


def embed_origins(policy: str) -> str:
    """Who may embed the atlas, in words, from the CSP 'frame-ancestors ...' policy the server sends."""
    sources = policy.removeprefix("frame-ancestors").split()
    named = [source for source in sources if source != "'self'"]
    if "*" in named:
        return "Any site may embed this atlas."
    if not named:
        return "Only pages of this site may embed it; other sites' iframes are refused by the browser."
    return f"Pages of this site and of {', '.join(named)} may embed it; other sites' iframes are refused."


def share_button() -> html.Button:
    return html.Button("Share", id="share-open", className="btn btn-sm btn-outline-light ms-2 share-open", n_clicks=0,
                       type="button", **{"aria-haspopup": "dialog"})


def _copy_row(label: str, element_id: str, control, copy_label: str) -> html.Div:
    return html.Div([
        dbc.Label(label, html_for=element_id, class_name="small fw-semibold mb-1"),
        dbc.InputGroup([control, html.Button(copy_label, id=f"{element_id}-copy", type="button",
                                             className="btn btn-sm btn-outline-primary",
                                             **{"data-copy-target": element_id})], size="sm"),
    ], className="mb-3")


def share_modal() -> dbc.Modal:
    """The dialog (filled when it opens: callbacks/share.py). Escape closes it; focus returns to Share."""
    width, height = EMBED_SIZES[DEFAULT_EMBED]
    return dbc.Modal([
        dbc.ModalHeader(dbc.ModalTitle("Share this view", id="share-title"), close_button=True),
        dbc.ModalBody([
            _copy_row("Link to this view", "share-permalink",
                      dbc.Input(id="share-permalink", readonly=True, type="text"), "Copy link"),
            html.Fieldset([
                html.Legend("Embed in another page", className="small fw-semibold mb-1"),
                dbc.Row([
                    dbc.Col([dbc.Label("Size", html_for="share-size", class_name="small mb-0"),
                             dbc.Select(id="share-size", value=DEFAULT_EMBED, size="sm", options=[
                                 {"label": f"{key.capitalize()} ({w} × {h})", "value": key}
                                 for key, (w, h) in EMBED_SIZES.items()] + [{"label": "Custom", "value": "custom"}])]),
                    dbc.Col([dbc.Label("Width (px)", html_for="share-width", class_name="small mb-0"),
                             dbc.Input(id="share-width", type="number", value=width, min=SIZE_RANGE[0],
                                       max=SIZE_RANGE[1], step=10, size="sm")]),
                    dbc.Col([dbc.Label("Height (px)", html_for="share-height", class_name="small mb-0"),
                             dbc.Input(id="share-height", type="number", value=height, min=SIZE_RANGE[0],
                                       max=SIZE_RANGE[1], step=10, size="sm")]),
                ], class_name="g-2 mb-2"),
                _copy_row("HTML to paste", "share-iframe",
                          dbc.Textarea(id="share-iframe", readonly=True, rows=3, class_name="font-monospace small"),
                          "Copy HTML"),
                html.P(id="share-origins", className="form-text mt-0"),
            ], className="mb-2"),
            html.Div([
                html.Button("Map image (PNG)", id="share-png", type="button",
                            className="btn btn-sm btn-outline-secondary me-2"),
                html.A("Briefing (PDF)", id="share-briefing", className="btn btn-sm btn-outline-secondary",
                       download=""),
            ], className="mb-2"),
            html.Div(id="share-status", className="small text-success", role="status", **{"aria-live": "polite"}),
        ]),
    ], id="share-modal", is_open=False, size="lg", keyboard=True, labelledby="share-title")


"""The Share dialog's callbacks: opening it fills the links from the page's URL; a preset size fills width and
height; the iframe snippet follows the size (layout/share.py)."""
from __future__ import annotations

import os

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate
from flask import request

from callbacks.headers import frame_ancestors
from layout.services import AtlasServices
from layout.share import EMBED_SIZES, embed_origins, share_links
from layout.shell import APP_TITLE


def open_dialog(clicks, width, height, pathname, search, is_open):
    """Open on Share (and refresh the links while open): permalink, snippet, briefing link, PNG button, origins."""
    if ctx.triggered_id == "share-open":
        if not clicks:
            raise PreventUpdate
    elif not is_open:
        raise PreventUpdate
    links = share_links(request.host_url, pathname, search, APP_TITLE, width, height)
    origins = embed_origins(frame_ancestors(os.environ.get("GP_ATLAS_FRAME_ANCESTORS")))
    return (True, links["permalink"], links["iframe"], links["briefing"] or "", not links["briefing"],
            not links["png"], origins, "")


def preset_size(size):
    """A preset fills width and height; 'custom' leaves them for typing."""
    if size not in EMBED_SIZES:
        return no_update, no_update
    return EMBED_SIZES[size]


def register(app: Dash, services: AtlasServices) -> None:
    app.callback(Output("share-modal", "is_open"), Output("share-permalink", "value"), Output("share-iframe", "value"),
                 Output("share-briefing", "href"), Output("share-briefing", "hidden"), Output("share-png", "hidden"),
                 Output("share-origins", "children"), Output("share-status", "children"),
                 Input("share-open", "n_clicks"), Input("share-width", "value"), Input("share-height", "value"),
                 State("url", "pathname"), State("url", "search"), State("share-modal", "is_open"),
                 prevent_initial_call=True)(open_dialog)
    app.callback(Output("share-width", "value"), Output("share-height", "value"), Input("share-size", "value"),
                 prevent_initial_call=True)(preset_size)

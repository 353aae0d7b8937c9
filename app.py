"""London GP Provision Atlas: the Dash app.

    python app.py                      # http://127.0.0.1:8050 (HOST / PORT override; GP_ATLAS_DEBUG=1 for debug)
    gunicorn app:server -w 4           # production: one read-only model per worker

The tidy model is loaded (and built first if the cache is missing or stale)
when the app is created. If the raw data cannot be read the app still starts
and every page explains what is missing, instead of a traceback.

Environment: GP_ATLAS_DATA (raw bundle), GP_ATLAS_CACHE (derived cache),
GP_ATLAS_FRAME_ANCESTORS (origins allowed to embed the app in an iframe;
default 'self'), GP_ATLAS_BASEMAP (MapLibre style; default self-contained
'white-bg', e.g. 'carto-positron' where tiles can be fetched).
"""
from __future__ import annotations

import logging
import os
import re

import dash_bootstrap_components as dbc
from dash import Dash, html
from flask import Response, abort, request

from data.errors import DataFileError
from layout.shell import APP_TITLE

log = logging.getLogger("gp_atlas")
MAX_REQUEST_BYTES = 16 * 1024 * 1024
SAFE_SOURCE = re.compile(r"^(?:'self'|'none'|\*|https?://[A-Za-z0-9.\-]+(?::\d+)?|https?://\*\.[A-Za-z0-9.\-]+|"
                         r"[A-Za-z0-9.\-]+(?::\d+)?)$")


def frame_ancestors(configured: str | None) -> str:
    """CSP `frame-ancestors` from a space- or comma-separated allow-list of origins; anything that is not a
    plain source expression (e.g. a ';' smuggling in another directive) rejects the list: 'self' only."""
    sources = [token for token in re.split(r"[\s,]+", configured or "") if token]
    if not sources or not all(SAFE_SOURCE.match(token) for token in sources):
        if sources:
            log.warning("GP_ATLAS_FRAME_ANCESTORS=%r is not a list of origins; embedding allowed from 'self' only",
                        configured)
        return "frame-ancestors 'self'"
    return "frame-ancestors " + " ".join(sources)


def data_error_page(error: Exception) -> html.Div:
    return dbc.Container(dbc.Alert([
        html.H4("The atlas cannot load its data"),
        html.P(str(error)),
        html.P(["Set ", html.Code("GP_ATLAS_DATA"), " to the folder holding geography/, practices/ and "
                "registrations/, then restart (the cache builds itself on first start, about 20 s)."]),
    ], color="danger"), class_name="mt-5")


def _serve_geometry(app: Dash) -> None:
    """/geometry/<layer>.geojson: each layer serialised and gzipped once per process (layout/geometry.py)."""
    from callbacks.context import named_layer

    def geometry(name: str):
        try:
            layer = named_layer(name)
        except (KeyError, ValueError):
            abort(404)
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        response = Response(layer.gzipped if gzipped else layer.body, mimetype="application/geo+json")
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        response.headers.update({"Vary": "Accept-Encoding", "ETag": layer.etag,
                                 "Cache-Control": "public, max-age=31536000, immutable"})
        return response

    app.server.add_url_rule(f"{app.config.routes_pathname_prefix}geometry/<name>.geojson", "geometry", geometry)


def create_app() -> Dash:
    app = Dash(__name__, title=APP_TITLE, update_title=None, compress=True, suppress_callback_exceptions=True,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    # Bid CSVs over 2 MB get a clear message from the Bids page; far larger request bodies are refused outright.
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    policy = frame_ancestors(os.environ.get("GP_ATLAS_FRAME_ANCESTORS"))
    app.server.after_request(lambda response: response.headers.update({"Content-Security-Policy": policy}) or response)
    try:
        from callbacks.context import provision, warm_up
        provision()
    except DataFileError as exc:
        log.error("data not available: %s", exc)
        app.layout = data_error_page(exc)
        return app
    import callbacks.router  # noqa: F401  (registers the router callbacks)
    from layout.pages import register_callbacks
    from layout.shell import shell
    app.server.config["ATLAS_BROKEN_PAGES"] = register_callbacks()
    _serve_geometry(app)
    app.layout = shell
    app.server.before_request(lambda: warm_up() and None)  # starts once, after the first request arrives
    return app


app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")),
            debug=os.environ.get("GP_ATLAS_DEBUG") == "1")

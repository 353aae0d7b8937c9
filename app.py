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

import ctypes
import logging
import os

from dash import Dash
from flask import Flask

from callbacks import register_callbacks
from callbacks.guard import guard_callbacks
from callbacks.headers import add_security_headers
from callbacks.serving import (
    COMPRESSION_CONFIG,
    honour_refused_encodings,
    preload_first_map,
    serve_cubes,
    serve_geometry,
    serve_plotly,
)
from data.errors import DataFileError
from data.loader import load_atlas
from layout.error_pages import data_error_page
from layout.services import AtlasServices
from layout.shell import APP_TITLE, shell, with_language

log = logging.getLogger("gp_atlas")
M_MMAP_THRESHOLD, M_ARENA_MAX = -3, -8  # glibc mallopt parameters


def return_freed_memory() -> None:
    """glibc raises its mmap threshold each time a large block is freed, so the catchment matrices dropped by the
    byte-bounded memos end up on the heap and stay in the worker's RSS. A fixed 1 MB threshold keeps large
    arrays in their own mappings (given back on free); two arenas stop threads multiplying the heap."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    libc.mallopt(M_MMAP_THRESHOLD, 1024 * 1024)
    libc.mallopt(M_ARENA_MAX, 2)
MAX_REQUEST_BYTES = 16 * 1024 * 1024


def create_app(services: AtlasServices | None = None) -> Dash:
    """The app over `services` (built here from the data directory's cache when not given: tests and benches
    pass their own)."""
    server = Flask(__name__)
    server.config.update(COMPRESSION_CONFIG)  # read when Dash sets up Flask-Compress
    app = Dash(__name__, server=server, title=APP_TITLE, update_title=None, compress=True,
               suppress_callback_exceptions=True,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
    # Bid CSVs over 2 MB get a clear message from the Bids page; far larger request bodies are refused outright.
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.index_string = with_language(app.index_string)
    add_security_headers(app)
    honour_refused_encodings(app)
    guard_callbacks(app)
    if services is None:
        try:
            services = AtlasServices(load_atlas())
        except DataFileError as exc:
            log.error("data not available: %s", exc)
            app.layout = data_error_page(exc)
            return app
    register_callbacks(app, services)
    serve_geometry(app, services)
    serve_cubes(app, services)
    preload_first_map(app, services, serve_plotly(app))
    app.layout = shell
    app.server.before_request(lambda: services.warm_up() and None)  # starts once, after the first request arrives
    return app


return_freed_memory()
app = create_app()
server = app.server

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")),
            debug=os.environ.get("GP_ATLAS_DEBUG") == "1")

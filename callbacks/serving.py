"""Plain HTTP routes and response headers beside the Dash callbacks: the geometry files and the headers every
response carries (who may embed the atlas)."""
from __future__ import annotations

import logging
import os
import re

from dash import Dash
from flask import Response, abort, request

from layout.services import AtlasServices

log = logging.getLogger(__name__)
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


def add_security_headers(app: Dash) -> None:
    """Every response says who may frame it (GP_ATLAS_FRAME_ANCESTORS, default 'self')."""
    policy = frame_ancestors(os.environ.get("GP_ATLAS_FRAME_ANCESTORS"))
    app.server.after_request(lambda response: response.headers.update({"Content-Security-Policy": policy})
                             or response)


def serve_geometry(app: Dash, services: AtlasServices) -> None:
    """/geometry/<layer>.geojson: each layer serialised and gzipped once per process (layout/geometry.py)."""
    def geometry(name: str):
        try:
            layer = services.layers.named(name)
        except KeyError:
            abort(404)
        gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
        response = Response(layer.gzipped if gzipped else layer.body, mimetype="application/geo+json")
        if gzipped:
            response.headers["Content-Encoding"] = "gzip"
        response.headers.update({"Vary": "Accept-Encoding", "ETag": layer.etag,
                                 "Cache-Control": "public, max-age=31536000, immutable"})
        return response

    app.server.add_url_rule(f"{app.config.routes_pathname_prefix}geometry/<name>.geojson", "geometry", geometry)

"""Plain HTTP routes beside the Dash callbacks: the geometry files (the headers every response carries are
callbacks/headers.py's)."""
from __future__ import annotations

from dash import Dash
from flask import Response, abort, request

from layout.services import AtlasServices


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

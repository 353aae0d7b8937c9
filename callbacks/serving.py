"""Plain HTTP routes beside the Dash callbacks: the geometry files, measure cubes and the atlas's plotly.js
(immutable, content-addressed GETs), the Link preloads of a map page and the compression cache of the static
scripts (the headers every response carries are callbacks/headers.py's)."""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from dash import Dash, dcc
from flask import Response, abort, request

from data.config import REPO_ROOT
from geo.bids import BID_LEVEL, BID_MEASURE
from layout.cubes import resource_of
from layout.explore_cube import MEASURE_SLOT
from layout.geometry import first_geometry
from layout.mapfig import LONDON_ZOOM
from layout.services import AtlasServices
from layout.view import parse_view

IMMUTABLE = "public, max-age=31536000, immutable"
NOT_CACHED = "-"  # compression cache key of a response compressed afresh each time
STATIC_PATHS = ("/_dash-component-suites/", "/assets/")  # versioned in their URLs by Dash (fingerprint, ?m=mtime)
REFUSED = re.compile(r"^\s*q\s*=\s*0(?:\.0{0,3})?\s*$")


class StaticCompressionCache:
    """Flask-Compress's cache of gzipped bodies, for Dash's component bundles and the assets only: a first visit
    asks for 2.5 MB of script, which Flask-Compress would gzip afresh for every visitor (a few hundred milliseconds
    of the server, while the page waits for its scripts). Callbacks and pages are never cached (key NOT_CACHED).
    Bounded in bytes, oldest out: any version string in a URL reaches the same file."""

    MAX_BYTES = 32 * 1024 * 1024

    def __init__(self):
        self._bodies: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._bodies.get(key)

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(f";{NOT_CACHED}") or len(value) > self.MAX_BYTES:
            return
        with self._lock:
            if key in self._bodies:  # Flask-Compress sets what it has just got, too
                return
            self._bodies[key] = value
            self._bytes += len(value)
            while self._bytes > self.MAX_BYTES:
                self._bytes -= len(self._bodies.popitem(last=False)[1])


def static_compression_key(req) -> str:
    """The URL of a GET for a static script or asset, else NOT_CACHED."""
    static = req.method == "GET" and any(part in req.path for part in STATIC_PATHS)
    return req.full_path if static else NOT_CACHED


COMPRESSION_CONFIG = {"COMPRESS_CACHE_BACKEND": StaticCompressionCache, "COMPRESS_CACHE_KEY": static_compression_key}


def without_refused_codings(accept_encoding: str) -> str:
    """Accept-Encoding without the codings a client refuses ('gzip;q=0'): Flask-Compress would pick them."""
    kept = [part for part in accept_encoding.split(",")
            if part.strip() and not any(REFUSED.match(param) for param in part.split(";")[1:])]
    return ",".join(kept)


def honour_refused_encodings(app: Dash) -> None:
    """Every response: a coding the client gives q=0 is never used (a WSGI layer under Flask and Flask-Compress)."""
    inner = app.server.wsgi_app

    def wsgi_app(environ, start_response):
        if "HTTP_ACCEPT_ENCODING" in environ:
            environ["HTTP_ACCEPT_ENCODING"] = without_refused_codings(environ["HTTP_ACCEPT_ENCODING"])
        return inner(environ, start_response)

    app.server.wsgi_app = wsgi_app


def one_url(version: str) -> None:
    """A content-addressed resource has one URL: another version or any other query is not found, so a cache
    never holds two copies of it."""
    if request.args.to_dict(flat=False) != {"v": [version]}:
        abort(404)


def immutable_response(gzipped: bytes, identity: Callable[[], bytes], etag: str, mimetype: str) -> Response:
    """A content-addressed resource: gzip unless the client refuses it (`gzip;q=0`, or no Accept-Encoding),
    a quoted strong ETag per representation, 304 when If-None-Match has it, cached for a year."""
    compressed = request.accept_encodings["gzip"] > 0
    tag = f"{etag}-gzip" if compressed else etag
    headers = {"ETag": f'"{tag}"', "Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
    if request.if_none_match.contains_weak(tag):
        return Response(status=304, headers=headers)
    response = Response(gzipped if compressed else identity(), mimetype=mimetype, headers=headers)
    if compressed:
        response.headers["Content-Encoding"] = "gzip"
    return response


def serve_geometry(app: Dash, services: AtlasServices) -> None:
    """/geometry/<layer>.geojson?v=<hash>: each layer serialised and gzipped once per process (layout/geometry.py).
    One URL per layer: another version, another query or a name that is not the layer's own is not found."""
    def geometry(name: str):
        try:
            layer = services.layers.named(name)
        except KeyError:
            abort(404)
        one_url(layer.etag)
        return immutable_response(layer.gzipped, lambda: layer.body, layer.etag, "application/geo+json")

    app.server.add_url_rule(f"{app.config.routes_pathname_prefix}geometry/<name>.geojson", "geometry", geometry)


def serve_cubes(app: Dash, services: AtlasServices) -> None:
    """/cube/... and /hotspots/...: the measure cubes (layout/explore_cube.py), one canonical URL each."""
    def cube(kind: str, rest: str):
        if request.args:
            abort(404)
        try:
            resource = services.cubes.resource(f"{kind}/{rest}")
        except KeyError:
            abort(404)
        return immutable_response(resource.gzipped, lambda: resource.body, resource.etag, "application/json")

    prefix = app.config.routes_pathname_prefix
    for kind in ("cube", "hotspots"):
        app.server.add_url_rule(f"{prefix}{kind}/<path:rest>", kind, lambda rest, kind=kind: cube(kind, rest))


PLOTLY_PATH = "vendor/plotly-atlas.min.js"  # built by tools/plotly_bundle (docs/ARCHITECTURE.md), served here too
PLOTLY_BUNDLE = REPO_ROOT / PLOTLY_PATH


def serve_plotly(app: Dash) -> str:
    """The atlas's partial plotly.js at /vendor/plotly-atlas.min.js?v=<hash>: only the trace types it draws, so
    the browser evaluates far less script before the first map than Dash's full bundle. A script tag ahead of
    Dash's components loads it, so dcc.Graph finds window.Plotly and never asks for Dash's bundle, whose entry is
    dropped. Returns the URL."""
    bundle = resource_of(PLOTLY_BUNDLE.read_bytes())

    def plotly_js():
        one_url(bundle.etag)
        return immutable_response(bundle.gzipped, lambda: bundle.body, bundle.etag, "text/javascript")

    app.server.add_url_rule(f"{app.config.routes_pathname_prefix}{PLOTLY_PATH}", "plotly_js", plotly_js)
    # Dash appends its plotly.js to dcc's shared resource list at each app's construction: keep none of them.
    dcc._js_dist[:] = [resource for resource in dcc._js_dist if resource.get("namespace") != "plotly"]
    url = f"{app.config.requests_pathname_prefix}{PLOTLY_PATH}?v={bundle.etag}"
    app.config.external_scripts = [url, *app.config.external_scripts]
    return url


def preload_first_map(app: Dash, services: AtlasServices, plotly_url: str) -> None:
    """The HTML of a map page (Explore, Bids) names, in Link headers, what its first map waits for: plotly.js
    (`plotly_url`), dcc's chunks for its graph and controls, the geometry and (Explore) the measure cube. The
    browser fetches them while Dash starts instead of after the page's first callback, into its HTTP cache, where
    MapLibre's worker, React and the map script find them."""
    prefix = app.config.requests_pathname_prefix

    def first_map(path: str) -> tuple[list[str], list[str]] | None:
        """(what the page's first map fetches, the lazily loaded script chunks it renders with besides dcc's)."""
        if path in (prefix, prefix.rstrip("/")):
            view = parse_view(request.args.to_dict(), services.explore_options)
            urls = services.layers.urls(view.level, view.year)
            return [first_geometry(urls, LONDON_ZOOM if view.zoom is None else view.zoom), urls["borough"],
                    prefix + services.cubes.template(view.level, view.params).replace(MEASURE_SLOT, view.measure)], []
        if path == f"{prefix}bids":
            year = max(services.view_options.years[(BID_MEASURE, BID_LEVEL)])  # the geometry is every year's
            # the ranked bids' grid and the upload box render beside the map (ag-grid's chunk is 255 kB)
            return [services.layers.url(BID_LEVEL, year), services.layers.url("borough", year)], [
                f"{prefix}_dash-component-suites/dash_ag_grid/async-community.js",
                f"{prefix}_dash-component-suites/dash/dcc/async-upload.js"]
        return None

    # dcc's lazily loaded chunks a map page renders with: requested only once React first renders the Graph,
    # Dropdown and Slider (after the layout's round trip), unless preloaded with the page.
    chunks = [f"{prefix}_dash-component-suites/dash/dcc/async-{name}.js" for name in ("graph", "dropdown", "slider")]

    def links(response: Response) -> Response:
        if request.method != "GET" or response.mimetype != "text/html" or response.status_code != 200:
            return response
        first = first_map(request.path)
        if first:
            fetched, page_chunks = first
            scripts = [f"<{url}>; rel=preload; as=script" for url in (plotly_url, *chunks, *page_chunks)]
            response.headers["Link"] = ", ".join(scripts + [f"<{url}>; rel=preload; as=fetch; crossorigin"
                                                            for url in dict.fromkeys(fetched)])
        return response

    app.server.after_request(links)

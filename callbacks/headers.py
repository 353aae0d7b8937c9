"""The headers every response carries: what a page may load and run (Content-Security-Policy), who may frame
the atlas, no MIME sniffing, and how much of a URL leaves with a followed link.

The policy is the smallest one the atlas really satisfies (an e2e test loads
every page, an embed, a print view and a bids link and finds no violation):

- scripts only from the atlas itself, plus Dash's one inline line that starts
  its renderer, allowed by its sha256 (`Dash.csp_hashes`, computed once the
  callbacks are registered, so any inline clientside script is covered too);
- styles from the atlas plus inline ones: Dash components, ag-grid themes and
  Plotly inject <style> elements and style attributes at run time;
- images also from data: and blob: (Bootstrap's inline SVG icons, Plotly's PNG
  export), connections also to data: (the self-contained basemap style is a
  data: URL that MapLibre fetches), workers from blob: (MapLibre's);
- no plugins, no <base> or form posts elsewhere, and frames only from
  GP_ATLAS_FRAME_ANCESTORS (default 'self').

A street basemap (GP_ATLAS_BASEMAP, e.g. carto-positron) fetches its style,
tiles and glyphs from the web, so with one set `https:` is added to
connect-src and img-src; the offline default keeps the atlas self-contained.
"""
from __future__ import annotations

import logging
import os
import re

from dash import Dash

from layout.mapfig import OFFLINE_STYLE_URL, basemap_style

log = logging.getLogger(__name__)
SAFE_SOURCE = re.compile(r"^(?:'self'|'none'|\*|https?://[A-Za-z0-9.\-]+(?::\d+)?|https?://\*\.[A-Za-z0-9.\-]+|"
                         r"[A-Za-z0-9.\-]+(?::\d+)?)$")
REFERRER_POLICY = "strict-origin-when-cross-origin"


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


def content_security_policy(script_hashes: list[str], frames: str, remote_basemap: bool = False) -> str:
    """The policy: `script_hashes` are the quoted 'sha256-...' sources of the inline scripts Dash writes,
    `frames` the frame-ancestors directive."""
    web = " https:" if remote_basemap else ""
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(script_hashes),
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{web}",
        f"connect-src 'self' data:{web}",
        "worker-src blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        frames,
    ])


def add_security_headers(app: Dash) -> None:
    """Every response (pages, callbacks, assets, geometry, errors) gets the headers; the policy is built at
    the first response, when every callback (and so every inline script Dash writes) is registered."""
    frames = frame_ancestors(os.environ.get("GP_ATLAS_FRAME_ANCESTORS"))
    remote_basemap = basemap_style() != OFFLINE_STYLE_URL
    headers: dict[str, str] = {}

    def secure(response):
        if not headers:
            headers.update({"Content-Security-Policy": content_security_policy(app.csp_hashes(), frames,
                                                                               remote_basemap),
                            "X-Content-Type-Options": "nosniff", "Referrer-Policy": REFERRER_POLICY})
        response.headers.update(headers)
        return response

    app.server.after_request(secure)

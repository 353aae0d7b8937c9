"""/briefing.pdf and /bids/briefing.pdf: the one-page briefing of the view in the query (layout/briefing.py), as
the Explore page's 'Download briefing (PDF)' link, each bid's, and the Share dialog fetch it."""
from __future__ import annotations

import logging

from dash import Dash
from flask import Response, request

from layout.briefing import briefing
from layout.services import AtlasServices

log = logging.getLogger(__name__)


def briefing_response(services: AtlasServices, page: str, query: str) -> Response:
    """The PDF as a download named after the view; a plain message (never a traceback) if it cannot be drawn."""
    try:
        content, stem = briefing(services, f"{page}?{query}", "pdf")
    except Exception:  # noqa: BLE001 - the person gets a message, the log the details
        log.exception("briefing of %s?%s failed", page, query)
        return Response("The briefing of this view could not be drawn; check the link or try the map's CSV.",
                        status=500, mimetype="text/plain")
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"', "Cache-Control": "no-store"})


def register(app: Dash, services: AtlasServices) -> None:
    prefix = app.config.routes_pathname_prefix
    for page, endpoint in (("/", "briefing"), ("/bids", "bids_briefing")):
        path = f"{prefix}{page.strip('/')}{'/' if page != '/' else ''}briefing.pdf"
        app.server.add_url_rule(path, endpoint, lambda page=page: briefing_response(
            services, page, request.query_string.decode("utf-8", "replace")))

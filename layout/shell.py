"""The app shell (URL, navbar, page slot, footer) and the routing of a URL to a page layout."""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from data.licences import SHORT_ATTRIBUTION
from layout.pages import PAGES, page_for
from layout.services import AtlasServices
from layout.share import share_button, share_modal

APP_TITLE = "London GP Provision Atlas"
LANGUAGE = "en-GB"
log = logging.getLogger(__name__)


def nav_id(path: str) -> dict:
    return {"type": "nav-link", "path": path}


def navbar() -> dbc.Navbar:
    """Brand, Share and the page links; below the lg breakpoint the links fold behind a Menu button."""
    links = [dbc.NavItem(dbc.NavLink(page.label, href=dash.get_relative_path(page.path), id=nav_id(page.path),
                                     active="exact"))
             for page in PAGES if page.in_navbar]
    return dbc.Navbar(dbc.Container([
        dbc.NavbarBrand([html.Span("●", className="brand-dot me-2", **{"aria-hidden": "true"}), APP_TITLE],
                        href=dash.get_relative_path("/"), class_name="fw-semibold"),
        html.Div([share_button(),
                  html.Button([html.Span(className="navbar-toggler-icon"), html.Span("Menu", className="ms-1")],
                              id="navbar-toggle", type="button", className="navbar-toggler ms-2 py-1", n_clicks=0,
                              **{"aria-controls": "navbar-links", "aria-expanded": "false"})],
                 className="d-flex align-items-center order-lg-last"),
        dbc.Collapse(dbc.Nav(links, navbar=True, class_name="ms-auto"), id="navbar-links", navbar=True,
                     is_open=False),
    ], fluid=True), id="navbar", color="dark", dark=True, expand="lg", class_name="py-1 mb-2 no-print")


def with_language(index_string: str) -> str:
    """Dash's page template with the page's language declared, so screen readers pronounce it as British
    English (WCAG 3.1.1)."""
    return re.sub(r"<html(?![^>]*\blang=)", f'<html lang="{LANGUAGE}"', index_string, count=1)


def skip_link(pathname: str | None) -> tuple[str, str]:
    """Text and target of the page's skip link: straight to the map on pages with one, else to the content."""
    page = page_for("/" + (dash.strip_relative_path(pathname or "/") or ""))
    if page is not None and page.map_id:
        return "Skip to map", f"#{page.map_id}"
    return "Skip to main content", "#page"


def shell() -> html.Div:
    return html.Div([
        dcc.Location(id="url", refresh=False),
        html.A("Skip to main content", href="#page", id="skip-link", className="skip-link"),
        navbar(),
        html.Main(id="page", className="container-fluid pb-2"),
        html.Footer([SHORT_ATTRIBUTION, " ", dcc.Link("About the data", href=dash.get_relative_path("/about"))],
                    id="footer", className="site-footer container-fluid"),
        share_modal(),
    ], id="shell")


def route(services: AtlasServices, broken: Mapping[str, str], pathname: str | None, search: str | None) -> tuple:
    """Page content, navbar/footer visibility and shell class for a URL. Never raises: a page whose callbacks
    failed to load (`broken`: path -> error) or whose layout fails shows one clear message (the exception goes
    to the server log)."""
    params = dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=True))
    chrome_less = params.get("embed", "").strip().lower() in ("1", "true", "yes", "on")
    printing = params.get("print", "").strip().lower() in ("1", "true", "yes", "on")
    hidden = {"display": "none"} if chrome_less else {}
    shell_class = " ".join(c for c in ("embed" if chrome_less else "", "print-mode" if printing else "") if c)
    page = page_for("/" + (dash.strip_relative_path(pathname or "/") or ""))
    if page is None:
        return not_found(pathname), hidden, hidden, shell_class
    if page.path in broken:
        return dbc.Alert([html.H4(f"{page.label} is unavailable"), html.P("This page failed to start on the server "
                          "(details in the server log); the rest of the atlas works."),
                          dcc.Link("Go to the map", href=dash.get_relative_path("/"))], color="danger",
                         class_name="m-3"), hidden, hidden, shell_class
    try:
        content = page.render(services, **params)
    except Exception:  # noqa: BLE001 - any failure must reach the user as a message, not a traceback
        log.exception("rendering %s?%s failed", pathname, search)
        content = dbc.Alert(["This view could not be drawn. ",
                             dcc.Link("Start again", href=dash.get_relative_path("/")),
                             " or check the link."], color="danger", class_name="m-3")
    return content, hidden, hidden, shell_class


def not_found(pathname: str | None) -> html.Div:
    return dbc.Alert([html.H4("Page not found"), html.P(f"There is no page at {pathname}."),
                      dcc.Link("Go to the map", href=dash.get_relative_path("/"))], color="warning", class_name="m-3")

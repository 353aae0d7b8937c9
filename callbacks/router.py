"""Routing: the URL path picks a page from layout.pages.PAGES; the navbar links keep the view's query."""
from __future__ import annotations

from collections.abc import Mapping

from dash import ALL, ClientsideFunction, Dash, Input, Output, State

from callbacks.common import bind
from layout.services import AtlasServices
from layout.shell import nav_id, route, skip_link


def register(app: Dash, services: AtlasServices, broken: Mapping[str, str]) -> None:
    def render_page(services, pathname, search):
        return route(services, broken, pathname, search)

    app.callback(Output("page", "children"), Output("navbar", "style"), Output("footer", "style"),
                 Output("shell", "className"), Input("url", "pathname"), State("url", "search"))(
        bind(services, render_page))
    # The navbar links keep the view's query (assets/explore_view.js navHrefs): in the browser, as the address
    # bar changes with every year or measure switch.
    app.clientside_callback(ClientsideFunction("atlas", "navHrefs"), Output(nav_id(ALL), "href"),
                            Input("url", "search"), State(nav_id(ALL), "href"))
    # The phone navbar's Menu button (assets/shell.js): open or close the links, and say so to screen readers.
    app.clientside_callback(ClientsideFunction("atlas_shell", "toggleMenu"), Output("navbar-links", "is_open"),
                            Input("navbar-toggle", "n_clicks"), Input("url", "pathname"),
                            State("navbar-links", "is_open"), prevent_initial_call=True)
    app.callback(Output("skip-link", "children"), Output("skip-link", "href"), Input("url", "pathname"))(skip_link)

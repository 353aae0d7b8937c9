"""Routing: the URL path picks a page from layout.pages.PAGES; the navbar links keep the view's query."""
from __future__ import annotations

from dash import ALL, Input, Output, State, callback, ctx

from layout.shell import nav_hrefs, nav_id, route


@callback(Output("page", "children"), Output("navbar", "style"), Output("footer", "style"),
          Output("shell", "className"), Input("url", "pathname"), State("url", "search"))
def render_page(pathname, search):
    return route(pathname, search)


@callback(Output(nav_id(ALL), "href"), Input("url", "search"))
def keep_view_in_nav(search):
    return nav_hrefs([output["id"]["path"] for output in ctx.outputs_list], search)

"""The registry of pages: the one place a new page (and its navbar link) is added.

Each `Page` names a route, a navbar label and the module whose
``page(services, /, **url_params)`` builds its layout from the URL query (raw
strings, as the router passes them; parse them with `layout.view.parse_view`
so links, embeds and notices behave like every other page). The router
(callbacks/router.py) and the navbar (layout/shell.py) read only this list; a
page's callbacks are registered by `callbacks.register_callbacks`, which names
its module beside the path.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    path: str
    label: str
    layout_module: str
    in_navbar: bool = True
    map_id: str | None = None  # the element the "Skip to map" link goes to (pages with a map)

    def render(self, services, /, **url_params):
        return importlib.import_module(self.layout_module).page(services, **url_params)


PAGES: tuple[Page, ...] = (
    Page("/", "Explore", "layout.explore", map_id="explore-map-region"),
    Page("/trends", "Trends & rankings", "layout.trends"),
    Page("/practice", "Practice", "layout.practice"),
    Page("/bids", "Bids", "layout.bids", map_id="bids-map-region"),
    Page("/about", "About the data", "layout.about"),
)


def page_for(pathname: str | None, pages: tuple[Page, ...] = PAGES) -> Page | None:
    """The page serving a path ('/trends/' and '/trends' alike); None for an unknown path."""
    path = "/" + (pathname or "/").strip("/")
    return next((page for page in pages if page.path == path), None)

"""The registry of pages: the one place a new page (and its navbar link) is added.

Each `Page` names a route, a navbar label, the module whose ``page(**url_params)``
builds its layout from the URL query (raw strings, as Dash Pages passes them),
and the module that registers its callbacks with ``@dash.callback`` (imported
once at start-up by app.py). The router (callbacks/router.py) and the navbar
(layout/shell.py) read only this list.

Adding the Bids page is one line here, once layout/bids.py and callbacks/bids.py exist::

    Page("/bids", "Bids", "layout.bids", "callbacks.bids"),

`page(**url_params)` receives every query parameter (e.g. level=ward, year=2024,
embed=1) and should parse them with `layout.view.parse_view` so links, embeds
and notices behave like every other page.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Page:
    path: str
    label: str
    layout_module: str
    callbacks_module: str | None = None
    in_navbar: bool = True

    def render(self, **url_params):
        return importlib.import_module(self.layout_module).page(**url_params)


PAGES: tuple[Page, ...] = (
    Page("/", "Explore", "layout.explore", "callbacks.explore"),
    Page("/trends", "Trends & rankings", "layout.trends", "callbacks.trends"),
    Page("/practice", "Practice", "layout.practice", "callbacks.practice"),
    Page("/bids", "Bids", "layout.bids", "callbacks.bids"),
    Page("/about", "About the data", "layout.about"),
)


def page_for(pathname: str | None, pages: tuple[Page, ...] = PAGES) -> Page | None:
    """The page serving a path ('/trends/' and '/trends' alike); None for an unknown path."""
    path = "/" + (pathname or "/").strip("/")
    return next((page for page in pages if page.path == path), None)


def register_callbacks(pages: tuple[Page, ...] = PAGES) -> dict[str, str]:
    """Import every page's callbacks module so its @dash.callback decorators run (once per process).

    A page whose callbacks fail to load is reported (path -> error) rather than taking the whole atlas
    down; app.py logs it and the router shows that page as unavailable.
    """
    broken = {}
    for page in pages:
        if page.callbacks_module:
            try:
                importlib.import_module(page.callbacks_module)
            except Exception as exc:  # noqa: BLE001 - one broken page must not stop the others
                log.exception("callbacks of %s (%s) failed to load", page.path, page.callbacks_module)
                broken[page.path] = f"{exc.__class__.__name__}: {exc}"
    return broken

"""Dash callbacks: thin functions that read inputs, call layout/ and geo/, and return outputs.

Every callback is a module-level function whose first argument is the `AtlasServices` (so a test calls it
directly with the services it built); each page's module has `register(app, services)`, which binds the
services and wires the callbacks to that app. `register_callbacks` registers them all, keeping a page whose
callbacks fail to load out of the way of the others.
"""
from __future__ import annotations

import importlib
import logging

from dash import Dash

from layout.services import AtlasServices

log = logging.getLogger(__name__)

PAGE_CALLBACKS = {"/": "callbacks.explore", "/trends": "callbacks.trends", "/practice": "callbacks.practice",
                  "/bids": "callbacks.bids"}
SHELL_CALLBACKS = ("callbacks.briefing", "callbacks.share")  # on every page: briefing downloads, the Share dialog


def register_callbacks(app: Dash, services: AtlasServices) -> dict[str, str]:
    """Register every page's callbacks and the router on `app`; returns the pages that failed (path -> error),
    which the router then shows as unavailable while the rest of the atlas works."""
    broken = {}
    for path, module in PAGE_CALLBACKS.items():
        try:
            importlib.import_module(module).register(app, services)
        except Exception as exc:  # noqa: BLE001 - one broken page must not stop the others
            log.exception("callbacks of %s (%s) failed to load", path, module)
            broken[path] = f"{exc.__class__.__name__}: {exc}"
    for module in SHELL_CALLBACKS:
        importlib.import_module(module).register(app, services)
    from callbacks import router
    router.register(app, services, broken)
    return broken

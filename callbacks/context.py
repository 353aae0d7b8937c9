"""Process-wide, read-only analytics context shared by every callback.

Each gunicorn worker loads the tidy model once and keeps one `Provision`
(whose memo only ever caches pure results); no user state lives here.
"""
from __future__ import annotations

from functools import lru_cache

from data.loader import shared_atlas
from geo.measures import Provision


@lru_cache(maxsize=1)
def provision() -> Provision:
    return Provision(shared_atlas())

"""`load_atlas()`: the one entry point the app and the analytics use to get data."""
from __future__ import annotations

from pathlib import Path

from data.build import refresh
from data.config import cache_dir, data_dir
from data.model import AtlasData


def load_atlas(root: Path | None = None, target: Path | None = None) -> AtlasData:
    """The tidy model from the cache, rebuilt first (with the same plausibility checks as
    `python -m data.build`) when it is missing, older than its inputs or damaged."""
    model, _ = refresh(root or data_dir(), target or cache_dir())
    return model


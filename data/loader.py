"""`load_atlas()`: the one entry point the app and the analytics use to get data."""
from __future__ import annotations

from pathlib import Path

from data import cache
from data.build import build_model
from data.config import cache_dir, data_dir
from data.model import AtlasData


def load_atlas(root: Path | None = None, target: Path | None = None) -> AtlasData:
    """The tidy model from the cache, rebuilding it first when missing or older than its inputs."""
    root = root or data_dir()
    target = target or cache_dir()
    if cache.is_stale(root, target):
        cache.write(build_model(root), root, target)
    return cache.read(target)


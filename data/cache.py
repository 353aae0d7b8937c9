"""The git-ignored cache of the tidy model: fresh-or-rebuild, atomic writes.

The cache is stale when it is missing, incomplete, built by different `data/`
code, or when any input file was added, removed or changed (size or mtime)
since it was built. Writes go to a temporary folder that replaces the cache
in one rename, under a lock, so readers never see half a cache.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from data.errors import DataFileError
from data.model import AtlasData
from data.quality import QualityReport

MANIFEST = "manifest.json"
FRAMES = ("practice_years", "pcns", "lsoa_years", "flows", "postcodes")
INPUT_SUFFIXES = (".csv", ".gz", ".xlsx", ".shp", ".dbf", ".shx", ".prj", ".gpkg", ".geojson", ".parquet")


def code_version() -> str:
    """Hash of the data/ package source: changing how we build invalidates the cache."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def input_signature(root: Path) -> dict[str, list[int]]:
    return {str(p.relative_to(root)): [p.stat().st_size, p.stat().st_mtime_ns]
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in INPUT_SUFFIXES}


def is_stale(root: Path, target: Path) -> bool:
    manifest = target / MANIFEST
    if not manifest.is_file():
        return True
    try:
        recorded = json.loads(manifest.read_text())
    except (OSError, ValueError):
        return True
    return (recorded.get("code_version") != code_version()
            or recorded.get("inputs") != input_signature(root)
            or not all((target / name).exists() for name in recorded.get("files", [])))


@contextmanager
def _lock(target: Path):
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write(model: AtlasData, root: Path, target: Path) -> None:
    with _lock(target):
        staging = target.parent / f".{target.name}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            files = ["practices.parquet", "quality.json"]
            model.practices.to_parquet(staging / "practices.parquet")
            for name in FRAMES:
                getattr(model, name).to_parquet(staging / f"{name}.parquet")
                files.append(f"{name}.parquet")
            for level in model.areas:
                model.areas[level].to_parquet(staging / f"areas_{level}.parquet")
                model.areas_web[level].to_parquet(staging / f"areas_web_{level}.parquet")
                files += [f"areas_{level}.parquet", f"areas_web_{level}.parquet"]
            (staging / "quality.json").write_text(json.dumps(model.quality.to_dict(), indent=1, default=str))
            meta = {"code_version": code_version(), "inputs": input_signature(root), "files": files,
                    "levels": list(model.areas), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "data_dir": str(root)}
            (staging / MANIFEST).write_text(json.dumps(meta, indent=1))
            previous = target.parent / f".{target.name}.old-{os.getpid()}"
            if target.exists():
                target.rename(previous)
            try:
                staging.rename(target)
            except OSError:
                if previous.exists():  # put the old, complete cache back
                    previous.rename(target)
                raise
            shutil.rmtree(previous, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def read(target: Path) -> AtlasData:
    try:
        meta = json.loads((target / MANIFEST).read_text())
        frames = {name: pd.read_parquet(target / f"{name}.parquet") for name in FRAMES}
        areas = {level: gpd.read_parquet(target / f"areas_{level}.parquet") for level in meta["levels"]}
        web = {level: gpd.read_parquet(target / f"areas_web_{level}.parquet") for level in meta["levels"]}
        practices = gpd.read_parquet(target / "practices.parquet")
        quality = QualityReport.from_dict(json.loads((target / "quality.json").read_text()))
    except (OSError, ValueError, KeyError) as exc:
        raise DataFileError(target, f"cache unreadable ({exc}); run `python -m data.build --force`") from exc
    return AtlasData(practices=practices, areas=areas, areas_web=web, quality=quality, meta=meta, **frames)

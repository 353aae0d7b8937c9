"""The git-ignored cache of the tidy model: fresh-or-rebuild, atomic writes.

The cache is stale when it is missing, built by different `data/` code, or
when any input file was added, removed or changed (size or mtime) since it was
built; it is damaged when its manifest or one of its files is missing or
unreadable (the loader then rebuilds it, saying so in one log line). Writes go
to a temporary folder that replaces the cache in one rename, under a lock, so
readers never see half a cache. Messages name cache files relative to the
cache folder, never the server's paths.
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
FRESH = "fresh"
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


class CacheDamaged(DataFileError):
    """A cache file is missing or unreadable (the cure is a rebuild, not a fix by hand)."""


def state(root: Path, target: Path) -> str:
    """FRESH, or why not: 'missing', 'stale (...)' or 'damaged (...)'."""
    manifest = target / MANIFEST
    if not target.exists():
        return "missing"
    try:
        recorded = json.loads(manifest.read_text())
        files, version, inputs = recorded["files"], recorded["code_version"], recorded["inputs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"damaged ({MANIFEST} {'missing' if not manifest.exists() else 'unreadable'}: {type(exc).__name__})"
    absent = [name for name in files if not (target / name).is_file()]
    if absent:
        return f"damaged ({', '.join(absent)} missing)"
    if version != code_version():
        return "stale (the data code changed)"
    return FRESH if inputs == input_signature(root) else "stale (input files changed)"


def is_stale(root: Path, target: Path) -> bool:
    return state(root, target) != FRESH


def previous_report(root: Path, target: Path) -> QualityReport | None:
    """The last build's quality report, if it was built from this data directory and can be read."""
    try:
        if json.loads((target / MANIFEST).read_text()).get("data_dir") != str(root):
            return None
        return QualityReport.from_dict(json.loads((target / "quality.json").read_text()))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


@contextmanager
def file_lock(target: Path):
    """Held by one process at a time per target (an advisory lock file beside it): gunicorn workers and builds
    that write the same file take turns."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write(model: AtlasData, root: Path, target: Path) -> None:
    with file_lock(target):
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


def _load(target: Path, name: str, reader):
    """One cache file through `reader`; any failure is damage. The cache is our own artefact, so whatever a
    truncated or overwritten file makes the parquet, JSON or geometry decoders raise means: rebuild it."""
    try:
        return reader(target / name)
    except Exception as exc:  # noqa: BLE001 - see the docstring
        detail = " ".join(str(exc).split()).replace(f"{target}/", "").replace(str(target), "the cache")
        raise CacheDamaged(target / name, f"cache unreadable ({type(exc).__name__}: {detail[:200]})"
                           ).within(target) from exc


def _manifest(path: Path) -> dict:
    meta = json.loads(path.read_text())
    meta["levels"] = [str(level) for level in meta["levels"]]
    return meta


def read(target: Path) -> AtlasData:
    meta = _load(target, MANIFEST, _manifest)
    frames = {name: _load(target, f"{name}.parquet", pd.read_parquet) for name in FRAMES}
    areas = {level: _load(target, f"areas_{level}.parquet", gpd.read_parquet) for level in meta["levels"]}
    web = {level: _load(target, f"areas_web_{level}.parquet", gpd.read_parquet) for level in meta["levels"]}
    practices = _load(target, "practices.parquet", gpd.read_parquet)
    quality = _load(target, "quality.json", lambda path: QualityReport.from_dict(json.loads(path.read_text())))
    return AtlasData(practices=practices, areas=areas, areas_web=web, quality=quality, meta=meta, **frames)

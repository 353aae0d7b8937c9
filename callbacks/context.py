"""Process-wide, read-only analytics context shared by every callback.

Each gunicorn worker loads the tidy model once and keeps one `Provision`
(whose memo only ever caches pure results); no user state lives here. The
other accessors are memoised the same way: pure derivations of the model
(web geometry serialised once per layer, the search index, the URL
validation options), so every user gets the same answer for the same view.
"""
from __future__ import annotations

import threading
from functools import lru_cache

import dash

from data.geography import web_copy
from data.loader import shared_atlas
from geo.access import D0_RANGE, DEFAULT_D0
from geo.export import LEVELS, AreaTables
from geo.measures import MEASURES, Provision
from geo.need import WEIGHTINGS
from geo.search import build_index
from layout.geometry import WebLayer, geometry_url, web_layer
from layout.view import ViewOptions


@lru_cache(maxsize=1)
def provision() -> Provision:
    return Provision(shared_atlas())


@lru_cache(maxsize=1)
def area_tables() -> AreaTables:
    return AreaTables(provision())


def layer_name(level: str, year: int) -> str:
    """Geometry file of a level: PCN catchments differ by year, every other level is fixed."""
    return f"pcn-{year}" if level == "pcn" else level


@lru_cache(maxsize=24)
def named_layer(name: str) -> WebLayer:
    """Serialise a layer once per process; KeyError/ValueError for a name that is not a layer."""
    if name.startswith("pcn-"):
        year = int(name.removeprefix("pcn-"))
        if year not in area_tables().years("e2sfca", "pcn"):
            raise KeyError(name)
        catchments = area_tables().pcn_polygons(year)
        frame = web_copy(catchments.rename(columns={"pcn_code": "area_code", "pcn_name": "area_name"}), "pcn")
    else:
        frame = shared_atlas().areas_web[name]
    return web_layer(name, frame)


def layer_for(level: str, year: int) -> WebLayer:
    return named_layer(layer_name(level, year))


def layer_url(level: str, year: int) -> str:
    """Where the browser fetches a layer (under the app's URL prefix)."""
    return geometry_url(layer_for(level, year), dash.get_relative_path("/"))


def geometry_urls(level: str, year: int) -> dict[str, str]:
    """URLs of the geometry a map of this level and year names (see layout.mapfig.map_figure)."""
    pcn_year = max(year, min(area_tables().years("e2sfca", "pcn")))
    return {"layer": layer_url(level, year), "lsoa": layer_url("lsoa11", year), "borough": layer_url("borough", year),
            "pcn": layer_url("pcn", pcn_year)}


@lru_cache(maxsize=1)
def view_options() -> ViewOptions:
    tables, atlas = area_tables(), shared_atlas()
    pcn_codes = frozenset().union(*(set(tables.pcn_assignment(y).unique()) for y in tables.years("e2sfca", "pcn")))
    areas = {level: frozenset(atlas.areas[level]["area_code"]) for level in atlas.areas}
    gp = atlas.practices[atlas.practices["is_gp"].fillna(False).astype(bool)]
    return ViewOptions(
        levels=dict(LEVELS), measures={key: spec.label for key, spec in MEASURES.items()},
        years={(measure, level): tuple(tables.years(measure, level)) for measure in MEASURES for level in LEVELS},
        weightings=dict(WEIGHTINGS), d0_range=D0_RANGE, default_d0=DEFAULT_D0,
        areas={**areas, "pcn": pcn_codes}, practices=frozenset(gp["practice_code"]))


@lru_cache(maxsize=1)
def search_index():
    atlas = shared_atlas()
    return build_index(atlas.practices, atlas.areas, dict(LEVELS))


@lru_cache(maxsize=1)
def warm_up() -> threading.Thread:
    """Once per process, compute in the background what the first views need (series for persistence,
    geometry, search), so start-up is not delayed and the first clicks are fast. Only pure results are
    memoised."""
    def run():
        tables = area_tables()
        for name in ("lsoa11", "borough", "msoa11", "ward", "ccg19", "icb"):
            named_layer(name)
        view_options()
        search_index()
        for measure in MEASURES:
            years = tables.years(measure, "lsoa11")
            tables.persistence(measure, "lsoa11", max(years), "age", DEFAULT_D0, 4, 5, 0.2)
    thread = threading.Thread(target=run, name="atlas-warm-up", daemon=True)
    thread.start()
    return thread

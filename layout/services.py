"""`AtlasServices`: everything a page or callback needs from the data, built once and passed in.

One object per process (per gunicorn worker), made by `app.create_app()` and
handed to every page layout and callback, and made the same way by tests and
benches (from the hand-made bundle or the real one). It holds only read-only
data and pure, memoised derivations of it (bounded memos), so every user gets
the same answer for the same view and no state leaks between requests.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from data.geography import OVERVIEW_TOLERANCE_M
from data.model import AtlasData
from data.results import FileStore, RedisStore, SharedResults, results_store
from geo.agreement_tables import AGREEMENT, AgreementTables
from geo.bids import BidScenarios
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.need import WEIGHTINGS
from geo.provision import Provision
from geo.search import build_index
from geo.tables import AreaTables
from layout.agreement_view import AGREEMENT_LABEL
from layout.cubes import Cubes
from layout.geometry import OVERVIEW, WebLayers
from layout.view import ViewOptions

WARM_LEVELS = ("lsoa11", "borough", "msoa11", "ward", "ccg19", "icb")
CODE = Path(__file__).resolve().parent.parent  # what the version hashes: the analytics and how they are shown
VERSIONED_CODE = ("geo", "layout")


def results_version(atlas: AtlasData) -> str:
    """Hash of the tidy model's build (its inputs and data/ code) and of the geo/ and layout/ code: the version
    in every immutable URL of derived results, so that new data or code never reuses an old cached answer."""
    built = {key: atlas.meta.get(key) for key in ("code_version", "inputs")}  # not when or where: every worker agrees
    digest = hashlib.sha256(json.dumps(built, sort_keys=True, default=str).encode())
    for package in VERSIONED_CODE:
        for path in sorted((CODE / package).rglob("*.py")):
            digest.update(str(path.relative_to(CODE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class AtlasServices:
    """The tidy data (`atlas`), the analytics (`provision`, `tables`, `bids`), the web geometry (`layers`),
    the method agreement (`agreement`), the measure cubes (`cubes`, with the `version` in their URLs), the
    search index and what URLs may ask for (`view_options`; Explore's: `explore_options`).
    `store`: where results are shared with other workers (default: GP_ATLAS_RESULTS, else the cache directory)."""

    def __init__(self, atlas: AtlasData, store: FileStore | RedisStore | None = None):
        self.atlas = atlas
        self.version = results_version(atlas)
        self.shared = SharedResults(results_store() if store is None else store, self.version)
        self.provision = Provision(atlas, self.shared)
        self.tables = AreaTables(self.provision)
        self.layers = WebLayers(self.tables)
        self.bids = BidScenarios(self.tables)
        self.agreement = AgreementTables(self.tables)
        self.cubes = Cubes(self.tables, self.shared, self.agreement)
        self._warm_up: threading.Thread | None = None
        self._warm_lock = threading.Lock()

    @cached_property
    def view_options(self) -> ViewOptions:
        tables, atlas = self.tables, self.atlas
        pcn_codes = frozenset().union(*(set(tables.pcn_assignment(y).unique()) for y in tables.pcn_years()))
        areas = {level: frozenset(atlas.areas[level]["area_code"]) for level in atlas.areas}
        gp = atlas.practices[atlas.practices["is_gp"].fillna(False).astype(bool)]
        return ViewOptions(
            levels=dict(LEVELS), measures={key: spec.label for key, spec in MEASURES.items()},
            years={(measure, level): tuple(tables.years(measure, level)) for measure in MEASURES for level in LEVELS},
            weightings=dict(WEIGHTINGS), areas={**areas, "pcn": pcn_codes}, practices=frozenset(gp["practice_code"]))

    @cached_property
    def explore_options(self) -> ViewOptions:
        """What an Explore URL may ask for: the measures, plus the method-agreement map wherever at least two
        measures have data (the other pages chart one measure at a time)."""
        options = self.view_options
        years = {(AGREEMENT, level): tuple(self.agreement.years(level)) for level in LEVELS}
        return replace(options, measures={**options.measures, AGREEMENT: AGREEMENT_LABEL},
                       years={**options.years, **years})

    @cached_property
    def search_index(self) -> pd.DataFrame:
        return build_index(self.atlas.practices, self.atlas.areas, dict(LEVELS))

    def warm_up(self) -> threading.Thread:
        """Once per process, compute in the background what the first views need (geometry, search, the
        series behind persistence), so start-up is not delayed and the first clicks are fast."""
        with self._warm_lock:
            if self._warm_up is None:
                self._warm_up = threading.Thread(target=self._warm, name="atlas-warm-up", daemon=True)
                self._warm_up.start()
        return self._warm_up

    def _warm(self) -> None:
        for name in (*WARM_LEVELS, *(level + OVERVIEW for level in OVERVIEW_TOLERANCE_M)):
            self.layers.named(name)
        _ = self.view_options, self.search_index
        self.cubes.warm()

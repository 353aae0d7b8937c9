"""`Cubes`: the measure and hot-spot cubes as immutable HTTP resources, computed once for all workers.

A resource is its JSON document (layout/explore_cube.py) gzipped once, with a strong ETag. Three levels
answer a request: this worker's byte-bounded memo; then the shared results store (data/results.py: files in
the cache directory, or Redis), where the first worker to compute a cube leaves it for the others; then the
computation itself, under the store's lock so that two workers never compute the same cube at once. The
default parameters' cubes are computed at warm-up, in the background.
"""
from __future__ import annotations

import gzip
import hashlib
import logging
import os
from dataclasses import dataclass

import orjson
from plotly.io.json import to_json_plotly

from data.results import SharedResults
from geo.agreement_tables import AGREEMENT, AgreementTables
from geo.cube import hotspot_cube, measure_cube
from geo.measures import MEASURES
from geo.memo import MB, Memo
from geo.need import WEIGHTINGS
from geo.params import DEFAULT_PARAMS, AnalysisParams
from geo.tables import AreaTables
from layout.agreement_cube import agreement_document
from layout.explore_cube import (
    MEASURE_SLOT,
    cube_document,
    cube_path,
    hotspot_document,
    hotspot_path,
    parse_cube_path,
    parse_hotspot_path,
)

log = logging.getLogger(__name__)
MEMO_BYTES = 48 * MB  # gzipped documents: ~100-300 kB per LSOA cube, a few kB for a borough's
WARM_LEVELS = ("lsoa11", "borough", "msoa11", "ward", "ccg19", "icb", "pcn")


@dataclass(frozen=True)
class Resource:
    gzipped: bytes
    etag: str  # content hash (unquoted); the gzip representation's validator adds '-gzip'

    @property
    def body(self) -> bytes:
        return gzip.decompress(self.gzipped)


def resource_of(body: bytes) -> Resource:
    """A document's bytes, gzipped deterministically (no timestamp), so every worker makes the same resource."""
    return Resource(gzip.compress(body, 6, mtime=0), hashlib.sha256(body).hexdigest()[:20])


def stored_resource(resource: Resource) -> bytes:
    return orjson.dumps({"etag": resource.etag}) + b"\n" + resource.gzipped


def resource_from_store(entry: bytes) -> Resource:
    header, gzipped = entry.split(b"\n", 1)
    return Resource(gzipped, orjson.loads(header)["etag"])


class Cubes:
    def __init__(self, tables: AreaTables, shared: SharedResults, agreement: AgreementTables | None = None):
        self.tables, self.shared, self.version = tables, shared, shared.version
        self.agreement = AgreementTables(tables) if agreement is None else agreement
        self._memo = Memo(max_bytes=MEMO_BYTES, size=lambda resource: len(resource.gzipped) + 200)

    def template(self, level: str, params: AnalysisParams) -> str:
        """A cube path with the measure left for the browser to fill in (MEASURE_SLOT)."""
        return cube_path(self.version, level, MEASURE_SLOT, params)

    def path(self, level: str, measure: str, params: AnalysisParams) -> str:
        """The cube path of one measure (or the method agreement)."""
        return cube_path(self.version, level, measure, params)

    def hotspot_template(self, params: AnalysisParams) -> str:
        return hotspot_path(self.version, MEASURE_SLOT, params)

    def resource(self, path: str) -> Resource:
        """The resource at a canonical cube or hot-spot path (no leading slash); KeyError for any other path."""
        compute = self._compute(path)
        return self._memo.get(path, lambda: self._shared(path, compute))

    def _compute(self, path: str):
        if path.startswith("hotspots/"):
            measure, params = parse_hotspot_path(path, self.version)
            return lambda: hotspot_document(hotspot_cube(self.tables, measure, params))
        level, measure, params = parse_cube_path(path, self.version)
        if measure == AGREEMENT:
            if not self.agreement.years(level):
                raise KeyError(path)
            return lambda: agreement_document(self.agreement, level, params)
        if not self.tables.years(measure, level):
            raise KeyError(path)
        provision = self.tables.provision
        return lambda: cube_document(measure_cube(self.tables, level, measure, params),
                                     [provision.basis(measure, y, params) for y in self.tables.years(measure, level)])

    def _shared(self, path: str, compute) -> Resource:
        """From the shared store, or computed (once across workers) and left there for the others."""
        return self.shared.get(path, lambda: resource_of(to_json_plotly(compute()).encode()),
                               dumps=stored_resource, loads=resource_from_store)

    def warm(self) -> None:
        """The cubes of the default parameters: every level, measure and need weighting, most asked for first;
        then the method agreement at each level and the hot spots of each measure. Workers start at different
        points of the list and share results."""
        paths = [cube_path(self.version, level, measure, DEFAULT_PARAMS.with_(weights=weights))
                 for weights in WEIGHTINGS for level in WARM_LEVELS for measure in MEASURES
                 if self.tables.years(measure, level)]
        paths += [cube_path(self.version, level, AGREEMENT, DEFAULT_PARAMS) for level in WARM_LEVELS
                  if self.agreement.years(level)]
        paths += [hotspot_path(self.version, measure, DEFAULT_PARAMS) for measure in MEASURES]
        offset = os.getpid() % len(paths)
        for path in paths[:1] + paths[1:][offset:] + paths[1:][:offset]:
            try:
                self._shared(f"{path}", self._compute(path))
            except (KeyError, ValueError) as exc:
                log.warning("warm-up of %s skipped: %s", path, exc)

"""The measure cube: everything the map can show of one measure at one level, for every year at once.

A year switch, a colour-scheme switch or the persistent / hot-spot layers change only which of a few
precomputed answers is drawn: London has 4,835 LSOAs x 10 years, so every year's values, ranks, class
positions (each colour scheme) and persistence classes of a (level, measure, AnalysisParams) fit in a few
hundred kilobytes, and the browser repaints from them without asking the server. The values, ranks and
persistence come from `AreaTables` (the same memoised tables the rankings, panels and exports use), the class
positions from `geo.classes`, so the cube agrees with every other view of the same numbers.

Hot spots (Getis-Ord Gi*) are LSOA results that depend only on the measure, need weighting and d0, and take
~0.5 s a year, so they are a cube of their own (`hotspot_cube`), computed only when asked for.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.classes import SCHEMES, ClassPositions, class_positions
from geo.hotspots import HOTSPOT_CLASSES
from geo.levels import check_level
from geo.measures import check_measure
from geo.params import AnalysisParams
from geo.persistence import PERSISTENCE_CLASSES
from geo.tables import AreaTables

HOTSPOT_LEVEL = "lsoa11"


@dataclass(frozen=True)
class Persistence:
    """One year's persistence classes (the window ending that year), or why there are none."""
    classes: np.ndarray | None   # per area: index into PERSISTENCE_CLASSES, -1 where the area is not classified
    window: tuple[int, int] | None
    frame: pd.DataFrame | None   # AreaTables.persistence's own table (for the wording of notes)
    unavailable: str | None      # the reason, when persistence cannot be classified for this year


@dataclass(frozen=True)
class MeasureCube:
    level: str
    measure: str
    params: AnalysisParams
    codes: tuple[str, ...]     # area codes, sorted (PCN catchments: every year's)
    years: tuple[int, ...]
    values: np.ndarray         # (years, areas); NaN = no data
    ranks: np.ndarray          # (years, areas); 1 = poorest provision, 0 = no value to rank
    classes: dict[str, tuple[ClassPositions | None, ...]]  # scheme -> per year (None: no value at all)
    persistence: tuple[Persistence, ...]  # per year

    def persistent(self, year: int) -> list[str]:
        """Codes of the areas classed persistent in the window ending `year`."""
        classes = self.persistence[self.years.index(year)].classes
        if classes is None:
            return []
        return [self.codes[i] for i in np.flatnonzero(classes == PERSISTENCE_CLASSES.index("persistent"))]


@dataclass(frozen=True)
class HotspotCube:
    measure: str
    weights: str
    d0: float
    codes: tuple[str, ...]     # LSOA codes, sorted
    years: tuple[int, ...]
    classes: np.ndarray        # (years, LSOAs): index into HOTSPOT_CLASSES, -1 = not tested
    unavailable: tuple[str | None, ...]  # per year: why Gi* could not run (e.g. every value equal)

    def cluster(self, year: int, name: str) -> list[str]:
        """Codes of the LSOAs in one hot-spot class in `year`."""
        row = self.classes[self.years.index(year)]
        return [self.codes[i] for i in np.flatnonzero(row == HOTSPOT_CLASSES.index(name))]


def _on_codes(frame: pd.DataFrame, column: str, codes: list[str]) -> np.ndarray:
    return frame.set_index("area_code")[column].reindex(codes).to_numpy()


def measure_cube(tables: AreaTables, level: str, measure: str, params: AnalysisParams) -> MeasureCube:
    """Every year's values, ranks, class positions and persistence of one measure at one level."""
    check_measure(measure)
    check_level(level)
    ranked = tables.ranked(measure, level, params)
    years, codes, values, ranks = ranked.years, list(ranked.codes), ranked.values, ranked.ranks
    classes = {scheme: tuple(class_positions(row, scheme) if np.isfinite(row).any() else None for row in values)
               for scheme in SCHEMES}
    return MeasureCube(level, measure, params, tuple(codes), years, values, ranks, classes,
                       tuple(_persistence(tables, level, measure, year, params, codes) for year in years))


def _persistence(tables: AreaTables, level: str, measure: str, year: int, params: AnalysisParams,
                 codes: list[str]) -> Persistence:
    try:
        frame = tables.persistence(measure, level, year, params)
    except ValueError as exc:
        return Persistence(None, None, None, str(exc))
    classes = pd.Categorical(_on_codes(frame, "persistence_class", codes), categories=PERSISTENCE_CLASSES).codes
    window = (int(frame["window_start"].iloc[0]), int(frame["window_end"].iloc[0]))
    return Persistence(classes.astype(np.int8), window, frame, None)


def hotspot_cube(tables: AreaTables, measure: str, params: AnalysisParams) -> HotspotCube:
    """Gi* hot-spot classes of every LSOA in every year (depends on the measure, weights and d0 only)."""
    check_measure(measure)
    years = tuple(tables.years(measure, HOTSPOT_LEVEL))
    codes = sorted(tables.provision.lsoa_codes)
    rows, unavailable = [], []
    for year in years:
        try:
            frame = tables.hotspots(measure, year, params)
        except ValueError as exc:
            rows.append(np.full(len(codes), -1, dtype=np.int8))
            unavailable.append(str(exc))
            continue
        classes = pd.Categorical(_on_codes(frame, "hotspot_class", codes), categories=HOTSPOT_CLASSES).codes
        rows.append(classes.astype(np.int8))
        unavailable.append(None)
    return HotspotCube(measure, params.weights, params.d0, tuple(codes), years, np.vstack(rows), tuple(unavailable))

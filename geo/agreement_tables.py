"""Method agreement over the atlas: gathers each measure's values, persistence classes and the E2SFCA inputs
from the provision model, hands them to the pure rules of geo/agreement.py and assembles the per-area table.

The adapters (the first block of `AgreementTables`) are the only places that call into `AreaTables` /
`Provision`, one per need, so a change of their signatures is absorbed there. `export_table` is the
``--measure agreement`` branch of ``python -m geo.export`` (and its ``--correlations`` matrix).
"""
from __future__ import annotations

import argparse
from collections import Counter

import numpy as np
import pandas as pd

from data.years import PCN_FIRST_YEAR, fy_label
from geo.agreement import (
    METHODS,
    MIN_METHODS,
    STABILITY_D0,
    STABILITY_SETTINGS,
    STABILITY_WEIGHTINGS,
    AccessInputs,
    correlations,
    persistence_column,
    poor_verdicts,
    robust_persistence,
    stability,
    verdict_column,
)
from geo.catchments import lsoa_pcn_assignment
from geo.levels import LEVEL_CODE_COLUMN, LEVELS, check_level
from geo.measures import MEASURES
from geo.memo import MB, Memo
from geo.params import DEFAULT_PARAMS, AnalysisParams
from geo.tables import AreaTables

AGREEMENT = "agreement"
MEMO_BYTES = 48 * MB  # agreement and stability frames of a few levels and cuts


def value_column(measure: str) -> str:
    return f"value_{measure}"


class AgreementTables:
    """Agreement, stability, robust persistence and correlations for one `AreaTables`; memoised."""

    def __init__(self, tables: AreaTables):
        self.tables = tables
        self._memo = Memo(max_bytes=MEMO_BYTES, shared=tables.provision.shared, namespace="agreement")

    # ------------------------------------------------------------ adapters onto AreaTables / Provision
    def _measure_years(self, measure: str, level: str) -> list[int]:
        return self.tables.years(measure, level)

    def _measure_values(self, measure: str, level: str, year: int, params: AnalysisParams) -> pd.Series:
        frame = self.tables.values(measure, level, year, params)
        return frame.set_index("area_code")["value"]

    def _persistence_classes(self, measure: str, level: str, year: int, params: AnalysisParams) -> pd.Series:
        frame = self.tables.persistence(measure, level, year, params)
        return frame.set_index("area_code")["persistence_class"]

    def _measure_basis(self, measure: str, year: int, params: AnalysisParams) -> str:
        return self.tables.provision.basis(measure, year, params)

    def access_inputs(self, year: int) -> AccessInputs:
        """E2SFCA inputs of the year for every stability weighting (public for the bench and tests)."""
        provision = self.tables.provision
        points = provision.supply_points(year)
        return AccessInputs(lsoa_xy=provision.lsoa_xy, supply_xy=points[["easting", "northing"]].to_numpy(float),
                            supply=points["gp_fte"].to_numpy(float),
                            need={w: provision.need_population(year, w) for w in STABILITY_WEIGHTINGS})

    def area_of_lsoa(self, level: str, year: int) -> np.ndarray:
        """Each LSOA's area at the level, in the provision model's LSOA order (PCN: that year's partition)."""
        provision = self.tables.provision
        if level == "pcn":
            return self.tables.pcn_assignment(year).reindex(provision.lsoa_codes).to_numpy()
        return provision.lsoa[LEVEL_CODE_COLUMN[level]].to_numpy()

    def _lsoa_places(self, year: int) -> pd.DataFrame:
        """Borough, ICB and serving PCN (plurality of registered residents, from PCN_FIRST_YEAR) of each LSOA."""
        return self._cached(("places", year), lambda: self._compute_lsoa_places(year))

    def _compute_lsoa_places(self, year: int) -> pd.DataFrame:
        atlas = self.tables.provision.atlas
        places = atlas.areas["lsoa11"][["area_code", "borough_code", "icb_code"]].copy()
        places.insert(2, "borough_name", places["borough_code"].map(self.tables.area_names("borough")))
        places["icb_name"] = places["icb_code"].map(self.tables.area_names("icb"))
        if year >= PCN_FIRST_YEAR:
            serving = lsoa_pcn_assignment(atlas, year).set_index("lsoa11_code")
            places["serving_pcn_code"] = places["area_code"].map(serving["pcn_code"])
            places["serving_pcn_name"] = places["serving_pcn_code"].map(self.tables.area_names("pcn"))
            places["serving_pcn_basis"] = places["area_code"].map(serving["assignment_basis"])
        else:
            places[["serving_pcn_code", "serving_pcn_name", "serving_pcn_basis"]] = None
        return places

    # ------------------------------------------------------------ public
    def _cached(self, key: tuple, compute, share: bool = False):
        return self._memo.get(key, compute, share)

    def measures_in(self, level: str, year: int) -> list[str]:
        return [m for m in METHODS if year in self._measure_years(m, level)]

    def years(self, level: str) -> list[int]:
        """Years in which at least MIN_METHODS measures have data at the level."""
        counts = Counter(year for measure in METHODS for year in self._measure_years(measure, level))
        return sorted(year for year, count in counts.items() if count >= MIN_METHODS)

    def check(self, level: str, year: int) -> tuple[str, int]:
        level = check_level(level)
        if year not in self.years(level):
            raise ValueError(f"no method agreement at level {level} for year {year} (it needs {MIN_METHODS} "
                             f"measures with data); choose one of {', '.join(map(str, self.years(level)))}")
        return level, int(year)

    def values(self, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        """area_code and one value column per measure with data at the level and year."""
        level, year = self.check(level, year)
        frame = pd.DataFrame({m: self._measure_values(m, level, year, params) for m in self.measures_in(level, year)})
        return frame.rename_axis("area_code").reset_index()

    def stability(self, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.Series:
        """E2SFCA stability per area (indexed by area_code); depends on the cut only, not on weights or d0."""
        level, year = self.check(level, year)
        return self._cached(("stability", level, year, params.cut), lambda: stability(
            self.access_inputs(year), self.area_of_lsoa(level, year), params), share=True)

    def agreement(self, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        """Verdicts, methods_poor/available, robust, contested and stability per area."""
        def compute():
            frame = poor_verdicts(self.values(level, year, params), params)
            frame["stability"] = frame["area_code"].map(self.stability(level, year, params))
            return frame
        return self._cached(("agreement", level, year, params), compute, share=True)

    def persistence(self, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        """Each measure's persistence class ending in `year` and the robust persistence across them."""
        level, year = self.check(level, year)
        return self._cached(("persistence", level, year, params), lambda: robust_persistence(pd.DataFrame(
            {persistence_column(m): self._persistence_classes(m, level, year, params)
             for m in self.measures_in(level, year)}).rename_axis("area_code").reset_index()), share=True)

    def correlations(self, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        return correlations(self.values(level, year, params))

    def basis(self, level: str, year: int, params: AnalysisParams) -> str:
        """One line: the agreement rules with their parameters, then what the measures are built from."""
        d0_range = f"{min(STABILITY_D0):,.0f}-{max(STABILITY_D0):,.0f} m"
        return (f"Method agreement, {LEVELS[level]}: poor = in the poorest {params.cut:.0%} of areas under a measure "
                f"(ties with the threshold count as poor; {_high_is_poor()}); robust = "
                f"poor under every measure with a value (at least {MIN_METHODS}); stability = share of "
                f"{len(STABILITY_SETTINGS)} E2SFCA settings (d0 {d0_range} x weights "
                f"{'/'.join(STABILITY_WEIGHTINGS)}) in which it is poor; persistent = poor in at least {params.k} of "
                f"the last {params.n} years with data, under every measure with that history; "
                f"{self.measures_basis(level, year, params)}")

    def measures_basis(self, level: str, year: int, params: AnalysisParams) -> str:
        """The measures compared and their sources, each source stated once (units are in the value columns)."""
        measures = self.measures_in(level, year)
        units = {MEASURES[m].unit for m in measures}
        parts = dict.fromkeys(part for m in measures for part in self._measure_basis(m, year, params).split("; ")
                              if part not in units)
        return f"Measures: {', '.join(MEASURES[m].label for m in measures)}; {'; '.join(parts)}"

    def table(self, level: str, year: int, params: AnalysisParams = DEFAULT_PARAMS) -> pd.DataFrame:
        """One row per area: names (and, for LSOAs, borough, ICB and serving PCN), verdicts, agreement,
        stability, robust persistence, each measure's value and persistence class, and the basis."""
        level, year = self.check(level, year)
        frame = self.agreement(level, year, params).merge(self.persistence(level, year, params), on="area_code",
                                                          how="left")
        values = self.values(level, year, params).set_index("area_code").rename(columns=value_column)
        frame = frame.join(values, on="area_code").reindex(columns=[*frame.columns, *map(value_column, METHODS)])
        frame.insert(1, "area_name", frame["area_code"].map(self.tables.area_names(level)))
        if level == "lsoa11":
            frame = frame.merge(self._lsoa_places(year), on="area_code", how="left")
        frame["year"], frame["fy"] = year, fy_label(year)
        frame["basis"] = self.basis(level, year, params)
        return frame[_table_columns(frame)].sort_values("area_code").reset_index(drop=True)


def _high_is_poor() -> str:
    labels = [MEASURES[m].label for m in METHODS if MEASURES[m].poor == "high"]
    return f"for {' and '.join(labels)} the largest values are poor"


def _table_columns(frame: pd.DataFrame) -> list[str]:
    leading = ["area_code", "area_name", "borough_code", "borough_name", "icb_code", "icb_name", "serving_pcn_code",
               "serving_pcn_name", "serving_pcn_basis", "year", "fy", "methods_poor", "methods_available",
               *map(verdict_column, METHODS), "stability", "robust", "contested", "robust_persistent",
               "methods_persistent", "methods_with_history", *map(persistence_column, METHODS),
               *map(value_column, METHODS), "basis"]
    return [column for column in leading if column in frame.columns]


def correlation_table(agreement: AgreementTables, level: str, year: int, params: AnalysisParams) -> pd.DataFrame:
    """The Spearman matrix as a CSV-ready frame: measure, one column per measure, areas compared, basis."""
    values = agreement.values(level, year, params)
    matrix = correlations(values).reset_index()
    matrix["areas_with_value"] = matrix["measure"].map(values.notna().sum()).fillna(0).astype("int64")
    matrix["basis"] = (f"Spearman rank correlation of the measures' values over {LEVELS[level]} areas, pairwise "
                       f"complete (polarity not flipped: {_high_is_poor()}). "
                       f"{agreement.measures_basis(level, year, params)}")
    return matrix


def export_table(tables: AreaTables, args: argparse.Namespace, params: AnalysisParams) -> pd.DataFrame:
    """The ``geo.export`` table for ``--measure agreement`` (or its ``--correlations`` matrix); ValueError on
    a bad combination of arguments, with the valid choices."""
    if args.measure != AGREEMENT:
        raise ValueError(f"--correlations compares all measures; use it with --measure {AGREEMENT}")
    if args.hotspots:
        raise ValueError(f"--hotspots applies to a single measure, not to --measure {AGREEMENT}")
    if args.correlations and args.format != "csv":
        raise ValueError("--correlations writes a matrix, not map features; use --format csv")
    agreement = AgreementTables(tables)
    if args.correlations:
        return correlation_table(agreement, args.level, args.year, params)
    return agreement.table(args.level, args.year, params)

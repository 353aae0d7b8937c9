"""The measure cube as the browser gets it: a JSON document per (level, measure, parameters), and its URL.

geo/cube.py holds the numbers; this module adds what the map shows with them, per year and colour scheme:
the palette and each area's palette position, the legend's head (Dash components, the same as the server
would render), titles, basis, footnote, notes, the export file-name stem and the hover text, so that
assets/explore_map.js can repaint a year, a colour scheme or the persistent / hot-spot outlines with no
server round trip. Values travel rounded to the measure's decimals (what the hover text shows).

URLs carry the data-and-code version, so each names one immutable document and the browser can build the
next one itself: `cube/<version>/<level>/<measure>/<weights>/<d0>/<k>-<n>/<cut>.json` and
`hotspots/<version>/<measure>/<weights>/<d0>.json`. Each resource has exactly one URL: `parse_cube_path`
rebuilds the canonical path from what it parsed and refuses anything else (KeyError), so `d0=01600` or
`cut=0.20` are not aliases of the same document.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from data.years import PCN_FIRST_YEAR, fy_label
from geo.agreement_tables import AGREEMENT
from geo.classes import SCHEMES
from geo.cube import HotspotCube, MeasureCube
from geo.hotspots import GOOD_CLUSTER, HOTSPOT_CLASSES, POOR_CLUSTER
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.params import AnalysisParams, grid_d0
from geo.persistence import PERSISTENCE_CLASSES
from layout.classes import classing
from layout.components import persistence_note, year_marks
from layout.explore_map import MapContent, export_stem
from layout.explore_table import map_summary
from layout.mapfig import titles, wrap
from layout.maplegend import legend_head
from layout.view import SCHEMES as SCHEME_LABELS
from layout.view import View

MEASURE_SLOT = "{measure}"  # where the browser puts the measure in a cube URL template


def params_path(params: AnalysisParams) -> str:
    """'age/1600/4-5/0.2': the parameters in a cube URL, written one way only."""
    return f"{params.weights}/{params.d0:.0f}/{params.k}-{params.n}/{params.cut!r}"


def cube_path(version: str, level: str, measure: str, params: AnalysisParams) -> str:
    return f"cube/{version}/{level}/{measure}/{params_path(params)}.json"


def hotspot_path(version: str, measure: str, params: AnalysisParams) -> str:
    return f"hotspots/{version}/{measure}/{params.weights}/{params.d0:.0f}.json"


def parse_cube_path(path: str, version: str) -> tuple[str, str, AnalysisParams]:
    """(level, measure, params) of a canonical cube path of this version; KeyError for anything else."""
    parts = path.removesuffix(".json").split("/")
    if len(parts) != 8 or parts[:2] != ["cube", version] or parts[2] not in LEVELS or \
            parts[3] not in (*MEASURES, AGREEMENT):
        raise KeyError(path)
    window = parts[6].split("-")
    params = _params(weights=parts[4], d0=parts[5], k=window[0], n=window[-1], cut=parts[7])
    if len(window) != 2 or cube_path(version, parts[2], parts[3], params) != path:
        raise KeyError(path)
    return parts[2], parts[3], params


def parse_hotspot_path(path: str, version: str) -> tuple[str, AnalysisParams]:
    """(measure, params) of a canonical hot-spot path of this version; KeyError for anything else."""
    parts = path.removesuffix(".json").split("/")
    if len(parts) != 5 or parts[:2] != ["hotspots", version] or parts[2] not in MEASURES:
        raise KeyError(path)
    params = _params(weights=parts[3], d0=parts[4])
    if hotspot_path(version, parts[2], params) != path:
        raise KeyError(path)
    return parts[2], params


def _params(**text) -> AnalysisParams:
    try:
        numbers = {name: (int(value) if name in ("k", "n") else float(value)) for name, value in text.items()
                   if name != "weights"}
        params = AnalysisParams(weights=text["weights"], **numbers)
        grid_d0(params.d0)
        return params
    except ValueError as exc:
        raise KeyError(str(exc)) from exc


def positions_text(index: list[int]) -> str:
    """Palette positions as one character each (chr(48 + position): '0'..'9' and on; a continuous scale's 65
    positions end at 'p'), a third of the bytes of a JSON list; the browser reads charCodeAt(i) - 48."""
    return "".join(chr(48 + position) for position in index)


def _rounded(row: np.ndarray, decimals: int) -> list:
    return [round(v, decimals) if math.isfinite(v) else None for v in row.tolist()]


def cube_document(cube: MeasureCube, basis: list[str]) -> dict:
    """What the browser repaints from (arrays follow `codes`; per-year lists follow `years`). `basis`: the
    measure's basis line per year (Provision.basis)."""
    spec = MEASURES[cube.measure]
    persistent = PERSISTENCE_CLASSES.index("persistent")
    years = []
    for i, year in enumerate(cube.years):
        view = View(level=cube.level, measure=cube.measure, year=year, params=cube.params)
        title = f"{spec.label} · {LEVELS[cube.level]} · {fy_label(year)}"
        persistence = cube.persistence[i]
        if persistence.frame is not None:
            note = "Outlined: " + persistence_note(view, persistence.frame, f"{LEVELS[cube.level]} areas")
            outlined = np.flatnonzero(persistence.classes == persistent).tolist()
        else:
            note, outlined = f"Persistence not shown: {persistence.unavailable}.", []
        layout = titles(title, basis[i])
        count = int(np.isfinite(cube.values[i]).sum())
        ranks, shared = np.unique(cube.ranks[i][cube.ranks[i] > 0], return_counts=True)
        years.append({
            "year": year, "title": title, "annotation": layout["annotations"][0]["text"], "stem": export_stem(view),
            "footnote": {scheme: f"{title}. {label} colours; darkest red = poorest provision. Basis: {basis[i]}."
                         for scheme, label in SCHEME_LABELS.items()},
            "tooltip": [f"{{value}} {spec.unit}", f"London rank {{rank}} of {count:,} (1 = poorest)"],
            "tied": ranks[shared > 1].tolist(),  # ranks several areas share: shown as '=12' (rank_labels)
            "persistent": outlined, "persistence_note": note,
            "pcn_note": f"PCN catchments start in {fy_label(PCN_FIRST_YEAR)}." if year < PCN_FIRST_YEAR else None,
        })
    schemes = {}
    for scheme in SCHEMES:
        schemes[scheme] = []
        for i, positions in enumerate(cube.classes[scheme]):
            classes = classing(scheme, positions, cube.values[i], spec.poor, spec.decimals)
            schemes[scheme].append({
                "palette": list(classes.palette), "index": positions_text(classes.index),
                "legend": legend_head(classes, spec.label, spec.unit),
                "key": {"tickvals": classes.tickvals, "ticktext": classes.ticktext},
                "summary": _summaries(cube, i, scheme, classes),
            })
    first, last = min(cube.years), max(cube.years)
    return {
        "level": cube.level, "measure": cube.measure, "label": spec.label, "unit": wrap(spec.unit, 28, " "),
        "decimals": spec.decimals, "codes": list(cube.codes), "years": list(cube.years),
        "slider": {"min": first, "max": last, "marks": year_marks(cube.years)},
        "values": [_rounded(row, spec.decimals) for row in cube.values], "ranks": cube.ranks.tolist(),
        "info": years, "schemes": schemes,
    }


def _summaries(cube: MeasureCube, i: int, scheme: str, classes) -> dict:
    """The map in words (layout/explore_table.py map_summary, read out to screen readers) with the persistent
    layer off and on."""
    view = View(level=cube.level, measure=cube.measure, year=cube.years[i], params=cube.params, scheme=scheme)
    persistence = cube.persistence[i].classes
    plain = pd.DataFrame({"value": cube.values[i]})
    texts = {"plain": map_summary(view, MapContent("", plain, classes, ()))}
    if persistence is not None:
        named = [PERSISTENCE_CLASSES[c] if c >= 0 else None for c in persistence.tolist()]
        table = plain.assign(persistence_class=named)
        texts["persistent"] = map_summary(view, MapContent("", table, classes, ()))
    return texts


def hotspot_document(hot: HotspotCube) -> dict:
    """Per year, the LSOAs in poor- and good-provision clusters (positions in `codes`) and the note."""
    poor, good = HOTSPOT_CLASSES.index(POOR_CLUSTER), HOTSPOT_CLASSES.index(GOOD_CLUSTER)
    notes = []
    for i, why in enumerate(hot.unavailable):
        clustered = int((hot.classes[i] == poor).sum())
        notes.append(f"Clusters not shown: {why}." if why else
                     f"Clusters: Getis-Ord Gi* on LSOA values, queen contiguity, 999 permutations, p < 0.05 "
                     f"({clustered:,} LSOAs in poor-provision clusters).")
    return {"measure": hot.measure, "codes": list(hot.codes), "years": list(hot.years),
            "poor_cluster": [np.flatnonzero(row == poor).tolist() for row in hot.classes],
            "good_cluster": [np.flatnonzero(row == good).tolist() for row in hot.classes], "notes": notes}

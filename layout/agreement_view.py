"""Method agreement as something the Explore map shows: its label and basis beside the measures', its 0-N
classes, and its per-area table (the same columns a measure's map has, so the Table view, the live summary and
the downloads read it as they read a measure).

The map colours each area by how many of the N measures with data at the level and year call it poor
(geo/agreement.py): N + 1 categorical classes 'poor under 0 of N' .. 'poor under N of N', not a quantile ramp,
each with its number written in the legend and the tooltip, so the colour is never the only cue.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.agreement import MIN_METHODS, STABILITY_SETTINGS
from geo.agreement_tables import AGREEMENT, AgreementTables
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.persistence import PERSISTENCE_CLASSES
from layout.classes import NO_DATA_COLOUR, Classing, class_palette

if TYPE_CHECKING:  # the services hold the agreement tables and offer this view to Explore's URL parser
    from layout.services import AtlasServices
    from layout.view import View

AGREEMENT_LABEL = "Method agreement"
AGREEMENT_SCHEME = "categories"  # the classes are counts, whatever colour scheme the controls name
PERSISTENT, NO_HISTORY = PERSISTENCE_CLASSES[0], PERSISTENCE_CLASSES[-1]
NOT_EVERY_METHOD = "not under every method"
STABILITY_SENTENCE = (f"Stability: the share of {len(STABILITY_SETTINGS)} E2SFCA settings (five catchment sizes "
                      "d0 x three need weightings) under which the area is poor; near 100% means the verdict "
                      "does not hinge on a parameter, near 50% means it does.")


@dataclass(frozen=True)
class ShownMeasure:
    """What a map, legend or table says about what it shows (a geo.measures.Measure has the same fields)."""
    label: str
    unit: str
    poor: str      # which end is poor: more measures calling an area poor is poorer
    decimals: int


AGREEMENT_SPEC = ShownMeasure(AGREEMENT_LABEL, "measures calling the area poor", "high", 0)


def shown_measure(measure: str):
    """The measure's own spec, or the agreement's."""
    return AGREEMENT_SPEC if measure == AGREEMENT else MEASURES[measure]


def view_basis(services: AtlasServices, view: View) -> str:
    """The basis line of what the view maps."""
    if view.measure == AGREEMENT:
        return services.agreement.basis(view.level, view.year, view.params)
    return services.provision.basis(view.measure, view.year, view.params)


def class_label(poor: int, methods: int) -> str:
    return f"poor under {poor} of {methods}"


def agreement_classing(methods_poor: np.ndarray, methods: int) -> Classing:
    """N + 1 classes, one per count of measures calling an area poor (NaN: no measure has a value there)."""
    values = np.asarray(methods_poor, dtype=float)
    present = np.isfinite(values)
    counts = np.bincount(values[present].astype(int), minlength=methods + 1)
    palette = class_palette(methods + 1, "high")
    ticktext = [f"{class_label(poor, methods)} ({count:,})" for poor, count in enumerate(counts)]
    tickvals = list(range(methods + 1))
    labels = [class_label(int(v), methods) if ok else "no data" for v, ok in zip(values, present, strict=True)]
    missing = int((~present).sum())
    if missing:
        palette, tickvals = palette + [NO_DATA_COLOUR], tickvals + [methods + 1]
        ticktext = ticktext + [f"no data ({missing:,})"]
    index = np.where(present, np.nan_to_num(values), methods + 1).astype(int).tolist()
    return Classing(AGREEMENT_SCHEME, tuple(palette), index, tickvals, ticktext, labels, missing)


def robust_persistence(agreement: AgreementTables, view: View) -> pd.DataFrame | str:
    """Persistence under every method ending in the view's year, or why it cannot be judged."""
    try:
        return agreement.persistence(view.level, view.year, view.params)
    except ValueError as exc:
        return str(exc)


def persistence_label(frame: pd.DataFrame) -> pd.Series:
    """'persistent' (under every method with the history), 'insufficient data' or 'not under every method'."""
    label = pd.Series(NOT_EVERY_METHOD, index=frame.index)
    label[frame["methods_with_history"] < MIN_METHODS] = NO_HISTORY
    label[frame["robust_persistent"]] = PERSISTENT
    return label


def robust_note(view: View, persistence: pd.DataFrame | str) -> str:
    if isinstance(persistence, str):
        return f"Persistence under every method not shown: {persistence}."
    params = view.params
    count = int(persistence["robust_persistent"].sum())
    return (f"Outlined: persistent under every method = in the poorest {params.cut:.0%} of {LEVELS[view.level]} "
            f"areas in at least {params.k} of the last {params.n} years with data, under each measure with that "
            f"history (at least {MIN_METHODS}): {count:,} areas.")


def agreement_table(agreement: AgreementTables, view: View, codes: list[str]) -> tuple[pd.DataFrame, Classing, str]:
    """Per area in `codes` order: value (measures calling it poor), class, measures with a value, stability,
    robust, persistence under every method; the classing; the persistence note."""
    level, year, params = view.level, view.year, view.params
    frame = agreement.agreement(level, year, params).set_index("area_code").reindex(codes)
    available = frame["methods_available"].fillna(0).astype(int)
    value = frame["methods_poor"].astype(float).where(available > 0)
    classing = agreement_classing(value.to_numpy(), len(agreement.measures_in(level, year)))
    table = pd.DataFrame({"area_code": codes, "area_name": agreement.tables.area_names(level).reindex(codes).to_numpy(),
                          "value": value.to_numpy(), "rank": np.nan, "class": classing.labels,
                          "methods_available": available.to_numpy(), "stability": frame["stability"].to_numpy(),
                          "robust": frame["robust"].fillna(False).to_numpy(bool)})
    persistence = robust_persistence(agreement, view)
    if not isinstance(persistence, str):
        labels = persistence_label(persistence.set_index("area_code"))
        table["persistence_class"] = labels.reindex(codes).to_numpy()
    return table, classing, robust_note(view, persistence)

"""The method-agreement map as a cube document: the same shape as a measure's (layout/explore_cube.py), so the
browser repaints its years, outlines and legend the same way, with the 0-N classes for every colour scheme and
the measures-with-a-value count and E2SFCA stability per area (`extra`) for the tooltip."""
from __future__ import annotations

import numpy as np

from data.years import PCN_FIRST_YEAR, fy_label
from geo.agreement import STABILITY_SETTINGS
from geo.agreement_tables import AGREEMENT, AgreementTables
from geo.classes import SCHEMES
from geo.levels import LEVELS
from geo.params import AnalysisParams
from layout.agreement_view import AGREEMENT_LABEL, AGREEMENT_SPEC, PERSISTENT, agreement_table
from layout.components import year_marks
from layout.explore_cube import positions_text
from layout.explore_map import MapContent, export_stem
from layout.explore_table import map_summary
from layout.mapfig import titles, wrap
from layout.maplegend import legend_head
from layout.view import View

TOOLTIP = ["Poor under {value} of the {available} measures with a value",
           f"E2SFCA stability: poor under {{stability}}% of {len(STABILITY_SETTINGS)} settings"]


def agreement_codes(agreement: AgreementTables, level: str, params: AnalysisParams) -> list[str]:
    """Every year's areas (PCN catchments change), sorted."""
    return sorted(set().union(*(agreement.agreement(level, year, params)["area_code"]
                                for year in agreement.years(level))))


def agreement_document(agreement: AgreementTables, level: str, params: AnalysisParams) -> dict:
    """What the browser repaints the agreement map from, for every year it has at the level."""
    years, codes = agreement.years(level), agreement_codes(agreement, level, params)
    values, available, stability, info, schemes = [], [], [], [], {scheme: [] for scheme in SCHEMES}
    for year in years:
        view = View(level=level, measure=AGREEMENT, year=year, params=params)
        table, classing, note = agreement_table(agreement, view, codes)
        methods = len(agreement.measures_in(level, year))
        values.append([None if np.isnan(v) else int(v) for v in table["value"]])
        available.append(table["methods_available"].astype(int).tolist())
        stability.append([None if np.isnan(s) else round(100 * s) for s in table["stability"]])
        title = f"{AGREEMENT_LABEL} · {LEVELS[level]} · {fy_label(year)}"
        basis = agreement.basis(level, year, params)
        persistent = (table["persistence_class"] == PERSISTENT).to_numpy() if "persistence_class" in table else []
        info.append({
            "year": year, "title": title, "annotation": titles(title, basis)["annotations"][0]["text"],
            "stem": export_stem(view),
            "footnote": {scheme: f"{title}. Colour = how many of the {methods} measures call the area poor (the "
                                 f"poorest {params.cut:.0%} under each); darkest red = poor under every measure. "
                                 f"Basis: {basis}." for scheme in SCHEMES},
            "tooltip": TOOLTIP, "tied": [], "persistent": np.flatnonzero(persistent).tolist(),
            "persistence_note": note,
            "pcn_note": f"PCN catchments start in {fy_label(PCN_FIRST_YEAR)}." if year < PCN_FIRST_YEAR else None,
        })
        plain = table.drop(columns=["persistence_class"], errors="ignore")
        summary = {"plain": map_summary(view, MapContent("", plain, classing, ()))}
        if "persistence_class" in table:
            summary["persistent"] = map_summary(view, MapContent("", table, classing, ()))
        entry = {"palette": list(classing.palette), "index": positions_text(classing.index),
                 "legend": legend_head(classing, AGREEMENT_LABEL, f"{AGREEMENT_SPEC.unit} (of {methods})"),
                 "key": {"tickvals": classing.tickvals, "ticktext": classing.ticktext}, "summary": summary}
        for scheme in SCHEMES:
            schemes[scheme].append(entry)
    return {
        "level": level, "measure": AGREEMENT, "label": AGREEMENT_LABEL, "unit": wrap(AGREEMENT_SPEC.unit, 28, " "),
        "decimals": 0, "categorical": True, "codes": codes, "years": list(years),
        "slider": {"min": min(years), "max": max(years), "marks": year_marks(years)},
        "values": values, "ranks": [[0] * len(codes) for _ in years],
        "extra": {"available": available, "stability": stability}, "info": info, "schemes": schemes,
    }

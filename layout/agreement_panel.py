"""Method agreement in the Explore side panel (each measure's verdict, value and rank side by side, the E2SFCA
stability, persistence under every method) and the planner's download of the areas poor under every method."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from dash import html

from data.safe_csv import safe_csv
from data.years import fy_label
from geo.agreement import METHODS, STABILITY_SETTINGS, verdict_column
from geo.agreement_tables import AGREEMENT
from geo.measures import MEASURES
from layout.agreement_view import PERSISTENT, STABILITY_SENTENCE, persistence_label, robust_persistence
from layout.components import fmt, rank_label
from layout.explore_map import export_stem

if TYPE_CHECKING:
    from layout.services import AtlasServices
    from layout.view import View

PANEL_ID = "panel-agreement"


def verdict_text(verdict) -> str:
    return "no value" if pd.isna(verdict) else ("poor" if verdict else "not poor")


def agreement_year(services: AtlasServices, view: View) -> int | None:
    """The view's year if method agreement has it at the level, else None."""
    return view.year if view.year in services.agreement.years(view.level) else None


def area_agreement(services: AtlasServices, view: View) -> pd.Series:
    """The selected area's row of the method agreement (verdicts, counts, stability)."""
    frame = services.agreement.agreement(view.level, view.year, view.params)
    return frame[frame["area_code"] == view.area].iloc[0]


def method_rows(services: AtlasServices, view: View) -> pd.DataFrame:
    """Per measure with data at the level and year, for the selected area: measure, verdict ('poor',
    'not poor', 'no value'), value (text), its unit and London rank ('=12 of 4,835')."""
    verdicts = area_agreement(services, view)
    rows = []
    for measure in services.agreement.measures_in(view.level, view.year):
        spec = MEASURES[measure]
        value, rank, tied, ranked = services.tables.ranked(measure, view.level, view.params).of(view.area, view.year)
        rows.append({"measure": spec.label, "verdict": verdict_text(verdicts[verdict_column(measure)]),
                     "value": fmt(value, spec.decimals), "unit": spec.unit if pd.notna(value) else "",
                     "rank": f"{rank_label(rank, tied)} of {ranked:,}" if rank else "–"})
    return pd.DataFrame(rows, columns=["measure", "verdict", "value", "unit", "rank"])


def agreement_sentence(services: AtlasServices, view: View) -> str:
    """'Poor under 2 of the 3 measures with a value: contested.'"""
    row = area_agreement(services, view)
    poor, available = int(row["methods_poor"]), int(row["methods_available"])
    verdict = ("robustly poor (poor under every one)" if row["robust"] else "contested" if row["contested"]
               else "not poor under any")
    return f"Poor under {poor} of the {available} measures with a value: {verdict}."


def stability_text(services: AtlasServices, view: View) -> str:
    share = area_agreement(services, view)["stability"]
    if pd.isna(share):
        return "E2SFCA stability: no E2SFCA value for this area."
    return (f"E2SFCA stability {share:.0%}: poor under {share * len(STABILITY_SETTINGS):.0f} of the "
            f"{len(STABILITY_SETTINGS)} settings.")


def persistence_text(services: AtlasServices, view: View) -> str:
    persistence = robust_persistence(services.agreement, view)
    if isinstance(persistence, str):
        return f"Persistence under every method: not judged ({persistence})."
    own = persistence[persistence["area_code"] == view.area]
    label = persistence_label(own.set_index("area_code")).get(view.area)
    params = view.params
    answer = "yes" if label == PERSISTENT else "insufficient data" if label is None else label
    return (f"Persistent under every method (poorest {params.cut:.0%} in at least {params.k} of the last "
            f"{params.n} years, under each measure with that history): {answer}.")


def agreement_block(services: AtlasServices, view: View) -> html.Section | None:
    """The panel's 'Do the measures agree?' section for the selected area (None with no area selected)."""
    if not view.area:
        return None
    heading = html.H6(f"Do the measures agree? {fy_label(view.year)}", className="mt-2 mb-1",
                      id=f"{PANEL_ID}-heading")
    if agreement_year(services, view) is None or not services.agreement.agreement(
            view.level, view.year, view.params)["area_code"].eq(view.area).any():
        return html.Section([heading, html.P(f"Method agreement needs at least two measures with data for this "
                                             f"area in {fy_label(view.year)}.", className="small")],
                            id=PANEL_ID, **{"aria-labelledby": f"{PANEL_ID}-heading"})
    rows = method_rows(services, view)
    table = html.Table([
        html.Caption(f"Each measure's verdict: poor = in the poorest {view.params.cut:.0%} of areas",
                     className="small"),
        html.Thead(html.Tr([html.Th(text, scope="col") for text in ("Measure", "Verdict", "Value", "London rank")])),
        html.Tbody([html.Tr([html.Th(row.measure, scope="row"), html.Td(row.verdict,
                                                                       className=f"verdict verdict-{row.verdict[:3]}"),
                             html.Td([row.value, html.Div(row.unit, className="agreement-unit")]),
                             html.Td(row.rank)]) for row in rows.itertuples()]),
    ], className="table table-sm small agreement-table mb-1")
    return html.Section([
        heading, html.P(agreement_sentence(services, view), className="small mb-1", id=f"{PANEL_ID}-summary"),
        html.Div(table, className="table-responsive no-print", tabIndex="0", role="region",
                 **{"aria-label": "Each measure's verdict, value and rank"}),  # the one printed page keeps the summary
        html.P(stability_text(services, view), className="small mb-0", id=f"{PANEL_ID}-stability"),
        html.P(STABILITY_SENTENCE, className="form-text mt-0 mb-1 no-print"),
        html.P(persistence_text(services, view), className="small mb-2 no-print"),
    ], id=PANEL_ID, **{"aria-labelledby": f"{PANEL_ID}-heading"})


def profile_measure(services: AtlasServices, view: View) -> str:
    """The measure the rest of the panel profiles: the view's, or on the agreement map the first measure
    compared (the agreement block says what the others find)."""
    if view.measure != AGREEMENT:
        return view.measure
    return next(iter(services.agreement.measures_in(view.level, view.year)), METHODS[0])


def robust_csv(services: AtlasServices, view: View) -> tuple[str, str] | None:
    """The areas poor under every method at the view's level (the view's year, else the latest with agreement):
    spreadsheet-safe CSV (LSOAs with borough, ICB and serving PCN) and its file name; None where no
    year has two measures."""
    years = services.agreement.years(view.level)
    if not years:
        return None
    year = view.year if view.year in years else max(years)
    table = services.agreement.table(view.level, year, view.params)
    shown = view.with_(measure=AGREEMENT, year=year)
    return safe_csv(table[table["robust"]]), f"{export_stem(shown)}_poor-under-every-method.csv"

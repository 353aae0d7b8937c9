"""The text behind the Explore map: the "Table" view of every mapped area and the live summary read out to
screen readers.

The map can only be read by sight and worked by pointer; the table lists the same areas with their value,
rank, class (the legend's text), persistence and serving PCN, sortable and keyboard-navigable (arrow keys
through it select each area on the map: assets/keyboard.js). Both come from the same `MapContent` as the map,
so they always agree with its measure, level, year and classes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from data.years import fy_label
from geo.agreement_tables import AGREEMENT
from geo.levels import LEVELS
from layout.agreement_view import shown_measure
from layout.components import fmt
from layout.explore_map import MapContent, map_values_for_view
from layout.tables import grid, number_column
from layout.view import View

if TYPE_CHECKING:  # the services hold the measure cubes, whose documents carry this page's map summary
    from layout.services import AtlasServices

TABLE_ID = "explore-table"


def table_columns(view: View) -> list[dict]:
    spec = shown_measure(view.measure)
    if view.measure == AGREEMENT:  # no ranks: the areas poor under most measures first
        return [column for column in _columns(view, spec) if column["field"] != "rank"]
    return _columns(view, spec)


def _columns(view: View, spec) -> list[dict]:
    by_value = {"sort": "desc"} if view.measure == AGREEMENT else {}
    return [
        {"field": "rank", "headerName": "Rank (1 = poorest)", "type": "rightAligned", "width": 105,
         "filter": "agNumberColumnFilter", "sort": "asc"},
        {"field": "area_name", "headerName": "Area", "width": 190},
        {"field": "area_code", "headerName": "Code", "width": 112},
        number_column("value", spec.label, spec.decimals, width=130,
                      headerTooltip=f"{spec.unit}, {fy_label(view.year)}", **by_value),
        {"field": "class", "headerName": "Class (map colour)", "width": 130},
        {"field": "persistence_class", "headerName": f"Persistence ({view.params.k} of {view.params.n} years)",
         "width": 135},
        {"field": "serving_pcn", "headerName": "Serving PCN", "width": 250},
    ]


def table_rows(services: AtlasServices, view: View, content: MapContent) -> list[dict]:
    """One row per mapped area, in the map's classes, with persistence (computed for the table even when its
    map layer is off) and the PCN serving it."""
    table = content.table.copy()
    if "persistence_class" not in table.columns:
        try:
            persistence = services.tables.persistence(view.measure, view.level, view.year, view.params)
            table = table.merge(persistence[["area_code", "persistence_class"]], on="area_code", how="left")
        except ValueError:
            table["persistence_class"] = None
    table["serving_pcn"] = table["area_code"].map(services.tables.serving_pcns(view.level, view.year))
    table["area_name"] = table["area_name"].fillna(table["area_code"])
    rows = table[["rank", "area_name", "area_code", "value", "class", "persistence_class", "serving_pcn"]]
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


def table_view(services: AtlasServices, view: View):
    """The Table view of a view's map: its grid, with every mapped area."""
    content, _ = map_values_for_view(services, view)
    return table_grid(table_rows(services, view, content), table_columns(view))


def table_grid(rows: list[dict], columns: list[dict]):
    """The grid of a view's areas: rows keyed by area code, so the selected area is highlighted and scrolled to
    whichever way it was chosen (callbacks/explore_text.py select_row, run as the grid appears)."""
    table = grid(TABLE_ID, rows, columns, height="100%", column_size=None,
                 rowSelection={"mode": "singleRow", "checkboxes": False, "enableClickSelection": True})
    table.getRowId = "params.data.area_code"
    return table


def map_title(view: View) -> str:
    spec = shown_measure(view.measure)
    return f"{spec.label} by {LEVELS[view.level]}, {fy_label(view.year)}"


def map_summary(view: View, content: MapContent) -> str:
    """What the map shows, in words: its classes from the poorest, persistent areas, and the selected area."""
    spec = shown_measure(view.measure)
    table, classing = content.table, content.classing
    mapped = int(table["value"].notna().sum())
    parts = [f"{map_title(view)}: {mapped:,} areas"]
    if classing.scheme == "continuous":
        parts.append(f"coloured on a continuous scale from {classing.ticktext[0]} to {classing.ticktext[-1]} "
                     f"{spec.unit}")
    else:
        classes = [text for text in classing.ticktext if not text.startswith("no data")]
        poorest = classes if spec.poor == "low" else classes[::-1]
        parts.append(f"{len(classes)} classes from the poorest provision: " + "; ".join(poorest) + f" {spec.unit}")
    if classing.missing:
        parts.append(f"{classing.missing:,} without data")
    if "persistence_class" in table.columns:
        parts.append(f"{int((table['persistence_class'] == 'persistent').sum()):,} persistently poor (outlined)")
    text = ". ".join(parts) + "."
    if view.area:
        row = table[table["area_code"] == view.area]
        if len(row):
            row = row.iloc[0]
            rank = f"London rank {int(row['rank']):,} of {mapped:,}" if pd.notna(row["rank"]) else "no rank"
            text += (f" Selected: {row['area_name']}, {fmt(row['value'], spec.decimals)} {spec.unit}, {rank} "
                     f"(1 = poorest), class {row['class']}.")
    return text

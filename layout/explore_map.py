"""The Explore map for a view: what the server sends for it, and the values behind its downloads.

Within one geometry and parameter set, the browser repaints a year, a colour scheme, the persistent and
hot-spot outlines and a measure from the measure cube (layout/explore_cube.py) with no server round trip.
`map_outputs` is what the server sends otherwise: the Plotly figure (practices, search pin, title and basis
footnote) and the paint (geometry, the outlines the server decides, the cube URLs, legend rows), in full for
new geometry and as Patches when the geometry stays. `map_content` holds the values, classes and notes of a
view for the CSV and GeoJSON downloads, from the same `geo.tables.AreaTables` as the cube.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import dash
import orjson
import pandas as pd

from data.safe_csv import safe_csv
from data.years import PCN_FIRST_YEAR, fy_label
from geo.agreement_tables import AGREEMENT
from geo.hotspots import POOR_CLUSTER
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.profiles import main_pcn_of, main_pcns
from layout.agreement_view import agreement_table, shown_measure, view_basis
from layout.classes import Classing, classify
from layout.components import persistence_note
from layout.geometry import WebLayer
from layout.mapfig import map_figure, map_patch, paint_patch, paint_update, pin_update, practices_update, titles
from layout.maplegend import outline_row, selected_row
from layout.view import LAYERS, SCHEMES, View

if TYPE_CHECKING:  # the services hold the cubes, whose documents use export_stem from here
    from layout.services import AtlasServices

LEGEND_SELECTED = "explore-legend-selected"
ROBUST_LAYER = "robust_persistent"  # the persistent outline, persistent under every method (the agreement cube's)
LEGEND_OUTLINES = ("pcn", "persistent", "poor_cluster", "good_cluster")  # outline rows, in the legend's order
MAIN_PCN_COLUMNS = ("main_pcn_code", "main_pcn_name", "main_pcn_share")


@dataclass(frozen=True)
class MapContent:
    footnote: str
    table: pd.DataFrame      # per area in layer order: value, rank, class, persistence ...
    classing: Classing
    notes: tuple[str, ...]


def export_stem(view: View) -> str:
    """'gp-atlas_e2sfca_lsoa11_FY2024-25_age_d0-1600': what a view's exports (PNG, CSV, GeoJSON, briefing) show,
    in their file names, the same for every format."""
    fy, params = fy_label(view.year).replace("/", "-"), view.params
    return f"gp-atlas_{view.measure}_{view.level}_{fy}_{params.weights}_d0-{params.d0:g}"


def map_content(services: AtlasServices, view: View, layer: WebLayer) -> MapContent:
    """Values, classes, persistence and notes of a view, aligned to the layer's feature order."""
    if view.measure == AGREEMENT:
        return _agreement_content(services, view, layer)
    tables = services.tables
    spec = MEASURES[view.measure]
    table = tables.table(view.level, view.measure, view.year, view.params).set_index("area_code")
    table = table.reindex(list(layer.codes))
    classing = classify(table["value"].to_numpy(dtype=float), view.scheme, spec.poor, spec.decimals)
    table["class"] = classing.labels
    notes = list(view.notices)  # a control value no analysis takes (k typed as 0), said where the map is
    if "persistent" in view.layers:
        try:
            persistence = tables.persistence(view.measure, view.level, view.year, view.params).set_index("area_code")
            table = table.join(persistence[["persistence_class", "years_poor", "window_start", "window_end"]])
            notes.append("Outlined: " + persistence_note(view, persistence, f"{LEVELS[view.level]} areas"))
        except ValueError as exc:
            notes.append(f"Persistence not shown: {exc}.")
    if "hotspots" in view.layers:
        hotspots = tables.hotspots(view.measure, view.year, view.params)
        poor = int((hotspots["hotspot_class"] == POOR_CLUSTER).sum())
        notes.append(f"Clusters: Getis-Ord Gi* on LSOA values, queen contiguity, 999 permutations, p < 0.05 "
                     f"({poor:,} LSOAs in poor-provision clusters).")
    return MapContent(_footnote(services, view, f"{SCHEMES[view.scheme]} colours; darkest red = poorest provision"),
                      table.reset_index(), classing, tuple(notes + _pcn_note(view)))


def _agreement_content(services: AtlasServices, view: View, layer: WebLayer) -> MapContent:
    """The agreement map's classes (0-N measures calling an area poor) and its persistence under every method."""
    table, classing, note = agreement_table(services.agreement, view, list(layer.codes))
    notes = list(view.notices) + ([note] if "persistent" in view.layers else [])
    text = "Colour = how many measures call the area poor; darkest red = poor under every measure"
    return MapContent(_footnote(services, view, text), table, classing, tuple(notes + _pcn_note(view)))


def _pcn_note(view: View) -> list[str]:
    return [f"PCN catchments start in {fy_label(PCN_FIRST_YEAR)}."] if "pcn" in view.layers and \
        view.year < PCN_FIRST_YEAR else []


def _footnote(services: AtlasServices, view: View, colours: str) -> str:
    return f"{map_title_line(view)}. {colours}. Basis: {view_basis(services, view)}."


def map_title_line(view: View) -> str:
    """'E2SFCA access · LSOA · FY2024/25': the map's title."""
    return f"{shown_measure(view.measure).label} · {LEVELS[view.level]} · {fy_label(view.year)}"


def legend_rows(selected: bool) -> dict:
    """The legend's outline rows, which the browser shows for the outlines it draws (slot -> component)."""
    rows = {slot: outline_row(slot) for slot in LEGEND_OUTLINES}
    robust = {ROBUST_LAYER: outline_row("persistent", LAYERS[ROBUST_LAYER])}  # drawn in the persistent slot
    return {**rows, **robust, "selected": selected_row(LEGEND_SELECTED, selected)}


def map_paint(services: AtlasServices, view: View, urls: dict[str, str]) -> dict:
    """The server's part of the paint: geometry, boroughs, the year's PCN catchments, the selected area and its
    main PCN, cube URL templates (measure left for the browser) and legend rows."""
    pcn = services.layers.of("pcn", view.year).codes if "pcn" in view.layers and view.year >= PCN_FIRST_YEAR else ()
    selected = selected_outline(services, view)
    outlines = {"boroughs": services.layers.of("borough", view.year).codes, "pcn": pcn, "selected": selected,
                "main_pcn": main_pcn_outline(services, view)}
    prefix = dash.get_relative_path("/")
    cubes = {"cube": prefix + services.cubes.template(view.level, view.params),
             "hotspots": prefix + services.cubes.hotspot_template(view.params),
             "agreement": prefix + services.cubes.path(view.level, AGREEMENT, view.params)}
    paint = paint_update(urls, outlines, view.level, cubes, legend_rows(bool(selected)))
    paint["slots"][ROBUST_LAYER] = paint["slots"]["persistent"]  # one outline style for both kinds of persistence
    paint["every_method"] = LAYERS[ROBUST_LAYER]  # its name where the PNG export draws the legend
    return {**paint, "bounds": services.layers.of("borough", view.year).bounds,  # London, for the PNG's crop
            "notices": list(view.notices)}  # a control value no analysis takes (k typed as 0), said by the map


def map_outputs(services: AtlasServices, view: View, meta: dict | None) -> tuple[dict, dict, dict]:
    """Figure, meta and paint for a view, given the meta of the map the browser shows.

    Same geometry -> Patches: the figure's layout, plus its Plotly traces only if they changed (a resent
    array, even an equal one, makes Plotly re-plot every trace), and the paint.
    New geometry (first render, level, PCN year) -> the full figure and paint.
    """
    urls = services.layers.urls(view.level, view.year)
    points = services.provision.practice_points(view.year) if "practices" in view.layers else None
    updates = {"practices": practices_update(points)}
    layout = titles(map_title_line(view), view_basis(services, view))
    paint = map_paint(services, view, urls)
    drawn = hashlib.sha1(orjson.dumps(updates, option=orjson.OPT_SERIALIZE_NUMPY)).hexdigest()
    new_meta = {"layer": urls["layer"], "traces": drawn}
    if meta and meta.get("layer") == urls["layer"]:
        figure = map_patch({} if meta.get("traces") == drawn else updates, layout)
        return figure, new_meta, paint_patch(paint)
    camera = {key: getattr(view, key) for key in ("lat", "lon", "zoom") if getattr(view, key) is not None}
    figure = map_figure(urls, {**updates, "pin": pin_update(None, None)}, layout, camera)
    return figure, new_meta, paint


def values_csv(view: View, content: MapContent) -> str:
    """The mapped values as a spreadsheet-safe CSV that names its measure, year and basis in every row."""
    spec = shown_measure(view.measure)
    table = content.table.assign(measure=spec.label, unit=spec.unit, level=LEVELS[view.level],
                                 fy=fy_label(view.year), value=content.table["value"].round(6))
    columns = ["area_code", "area_name", "level", "fy", "measure", "unit", "value", "rank", "class",
               "persistence_class", "years_poor", *MAIN_PCN_COLUMNS, "basis"]
    return safe_csv(table[[c for c in columns if c in table.columns]])


def layer_properties(view: View, content: MapContent) -> list[dict]:
    """Per-feature properties for the GeoJSON download (values, class colour, basis)."""
    table = content.table.assign(colour=content.classing.colours, measure=view.measure, fy=fy_label(view.year))
    keep = [c for c in ("area_code", "area_name", "measure", "fy", "value", "rank", "class", "colour",
                        "persistence_class", *MAIN_PCN_COLUMNS, "basis") if c in table.columns]
    frame = table[keep].astype(object).where(table[keep].notna(), None)
    frame["rank"] = [None if r is None else int(r) for r in frame["rank"]]
    return frame.to_dict("records")


def export_values(services: AtlasServices, view: View) -> tuple[MapContent, WebLayer]:
    """What the CSV and GeoJSON downloads hold: the map's values plus each area's main PCN (code, name and
    share of its registered residents; geo.profiles.main_pcns)."""
    content, layer = map_values_for_view(services, view)
    main = main_pcns(services.tables, view.level, view.year, view.params)
    table = content.table.merge(main, on="area_code", how="left")
    table["main_pcn_share"] = table["main_pcn_share"].round(4)
    return replace(content, table=table), layer


def map_values_for_view(services: AtlasServices, view: View) -> tuple[MapContent, WebLayer]:
    """The content and layer of a view (the values behind the downloads)."""
    layer = services.layers.of(view.level, view.year)
    return map_content(services, view, layer), layer


def main_pcn_outline(services: AtlasServices, view: View) -> list[str]:
    """The selected area's main PCN catchment (none at PCN level, where the selection is the catchment, nor
    before PCNs existed)."""
    if not selected_outline(services, view) or view.level == "pcn" or view.year < PCN_FIRST_YEAR:
        return []
    code = main_pcn_of(services.tables, view.level, view.area, view.year, view.params)
    return [code] if code in set(services.layers.of("pcn", view.year).codes) else []


def selected_outline(services: AtlasServices, view: View) -> list[str]:
    """The selected-area outline's codes (none when the selection is not an area of the mapped layer)."""
    return [view.area] if view.area in set(services.layers.of(view.level, view.year).codes) else []



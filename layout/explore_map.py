"""The Explore map's content for a view: values, classes, overlays, legend, footnote and downloads.

`map_content` turns a View into the map's updates and paint (see layout/mapfig.py) and everything the legend,
footnote and downloads need, from `geo.tables.AreaTables`; `map_outputs` decides what actually travels to the
browser (a full figure for new geometry, Patches otherwise).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import orjson
import pandas as pd

from data.safe_csv import safe_csv
from data.years import PCN_FIRST_YEAR, fy_label
from geo.hotspots import GOOD_CLUSTER, POOR_CLUSTER
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.profiles import main_pcn_of, main_pcns, practice_points
from layout.classes import Classing, classify
from layout.components import persistence_note
from layout.geometry import WebLayer
from layout.mapfig import (
    MAP_CONFIG,
    SLOT,
    image_trace,
    map_figure,
    map_patch,
    paint_patch,
    paint_update,
    pin_update,
    practices_update,
    titles,
    wrap,
)
from layout.maplegend import map_legend
from layout.services import AtlasServices
from layout.view import SCHEMES, View

LEGEND_SELECTED = "explore-legend-selected"
MAIN_PCN_COLUMNS = ("main_pcn_code", "main_pcn_name", "main_pcn_share")


@dataclass(frozen=True)
class MapContent:
    updates: dict            # Plotly traces (the practices)
    layout: dict
    paint: dict              # areas and their outlines, drawn by assets/explore_map.js
    legend: list
    footnote: str
    table: pd.DataFrame      # per area in layer order: value, rank, class, persistence ...
    classing: Classing
    notes: tuple[str, ...]


def export_stem(view: View) -> str:
    """'gp-atlas_e2sfca_lsoa11_FY2024-25_age_d0-1600': what a view's exports (PNG, CSV, GeoJSON, briefing) show,
    in their file names, the same for every format."""
    fy, params = fy_label(view.year).replace("/", "-"), view.params
    return f"gp-atlas_{view.measure}_{view.level}_{fy}_{params.weights}_d0-{params.d0:g}"


def map_content(services: AtlasServices, view: View, layer: WebLayer, urls: dict[str, str]) -> MapContent:
    """Choropleth values and overlays for a view, aligned to the layer's feature order."""
    tables = services.tables
    spec = MEASURES[view.measure]
    table = tables.table(view.level, view.measure, view.year, view.params).set_index("area_code")
    table = table.reindex(list(layer.codes))
    values = table["value"].to_numpy(dtype=float)
    classing = classify(values, view.scheme, spec.poor, spec.decimals)
    table["class"] = classing.labels
    basis = tables.provision.basis(view.measure, view.year, view.params)
    title = f"{spec.label} · {LEVELS[view.level]} · {fy_label(view.year)}"
    notes = list(view.notices)  # a control value no analysis takes (k typed as 0), said where the map is
    persistent: list[str] = []
    if "persistent" in view.layers:
        try:
            persistence = tables.persistence(view.measure, view.level, view.year, view.params).set_index("area_code")
            table = table.join(persistence[["persistence_class", "years_poor", "window_start", "window_end"]])
            persistent = list(table.index[table["persistence_class"] == "persistent"])
            notes.append("Outlined: " + persistence_note(view, persistence, f"{LEVELS[view.level]} areas"))
        except ValueError as exc:
            notes.append(f"Persistence not shown: {exc}.")
    clusters = {POOR_CLUSTER: [], GOOD_CLUSTER: []}
    if "hotspots" in view.layers:
        hotspots = tables.hotspots(view.measure, view.year, view.params)
        clusters = {name: hotspots.loc[hotspots["hotspot_class"] == name, "area_code"].tolist() for name in clusters}
        notes.append(f"Clusters: Getis-Ord Gi* on LSOA values, queen contiguity, 999 permutations, p < 0.05 "
                     f"({len(clusters[POOR_CLUSTER]):,} LSOAs in poor-provision clusters).")
    pcn_codes: tuple[str, ...] = ()
    if "pcn" in view.layers:
        if view.year >= PCN_FIRST_YEAR:
            pcn_codes = services.layers.of("pcn", view.year).codes
        else:
            notes.append(f"PCN catchments start in {fy_label(PCN_FIRST_YEAR)}.")
    points = None
    if "practices" in view.layers:
        points = practice_points(tables.provision, view.year)
    updates = {"practices": practices_update(points)}
    outlines = {"boroughs": services.layers.of("borough", view.year).codes, "pcn": pcn_codes, "persistent": persistent,
                "poor_cluster": clusters[POOR_CLUSTER], "good_cluster": clusters[GOOD_CLUSTER],
                "selected": selected_outline(services, view), "main_pcn": main_pcn_outline(services, view)}
    unit = wrap(spec.unit, 28, " ")
    image = {"options": {**MAP_CONFIG["toImageButtonOptions"], "filename": export_stem(view)},
             "slot": SLOT["choropleth"], "trace": image_trace(classing, f"<b>{spec.label}</b><br><sub>{unit}</sub>")}
    paint = paint_update(classing, values, table["rank"], spec.decimals, spec.unit, urls, outlines, view.level, image)
    legend = map_legend(classing, spec.label, spec.unit, [name for name in ("pcn", "persistent", "poor_cluster",
                                                                         "good_cluster") if outlines[name]],
                        LEGEND_SELECTED, bool(outlines["selected"]))
    text = f"{title}. {SCHEMES[view.scheme]} colours; darkest red = poorest provision. Basis: {basis}."
    return MapContent(updates, titles(title, basis), paint, legend, text, table.reset_index(), classing, tuple(notes))


def map_outputs(services: AtlasServices, view: View, meta: dict | None) -> tuple:
    """Figure, meta, paint and content for a view, given the meta of the map the browser shows.

    Same geometry -> Patches: the figure's layout, plus its Plotly traces only if they changed (a resent
    array, even an equal one, makes Plotly re-plot every trace), and the paint without the area names.
    New geometry (first render, level, PCN year) -> the full figure and paint.
    """
    content, layer, urls = map_values_for_view(services, view)
    drawn = hashlib.sha1(orjson.dumps(content.updates, option=orjson.OPT_SERIALIZE_NUMPY)).hexdigest()
    new_meta = {"layer": urls["layer"], "traces": drawn}
    if meta and meta.get("layer") == urls["layer"]:
        figure = map_patch({} if meta.get("traces") == drawn else content.updates, content.layout)
        return figure, new_meta, paint_patch(content.paint), content
    camera = {key: getattr(view, key) for key in ("lat", "lon", "zoom") if getattr(view, key) is not None}
    figure = map_figure(urls, {**content.updates, "pin": pin_update(None, None)}, content.layout, camera)
    names = content.table["area_name"].fillna(content.table["area_code"]).tolist()
    return figure, new_meta, {**content.paint, "names": names}, content


def values_csv(view: View, content: MapContent) -> str:
    """The mapped values as a spreadsheet-safe CSV that names its measure, year and basis in every row."""
    spec = MEASURES[view.measure]
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
    content, layer, _ = map_values_for_view(services, view)
    main = main_pcns(services.tables, view.level, view.year, view.params)
    table = content.table.merge(main, on="area_code", how="left")
    table["main_pcn_share"] = table["main_pcn_share"].round(4)
    return replace(content, table=table), layer


def map_values_for_view(services: AtlasServices, view: View) -> tuple[MapContent, WebLayer, dict]:
    """The content, layer and geometry URLs of a view (the one place the explore callbacks ask for data)."""
    layer = services.layers.of(view.level, view.year)
    urls = services.layers.urls(view.level, view.year)
    return map_content(services, view, layer, urls), layer, urls


def main_pcn_outline(services: AtlasServices, view: View) -> list[str]:
    """The selected area's main PCN catchment (none at PCN level, where the selection is the catchment)."""
    if not selected_outline(services, view) or view.level == "pcn":
        return []
    code = main_pcn_of(services.tables, view.level, view.area, view.year, view.params)
    return [code] if code in set(services.layers.of("pcn", view.year).codes) else []


def selected_outline(services: AtlasServices, view: View) -> list[str]:
    """The selected-area outline's codes (none when the selection is not an area of the mapped layer)."""
    return [view.area] if view.area in set(services.layers.of(view.level, view.year).codes) else []



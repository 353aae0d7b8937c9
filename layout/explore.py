"""Explore: the choropleth with controls, overlays, search, the area/practice side panel and downloads.

`page(**url_params)` lays the page out from the URL; `map_content` turns a
View into the map's updates and paint (see layout/mapfig.py) and everything
the legend, footnote and downloads need, from `geo.export.AreaTables`;
`map_outputs` decides what actually travels to the browser.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import dash_bootstrap_components as dbc
import orjson
import pandas as pd
from dash import dcc, html

from callbacks.context import area_tables, geometry_urls, layer_for, layer_url, search_index, view_options
from data.loader import shared_atlas
from data.postcodes import display_postcode, lookup_postcodes
from data.years import PCN_FIRST_YEAR, fy_label
from geo.export import LEVELS, AreaTables
from geo.hotspots import GOOD_CLUSTER, POOR_CLUSTER
from geo.measures import LEVEL_CODE_COLUMN, MEASURES
from geo.profiles import (
    area_lsoas,
    area_profile,
    area_trend,
    london_patients_per_gp_fte,
    practice_points,
    serving_practices,
)
from geo.search import lsoa_at, to_lonlat
from layout.classes import Classing, classify
from layout.components import download_button, footnote, notices, persistence_note, view_controls
from layout.geometry import WebLayer
from layout.mapfig import (
    MAP_WIDTH,
    SLOT,
    image_trace,
    map_figure,
    map_patch,
    outline_patch,
    paint_patch,
    paint_update,
    pin_update,
    practices_update,
    titles,
    wrap,
)
from layout.maplegend import map_legend
from layout.panels import area_panel, practice_summary
from layout.tables import safe_csv
from layout.view import SCHEMES, View, parse_view, view_query

# Fixed for the page's life: a changed config makes Plotly rebuild the whole map. The PNG's file name comes
# with each view's paint instead (assets/explore_map.js takes over the camera button).
MAP_CONFIG = {"displaylogo": False, "scrollZoom": True, "responsive": True,
              "modeBarButtonsToRemove": ["select2d", "lasso2d"],
              "toImageButtonOptions": {"format": "png", "filename": "gp-atlas", "scale": 2, "width": 1400,
                                       "height": 1000}}
LEGEND_SELECTED = "explore-legend-selected"


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


def image_filename(view: View) -> str:
    """'gp-atlas_e2sfca_lsoa11_FY2024-25_age_d0-1600' : what the PNG shows, in its name."""
    return f"gp-atlas_{view.measure}_{view.level}_{fy_label(view.year).replace('/', '-')}_{view.weights}_d0-{view.d0:g}"


def map_content(view: View, tables: AreaTables, layer: WebLayer, urls: dict[str, str]) -> MapContent:
    """Choropleth values and overlays for a view, aligned to the layer's feature order."""
    spec = MEASURES[view.measure]
    table = tables.table(view.level, view.measure, view.year, view.weights, view.d0).set_index("area_code")
    table = table.reindex(list(layer.codes))
    values = table["value"].to_numpy(dtype=float)
    classing = classify(values, view.scheme, spec.poor, spec.decimals)
    table["class"] = classing.labels
    basis = tables.provision.basis(view.measure, view.year, view.weights, view.d0)
    title = f"{spec.label} · {LEVELS[view.level]} · {fy_label(view.year)}"
    notes: list[str] = []
    persistent: list[str] = []
    if "persistent" in view.layers:
        try:
            persistence = tables.persistence(view.measure, view.level, view.year, view.weights, view.d0,
                                             view.k, view.n, view.cut).set_index("area_code")
            table = table.join(persistence[["persistence_class", "years_poor", "window_start", "window_end"]])
            persistent = list(table.index[table["persistence_class"] == "persistent"])
            notes.append("Outlined: " + persistence_note(view, persistence, f"{LEVELS[view.level]} areas"))
        except ValueError as exc:
            notes.append(f"Persistence not shown: {exc}.")
    clusters = {POOR_CLUSTER: [], GOOD_CLUSTER: []}
    if "hotspots" in view.layers:
        hotspots = tables.hotspots(view.measure, view.year, view.weights, view.d0)
        clusters = {name: hotspots.loc[hotspots["hotspot_class"] == name, "area_code"].tolist() for name in clusters}
        notes.append(f"Clusters: Getis-Ord Gi* on LSOA values, queen contiguity, 999 permutations, p < 0.05 "
                     f"({len(clusters[POOR_CLUSTER]):,} LSOAs in poor-provision clusters).")
    pcn_codes: tuple[str, ...] = ()
    if "pcn" in view.layers:
        if view.year >= PCN_FIRST_YEAR:
            pcn_codes = layer_for("pcn", view.year).codes
        else:
            notes.append(f"PCN catchments start in {fy_label(PCN_FIRST_YEAR)}.")
    points = None
    if "practices" in view.layers:
        points = practice_points(tables.provision, view.year)
    updates = {"practices": practices_update(points)}
    outlines = {"boroughs": layer_for("borough", view.year).codes, "pcn": pcn_codes, "persistent": persistent,
                "poor_cluster": clusters[POOR_CLUSTER], "good_cluster": clusters[GOOD_CLUSTER],
                "selected": selected_outline(view)}
    unit = wrap(spec.unit, 28, " ")
    image = {"options": {**MAP_CONFIG["toImageButtonOptions"], "filename": image_filename(view)},
             "slot": SLOT["choropleth"], "trace": image_trace(classing, f"<b>{spec.label}</b><br><sub>{unit}</sub>")}
    paint = paint_update(classing, values, table["rank"], spec.decimals, spec.unit, urls, outlines, view.level, image)
    legend = map_legend(classing, spec.label, spec.unit, [name for name in ("pcn", "persistent", "poor_cluster",
                                                                         "good_cluster") if outlines[name]],
                        LEGEND_SELECTED, bool(outlines["selected"]))
    text = f"{title}. {SCHEMES[view.scheme]} colours; darkest red = poorest provision. Basis: {basis}."
    return MapContent(updates, titles(title, basis), paint, legend, text, table.reset_index(), classing, tuple(notes))


def map_outputs(view: View, meta: dict | None) -> tuple:
    """Figure, meta, paint and content for a view, given the meta of the map the browser shows.

    Same geometry -> Patches: the figure's layout, plus its Plotly traces only if they changed (a resent
    array, even an equal one, makes Plotly re-plot every trace), and the paint without the area names.
    New geometry (first render, level, PCN year) -> the full figure and paint.
    """
    content, layer, urls = map_values_for_view(view)
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
               "persistence_class", "years_poor", "basis"]
    return safe_csv(table[[c for c in columns if c in table.columns]])


def layer_properties(view: View, content: MapContent) -> list[dict]:
    """Per-feature properties for the GeoJSON download (values, class colour, basis)."""
    table = content.table.assign(colour=content.classing.colours, measure=view.measure, fy=fy_label(view.year))
    keep = [c for c in ("area_code", "area_name", "measure", "fy", "value", "rank", "class", "colour",
                        "persistence_class", "basis") if c in table.columns]
    frame = table[keep].astype(object).where(table[keep].notna(), None)
    frame["rank"] = [None if r is None else int(r) for r in frame["rank"]]
    return frame.to_dict("records")


# --------------------------------------------------------------------------- layout

def _controls_card(view: View) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.Div([dbc.Label("Find a practice, postcode or area", class_name="small fw-semibold mb-1"),
                  dcc.Dropdown(id="explore-search", placeholder="e.g. SW1A 1AA, Camden, F83004",
                               options=[], searchable=True, clearable=True, className="search-box")],
                 className="mb-3"),
        html.Div(id="explore-search-result", className="small text-muted mb-2"),
        view_controls("explore", view, view_options(), with_map_controls=True),
        html.Div([download_button("explore-download-csv", "CSV"),
                  download_button("explore-download-geojson", "GeoJSON"),
                  html.A("⧉ Permalink", id="explore-permalink", href=view_query(view),
                         className="btn btn-sm btn-outline-secondary me-1 mb-1")],
                 className="mt-1 no-print"),
        html.Div("Map image: camera icon on the map toolbar.", className="form-text"),
    ]), class_name="controls-card shadow-sm")


def empty_panel() -> html.Div:
    return html.Div([
        html.H5("Area detail", className="mb-2"),
        html.P("Click an area on the map (or search) to see its value, London rank, trend, persistence, "
               "deprivation and the practices that serve its residents. Click a practice dot for the practice.",
               className="text-muted small"),
    ], className="p-2")


def page(**url_params) -> html.Div:
    view = parse_view(url_params, view_options())
    height = "calc(100vh - 44px)" if view.embed else "calc(100vh - 190px)"
    map_graph = dcc.Graph(id="explore-map", config=MAP_CONFIG, className="explore-map",
                          style={"height": height, "minHeight": "240px" if view.embed else "460px"})
    legend = html.Div(id="explore-legend", className="map-legend", style={"left": f"calc({MAP_WIDTH:.0%} + 8px)"},
                      **{"aria-label": "Map legend"})
    map_column = [notices(view), dcc.Loading(html.Div([map_graph, legend], className="map-frame"), type="circle",
                                             delay_show=400, overlay_style={"visibility": "visible", "opacity": 0.6}),
                  footnote("explore-footnote"), html.Ul(id="explore-notes", className="map-notes small text-muted")]
    stores = [dcc.Store(id="explore-base", data=view_query(view)),
              dcc.Store(id="explore-selection", data={"area": view.area, "practice": view.practice}),
              dcc.Store(id="explore-map-meta"), dcc.Store(id="explore-paint"), dcc.Download(id="explore-download")]
    if view.embed:
        hidden = html.Div([_controls_card(view), html.Div(id="explore-panel"), html.Button(id="explore-clear")],
                          hidden=True)
        return html.Div(stores + [hidden] + map_column, className="embed-view")
    return html.Div(stores + [dbc.Row([
        dbc.Col(_controls_card(view), xs=12, lg=3, xxl=2, class_name="controls-column"),
        dbc.Col(map_column, xs=12, lg=6, xxl=7, class_name="map-column"),
        dbc.Col(html.Div([dbc.Button("Clear selection", id="explore-clear", size="sm", color="link",
                                     class_name="float-end no-print p-0"),
                          html.Div(empty_panel(), id="explore-panel")], className="detail-panel"), xs=12, lg=3,
                class_name="panel-column"),
    ], class_name="g-3")], className=f"explore-view{' print-view' if view.print else ''}")


def search_options(results: list[dict]) -> list[dict]:
    """Dropdown options from search results; the value carries what to select."""
    return [{"label": r["label"], "value": "|".join([r["kind"], r["code"], r["level"] or ""])} for r in results]


def map_values_for_view(view: View) -> tuple[MapContent, WebLayer, dict]:
    """The content, layer and geometry URLs of a view (the one place the explore callbacks ask for data)."""
    layer = layer_for(view.level, view.year)
    urls = geometry_urls(view.level, view.year)
    return map_content(view, area_tables(), layer, urls), layer, urls


def selection_from_click(click: dict | None) -> dict | None:
    """{'area': code} for a click on an area, {'practice': code} on a practice dot, None otherwise."""
    points = (click or {}).get("points") or []
    if not points:
        return None
    point = points[0]
    if point.get("curveNumber") == SLOT["practices"] and point.get("customdata"):
        return {"area": None, "practice": point["customdata"][0]}
    if point.get("location"):
        return {"area": point["location"], "practice": None}
    return None


SEARCH_ZOOM = {"lsoa11": 14.0, "msoa11": 13.0, "ward": 13.0, "pcn": 12.0, "borough": 11.0, "ccg19": 11.0,
               "icb": 10.0, "practice": 15.0, "postcode": 15.0}


def search_target(value: str | None, view: View) -> dict | None:
    """What a chosen search result selects: selection, level, camera and pin (None if it cannot be found)."""
    if not value or value.count("|") != 2:
        return None
    kind, code, level = value.split("|")
    if kind == "postcode":
        found = lookup_postcodes(pd.Series([code]), shared_atlas().postcodes).iloc[0]
        if found["status"] != "ok":
            return None
        easting, northing = float(found["easting"]), float(found["northing"])
        lsoa = lsoa_at(shared_atlas().lsoa, easting, northing)
        area = area_of_lsoa(view, lsoa)
        label = f"{display_postcode(code)}: in {lsoa}" if lsoa else display_postcode(code)
        selection, level, pin = {"area": area, "practice": None}, view.level, label
    else:
        index = search_index()
        row = index[(index["kind"] == kind) & (index["code"] == code)]
        if row.empty:
            return None
        easting, northing = float(row["easting"].iloc[0]), float(row["northing"].iloc[0])
        label, pin = row["label"].iloc[0], None
        if kind == "practice":
            selection, level = {"area": None, "practice": code}, view.level
        else:
            selection = {"area": code, "practice": None}
    lon, lat = to_lonlat(easting, northing)
    return {"selection": selection, "level": level, "label": label, "pin": pin,
            "camera": {"lat": round(float(lat), 5), "lon": round(float(lon), 5),
                       "zoom": SEARCH_ZOOM.get(kind if kind != "area" else level, 13.0)}}


def area_of_lsoa(view: View, lsoa: str | None) -> str | None:
    """The area of the view's level that holds an LSOA (PCN: the year's catchment)."""
    if lsoa is None:
        return None
    if view.level == "pcn":
        return area_tables().pcn_assignment(view.year).get(lsoa)
    column = LEVEL_CODE_COLUMN[view.level]
    lsoas = area_tables().provision.lsoa.set_index("area_code")
    return lsoa if column == "area_code" else lsoas[column].get(lsoa)


def selected_outline(view: View) -> list[str]:
    """The selected-area outline's codes (none when the selection is not an area of the mapped layer)."""
    return [view.area] if view.area in set(layer_for(view.level, view.year).codes) else []


def selection_change(trigger: str | None, click: dict | None, searched: str | None, view: View) -> dict | None:
    """What a map click, a chosen search result or 'clear' does: the new selection (None = keep), the
    level to switch to, Patches for the figure (pin, camera) and the paint (outline), whether the legend's
    'Selected area' row hides (None = any of these unchanged) and a message; None when nothing happens."""
    unchanged = {"patch": None, "paint": None, "legend_hidden": None}
    if trigger == "explore-clear":
        selection, target = {"area": None, "practice": None}, None
    elif trigger == "explore-search":
        if not searched:
            return None
        target = search_target(searched, view)
        if target is None:
            return {"selection": None, "level": view.level, **unchanged, "message": "Not found in London."}
        selection = target["selection"]
    elif trigger == "explore-map":
        selection, target = selection_from_click(click), None
        if selection is None:
            return None
    else:
        return None
    level = target["level"] if target else view.level
    change = {"selection": selection, "level": level, **unchanged, "message": target["label"] if target else ""}
    if level == view.level:  # same map: outline now; a new level redraws with the selection
        codes = selected_outline(view.with_(**selection))
        change.update(paint=outline_patch("selected", codes), legend_hidden=not codes)
    if target:
        camera = target["camera"]
        pin = pin_update(camera["lat"], camera["lon"], target["pin"]) if target["pin"] else pin_update(None, None)
        change["patch"] = map_patch({"pin": pin}, {"map.center": {"lat": camera["lat"], "lon": camera["lon"]},
                                                   "map.zoom": camera["zoom"]})
    return change


def panel_for(view: View, query: str):
    """The side panel for the view's selected area, else its selected practice, else the hint."""
    tables = area_tables()
    spec = MEASURES[view.measure]
    if view.area:
        profile = area_profile(tables, view.measure, view.level, view.area, view.year, view.weights, view.d0,
                               view.k, view.n, view.cut)
        if profile is not None:
            practices = serving_practices(tables.provision, profile["lsoa_codes"], view.year, view.weights, view.d0)
            points = practice_points(tables.provision, view.year).set_index("practice_code")
            top = points.reindex(practices["practice_code"].head(10)).dropna(subset=["lat"]).reset_index()
            trend = area_trend(tables, view.measure, view.level, view.area, view.weights, view.d0)
            return area_panel(profile, trend, practices, top, spec, LEVELS[view.level],
                              layer_url(view.level, view.year), area_camera(view, profile["lsoa_codes"]),
                              view.cut, query)
    if view.practice:
        points = practice_points(tables.provision, view.year)
        row = points[points["practice_code"] == view.practice]
        if not row.empty:
            london = london_patients_per_gp_fte(tables.provision).get(view.year)
            return practice_summary(row.iloc[0].to_dict(), london, view.year, query)
    return empty_panel()


def area_camera(view: View, lsoa_codes: list[str]) -> dict:
    """Centre (mean of its LSOA centroids) and a zoom that shows an area of the view's level."""
    lsoa = area_tables().provision.lsoa.set_index("area_code").loc[lsoa_codes]
    lon, lat = to_lonlat(lsoa["centroid_x"].mean(), lsoa["centroid_y"].mean())
    return {"lat": float(lat), "lon": float(lon), "zoom": SEARCH_ZOOM[view.level] - 1.5}


def serving_csv(view: View) -> str | None:
    """All practices serving the selected area, spreadsheet-safe, with the year and basis on every row."""
    tables = area_tables()
    if not view.area:
        return None
    lsoas = area_lsoas(tables, view.level, view.area, view.year)
    practices = serving_practices(tables.provision, lsoas, view.year, view.weights, view.d0)
    return safe_csv(practices.assign(area_code=view.area, level=LEVELS[view.level], fy=fy_label(view.year),
                                     basis="estimated registered residents = list x share of the practice's London "
                                           "patients living in the area (patient flows July 2022)"))

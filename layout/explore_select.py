"""Explore selection: what a map click, a chosen search result or 'clear' selects, and where the map goes.

A search result may be a practice, an area of any level (the map switches to that level) or a London postcode
(the area of the mapped level holding it, with a pin). Everything returns plain data and Patches; the
callbacks only route them.
"""
from __future__ import annotations

import pandas as pd

from data.postcodes import display_postcode, lookup_postcodes
from geo.levels import LEVEL_CODE_COLUMN
from geo.search import lsoa_at, to_lonlat
from layout.explore_map import main_pcn_outline, selected_outline
from layout.mapfig import SLOT, map_patch, outline_patch, pin_update
from layout.services import AtlasServices
from layout.view import View

SEARCH_ZOOM = {"lsoa11": 14.0, "msoa11": 13.0, "ward": 13.0, "pcn": 12.0, "borough": 11.0, "ccg19": 11.0,
               "icb": 10.0, "practice": 15.0, "postcode": 15.0}


def search_options(results: list[dict]) -> list[dict]:
    """Dropdown options from search results; the value carries what to select."""
    return [{"label": r["label"], "value": "|".join([r["kind"], r["code"], r["level"] or ""])} for r in results]


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


def search_target(services: AtlasServices, value: str | None, view: View) -> dict | None:
    """What a chosen search result selects: selection, level, camera and pin (None if it cannot be found)."""
    if not value or value.count("|") != 2:
        return None
    kind, code, level = value.split("|")
    if kind == "postcode":
        found = lookup_postcodes(pd.Series([code]), services.atlas.postcodes).iloc[0]
        if found["status"] != "ok":
            return None
        easting, northing = float(found["easting"]), float(found["northing"])
        lsoa = lsoa_at(services.atlas.lsoa, easting, northing)
        area = area_of_lsoa(services, view, lsoa)
        label = f"{display_postcode(code)}: in {lsoa}" if lsoa else display_postcode(code)
        selection, level, pin = {"area": area, "practice": None}, view.level, label
    else:
        index = services.search_index
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


def area_of_lsoa(services: AtlasServices, view: View, lsoa: str | None) -> str | None:
    """The area of the view's level that holds an LSOA (PCN: the year's catchment)."""
    if lsoa is None:
        return None
    if view.level == "pcn":
        return services.tables.pcn_assignment(view.year).get(lsoa)
    column = LEVEL_CODE_COLUMN[view.level]
    lsoas = services.provision.lsoa.set_index("area_code")
    return lsoa if column == "area_code" else lsoas[column].get(lsoa)


def selection_change(services: AtlasServices, trigger: str | None, click: dict | None, searched: str | None,
                     view: View) -> dict | None:
    """What a map click, a chosen search result or 'clear' does: the new selection (None = keep), the
    level to switch to, Patches for the figure (pin, camera) and the paint (outline), whether the legend's
    'Selected area' row hides (None = any of these unchanged) and a message; None when nothing happens."""
    unchanged = {"patch": None, "paint": None, "legend_hidden": None}
    if trigger == "explore-clear":
        selection, target = {"area": None, "practice": None}, None
    elif trigger == "explore-search":
        if not searched:
            return None
        target = search_target(services, searched, view)
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
        selected = view.with_(**selection)
        codes = selected_outline(services, selected)
        change.update(paint=outline_patch({"selected": codes, "main_pcn": main_pcn_outline(services, selected)}),
                      legend_hidden=not codes)
    if target:
        camera = target["camera"]
        pin = pin_update(camera["lat"], camera["lon"], target["pin"]) if target["pin"] else pin_update(None, None)
        change["patch"] = map_patch({"pin": pin}, {"map.center": {"lat": camera["lat"], "lon": camera["lon"]},
                                                   "map.zoom": camera["zoom"]})
    return change



"""Explore's side panel for a view: the selected area's profile, else the selected practice, else a hint; and
the CSV of the practices serving the selected area."""
from __future__ import annotations

from dash import html

from data.safe_csv import safe_csv
from data.years import fy_label
from geo.levels import LEVELS
from geo.measures import MEASURES
from geo.profiles import (
    area_lsoas,
    area_profile,
    area_trend,
    london_patients_per_gp_fte,
    serving_pcns,
    serving_practices,
)
from geo.search import to_lonlat
from layout.agreement_panel import agreement_block, profile_measure
from layout.explore_select import SEARCH_ZOOM
from layout.panels import area_panel, practice_summary
from layout.services import AtlasServices
from layout.view import View


def empty_panel() -> html.Div:
    return html.Div([
        html.H5("Area detail", className="mb-2"),
        html.P("Click an area on the map (or search) to see its value, London rank, trend, persistence, "
               "deprivation and the practices that serve its residents. Click a practice dot for the practice.",
               className="text-muted small"),
    ], className="p-2")


def panel_for(services: AtlasServices, view: View, query: str):
    """The side panel for the view's selected area, else its selected practice, else the hint."""
    tables = services.tables
    measure = profile_measure(services, view)
    spec = MEASURES[measure]
    if view.area:
        profile = area_profile(tables, measure, view.level, view.area, view.year, view.params)
        if profile is not None:
            practices = serving_practices(tables.provision, profile["lsoa_codes"], view.year, view.params)
            points = tables.provision.practice_points(view.year).set_index("practice_code")
            top = points.reindex(practices["practice_code"].head(10)).dropna(subset=["lat"]).reset_index()
            trend = area_trend(tables, measure, view.level, view.area, view.params)
            pcns = serving_pcns(tables, practices, measure, view.year, view.params)
            return area_panel(profile, trend, practices, pcns, top, spec, LEVELS[view.level],
                              services.layers.url(view.level, view.year),
                              area_camera(services, view, profile["lsoa_codes"]), view.params.cut, query,
                              agreement_block(services, view))
    if view.practice:
        points = tables.provision.practice_points(view.year)
        row = points[points["practice_code"] == view.practice]
        if not row.empty:
            london = london_patients_per_gp_fte(tables.provision).get(view.year)
            return practice_summary(row.iloc[0].to_dict(), london, view.year, query)
    return empty_panel()


def area_camera(services: AtlasServices, view: View, lsoa_codes: list[str]) -> dict:
    """Centre (mean of its LSOA centroids) and a zoom that shows an area of the view's level."""
    lsoa = services.provision.lsoa.set_index("area_code").loc[lsoa_codes]
    lon, lat = to_lonlat(lsoa["centroid_x"].mean(), lsoa["centroid_y"].mean())
    return {"lat": float(lat), "lon": float(lon), "zoom": SEARCH_ZOOM[view.level] - 1.5}


def serving_csv(services: AtlasServices, view: View) -> str | None:
    """All practices serving the selected area, spreadsheet-safe, with the year and basis on every row."""
    tables = services.tables
    if not view.area:
        return None
    lsoas = area_lsoas(tables, view.level, view.area, view.year)
    practices = serving_practices(tables.provision, lsoas, view.year, view.params)
    basis = ("estimated registered residents = list x share of the practice's London patients living in the area "
             f"(patient flows {services.atlas.flows_snapshot})")
    return safe_csv(practices.assign(area_code=view.area, level=LEVELS[view.level], fy=fy_label(view.year),
                                     basis=basis))

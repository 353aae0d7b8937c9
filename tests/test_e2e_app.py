"""End-to-end: the real app (real data) in a subprocess, driven by headless Chromium through Playwright.

Asserts on what a person sees (text, legend, features drawn) and saves a
screenshot of every view under pytest's tmp dir (printed at the end of the
session with -s) so a person can look at them.
"""
from __future__ import annotations

import base64
import csv
import io
import json
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from layout.classes import YL_OR_RD
from layout.mapfig import SLOT
from tests.e2e_support import MAP, MAP_READY, PAINTED, png_colours, wait_repainted  # fixtures: conftest

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]
MAPLIBRE = f"document.querySelector('{MAP}')._fullLayout.map._subplot.map"
AREA_IDS = f"[...new Set({MAPLIBRE}.queryRenderedFeatures({{layers: ['atlas-areas']}}).map(f => f.id))]"
AREAS_DRAWN = f"{AREA_IDS}.length"
OUTLINE_OF = f"(i) => {MAPLIBRE}.getFeatureState({{source: 'atlas-area-outlined', id: i}}).outline"
SELECTED_DRAWN = f"{AREA_IDS}.filter(i => ({OUTLINE_OF})(i) === {SLOT['selected']}).length"


def open_map(tab, url: str):
    tab.goto(url)
    tab.wait_for_function(MAP_READY, timeout=45_000)
    tab.wait_for_timeout(400)


def map_state(tab) -> dict:
    """What the map shows: areas drawn, legend, title, camera, areas outlined as selected."""
    return tab.evaluate(f"""() => {{ const gd = document.querySelector('{MAP}'); const m = {MAPLIBRE};
      const c = m.getCenter();
      return {{features: {AREAS_DRAWN}, drawn: m.queryRenderedFeatures().length, selected: {SELECTED_DRAWN},
              legend: document.querySelector('#explore-legend').innerText,
              classes: document.querySelectorAll('#explore-legend .legend-classes li').length,
              title: gd._fullLayout.title.text, lat: c.lat, lon: c.lng, zoom: m.getZoom(),
              geojson: gd.data[0].geojson}}; }}""")


def choose(tab, dropdown_id: str, option_text: str):
    tab.click(f"#{dropdown_id}")
    tab.get_by_role("option", name=option_text, exact=True).click()


def test_explore_shows_the_lsoa_map_with_its_legend_and_basis(tab, app_url, shots):
    open_map(tab, app_url + "/")
    state = map_state(tab)
    assert state["features"] == 4835 and state["drawn"] > 1000
    assert state["legend"].startswith("E2SFCA access") and state["classes"] == 5
    assert "E2SFCA access · LSOA (2011) · FY2024/25" in tab.inner_text("#explore-footnote")
    assert "Basis: GP FTE per 10,000 need-weighted residents in reach" in tab.inner_text("#explore-footnote")
    assert "Persistent poor provision" in state["legend"]
    tab.screenshot(path=shots / "01-explore-lsoa.png")


def test_switching_level_measure_and_year_updates_the_map_without_resending_geometry(tab, app_url, shots):
    open_map(tab, app_url + "/")
    fetched = []
    tab.on("request", lambda request: fetched.append(request.url) if "/geometry/" in request.url else None)
    choose(tab, "explore-measure", "Patients per GP FTE")
    tab.wait_for_function("() => document.querySelector('#explore-footnote').innerText"
                          ".startsWith('Patients per GP FTE')")
    assert map_state(tab)["legend"].startswith("Patients per GP FTE")
    assert fetched == [], "a measure switch must not fetch geometry"
    tab.focus("#explore-year [role=slider]")
    tab.keyboard.press("ArrowLeft")
    tab.wait_for_function("() => document.querySelector('#explore-footnote').innerText.includes('FY2023/24')")
    assert fetched == []
    choose(tab, "explore-level", "Borough")
    tab.wait_for_function(f"() => {AREAS_DRAWN} === 33", timeout=30_000)
    tab.wait_for_timeout(800)
    state = map_state(tab)
    assert state["features"] == 33 and "borough" in state["geojson"]
    assert "Patients per GP FTE · Borough · FY2023/24" in tab.inner_text("#explore-footnote")
    assert "level=borough" in tab.url and "measure=patients_per_gp_fte" in tab.url and "year=2024" in tab.url
    tab.screenshot(path=shots / "02-explore-borough-patients-2024.png")


@pytest.fixture(scope="module")
def known_lsoa(atlas, services):
    """An inner-London LSOA whose colour differs between E2SFCA access and patients per GP FTE (FY2024/25,
    default view), with a point inside it and its colour and shown value under each measure, from the same
    analytics and classes as the app."""
    from geo.measures import MEASURES
    from layout.classes import classify
    lsoa = atlas.areas["lsoa11"].set_index("area_code")
    expected = {}
    for measure in ("e2sfca", "patients_per_gp_fte"):
        spec = MEASURES[measure]
        values = services.tables.table("lsoa11", measure, 2025).set_index("area_code")["value"].reindex(lsoa.index)
        expected[measure] = pd.DataFrame({"colour": classify(values, "quantiles", spec.poor, spec.decimals).colours,
                                          "value": [f"{v:,.{spec.decimals}f}" for v in values]}, index=lsoa.index)
    central = lsoa.geometry.centroid.distance(Point(530_000, 180_500)) < 5_000  # within 5 km of Charing Cross
    differs = expected["e2sfca"]["colour"] != expected["patients_per_gp_fte"]["colour"]
    code = lsoa.geometry[central & differs].area.idxmax()
    inside = gpd.GeoSeries([lsoa.geometry[code].representative_point()], crs=lsoa.crs).to_crs("EPSG:4326").iloc[0]
    return {"code": code, "name": lsoa.loc[code, "area_name"], "lat": round(inside.y, 5), "lon": round(inside.x, 5),
            **{measure: frame.loc[code].to_dict() for measure, frame in expected.items()}}


def centre_pixel(tab) -> tuple[float, float]:
    """Page coordinates of the map's centre."""
    return tuple(tab.evaluate(f"""() => {{ const m = {MAPLIBRE}; const p = m.project(m.getCenter());
      const r = m.getCanvas().getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }}"""))


def drawn_colour(tab, x: float, y: float) -> str:
    """The colour on screen at a page point (a person's view: the composited frame)."""
    tab.mouse.move(5, 5)  # no tooltip over the point
    return png_colours(tab, tab.screenshot(clip={"x": x - 2, "y": y - 2, "width": 5, "height": 5}), [[2, 2]])[0]


def tooltip_at(tab, x: float, y: float) -> str:
    tab.mouse.move(x, y)
    tab.wait_for_selector("#area-tooltip:not([hidden])")
    return tab.inner_text("#area-tooltip")


def test_switching_measure_recolours_an_lsoa_and_its_tooltip_in_one_repaint(tab, app_url, known_lsoa, shots):
    open_map(tab, app_url + f"/?lat={known_lsoa['lat']}&lon={known_lsoa['lon']}&zoom=13")
    x, y = centre_pixel(tab)
    assert drawn_colour(tab, x, y) == known_lsoa["e2sfca"]["colour"]
    tip = tooltip_at(tab, x, y)
    assert tip.splitlines()[0] == known_lsoa["name"] and "London rank" in tip
    assert f"{known_lsoa['e2sfca']['value']} GP FTE per 10,000 need-weighted residents in reach" in tip
    before = tab.evaluate(PAINTED)
    choose(tab, "explore-measure", "Patients per GP FTE")
    wait_repainted(tab, before)
    tab.wait_for_timeout(300)
    assert drawn_colour(tab, x, y) == known_lsoa["patients_per_gp_fte"]["colour"]
    assert f"{known_lsoa['patients_per_gp_fte']['value']} registered patients per GP FTE" in tooltip_at(tab, x, y)
    tab.screenshot(path=shots / "10-explore-recoloured-with-tooltip.png")


def download_png(tab) -> tuple[str, bytes]:
    box = tab.locator(MAP).bounding_box()
    tab.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 60)  # the modebar shows while over the graph
    with tab.expect_download(timeout=60_000) as download:
        tab.click(f'{MAP} .modebar-btn[data-title="Download plot as a PNG"]')
    return download.value.suggested_filename, Path(download.value.path()).read_bytes()


def screen_to_png(tab, placed: dict, points) -> list[list[int]]:
    """PNG pixels of page points on the map, from where the export placed the map (data-export-map)."""
    box = tab.evaluate(f"() => {{ const r = {MAPLIBRE}.getCanvas().getBoundingClientRect(); "
                       "return [r.left, r.top, r.width]; }")
    scale = placed["width"] / box[2]
    return [[round(placed["x"] + (x - box[0]) * scale), round(placed["y"] + (y - box[1]) * scale)] for x, y in points]


def test_the_png_download_shows_the_colours_on_the_map(tab, app_url, known_lsoa, shots):
    open_map(tab, app_url + f"/?lat={known_lsoa['lat']}&lon={known_lsoa['lon']}&zoom=13")
    x, y = centre_pixel(tab)
    box = tab.evaluate(f"() => {{ const r = {MAPLIBRE}.getCanvas().getBoundingClientRect(); "
                       "return [r.left, r.top, r.width, r.height]; }")
    grid = [(box[0] + box[2] * (i + 0.5) / 10, box[1] + box[3] * (j + 0.5) / 10) for i in range(10) for j in range(10)]
    on_screen = [drawn_colour(tab, *point) for point in grid]
    name, first = download_png(tab)
    assert name == "gp-atlas_e2sfca_lsoa11_FY2024-25_age_d0-1600.png"
    placed = json.loads(tab.evaluate(f"() => document.querySelector('{MAP}').dataset.exportMap"))
    in_png = png_colours(tab, first, screen_to_png(tab, placed, [(x, y)] + grid))
    assert in_png[0] == known_lsoa["e2sfca"]["colour"]                  # the area at the centre, as on the map
    assert sum(a == b for a, b in zip(in_png[1:], on_screen, strict=True)) > 0.8 * len(grid)  # the screen's colours
    assert sum(colour in YL_OR_RD for colour in in_png[1:]) > 0.5 * len(grid)                 # areas, not blank
    before = tab.evaluate(PAINTED)
    choose(tab, "explore-measure", "Patients per GP FTE")
    wait_repainted(tab, before)
    name, second = download_png(tab)
    assert name == "gp-atlas_patients_per_gp_fte_lsoa11_FY2024-25_age_d0-1600.png"
    (shots / "11-download-e2sfca.png").write_bytes(first)
    (shots / "12-download-patients.png").write_bytes(second)
    again = png_colours(tab, second, screen_to_png(tab, placed, [(x, y)] + grid))
    assert again[0] == known_lsoa["patients_per_gp_fte"]["colour"]
    assert sum(a != b for a, b in zip(in_png[1:], again[1:], strict=True)) > 0.3 * len(grid)  # its own measure


def test_a_png_of_all_london_is_cropped_to_london_with_the_legend_beside_it(tab, app_url, shots):
    open_map(tab, app_url + "/?layers=persistent,practices")
    tab.wait_for_function(f"() => document.querySelector('{MAP}')._fullData.some(t => t.visible === true "
                          "&& t.lat && t.lat.length > 100)")
    began = time.perf_counter()
    name, png = download_png(tab)
    seconds = time.perf_counter() - began
    (shots / "13-download-london.png").write_bytes(png)
    placed = json.loads(tab.evaluate(f"() => document.querySelector('{MAP}').dataset.exportMap"))
    canvas = tab.evaluate(f"() => [{MAPLIBRE}.getCanvas().clientWidth, {MAPLIBRE}.getCanvas().clientHeight]")
    assert placed["width"] < 2 * canvas[0] * 0.95 and placed["height"] < 2 * canvas[1] * 0.95  # cropped
    width, height = tab.evaluate("""async (data) => { const image = new Image();
      image.src = 'data:image/png;base64,' + data; await image.decode(); return [image.width, image.height]; }""",
                                 base64.b64encode(png).decode())
    assert width > placed["x"] + placed["width"] + 400 and height > placed["y"] + placed["height"]  # legend, footnote
    assert seconds < 30  # the budget (3 s) is measured by bench/app.py; this only catches a hang


def test_clicking_an_area_opens_its_detail(tab, app_url, shots):
    open_map(tab, app_url + "/?level=borough")
    box = tab.locator(MAP).bounding_box()
    tab.mouse.click(box["x"] + box["width"] * 0.39, box["y"] + box["height"] * 0.5)  # central London
    tab.wait_for_selector("#panel-title", timeout=20_000)
    panel = tab.inner_text("#explore-panel")
    assert "London rank" in panel and "(1 = poorest)" in panel
    assert "Practices serving its residents" in panel and "residents (ONS mid-" in panel
    assert tab.locator("#explore-serving-grid .ag-row").count() > 3
    assert "area=E09" in tab.url
    tab.wait_for_function(f"() => {SELECTED_DRAWN} === 1")
    assert tab.is_visible("#explore-legend-selected")
    tab.screenshot(path=shots / "03-explore-area-detail.png")


def test_a_permalink_reopens_the_same_view_and_bad_parameters_say_so(tab, app_url, shots):
    link = "/?level=ward&measure=gp_fte_per_10k&year=2022&weights=age_imd&scheme=natural_breaks&area=E05000026"
    open_map(tab, app_url + link)
    first = map_state(tab)
    tab.wait_for_selector("#panel-title")
    title = tab.inner_text("#panel-title")
    open_map(tab, app_url + link)  # a second visit is a fresh page load
    again = map_state(tab)
    assert (again["title"], again["legend"], again["features"]) == (first["title"], first["legend"], first["features"])
    assert "GP FTE per 10,000 · Ward" in again["title"] and "FY2021/22" in again["title"]
    tab.wait_for_selector("#panel-title")
    assert tab.inner_text("#panel-title") == title
    open_map(tab, app_url + "/?level=nowhere&year=1850&d0=abc")
    notice = tab.inner_text("#view-notices")
    assert "Ignored level='nowhere'" in notice and "Ignored year='1850'" in notice and "Ignored d0='abc'" in notice
    assert map_state(tab)["features"] == 4835
    tab.screenshot(path=shots / "04-explore-bad-link-notice.png")


def test_embed_shows_only_the_map_and_a_one_line_footnote(tab, app_url, shots):
    open_map(tab, app_url + "/?embed=1&level=borough&measure=nearest_practice_m&year=2020")
    assert not tab.is_visible("#navbar") and not tab.is_visible("#explore-measure")
    assert not tab.is_visible("#footer")
    footnote = tab.inner_text("#explore-footnote")
    assert footnote.startswith("Distance to nearest practice · Borough · FY2019/20") and "Basis:" in footnote
    assert map_state(tab)["features"] == 33
    tab.screenshot(path=shots / "05-embed.png")


def test_back_returns_to_the_previous_view_of_the_same_page(tab, app_url):
    open_map(tab, app_url + "/?level=borough&measure=e2sfca")
    before = tab.evaluate(PAINTED)
    choose(tab, "explore-measure", "Distance to nearest practice")
    wait_repainted(tab, before)
    tab.wait_for_function("() => location.search.includes('measure=nearest_practice_m')")
    assert map_state(tab)["title"].startswith("Distance to nearest practice · Borough")
    tab.go_back()  # assets/history.js rebuilds the page from the URL, as a shared link would be
    tab.wait_for_function("() => location.search.includes('measure=e2sfca')")
    tab.wait_for_function(f"""() => {{ const gd = document.querySelector('{MAP}');
      return !!(gd && gd._fullLayout && gd._fullLayout.title.text.startsWith('E2SFCA access')); }}""", timeout=45_000)
    tab.wait_for_function(MAP_READY, timeout=45_000)
    assert map_state(tab)["title"].startswith("E2SFCA access · Borough")
    assert "E2SFCA access" in tab.inner_text("#explore-measure")


def test_the_csv_download_holds_every_area_with_its_basis(tab, app_url):
    open_map(tab, app_url + "/?level=msoa11")
    with tab.expect_download() as download:
        tab.click("#explore-download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 983 and download.value.suggested_filename == "gp-atlas_e2sfca_msoa11_FY2024-25_age_d0-1600.csv"
    assert rows[0]["basis"].startswith("GP FTE per 10,000") and rows[0]["fy"] == "FY2024/25"


def test_searching_a_postcode_zooms_there_and_selects_its_area(tab, app_url, shots):
    open_map(tab, app_url + "/")
    tab.click("#explore-search")
    search_box = tab.locator("input.dash-dropdown-search")  # the open dropdown's search field (in a popover)
    search_box.wait_for()  # keys sent before it has focus are lost, as a person's would be
    search_box.press_sequentially("SW1A 1AA", delay=40)
    tab.get_by_role("option", name="SW1A 1AA (postcode)").click()
    tab.wait_for_function("() => document.querySelector('#explore-search-result').innerText.includes('SW1A 1AA')")
    tab.wait_for_selector("#panel-title", timeout=20_000)
    tab.wait_for_timeout(1500)
    state = map_state(tab)
    assert abs(state["lat"] - 51.501) < 0.01 and abs(state["lon"] + 0.142) < 0.01 and state["zoom"] >= 14
    assert "Westminster" in tab.inner_text("#panel-title")
    tab.screenshot(path=shots / "06-search-postcode.png")


def test_trends_table_chart_and_csv(tab, app_url, shots):
    tab.goto(app_url + "/trends?level=borough&measure=e2sfca")
    tab.wait_for_selector("#trends-grid .ag-row", timeout=30_000)
    assert tab.evaluate("() => dash_ag_grid.getApi('trends-grid').getDisplayedRowCount()") == 33
    assert "Distribution of E2SFCA access across Boroughs" in tab.inner_text("#trends-chart")
    with tab.expect_download() as download:
        tab.click("#trends-download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 33 and {"rank", "persistence_class", "basis"} <= set(rows[0])
    tab.screenshot(path=shots / "07-trends.png", full_page=True)


def test_practice_and_about_pages(tab, app_url, shots):
    tab.goto(app_url + "/practice?practice=F83004")
    tab.wait_for_selector("#practice-title", timeout=30_000)
    assert "Archway Medical Centre" in tab.inner_text("#practice-title")
    assert "member practices" in tab.inner_text("#page")
    tab.wait_for_timeout(2500)
    tab.screenshot(path=shots / "08-practice.png", full_page=True)
    tab.goto(app_url + "/about")
    tab.wait_for_selector("#about-attribution")
    text = tab.inner_text("#page")
    assert "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data" in text
    assert "Open Government Licence v3.0" in text and "Data-quality report" in text
    tab.screenshot(path=shots / "09-about.png")

"""End-to-end: the real app (real data) in a subprocess, driven by headless Chromium through Playwright.

Asserts on what a person sees (text, legend, features drawn) and saves a
screenshot of every view under pytest's tmp dir (printed at the end of the
session with -s) so a person can look at them.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from tests.e2e_support import MAP, MAP_READY  # fixtures app_url, chromium, tab, shots come from conftest

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]


def open_map(tab, url: str):
    tab.goto(url)
    tab.wait_for_function(MAP_READY, timeout=45_000)
    tab.wait_for_timeout(400)


def map_state(tab) -> dict:
    return tab.evaluate("""() => { const gd = document.querySelector('#explore-map .js-plotly-plot');
      const m = gd._fullLayout.map._subplot.map; const c = m.getCenter();
      return {features: gd.data[0].locations.length, drawn: m.queryRenderedFeatures().length,
              colorbar: gd._fullData[0].colorbar.title.text, title: gd._fullLayout.title.text,
              ticks: gd._fullData[0].colorbar.ticktext, lat: c.lat, lon: c.lng, zoom: m.getZoom(),
              selected: gd.data[6].locations, geojson: gd.data[0].geojson}; }""")


def choose(tab, dropdown_id: str, option_text: str):
    tab.click(f"#{dropdown_id}")
    tab.get_by_role("option", name=option_text, exact=True).click()


def test_explore_shows_the_lsoa_map_with_its_legend_and_basis(tab, app_url, shots):
    open_map(tab, app_url + "/")
    state = map_state(tab)
    assert state["features"] == 4835 and state["drawn"] > 1000
    assert "E2SFCA access" in state["colorbar"] and len(state["ticks"]) == 5
    assert "E2SFCA access · LSOA (2011) · FY2024/25" in tab.inner_text("#explore-footnote")
    assert "Basis: GP FTE per 10,000 need-weighted residents in reach" in tab.inner_text("#explore-footnote")
    assert "Persistent poor provision" in tab.inner_text(MAP)
    tab.screenshot(path=shots / "01-explore-lsoa.png")


def test_switching_level_measure_and_year_updates_the_map_without_resending_geometry(tab, app_url, shots):
    open_map(tab, app_url + "/")
    fetched = []
    tab.on("request", lambda request: fetched.append(request.url) if "/geometry/" in request.url else None)
    choose(tab, "explore-measure", "Patients per GP FTE")
    tab.wait_for_function("() => document.querySelector('#explore-footnote').innerText.startsWith('Patients per GP FTE')")
    assert "Patients per GP FTE" in map_state(tab)["colorbar"]
    assert fetched == [], "a measure switch must not fetch geometry"
    tab.focus("#explore-year [role=slider]")
    tab.keyboard.press("ArrowLeft")
    tab.wait_for_function("() => document.querySelector('#explore-footnote').innerText.includes('FY2023/24')")
    assert fetched == []
    choose(tab, "explore-level", "Borough")
    tab.wait_for_function("() => document.querySelector('#explore-map .js-plotly-plot').data[0].locations.length === 33")
    tab.wait_for_timeout(800)
    state = map_state(tab)
    assert state["features"] == 33 and "borough" in state["geojson"]
    assert "Patients per GP FTE · Borough · FY2023/24" in tab.inner_text("#explore-footnote")
    assert "level=borough" in tab.url and "measure=patients_per_gp_fte" in tab.url and "year=2024" in tab.url
    tab.screenshot(path=shots / "02-explore-borough-patients-2024.png")


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
    assert len(map_state(tab)["selected"]) == 1
    tab.screenshot(path=shots / "03-explore-area-detail.png")


def test_a_permalink_reopens_the_same_view_and_bad_parameters_say_so(tab, app_url, shots):
    link = "/?level=ward&measure=gp_fte_per_10k&year=2022&weights=age_imd&scheme=natural_breaks&area=E05000026"
    open_map(tab, app_url + link)
    first = map_state(tab)
    tab.wait_for_selector("#panel-title")
    title = tab.inner_text("#panel-title")
    open_map(tab, app_url + link)  # a second visit is a fresh page load
    again = map_state(tab)
    assert (again["title"], again["ticks"], again["features"]) == (first["title"], first["ticks"], first["features"])
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


def test_the_csv_download_holds_every_area_with_its_basis(tab, app_url):
    open_map(tab, app_url + "/?level=msoa11")
    with tab.expect_download() as download:
        tab.click("#explore-download-csv")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) == 983 and download.value.suggested_filename == "gp-atlas_e2sfca_msoa11_2025.csv"
    assert rows[0]["basis"].startswith("GP FTE per 10,000") and rows[0]["fy"] == "FY2024/25"


def test_searching_a_postcode_zooms_there_and_selects_its_area(tab, app_url, shots):
    open_map(tab, app_url + "/")
    tab.click("#explore-search")
    tab.keyboard.type("SW1A 1AA")
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

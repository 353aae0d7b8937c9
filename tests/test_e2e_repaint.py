"""End-to-end: the Explore map repaints in the browser from the measure cube (assets/explore_map.js), so a year,
colour scheme or layer switch sends no callback to the server, and a measure switch costs one cacheable GET.
The network is watched from Playwright; what the map draws is read from MapLibre's feature state."""
from __future__ import annotations

import pytest

from tests.e2e_support import MAP, MAP_READY, PAINTED, wait_repainted  # fixtures: conftest

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]
MAPLIBRE = f"document.querySelector('{MAP}')._fullLayout.map._subplot.map"
COLOUR_OF = f"(code) => {MAPLIBRE}.getFeatureState({{source: 'atlas-areas', id: code}}).colour"


def open_map(tab, url: str) -> list[str]:
    """Open the map and return the list every later request's URL is appended to."""
    tab.goto(url)
    tab.wait_for_function(MAP_READY, timeout=60_000)
    tab.wait_for_timeout(500)
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    return requests


def callbacks(requests: list[str]) -> list[str]:
    return [url for url in requests if "_dash-update-component" in url]


def colours(tab) -> list[str]:
    """The colour MapLibre holds for every area of the cube drawn (assets/explore_map.js window.atlasExport)."""
    return tab.evaluate(f"() => window.atlasExport.shown.cube.codes.map({COLOUR_OF})")


def test_the_year_slider_scheme_and_layers_repaint_without_a_server_callback(tab, app_url, shots):
    requests = open_map(tab, app_url + "/")
    start = colours(tab)
    before = tab.evaluate(PAINTED)
    tab.focus("#explore-year [role=slider]")
    tab.keyboard.press("ArrowLeft")
    wait_repainted(tab, before)
    tab.wait_for_function("() => document.querySelector('#explore-footnote').innerText.includes('FY2023/24')")
    assert "year=2024" in tab.url and "FY2023/24" in tab.inner_text("#explore-notes")
    assert tab.evaluate(f"() => document.querySelector('{MAP}').layout.title.text").endswith("FY2023/24")
    moved = colours(tab)
    assert len(moved) == 4835 and all(colour and colour.startswith("#") for colour in moved)
    assert sum(a != b for a, b in zip(start, moved, strict=True)) > 300  # another year's classes
    for label in ("Natural breaks (Jenks)", "Significant clusters (Gi*)", "Persistent poor provision"):
        before = tab.evaluate(PAINTED)
        tab.get_by_label(label).and_(tab.locator("input")).click()  # the control, not its group
        wait_repainted(tab, before, timeout=60_000)
    assert "scheme=natural_breaks" in tab.url and "layers=hotspots" in tab.url
    assert "Clusters: Getis-Ord Gi*" in tab.inner_text("#explore-notes")
    assert "Persistent = " not in tab.inner_text("#explore-notes")
    tab.screenshot(path=shots / "20-repainted-in-the-browser.png")
    assert callbacks(requests) == [], "a repaint from the cube must not call the server"
    assert [url for url in requests if "/hotspots/" in url], "the clusters come from the hot-spot cube"


def test_a_measure_switch_is_one_cube_get_and_cached_for_the_next_visit(tab, app_url):
    requests = open_map(tab, app_url + "/")
    before = tab.evaluate(PAINTED)
    tab.click("#explore-measure")
    tab.get_by_role("option", name="GP FTE per 10,000", exact=True).click()
    wait_repainted(tab, before)
    assert tab.inner_text("#explore-legend").startswith("GP FTE per 10,000")
    cubes = [url for url in requests if "/cube/" in url]
    assert len(cubes) == 1 and "/lsoa11/gp_fte_per_10k/age/1600/4-5/0.2.json" in cubes[0]
    assert callbacks(requests) == [] and not [url for url in requests if "/geometry/" in url]
    requests.clear()
    for measure in ("E2SFCA access", "GP FTE per 10,000"):  # back and forth: both cubes are in the browser now
        before = tab.evaluate(PAINTED)
        tab.click("#explore-measure")
        tab.get_by_role("option", name=measure, exact=True).click()
        wait_repainted(tab, before)
    assert [url for url in requests if "/cube/" in url or "_dash-update-component" in url] == []


def test_back_and_forward_return_to_each_view(tab, app_url):
    open_map(tab, app_url + "/?level=borough")
    before = tab.evaluate(PAINTED)
    tab.focus("#explore-year [role=slider]")
    tab.keyboard.press("ArrowLeft")
    wait_repainted(tab, before)
    tab.wait_for_function("() => location.search.includes('year=2024')")
    before = tab.evaluate(PAINTED)
    tab.click("#explore-measure")
    tab.get_by_role("option", name="Distance to nearest practice", exact=True).click()
    wait_repainted(tab, before)
    tab.wait_for_function("() => location.search.includes('measure=nearest_practice_m')")
    title = f"() => document.querySelector('{MAP}') && document.querySelector('{MAP}').layout.title.text"
    for move, year in ((tab.go_back, "2024"), (tab.go_back, "2025"), (tab.go_forward, "2024")):
        with tab.expect_event("load"):  # Back/Forward within the page reload it from the URL (assets/history.js)
            move()
        tab.wait_for_function(f"() => location.search.includes('measure=e2sfca&year={year}')")
        tab.wait_for_function(MAP_READY, timeout=60_000)
        fy = f"FY{int(year) - 1}/{year[2:]}"
        tab.wait_for_function(f"() => ({title})() === 'E2SFCA access · Borough · {fy}'")
        # A person looks at the reloaded view before moving on: Chromium skips, on Back/Forward, entries whose
        # page had no user activation (its history intervention), and a reload starts without one.
        tab.click("#explore-footnote")
    assert "E2SFCA access" in tab.inner_text("#explore-measure")

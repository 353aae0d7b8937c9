"""End-to-end: 'Method agreement' chosen on Explore repaints the map from its cube with the categorical 0-N
legend (numbers in the legend and the tooltip), a year switch repaints it in the browser, a clicked area's panel
shows every measure's verdict (AgreementTables'), and the persistent layer switches to every method's."""
from __future__ import annotations

import re

import pytest

from geo.agreement import METHODS, verdict_column
from geo.agreement_tables import AGREEMENT
from geo.measures import MEASURES
from layout.view import parse_view
from tests.a11y_support import State, axe_violations, blocking, choose_option, settle, tab_to
from tests.e2e_support import MAP, MAP_READY, PAINTED, wait_repainted  # fixtures: conftest

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]
MAPLIBRE = f"document.querySelector('{MAP}')._fullLayout.map._subplot.map"
# A point over an area: the centre of a rendered feature near the middle of the map, in page pixels.
AREA_POINT = f"""() => {{ const map = {MAPLIBRE}; const box = map.getCanvas().getBoundingClientRect();
  for (let r = 0; r < 200; r += 10) for (const [dx, dy] of [[r, 0], [-r, 0], [0, r], [0, -r]]) {{
    const x = box.width * 0.45 + dx, y = box.height * 0.5 + dy;
    const hit = map.queryRenderedFeatures([x, y], {{layers: ['atlas-areas']}});
    if (hit.length) return [box.left + x, box.top + y, hit[0].id]; }}
  return null; }}"""


def choose_agreement(tab, app_url: str) -> list[str]:
    tab.goto(app_url + "/")
    tab.wait_for_function(MAP_READY, timeout=60_000)
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    before = tab.evaluate(PAINTED)
    tab.click("#explore-measure")
    tab.get_by_role("option", name="Method agreement", exact=True).click()
    wait_repainted(tab, before, timeout=90_000)
    return requests


def test_method_agreement_paints_a_categorical_map_and_the_panel_shows_the_verdicts(tab, app_url, services, shots):
    requests = choose_agreement(tab, app_url)
    params = parse_view("", services.view_options).params
    frame = services.agreement.agreement("lsoa11", 2025, params).set_index("area_code")
    counts = frame["methods_poor"].value_counts()
    legend = tab.inner_text("#explore-legend")
    assert legend.startswith("Method agreement") and "measures calling the area poor (of 4)" in legend
    assert [f"poor under {k} of 4 ({counts.get(k, 0):,})" for k in (4, 3, 2, 1, 0)] == \
        re.findall(r"poor under \d of 4 \([\d,]+\)", legend)  # poorest first, each class with its number
    assert "Persistent under every method" in legend and "measure=agreement" in tab.url
    assert [url for url in requests if "/cube/" in url and "/agreement/" in url]
    assert not [url for url in requests if "_dash-update-component" in url], "a measure switch is one GET"
    drawn = tab.evaluate(f"""() => new Set(window.atlasExport.shown.cube.codes.map((code) =>
        {MAPLIBRE}.getFeatureState({{source: 'atlas-areas', id: code}}).colour)).size""")
    assert drawn == 5  # one colour per class 0..4
    x, y, code = tab.evaluate(AREA_POINT)
    tab.mouse.move(x - 3, y - 3)
    tab.mouse.move(x, y)
    tab.wait_for_selector("#area-tooltip:not([hidden])")
    tip = tab.inner_text("#area-tooltip")
    poor = int(frame.loc[code, "methods_poor"])
    assert f"Poor under {poor} of the 4 measures with a value" in tip and "E2SFCA stability: poor under" in tip
    tab.screenshot(path=shots / "60-method-agreement-map.png")

    tab.mouse.click(x, y)
    tab.wait_for_selector("#panel-agreement", timeout=60_000)
    panel = tab.inner_text("#panel-agreement")
    assert f"area={code}" in tab.url and "Do the measures agree? FY2024/25" in panel
    for measure in METHODS:
        verdict = "not poor" if not frame.loc[code, verdict_column(measure)] else "poor"
        assert re.search(rf"{re.escape(MEASURES[measure].label)}\s+{verdict}\b", panel), (measure, panel)
    assert "E2SFCA stability" in panel and "share of 15 E2SFCA settings" in panel
    tab.screenshot(path=shots / "61-method-agreement-panel.png")

    requests.clear()
    before = tab.evaluate(PAINTED)
    tab.focus("#explore-year [role=slider]")
    tab.keyboard.press("ArrowLeft")
    wait_repainted(tab, before)
    tab.wait_for_function("() => document.querySelector('#explore-footnote').innerText.includes('FY2023/24')")
    earlier = services.agreement.agreement("lsoa11", 2024, params)["methods_poor"].value_counts()
    assert f"poor under 4 of 4 ({earlier.get(4, 0):,})" in tab.inner_text("#explore-legend")
    assert not [url for url in requests if "/cube/" in url], "a year switch repaints from the cube in the browser"


def test_the_persistent_layer_switches_to_persistent_under_every_method(tab, app_url, services, shots):
    tab.goto(app_url + "/?measure=e2sfca&layers=persistent")
    tab.wait_for_function(MAP_READY, timeout=60_000)
    before = tab.evaluate(PAINTED)
    tab.get_by_label("Persistent under every method").and_(tab.locator("input")).click()
    wait_repainted(tab, before, timeout=90_000)
    params = parse_view("", services.view_options).params
    robust = int(services.agreement.persistence("lsoa11", 2025, params)["robust_persistent"].sum())
    assert "layers=persistent,robust_persistent" in tab.url
    assert f"under each measure with that history (at least 2): {robust:,} areas" in tab.inner_text("#explore-notes")
    legend = tab.inner_text("#explore-legend")
    assert "Persistent under every method" in legend and "Persistent poor provision" not in legend
    outlined = tab.evaluate(f"""() => window.atlasExport.shown.cube.codes.filter((code) =>
        ({MAPLIBRE}.getFeatureState({{source: 'atlas-area-outlined', id: code}}).outline || 0) > 0).length""")
    assert outlined == robust
    tab.screenshot(path=shots / "62-persistent-under-every-method.png")
    tab.goto(tab.url)  # the link reproduces the view
    tab.wait_for_function(MAP_READY, timeout=60_000)
    assert tab.is_checked("#explore-layers input[value=robust_persistent]")
    assert AGREEMENT not in tab.url


def test_method_agreement_by_keyboard_alone_and_read_out_in_words(tab, app_url):
    tab.goto(app_url + "/?level=borough")
    tab.wait_for_function(MAP_READY, timeout=60_000)
    tab.focus("body")
    assert tab_to(tab, "#explore-measure")["name"].startswith("Measure")
    before = tab.evaluate(PAINTED)
    tab.keyboard.press("Enter")
    choose_option(tab, "Method agreement")
    wait_repainted(tab, before, timeout=90_000)
    tab.wait_for_function("() => document.querySelector('#explore-map-summary').innerText"
                          ".startsWith('Method agreement by Borough, FY2024/25: 33 areas')")
    summary = tab.inner_text("#explore-map-summary")
    assert "5 classes from the poorest provision: poor under 4 of 4" in summary  # the classes in words
    tab_to(tab, "#explore-layers input[value=robust_persistent]")
    before = tab.evaluate(PAINTED)
    tab.keyboard.press("Space")
    wait_repainted(tab, before)
    assert "robust_persistent" in tab.url


AUDITED = (("agreement map", "/?measure=agreement", "map"),
           ("agreement panel", "/?measure=agreement&level=borough&area=E09000025", "#panel-agreement"),
           ("persistent under every method", "/?level=ward&layers=robust_persistent", "map"))


@pytest.mark.parametrize(("path", "ready"), [state[1:] for state in AUDITED], ids=[state[0] for state in AUDITED])
def test_no_serious_or_critical_axe_violations_in_the_agreement_views(path, ready, tab, app_url):
    tab.goto(app_url + path)
    settle(tab, State(path, path, ready))
    assert blocking(axe_violations(tab)) == []

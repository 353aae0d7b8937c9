"""End-to-end: the Explore map's outlines differ by line pattern as well as colour (assets/explore_outlines.js
over assets/explore_map.js's line layers): MapLibre's layers carry the dash arrays of layout/mapfig.py OUTLINES,
each on its casing, and the legend keys them with the same patterns."""
from __future__ import annotations

import pytest

from layout.mapfig import OUTLINES, SLOT
from tests.e2e_support import MAP, MAP_READY  # fixtures: conftest

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]
MAPLIBRE = f"document.querySelector('{MAP}')._fullLayout.map._subplot.map"


def drawn(tab) -> dict[str, dict]:
    """Outline name -> {id, base, dash, visible} of the pattern layer drawing it now."""
    rows = tab.evaluate(f"() => window.atlasOutlines.describe({MAPLIBRE})")
    names = {str(slot): name for name, slot in SLOT.items()}
    return {names[slot]: row for row in rows for slot in row["outlined"]}


def open_view(tab, url: str) -> None:
    tab.goto(url)
    tab.wait_for_function(MAP_READY, timeout=60_000)
    tab.wait_for_function("() => window.atlasOutlines && document.querySelectorAll('.legend-outline-key').length")
    tab.wait_for_timeout(800)


def test_each_outline_is_drawn_with_its_pattern_on_its_casing(tab, app_url, shots):
    open_view(tab, app_url + "/?level=borough&layers=persistent,hotspots,pcn&area=E09000025")
    visible = drawn(tab)
    assert all(row["visible"] for row in visible.values())
    assert visible.keys() >= {"persistent", "poor_cluster", "good_cluster", "pcn", "main_pcn", "selected"}
    for name in ("poor_cluster", "good_cluster", "main_pcn"):
        assert visible[name]["dash"] == list(OUTLINES[name].dash), name
    assert visible["persistent"]["dash"] == [] and visible["selected"]["dash"] == []
    # the clusters are LSOA outlines over borough areas: drawn on another base than the mapped areas' own
    assert visible["poor_cluster"]["base"] != visible["persistent"]["base"] == "atlas-area-outlines"
    casing = tab.evaluate(f"() => {MAPLIBRE}.getPaintProperty('atlas-area-outlines', 'line-color')")
    assert OUTLINES["persistent"].casing in casing and OUTLINES["selected"].casing in casing
    order = tab.evaluate(f"() => {MAPLIBRE}.getLayersOrder()")
    for row in visible.values():  # each pattern just above its casing, all under Plotly's practices and pin
        assert order.index(row["base"]) < order.index(row["id"])
        plotly = [i for i, layer in enumerate(order) if layer.startswith("plotly-trace-layer-")]
        assert not plotly or order.index(row["id"]) < min(plotly)
    legend = tab.locator("#explore-legend .legend-row:visible")
    keys = tab.locator("#explore-legend .legend-row:visible img.legend-outline-key")
    assert keys.count() >= 5 and all(keys.nth(i).get_attribute("alt") == "" for i in range(keys.count()))
    assert "stroke-dasharray" in tab.locator("#explore-legend li", has_text="Poor-provision cluster").locator(
        "img").get_attribute("src")
    assert legend.filter(has_text="Persistent poor provision").count() == 1
    tab.locator("#explore-legend").screenshot(path=shots / "31-outline-legend.png")
    tab.screenshot(path=shots / "30-outlines-borough-selected.png")


def test_lsoa_clusters_and_persistent_share_the_area_layer_and_switch_off_with_it(tab, app_url, shots):
    open_view(tab, app_url + "/?level=lsoa11&layers=persistent,hotspots")
    on_areas = {name for name, row in drawn(tab).items() if row["base"] == "atlas-area-outlines" and row["visible"]}
    assert on_areas >= {"persistent", "poor_cluster", "good_cluster"}
    tab.screenshot(path=shots / "32-outlines-lsoa-persistent-clusters.png")
    tab.get_by_label("Significant clusters (Gi*)").and_(tab.locator("input")).click()
    tab.get_by_label("Persistent poor provision").and_(tab.locator("input")).click()
    tab.wait_for_function(f"() => window.atlasOutlines.describe({MAPLIBRE})"
                          ".every((row) => row.base !== 'atlas-area-outlines' || !row.visible)", timeout=60_000)
    assert tab.evaluate(f"() => {MAPLIBRE}.getLayoutProperty('atlas-area-outlines', 'visibility')") == "none"

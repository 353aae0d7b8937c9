"""Keyboard-only walk-throughs of each role's task (DESIGN.md: planner, estates team, presenter): only
`keyboard.press` / `keyboard.type`, never a click, from a freshly loaded page."""
from __future__ import annotations

import pytest

from tests.a11y_support import active, choose_option, tab_to
from tests.e2e_support import MAP_READY, PAINTED, wait_repainted

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]
FOOTNOTE = "() => document.querySelector('#explore-footnote').innerText"


def open_page(tab, url: str, ready: str = MAP_READY) -> None:
    tab.goto(url)
    tab.wait_for_function(ready, timeout=60_000)
    tab.wait_for_timeout(500)


def panel_title(tab) -> str:
    return tab.evaluate("() => { const t = document.querySelector('#panel-title'); return t ? t.innerText : ''; }")


def test_planner_chooses_measure_level_and_year_finds_an_area_and_walks_the_ranked_table(tab, app_url, shots):
    open_page(tab, app_url + "/")
    # 1. Skip link, then Tab to the Measure dropdown; Enter opens it, arrows pick, Enter chooses.
    tab.keyboard.press("Tab")
    assert active(tab)["text"] == "Skip to map"
    assert tab_to(tab, "#explore-measure")["name"] == "Measure E2SFCA access"
    tab.keyboard.press("Enter")
    choose_option(tab, "Patients per GP FTE")
    tab.wait_for_function(f"() => ({FOOTNOTE})().startsWith('Patients per GP FTE')")
    # 2. Level: the next Tab stop.
    tab_to(tab, "#explore-level")
    before = tab.evaluate(PAINTED)
    tab.keyboard.press("Enter")
    choose_option(tab, "Borough")
    tab.wait_for_function(f"() => ({FOOTNOTE})().includes('Borough')")
    wait_repainted(tab, before)
    # 3. Year: the slider thumb, one year back with the left arrow.
    tab_to(tab, "#explore-year [role=slider]")
    tab.keyboard.press("ArrowLeft")
    tab.wait_for_function(f"() => ({FOOTNOTE})().includes('FY2023/24')")
    tab.wait_for_function("() => document.querySelector('#explore-map-summary').innerText"
                          ".startsWith('Patients per GP FTE by Borough, FY2023/24: 33 areas')")
    # 4. Search: Shift+Tab back to the search box, type, arrow to the result, Enter: the panel takes focus.
    tab_to(tab, "#explore-search", key="Shift+Tab")
    tab.keyboard.type("Camden")
    tab.wait_for_selector("[role=option]:has-text('Camden')", timeout=15_000)
    tab.keyboard.press("ArrowDown")
    choose_option(tab, tab.evaluate("() => [...document.querySelectorAll('[role=option]')]"
                                    ".map(o => o.innerText.trim()).find(t => t.startsWith('Camden'))"))
    tab.wait_for_function("() => document.activeElement && document.activeElement.id === 'panel-title'",
                          timeout=20_000)
    assert panel_title(tab) == "Camden"
    assert "Selected: Camden" in tab.inner_text("#explore-map-summary")
    tab.screenshot(path=shots / "keyboard-01-panel-focused.png")
    # 5. Escape closes the panel; focus goes back to the search box.
    tab.keyboard.press("Escape")
    tab.wait_for_function("() => !document.querySelector('#panel-title')")
    assert active(tab)["id"] == "explore-search"
    # 6. Show as Table (arrow keys in the radio group), into the grid, down the ranking: each row selects its
    #    area on the map and in the panel, without leaving the table.
    tab_to(tab, "#explore-show-as input")
    tab.keyboard.press("ArrowRight")
    tab.wait_for_selector("#explore-table .ag-row", timeout=20_000)
    tab_to(tab, "#explore-table .ag-header-cell, #explore-table .ag-cell")
    tab.keyboard.press("ArrowDown")
    first = tab.inner_text("#explore-table .ag-row[row-index='0'] [col-id=area_name]")
    tab.wait_for_function(f"() => (document.querySelector('#panel-title') || {{}}).innerText === {first!r}",
                          timeout=20_000)
    assert "London rank 1 of 33" in tab.inner_text("#panel-rank")
    tab.keyboard.press("ArrowDown")
    second = tab.inner_text("#explore-table .ag-row[row-index='1'] [col-id=area_name]")
    tab.wait_for_function(f"() => (document.querySelector('#panel-title') || {{}}).innerText === {second!r}",
                          timeout=20_000)
    assert tab.evaluate("() => !!document.activeElement.closest('#explore-table')"), "focus left the table"
    assert "area=" in tab.url
    tab.screenshot(path=shots / "keyboard-02-table-walk.png")
    # 7. Enter opens the panel of the row: focus moves to it.
    tab.keyboard.press("Enter")
    tab.wait_for_function("() => document.activeElement && document.activeElement.id === 'panel-title'")
    assert panel_title(tab) == second


def test_presenter_reaches_the_permalink_csv_and_map_image_by_keyboard(tab, app_url):
    open_page(tab, app_url + "/?level=borough")
    tab_to(tab, "#explore-permalink")
    with tab.expect_download() as csv:
        tab_to(tab, "#explore-download-csv", key="Shift+Tab")
        tab.keyboard.press("Enter")
    assert csv.value.suggested_filename.endswith(".csv")
    with tab.expect_download() as png:
        tab_to(tab, "#explore-map .modebar-btn[data-title='Download plot as a PNG']")
        tab.keyboard.press("Enter")
    assert png.value.suggested_filename.endswith(".png")
    tab_to(tab, "#explore-permalink", key="Shift+Tab")
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/?level=borough*")
    tab.wait_for_function(MAP_READY, timeout=60_000)


def test_estates_team_adds_ranks_and_prints_bids_and_reads_them_as_a_table(tab, app_url, shots):
    open_page(tab, app_url + "/bids?year=2024", "() => !!document.querySelector('#bids-map .js-plotly-plot')")
    tab.wait_for_load_state("networkidle")
    # 1. A new site by postcode: type it, Tab to the FTE, replace it, Tab to "Add bid", Enter.
    tab.keyboard.press("Tab")
    assert active(tab)["text"] == "Skip to map"
    tab_to(tab, "#bids-postcode")
    tab.keyboard.type("SE28 8RD")
    tab_to(tab, "#bids-fte")
    tab.keyboard.press("Control+A")
    tab.keyboard.type("3")
    tab_to(tab, "#bids-add")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#bids-add-message >> text=Added SE28 8RD.", timeout=30_000)
    # 2. An uplift of a practice: its code, then Enter on "Add bid".
    tab_to(tab, "#bids-practice", key="Shift+Tab")
    tab.keyboard.type("F82003")
    tab_to(tab, "#bids-add")
    tab.keyboard.press("Enter")
    tab.wait_for_selector("#bids-add-message >> text=Added", timeout=30_000)
    tab.wait_for_function("() => document.querySelectorAll('#bids-grid .ag-center-cols-container .ag-row')"
                          ".length === 2", timeout=30_000)
    # 3. Rank by another objective (dropdown: Enter, arrows, Enter).
    tab_to(tab, "#bids-objective")
    tab.keyboard.press("Enter")
    choose_option(tab, "Share of added FTE reaching the bottom quintile")
    tab.wait_for_function("() => location.search.includes('objective=underserved_gain_per_fte')")
    # The address bar moves with a quicker callback than the table: arrows pressed in a table about to be
    # redrawn lose their row, so wait until nothing on the page is still being drawn.
    tab.wait_for_function("() => !document.querySelector('[data-dash-is-loading]')", timeout=30_000)
    # 4. In the ranked table, the second bid: arrow down to it, Space selects it, its summary shows.
    tab_to(tab, "#bids-grid .ag-header-cell, #bids-grid .ag-cell")
    tab.keyboard.press("ArrowDown")
    tab.keyboard.press("ArrowDown")
    second = tab.inner_text("#bids-grid .ag-row[row-index='1'] [col-id=label]")
    tab.keyboard.press("Space")
    tab.wait_for_selector(f"#bids-summary h5 >> text=Bid summary: {second}", timeout=30_000)
    # 5. Its printable page: Tab to the link, Enter opens it.
    with tab.expect_popup() as popup:
        tab_to(tab, "#bids-print-link")
        tab.keyboard.press("Enter")
    printable = popup.value
    printable.wait_for_selector(f"#bids-summary h5 >> text=Bid summary: {second}", timeout=60_000)
    assert "print=1" in printable.url
    printable.close()
    # 6. The map as a table: every LSOA before and after, the lifted ones first when sorted by change.
    tab_to(tab, "#bids-show-as input", key="Shift+Tab")
    tab.keyboard.press("ArrowRight")
    tab.wait_for_selector("#bids-table .ag-row", timeout=30_000)
    count = tab.evaluate("() => dash_ag_grid.getApi('bids-table').getDisplayedRowCount()")
    assert count == 4835
    tab_to(tab, "#bids-table .ag-header-cell[col-id=delta]")
    tab.keyboard.press("Enter")  # sort by change: ascending, then descending
    tab.keyboard.press("Enter")
    tab.wait_for_timeout(500)
    top = tab.evaluate("() => dash_ag_grid.getApi('bids-table').getDisplayedRowAtIndex(0).data")
    assert top["delta"] > 0 and top["after"] == pytest.approx(top["before"] + top["delta"], abs=1e-3)
    tab.screenshot(path=shots / "keyboard-03-bids-table.png")

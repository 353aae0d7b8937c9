"""End-to-end: the Bids page in headless Chromium on the real app (add by postcode, map click, upload, download,
printable summary, shared link). Screenshots go to pytest's tmp dir (path printed with -s)."""
from __future__ import annotations

import base64
import csv
import io
import re
from pathlib import Path

import pytest

from layout.classes import YL_OR_RD
from tests.e2e_support import png_colours
from tests.test_e2e_a11y import BIDS

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]
MESSY = Path(__file__).parent / "fixtures" / "messy_bids.csv"
MAP_READY = """() => { const gd = document.querySelector('#bids-map .js-plotly-plot');
  return !!(gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
            && gd._fullLayout.map._subplot.map.loaded() && gd.data && gd.data.length === 5
            && gd.data[0].z && gd.data[0].z.some(v => v !== null)
            && gd._fullLayout.map._subplot.map.queryRenderedFeatures().length > 0); }"""
FILLED_SPOT = """() => { const gd = document.querySelector('#bids-map .js-plotly-plot');
  const map = gd._fullLayout.map._subplot.map; const canvas = map.getCanvas();
  const [w, h] = [canvas.clientWidth, canvas.clientHeight];
  for (let fy = 0.3; fy < 0.9; fy += 0.05) { for (let fx = 0.25; fx < 0.75; fx += 0.05) {
    const hits = map.queryRenderedFeatures([fx * w, fy * h]);
    if (hits.length && hits.every(f => f.layer.type === 'fill' || f.layer.type === 'line')
        && hits.some(f => f.layer.type === 'fill')) { return {x: fx * w, y: fy * h}; } } }
  return null; }"""
LEGEND = """() => document.querySelector('#bids-map .js-plotly-plot')._fullData[0].colorbar.title.text"""


def open_bids(tab, url: str):
    tab.goto(url)
    tab.wait_for_function(MAP_READY, timeout=60_000)


def card(tab, title: str) -> str:
    return tab.locator(".stat-card", has_text=title).inner_text()


def number(text: str) -> float:
    return float(re.search(r"\n([\d,.]+)\n", text).group(1).replace(",", ""))


def test_add_a_bid_by_postcode_see_scores_maps_and_its_printable_page(tab, app_url, shots):
    open_bids(tab, app_url + "/bids?year=2024")
    tab.fill("#bids-postcode", "SE28 8RD")
    tab.fill("#bids-fte", "3")
    tab.fill("#bids-cost", "1500000")
    tab.click("#bids-add")
    tab.wait_for_selector("#bids-add-message >> text=Added SE28 8RD.")
    tab.wait_for_selector("#bids-summary >> text=Bid summary: SE28 8RD")
    assert "1 of 1" in card(tab, "Bids scored") and "3.0 GP FTE added" in card(tab, "Bids scored")
    assert number(card(tab, "Lifted out of the bottom quintile")) > 0
    row = tab.locator("#bids-grid .ag-center-cols-container .ag-row").first.inner_text()
    assert "SE28 8RD" in row and "\nok\n" in f"\n{row}\n"
    assert "bids=1" in tab.url and "year=2024" in tab.url
    tab.wait_for_timeout(800)
    assert "E2SFCA access after" in tab.evaluate(LEGEND)
    tab.screenshot(path=shots / "bids-1-added-by-postcode.png", full_page=True)

    spot = tab.evaluate(FILLED_SPOT)  # a map click on an area proposes a new site at its centre
    canvas = tab.locator("#bids-map .maplibregl-canvas").bounding_box()
    x, y = canvas["x"] + spot["x"], canvas["y"] + spot["y"]
    tab.mouse.move(x - 4, y - 4)
    tab.mouse.move(x, y, steps=4)  # plotly reports a click on what the pointer hovers
    tab.wait_for_timeout(500)
    tab.mouse.click(x, y)
    tab.wait_for_selector("#bids-pending >> text=New site at the centre of")

    tab.click("#bids-mode label:has-text('Change')")
    tab.wait_for_function(f"() => ({LEGEND})().startsWith('Access gained')")
    tab.wait_for_timeout(800)
    tab.screenshot(path=shots / "bids-2-change-map.png")

    printable = tab.get_attribute("#bids-print-link", "href")
    assert "print=1" in printable and "focus=1" in printable
    open_bids(tab, tab.url + "&embed=1")  # for an iframe: the map and its footnote only
    assert tab.locator("#bids-map").is_visible() and "Combined scenario, FY2023/24" in tab.inner_text("#bids-footnote")
    assert not any(tab.locator(hidden).is_visible()
                   for hidden in ("#navbar", "#bids-add", "#bids-grid", "#bids-summary"))
    tab.screenshot(path=shots / "bids-embed.png")
    tab.goto(app_url + printable)
    tab.wait_for_selector("#bids-summary-page >> text=Bid summary: SE28 8RD", timeout=60_000)
    assert not tab.locator("#bids-add").is_visible() and not tab.locator("#navbar").is_visible()
    assert tab.locator("#bids-summary-page", has_text="Cost").inner_text().count("£1,500,000") == 1
    tab.emulate_media(media="print")
    tab.wait_for_timeout(1500)
    tab.screenshot(path=shots / "bids-3-printable-summary.png", full_page=True)


def test_upload_csv_list_bad_rows_download_ranked_csv_and_share_the_link(tab, app_url, shots, tmp_path):
    open_bids(tab, app_url + "/bids?year=2024")
    sheet = tmp_path / "bids.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not a csv")
    tab.set_input_files("#bids-upload input[type=file]", str(sheet))
    tab.wait_for_selector("#bids-upload-message >> text=Upload refused: bids.xlsx is not a CSV file")
    big = tmp_path / "big.csv"
    big.write_text("label,postcode,added_gp_fte\n" + "A,SE28 8RD,2\n" * 200_000)
    tab.set_input_files("#bids-upload input[type=file]", str(big))
    tab.wait_for_selector("#bids-upload-message >> text=bid files are limited to 2 MB")
    assert "Add a site, click the map" in card(tab, "No bids yet")  # refused files change nothing

    upload = tmp_path / "shortlist.csv"
    upload.write_text(MESSY.read_text() + "=HYPERLINK(\"http://x\"),SE2 9AX,,,,,2,,\n")
    tab.set_input_files("#bids-upload input[type=file]", str(upload))
    tab.wait_for_selector("#bids-upload-message >> text=Added 24 rows from shortlist.csv: 6 valid, 18 with problems")
    tab.wait_for_function("() => document.querySelector('.stat-card').innerText.includes('6 of 24')")
    tab.wait_for_timeout(1000)
    assert tab.locator("#bids-grid", has_text="postcode 'E99 9ZZ': not found among Greater London postcodes").count()
    tab.screenshot(path=shots / "bids-4-uploaded-csv.png", full_page=True)

    with tab.expect_download() as download:
        tab.click("#bids-download-csv")
    ranked = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert download.value.suggested_filename == "gp-atlas_bids_2024_lifted_per_fte.csv"
    assert len(ranked) == 24 and [row["rank"] for row in ranked[:6]] == ["1", "2", "3", "4", "5", "6"]
    assert {row["status"] for row in ranked[6:]} >= {"added_gp_fte must be more than 0 (got -2)",
                                                     "site outside London (E 450000, N 180000)"}
    assert any(row["label"].startswith("'=HYPERLINK") for row in ranked)

    tab.locator("#bids-grid .ag-pinned-left-cols-container .ag-row", has_text="Good grid").click()
    tab.wait_for_selector("#bids-summary >> text=Bid summary: Good grid")
    shared = tab.url
    assert "focus=" in shared and "bids=1" in shared
    open_bids(tab, shared)
    tab.wait_for_function("() => document.querySelector('.stat-card').innerText.includes('6 of 24')")
    tab.wait_for_selector("#bids-summary >> text=Bid summary: Good grid")
    tab.screenshot(path=shots / "bids-5-shared-link.png", full_page=True)


def test_a_broken_link_opens_with_defaults_and_says_why(tab, app_url, shots):
    open_bids(tab, app_url + "/bids?year=2031&bids=1AAAA&objective=best")
    notice = tab.locator("#view-notices").inner_text()
    assert "Ignored the bids in the link: the bids value is damaged" in notice
    assert "Ignored objective='best'" in notice and "Ignored year='2031'" in notice
    assert "Add a site, click the map" in card(tab, "No bids yet")
    tab.screenshot(path=shots / "bids-6-broken-link.png")


KEYS_BELOW_MAP = """() => { const gd = document.querySelector('#bids-map .js-plotly-plot');
  const map = gd.querySelector('.maplibregl-canvas').getBoundingClientRect();
  const box = (selector) => gd.querySelector(selector).getBoundingClientRect();
  return {map_bottom: map.bottom, map_height: map.height, bar_top: box('.colorbar').top,
          legend_top: box('.legend').top, graph_bottom: gd.getBoundingClientRect().bottom,
          bar_bottom: box('.colorbar').bottom, legend_bottom: box('.legend').bottom}; }"""


def test_on_a_phone_the_colour_bar_and_legend_sit_below_the_map(chromium, app_url, shots):
    """Issue 11: on a 390x844 phone the colour bar and legend covered most of the map (assets/bids_phone.js)."""
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    tab = context.new_page()
    try:
        open_bids(tab, app_url + f"/bids?year=2024&bids={BIDS}")
        for mode in ("after", "delta"):
            if mode == "delta":
                tab.locator("#bids-mode label", has_text="Change").click()
                tab.wait_for_function(f"() => ({LEGEND})().startsWith('Access gained')", timeout=30_000)
            tab.wait_for_function(f"() => {{ const k = ({KEYS_BELOW_MAP})(); "
                                  "return k.bar_top >= k.map_bottom && k.legend_top >= k.map_bottom; }",
                                  timeout=30_000)
            keys = tab.evaluate(KEYS_BELOW_MAP)
            assert keys["map_height"] >= 380, keys  # most of a phone screen is map
            assert keys["bar_bottom"] <= keys["legend_top"] + 1 and keys["legend_bottom"] <= keys["graph_bottom"], keys
            tab.locator("#bids-map-region").screenshot(path=shots / f"bids-phone-{mode}.png")
        assert tab.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_the_bids_map_tooltip_and_png_show_what_the_screen_shows(tab, app_url, shots):
    """The LSOAs are drawn in the browser (assets/bids_map.js): hovering one reads its access before and after,
    and the camera button saves them as on screen (Plotly's own export would leave them out)."""
    open_bids(tab, app_url + f"/bids?year=2024&bids={BIDS}")
    tab.wait_for_function("() => document.querySelector('#bids-map .js-plotly-plot').dataset.painted")
    spot = tab.evaluate(FILLED_SPOT)
    canvas = tab.locator("#bids-map .maplibregl-canvas").bounding_box()
    tab.mouse.move(canvas["x"] + spot["x"] - 3, canvas["y"] + spot["y"] - 3)
    tab.mouse.move(canvas["x"] + spot["x"], canvas["y"] + spot["y"], steps=3)
    tab.wait_for_selector("#area-tooltip:not([hidden])")
    tip = tab.inner_text("#area-tooltip")
    assert "\nbefore " in tip and "\nafter " in tip and "GP FTE per 10,000 need-weighted residents" in tip
    graph = tab.locator("#bids-map .js-plotly-plot").bounding_box()
    tab.mouse.move(graph["x"] + graph["width"] * 0.5, graph["y"] + 12)  # the modebar shows while over the graph
    with tab.expect_download(timeout=60_000) as download:
        tab.click('#bids-map .modebar-btn[data-title="Download plot as a PNG"]')
    assert download.value.suggested_filename == "gp-atlas_bids.png"
    image = Path(download.value.path()).read_bytes()
    size = tab.evaluate("""async (data) => { const image = new Image();
      image.src = 'data:image/png;base64,' + data; await image.decode(); return [image.width, image.height]; }""",
                        base64.b64encode(image).decode())
    assert size == [round(2 * graph["width"]), round(2 * graph["height"])]  # the graph, 2 image pixels per CSS px
    points = [[round(2 * (canvas["x"] - graph["x"] + canvas["width"] * (i + 0.5) / 8)),
               round(2 * (canvas["y"] - graph["y"] + canvas["height"] * (j + 0.5) / 8))]
              for i in range(8) for j in range(8)]
    colours = png_colours(tab, image, points)
    assert sum(colour in YL_OR_RD for colour in colours) > 0.4 * len(points), colours  # the areas, not a blank map

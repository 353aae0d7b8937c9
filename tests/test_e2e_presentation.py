"""End-to-end: what a presenter, a planner and an estates lead see when they print, share, embed or use a
phone, and the words on every page (real app and data, headless Chromium).

Screenshots of each role's path go to pytest's tmp dir (printed at the end of the session with -s).
"""
from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from layout.bids import clean_row, encode_bids
from layout.classes import YL_OR_RD
from tests.e2e_support import MAP, MAP_READY

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]
NEWHAM = "/?level=borough&measure=e2sfca&year=2025&area=E09000025"
PHONE = {"width": 390, "height": 844}
ONE_BID = "/bids?year=2024&bids=" + encode_bids((clean_row({"label": "Thamesmead", "postcode": "SE28 8RD",
                                                               "added_gp_fte": "2"}),))
PAGES = ("/", NEWHAM, "/trends", "/practice", "/practice?practice=F83004", "/bids", "/about")
SNAKE_CASE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
# The visible text of a page, without code samples (bid-file column names are shown as code on purpose) and the
# data-quality report, which quotes source file and column names as they are.
PAGE_TEXT = """() => { const out = []; const walk = (node) => {
  if (node.nodeType === Node.TEXT_NODE) { out.push(node.textContent); return; }
  if (node.nodeType !== Node.ELEMENT_NODE || ['CODE', 'PRE', 'SCRIPT', 'STYLE'].includes(node.tagName)
      || node.dataset.rawNames) return;
  const style = getComputedStyle(node);
  if (style.display === 'none' || style.visibility === 'hidden') return;
  node.childNodes.forEach(walk); };
  walk(document.querySelector('#shell')); return out.join(' '); }"""
# Header words that the browser breaks over two lines ('poore|st'): each word's own boxes, one per line it spans.
BROKEN_HEADER_WORDS = """() => { const broken = [];
  document.querySelectorAll('th, h1, h2, h3, h4, h5, h6, .ag-header-cell-text, .stat-title').forEach((el) => {
    if (!el.offsetParent) return;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) { const text = walker.currentNode.textContent;
      for (const match of text.matchAll(/\\S+/g)) { const range = document.createRange();
        range.setStart(walker.currentNode, match.index);
        range.setEnd(walker.currentNode, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (tops.size > 1) broken.push(match[0]); } } });
  return broken; }"""


def open_page(tab, url: str) -> None:
    tab.goto(url)
    if url.split("?")[0].endswith("/") and "/bids" not in url and "/trends" not in url:
        tab.wait_for_function(MAP_READY, timeout=45_000)
    tab.wait_for_load_state("networkidle")
    tab.wait_for_timeout(1200)


def map_colour_share(png_path, box: tuple[float, float, float, float]) -> float:
    """Share of the pixels in a box (fractions of the page: left, top, right, bottom) drawn in the map's palette."""
    image = Image.open(png_path).convert("RGB")
    width, height = image.size
    region = image.crop((int(box[0] * width), int(box[1] * height), int(box[2] * width), int(box[3] * height)))
    palette = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in YL_OR_RD]
    pixels = np.asarray(region, dtype=int).reshape(-1, 3)
    near = np.zeros(len(pixels), dtype=bool)
    for colour in palette:
        near |= np.abs(pixels - np.array(colour)).sum(axis=1) < 40
    return float(near.mean())


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.fixture(scope="module")
def poppler():
    missing = [tool for tool in ("pdftoppm", "pdfinfo") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"Debian's poppler-utils is needed ({', '.join(missing)} missing): apt-get install poppler-utils")


def test_printing_explore_keeps_the_map_and_fits_one_page(tab, app_url, shots, poppler):
    """Presenter: print the selected area's view (A4 landscape); the map is coloured, not a blank box."""
    open_page(tab, app_url + NEWHAM)
    tab.wait_for_selector("#panel-main-pcn")
    tab.emulate_media(media="print")
    tab.wait_for_function("() => document.documentElement.dataset.printReady", timeout=10_000)
    pdf = shots / "presenter-1-print.pdf"
    tab.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    assert pdf_pages(pdf) == 1
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf), str(shots / "presenter-1-print")],
                   check=True)
    assert map_colour_share(shots / "presenter-1-print.png", (0.03, 0.12, 0.42, 0.6)) > 0.25
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Newham" in text and "PCNs serving its residents" in text and "and 597 more practices" in text
    assert "Download" not in text and "Clear selection" not in text  # no buttons on paper
    tab.emulate_media(media="screen")
    tab.wait_for_function("() => !document.documentElement.dataset.printReady")
    assert tab.locator("canvas.print-snapshot").count() == 0


def test_the_bid_printable_page_keeps_its_map(tab, app_url, shots, poppler):
    open_page(tab, app_url + ONE_BID)
    tab.goto(app_url + tab.get_attribute("#bids-print-link", "href"))
    tab.wait_for_selector("#bids-summary-page .js-plotly-plot", timeout=45_000)
    tab.wait_for_timeout(4000)
    tab.emulate_media(media="print")
    tab.wait_for_function("() => document.documentElement.dataset.printReady", timeout=10_000)
    pdf = shots / "estates-3-bid-print.pdf"
    tab.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-singlefile", str(pdf),
                    str(shots / "estates-3-bid-print")], check=True)
    r, g, b = np.moveaxis(np.asarray(Image.open(shots / "estates-3-bid-print.png").convert("RGB"), dtype=int), -1, 0)
    greens = int(((g > r + 25) & (g > b + 10)).sum())  # the gains map's greens
    assert greens > 500


def test_share_dialog_copies_the_link_and_a_sized_iframe(chromium, app_url, shots):
    """Presenter: Share gives the permalink and an iframe snippet of the chosen size; copy puts it on the
    clipboard; Escape closes the dialog and focus returns to Share."""
    context = chromium.new_context(viewport={"width": 1440, "height": 900},
                                   permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    try:
        open_page(tab, app_url + NEWHAM)
        tab.click("#share-open")
        tab.wait_for_selector("#share-modal", state="visible")
        permalink = tab.input_value("#share-permalink")
        assert permalink.startswith(app_url + "/?level=borough") and "area=E09000025" in permalink
        assert "embed=1" not in permalink and "print=1" not in permalink
        tab.click("#share-permalink-copy")
        tab.wait_for_selector("#share-status >> text=Copied")
        assert tab.evaluate("() => navigator.clipboard.readText()") == permalink
        tab.select_option("#share-size", "small")
        tab.wait_for_function("() => document.querySelector('#share-iframe').value.includes('width=\"480\"')")
        tab.fill("#share-width", "640")
        tab.press("#share-width", "Tab")
        tab.wait_for_function("() => document.querySelector('#share-iframe').value.includes('width=\"640\"')")
        snippet = tab.input_value("#share-iframe")
        assert 'height="360"' in snippet and "embed=1" in snippet and 'title="' in snippet
        tab.click("#share-iframe-copy")
        tab.wait_for_function("async () => (await navigator.clipboard.readText()).startsWith('<iframe')")
        assert tab.get_attribute("#share-briefing", "href").startswith(app_url + "/briefing.pdf?level=borough")
        assert "pages of this site" in tab.inner_text("#share-origins").lower()
        with tab.expect_download() as download:
            tab.click("#share-png")
        assert download.value.suggested_filename == "gp-atlas_e2sfca_borough_FY2024-25_age_d0-1600.png"
        tab.screenshot(path=shots / "presenter-2-share.png")
        tab.keyboard.press("Escape")
        tab.wait_for_selector("#share-modal", state="hidden")
        tab.wait_for_function("() => document.activeElement && document.activeElement.id === 'share-open'")
    finally:
        context.close()


def test_briefing_link_downloads_a_one_page_pdf(tab, app_url, shots, poppler):
    open_page(tab, app_url + NEWHAM)
    with tab.expect_download(timeout=60_000) as download:
        tab.click("#explore-briefing")
    assert download.value.suggested_filename == "gp-atlas_e2sfca_borough_FY2024-25_age_d0-1600_E09000025_briefing.pdf"
    path = shots / "presenter-3-briefing.pdf"
    download.value.save_as(path)
    assert pdf_pages(path) == 1


def test_embed_fills_the_frame_with_the_legend_inside_and_one_wrapped_footnote(tab, app_url, shots):
    open_page(tab, app_url + "/?embed=1&level=borough")
    tab.wait_for_function(f"() => document.querySelector('{MAP}')._fullLayout.map.domain.x[1] === 1")
    frame = tab.locator(MAP).bounding_box()
    legend = tab.locator("#explore-legend").bounding_box()
    assert legend["x"] + legend["width"] <= frame["x"] + frame["width"] + 1 and legend["y"] >= frame["y"]
    annotations = tab.locator("#explore-map .annotation")
    assert annotations.evaluate_all("els => els.every(e => !e.getBoundingClientRect().width)")  # one footnote
    footnote = tab.locator("#explore-footnote")
    assert footnote.evaluate("e => e.scrollWidth <= e.clientWidth") and "Basis:" in footnote.inner_text()
    tab.screenshot(path=shots / "presenter-4-embed.png")


def test_clicking_areas_updates_the_address_bar_and_back_returns(tab, app_url):
    """Planner: each click puts its area in the URL; Back goes to the previous selection."""
    open_page(tab, app_url + "/?level=borough")
    box = tab.locator(MAP).bounding_box()
    tab.mouse.click(box["x"] + box["width"] * 0.39, box["y"] + box["height"] * 0.5)
    tab.wait_for_function("() => location.search.includes('area=E09')")
    first = re.search(r"area=(E09\d+)", tab.url).group(1)
    tab.wait_for_selector("#panel-title")
    tab.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.45)
    tab.wait_for_function(f"() => location.search.includes('area=E09') && !location.search.includes('{first}')")
    tab.go_back()
    tab.wait_for_function(f"() => location.search.includes('area={first}')")
    tab.wait_for_function(MAP_READY, timeout=45_000)
    tab.wait_for_selector("#panel-title")
    assert f"· {first} ·" in tab.inner_text("#explore-panel")


def test_planner_path_shows_the_pcn_answer(tab, app_url, shots):
    """Planner: one click answers which PCNs serve an area, with their share, GP FTE and persistence."""
    open_page(tab, app_url + NEWHAM)
    tab.wait_for_selector("#panel-pcns")
    assert "Main PCN: Stratford PCN" in tab.inner_text("#panel-main-pcn")
    header = tab.inner_text("#panel-pcns thead")
    assert "Share of residents" in header and "PCN GP FTE" in header and "Persistence" in header
    assert tab.locator("#explore-serving-grid .ag-header-cell-text", has_text="PCN").count() >= 1
    tab.screenshot(path=shots / "planner-1-area-pcns.png", full_page=True)
    tab.goto(app_url + "/trends")
    tab.wait_for_selector("#trends-grid .ag-row", timeout=30_000)
    assert "=1" in tab.inner_text("#trends-grid") and "Ties share a rank" in tab.inner_text("#trends-footnote")
    tab.screenshot(path=shots / "planner-2-trends.png", full_page=True)
    tab.goto(app_url + "/practice?practice=F84050")
    tab.wait_for_selector("#practice-title", timeout=30_000)
    tab.wait_for_timeout(1500)
    tab.screenshot(path=shots / "planner-3-practice.png", full_page=True)


def test_phone_layout_puts_the_map_first_and_never_scrolls_sideways(chromium, app_url, shots):
    """Every page at 390 x 844: the navbar folded, nothing wider than the screen; on Explore the map comes
    straight under the navbar and its settings open in a panel that Escape closes."""
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    try:
        for number, path in enumerate(PAGES, start=1):
            open_page(tab, app_url + path)
            assert tab.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], path
            assert not tab.is_visible("#navbar-links") and tab.is_visible("#navbar-toggle"), path
            tab.screenshot(path=shots / f"phone-{number}-{path.strip('/').split('?')[0] or 'explore'}.png",
                           full_page=True)
        open_page(tab, app_url + "/")
        navbar = tab.locator("#navbar").bounding_box()
        graph = tab.locator("#explore-map").bounding_box()
        assert 0 <= graph["y"] - (navbar["y"] + navbar["height"]) < 70  # only the 'Show as: Map | Table' switch
        assert not tab.is_visible("#explore-measure")  # the controls wait in their side panel
        assert graph["width"] >= PHONE["width"] - 24
        tab.wait_for_function(f"() => document.querySelector('{MAP}')._fullLayout.map.domain.x[1] === 1")
        tab.click("[data-offcanvas-target=explore-controls]")
        tab.wait_for_selector("#explore-controls.show")
        assert tab.is_visible("#explore-measure")
        tab.screenshot(path=shots / "phone-8-settings-open.png")
        tab.keyboard.press("Escape")
        tab.wait_for_function("() => !document.querySelector('#explore-controls').classList.contains('show')")
        tab.click("#navbar-toggle")
        tab.wait_for_selector("#navbar-links.show", timeout=5_000)
        assert tab.get_attribute("#navbar-toggle", "aria-expanded") == "true"
    finally:
        context.close()


def test_every_page_reads_as_words_with_units(tab, app_url):
    """No raw snake_case keys, no header word broken over two lines, and every summary card's number with
    its unit, on every page (and the Bids page with a bid)."""
    problems = {}
    for path in (*PAGES, ONE_BID):
        open_page(tab, app_url + path)
        found = {}
        keys = sorted(set(SNAKE_CASE.findall(tab.evaluate(PAGE_TEXT))))
        if keys:
            found["snake_case"] = keys
        broken = tab.evaluate(BROKEN_HEADER_WORDS)
        if broken:
            found["broken words"] = broken
        cards = tab.locator(".stat-card").all_inner_texts()
        unitless = [card for card in cards if re.search(r"\d", card)
                    and not re.search(r"(residents|FTE|LSOAs|bids|%|£|per|metres|km)", card)]
        if unitless:
            found["cards without a unit"] = unitless
        if found:
            problems[path] = found
    assert not problems

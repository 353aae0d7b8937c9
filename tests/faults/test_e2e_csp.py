"""End-to-end: the Content-Security-Policy the atlas sends is one it really satisfies. Every page, a bids link,
an embed and the print views load (and the Explore map repaints and exports a PNG) in headless Chromium with the
policy enforced, and the browser reports no violation; user text shows as typed in hover, table and summary."""
from __future__ import annotations

import pytest

from layout.bids.state import encode_bids
from tests.e2e_support import MAP, MAP_READY, PAINTED, wait_repainted  # fixtures: conftest

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]

# Registered before any page script runs: every violation the document sees is kept on window.__csp.
WATCH_VIOLATIONS = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
  `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile || ''}:${e.lineNumber || ''})`));"""
HTML_LABEL = "<b>Bold</b> & <i>co</i>"
BIDS_MAP_READY = """() => { const gd = document.querySelector('#bids-map .js-plotly-plot');
  return !!(gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot
            && gd._fullLayout.map._subplot.map.loaded() && gd.data && gd.data[3].lat.length > 0); }"""


@pytest.fixture
def watched(tab):
    """The tab with CSP violations recorded from the console (workers included) and from the document."""
    console = []
    tab.on("console", lambda message: console.append(message.text)
           if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text else None)
    tab.add_init_script(WATCH_VIOLATIONS)
    yield tab, console


def violations(tab, console) -> list[str]:
    return console + tab.evaluate("() => window.__csp || []")


def bids_link(rows) -> str:
    return f"/bids?year=2024&bids={encode_bids(rows)}&focus=1"


def test_every_page_and_view_loads_with_no_csp_violation(watched, app_url, shots):
    tab, console = watched
    response = tab.goto(app_url + "/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    tab.wait_for_function(MAP_READY, timeout=45_000)
    assert violations(tab, console) == [], "explore, first paint"
    before = tab.evaluate(PAINTED)
    tab.click("#explore-measure")
    tab.get_by_role("option", name="Patients per GP FTE", exact=True).click()
    wait_repainted(tab, before)
    box = tab.locator(MAP).bounding_box()
    tab.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + 60)  # the modebar shows while over the graph
    with tab.expect_download(timeout=60_000):
        tab.click(f'{MAP} .modebar-btn[data-title="Download plot as a PNG"]')
    tab.click("#share-open")
    tab.wait_for_selector("#share-modal", state="visible")
    tab.wait_for_function("() => document.querySelector('#share-iframe').value.startsWith('<iframe')")
    assert violations(tab, console) == [], "explore, repainted, exported and shared"
    pages = {
        "/trends?level=borough": "#trends-chart .js-plotly-plot",
        "/practice?practice=F83004": "#practice-content .js-plotly-plot",
        "/about": "text=Data-quality report",
        "/?level=borough&embed=1": MAP,
        "/?level=ward&print=1": MAP,
        "/bids?year=2024": "#bids-map .js-plotly-plot",
        bids_link([{"label": "A", "postcode": "SE28 8RD", "added_gp_fte": "2"}]) + "&print=1": "#bids-summary-page",
    }
    for path, ready in pages.items():
        tab.goto(app_url + path)
        tab.wait_for_selector(ready, timeout=60_000)
        tab.wait_for_load_state("networkidle")
        tab.wait_for_timeout(1500)  # late work: map tiles, workers, grid styles
        assert violations(tab, console) == [], path
    tab.screenshot(path=shots / "csp-bids-print.png")


def test_a_bid_label_written_as_html_shows_as_typed(watched, app_url, shots):
    tab, console = watched
    tab.goto(app_url + bids_link([{"label": HTML_LABEL, "postcode": "SE28 8RD", "added_gp_fte": "2"}]))
    tab.wait_for_function(BIDS_MAP_READY, timeout=60_000)
    tab.wait_for_selector(f"#bids-summary >> text=Bid summary: {HTML_LABEL}")
    assert tab.locator("#bids-grid .ag-row").first.inner_text().count(HTML_LABEL) == 1
    tab.evaluate("""() => { const gd = document.querySelector('#bids-map .js-plotly-plot');
                            Plotly.Fx.hover(gd, [{curveNumber: 3, pointNumber: 0}], 'map'); }""")
    hover = tab.locator("#bids-map .hoverlayer")
    hover.locator("text").first.wait_for(timeout=10_000)
    assert HTML_LABEL in hover.text_content() and hover.locator("a").count() == 0
    tab.screenshot(path=shots / "csp-html-label-hover.png")
    assert violations(tab, console) == []

"""WCAG 2.2 AA in the browser: axe-core on every page and state, language, skip link, reflow at 320 CSS px and
200% zoom, and reduced motion (the real app in headless Chromium)."""
from __future__ import annotations

import pytest

from layout.bids.map import GAIN_SCALE
from layout.bids.state import encode_bids
from layout.classes import NO_DATA_COLOUR, YL_OR_RD
from layout.mapfig import OUTLINES
from tests.a11y_support import State, active, axe_violations, blocking, settle
from tests.colour_vision import MACHADO_2009, simulate
from tests.e2e_support import png_colours

pytestmark = [pytest.mark.e2e, pytest.mark.real_data]

TABLE_ON = ("focus:#explore-show-as input[value=map]", "ArrowRight", "wait:#explore-table .ag-row")
BIDS_TABLE_ON = ("focus:#bids-show-as input[value=map]", "ArrowRight", "wait:#bids-table .ag-row")
BIDS = encode_bids(({"label": "Thamesmead hub", "postcode": "SE28 8RD", "added_gp_fte": "3"},
                    {"label": "Uplift", "practice_code": "F82003", "added_gp_fte": "2"},
                    {"label": "Not in London", "postcode": "ZZ1 1ZZ", "added_gp_fte": "2"}))
BIDS_SHOWN = "#bids-summary h5"
SHARE_OPEN = ("focus:#share-open", "Enter", "wait:#share-modal #share-permalink")
CONTROLS_OPEN = ("focus:[data-offcanvas-target=explore-controls]", "Enter", "wait:#explore-controls.show")
PHONE = (390, 844)
STATES = (
    State("explore, LSOA", "/", "map"),
    *(State(f"explore, {level}", f"/?level={level}", "map") for level in ("msoa11", "ward", "borough", "ccg19",
                                                                          "icb", "pcn")),
    State("explore, area selected", "/?level=borough&area=E09000025", "#panel-title"),
    State("explore, practice selected", "/?level=borough&practice=F82001", "#panel-title"),
    State("explore, practices layer", "/?level=ward&layers=practices", "map"),
    State("explore, PCN layer", "/?level=borough&layers=pcn", "map"),
    State("explore, persistent layer", "/?level=msoa11&layers=persistent", "map"),
    State("explore, hot-spot layer", "/?layers=hotspots", "map"),
    State("explore, table view", "/?level=borough", "map", TABLE_ON),
    State("explore, embed", "/?embed=1", "map"),
    State("explore, print", "/?print=1&level=borough&area=E09000025", "#panel-title"),
    State("explore, bad link", "/?level=nowhere&year=1066", "map"),
    State("trends", "/trends", "#trends-grid .ag-row"),
    State("trends, embed", "/trends?embed=1"),
    State("practice", "/practice?practice=F82001", "#practice-title"),
    State("practice, none chosen", "/practice"),
    State("bids, empty", "/bids", "#bids-map .js-plotly-plot"),
    State("bids, with bids", f"/bids?year=2024&bids={BIDS}", BIDS_SHOWN),
    State("bids, change map", f"/bids?year=2024&bids={BIDS}", BIDS_SHOWN,
          ("focus:#bids-mode input[value=after]", "ArrowRight")),
    State("bids, table view", f"/bids?year=2024&bids={BIDS}", BIDS_SHOWN, BIDS_TABLE_ON),
    State("bids, embed", f"/bids?embed=1&bids={BIDS}"),
    State("bids, print", f"/bids?year=2024&print=1&bids={BIDS}", BIDS_SHOWN),
    State("about", "/about"),
    State("page not found", "/nowhere"),
    State("share dialog, explore", "/?level=borough&area=E09000025", "#panel-title", SHARE_OPEN),
    State("share dialog, bids", f"/bids?year=2024&bids={BIDS}", BIDS_SHOWN, SHARE_OPEN),
    State("explore, phone", "/?level=borough", "map", viewport=PHONE),
    State("explore, phone, area selected", "/?level=borough&area=E09000025", "#panel-title", viewport=PHONE),
    State("explore, phone, controls open", "/?level=borough", "map", CONTROLS_OPEN, viewport=PHONE),
    State("explore, 320 px", "/?level=borough&area=E09000025", "#panel-title", viewport=(320, 640)),
    State("bids, phone, empty", "/bids", "#bids-map .js-plotly-plot", viewport=PHONE),
    State("bids, phone, with bids", f"/bids?year=2024&bids={BIDS}", BIDS_SHOWN, viewport=PHONE),
)


@pytest.mark.parametrize("state", STATES, ids=[state.name for state in STATES])
def test_no_serious_or_critical_axe_violations(state, tab, app_url):
    tab.set_viewport_size(dict(zip(("width", "height"), state.viewport, strict=True)))
    tab.goto(app_url + state.path)
    settle(tab, state)
    found = blocking(axe_violations(tab))
    assert found == [], f"{state.name}: {found}"


def test_the_page_declares_british_english_and_skips_to_the_map(tab, app_url):
    tab.goto(app_url + "/?level=borough")
    settle(tab, State("explore", "/", "map"))
    assert tab.get_attribute("html", "lang") == "en-GB"
    tab.keyboard.press("Tab")
    assert active(tab)["text"] == "Skip to map"
    tab.keyboard.press("Enter")
    focused = active(tab)
    assert "maplibregl-canvas" in focused["cls"]
    assert focused["text"].startswith("E2SFCA access by Borough, FY2024/25")
    summary = tab.inner_text("#explore-map-summary")
    assert summary.startswith("E2SFCA access by Borough, FY2024/25: 33 areas. 5 classes from the poorest provision:")
    tab.goto(app_url + "/about")
    tab.wait_for_load_state("networkidle")
    tab.keyboard.press("Tab")
    assert active(tab)["text"] == "Skip to main content"
    tab.keyboard.press("Enter")
    assert active(tab)["id"] == "page"


def overflow(tab) -> dict:
    """How far the page runs past the viewport sideways, and (to say why) the elements reaching past it that
    are not inside grids, charts or maps, which clip their own content."""
    return tab.evaluate("""() => { const width = document.documentElement.clientWidth;
      const wide = [...document.querySelectorAll('body *')].filter(e => { const r = e.getBoundingClientRect();
        return r.width > 0 && r.right > width + 1 && !e.closest('.ag-root-wrapper, svg, .maplibregl-map'); })
        .slice(0, 5).map(e => e.id || e.className.toString().slice(0, 40));
      return {excess: document.documentElement.scrollWidth - width, wide}; }""")


@pytest.mark.parametrize("width", [320, 720], ids=["320px", "200pct-zoom"])
@pytest.mark.parametrize("path", ["/?level=borough&area=E09000025", "/trends", "/practice?practice=F82001",
                                  "/about"])
def test_reflows_without_sideways_scrolling_at_320px_and_200_percent_zoom(path, width, tab, app_url, shots):
    """320 CSS px is 1280 px at 400% zoom (WCAG 1.4.10); 720 px is a 1440 px window at 200%."""
    tab.set_viewport_size({"width": width, "height": 900 if width > 320 else 640})
    tab.goto(app_url + path)
    tab.wait_for_load_state("networkidle")
    tab.wait_for_timeout(800)
    sideways = overflow(tab)
    assert sideways["excess"] == 0, sideways
    if path.startswith("/?"):
        assert tab.is_visible("#explore-map") and tab.is_visible("#explore-legend")
        assert tab.is_visible("#panel-title")
        tab.click("[data-offcanvas-target=explore-controls]")  # below lg the controls open in a side panel
        tab.wait_for_selector("#explore-controls.show")
        assert tab.is_visible("#explore-measure") and overflow(tab)["excess"] == 0
        tab.keyboard.press("Escape")
    tab.screenshot(path=shots / f"reflow-{width}-{path.strip('/?').split('?')[0] or 'explore'}.png", full_page=True)


def test_reduced_motion_turns_animations_and_transitions_off(chromium, app_url):
    context = chromium.new_context(reduced_motion="reduce")
    tab = context.new_page()
    try:
        tab.goto(app_url + "/?level=borough")
        tab.wait_for_load_state("networkidle")
        longest = tab.evaluate("""() => Math.max(...[...document.querySelectorAll('*')].map(e => {
          const style = getComputedStyle(e);
          return Math.max(...[style.animationDuration, style.transitionDuration].join(',').split(',')
                          .map(t => parseFloat(t) * (t.trim().endsWith('ms') ? 1 : 1000) || 0)); }))""")
        assert longest <= 1, f"an animation or transition of {longest} ms runs despite prefers-reduced-motion"
    finally:
        context.close()


def test_the_axe_harness_finds_violations_when_there_are_some(tab):
    """Guards the test above: axe is injected and run with the WCAG tags (an unlabelled field is critical)."""
    tab.set_content("<html><head><title>t</title></head><body><main><input type='text'></main></body></html>")
    assert [v["rule"] for v in blocking(axe_violations(tab))] == ["html-has-lang", "label"]


def test_palettes_as_seen_with_colour_vision_deficiencies_render_for_a_person_to_check(tab, shots):
    """The map palettes, outlines and the bids gain scale drawn as each dichromacy sees them (Machado 2009), saved
    as a PNG to look at; the drawn pixels are the simulated colours."""
    palettes = {"map classes (best -> poorest), no data": [*YL_OR_RD, NO_DATA_COLOUR],
                "outlines": [outline.colour for outline in OUTLINES.values()],
                "bids gain": [colour for _, colour in GAIN_SCALE[1:]]}
    rows, expected = [], []
    for vision in ("normal", *MACHADO_2009):
        for name, colours in palettes.items():
            shown = colours if vision == "normal" else simulate(colours, vision)
            expected.append(shown)
            cells = "".join(f"<td style='background:{c};width:70px;height:34px'></td>" for c in shown)
            rows.append(f"<tr><th style='text-align:left;padding-right:12px'>{vision}: {name}</th>{cells}</tr>")
    tab.set_viewport_size({"width": 1000, "height": 60 + 40 * len(rows)})
    tab.set_content("<html lang='en'><body style='font:14px sans-serif;margin:10px'><table style='border-spacing:"
                    f"4px'>{''.join(rows)}</table></body></html>")
    png = tab.screenshot(path=shots / "colour-vision-palettes.png")
    cells = tab.evaluate("() => [...document.querySelectorAll('tr')].map(r => [...r.querySelectorAll('td')]"
                         ".map(td => { const b = td.getBoundingClientRect(); return [Math.round(b.x + b.width / 2),"
                         " Math.round(b.y + b.height / 2)]; }))")
    assert [png_colours(tab, png, row) for row in cells] == expected

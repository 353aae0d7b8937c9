"""Map outlines are told apart by pattern as well as colour (WCAG 1.4.1) and keep 3:1 against every fill of the
palettes through their casing (WCAG 1.4.11): layout/mapfig.py OUTLINES, drawn by assets/explore_outlines.js and
keyed in the legend by layout/maplegend.py."""
from __future__ import annotations

from itertools import combinations
from urllib.parse import unquote

import pytest

from geo.classes import CONTINUOUS_SHADES
from layout.classes import NO_DATA_COLOUR, SWATCH_BORDER, YL_OR_RD, shades
from layout.mapfig import CASING_PAD, OUTLINES, map_figure
from layout.maplegend import outline_key_svg, outline_row
from tests.colour_vision import contrast_ratio

# Every colour an outline can lie on: the class colours, the continuous ramp's shades, 'no data' and the white
# basemap where an outline leaves London's edge.
FILLS = sorted({*YL_OR_RD, *shades(YL_OR_RD, CONTINUOUS_SHADES), NO_DATA_COLOUR, "#ffffff"})
MEANINGFUL = ("pcn", "persistent", "poor_cluster", "good_cluster", "main_pcn", "selected")


def test_the_contrast_helper_gives_wcag_figures():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("slot", MEANINGFUL)
def test_each_outline_and_its_casing_keep_3_to_1_against_every_fill(slot):
    outline = OUTLINES[slot]
    assert outline.casing, f"{slot} has no casing"
    assert contrast_ratio(outline.colour, outline.casing) >= 3, "the line must stand out from its own casing"
    weak = [fill for fill in FILLS
            if max(contrast_ratio(outline.colour, fill), contrast_ratio(outline.casing, fill)) < 3]
    assert weak == [], f"{slot}: neither the line nor its casing reaches 3:1 against {weak}"


def test_the_casing_is_what_saves_the_dark_fills():
    """Without its casing, the persistent outline (navy) would fail against the poorest class (dark red)."""
    assert contrast_ratio(OUTLINES["persistent"].colour, YL_OR_RD[-1]) < 3
    assert contrast_ratio(OUTLINES["persistent"].casing, YL_OR_RD[-1]) >= 3


def test_outlines_that_can_overlap_differ_by_pattern_or_casing_not_colour_alone():
    for a, b in combinations(MEANINGFUL, 2):
        first, second = OUTLINES[a], OUTLINES[b]
        assert (first.dash, first.casing) != (second.dash, second.casing) or abs(first.width - second.width) >= 1, (
            f"{a} and {b} differ by colour alone")
    assert OUTLINES["persistent"].dash == () and OUTLINES["poor_cluster"].dash != OUTLINES["good_cluster"].dash


def test_the_map_templates_carry_pattern_and_casing_for_the_browser():
    urls = {"layer": "/l", "lsoa": "/s", "borough": "/b", "pcn": "/p"}
    traces = {trace["name"].split("</span> ")[-1]: trace for trace in map_figure(urls, {}, {})["data"]}
    poor = traces[OUTLINES["poor_cluster"].name]
    assert poor["meta"] == {"dash": [3.0, 1.5], "casing": "#ffffff",
                            "casing_width": OUTLINES["poor_cluster"].width + 2 * CASING_PAD}
    assert traces[OUTLINES["boroughs"].name]["meta"]["casing_width"] == 0


@pytest.mark.parametrize("slot", MEANINGFUL)
def test_legend_keys_draw_the_same_pattern_and_casing_in_a_3_to_1_box(slot):
    outline = OUTLINES[slot]
    svg = outline_key_svg(slot)
    assert f"stroke='{outline.casing}'" in svg and f"stroke='{outline.colour}'" in svg
    assert ("stroke-dasharray" in svg) == bool(outline.dash)
    assert f"stroke='{SWATCH_BORDER}'" in svg and contrast_ratio(SWATCH_BORDER, "#ffffff") >= 3
    key = outline_row(slot).children[0]
    assert key.alt == "" and unquote(key.src.split(",", 1)[1]) == svg


def test_the_dotted_key_uses_round_caps_and_dashes_scale_with_the_width():
    svg = outline_key_svg("good_cluster")
    width = OUTLINES["good_cluster"].width + 1.0
    assert f"stroke-dasharray='0 {2 * width:g}' stroke-linecap='round'" in svg

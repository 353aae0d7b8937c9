"""Colour and meaning: map palettes stay distinguishable under protanopia, deuteranopia and tritanopia
(simulated, Machado 2009), 'no data' never looks like a class, and legend swatch edges have 3:1 contrast."""
from __future__ import annotations

import numpy as np
import pytest

from layout.bids.map import GAIN_SCALE
from layout.classes import NO_DATA_COLOUR, SWATCH_BORDER, YL_OR_RD, classify
from layout.maplegend import legend_head
from tests.colour_vision import MACHADO_2009, ciede2000, contrast_ratio, difference, simulate

MIN_ADJACENT = 10.0  # CIEDE2000 between neighbouring classes: clearly different at a glance, not just "different"
VISIONS = ("normal", *MACHADO_2009)


def seen(colours, vision: str) -> list[str]:
    return list(colours) if vision == "normal" else simulate(colours, vision)


def test_ciede2000_matches_sharma_2005_test_pairs():
    pairs = [((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425), ((50, 0, 0), (50, -1, 2), 2.3669),
             ((50, 2.5, 0), (73, 25, -18), 27.1492), ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387),
                                                      1.2644)]
    found = ciede2000(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    assert found == pytest.approx([p[2] for p in pairs], abs=1e-4)


def test_simulation_keeps_greys_grey_and_makes_red_and_green_alike_for_protanopes():
    assert simulate(["#808080", "#ffffff"], "deuteranopia") == ["#808080", "#ffffff"]
    red_green = difference(["#d62728"], ["#2ca02c"])[0]
    assert difference(simulate(["#d62728"], "protanopia"), simulate(["#2ca02c"], "protanopia"))[0] < red_green / 2


@pytest.mark.parametrize("vision", VISIONS)
@pytest.mark.parametrize("k", [3, 4, 5])
@pytest.mark.parametrize("poor", ["low", "high"])
def test_neighbouring_map_classes_stay_distinguishable(vision, k, poor):
    values = np.append(np.arange(20, dtype=float), np.nan)
    palette = classify(values, "quantiles", poor, 0, k=k).palette
    classes, no_data = seen(palette[:-1], vision), seen([palette[-1]], vision)
    assert len(classes) == k and palette[-1] == NO_DATA_COLOUR
    assert difference(classes[:-1], classes[1:]).min() >= MIN_ADJACENT
    assert difference(classes, no_data * k).min() >= 2 * MIN_ADJACENT


@pytest.mark.parametrize("vision", VISIONS)
def test_the_bids_gain_scale_steps_are_distinguishable(vision):
    stops = seen([colour for _, colour in GAIN_SCALE[1:]], vision)
    assert difference(stops[:-1], stops[1:]).min() >= MIN_ADJACENT


def test_swatch_edges_have_3_to_1_contrast_with_the_legend_background_and_classes_are_in_text():
    assert contrast_ratio(SWATCH_BORDER, "#ffffff") >= 3
    classing = classify(np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]), "quantiles", "low", 1)
    legend = str(legend_head(classing, "E2SFCA access", "per 10,000"))
    assert all(text in legend for text in ("1.0 – 1.8 (1)", "4.2 – 5.0 (1)", "no data (1)", SWATCH_BORDER))
    assert classing.palette[0] == YL_OR_RD[-1]  # low values are poor: darkest red first

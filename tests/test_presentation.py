"""Presentation rules with hand-checked answers: name casing, implausible-figure caveats, ties in rankings and
the PCN answer (which PCNs serve an area, and each area's main PCN) on a 3-LSOA model."""
import numpy as np
import pandas as pd
import pytest

from geo.names import display_name, display_names
from geo.params import DEFAULT_PARAMS
from geo.profiles import main_pcns, serving_pcns, serving_practices
from geo.provision import Provision
from geo.rules import figure_caveats
from geo.tables import AreaTables
from layout.components import rank_labels, rank_sentence
from tests.synthetic import ORIGIN_X, ORIGIN_Y, lsoa_row, tiny_atlas

G1000 = (np.exp(-0.5 * (1000 / 1600) ** 2) - np.exp(-0.5)) / (1 - np.exp(-0.5))


@pytest.mark.parametrize("raw, shown", [
    ("DR AA ANSARI'S PRACTICE", "Dr AA Ansari's Practice"),
    ("BARNET 4 PCN", "Barnet 4 PCN"),
    ("O'RIORDAN AND PARTNERS", "O'Riordan and Partners"),
    ("MCDONALD PRACTICE", "McDonald Practice"),
    ("MACKENZIE HOUSE", "MacKenzie House"),
    ("THE NHS WALK IN CENTRE (UK)", "The NHS Walk in Centre (UK)"),
    ("CLCH HEALTH CENTRE", "CLCH Health Centre"),
    ("ST JAMES' SURGERY", "St James' Surgery"),
    ("H&F CENTRAL PCN", "H&F Central PCN"),
    ("Camden 001A", "Camden 001A"),
])
def test_display_name_writes_register_capitals_as_people_do(raw, shown):
    assert display_name(raw) == shown


def test_display_names_keep_missing_names_missing():
    shown = display_names(pd.Series(["BARNET 4 PCN", None, "BARNET 4 PCN"]))
    assert shown.iloc[0] == shown.iloc[2] == "Barnet 4 PCN" and pd.isna(shown.iloc[1])


def test_figure_caveats_flag_implausible_ratios_and_tiny_fte_only():
    reasons = figure_caveats([11_228, 2_000, 800, 12_000, 3_000], [0.9, 1.5, 0.5, 2.0, None])
    assert "over 5,000 patients per GP FTE and under 1 GP FTE" in reasons[0]
    assert pd.isna(reasons[1]) and pd.isna(reasons[4])
    assert pd.isna(reasons[2])  # 0.5 FTE for 800 patients is a small practice, not a suspect return
    assert reasons[3].startswith("Check: over 5,000 patients per GP FTE;")


def test_ranks_shared_by_several_areas_read_as_ties():
    assert rank_labels([1, 1, 3, None]) == ["=1", "=1", "3", "–"]
    assert rank_sentence(1, 68, 4835) == "=1 of 4,835 (tied with 67 others)"
    assert rank_sentence(14, 1, 33) == "14 of 33"


@pytest.fixture
def two_pcns():
    """P0 (PCN U1) at E0 with 4,000 patients living 3,000 in E0 and 1,000 in E1; P1 (PCN U2) at E2 with 3,000
    patients and no flows, shared between E1 and E2 as G(1000):1 by its E2SFCA catchment."""
    practices = pd.DataFrame({"practice_code": ["P0", "P1"], "easting": [ORIGIN_X + 500, ORIGIN_X + 2500],
                              "northing": [ORIGIN_Y + 500] * 2, "gp_fte": [2.0, 1.0], "list_size": [4000.0, 3000.0],
                              "pcn_code": ["U1", "U2"]})
    flows = pd.DataFrame({"practice_code": ["P0", "P0"], "lsoa11_code": ["E0", "E1"], "patients": [3000, 1000]})
    atlas = tiny_atlas(lsoa_row(3), practices, [1000.0, 1000.0, 1000.0], flows)
    atlas.practices["practice_name"] = ["FIRST SURGERY", "SECOND SURGERY"]
    atlas.pcns = pd.DataFrame({"pcn_code": ["U1", "U2"], "pcn_name": ["ONE PCN", "TWO PCN"]})
    return AreaTables(Provision(atlas))


def test_serving_pcns_group_the_practices_serving_an_area(two_pcns):
    practices = serving_practices(two_pcns.provision, ["E1"], 2023, DEFAULT_PARAMS)
    pcns = serving_pcns(two_pcns, practices, "e2sfca", 2023, DEFAULT_PARAMS).set_index("pcn_code")
    p1_in_e1 = 3000 * G1000 / (G1000 + 1)  # ~1,063: more than P0's 1,000
    assert list(pcns.index) == ["U2", "U1"]
    assert pcns.loc["U2", "share"] == pytest.approx(p1_in_e1 / (p1_in_e1 + 1000))
    assert pcns.loc["U1", "gp_fte"] == 2.0 and pcns.loc["U2", "pcn_name"] == "Two PCN"


def test_main_pcn_of_each_area_holds_most_of_its_registered_residents(two_pcns):
    main = main_pcns(two_pcns, "lsoa11", 2023, DEFAULT_PARAMS).set_index("area_code")
    p1_in_e1 = 3000 * G1000 / (G1000 + 1)
    assert main["main_pcn_code"].to_dict() == {"E0": "U1", "E1": "U2", "E2": "U2"}
    assert main.loc["E1", "main_pcn_share"] == pytest.approx(p1_in_e1 / (p1_in_e1 + 1000))
    assert main.loc["E0", "main_pcn_share"] == 1.0 and main.loc["E2", "main_pcn_name"] == "Two PCN"
    assert main_pcns(two_pcns, "lsoa11", 2019, DEFAULT_PARAMS).empty  # no PCNs before FY2019/20

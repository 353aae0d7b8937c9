"""Area/practice profiles and search on a hand-checkable 3-LSOA model (tests/synthetic.py)."""
import numpy as np
import pandas as pd
import pytest

from geo.params import DEFAULT_PARAMS
from geo.profiles import (
    area_lsoas,
    london_patients_per_gp_fte,
    patient_flows,
    pcn_members,
    people,
    practice_profile,
    serving_practices,
)
from geo.provision import Provision
from geo.search import build_index, lsoa_at, search, to_lonlat
from geo.tables import AreaTables, london_ranks
from tests.synthetic import ORIGIN_X, ORIGIN_Y, lsoa_row, tiny_atlas

G1000 = (np.exp(-0.5 * (1000 / 1600) ** 2) - np.exp(-0.5)) / (1 - np.exp(-0.5))


@pytest.fixture
def model():
    """P0 at E0's centroid (2 FTE, 4,000 patients: 3,000 live in E0, 1,000 in E1), P1 at E2's (1 FTE,
    3,000 patients, no flows: shared by E2SFCA catchment G(d) x P, i.e. E1:E2 = G(1000):1)."""
    lsoa = lsoa_row(3)
    practices = pd.DataFrame({"practice_code": ["P0", "P1"], "easting": [ORIGIN_X + 500, ORIGIN_X + 2500],
                              "northing": [ORIGIN_Y + 500] * 2, "gp_fte": [2.0, 1.0], "list_size": [4000.0, 3000.0],
                              "pcn_code": ["U1", "U1"]})
    flows = pd.DataFrame({"practice_code": ["P0", "P0"], "lsoa11_code": ["E0", "E1"], "patients": [3000, 1000]})
    atlas = tiny_atlas(lsoa, practices, [1000.0, 1000.0, 1000.0], flows)
    atlas.practices["practice_name"] = ["FIRST SURGERY", "SECOND SURGERY"]
    atlas.pcns = pd.DataFrame({"pcn_code": ["U1"], "pcn_name": ["ONE PCN"]})
    return Provision(atlas)


def test_serving_practices_split_an_area_by_where_each_practices_patients_live(model):
    served = serving_practices(model, ["E1"], 2023, DEFAULT_PARAMS).set_index("practice_code")
    p1_in_e1 = 3000 * G1000 / (G1000 + 1)
    assert served.loc["P0", "residents"] == pytest.approx(1000)
    assert served.loc["P1", "residents"] == pytest.approx(p1_in_e1)
    assert served.loc["P0", "share"] == pytest.approx(1000 / (1000 + p1_in_e1))
    assert served["share"].sum() == pytest.approx(1.0)
    assert served.loc["P0", "pcn_name"] == "One PCN" and served.loc["P1", "attribution_basis"].startswith("E2SFCA")
    assert list(serving_practices(model, ["E0"], 2023, DEFAULT_PARAMS)["practice_code"]) == ["P0"]


def test_serving_practices_are_made_once_per_area_year_and_weighting(model):
    first = serving_practices(model, ["E1"], 2023, DEFAULT_PARAMS)
    assert serving_practices(model, ["E1"], 2023, DEFAULT_PARAMS) is first
    assert serving_practices(model, ["E1"], 2023, DEFAULT_PARAMS.with_(weights="none")) is not first
    assert serving_practices(model, ["E0"], 2023, DEFAULT_PARAMS) is not first


def test_people_counts_residents_and_the_most_deprived_share(model):
    summary = people(model, ["E0", "E1", "E2"], 2023)  # IMD deciles 1, 2, 3; 1,000 residents each
    assert summary["residents"] == 3000 and summary["population_mid_year"] == 2022
    assert summary["most_deprived_share"] == pytest.approx(2 / 3)
    assert summary["mean_imd_decile"] == pytest.approx(2.0)


def test_ranked_values_agree_with_the_years_table_and_count_ties(model):
    tables = AreaTables(model)
    ranked = tables.ranked("patients_per_gp_fte", "lsoa11")
    table = tables.table("lsoa11", "patients_per_gp_fte", 2023).set_index("area_code")
    for code in ["E0", "E1", "E2"]:
        value, rank, tied, n_ranked = ranked.of(code, 2023)
        assert value == pytest.approx(table.loc[code, "value"]) and rank == table.loc[code, "rank"]
        assert n_ranked == 3 and tied == (table["rank"] == rank).sum()


def test_london_ranks_put_the_poorest_first_share_ties_and_skip_gaps():
    # patients per GP FTE: more is poorer; GP FTE per 10,000: less is poorer
    assert london_ranks([900.0, 2000.0, 2000.0, np.nan], "patients_per_gp_fte").tolist()[:3] == [3, 1, 1]
    assert np.isnan(london_ranks([900.0, 2000.0, 2000.0, np.nan], "patients_per_gp_fte").iloc[3])
    assert london_ranks([0.4, 0.6, 0.5], "gp_fte_per_10k").tolist() == [1, 3, 2]


def test_practice_points_carry_names_pcn_and_lonlat(model):
    points = model.practice_points(2023).set_index("practice_code")
    lon, lat = to_lonlat(pd.Series([ORIGIN_X + 500]), pd.Series([ORIGIN_Y + 500]))
    assert points.loc["P0", "practice_name"] == "First Surgery" and points.loc["P0", "pcn_name"] == "One PCN"
    assert (points.loc["P0", "lon"], points.loc["P0", "lat"]) == pytest.approx((lon[0], lat[0]))
    assert model.practice_points(2023) is model.practice_points(2023)  # made once per year


def test_area_lsoas_follow_the_level_membership(model):
    tables = AreaTables(model)
    assert area_lsoas(tables, "borough", "BOROUGH0", 2023) == ["E0", "E1"]
    assert area_lsoas(tables, "lsoa11", "E2", 2023) == ["E2"]


def test_practice_profile_history_against_london_and_pcn_members(model):
    profile = practice_profile(model, "P1")
    row = profile["history"].iloc[0]
    assert (row["year"], row["fy"], row["patients_per_gp_fte"]) == (2023, "FY2022/23", 3000.0)
    assert row["london_patients_per_gp_fte"] == pytest.approx(7000 / 3)
    assert london_patients_per_gp_fte(model)[2023] == pytest.approx(7000 / 3)
    assert practice_profile(model, "NOPE") is None
    members = pcn_members(model, "U1", 2023)
    assert members["practice_code"].tolist() == ["P0", "P1"] and members["patients_per_gp_fte"].tolist() == [2000, 3000]


def test_patient_flows_of_a_practice(model):
    flows, summary = patient_flows(model, "P0")
    assert flows.to_dict("list") == {"lsoa11_code": ["E0", "E1"], "patients": [3000, 1000]}
    assert summary["patients"] == 4000 and summary["outside_london_share"] == 0 and summary["lsoas"] == 2
    assert patient_flows(model, "P1")[0].empty


def test_search_ranks_exact_codes_then_prefixes_then_words(model):
    atlas = model.atlas
    practices = pd.DataFrame({"practice_code": ["P0", "P1"], "practice_name": ["FIRST SURGERY", "SECOND SURGERY"],
                              "postcode": ["N11AA", "N11AB"], "status_code": ["A", "C"], "is_gp": [True, True],
                              "easting": [ORIGIN_X + 500, ORIGIN_X + 2500], "northing": [ORIGIN_Y + 500] * 2})
    index = build_index(practices, {"lsoa11": atlas.lsoa}, {"lsoa11": "LSOA"})
    postcodes = pd.DataFrame({"postcode": ["N11AA"], "easting": [ORIGIN_X + 10.0], "northing": [ORIGIN_Y + 10.0]})
    assert [r["code"] for r in search(index, postcodes, "p1")] == ["P1"]
    assert search(index, postcodes, "p1")[0]["label"] == "Second Surgery (P1, N1 1AB) · closed"
    assert [r["code"] for r in search(index, postcodes, "surg")] == ["P0", "P1"]
    assert [r["code"] for r in search(index, postcodes, "lsoa 2")] == ["E2"]
    assert search(index, postcodes, "n1 1aa") == [{"kind": "postcode", "code": "N11AA", "level": None,
                                                  "label": "N1 1AA (postcode)", "easting": ORIGIN_X + 10.0,
                                                  "northing": ORIGIN_Y + 10.0}]
    assert search(index, postcodes, "x") == [] and search(index, postcodes, "") == []
    assert search(index, postcodes, "zz9 9zz") == []


def test_lsoa_at_finds_the_polygon_or_the_nearest_within_500_m(model):
    lsoa = model.atlas.lsoa
    assert lsoa_at(lsoa, ORIGIN_X + 1500, ORIGIN_Y + 500) == "E1"
    assert lsoa_at(lsoa, ORIGIN_X + 1500, ORIGIN_Y + 1300) == "E1"   # 300 m off the edge
    assert lsoa_at(lsoa, ORIGIN_X + 1500, ORIGIN_Y + 9000) is None


def test_to_lonlat_converts_british_national_grid():
    lon, lat = to_lonlat([530047.0], [180422.0])  # Trafalgar Square
    assert lon[0] == pytest.approx(-0.1281, abs=1e-3) and lat[0] == pytest.approx(51.5080, abs=1e-3)  # ~70 m

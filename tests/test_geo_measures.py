"""Measures on a 3-LSOA, 2-practice model worked on paper, and London invariants on the real data."""
import numpy as np
import pandas as pd
import pytest

from geo.measures import MEASURES
from geo.params import AnalysisParams
from geo.provision import Provision
from tests.synthetic import ORIGIN_X, ORIGIN_Y, lsoa_row, tiny_atlas

G1000 = (np.exp(-0.5 * (1000 / 1600) ** 2) - np.exp(-0.5)) / (1 - np.exp(-0.5))  # 0.549082


@pytest.fixture
def model():
    """LSOA centroids at x = 500, 1500, 2500; P0 at LSOA 0's centroid (2 FTE, 4,000 patients),
    P1 at LSOA 2's centroid (1 FTE, 3,000 patients). P0's patients live 3,000 in E0 and 1,000 in E1;
    P1 has no flows (opened after July 2022), so its FTE is shared by E2SFCA catchment."""
    lsoa = lsoa_row(3)
    practices = pd.DataFrame({"practice_code": ["P0", "P1"], "easting": [ORIGIN_X + 500, ORIGIN_X + 2500],
                              "northing": [ORIGIN_Y + 500] * 2, "gp_fte": [2.0, 1.0], "list_size": [4000.0, 3000.0]})
    flows = pd.DataFrame({"practice_code": ["P0", "P0"], "lsoa11_code": ["E0", "E1"], "patients": [3000, 1000]})
    return Provision(tiny_atlas(lsoa, practices, [1000.0, 1000.0, 1000.0], flows))


def values(model, measure, **kw):
    return model.lsoa_values(measure, 2023, AnalysisParams(d0=1600, **kw)).set_index("lsoa11_code")["value"]


def test_e2sfca_by_hand(model):
    r0, r1 = 2 / (1000 + G1000 * 1000), 1 / (1000 + G1000 * 1000)
    assert values(model, "e2sfca").tolist() == pytest.approx([r0 * 1e4, G1000 * (r0 + r1) * 1e4, r1 * 1e4], rel=1e-12)


def test_gp_fte_per_10k_flows_then_catchment_fallback(model):
    p1_share_e1 = G1000 / (G1000 + 1)  # P1 has no flows: shares G(d) x P over LSOAs in reach
    expected = [2 * 0.75 / 1000 * 1e4, (2 * 0.25 + p1_share_e1) / 1000 * 1e4, (1 - p1_share_e1) / 1000 * 1e4]
    assert values(model, "gp_fte_per_10k").tolist() == pytest.approx(expected, rel=1e-12)
    _, basis = model.attribution(2023, "age", 1600.0)
    assert basis["P0"].startswith("patient flows") and basis["P1"].startswith("E2SFCA catchment")


def test_patients_per_gp_fte_is_patients_living_there_over_fte_attributed_to_them(model):
    p1_share_e1 = G1000 / (G1000 + 1)
    patients = 4000 * 0.25 + 3000 * p1_share_e1  # patients of P0 and P1 living in E1
    fte = 2 * 0.25 + 1 * p1_share_e1  # the GP FTE attributed to E1 by the same shares
    assert values(model, "patients_per_gp_fte").tolist() == pytest.approx([2000.0, patients / fte, 3000.0], rel=1e-12)
    # London: total patients / total FTE (7,000 / 3), not the list-weighted arithmetic mean of 2,000 and 3,000
    assert model.london_value("patients_per_gp_fte", 2023) == pytest.approx(7000 / 3, rel=1e-12)


def test_nearest_practice_distance(model):
    assert values(model, "nearest_practice_m").tolist() == pytest.approx([0.0, 1000.0, 0.0])


def test_coarser_level_is_population_weighted_not_mean_of_ratios(model):
    borough = model.area_values("gp_fte_per_10k", "borough", 2023, AnalysisParams(d0=1600))
    borough = borough.set_index("area_code")["value"]
    p1_share_e1 = G1000 / (G1000 + 1)
    assert borough["BOROUGH0"] == pytest.approx((1.5 + 0.5 + p1_share_e1) / 2000 * 1e4, rel=1e-12)


def test_zero_fte_and_missing_workforce_practices():
    lsoa = lsoa_row(2)
    practices = pd.DataFrame({"practice_code": ["A", "B", "C"],
                              "easting": [ORIGIN_X + 500, ORIGIN_X + 500, ORIGIN_X + 1500],
                              "northing": [ORIGIN_Y + 500] * 3, "gp_fte": [1.0, 0.0, np.nan],
                              "list_size": [2000.0, 5000.0, 9000.0]})
    model = Provision(tiny_atlas(lsoa, practices, [1000.0, 1000.0]))
    ppf = model.lsoa_values("patients_per_gp_fte", 2023).set_index("lsoa11_code")["value"]
    assert ppf.tolist() == pytest.approx([2000.0, 2000.0])  # B (0 FTE) and C (no return) are left out
    nearest = model.lsoa_values("nearest_practice_m", 2023)["value"]
    assert nearest.tolist() == pytest.approx([0.0, 0.0])  # C is still an open practice
    assert model.supply_points(2023).set_index("practice_code")["fte_reported"].tolist() == [True, True, False]


def test_bad_parameters_list_valid_choices(model):
    with pytest.raises(ValueError, match="e2sfca, gp_fte_per_10k"):
        model.lsoa_values("doctors", 2023)
    with pytest.raises(ValueError, match="choose one of 2023"):
        model.lsoa_values("e2sfca", 1999)
    with pytest.raises(ValueError, match="between"):
        model.lsoa_values("e2sfca", 2023, AnalysisParams(d0=-5))
    with pytest.raises(ValueError, match="age, age_imd, none"):
        model.lsoa_values("e2sfca", 2023, AnalysisParams(weights="height"))


# ---------------------------------------------------------------- real London invariants

@pytest.mark.real_data
@pytest.mark.parametrize("year", [2016, 2020, 2023, 2025])
def test_attributed_fte_equals_london_fte(provision, atlas, year):
    rows = atlas.practice_years
    london_fte = rows.loc[(rows["year"] == year) & rows["is_gp"].fillna(False) & rows["easting"].notna(),
                          "gp_fte"].sum()
    lsoa = provision.lsoa_values("gp_fte_per_10k", year)
    assert lsoa["numerator"].sum() / 1e4 == pytest.approx(london_fte, rel=1e-9)


@pytest.mark.real_data
@pytest.mark.parametrize("weights", ["age", "age_imd", "none"])
def test_london_mean_of_fte_per_10k_is_fte_over_weighted_population(provision, atlas, weights):
    year = 2023
    lsoa = provision.lsoa_values("gp_fte_per_10k", year, AnalysisParams(weights=weights))
    need = provision.need_population(year, weights)
    residents = atlas.lsoa_years.loc[atlas.lsoa_years["year"] == year, "population"].sum()
    assert need.sum() == pytest.approx(residents, rel=1e-12)
    london_fte = provision.supply_points(year)["gp_fte"].sum()
    weighted_mean = np.average(lsoa["value"], weights=need)
    assert weighted_mean == pytest.approx(london_fte / need.sum() * 1e4, rel=1e-9)
    london = provision.london_value("gp_fte_per_10k", year, AnalysisParams(weights=weights))
    assert london == pytest.approx(weighted_mean, rel=1e-12)


@pytest.mark.real_data
def test_every_measure_every_level_every_year(provision):
    for measure in MEASURES:
        for year in provision.years_for(measure):
            for level, n_areas in (("lsoa11", 4835), ("borough", 33), ("icb", 5)):
                frame = provision.area_values(measure, level, year)
                assert len(frame) == n_areas and frame["value"].notna().all(), (measure, year, level)


@pytest.mark.real_data
def test_nearest_distance_tracks_the_imd_road_distance_indicator(provision, atlas):
    ours = provision.lsoa_values("nearest_practice_m", 2019).set_index("lsoa11_code")["value"]
    road_km = atlas.lsoa.set_index("area_code")["road_dist_gp_km"].reindex(ours.index)
    correlation = np.corrcoef(ours, road_km)[0, 1]
    assert correlation > 0.6
    assert (road_km * 1000 >= ours * 0.5).mean() > 0.95  # road distance is mostly longer than straight line


@pytest.mark.real_data
@pytest.mark.parametrize("year", [2016, 2023, 2025])
def test_london_patients_per_gp_fte_is_aligned_total_patients_over_total_fte(provision, atlas, year):
    rows = atlas.practice_years
    aligned = rows[(rows["year"] == year) & rows["is_gp"].fillna(False) & rows["easting"].notna()
                   & (rows["gp_fte"] > 0) & (rows["list_size"] > 0)]
    assert provision.london_value("patients_per_gp_fte", year) == pytest.approx(
        aligned["list_size"].sum() / aligned["gp_fte"].sum(), rel=1e-9)

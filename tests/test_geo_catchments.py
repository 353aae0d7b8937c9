"""PCN catchments: a hand-checked 3 x 2 grid, then the real bundle for 2023.

The grid (1 km squares, BNG metres from (530000, 180000); centroids at the cell centres):

    L1 L2 L3        P1 (PCN A) in L1 at (400, 1600)   P2 (PCN A) in L3 at (2100, 1500)
    L4 L5 L6        P3 (PCN B) at L5's centroid       P4 (PCN C, opened after July 2022, no flows)
                                                      at L6's centroid

Not considered: P5 closed (flows 100 in L4), P6 unlocated (PCN B, flows in L4), P7 not a GP
practice (PCN A, flows in L4), X9 outside London (flows in L1). P3 is outside its ODS dates but
sent a workforce return, so it counts.

Registered residents (considered practices):   L1: A 50, B 10     L2: A 20, B 20 (tie)   L3: A 30, B 5
                                               L4: none           L5: B 40               L6: B 30
A holds 100 London residents (plus 500 outside London), B 105, C none.
"""
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from data.config import BNG
from data.errors import CRSError
from geo.catchments import (
    BY_FLOWS,
    BY_NEAREST,
    BY_NEAREST_FALLBACK,
    NEAREST_BASIS,
    flows_basis,
    lsoa_pcn_assignment,
    pcn_catchments,
    pcn_practices,
)

X0, Y0 = 530_000.0, 180_000.0
CELLS = {"L1": (0, 1), "L2": (1, 1), "L3": (2, 1), "L4": (0, 0), "L5": (1, 0), "L6": (2, 0)}


def grid_lsoa() -> gpd.GeoDataFrame:
    codes = list(CELLS)
    lsoa = gpd.GeoDataFrame(
        {"area_code": codes},
        geometry=[box(X0 + 1000 * i, Y0 + 1000 * j, X0 + 1000 * (i + 1), Y0 + 1000 * (j + 1))
                  for i, j in CELLS.values()],
        crs=BNG)
    lsoa["centroid_x"] = [X0 + 1000 * i + 500 for i, _ in CELLS.values()]
    lsoa["centroid_y"] = [Y0 + 1000 * j + 500 for _, j in CELLS.values()]
    return lsoa


def practice_rows(year: int, pcn_of_p2: str = "A", p1_list: float = 1000.0,
                  p4_site: tuple[float, float] = (2500, 500)) -> pd.DataFrame:
    columns = ["practice_code", "pcn_code", "x", "y", "list_size", "gp_fte", "open_in_year", "fte_status", "is_gp"]
    rows = pd.DataFrame([
        ("P1", "A", 400, 1600, p1_list, 2.0, True, "reported", True),
        ("P2", pcn_of_p2, 2100, 1500, 600.0, np.nan, True, "no workforce return", True),
        ("P3", "B", 1500, 500, 1800.0, 3.0, False, "reported", True),
        ("P4", "C", *p4_site, 300.0, np.nan, year >= 2023, "no workforce return", True),
        ("P5", "A", 500, 500, np.nan, np.nan, False, "no workforce return", True),
        ("P6", "B", np.nan, np.nan, 900.0, 1.0, True, "reported", True),
        ("P7", "A", 500, 450, 700.0, 1.0, True, "reported", False),
    ], columns=columns)
    rows["is_gp"] = rows["is_gp"].astype("boolean")
    return rows.assign(year=year, easting=X0 + rows["x"], northing=Y0 + rows["y"]).drop(columns=["x", "y"])


def grid_inputs(**practice_options) -> SimpleNamespace:
    flows = pd.DataFrame([
        ("P1", "L1", 50), ("P3", "L1", 10), ("X9", "L1", 1000),
        ("P1", "L2", 20), ("P3", "L2", 20),
        ("P2", "L3", 30), ("P3", "L3", 5),
        ("P5", "L4", 100), ("P6", "L4", 60), ("P7", "L4", 70),
        ("P3", "L5", 40),
        ("P3", "L6", 30),
        ("P1", "W01000001", 500),
    ], columns=["practice_code", "lsoa11_code", "patients"])
    flows = flows.assign(year=2023, practice_in_london=flows["practice_code"] != "X9",
                         lsoa_in_london=flows["lsoa11_code"].isin(CELLS))
    practice_years = pd.concat([practice_rows(2022, pcn_of_p2="B"), practice_rows(2023, **practice_options)],
                               ignore_index=True)
    pcns = pd.DataFrame({"pcn_code": ["A", "B", "C"], "pcn_name": ["Alpha PCN", "Beta PCN", "Gamma PCN"]})
    return SimpleNamespace(practice_years=practice_years, flows=flows, lsoa=grid_lsoa(), pcns=pcns,
                           flows_year=2023, flows_snapshot="July 2022")


def assigned(inputs, year=2023, method="plurality") -> dict:
    table = lsoa_pcn_assignment(inputs, year, method)
    return dict(zip(table["lsoa11_code"], zip(table["pcn_code"], table["assignment_basis"], strict=True), strict=True))


def by_pcn(catchments: gpd.GeoDataFrame) -> dict:
    return {row.pcn_code: row for row in catchments.itertuples()}


# ---- who counts

def test_considered_practices_follow_the_definition():
    assert pcn_practices(grid_inputs().practice_years, 2023)["practice_code"].tolist() == ["P1", "P2", "P3", "P4"]


@pytest.mark.parametrize("year", [2015, 2019])
def test_years_before_pcns_raise(year):
    with pytest.raises(ValueError, match=r"FY2019/20 \(year 2020\)"):
        pcn_catchments(grid_inputs(), year)


def test_year_without_practices_raises():
    with pytest.raises(ValueError, match="2030"):
        lsoa_pcn_assignment(grid_inputs(), 2030)


@pytest.mark.parametrize("method, volume", [("voronoi", 0.8), ("percent_volume", 0.0), ("percent_volume", 1.2)])
def test_bad_parameters_raise(method, volume):
    with pytest.raises(ValueError):
        pcn_catchments(grid_inputs(), 2023, method, volume)


def test_percent_volume_is_not_a_partition():
    with pytest.raises(ValueError, match="partition"):
        lsoa_pcn_assignment(grid_inputs(), 2023, "percent_volume")


def test_lsoas_must_be_bng():
    inputs = grid_inputs()
    inputs.lsoa = inputs.lsoa.to_crs("EPSG:4326")
    with pytest.raises(CRSError, match="EPSG:27700"):
        pcn_catchments(inputs, 2023)


# ---- plurality partition

def test_plurality_assignment_with_tie_and_both_fallbacks():
    assert assigned(grid_inputs()) == {
        "L1": ("A", BY_FLOWS), "L2": ("B", BY_FLOWS),  # 20-20 tie: B's list 1,800 beats A's 1,600
        "L3": ("A", BY_FLOWS), "L4": ("B", BY_NEAREST_FALLBACK),  # no considered flows; P3 1,000 m vs P1 1,105 m
        "L5": ("B", BY_FLOWS), "L6": ("C", BY_NEAREST_FALLBACK),  # B holds its flows, but C has none and P4 is nearest
    }


@pytest.mark.parametrize("p1_list, winner", [(1000.0, "B"), (1200.0, "A"), (2000.0, "A")])
def test_tie_goes_to_larger_list_then_lower_code(p1_list, winner):
    """A's list is 600 + P1: 1,600 < B's 1,800; 1,800 = 1,800 (code order: A); 2,600 > 1,800."""
    assert assigned(grid_inputs(p1_list=p1_list))["L2"][0] == winner


def test_colocated_practices_count_as_one_site_of_the_first_pcn_in_tie_order():
    """P4 (C, list 300, no flows) moved onto P3's site (B, list 1,800): the site is B's, so C is nearest to
    no LSOA, L6 stays with B by flows and C's catchment is empty (as East One Health's PCN in 2023)."""
    inputs = grid_inputs(p4_site=(1500, 500))
    assert assigned(inputs)["L6"] == ("B", BY_FLOWS)
    c = pcn_catchments(inputs, 2023).set_index("pcn_code").loc["C"]
    assert (c["n_lsoa"], c["geometry"].geom_type, c["geometry"].is_empty) == (0, "MultiPolygon", True)


def test_share_of_lsoa_residents():
    shares = lsoa_pcn_assignment(grid_inputs(), 2023).set_index("lsoa11_code")["share_of_lsoa_residents"]
    assert shares[["L1", "L2", "L3", "L5", "L6"]].tolist() == pytest.approx([50 / 60, 0.5, 30 / 35, 1.0, 0.0])
    assert np.isnan(shares["L4"])


def test_other_years_use_that_years_pcns():
    """In 2022 P2 is in B and P4 is not open: B gets L3 and keeps L6 by flows."""
    assert {code: pcn for code, (pcn, _) in assigned(grid_inputs(), 2022).items()} == {
        "L1": "A", "L2": "B", "L3": "B", "L4": "B", "L5": "B", "L6": "B"}
    assert pcn_catchments(grid_inputs(), 2022)["basis"].unique().tolist() == [
        "patient flows (July 2022 shares carried to FY2021/22)"]


def test_nearest_method_assigns_every_lsoa_by_distance():
    assert assigned(grid_inputs(), method="nearest") == {
        "L1": ("A", BY_NEAREST), "L2": ("A", BY_NEAREST), "L3": ("A", BY_NEAREST),  # L2: P2 600 m, P3 1,000 m
        "L4": ("B", BY_NEAREST), "L5": ("B", BY_NEAREST), "L6": ("C", BY_NEAREST)}


def test_nearest_catchments_are_labelled():
    catchments = pcn_catchments(grid_inputs(), 2023, "nearest")
    assert catchments["basis"].unique().tolist() == [NEAREST_BASIS]
    assert catchments["n_lsoa"].tolist() == [3, 2, 1]


def test_plurality_catchment_table():
    catchments = pcn_catchments(grid_inputs(), 2023)
    assert catchments.crs == BNG
    rows = by_pcn(catchments)
    assert list(rows) == ["A", "B", "C"]
    a, b, c = rows["A"], rows["B"], rows["C"]
    assert (a.pcn_name, a.method, a.basis, a.n_practices, a.practice_codes) == (
        "Alpha PCN", "plurality", "patient flows (July 2022)", 2, "P1, P2")
    assert (a.list_size, a.gp_fte, a.patients_per_gp_fte) == (1600, 2.0, 500.0)  # P2 reports no FTE: 1,000 / 2
    assert (b.list_size, b.gp_fte, b.patients_per_gp_fte) == (1800, 3.0, 600.0)
    assert (c.list_size, np.isnan(c.gp_fte), np.isnan(c.patients_per_gp_fte)) == (300, True, True)
    assert (a.n_lsoa, a.n_lsoa_nearest_fallback, a.registered_residents_in_catchment, a.pcn_patients_in_catchment,
            a.pcn_london_patients, a.share_of_pcn_patients_covered) == (2, 0, 95, 80, 100, 0.8)
    assert (b.n_lsoa, b.n_lsoa_nearest_fallback, b.registered_residents_in_catchment, b.pcn_patients_in_catchment,
            b.pcn_london_patients) == (3, 1, 80, 60, 105)
    assert b.share_of_pcn_patients_covered == pytest.approx(60 / 105)
    assert (c.basis, c.n_lsoa, c.n_lsoa_nearest_fallback, c.pcn_london_patients) == (BY_NEAREST_FALLBACK, 1, 1, 0)
    assert np.isnan(c.share_of_pcn_patients_covered)


def test_plurality_geometry_is_a_valid_multipolygon_partition():
    catchments = pcn_catchments(grid_inputs(), 2023)
    assert catchments.is_valid.all() and (catchments.geom_type == "MultiPolygon").all()
    geometry = catchments.set_index("pcn_code").geometry
    lsoa = grid_lsoa().set_index("area_code").geometry
    assert shapely.get_num_geometries(geometry["A"]) == 2  # L1 and L3 do not touch
    assert geometry["A"].equals(lsoa["L1"].union(lsoa["L3"]))
    assert geometry["B"].equals(lsoa["L2"].union(lsoa["L4"]).union(lsoa["L5"]))
    assert geometry["C"].equals(lsoa["L6"])


# ---- percent volume

def test_percent_volume_sets():
    """A: 50, 30 reach exactly 80 of 100, so L2 (20) is not needed.
    B: 40, 30 make 70 of 105 (< 84); L2 (20) crosses the threshold and is included."""
    catchments = pcn_catchments(grid_inputs(), 2023, "percent_volume").set_index("pcn_code")
    lsoa = grid_lsoa().set_index("area_code").geometry
    expected = {"A": ["L1", "L3"], "B": ["L2", "L5", "L6"], "C": ["L6"]}
    for pcn, codes in expected.items():
        assert catchments.geometry[pcn].equals(shapely.union_all(lsoa[codes].to_numpy())), pcn
        assert catchments.loc[pcn, "n_lsoa"] == len(codes)
    assert catchments["share_of_pcn_patients_covered"].tolist()[:2] == pytest.approx([0.8, 90 / 105])
    assert catchments.loc["C", "basis"] == BY_NEAREST_FALLBACK
    assert catchments.is_valid.all() and (catchments.geom_type == "MultiPolygon").all()


def test_percent_volume_share_is_a_parameter():
    catchments = pcn_catchments(grid_inputs(), 2023, "percent_volume", volume=0.5).set_index("pcn_code")
    assert catchments.loc[["A", "B"], "n_lsoa"].tolist() == [1, 2]  # A: L1 = 50%; B: L5 40 < 52.5, L6 crosses


# ---- the real bundle

@pytest.fixture(scope="module")
def real_2023(atlas):
    return {
        "plurality": lsoa_pcn_assignment(atlas, 2023),
        "nearest": lsoa_pcn_assignment(atlas, 2023, "nearest"),
        "catchments": pcn_catchments(atlas, 2023),
        "percent_volume": pcn_catchments(atlas, 2023, "percent_volume"),
    }


def test_real_every_london_lsoa_gets_exactly_one_pcn(atlas, real_2023):
    assignment = real_2023["plurality"]
    assert sorted(assignment["lsoa11_code"]) == sorted(atlas.lsoa["area_code"])
    assert assignment["pcn_code"].notna().all()
    assert real_2023["catchments"]["n_lsoa"].sum() == len(atlas.lsoa)


def test_real_one_catchment_per_located_london_pcn(atlas, real_2023):
    rows = atlas.practice_years[atlas.practice_years["year"] == 2023]
    located = rows[rows["is_gp"].fillna(False) & rows["open_in_year"] & rows["easting"].notna()]
    catchments = real_2023["catchments"]
    print(f"\n2023: {len(catchments)} PCN catchments")
    assert len(catchments) == located["pcn_code"].nunique()
    assert 180 <= len(catchments) <= 220
    assert catchments["pcn_code"].is_unique


def test_real_geometries_are_valid_and_tile_london(atlas, real_2023):
    for method in ("catchments", "percent_volume"):
        geometry = real_2023[method].geometry
        assert geometry.is_valid.all() and (geometry.geom_type == "MultiPolygon").all()
    assert real_2023["catchments"].area.sum() == pytest.approx(atlas.lsoa.area.sum(), rel=1e-9)


def test_real_percent_volume_covers_the_share(atlas, real_2023):
    with_flows = real_2023["percent_volume"].query("pcn_london_patients > 0")
    assert (with_flows["share_of_pcn_patients_covered"] >= 0.8).all()
    assert (with_flows["basis"] == flows_basis(atlas, 2023)).all()


def test_real_flows_versus_nearest_agreement(atlas, real_2023):
    plurality, nearest = (real_2023[m].set_index("lsoa11_code")["pcn_code"] for m in ("plurality", "nearest"))
    agreement = (plurality == nearest.reindex(plurality.index)).mean()
    fallback = (real_2023["plurality"]["assignment_basis"] != BY_FLOWS).sum()
    print(f"\n2023: plurality (flows) and nearest-practice PCN agree on {agreement:.1%} of LSOAs; "
          f"{fallback} LSOAs on the nearest-practice fallback")
    assert 0.5 < agreement < 1.0
    assert (real_2023["nearest"]["assignment_basis"] == BY_NEAREST).all()
    assert real_2023["catchments"]["basis"].isin([flows_basis(atlas, 2023), BY_NEAREST_FALLBACK]).all()

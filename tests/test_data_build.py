"""`build_model` on the whole fixture bundle: exact counts and totals worked out by hand.

Scenario: tests/fixtures/bundle.py. The years run from the first payments year (FY2018/19 = 2019)
or workforce year (2016), whichever is earlier, to the last of either (2025): 2016-2025.
Practice-years are the open years of the GP practices within them (F83001 2016-25 = 10, F83002
2016-21 = 6 as it closed 2020-06-30, Y06487 2020-25 = 6 as it opened 2019-06-19, F83005
2016-25 = 10) plus the one year the walk-in centre Y01234 has a workforce return (2019): 33.
"""
from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from data.geography import OVERVIEW_TOLERANCE_M, web_copy
from data.quality import QualityReport

LSOA = [f"E0100090{i}" for i in range(1, 7)]
BANDS = ["pop_0-4", "pop_5-14", "pop_15-44", "pop_45-64", "pop_65-74", "pop_75-84", "pop_85+"]


def join(model, name_start: str) -> dict:
    found = [j for j in model.quality.joins if j["join"].startswith(name_start)]
    assert len(found) == 1, [j["join"] for j in model.quality.joins]
    return found[0]


def total(model, name: str):
    return next(t["value"] for t in model.quality.totals if t["name"] == name)


# --------------------------------------------------------------------------- areas

def test_area_layers_counts_crs_and_validity(bundle_model):
    assert {level: len(layer) for level, layer in bundle_model.areas.items()} == {
        "lsoa11": 6, "msoa11": 2, "ward": 2, "borough": 2, "ccg19": 2, "icb": 1}
    for level, layer in bundle_model.areas.items():
        assert layer.crs == "EPSG:27700", level
        assert layer.is_valid.all(), level
        assert set(bundle_model.areas_web[level]["area_code"]) == set(layer["area_code"]), level
        assert bundle_model.areas_web[level].crs == "EPSG:4326", level


def test_web_copy_is_in_degrees_around_camden(bundle_model):
    minx, miny, maxx, maxy = bundle_model.areas_web["icb"].total_bounds
    assert -0.2 < minx < maxx < -0.05 and 51.5 < miny < maxy < 51.55


def test_web_copy_simplifies_at_the_level_tolerance_unless_told():
    # a 1 km square whose south edge bends 30 m out at its midpoint: kept at the LSOA's 20 m, gone at 45 m
    bent = shapely.Polygon([(530000, 180000), (530500, 179970), (531000, 180000), (531000, 181000), (530000, 181000)])
    layer = gpd.GeoDataFrame({"area_code": ["E01"], "area_name": ["bent"]}, geometry=[bent], crs="EPSG:27700")
    assert shapely.get_num_coordinates(web_copy(layer, "lsoa11").geometry.iloc[0]) == 6
    assert shapely.get_num_coordinates(web_copy(layer, "lsoa11", OVERVIEW_TOLERANCE_M["lsoa11"]).geometry.iloc[0]) == 5


def test_lsoa_memberships_and_centroids(bundle_model):
    lsoa = bundle_model.lsoa.set_index("area_code")
    assert lsoa["msoa11_code"].tolist() == ["E02000166"] * 3 + ["E02000554"] * 3
    assert lsoa["ward_code"].tolist() == ["E05000128"] * 2 + ["E05000129"] * 4  # L3's point is east of x=531100
    assert lsoa["ccg19_code"].tolist() == ["E38000027"] * 3 + ["E38000088"] * 3
    assert (lsoa["icb_code"] == "E54000028").all()
    assert lsoa["centroid_x"].tolist() == [530250, 530750, 531250, 531750, 532250, 532750]
    assert (lsoa["centroid_y"] == 181000).all()  # the repaired bow-tie is symmetric too


def test_every_coarse_level_counts_its_lsoas(bundle_model):
    n_lsoa = {level: dict(zip(layer["area_code"], layer["n_lsoa"], strict=True))
              for level, layer in bundle_model.areas.items() if level != "lsoa11"}
    assert n_lsoa == {"msoa11": {"E02000166": 3, "E02000554": 3}, "ward": {"E05000128": 2, "E05000129": 4},
                      "borough": {"E09000007": 3, "E09000019": 3}, "ccg19": {"E38000027": 3, "E38000088": 3},
                      "icb": {"E54000028": 6}}


# --------------------------------------------------------------------------- population

def test_lsoa_years_use_the_right_mid_year_and_bands_sum_to_population(bundle_model):
    years = bundle_model.lsoa_years
    assert len(years) == 6 * 10
    by_year = years.groupby("year").agg(mid=("population_mid_year", "first"), population=("population", "sum"))
    assert by_year["mid"].to_dict() == {**dict.fromkeys(range(2016, 2019), 2017), 2019: 2019, 2020: 2019,
                                        **dict.fromkeys(range(2021, 2026), 2020)}
    assert by_year["population"].to_dict() == {**dict.fromkeys(range(2016, 2019), 17_836), 2019: 18_382,
                                               2020: 18_382, **dict.fromkeys(range(2021, 2026), 18_928)}
    assert (years[BANDS].sum(axis=1) == years["population"]).all()


# --------------------------------------------------------------------------- practices

def test_practices_register(bundle_model):
    practices = bundle_model.practices
    assert practices.crs == "EPSG:27700"
    assert practices["practice_code"].tolist() == ["F83001", "F83002", "Y01234", "Y06487", "F83005"]
    assert practices.set_index("practice_code")["is_gp"].to_dict() == {
        "F83001": True, "F83002": True, "Y01234": False, "Y06487": True, "F83005": True}
    located = practices.dropna(subset=["easting"]).set_index("practice_code")
    assert located["lsoa11_code"].to_dict() == {"F83001": "E01000901", "F83002": "E01000906", "Y01234": "E01000905"}
    assert located["icb_code"].eq("E54000028").all()
    assert [(p.x, p.y) for p in located.geometry] == [(530250, 180500), (532750, 181800), (532250, 181500)]


def test_practice_years_keys_and_open_flags(bundle_model):
    years = bundle_model.practice_years
    assert len(years) == 33
    assert not years.duplicated(["practice_code", "year"]).any()
    assert years.groupby("practice_code")["year"].agg(["min", "max", "size"]).to_dict("index") == {
        "F83001": {"min": 2016, "max": 2025, "size": 10}, "F83002": {"min": 2016, "max": 2021, "size": 6},
        "F83005": {"min": 2016, "max": 2025, "size": 10}, "Y01234": {"min": 2019, "max": 2019, "size": 1},
        "Y06487": {"min": 2020, "max": 2025, "size": 6}}
    assert years["open_in_year"].all()


def test_gp_fte_per_year_with_the_revised_return_winning(bundle_model):
    years = bundle_model.practice_years
    gp = years[years["is_gp"]].groupby("year")["gp_fte"].sum(min_count=1).dropna().round(6).to_dict()
    assert gp == {2016: 10.0, 2017: 10.0, 2018: 8.5, 2019: 8.5, 2020: 11.0, 2021: 8.0, 2022: 8.0,
                  2023: 18.2, 2024: 19.5, 2025: 21.5}  # 2023: F83001 6.2 (later file) + 2.0 + 10.0
    assert bundle_model.years == list(range(2016, 2026))
    for year, fte in gp.items():
        assert total(bundle_model, f"{year}: London GP FTE (fully qualified)") == fte


def test_fte_status_explains_every_missing_fte(bundle_model):
    status = bundle_model.practice_years.set_index(["practice_code", "year"])["fte_status"]
    assert status[("F83005", 2018)] == "return without GP FTE"  # blank cell
    assert status[("F83005", 2019)] == "return without GP FTE"  # negative FTE set missing
    assert status[("F83002", 2021)] == "no workforce return"
    assert status[("Y06487", 2022)] == "no workforce return"  # its returns start in the 2023-2025 file
    assert status.value_counts().to_dict() == {"reported": 27, "no workforce return": 4, "return without GP FTE": 2}


def test_list_sizes_from_every_source(bundle_model):
    years = bundle_model.practice_years.set_index(["practice_code", "year"])
    assert years.loc[("F83001", 2016), "list_size"] == 9000
    assert years.loc[("F83001", 2023), "list_size"] == 9500.5  # 2023-2025 file
    assert years.loc[("F83001", 2019), ["payments_registered", "payments_weighted"]].tolist() == [9000, 8500.5]
    assert years.loc[("F83001", 2020), "payments_registered"] == 9500
    assert years.loc[("F83001", 2021), ["nhsd_registered", "nhsd_extracts"]].tolist() == [10000, 1]
    assert years.loc[("F83001", 2022), ["nhsd_registered", "nhsd_extracts"]].tolist() == [10200, 2]
    assert years.loc[("Y06487", 2022), "nhsd_registered"] == 53000
    assert total(bundle_model, "2022: London registered patients (NHSD monthly mean)") == 63_200


def test_pcns_take_the_newest_name_and_never_a_blank_one(bundle_model):
    pcns = bundle_model.pcns.set_index("pcn_code")["pcn_name"].to_dict()
    assert pcns == {"U11111": "CAMDEN CENTRAL PCN", "U22222": "NORTH ISLINGTON PCN", "U33333": "BABYLON PCN",
                    "U44444": "CAMDEN SOUTH PCN", "U99999": "STOCKTON PCN"}


# --------------------------------------------------------------------------- flows

def test_flows_flags_and_totals(bundle_model):
    flows = bundle_model.flows
    assert len(flows) == 7 and (flows["year"] == 2023).all()
    assert flows.loc[flows["practice_in_london"], "patients"].sum() == 188  # 100+50+5+2+1+30
    assert flows.loc[flows["lsoa_in_london"], "patients"].sum() == 187  # 100+50+30+7
    assert flows.loc[flows["practice_in_london"] & flows["lsoa_in_london"], "patients"].sum() == 180
    assert total(bundle_model, "Flows (July 2022): patients of London practices") == 188


# --------------------------------------------------------------------------- the quality report

EXPECTED_JOINS = [
    "LSOA -> CCG 2019 (ONS lookup)", "LSOA -> ICB 2022 (ONS lookup)",
    "LSOA -> ward (representative point in ward polygon)", "LSOA -> IMD 2019", "LSOA -> IMD 2019 indicators",
    "LSOA -> PTAL 2015", "LSOA -> population mid-2017", "LSOA -> population mid-2019", "LSOA -> population mid-2020",
    "payments practice codes -> London register (epraccur)", "workforce practice codes -> London register (epraccur)",
    "practice sites -> lsoa11 (sjoin within, nearest <= 500 m)", "practice sites -> msoa11 (sjoin within)",
    "practice sites -> ward (sjoin within)", "practice sites -> borough (sjoin within)",
    "practice sites -> ccg19 (sjoin within)", "practice sites -> icb (sjoin within)",
    "Active GP practices in the latest register (2025-11) -> Code-Point location",
    "All GP practices ever in the register (latest postcode) -> Code-Point location",
    "Open GP practice-years (2020+) -> PCN (ePCN; 31 March, else last spell in the year)",
    "GP practice-years -> location that year",
    "Flows: practice x LSOA rows -> London practice and London LSOA",
]


def test_every_join_is_listed_with_a_match_rate(bundle_model):
    joins = bundle_model.quality.joins
    assert [j["join"] for j in joins] == EXPECTED_JOINS
    for j in joins:
        assert j["match_rate"] == round(j["matched"] / j["total"], 6), j["join"]


def test_unmatched_active_practices_are_named_with_their_reasons(bundle_model):
    active = join(bundle_model, "Active GP practices")
    assert (active["total"], active["matched"], active["match_rate"]) == (3, 1, 0.333333)
    assert active["unmatched"] == [
        {"practice_code": "Y06487", "name": "BABYLON GP AT HAND BIRMINGHAM", "postcode": "B94EY",
         "reason": "postcode outside the London postcode areas (not in London Code-Point)"},
        {"practice_code": "F83005", "name": "NORTHERN ROAD SURGERY", "postcode": "N77ZZ",
         "reason": "postcode not in Code-Point Open (newest or older London releases)"}]
    text = bundle_model.quality.to_text()
    assert "practice_code=Y06487, name=BABYLON GP AT HAND BIRMINGHAM, postcode=B94EY" in text


def test_other_joins_have_hand_checked_counts(bundle_model):
    counts = {name: (j["total"], j["matched"], j["reasons"]) for name, j in
              ((j["join"], j) for j in bundle_model.quality.joins)}
    assert counts["All GP practices ever in the register (latest postcode) -> Code-Point location"][:2] == (4, 2)
    assert counts["GP practice-years -> location that year"][:2] == (32, 16)  # Y06487 6 + F83005 10 unplaced
    assert counts["payments practice codes -> London register (epraccur)"][:2] == (4, 3)
    assert counts["practice sites -> lsoa11 (sjoin within, nearest <= 500 m)"] == (
        5, 5, {"snapped to nearest lsoa11 (point in a boundary gap)": 1})
    assert counts["Open GP practice-years (2020+) -> PCN (ePCN; 31 March, else last spell in the year)"] == (
        20, 18, {"no ePCN relationship in force during the year": 2})  # F83002 keeps U11111 in FY2020/21
    assert counts["Flows: practice x LSOA rows -> London practice and London LSOA"] == (7, 3, {
        "LSOA not assigned (NO2011)": 1, "Welsh LSOA": 1, "LSOA outside London (London practice)": 1,
        "practice outside London (London resident)": 1})
    assert join(bundle_model, "payments practice codes")["unmatched"] == [
        {"practice_code": "Z99999", "reason": "not in any London epraccur snapshot"}]
    assert [(u["practice_code"], u["year"]) for u in join(bundle_model, "Open GP practice-years")["unmatched"]] == [
        ("Y06487", 2020), ("Y06487", 2025)]


def test_file_entries_notes_and_totals(bundle_model):
    quality = bundle_model.quality
    files = {f["file"]: f for f in quality.files}
    # 4 shapefiles + 2 GeoPackage layers + 2 lookups + 3 population + 2 epraccur + 2 Code-Point + 2 payments
    # + 2 workforce + 3 registered totals + 3 ePCN + 1 flows (IMD and PTAL are reported as joins).
    assert len(files) == 26
    assert files["epraccur_london_2019-12.csv"]["dropped"] == {"national grouping not Y56 (not London)": 1}
    assert files["nhs_payments_to_general_practice_london_2019-20.csv"]["detail"].startswith("FY label 2020")
    assert total(bundle_model, "London LSOAs (2011)") == 6
    assert [total(bundle_model, f"London resident population mid-{m}") for m in (2017, 2019, 2020)] == [
        17_836, 18_382, 18_928]
    assert quality.notes[0] == ("Workforce files overlap on 4 practice-years (2023, 2024); the later file's values "
                                "are used; GP FTE differs by more than 0.05 in 1 of them.")
    assert any(note.endswith("excluded from provision measures: Y01234.") for note in quality.notes)


def test_report_round_trips_through_its_json_form(bundle_model):
    again = QualityReport.from_dict(bundle_model.quality.to_dict())
    assert again.to_text() == bundle_model.quality.to_text()


@pytest.mark.parametrize("level", ["lsoa11", "msoa11", "ward", "borough", "ccg19", "icb"])
def test_practice_year_area_codes_exist_in_the_area_layers(bundle_model, level):
    codes = bundle_model.practice_years[f"{level}_code"].dropna()
    assert len(codes) == 17 and codes.isin(bundle_model.areas[level]["area_code"]).all()

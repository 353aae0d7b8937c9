"""Practice-level rules: geocoding, location per year, areas, PCN on 31 March, open years, lists, FTE."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from data.errors import CRSError
from data.geography import read_area_layers
from data.practices import (
    assign_areas,
    combine_workforce,
    geocode,
    latest_register,
    nearest_snapshot,
    open_in_year,
    pcn_membership,
    registered_by_year,
)
from data.quality import QualityReport
from data.readers import read_codepoint
from data.sources import Inventory

OUTSIDE = "postcode outside the London postcode areas (not in London Code-Point)"
NOT_IN_CODEPOINT = "postcode not in Code-Point Open (newest or older London releases)"
T = pd.Timestamp


# --------------------------------------------------------------------------- geocoding

def test_geocode_uses_current_then_older_releases_and_explains_failures(data_bundle):
    current = read_codepoint(data_bundle / "practices/codepoint_open_london_2025-10.csv.gz", QualityReport(),
                             release="2025.4.0")
    older = read_codepoint(data_bundle / "practices/codepoint_open_london_older_releases_not_in_2025.csv.gz",
                           QualityReport())
    postcodes = pd.Series(["NW12AA", "NW19ZZ", "NW18ZZ", "B94EY", "N77ZZ", "NW12AA", None])

    located = geocode(postcodes, current, older).set_index("postcode")

    assert len(located) == 5  # distinct, missing dropped
    assert located.loc["NW12AA", ["easting", "northing", "release"]].tolist() == [530250, 180500, "2025.4.0"]
    assert located.loc["NW19ZZ", ["easting", "northing", "release"]].tolist() == [532750, 181800, "2014"]
    assert located.loc["NW18ZZ", "release"] == "2024.1.0"
    assert located.loc["B94EY", "unlocated_reason"] == OUTSIDE
    assert located.loc["N77ZZ", "unlocated_reason"] == NOT_IN_CODEPOINT
    assert located.loc[["NW12AA", "NW19ZZ"], "unlocated_reason"].isna().all()


# --------------------------------------------------------------------------- location per year

def test_nearest_snapshot_only_considers_snapshots_that_were_read():
    dates = {"2019-12": T("2019-12-20"), "2025-11": T("2025-11-13")}
    # FY midpoint 1 Oct Y-1: 2023 -> 2022-10-01 is 1,016 days after 2019-12-20 and 1,139 before 2025-11-13.
    assert nearest_snapshot(list(range(2015, 2026)), dates) == {
        **{year: "2019-12" for year in range(2015, 2024)}, 2024: "2025-11", 2025: "2025-11"}


def test_practice_location_per_year_prefers_payments_then_nearest_snapshot(bundle_model):
    years = bundle_model.practice_years.set_index(["practice_code", "year"])
    f83001 = years.loc["F83001", ["postcode", "location_source", "lsoa11_code"]]
    nearest = "epraccur (nearest snapshot)"
    expected = {
        **{y: ("NW13AA", nearest, "E01000902") for y in (2016, 2017, 2018, 2021, 2022, 2023)},
        2019: ("NW13AA", "payments", "E01000902"),  # payments postcode 'nw1 3aa'
        2020: ("NW14AA", "payments", "E01000904"),  # payments postcode 'NW1  4AA' wins over epraccur
        2024: ("NW12AA", nearest, "E01000901"), 2025: ("NW12AA", nearest, "E01000901"),
    }
    assert {y: tuple(row) for y, row in f83001.iterrows()} == expected


def test_practice_missing_from_the_nearest_snapshot_falls_back_to_latest_register(bundle_model):
    row = bundle_model.practice_years.set_index(["practice_code", "year"]).loc[("Y01234", 2019)]
    assert (row["postcode"], row["location_source"], row["lsoa11_code"]) == ("NW15AA", "epraccur (latest)", "E01000905")


def test_closed_practice_is_located_by_an_older_codepoint_release(bundle_model):
    practice = bundle_model.practices.set_index("practice_code").loc["F83002"]
    assert (practice["easting"], practice["northing"], practice["codepoint_release"]) == (532750, 181800, "2014")
    assert practice["lsoa11_code"] == "E01000906"  # in the bow-tie gap, 194 m from L6: snapped


def test_unlocated_practices_keep_a_reason_and_no_geometry(bundle_model):
    practices = bundle_model.practices.set_index("practice_code")
    assert practices.loc["Y06487", "unlocated_reason"] == OUTSIDE  # Birmingham B9 4EY
    assert practices.loc["F83005", "unlocated_reason"] == NOT_IN_CODEPOINT  # N7 7ZZ
    assert practices.loc[["Y06487", "F83005"]].geometry.isna().all()
    assert practices.loc[["Y06487", "F83005"], "lsoa11_code"].isna().all()
    years = bundle_model.practice_years
    assert years.loc[years["practice_code"] == "Y06487", "easting"].isna().all()


# --------------------------------------------------------------------------- areas of points

def test_assign_areas_within_then_nearest_within_500_m(data_bundle):
    report = QualityReport()
    layers = read_area_layers(Inventory(data_bundle), report)
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([530250, 531750, 532750, 540000],
                                                          [180500, 180500, 181800, 190000]), crs="EPSG:27700")
    report = QualityReport()

    areas = assign_areas(points, layers, report, "test points")

    assert areas["lsoa11_code"].tolist()[:3] == ["E01000901", "E01000904", "E01000906"]
    assert areas["ward_code"].tolist()[:3] == ["E05000128", "E05000129", "E05000129"]
    assert areas["borough_code"].tolist()[:3] == ["E09000007", "E09000019", "E09000019"]
    assert areas["ccg19_code"].tolist()[:3] == ["E38000027", "E38000088", "E38000088"]
    assert areas.iloc[3].isna().all()  # (540000, 190000) is kilometres from every area
    lsoa_join = report.joins[0]
    assert lsoa_join["join"] == "test points -> lsoa11 (sjoin within, nearest <= 500 m)"
    assert (lsoa_join["total"], lsoa_join["matched"]) == (4, 3)
    assert lsoa_join["reasons"] == {"snapped to nearest lsoa11 (point in a boundary gap)": 1,
                                    "no lsoa11 within 500 m": 1}
    assert lsoa_join["unmatched"] == [{"easting": 540000.0, "northing": 190000.0, "reason": "no lsoa11 within 500 m"}]


def test_assign_areas_refuses_points_not_in_british_national_grid(data_bundle):
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy([-0.1], [51.5]), crs="EPSG:4326")
    with pytest.raises(CRSError, match="EPSG:27700"):
        assign_areas(points, {}, QualityReport(), "points")


# --------------------------------------------------------------------------- PCN membership

def relationships(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["practice_code", "pcn_code", "start_date", "end_date", "snapshot"]).astype(
        {"start_date": "datetime64[us]", "end_date": "datetime64[us]"})


def membership(frame: pd.DataFrame, years: list[int]) -> dict[tuple[str, int], str]:
    found = pcn_membership(frame, years)
    return {(r.practice_code, r.year): r.pcn_code for r in found.itertuples()}


def test_pcn_relationship_counts_from_its_start_to_its_end_inclusive():
    frame = relationships(("P1", "U1", T("2020-04-01"), T("2024-03-31"), "2024-10"))
    # In force on 31 March 2021..2024; not on 31 March 2020 (before the start) nor 2025 (after the end).
    assert membership(frame, [2020, 2021, 2024, 2025]) == {("P1", 2021): "U1", ("P1", 2024): "U1"}


def test_pcn_end_date_recorded_by_a_newer_snapshot_overrides_an_older_open_ended_one():
    frame = relationships(("P1", "U1", T("2019-07-01"), pd.NaT, "2019-12"),
                          ("P1", "U1", T("2019-07-01"), T("2020-06-30"), "2022-05"))
    # Ended 30 June 2020: still its PCN for FY2020/21 (in force part of the year), none in 2022.
    assert membership(frame, [2020, 2021, 2022]) == {("P1", 2020): "U1", ("P1", 2021): "U1"}


def test_pcn_on_31_march_beats_an_earlier_spell_in_the_year_and_gaps_fall_back_to_the_last_spell():
    frame = relationships(("P1", "U1", T("2019-07-01"), T("2022-09-30"), "2024-10"),
                          ("P1", "U2", T("2022-10-01"), pd.NaT, "2024-10"),
                          ("P2", "U3", T("2019-10-01"), T("2022-04-01"), "2024-10"),
                          ("P2", "U3", T("2023-04-01"), pd.NaT, "2024-10"))
    # FY2022/23: P1 moved U1 -> U2 in October (U2 on 31 March); P2 had no PCN on 31 March 2023
    # (ODS gap from 2 April 2022) and keeps the spell in force on 1 April 2022.
    assert membership(frame, [2023, 2024]) == {("P1", 2023): "U2", ("P1", 2024): "U2",
                                               ("P2", 2023): "U3", ("P2", 2024): "U3"}


def test_pcn_move_newer_snapshot_wins_when_two_relationships_are_in_force():
    frame = relationships(("P1", "U1", T("2019-07-01"), pd.NaT, "2019-12"),  # old snapshot: still in U1
                          ("P1", "U2", T("2019-07-01"), pd.NaT, "2024-10"))  # newer snapshot: in U2 all along
    assert membership(frame, [2020, 2025]) == {("P1", 2020): "U2", ("P1", 2025): "U2"}


def test_pcn_membership_on_the_fixture_bundle(bundle_model):
    pcn = bundle_model.practice_years.set_index(["practice_code", "year"])["pcn_code"].dropna().to_dict()
    assert pcn == {
        **{("F83001", y): "U11111" for y in (2020, 2021, 2022)},  # left U11111 on 30 June 2022
        **{("F83001", y): "U44444" for y in (2023, 2024, 2025)},
        # ended 30 June 2020 (2022-05 snapshot): in force in FY2020/21
        **{("F83002", y): "U11111" for y in (2020, 2021)},
        **{("F83005", y): "U22222" for y in range(2020, 2026)},
        **{("Y06487", y): "U33333" for y in (2021, 2022, 2023, 2024)},  # 1 April 2020 .. 31 March 2024
    }


# --------------------------------------------------------------------------- open years, lists, FTE

def test_open_in_year_rule():
    register = pd.DataFrame({
        "practice_code": ["opens_mid_year", "closes_in_q1", "closes_31_march", "opens_1_april", "no_dates"],
        "open_date": [T("2019-06-19"), T("1990-01-01"), T("1990-01-01"), T("2020-04-01"), pd.NaT],
        "close_date": [pd.NaT, T("2020-06-30"), T("2020-03-31"), pd.NaT, pd.NaT]})
    grid = open_in_year(register, [2019, 2020, 2021, 2022]).set_index(["practice_code", "year"])["open_in_year"]
    assert grid.unstack().astype(bool).to_dict("index") == {
        "closes_31_march": {2019: True, 2020: True, 2021: False, 2022: False},
        "closes_in_q1": {2019: True, 2020: True, 2021: True, 2022: False},
        "no_dates": {2019: True, 2020: True, 2021: True, 2022: True},
        "opens_1_april": {2019: False, 2020: False, 2021: True, 2022: True},
        "opens_mid_year": {2019: False, 2020: True, 2021: True, 2022: True},
    }


def test_registered_by_year_is_the_mean_of_the_extracts_in_each_financial_year():
    monthly = pd.DataFrame({
        "practice_code": ["P1"] * 4 + ["P2"],
        "extract_date": [T("2021-01-01"), T("2021-03-31"), T("2021-04-01"), T("2022-03-01"), T("2021-06-01")],
        "registered": [100.0, 200.0, 1000.0, 2000.0, 7.0]})
    out = registered_by_year(monthly).set_index(["practice_code", "year"])
    assert out["nhsd_registered"].to_dict() == {("P1", 2021): 150.0, ("P1", 2022): 1500.0, ("P2", 2022): 7.0}
    assert out["nhsd_extracts"].to_dict() == {("P1", 2021): 2, ("P1", 2022): 2, ("P2", 2022): 1}


def workforce(rows, source: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["practice_code", "year", "gp_fte"]).assign(workforce_source=source)


def test_combine_workforce_later_file_wins_on_overlap_whatever_the_order_given():
    early = workforce([("P1", 2022, 4.0), ("P1", 2023, 5.0), ("P2", 2023, 3.0)], "fy2016-2024")
    late = workforce([("P1", 2023, 5.5), ("P2", 2023, 3.0), ("P1", 2025, 6.0)], "fy2023-2025")
    report = QualityReport()

    combined = combine_workforce([late, early], report).set_index(["practice_code", "year"])

    assert combined["gp_fte"].to_dict() == {("P1", 2022): 4.0, ("P1", 2023): 5.5, ("P2", 2023): 3.0, ("P1", 2025): 6.0}
    assert combined.loc[("P1", 2023), "workforce_source"] == "fy2023-2025"
    assert report.notes == ["Workforce files overlap on 2 practice-years (2023); the later file's values are used; "
                            "GP FTE differs by more than 0.05 in 1 of them."]


def test_latest_register_takes_the_newest_snapshot_and_treats_a_blank_setting_as_not_gp():
    columns = ["practice_code", "postcode", "prescribing_setting"]
    old = pd.DataFrame([("P1", "NW12AA", 4), ("P2", "N11AA", 4)], columns=columns)
    new = pd.DataFrame([("P1", "NW13AA", 4), ("P3", "E11AA", pd.NA)], columns=columns).astype(
        {"prescribing_setting": "Int64"})
    register = latest_register({"2025-11": new, "2019-12": old}).set_index("practice_code")
    assert register["postcode"].to_dict() == {"P1": "NW13AA", "P2": "N11AA", "P3": "E11AA"}
    assert register["latest_snapshot"].to_dict() == {"P1": "2025-11", "P2": "2019-12", "P3": "2025-11"}
    assert register["is_gp"].to_dict() == {"P1": True, "P2": True, "P3": False}
    assert register["is_gp"].dtype == np.dtype(bool)

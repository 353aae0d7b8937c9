"""Each raw-file reader on the fixture bundle (tests/fixtures/bundle.py), with hand-checked values."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from data.geography import attach_lsoa_attributes
from data.quality import QualityReport
from data.readers import (
    clean_polygons,
    normalise_postcode,
    postcode_area,
    read_boundaries,
    read_codepoint,
    read_epcn,
    read_epraccur,
    read_flows,
    read_payments,
    read_population_syoa,
    read_registered_totals,
    read_workforce,
)
from data.sources import Inventory

GLA = "geography/london_datastore_statistical_gis_boundaries"


def only_file_entry(report: QualityReport) -> dict:
    assert len(report.files) == 1
    return report.files[0]


# --------------------------------------------------------------------------- postcodes

def test_normalise_postcode_upper_cases_and_removes_every_space():
    raw = pd.Series(["n20  0dh", "NW1 2AA", " sw1a 1aa ", None])
    assert normalise_postcode(raw).tolist() == ["N200DH", "NW12AA", "SW1A1AA", pd.NA]


def test_postcode_area_is_the_leading_letters():
    assert postcode_area(pd.Series(["N200DH", "B94EY", "SW1A1AA", "EC1A1BB"])).tolist() == ["N", "B", "SW", "EC"]


# --------------------------------------------------------------------------- epraccur

def test_epraccur_is_read_without_a_header_and_keeps_london_rows(data_bundle):
    report = QualityReport()
    frame = read_epraccur(data_bundle / "practices/epraccur_london_2019-12.csv", report)

    # 5 records, the first is data (no header row); A81001 (grouping Y63) is dropped.
    assert frame["practice_code"].tolist() == ["F83001", "F83002", "Y06487", "F83005"]
    first = frame.iloc[0]
    assert first["practice_name"] == "THE PARK SURGERY"
    assert first["postcode"] == "NW13AA"
    assert first["open_date"] == pd.Timestamp("1974-04-01") and pd.isna(first["close_date"])
    assert first["prescribing_setting"] == 4 and first["status_code"] == "A"
    entry = only_file_entry(report)
    assert (entry["rows_in"], entry["rows_kept"]) == (5, 4)
    assert entry["dropped"] == {"national grouping not Y56 (not London)": 1}
    assert entry["detail"] == "4 GP practices (setting 4), 4 active"


def test_epraccur_close_date_status_and_setting(data_bundle):
    frame = read_epraccur(data_bundle / "practices/epraccur_london_2025-11.csv",
                          QualityReport()).set_index("practice_code")
    assert frame.loc["F83002", "close_date"] == pd.Timestamp("2020-06-30")
    assert frame.loc["F83002", "status_code"] == "C"
    assert frame.loc["Y01234", "prescribing_setting"] == 1
    assert frame.loc["Y06487", "postcode"] == "B94EY"


# --------------------------------------------------------------------------- ePCN

def test_epcn_headers_with_embedded_newlines_are_matched(data_bundle):
    path = data_bundle / "practices/ePCN_2024-10.xlsx"
    raw = pd.read_excel(path, sheet_name="PCN Core Partner Details")
    assert "Partner\nOrganisation\nCode" in raw.columns  # the fixture really has the published headers

    partners, details = read_epcn(path, "2024-10", QualityReport())

    assert list(partners.columns) == ["practice_code", "pcn_code", "pcn_name", "start_date", "end_date", "snapshot"]
    ended = partners[(partners["practice_code"] == "F83001") & (partners["pcn_code"] == "U11111")].iloc[0]
    assert ended["start_date"] == pd.Timestamp("2019-07-01")
    assert ended["end_date"] == pd.Timestamp("2022-06-30")
    assert partners["end_date"].isna().sum() == 2  # F83001 -> U44444 and F83005 -> U22222 are open-ended
    assert dict(zip(details["pcn_code"], details["pcn_name"], strict=True))["U22222"] == "NORTH ISLINGTON PCN"


def test_epcn_2019_layout_numeric_dates_and_formula_names(data_bundle):
    partners, details = read_epcn(data_bundle / "practices/ePCN_2019-12.xlsx", "2019-12", QualityReport())
    assert len(partners) == 4
    assert (partners["start_date"] == pd.Timestamp("2019-07-01")).all()
    # Names in the partner sheet are VLOOKUP formulas with no stored value; the details sheet has them.
    assert partners["pcn_name"].isna().all()
    assert set(details["pcn_name"]) == {"STOCKTON PCN", "CAMDEN CENTRAL PCN", "ISLINGTON NORTH PCN"}


# --------------------------------------------------------------------------- boundaries

LSOA_COLUMNS = {"LSOA11CD": "area_code", "LSOA11NM": "area_name"}


def test_esri_prj_is_not_an_epsg_crs_but_the_reader_sets_27700(data_bundle):
    path = data_bundle / GLA / "LSOA_2011_London_gen_MHW.shp"
    assert gpd.read_file(path).crs.to_epsg() is None  # what pyproj makes of the ESRI WKT
    frame = read_boundaries(path, LSOA_COLUMNS, "LSOAs", QualityReport())
    assert frame.crs == "EPSG:27700"


def test_bow_tie_lsoa_is_repaired_into_two_valid_triangles(data_bundle):
    path = data_bundle / GLA / "LSOA_2011_London_gen_MHW.shp"
    assert gpd.read_file(path).is_valid.tolist() == [True] * 5 + [False]
    report = QualityReport()

    frame = read_boundaries(path, LSOA_COLUMNS, "LSOAs", report)

    assert frame.is_valid.all()
    assert (frame.geom_type == "MultiPolygon").all()
    bow_tie = frame.geometry.iloc[5]
    assert len(bow_tie.geoms) == 2
    assert bow_tie.area == pytest.approx(500_000)  # two triangles, base 2,000 m x height 250 m / 2 each
    assert frame.area.iloc[:5].tolist() == [1_000_000] * 5
    assert only_file_entry(report)["detail"].startswith("1 invalid polygons repaired with make_valid")


def test_sliver_hole_is_removed_and_a_real_hole_kept(data_bundle):
    gpkg = data_bundle / "geography/london_geography.gpkg"
    raw = gpd.read_file(gpkg, layer="icb22_derived_dissolve_lsoa").geometry.iloc[0].geoms[0]
    assert len(raw.interiors) == 2
    report = QualityReport()

    frame = read_boundaries(gpkg, {"icb22_code": "area_code", "icb22_name": "area_name"}, "ICBs", report,
                            layer="icb22_derived_dissolve_lsoa")

    polygon = frame.geometry.iloc[0].geoms[0]
    assert len(polygon.interiors) == 1
    assert polygon.area == pytest.approx(3_000 * 2_000 - 10 * 10)  # the 0.25 m2 sliver is filled
    assert "1 sliver holes under 1 m2 removed" in only_file_entry(report)["detail"]
    assert only_file_entry(report)["file"] == "london_geography.gpkg:icb22_derived_dissolve_lsoa"


def test_clean_polygons_keeps_polygons_nested_in_collections_and_flags_collapsed_features():
    spike_and_square = shapely.from_wkt(  # make_valid -> GEOMETRYCOLLECTION (MULTIPOLYGON (...), LINESTRING (...))
        "MULTIPOLYGON (((0 0, 10 0, 10 10, 20 10, 10 10, 0 10, 0 0)), ((30 0, 40 0, 40 10, 30 10, 30 0)))")
    flat = shapely.from_wkt("POLYGON ((0 0, 10 0, 20 0, 0 0))")  # no area at all
    holed = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100)],
                            [[(10, 10), (10.5, 10), (10.5, 10.5), (10, 10.5)],
                             [(50, 50), (60, 50), (60, 60), (50, 60)]])

    cleaned, slivers = clean_polygons(np.array([spike_and_square, flat, holed], dtype=object))

    assert shapely.area(cleaned[0]) == 200  # both squares survive, the spike line is dropped
    assert cleaned[1] is None
    assert shapely.area(cleaned[2]) == 100 * 100 - 10 * 10
    assert slivers == 1
    assert shapely.is_valid(cleaned[[0, 2]]).all()


# --------------------------------------------------------------------------- Code-Point

def test_codepoint_drops_unlocated_and_duplicate_records(data_bundle):
    report = QualityReport()
    frame = read_codepoint(data_bundle / "practices/codepoint_open_london_2025-10.csv.gz", report, release="2025.4.0")

    located = frame.set_index("postcode")[["easting", "northing"]]
    assert sorted(located.index) == ["NW12AA", "NW13AA", "NW14AA", "NW15AA", "NW17AA"]
    assert located.loc["NW13AA"].tolist() == [530750, 181500]  # the first good record of a duplicate
    assert located.loc["NW17AA"].tolist() == [531250, 181250]  # a good record after an unusable one
    entry = only_file_entry(report)
    assert (entry["rows_in"], entry["rows_kept"]) == (8, 5)
    assert entry["dropped"] == {"no coordinates (PQ 90 or 0,0)": 2, "duplicate postcode": 1}
    assert (frame["release"] == "2025.4.0").all()


def test_codepoint_older_releases_keep_the_newest_record(data_bundle):
    frame = read_codepoint(data_bundle / "practices/codepoint_open_london_older_releases_not_in_2025.csv.gz",
                           QualityReport()).set_index("postcode")
    assert frame.loc["NW18ZZ", ["easting", "northing", "release"]].tolist() == [530200, 180200, "2024.1.0"]
    assert frame.loc["NW19ZZ", "release"] == "2014"


# --------------------------------------------------------------------------- payments, workforce, registrations

def test_payments_normalises_postcodes_and_drops_a_repeated_practice(data_bundle):
    report = QualityReport()
    frame = read_payments(data_bundle / "practices/nhs_payments_to_general_practice_london_2018-19.csv", 2019, report)
    rows = frame.set_index("practice_code")
    assert rows.index.tolist() == ["F83001", "F83002", "F83005"]
    assert rows.loc["F83001", "payments_postcode"] == "NW13AA"  # written 'nw1 3aa'
    assert rows.loc["F83002", ["payments_registered", "payments_weighted"]].tolist() == [4000, 4100.25]
    assert rows.loc["F83005", "payments_registered"] == 3000  # the first of the two F83005 rows
    assert (frame["year"] == 2019).all()
    assert only_file_entry(report)["dropped"] == {"duplicate practice code": 1}


def test_workforce_reads_both_file_shapes(data_bundle):
    older = read_workforce(data_bundle / "practices/heec_workforce_year_london_fy2016-2024.csv", QualityReport())
    newer = read_workforce(data_bundle / "practices/heec_workforce_year_london_fy2023-2025.csv", QualityReport())

    assert len(older) == 24 and len(newer) == 9
    assert "nurse_fte" not in older and "admin_fte" in older  # the 2016-2024 series has no nurse columns
    assert {"nurse_fte", "dpc_fte", "admin_fte"} <= set(newer.columns)
    fte = older.set_index(["practice_code", "year"])["gp_fte"]
    assert fte[("F83001", 2018)] == 5.5
    assert np.isnan(fte[("F83005", 2018)])  # blank cell
    assert np.isnan(fte[("F83005", 2019)])  # -1 in the file: negative FTE is set missing
    assert newer.set_index(["practice_code", "year"]).loc[("F83001", 2023), "list_size"] == 9500.5
    assert set(newer["workforce_source"]) == {"heec_workforce_year_london_fy2023-2025.csv"}


def test_workforce_report_counts_blank_and_negative_fte(data_bundle):
    report = QualityReport()
    read_workforce(data_bundle / "practices/heec_workforce_year_london_fy2016-2024.csv", report)
    assert only_file_entry(report)["detail"] == "years 2016-2024; GP FTE missing in 2 rows (1 negative set missing)"


def test_registered_totals_parse_both_month_spellings(data_bundle):
    january = read_registered_totals(data_bundle / "practices/gp-reg-pat-prac-all_2021-01.csv", QualityReport())
    june = read_registered_totals(data_bundle / "practices/gp-reg-pat-prac-all_2021-06.csv", QualityReport())
    assert set(january["extract_date"]) == {pd.Timestamp("2021-01-01")}  # '01JAN2021'
    assert set(june["extract_date"]) == {pd.Timestamp("2021-06-01")}  # '01Jun2021'
    assert dict(zip(june["practice_code"], june["registered"], strict=True)) == {
        "A84002": 5995, "F83001": 10100, "Y06487": 52000}


def test_flows_drop_a_missing_count(data_bundle):
    report = QualityReport()
    flows = read_flows(data_bundle / "registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz", report)
    assert len(flows) == 7
    assert flows["patients"].sum() == 100 + 50 + 5 + 2 + 1 + 30 + 7
    assert only_file_entry(report)["dropped"] == {"patient count missing or negative": 1}


# --------------------------------------------------------------------------- population, IMD, PTAL

def test_population_age_bands_hand_checked_and_summing_to_totals(data_bundle):
    report = QualityReport()
    frame = read_population_syoa(data_bundle / "geography/population/lsoa11_population_syoa_mid2017_london.csv",
                                 2017, report)
    bands = [f"pop_{b}" for b in ("0-4", "5-14", "15-44", "45-64", "65-74", "75-84", "85+")]
    ramp = frame.iloc[0]  # L1: age a has a + 1 residents (90+ has 91)
    assert ramp[bands].tolist() == [15, 105, 915, 1110, 705, 805, 531]
    assert ramp["population"] == 4186
    assert frame.iloc[1][bands].tolist() == [50, 100, 300, 200, 100, 100, 60]  # L2: 10 residents at every age
    assert (frame[bands].sum(axis=1) == frame["population"]).all()
    assert frame["population"].sum() == 17_836
    assert only_file_entry(report)["detail"] == (
        "mid-2017; London total 17,836; 1 rows where ages do not sum to total_population")


def test_imd_indicators_and_ptal_labels_are_attached(data_bundle):
    lsoa = gpd.GeoDataFrame({"area_code": [f"E0100090{i}" for i in range(1, 7)]},
                            geometry=[shapely.Point(0, 0)] * 6, crs="EPSG:27700")
    report = QualityReport()

    out = attach_lsoa_attributes(lsoa, Inventory(data_bundle), report)

    assert out["ptal"].tolist() == ["6b", "2", "1a", "3", "0", "4"]  # '2.00000' and '3.00000' normalised
    assert out["imd_decile"].tolist() == [1, 2, 5, 7, 9, 10]
    assert out["road_dist_gp_km"].tolist() == [0.3, 0.45, 0.6, 0.75, 0.9, 1.2]
    assert out["ptai"].iloc[1] == 12.5
    assert [j["match_rate"] for j in report.joins] == [1.0, 1.0, 1.0]

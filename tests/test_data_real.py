"""Integration tests over the real open-data bundle through `data.loader.load_atlas()`.

The expected figures come from the bundle's PROVENANCE.md files (counted there from the raw
files), not from this code. Skipped, with the reason, when the data directory is absent.
"""
from __future__ import annotations

import pandas as pd
import pytest

from data.config import data_dir

pytestmark = pytest.mark.real_data

OUTSIDE = "postcode outside the London postcode areas (not in London Code-Point)"


def test_4835_lsoas_each_in_every_coarser_area(atlas):
    lsoa = atlas.lsoa
    assert len(lsoa) == 4_835 and lsoa["area_code"].is_unique
    for column in ("msoa11_code", "ward_code", "borough_code", "ccg19_code", "icb_code"):
        assert lsoa[column].notna().all(), column
        assert lsoa[column].isin(atlas.areas[column.removesuffix("_code")]["area_code"]).all(), column
    assert lsoa["borough_code"].nunique() == 33 and lsoa["icb_code"].nunique() == 5


def test_area_geometries_valid_in_bng_and_web_copies_in_wgs84(atlas):
    expected = {"lsoa11": 4_835, "msoa11": 983, "ward": 625, "borough": 33, "ccg19": 32, "icb": 5}
    assert {level: len(layer) for level, layer in atlas.areas.items()} == expected
    for level, layer in atlas.areas.items():
        assert layer.crs == "EPSG:27700", level
        assert layer.is_valid.all() and not layer.is_empty.any(), level
        web = atlas.areas_web[level]
        assert web.crs == "EPSG:4326", level
        assert len(web) == expected[level] and web.is_valid.all(), level


def test_practice_register(atlas):
    practices = atlas.practices
    assert len(practices) == 2_472 and practices["practice_code"].is_unique
    assert int(practices["is_gp"].sum()) == 1_509


def test_every_active_gp_practice_in_the_latest_register_is_located_except_y06487(atlas):
    practices = atlas.practices
    active = practices[practices["is_gp"] & (practices["status_code"] == "A")
                       & (practices["latest_snapshot"] == "2025-11")]
    assert len(active) == 1_153
    unlocated = active[active["easting"].isna()]
    assert unlocated["practice_code"].tolist() == ["Y06487"]
    assert unlocated["unlocated_reason"].tolist() == [OUTSIDE]
    assert active.loc[active["easting"].notna(), "lsoa11_code"].notna().all()

    join = next(j for j in atlas.quality.joins if j["join"].startswith("Active GP practices in the latest register"))
    assert (join["total"], join["matched"]) == (1_153, 1_152)
    assert join["unmatched"] == [{"practice_code": "Y06487", "name": "BABYLON GP AT HAND BIRMINGHAM",
                                  "postcode": "B94EY", "reason": OUTSIDE}]


def test_population_totals_per_mid_year(atlas):
    years = atlas.lsoa_years
    one_year_per_estimate = years.drop_duplicates("population_mid_year")["year"]
    totals = (years[years["year"].isin(one_year_per_estimate)]
              .groupby("population_mid_year")["population"].sum().to_dict())
    assert totals == {2017: 8_825_001, 2019: 8_961_989, 2020: 9_002_488}
    bands = [c for c in years.columns if c.startswith("pop_")]
    assert (years[bands].sum(axis=1) == years["population"]).all()
    assert len(years) == 4_835 * 11


def test_flows_totals(atlas):
    flows = atlas.flows
    assert len(flows) == 306_023
    assert flows.loc[flows["practice_in_london"], "patients"].sum() == 10_697_223
    assert flows.loc[flows["lsoa_in_london"], "patients"].sum() == 10_636_722
    assert flows.loc[flows["practice_in_london"], "practice_code"].nunique() == 1_183
    assert (flows["practice_in_london"] & flows["lsoa_in_london"]).sum() == 277_542


def test_practice_years_invariants(atlas):
    years = atlas.practice_years
    assert not years.duplicated(["practice_code", "year"]).any()
    assert years["year"].between(2015, 2025).all()
    assert (years["gp_fte"].dropna() >= 0).all()
    assert atlas.years == list(range(2016, 2026))
    reported = years[years["gp_fte"].notna()].groupby("year").size()
    assert (reported.loc[2016:2025] > 1_100).all()
    assert years["practice_code"].isin(atlas.practices["practice_code"]).all()
    assert years["pcn_code"].dropna().isin(atlas.pcns["pcn_code"]).all()
    assert years.loc[years["year"] < 2020, "pcn_code"].isna().all()
    located = years[years["easting"].notna()]
    assert located["lsoa11_code"].notna().all()


def test_pcn_end_dates_in_newer_snapshots_are_respected(atlas):
    # E83036 (Barnet 3 PCN, U58538): open-ended in ePCN 2019-12, ended 2021-01-01 in 2022-05, 2023-01, 2024-10.
    pcn = atlas.practice_years.set_index(["practice_code", "year"])["pcn_code"]
    assert pcn[("E83036", 2020)] == "U58538"
    assert pcn[("E83036", 2021)] == "U58538"  # in force until 1 January 2021, within FY2020/21
    assert pcn.loc["E83036"].loc[2022:].isna().all()


def raw_workforce_fte_by_year() -> pd.Series:
    """London GP FTE per year straight from the two HEEC CSVs, the later file winning on overlap."""
    folder = data_dir() / "practices"
    frames = [pd.read_csv(folder / name, usecols=["Practice.Code", "Year", "TOTAL_GP_EXTGL_FTE"])
              for name in ("heec_workforce_year_london_fy2016-2024.csv", "heec_workforce_year_london_fy2023-2025.csv")]
    latest = pd.concat(frames, ignore_index=True).drop_duplicates(["Practice.Code", "Year"], keep="last")
    return latest.groupby("Year")["TOTAL_GP_EXTGL_FTE"].sum()


def test_workforce_fte_reconciles_with_the_raw_files(atlas):
    raw = raw_workforce_fte_by_year()
    built = atlas.practice_years.groupby("year")["gp_fte"].sum().loc[raw.index]
    assert list(raw.index) == list(range(2016, 2026))
    pd.testing.assert_series_equal(built, raw, check_names=False, check_index_type=False, atol=1e-6, rtol=0)
    assert raw.loc[2016] == pytest.approx(4_137.0, abs=0.05)  # as printed in the build's quality report

"""The source manifest (data/sources.py): name patterns, discovery, the files-used list with sha256, and a
drop-in refresh of the fixture bundle (tests/fixtures/bundle.py) picked up without any code change."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from data import loader
from data.config import REPO_ROOT
from data.licences import OGL
from data.sources import (
    BOROUGH_THRESHOLD,
    ROWS_THRESHOLD,
    SOURCES,
    TOTAL_THRESHOLD,
    Inventory,
    source_table,
    vintage_span,
)
from tests.fixtures.bundle import (
    CODEPOINT_CURRENT,
    EPRACCUR,
    epraccur_row,
    write_codepoint,
    write_epraccur,
    write_flows,
    write_payments,
    write_workforce,
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("key, name, vintage", [
    ("epraccur", "epraccur_london_2025-11.csv", "2025-11"),
    ("payments", "nhs_payments_to_general_practice_london_2014-15.csv", "2014-15"),
    ("workforce", "heec_workforce_year_london_fy2016-2024.csv", "2016-2024"),
    ("population", "lsoa11_population_syoa_mid2020_london.csv", "2020"),
    ("codepoint", "codepoint_open_london_2025-10.csv.gz", "2025-10"),
    ("codepoint_older", "codepoint_open_london_older_releases_not_in_2025.csv.gz", "2025"),
    ("flows", "gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz", "2022-07"),
    ("lsoa11_boundaries", "LSOA_2011_London_gen_MHW.shp", None),
])
def test_each_family_pattern_takes_its_vintage_from_the_name(key, name, vintage):
    match = SOURCES[key].pattern.fullmatch(name)
    assert match is not None
    assert match.groupdict().get("vintage") == vintage


@pytest.mark.parametrize("key, name", [
    ("epraccur", "epraccur_london_2025-1.csv"), ("epraccur", "epraccur_london_latest.csv"),
    ("payments", "nhs_payments_to_general_practice_london_2019-2020.csv"),
    ("codepoint", "codepoint_open_london_older_releases_not_in_2025.csv.gz"),
    ("flows", "gp-reg-pat-prac-lsoa-all_london_2022-07.csv"),
])
def test_names_off_the_pattern_do_not_match(key, name):
    assert SOURCES[key].pattern.fullmatch(name) is None


def test_every_family_declares_publisher_page_licence_and_columns():
    for key, source in SOURCES.items():
        assert source.publisher and source.page and source.licence and source.columns, key
        assert source.glob.count("*") <= 1 and source.pattern.fullmatch(source.save_as.replace("YYYY", "2020")
                                                                        .replace("MM", "01").replace("YY", "21")), key


def test_no_raw_file_name_or_year_range_is_written_outside_the_manifest():
    file_name = re.compile(r"[\w-]+\.(csv|xlsx|shp|gpkg)\b|range\(\s*20\d\d")
    offenders = [f"{path.name}:{n}" for path in sorted((REPO_ROOT / "data").glob("*.py")) if path.name != "sources.py"
                 for n, line in enumerate(path.read_text().splitlines(), 1) if file_name.search(line)]
    assert offenders == []


def test_discovery_sorts_releases_and_spans_folders(data_bundle):
    files = Inventory(data_bundle)
    assert [r.vintage for r in files.releases("payments")] == ["2018-19", "2019-20"]
    assert [r.relative for r in files.releases("epcn")] == [
        "practices/ePCN_2019-12.xlsx", "registrations/ePCN_2022-05.xlsx", "practices/ePCN_2024-10.xlsx"]
    assert files.used == {}  # listing is not reading


def test_the_report_lists_every_file_read_with_size_and_sha256(bundle_model, data_bundle):
    sources = {s["file"]: s for s in bundle_model.quality.sources}
    assert len(sources) == 41  # 4 shapefiles x 4 parts + the ward .cpg + GeoPackage + 2 lookups + 3 population +
    # 2 IMD + PTAL + 2 epraccur + 2 Code-Point + 2 payments + 2 workforce + 3 registered + 3 ePCN + flows = 41
    for name, record in sources.items():
        assert record["status"] == "used", name
        assert (record["size"], record["sha256"]) == ((data_bundle / name).stat().st_size, sha256(data_bundle / name))
    assert sources["geography/london_geography.gpkg"]["family"] == "ccg19_areas, icb22_areas"
    text = bundle_model.quality.to_text()
    flows = "registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz"
    assert f"  {flows}: {sources[flows]['size']:,} bytes, sha256 {sources[flows]['sha256']}" in text


def test_source_table_gives_the_vintages_used_and_each_licence(bundle_model):
    rows = {row["dataset"]: row for row in source_table(bundle_model.quality.sources)}
    payments = rows["NHS Payments to General Practice (list sizes, Carr-Hill weighted lists)"]
    assert (payments["vintage"], payments["publisher"], payments["licence"]) == (
        "2018-19, 2019-20", "NHS England (formerly NHS Digital)", OGL)
    assert rows["Code-Point Open (postcode locations)"]["attribution"].startswith(
        "Contains OS data © Crown copyright and database right 2025; Contains Royal Mail data")
    assert rows["LSOA 2011 boundaries"]["vintage"] == "single edition"
    assert len(rows) == len(SOURCES)


def test_vintage_span_lists_a_few_and_ranges_many():
    assert vintage_span(["2019-12", "2023-02"]) == "2019-12, 2023-02"
    assert vintage_span([f"{y}-{str(y + 1)[2:]}" for y in range(2014, 2023)]) == "2014-15 to 2022-23 (9 releases)"


# --------------------------------------------------------------------------- drop-in refresh

NEW_PAYMENTS = "practices/nhs_payments_to_general_practice_london_2020-21.csv"
NEW_EPRACCUR = "practices/epraccur_london_2026-03.csv"
NEW_WORKFORCE = "practices/heec_workforce_year_london_fy2024-2026.csv"
NEW_CODEPOINT = "practices/codepoint_open_london_2026-04.csv.gz"
NEW_FLOWS = "registrations/gp-reg-pat-prac-lsoa-all_london_2023-07.csv.gz"


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """The fixture bundle with a newer release of five families saved beside the old ones, loaded through
    `load_atlas` (the app's path) into a new cache."""
    import shutil

    from tests.fixtures.bundle import write_bundle
    root = write_bundle(tmp_path_factory.mktemp("refresh") / "data")
    write_payments(root / NEW_PAYMENTS, "2020-21", [("F83001", "NW1 2AA", 9800, 9300.0), ("F83005", "N7 7ZZ", 3200,
                                                                                          3100.0)])
    write_epraccur(root / NEW_EPRACCUR, EPRACCUR["2025-11"] + [
        epraccur_row("F83009", "NEW ROAD SURGERY", "NW1 5AA", "20250601")])
    write_workforce(root / NEW_WORKFORCE, {"F83001": {2024: 6.5, 2025: 7.0, 2026: 7.5},
                                           "F83005": {2024: 2.0, 2025: 2.5, 2026: 2.5},
                                           "Y06487": {2024: 11.0, 2025: 12.0, 2026: 13.0}, "F83009": {2026: 3.0}})
    # The 2026 release has retired NW1 3AA and re-surveyed NW1 2AA.
    write_codepoint(root / NEW_CODEPOINT, [("NW1 2AA", 10, 530260, 180510, "E09000007")]
                    + [r for r in CODEPOINT_CURRENT if r[0] not in ("NW1 2AA", "NW1 3AA")])
    write_flows(root / NEW_FLOWS, [("F83001", "E01000901", 120), ("F83009", "E01000905", 40)])
    target = tmp_path_factory.mktemp("refresh-cache") / "atlas"
    yield root, loader.load_atlas(root, target)
    shutil.rmtree(target, ignore_errors=True)


def test_a_new_workforce_year_extends_the_atlas_years(refreshed):
    _, atlas = refreshed
    assert atlas.years == list(range(2016, 2027))  # 2026 has GP FTE: the app offers it
    fte_2026 = atlas.practice_years.query("year == 2026 and is_gp")["gp_fte"].sum()
    assert fte_2026 == pytest.approx(7.5 + 2.5 + 13.0 + 3.0)
    assert atlas.lsoa_years["year"].max() == 2026
    assert atlas.lsoa_years.query("year == 2026")["population_mid_year"].unique().tolist() == [2020]


def test_a_new_payments_year_is_read_and_places_the_practice(refreshed):
    _, atlas = refreshed
    row = atlas.practice_years.set_index(["practice_code", "year"]).loc[("F83001", 2021)]
    assert (row["payments_registered"], row["location_source"], row["postcode"]) == (9800, "payments", "NW12AA")
    assert (row["easting"], row["northing"]) == (530260, 180510)  # the newest Code-Point release's point


def test_a_later_register_adds_its_practice(refreshed):
    _, atlas = refreshed
    practice = atlas.practices.set_index("practice_code").loc["F83009"]
    assert (practice["latest_snapshot"], practice["is_gp"], practice["lsoa11_code"]) == ("2026-03", True, "E01000905")
    assert atlas.practice_years.query("practice_code == 'F83009'")["year"].tolist() == [2026]


def test_a_later_codepoint_release_is_current_and_the_older_one_still_places_retired_postcodes(refreshed):
    _, atlas = refreshed
    postcodes = atlas.postcodes.set_index("postcode")
    assert postcodes.loc["NW12AA", ["easting", "release", "live"]].tolist() == [530260, "2026-04", True]
    assert postcodes.loc["NW13AA", ["easting", "release", "live"]].tolist() == [530750, "2025-10", False]
    f83001 = atlas.practice_years.set_index(["practice_code", "year"]).loc[("F83001", 2017)]
    assert (f83001["postcode"], f83001["lsoa11_code"]) == ("NW13AA", "E01000902")


def test_a_later_flows_extract_replaces_the_older_one(refreshed):
    _, atlas = refreshed
    assert (atlas.flows_year, atlas.flows_snapshot, len(atlas.flows)) == (2024, "July 2023", 2)
    sources = {s["file"]: s["status"] for s in atlas.quality.sources}
    assert sources["registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz"] == (
        f"not used: superseded by {NEW_FLOWS}")
    assert any(t["name"] == "Flows (July 2023): patients of London practices" for t in atlas.quality.totals)


def test_every_new_file_is_listed_with_its_sha256(refreshed):
    root, atlas = refreshed
    sources = {s["file"]: s for s in atlas.quality.sources}
    for name in (NEW_PAYMENTS, NEW_EPRACCUR, NEW_WORKFORCE, NEW_CODEPOINT, NEW_FLOWS):
        assert (sources[name]["status"], sources[name]["sha256"]) == ("used", sha256(root / name)), name
    assert {c["status"] for c in atlas.quality.checks} == {"pass"}


def test_the_refresh_guide_names_every_family_its_page_and_the_thresholds():
    readme = (REPO_ROOT / "README.md").read_text()
    guide = readme[readme.index("## Refreshing the data"):readme.index("## Set up")]
    for key, source in SOURCES.items():
        saved = f"{source.folders[0]}/{source.save_as}"
        assert saved in guide or (source.folders[0] in guide and Path(source.save_as).stem in guide), key
        assert source.page.split(" (")[0] in guide, key
        assert source.layer in guide, key
    for threshold, wording in ((ROWS_THRESHOLD.fail, "±{} %"), (TOTAL_THRESHOLD.fail, "±{} %"),
                               (SOURCES["population"].rules["london-population"].fail, "±{} %"),
                               (BOROUGH_THRESHOLD.fail, "practices lost in a year (`borough-practices`, {} %)")):
        assert wording.format(round(100 * threshold)) in guide


def test_a_later_flows_extract_relabels_every_basis_without_code_edits(refreshed):
    """The flows month in the measure basis, the attribution basis and the practice-flows summary comes from the
    build, so the refreshed bundle's July 2023 extract (year 2024) shows as such and 2023 says 'carried over'."""
    from geo.params import AnalysisParams
    from geo.profiles import patient_flows
    from geo.provision import Provision
    _, atlas = refreshed
    provision = Provision(atlas)
    params = AnalysisParams()
    assert "patients located by July 2023 flows;" in provision.basis("gp_fte_per_10k", 2024, params) + ";"
    assert "July 2023 flows (shares carried over)" in provision.basis("gp_fte_per_10k", 2023, params)
    _, attribution = provision.attribution(2024, params.weights, params.d0)
    assert "patient flows (July 2023)" in set(attribution)
    assert patient_flows(provision, atlas.flows["practice_code"].iat[0])[1]["snapshot"] == "July 2023"

"""Bad input: every broken, missing or reshaped raw file gives one `DataFileError` naming the file (relative
to the data directory, which the message never reveals) and what was expected, and `python -m data.build`
reports it in one line on stderr (no traceback)."""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
from openpyxl import load_workbook

from data.build import build_model
from data.config import REPO_ROOT, data_dir
from data.errors import DataFileError
from tests.fixtures.bundle import write_shapefile

GLA = "geography/london_datastore_statistical_gis_boundaries"
LSOA_SHP = f"{GLA}/LSOA_2011_London_gen_MHW.shp"
GARBAGE = bytes(range(256)) * 4 + b"\x00\xff not a data file \x89PNG\r\n"


# --------------------------------------------------------------------------- ways to break a file

def garbage(path: Path) -> None:
    path.write_bytes(GARBAGE)


def delete(path: Path) -> None:
    path.unlink()


def empty(path: Path) -> None:
    path.write_bytes(b"")


def replace_text(old: str, new: str):
    def edit(path: Path) -> None:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            text = handle.read()
        assert old in text, f"{old!r} not in {path.name}"
        with opener(path, "wt", encoding="utf-8") as handle:
            handle.write(text.replace(old, new))
    return edit


def zip_without_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def rename_epcn_header(path: Path) -> None:
    workbook = load_workbook(path)
    workbook["PCN Core Partner Details"]["E1"] = "Network Code"
    workbook.save(path)


def drop_partner_sheet(path: Path) -> None:
    workbook = load_workbook(path)
    del workbook["PCN Core Partner Details"]
    workbook.save(path)


def rename_shapefile_field(path: Path) -> None:
    frame = gpd.read_file(path).rename(columns={"LSOA11CD": "LSOA_CODE"})
    write_shapefile(path, frame.drop(columns="geometry").to_dict("records"), list(frame.geometry))


def shapefile_in_degrees(path: Path) -> None:
    frame = gpd.read_file(path).set_crs(27700, allow_override=True).to_crs(4326)
    write_shapefile(path, frame.drop(columns="geometry").to_dict("records"), list(frame.geometry))


def rename(new_name: str):
    def move(path: Path) -> None:
        path.rename(path.with_name(new_name))
    return move


def case(broken: str, how, fragments: list[str], id: str, named: str | None = None):
    """A broken bundle: the file broken, how, the fragments the message must hold and the file it must
    name (the broken one unless said)."""
    return pytest.param(broken, how, named or broken, fragments, id=id)


PAYMENTS = "practices/nhs_payments_to_general_practice_london_2019-20.csv"
CODEPOINT = "practices/codepoint_open_london_2025-10.csv.gz"
EPCN = "practices/ePCN_2024-10.xlsx"
EPRACCUR = "practices/epraccur_london_2025-11.csv"
WORKFORCE_NEW = "practices/heec_workforce_year_london_fy2023-2025.csv"

CASES = [
    case(LSOA_SHP, delete, ["file not found", "GLA LSOA 2011 boundaries"], "missing-shapefile"),
    case(f"{GLA}/LSOA_2011_London_gen_MHW.dbf", delete,
         ["file not found", "the .dbf part of LSOA_2011_London_gen_MHW.shp"], "missing-dbf"),
    case("geography/transport/LSOA2011_AvPTAI2015.csv", delete, ["file not found", "TfL PTAL 2015 by LSOA"],
         "missing-csv"),
    case("registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz", delete,
         ["no file matches", "patient flows", "saved as gp-reg-pat-prac-lsoa-all_london_YYYY-MM.csv.gz"],
         "missing-flows", named="registrations/gp-reg-pat-prac-lsoa-all_london_*.csv.gz"),
    case("practices/nhs_payments_to_general_practice_london_*.csv", None,
         ["no file matches", "NHS Payments to General Practice", "saved as "
          "nhs_payments_to_general_practice_london_YYYY-YY.csv"], "missing-file-family"),
    case("practices/heec_workforce_year_london_fy2016-2024.csv", replace_text("TOTAL_GP_EXTGL_FTE", "GP_FTE"),
         ["missing column(s) ['TOTAL_GP_EXTGL_FTE']", "HEEC workforce_year CSV"], "renamed-csv-column"),
    case("geography/lookups/lsoa11_sicbl22_icb22_ltla22_london.csv", replace_text("icb22_code,", "icb_cd,"),
         ["missing column(s) ['icb22_code']", "ONS LSOA11 to ICB22 lookup"], "renamed-lookup-column"),
    case(LSOA_SHP, rename_shapefile_field, ["missing column(s) ['LSOA11CD']"], "renamed-shapefile-field"),
    case(EPCN, rename_epcn_header, ["missing column(s) ['PCN Code'] in sheet 'PCN Core Partner Details'"],
         "renamed-xlsx-header"),
    case(EPCN, drop_partner_sheet, ["sheets are ['PCNDetails']", "'PCN Core Partner Details' sheet"],
         "xlsx-without-sheet"),
    case(EPRACCUR, garbage, ["could not be parsed as CSV", "ODS epraccur extract (no header row, 27 columns)"],
         "garbage-epraccur"),
    case(PAYMENTS, garbage, ["could not be parsed as CSV", "NHS Payments to General Practice CSV"], "garbage-csv"),
    case(CODEPOINT, garbage, ["could not be parsed as CSV", "Not a gzipped file", "Code-Point Open CSV"],
         "garbage-csv-gz"),
    case(CODEPOINT, truncate, ["could not be parsed as CSV", "EOFError"], "truncated-csv-gz"),
    case(EPCN, garbage, ["could not be read as an Excel workbook", "ODS ePCN workbook"], "garbage-xlsx"),
    case(EPCN, truncate, ["could not be read as an Excel workbook"], "truncated-xlsx"),
    case(EPCN, zip_without_workbook, ["could not be read as an Excel workbook"], "zip-not-xlsx"),
    case(LSOA_SHP, garbage, ["could not be read as a vector layer", "GLA LSOA 2011 boundaries"], "garbage-shp"),
    case(f"{GLA}/MSOA_2011_London_gen_MHW.shx", garbage,
         ["could not be read as a vector layer", "GLA MSOA 2011 boundaries"], "garbage-shx",
         named=f"{GLA}/MSOA_2011_London_gen_MHW.shp"),
    case(LSOA_SHP, truncate, ["feature(s) have no polygon area after repair"], "truncated-shp"),
    case("geography/london_geography.gpkg", garbage,
         ["could not be read as a vector layer 'ccg19_derived_dissolve_lsoa'"], "garbage-gpkg"),
    case(LSOA_SHP, shapefile_in_degrees, ["are not British National Grid metres"], "shapefile-not-in-bng"),
    case("practices/epraccur_london_2019-12.csv", empty, ["file is empty", "ODS epraccur extract"], "empty-file"),
    case(EPRACCUR, replace_text('"F83001","THE PARK SURGERY",', ""), ["could not be parsed as CSV"],
         "epraccur-short-row"),
    case("practices/gp-reg-pat-prac-all_2021-06.csv", replace_text("01Jun2021", "2021-06-01"),
         ["EXTRACT_DATE not in the published ddMonyyyy form"], "registered-date-format"),
    case("geography/population/lsoa11_population_syoa_mid2019_london.csv",
         replace_text("E01000903,LSOA 3,1911,21,", "E01000903,LSOA 3,1911,twenty-one,"),
         ["non-numeric population counts"], "population-text"),
    case(PAYMENTS, rename("nhs_payments_to_general_practice_london_2019-20 (1).csv"),
         ["file name does not follow the pattern nhs_payments_to_general_practice_london_YYYY-YY.csv"],
         "payments-file-misnamed",
         named="practices/nhs_payments_to_general_practice_london_2019-20 (1).csv"),
    case(EPRACCUR, rename("epraccur_london_latest.csv"), ["does not follow the pattern epraccur_london_YYYY-MM.csv"],
         "epraccur-file-misnamed", named="practices/epraccur_london_latest.csv"),
    case(PAYMENTS, rename("nhs_payments_to_general_practice_london_2019-21.csv"),
         ["2019-21 is not a financial year", "e.g. _2019-20"], "payments-year-not-a-financial-year",
         named="practices/nhs_payments_to_general_practice_london_2019-21.csv"),
]


@pytest.mark.parametrize("broken, how, named, fragments", CASES)
def test_bad_input_raises_one_data_file_error_naming_the_file(writable_bundle, broken, how, named, fragments):
    if how is None:  # every file of a family
        for path in writable_bundle.glob(broken):
            path.unlink()
    else:
        how(writable_bundle / broken)

    with pytest.raises(DataFileError) as raised:
        build_model(writable_bundle)

    error = raised.value
    assert error.path == writable_bundle / named
    message = str(error)
    assert message.startswith(f"{named}: ")
    assert str(writable_bundle) not in message
    assert "expected" in message
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_a_few_unreadable_workforce_years_are_dropped_and_reported_not_fatal(writable_bundle):
    replace_text(",2023,", ",FY23,")(writable_bundle / WORKFORCE_NEW)
    model = build_model(writable_bundle)
    entry = next(f for f in model.quality.files if f["file"] == "heec_workforce_year_london_fy2023-2025.csv")
    assert entry["dropped"] == {"no year": 3}  # F83001, F83005 and Y06487 in 2023


def test_missing_prj_is_accepted_because_the_crs_is_asserted_from_the_coordinates(writable_bundle):
    (writable_bundle / LSOA_SHP).with_suffix(".prj").unlink()
    model = build_model(writable_bundle)
    assert model.lsoa.crs == "EPSG:27700" and len(model.lsoa) == 6


def test_workforce_file_without_any_numeric_year(writable_bundle):
    for year in (2023, 2024, 2025):
        replace_text(f",{year},", ",FY,")(writable_bundle / WORKFORCE_NEW)
    with pytest.raises(DataFileError, match="no row has a numeric Year; expected HEEC workforce_year CSV"):
        build_model(writable_bundle)


def test_epraccur_with_a_header_row_is_refused(writable_bundle):
    path = writable_bundle / "practices/epraccur_london_2025-11.csv"
    header = ",".join(f'"{name}"' for name in ["Organisation Code", "Name"] + [f"Column {i}" for i in range(2, 27)])
    path.write_text(header + "\n" + path.read_text())
    with pytest.raises(DataFileError, match="first row looks like a header"):
        build_model(writable_bundle)


def test_empty_data_directory(tmp_path):
    with pytest.raises(DataFileError) as raised:
        build_model(tmp_path)
    assert raised.value.path == tmp_path / LSOA_SHP
    assert "file not found; expected GLA LSOA 2011 boundaries (shapefile)" in str(raised.value)


def test_gp_atlas_data_pointing_nowhere(monkeypatch, tmp_path):
    nowhere = tmp_path / "no-such-folder"
    monkeypatch.setenv("GP_ATLAS_DATA", str(nowhere))
    with pytest.raises(DataFileError) as raised:
        data_dir()
    assert raised.value.path == nowhere
    assert "data directory not found; set GP_ATLAS_DATA" in str(raised.value)


# --------------------------------------------------------------------------- the command line

def run_build(data: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GP_ATLAS_DATA": str(data), "GP_ATLAS_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "data.build", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_bad_input_exits_non_zero_with_one_line_and_no_traceback(writable_bundle, tmp_path):
    garbage(writable_bundle / "practices/ePCN_2024-10.xlsx")
    result = run_build(writable_bundle, tmp_path / "cache")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("data error: practices/ePCN_2024-10.xlsx: could not be read")
    assert "expected ODS ePCN workbook" in lines[0]
    assert not (tmp_path / "cache").exists()


def test_cli_data_directory_nowhere(tmp_path):
    result = run_build(tmp_path / "nowhere", tmp_path / "cache")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"data error: {tmp_path / 'nowhere'}: data directory not found; set GP_ATLAS_DATA to the folder holding "
        "geography/, practices/ and registrations/"]


def test_cli_builds_then_reuses_the_cache(data_bundle, tmp_path):
    cache = tmp_path / "cache"
    first = run_build(data_bundle, cache)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("DATA-QUALITY REPORT")
    assert f"Cache: {cache} (built in" in first.stdout
    assert (cache / "manifest.json").is_file()

    second = run_build(data_bundle, cache)
    assert second.returncode == 0
    assert f"Cache: {cache} (cache is fresh (use --force to rebuild))" in second.stdout
    assert second.stdout.split("\nCache:")[0] == first.stdout.split("\nCache:")[0]  # the same report


def test_cli_unwritable_cache_location_is_one_line_too(data_bundle, tmp_path, monkeypatch, capsys):
    from data.build import main
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("GP_ATLAS_DATA", str(data_bundle))
    monkeypatch.setenv("GP_ATLAS_CACHE", str(blocker / "atlas"))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cache error: could not write {blocker / 'atlas'} ([Errno 17] File exists")
    assert err.count("\n") == 1

"""Data faults on the fixture bundle: a deleted year, a garbled workbook, a damaged cache, an override.

Each fault is checked as the operator meets it: `python -m data.build` exits 2 with one line naming the
file and the rule, the old cache is kept; the app's `load_atlas` raises the same one-line error, or, for a
damaged cache, rebuilds it saying so in one log line.
"""
from __future__ import annotations

import io
import json
import logging
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import build, cache, loader
from data.errors import DataFileError, PlausibilityError
from data.quality import QualityReport
from data.readers import read_epcn
from tests.fixtures.bundle import write_payments
from tests.test_data_errors import garbage, run_build

FIRST_PAYMENTS = "practices/nhs_payments_to_general_practice_london_2018-19.csv"
EPCN = "practices/ePCN_2024-10.xlsx"


@pytest.fixture
def cached(writable_bundle, bundle_model, tmp_path):
    """(data folder, cache folder): a private copy of the fixture bundle with a good cache built from it."""
    target = tmp_path / "cache" / "atlas"
    cache.write(bundle_model, writable_bundle, target)
    return writable_bundle, target


def snapshot(target) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(target.iterdir())}


# --------------------------------------------------------------------------- a year deleted

def test_deleting_a_payments_year_fails_the_build_in_one_line_and_keeps_the_cache(cached):
    root, target = cached
    before = snapshot(target)
    (root / FIRST_PAYMENTS).unlink()

    result = run_build(root, target.parent.parent / "cache" / "atlas")

    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"data check failed: {FIRST_PAYMENTS}: plausibility check years-present failed: FY2018/19 was in the "
        f"previous build (from {FIRST_PAYMENTS}); no file covers it now; to accept it, run python -m data.build "
        f"--accept {FIRST_PAYMENTS}:years-present"]
    assert snapshot(target) == before


def test_a_year_missing_inside_the_span_fails_even_on_a_first_build(writable_bundle):
    write_payments(writable_bundle / "practices/nhs_payments_to_general_practice_london_2020-21.csv", "2020-21",
                   [("F83001", "NW1 2AA", 9800, 9300.0)])
    (writable_bundle / "practices/nhs_payments_to_general_practice_london_2019-20.csv").unlink()

    with pytest.raises(PlausibilityError) as raised:
        build.build_model(writable_bundle)

    error = raised.value
    assert (error.rule, error.path) == ("years-present", writable_bundle
                                        / "practices/nhs_payments_to_general_practice_london_*.csv")
    assert str(error).startswith("practices/nhs_payments_to_general_practice_london_*.csv: plausibility check "
                                 "years-present failed: FY2019/20 missing: no file covers it")


def test_the_app_path_raises_the_same_one_line_error_without_server_paths(cached):
    root, target = cached
    (root / FIRST_PAYMENTS).unlink()
    with pytest.raises(DataFileError) as raised:
        loader.load_atlas(root, target)
    message = str(raised.value)
    assert message.startswith(f"{FIRST_PAYMENTS}: plausibility check years-present failed")
    assert "\n" not in message and str(root) not in message and str(target) not in message


# --------------------------------------------------------------------------- --accept

def test_accept_overrides_that_one_rule_and_the_report_says_so(cached):
    root, target = cached
    (root / FIRST_PAYMENTS).unlink()

    result = run_build(root, target, "--accept", f"{FIRST_PAYMENTS}:years-present")

    assert result.returncode == 0, result.stderr
    assert f"Accepted with --accept (the build passed despite these)\n  {FIRST_PAYMENTS}:years-present - FY2018/19 " \
           "was in the previous build" in result.stdout
    atlas = cache.read(target)
    assert [(a["file"], a["rule"], a["how"]) for a in atlas.quality.accepted] == [
        (FIRST_PAYMENTS, "years-present", "--accept")]
    check = next(c for c in atlas.quality.checks if (c["family"], c["rule"]) == ("payments", "years-present"))
    assert check["status"] == "accepted"
    assert sorted(atlas.practice_years.dropna(subset=["payments_registered"])["year"].unique()) == [2020]


def test_an_acceptance_is_remembered_for_the_same_finding_but_covers_nothing_else(writable_bundle, tmp_path):
    root, target = writable_bundle, tmp_path / "cache"
    write_payments(root / "practices/nhs_payments_to_general_practice_london_2020-21.csv", "2020-21",
                   [("F83001", "NW1 2AA", 9800, 9300.0)])
    build.refresh(root, target)
    (root / "practices/nhs_payments_to_general_practice_london_2019-20.csv").unlink()
    gap = "practices/nhs_payments_to_general_practice_london_*.csv"
    build.refresh(root, target, accept=[(gap, "years-present")])

    atlas, _ = build.refresh(root, target, force=True)  # a rebuild without --accept: the same gap, still accepted
    assert [(a["file"], a["how"]) for a in atlas.quality.accepted] == [(gap, "accepted in an earlier build")]
    assert atlas.quality.accepted[0]["detail"] == ("FY2019/20 missing: no file covers it, though earlier and later "
                                                   "years are present")

    write_payments(root / "practices/nhs_payments_to_general_practice_london_2022-23.csv", "2022-23",
                   [("F83001", "NW1 2AA", 9900, 9400.0)])  # a second gap: FY2021/22
    with pytest.raises(PlausibilityError, match="plausibility check years-present failed: FY2021/22 missing: no file"):
        build.refresh(root, target)


def test_accept_that_matches_nothing_is_noted_and_a_malformed_one_is_one_line(cached, capsys, monkeypatch):
    root, target = cached
    atlas, _ = build.refresh(root, target, force=True, accept=[("practices/none.csv", "rows-vs-siblings")])
    assert "--accept practices/none.csv:rows-vs-siblings matched no finding of this build." in atlas.quality.notes
    monkeypatch.setenv("GP_ATLAS_DATA", str(root))
    monkeypatch.setenv("GP_ATLAS_CACHE", str(target))
    assert build.main(["--accept", "no-rule-here"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage error: --accept 'no-rule-here': expected FILE:RULE") and err.count("\n") == 1


# --------------------------------------------------------------------------- a garbled ePCN workbook

def broken_xml(path) -> None:
    """A real workbook whose sheet XML is cut off mid-tag (a zip that opens, XML that does not parse)."""
    original = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as damaged:
        for name in original.namelist():
            damaged.writestr(name, b"<worksheet><sheetData><row" if name.startswith("xl/worksheets/")
                             else original.read(name))
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("damage, reason", [(garbage, "Excel file format cannot be determined"),
                                            (broken_xml, "ParseError")])
def test_a_garbled_epcn_workbook_is_one_line_naming_it(writable_bundle, damage, reason):
    damage(writable_bundle / EPCN)
    with pytest.raises(DataFileError) as raised:
        build.build_model(writable_bundle)
    message = str(raised.value)
    assert message.startswith(f"{EPCN}: could not be read as an Excel workbook (")
    assert reason in message and "\n" not in message


def test_the_command_line_reports_broken_workbook_xml_in_one_line(writable_bundle, tmp_path):
    broken_xml(writable_bundle / EPCN)
    result = run_build(writable_bundle, tmp_path / "cache")
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"data error: {EPCN}: could not be read as an Excel workbook (ParseError")


@settings(max_examples=100, deadline=None, derandomize=True,  # the same 100 damaged files on every run
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
                      min_size=1, max_size=12))
def test_any_damaged_workbook_reads_or_raises_one_data_file_error(data_bundle, tmp_path, flips):
    data = bytearray((data_bundle / EPCN).read_bytes())
    for position, value in flips:
        data[position % len(data)] = value
    path = tmp_path / "ePCN_2024-10.xlsx"
    path.write_bytes(bytes(data))
    try:
        read_epcn(path, "2024-10", QualityReport())
    except DataFileError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(f"{path}: ")


# --------------------------------------------------------------------------- a damaged cache

def cut_parquet(target):
    path = target / "practice_years.parquet"
    path.write_bytes(path.read_bytes()[:1000])


def drop_flows(target):
    (target / "flows.parquet").unlink()


def garble_manifest(target):
    (target / "manifest.json").write_text("{not json")


def garble_report(target):
    (target / "quality.json").write_text('{"files": 3}')


@pytest.mark.parametrize("damage, said", [(cut_parquet, "practice_years.parquet: cache unreadable"),
                                          (drop_flows, "flows.parquet missing"),
                                          (garble_manifest, "manifest.json unreadable: JSONDecodeError"),
                                          (garble_report, "quality.json: cache unreadable")])
def test_a_damaged_cache_is_rebuilt_with_one_log_line(cached, bundle_model, caplog, damage, said):
    root, target = cached
    damage(target)

    with caplog.at_level(logging.INFO):
        atlas = loader.load_atlas(root, target)

    assert len(atlas.practice_years) == len(bundle_model.practice_years)
    assert [(r.levelname, r.name) for r in caplog.records] == [("WARNING", "data.build")]
    message = caplog.records[0].getMessage()
    assert said in message and message.endswith("; rebuilding it")
    assert str(target) not in message and str(root) not in message
    assert cache.state(root, target) == cache.FRESH
    caplog.clear()
    loader.load_atlas(root, target)
    assert caplog.records == []


def test_reading_a_damaged_cache_directly_names_only_the_cache_file(cached):
    _, target = cached
    cut_parquet(target)
    with pytest.raises(cache.CacheDamaged) as raised:
        cache.read(target)
    assert str(raised.value).startswith("practice_years.parquet: cache unreadable (")
    assert str(target) not in str(raised.value)
    assert json.loads((target / "manifest.json").read_text())["files"]  # the manifest itself was fine

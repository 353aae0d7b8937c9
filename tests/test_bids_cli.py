"""`python -m geo.bids` as a user runs it: output rows, summary line, one-line errors."""
import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
MESSY = Path(__file__).parent / "fixtures" / "messy_bids.csv"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geo.bids", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2 and result.stdout == "" and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.real_data
def test_ranked_csv_with_every_row_and_a_summary_on_stderr(atlas, tmp_path):
    out = tmp_path / "ranked.csv"
    result = run("--bids", str(MESSY), "--year", "2024", "--d0", "2000", "--weights", "age_imd",
                 "--objective", "underserved_gain_per_fte", "--out", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out)
    assert len(table) == 23 and (table["status"] == "ok").sum() == 5
    assert table["rank"].head(5).tolist() == [1, 2, 3, 4, 5] and set(table["objective"]) == {"underserved_gain_per_fte"}
    assert table["objective_value"].head(5).is_monotonic_decreasing
    summary = result.stderr.strip().splitlines()
    assert len(summary) == 1 and summary[0].startswith("combined scenario, FY2023/24, age_imd weights, d0 2,000 m: "
                                                       "5 of 23 bids valid, 8.5 GP FTE added;")


@pytest.mark.real_data
def test_stdout_output_and_closures(atlas, tmp_path):
    bids = tmp_path / "bids.csv"
    bids.write_text("label,postcode,added_gp_fte\nA,N20 0DH,2\n")
    result = run("--bids", str(bids), "--year", "2024", "--close", "E83003", "--out", "-")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table["label"].tolist() == ["A"] and table.loc[0, "nearest_practice_code"] != "E83003"
    assert "closed E83003" in result.stderr


@pytest.mark.parametrize("args, choices", [
    (("--weights", "sex"), "argument --weights: invalid choice: 'sex' (choose from"),
    (("--objective", "best"), "argument --objective: invalid choice: 'best' (choose from"),
    (("--d0", "50"), "argument --d0: d0 must be a number of metres between 200 and 10,000, got '50'"),
])
def test_bad_choices_exit_with_one_line_listing_the_valid_ones(args, choices, tmp_path):
    line = one_line_error(run("--bids", str(MESSY), "--year", "2024", "--out", str(tmp_path / "x.csv"), *args))
    assert line.startswith(f"geo.bids: error: {choices}")
    listed = {"--weights": ["age", "age_imd", "none"], "--d0": [],
              "--objective": ["lifted_per_fte", "lifted_per_gbp_m", "underserved_gain_per_fte",
                              "underserved_gain_per_gbp_m", "access_gain_per_gbp_m"]}[args[0]]
    assert all(choice in line for choice in listed)


@pytest.mark.real_data
@pytest.mark.parametrize("args, message", [
    (("--year", "2031"), "geo.bids: error: no e2sfca data for year 2031; choose one of 2016, 2017, 2018, 2019, 2020, "
                         "2021, 2022, 2023, 2024, 2025"),
    (("--year", "soon"), "geo.bids: error: no e2sfca data for year soon; choose one of 2016,"),
    (("--year", "2024", "--close", "NOPE1"), "geo.bids: error: close NOPE1: not an open GP practice with a location "
                                             "in FY2023/24"),
    (("--year", "2024", "--k", "6"), "geo.bids: error: k must be a whole number of years between 1 and n = 5"),
])
def test_bad_year_or_scenario_exits_with_one_line(atlas, args, message, tmp_path):
    assert one_line_error(run("--bids", str(MESSY), "--out", str(tmp_path / "x.csv"), *args)).startswith(message)


def test_missing_non_csv_and_oversized_files_fail_in_one_line(tmp_path):
    big = tmp_path / "big.csv"
    big.write_bytes(b"label,postcode,added_gp_fte\n" + b"A,E1 6AN,3\n" * 220_000)
    sheet = tmp_path / "bids.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    for path, message in ((tmp_path / "nope.csv", f"geo.bids: error: bids file not found: {tmp_path / 'nope.csv'}"),
                          (sheet, "geo.bids: error: bids.xlsx is not a CSV file"),
                          (big, "geo.bids: error: big.csv is 2.3 MB; bid files are limited to 2 MB")):
        assert one_line_error(run("--bids", str(path), "--year", "2024", "--out", "-")).startswith(message)


def test_missing_required_argument_is_one_line():
    assert one_line_error(run("--year", "2024")) == \
        "geo.bids: error: the following arguments are required: --bids, --out"

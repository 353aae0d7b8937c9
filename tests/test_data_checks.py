"""The plausibility rules of data/checks.py on small hand-made facts, each figure worked out by hand.

Thresholds are the manifest's: rows warn 20 % / fail 35 %, London totals 7.5 % / 15 %, boroughs 25 % / 50 %
of practices lost; releases under 100 rows (totals over fewer than 100 practices) are not judged.
"""
from __future__ import annotations

import pandas as pd
import pytest

from data.checks import (
    BuildFacts,
    Finding,
    adjacent_years,
    borough_losses,
    rows_vs_siblings,
    run_checks,
    settle,
    unchanged_files,
    years_present,
)
from data.quality import QualityReport
from data.sources import BOROUGH_THRESHOLD, GP_FTE, ROWS_THRESHOLD, TOTAL_THRESHOLD

PAY = "practices/nhs_payments_to_general_practice_london_{}.csv"
OLD_WF, NEW_WF = "practices/wf_fy2016-2024.csv", "practices/wf_fy2023-2025.csv"


def facts_with_rows(family: str, releases: dict[str, tuple[int, str]]) -> BuildFacts:
    facts = BuildFacts()
    for label, (rows, file) in releases.items():
        facts.release(family, label, rows, file)
    return facts


def levels(findings: list[Finding]) -> dict[str, str]:
    return {f.file: f.level for f in findings}


# --------------------------------------------------------------------------- rows against siblings

def test_a_release_with_half_the_rows_of_its_siblings_fails_and_they_pass():
    facts = facts_with_rows("payments", {"FY2019/20": (1000, PAY.format("2019-20")),
                                         "FY2020/21": (980, PAY.format("2020-21")),
                                         "FY2021/22": (500, PAY.format("2021-22"))})
    measured, findings = rows_vs_siblings("payments", facts, None, set(), ROWS_THRESHOLD)
    # 500 against median(1000, 980) = 990: -49.5 %; 1000 against median(980, 500) = 740: +35.1 % (> 35 %: fails
    # too, but names its own file); 980 against 750: +30.7 % (warn).
    assert levels(findings) == {PAY.format("2021-22"): "fail", PAY.format("2019-20"): "fail",
                                PAY.format("2020-21"): "warn"}
    assert findings[-1].detail == "FY2021/22: 500 rows, -49% against the median of the family's other releases (990)"
    assert max(measured)[1] == "-49.5% (FY2021/22)"


def test_unchanged_releases_are_the_reference_so_only_the_damaged_file_is_blamed():
    # The old file (changed: cut in half) holds six years, the unchanged new file three: the median of all
    # siblings would be the damaged 500, but the unchanged file's years (1,000) are the reference.
    releases = {f"FY{y} old": (500, OLD_WF) for y in range(2016, 2022)}
    releases |= {f"FY{y} new": (1000, NEW_WF) for y in range(2023, 2026)}
    _, findings = rows_vs_siblings("workforce", facts_with_rows("workforce", releases), None, {NEW_WF},
                                   ROWS_THRESHOLD)
    assert levels(findings) == {OLD_WF: "fail"}  # one finding per file and rule, whatever its years
    assert "-50% against the median of unchanged releases (1,000)" in findings[0].detail


def test_without_a_previous_build_the_majority_sets_the_reference():
    releases = {f"FY{y} old": (500, OLD_WF) for y in range(2016, 2022)}
    releases |= {f"FY{y} new": (1000, NEW_WF) for y in range(2023, 2026)}
    _, findings = rows_vs_siblings("workforce", facts_with_rows("workforce", releases), None, set(), ROWS_THRESHOLD)
    assert levels(findings) == {NEW_WF: "fail"}  # +100 %: still a failure, if of the other file


def test_a_single_release_is_compared_with_the_previous_build():
    facts = facts_with_rows("flows", {"2022-07": (150_000, "registrations/flows_2022-07.csv.gz")})
    _, findings = rows_vs_siblings("flows", facts, {"2022-07": 300_000}, set(), ROWS_THRESHOLD)
    assert [(f.level, f.detail) for f in findings] == [
        ("fail", "2022-07: 150,000 rows, -50% against the median of the previous build (300,000)")]
    _, first_build = rows_vs_siblings("flows", facts, None, set(), ROWS_THRESHOLD)
    assert first_build == []


def test_small_releases_are_not_judged():
    facts = facts_with_rows("payments", {"FY2019/20": (4, PAY.format("2019-20")),
                                         "FY2020/21": (2, PAY.format("2020-21"))})
    assert rows_vs_siblings("payments", facts, None, set(), ROWS_THRESHOLD) == ([], [])


# --------------------------------------------------------------------------- years present

def covering(family: str, years: list[int]) -> BuildFacts:
    facts = BuildFacts()
    for year in years:
        facts.covers(family, year, PAY.format(f"{year - 1}-{str(year)[2:]}"))
    return facts


def test_a_year_missing_inside_a_yearly_span_fails_and_names_the_family_pattern():
    findings = years_present("payments", covering("payments", [2019, 2020, 2022]), None)
    assert [(f.file, f.level, f.detail) for f in findings] == [
        ("practices/nhs_payments_to_general_practice_london_*.csv", "fail",
         "FY2020/21 missing: no file covers it, though earlier and later years are present")]


def test_a_first_or_last_year_the_previous_build_had_is_named_by_its_old_file():
    previous = {str(y): PAY.format(f"{y - 1}-{str(y)[2:]}") for y in (2019, 2020, 2021, 2022)}
    last_gone = years_present("payments", covering("payments", [2019, 2020, 2021]), previous)
    assert [(f.file, f.detail) for f in last_gone] == [
        (PAY.format("2021-22"), f"FY2021/22 was in the previous build (from {PAY.format('2021-22')}); "
                                "no file covers it now")]  # no gap, but the last year vanished
    inside = years_present("payments", covering("payments", [2019, 2020, 2022]), previous)
    assert [(f.file, f.detail) for f in inside] == [  # once, as the same gap finding as on a first build
        ("practices/nhs_payments_to_general_practice_london_*.csv",
         "FY2020/21 missing: no file covers it, though earlier and later years are present")]


def test_snapshot_families_have_no_gap_rule_but_may_not_lose_a_release():
    facts = BuildFacts()
    facts.covers("epraccur", "2019-12", "practices/epraccur_london_2019-12.csv")
    facts.covers("epraccur", "2025-11", "practices/epraccur_london_2025-11.csv")
    assert years_present("epraccur", facts, None) == []
    lost = years_present("epraccur", facts, {"2019-12": "practices/epraccur_london_2019-12.csv",
                                             "2023-02": "practices/epraccur_london_2023-02.csv"})
    assert [(f.file, f.level) for f in lost] == [("practices/epraccur_london_2023-02.csv", "fail")]


# --------------------------------------------------------------------------- London totals

def test_a_dip_blames_the_outlying_year_once():
    series = [("FY2021/22", 4000.0, "a", 1200), ("FY2022/23", 2000.0, "b", 600), ("FY2023/24", 4100.0, "c", 1200)]
    measured, findings = adjacent_years("workforce", GP_FTE, series, set(), TOTAL_THRESHOLD)
    assert [(f.file, f.level) for f in findings] == [("b", "fail")]  # 2000 is furthest from the median 4000
    assert findings[0].detail == "FY2021/22 4,000.0 -> FY2022/23 2,000.0 (-50%); FY2022/23 is the outlier"
    assert sorted(text for _, text in measured) == ["+105.0% (FY2022/23 -> FY2023/24)",
                                                    "-50.0% (FY2021/22 -> FY2022/23)"]


def test_a_step_blames_the_changed_file_even_when_it_holds_most_years():
    # Years 2016-2022 from a file cut in half (changed), 2023-2025 from an unchanged file.
    series = [(f"FY{y}", 2000.0, "old", 600) for y in range(2016, 2023)]
    series += [(f"FY{y}", 4200.0, "new", 1200) for y in range(2023, 2026)]
    _, findings = adjacent_years("workforce", GP_FTE, series, {"new"}, TOTAL_THRESHOLD)
    assert [(f.file, f.level) for f in findings] == [("old", "fail")]


def test_real_year_on_year_drift_passes_and_a_mid_sized_change_warns():
    series = [("FY2016/17", 4137.0, "a", 1369), ("FY2017/18", 4281.5, "a", 1371), ("FY2018/19", 4650.0, "a", 1324)]
    measured, findings = adjacent_years("workforce", GP_FTE, series, set(), TOTAL_THRESHOLD)
    assert [(f.level, f.detail.split(";")[0]) for f in findings] == [
        ("warn", "FY2017/18 4,281.5 -> FY2018/19 4,650.0 (+9%)")]  # +3.5 % passes, +8.6 % warns


def test_totals_over_few_practices_are_not_judged():
    series = [("FY2019/20", 10.0, "a", 3), ("FY2020/21", 20.0, "b", 4)]
    assert adjacent_years("workforce", GP_FTE, series, set(), TOTAL_THRESHOLD) == ([], [])


# --------------------------------------------------------------------------- practices per borough

def test_a_borough_losing_most_of_its_practices_fails():
    counts = pd.DataFrame({
        "year": [2020, 2020, 2020, 2021, 2021, 2021],
        "borough_code": ["E09000007", "E09000019", "E09000001", "E09000007", "E09000019", "E09000001"],
        "practices": [10, 10, 1, 4, 8, 0],
        "file": ["f2020"] * 3 + ["f2021"] * 3})
    names = {"E09000007": "Camden", "E09000019": "Islington"}
    measured, findings = borough_losses("payments", counts.iloc[[0, 1, 2, 3, 4]], names, set(), BOROUGH_THRESHOLD)
    # Camden 10 -> 4 (60 % lost: fail), Islington 10 -> 8 (20 %: pass), the City (1 practice) is not judged
    # (and a borough absent the next year counts as 0 practices).
    assert [(f.file, f.level, f.detail) for f in findings] == [
        ("f2021", "fail", "Camden FY2019/20 -> FY2020/21: 10 -> 4 practices (60% lost)")]
    assert sorted(text for _, text in measured) == ["20.0% lost (Islington FY2019/20 -> FY2020/21)",
                                                    "60.0% lost (Camden FY2019/20 -> FY2020/21)"]


def test_a_borough_missing_altogether_the_next_year_has_lost_all_its_practices():
    counts = pd.DataFrame({"year": [2020, 2021], "borough_code": ["E09000007", "E09000019"],
                           "practices": [12, 9], "file": ["f2020", "f2021"]})
    _, findings = borough_losses("payments", counts, {}, set(), BOROUGH_THRESHOLD)
    assert [f.detail for f in findings] == ["E09000007 FY2019/20 -> FY2020/21: 12 -> 0 practices (100% lost)"]


# --------------------------------------------------------------------------- accepting, and the summary rows

def test_accept_matches_the_path_or_the_file_name_and_sets_each_check_status():
    findings = [Finding("payments", "rows-vs-siblings", PAY.format("2019-20"), "fail", "x"),
                Finding("payments", "london-list-size", PAY.format("2019-20"), "fail", "y"),
                Finding("workforce", "london-gp-fte", OLD_WF, "warn", "z")]
    checks = [{"family": f, "rule": r} for f, r in (("payments", "rows-vs-siblings"), ("payments", "london-list-size"),
                                                    ("workforce", "london-gp-fte"), ("workforce", "rows-vs-siblings"))]
    standing = settle(checks, findings, {(PAY.format("2019-20"), "rows-vs-siblings"),
                                         ("nhs_payments_to_general_practice_london_2019-20.csv", "nothing")})
    assert [(f.rule, f.accepted) for f in findings] == [
        ("rows-vs-siblings", True), ("london-list-size", False), ("london-gp-fte", False)]
    assert standing == [findings[1]]
    assert [c["status"] for c in checks] == ["accepted", "fail", "warn", "pass"]
    settle(checks, findings, {("nhs_payments_to_general_practice_london_2019-20.csv", "london-list-size")})
    assert checks[1]["status"] == "accepted"


def test_unchanged_files_are_those_with_the_same_sha256_as_in_the_previous_build():
    previous = QualityReport(sources=[{"file": "a", "sha256": "1"}, {"file": "b", "sha256": "2"}])
    now = [{"file": "a", "sha256": "1"}, {"file": "b", "sha256": "3"}, {"file": "c", "sha256": "4"}]
    assert unchanged_files(now, previous) == {"a"}
    assert unchanged_files(now, None) == set()


@pytest.mark.parametrize("previous", [None, QualityReport()])
def test_run_checks_lists_every_rule_of_each_family_read(previous):
    facts = facts_with_rows("flows", {"2022-07": (300, "registrations/f.csv.gz")})
    checks, findings = run_checks(facts, previous, [])
    assert [(c["family"], c["rule"], c["warn"], c["fail"]) for c in checks] == [
        ("flows", "rows-vs-siblings", 0.2, 0.35)]
    assert checks[0]["worst"].startswith("not judged") and findings == []

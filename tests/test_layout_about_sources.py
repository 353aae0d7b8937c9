"""The About page's data sources (layout/about_sources.py): every file used with its size, sha256 and years, the
plausibility checks and any accepted override, all read from the build's report, in captioned tables."""
from __future__ import annotations

import json

from plotly.utils import PlotlyJSONEncoder

from data.licences import OGL
from layout.about import page
from layout.about_sources import check_rows, data_sources, files_rows

PAYMENTS = "practices/nhs_payments_to_general_practice_london_{}.csv"
REPORT = {
    "sources": [
        {"file": PAYMENTS.format("2018-19"), "family": "payments", "vintage": "2018-19", "status": "used",
         "size": 667_017, "sha256": "42078a87e1e27173030033a6314db6bb624a7bb1794251da6768bf7f410ff251"},
        {"file": "practices/epraccur_london_2025-11.csv", "family": "epraccur", "vintage": "2025-11", "status": "used",
         "size": 48_250, "sha256": "0123456789abcdef" * 4},
        {"file": "registrations/gp-reg-pat-prac-lsoa-all_london_2022-07.csv.gz", "family": "flows", "vintage": "",
         "status": "not used: superseded by registrations/gp-reg-pat-prac-lsoa-all_london_2023-07.csv.gz",
         "size": 10, "sha256": "f" * 64},
    ],
    "coverage": {"payments": {"2019": PAYMENTS.format("2018-19")}},
    "checks": [
        {"family": "payments", "rule": "years-present", "warn": None, "fail": None, "worst_value": None,
         "worst": "no year missing", "findings": [], "status": "pass"},
        {"family": "payments", "rule": "borough-practices", "warn": 0.25, "fail": 0.5, "worst_value": 0.28,
         "worst": "worst 27.7% lost (Enfield FY2020/21 -> FY2021/22)", "status": "warn",
         "findings": [{"family": "payments", "rule": "borough-practices", "file": PAYMENTS.format("2021-22"),
                       "level": "warn", "detail": "Enfield: 47 -> 34 practices (28% lost)", "accepted": False}]},
    ],
    "accepted": [],
}


def test_each_file_used_has_its_family_size_short_sha_years_and_licence():
    assert files_rows(REPORT) == [
        ["NHS Payments to General Practice (list sizes, Carr-Hill weighted lists)", PAYMENTS.format("2018-19"),
         "0.7\u00a0MB", "42078a87e1e2", "FY2018/19", OGL],
        ["GP practice register (epraccur)", "practices/epraccur_london_2025-11.csv", "48.2\u00a0kB", "0123456789ab",
         "2025-11", OGL],
    ]


def test_checks_show_rule_family_files_and_result_with_findings():
    assert check_rows(REPORT) == [
        ["years-present", "NHS Payments to General Practice (list sizes, Carr-Hill weighted lists)", "every release",
         "pass (no year missing)"],
        ["borough-practices", "NHS Payments to General Practice (list sizes, Carr-Hill weighted lists)",
         PAYMENTS.format("2021-22"),
         "warn (worst 27.7% lost (Enfield FY2020/21 -> FY2021/22)). warn: Enfield: 47 -> 34 practices (28% lost)"],
    ]


def text(section) -> str:
    return json.dumps(section, cls=PlotlyJSONEncoder)


def test_tables_have_captions_and_an_accepted_override_is_listed():
    shown = text(data_sources(REPORT))
    assert shown.count('"Caption"') == 3 and "No check is overridden" in shown
    assert "superseded by registrations/gp-reg-pat-prac-lsoa-all_london_2023-07.csv.gz" in shown
    accepted = {**REPORT, "accepted": [{"file": PAYMENTS.format("2021-22"), "rule": "borough-practices",
                                        "detail": "Enfield: 47 -> 34 practices", "sha256": "a" * 64,
                                        "how": "--accept"}]}
    shown = text(data_sources(accepted))
    assert shown.count('"Caption"') == 4 and "No check is overridden" not in shown
    assert "Checks overridden with python -m data.build --accept FILE:RULE" in shown


def test_the_about_page_lists_the_real_files_the_build_read(services):
    shown = json.dumps(page(services), cls=PlotlyJSONEncoder)
    used = [s for s in services.atlas.quality.sources if s["status"] == "used"]
    assert "Data sources" in shown and f"Every file used ({len(used)})" in shown
    assert all(s["sha256"][:12] in shown for s in used)
    # each workforce file's years, from the build's coverage (the later file supplies the years both hold)
    assert "FY2015/16 to FY2021/22" in shown and "FY2022/23 to FY2024/25" in shown

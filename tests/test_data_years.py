"""The year-label rules of data/years.py."""
from __future__ import annotations

import pandas as pd
import pytest

from data.years import extract_year, fy_end, fy_label, fy_start, payments_year, population_year_for, year_of_date


@pytest.mark.parametrize("year, label", [(2020, "FY2019/20"), (2016, "FY2015/16"), (2000, "FY1999/00")])
def test_fy_label(year, label):
    assert fy_label(year) == label


def test_fy_bounds():
    assert (fy_start(2020), fy_end(2020)) == (pd.Timestamp("2019-04-01"), pd.Timestamp("2020-03-31"))


def test_population_year_for_every_atlas_year():
    # Ideal mid-(Y-1); else the nearest of 2017/2019/2020; 2019 is a tie (2017 and 2019 both 1 away) -> later.
    assert {year: population_year_for(year, (2017, 2019, 2020)) for year in range(2015, 2026)} == {
        2015: 2017, 2016: 2017, 2017: 2017, 2018: 2017, 2019: 2019, 2020: 2019,
        2021: 2020, 2022: 2020, 2023: 2020, 2024: 2020, 2025: 2020}


def test_a_new_mid_year_estimate_takes_over_the_years_it_is_nearest():
    assert population_year_for(2026, (2017, 2019, 2020)) == 2020
    assert population_year_for(2026, (2017, 2019, 2020, 2024)) == 2024
    assert population_year_for(2022, (2017, 2019, 2020, 2024)) == 2020  # mid-2021 wanted: 2020 is 1 away, 2024 3


@pytest.mark.parametrize("month, year", [("2022-07", 2023), ("2022-03", 2022), ("2022-04", 2023)])
def test_extract_year_is_the_financial_year_of_the_month(month, year):
    assert extract_year(month) == year


def test_year_of_date_splits_at_1_april():
    dates = pd.Series(pd.to_datetime(["2021-03-31", "2021-04-01", "2020-12-31", None]))
    assert year_of_date(dates).tolist() == [2021, 2022, 2021, pd.NA]


@pytest.mark.parametrize("name, year", [("2014-15", 2015), ("2019-20", 2020), ("1999-00", 2000)])
def test_payments_year(name, year):
    assert payments_year(name) == year


@pytest.mark.parametrize("name", ["2019-21", "2019", "2019-20-21"])
def test_payments_year_rejects_non_financial_years(name):
    with pytest.raises(ValueError):
        payments_year(name)

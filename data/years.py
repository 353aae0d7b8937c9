"""What a year label means, defined once and used everywhere.

A year label ``Y`` (an int, e.g. 2020) is the NHS **financial year ending
31 March Y**: 2020 = FY2019/20 = 1 April 2019 to 31 March 2020.

How each source maps onto a year label:

* GP workforce (HEEC annual series): its ``Year`` column already is the FY end
  (each value is the mean of the monthly/quarterly practice returns in that FY).
* NHS Payments to General Practice ``2019-20`` -> 2020 (list sizes are the last
  known figure in that FY).
* Patients Registered at a GP Practice (monthly totals): an extract dated D
  belongs to the FY containing D; a year's value is the mean of its extracts.
* Patient-LSOA flows: an extract belongs to the FY containing its month
  (July 2022 -> 2023, see ``extract_year``).
* ePCN membership for year Y: the practice's PCN relationship in force on
  31 March Y (PCNs began 1 July 2019, so 2020 is the first year with PCNs).
* ONS mid-year population: FY Y is centred on 1 October Y-1, so the mid-(Y-1)
  estimate is its natural denominator. Where the bundle lacks it, year Y uses
  the available mid-year nearest to Y-1, the later one on a tie (see
  ``population_year_for``).
* IMD 2019 and PTAL 2015 are single snapshots used for every year.
* A practice is *open in year Y* when its ODS open date is on or before
  31 March Y and its close date (if any) is on or after 1 April Y-1.
"""
from __future__ import annotations

import pandas as pd

PCN_FIRST_YEAR = 2020  # PCNs began 1 July 2019: 31 March 2020 is the first year-end with PCNs
# The patient-flows extract's year and month come from the file the build used (data.model.AtlasData.flows_year,
# flows_snapshot), so a newer extract changes every label without code edits.


def fy_label(year: int) -> str:
    """2020 -> 'FY2019/20'."""
    return f"FY{year - 1}/{str(year)[-2:]}"


def fy_start(year: int) -> pd.Timestamp:
    return pd.Timestamp(year - 1, 4, 1)


def fy_end(year: int) -> pd.Timestamp:
    return pd.Timestamp(year, 3, 31)


def year_of_date(dates: pd.Series) -> pd.Series:
    """FY-end year label of each date (NaT stays missing)."""
    dates = pd.to_datetime(dates)
    return (dates.dt.year + (dates.dt.month >= 4).astype("Int64")).astype("Int64")


def extract_year(month: str) -> int:
    """Year label of an extract dated 'YYYY-MM': '2022-07' -> 2023."""
    return int(year_of_date(pd.Series([pd.Timestamp(f"{month}-01")])).iat[0])


def population_year_for(year: int, available: tuple[int, ...]) -> int:
    """Mid-year population estimate that stands in for FY ``year``.

    The ideal is mid-(year-1); otherwise the nearest available mid-year,
    preferring the later one when two are equally near.
    """
    target = year - 1
    return min(available, key=lambda mid: (abs(mid - target), -mid))


def payments_year(file_fy: str) -> int:
    """'2019-20' (as in the payments file name) -> 2020."""
    start, end = file_fy.split("-")
    year = int(start) + 1
    if str(year)[-2:] != end[-2:]:
        raise ValueError(f"not a financial year: {file_fy}")
    return year


def year_definitions() -> list[dict]:
    """Rows for the About page: one per source, how it maps to a year label."""
    return [
        {"source": "Year label Y", "rule": "NHS financial year ending 31 March Y (2020 = FY2019/20)"},
        {"source": "GP workforce (FTE, list size)",
         "rule": "mean of the practice's returns within FY Y (HEEC annual series)"},
        {"source": "NHS Payments to General Practice",
         "rule": "file for FY (Y-1)/Y; list sizes are the last known figure in that FY"},
        {"source": "Patients registered (monthly totals)", "rule": "mean of the monthly extracts dated within FY Y"},
        {"source": "Patient-LSOA flows",
         "rule": "an extract dated within FY Y is year Y (July 2022 = 2023); its shares are carried to other years"},
        {"source": "PCN membership", "rule": "ePCN relationship in force on 31 March Y (from 2020)"},
        {"source": "Resident population",
         "rule": "ONS mid-(Y-1) estimate, else the nearest mid-year estimate in the bundle, later on a tie"},
        {"source": "Practice open in Y", "rule": "ODS open date <= 31 March Y and close date (if any) >= 1 April Y-1"},
        {"source": "IMD 2019, PTAL 2015", "rule": "single snapshots applied to every year"},
    ]

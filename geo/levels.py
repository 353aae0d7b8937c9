"""The area levels the atlas maps, and which LSOA column names each level's area.

Every level but PCN is a fixed partition of London's LSOAs (data/geography.py);
a PCN catchment is the year's plurality partition (geo/catchments.py).
"""
from __future__ import annotations

from data.geography import LEVELS as AREA_LEVELS
from data.years import PCN_FIRST_YEAR

LEVELS = {**AREA_LEVELS, "pcn": "PCN catchment (plurality of registered residents)"}
LEVEL_CODE_COLUMN = {"lsoa11": "area_code", "msoa11": "msoa11_code", "ward": "ward_code", "borough": "borough_code",
                     "ccg19": "ccg19_code", "icb": "icb_code"}


def check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    return level


def level_years(level: str, years: list[int]) -> list[int]:
    """The years a level has among a measure's years: PCN catchments exist from FY2019/20."""
    return [year for year in years if year >= PCN_FIRST_YEAR] if level == "pcn" else list(years)

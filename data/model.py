"""The tidy model handed to the analytics and the app (see data/build.py for each frame)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import geopandas as gpd
import pandas as pd

from data.config import BNG, WGS84
from data.errors import check_crs
from data.quality import QualityReport
from data.years import extract_year


@dataclass
class AtlasData:
    practices: gpd.GeoDataFrame
    practice_years: pd.DataFrame
    pcns: pd.DataFrame
    areas: dict[str, gpd.GeoDataFrame]
    areas_web: dict[str, gpd.GeoDataFrame]
    lsoa_years: pd.DataFrame
    flows: pd.DataFrame
    postcodes: pd.DataFrame
    quality: QualityReport
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        check_crs(self.practices, BNG, "practices")
        for level, layer in self.areas.items():
            check_crs(layer, BNG, f"areas[{level}]")
        for level, layer in self.areas_web.items():
            check_crs(layer, WGS84, f"areas_web[{level}]")

    @cached_property
    def practice_names(self) -> pd.Series:
        """practice_code -> register name (every practice ever in the register)."""
        return self.practices.set_index("practice_code")["practice_name"]

    @cached_property
    def pcn_names(self) -> pd.Series:
        """pcn_code -> PCN name (every PCN in any ePCN extract)."""
        return self.pcns.set_index("pcn_code")["pcn_name"]

    @property
    def lsoa(self) -> gpd.GeoDataFrame:
        return self.areas["lsoa11"]

    @cached_property
    def flows_vintage(self) -> str:
        """'YYYY-MM' of the patient-flows extract the build used (from its file name)."""
        return next(s["vintage"] for s in self.quality.sources if s["family"] == "flows" and s["status"] == "used")

    @cached_property
    def flows_year(self) -> int:
        """Year label of that extract (July 2022 -> 2023)."""
        return extract_year(self.flows_vintage)

    @cached_property
    def flows_snapshot(self) -> str:
        """Month of that extract, e.g. 'July 2022'."""
        return f"{pd.Timestamp(f'{self.flows_vintage}-01'):%B %Y}"

    @property
    def years(self) -> list[int]:
        """Years with GP FTE: the years every supply-based measure supports."""
        reported = self.practice_years[self.practice_years["gp_fte"].notna()]
        return sorted(int(y) for y in reported["year"].unique())

"""The tidy model handed to the analytics and the app (see data/build.py for each frame)."""
from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from data.config import BNG, WGS84
from data.quality import QualityReport


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
        assert self.practices.crs == BNG, f"practices must be {BNG}"
        for level, layer in self.areas.items():
            assert layer.crs == BNG, f"areas[{level}] must be {BNG}"
        for level, layer in self.areas_web.items():
            assert layer.crs == WGS84, f"areas_web[{level}] must be {WGS84}"

    @property
    def lsoa(self) -> gpd.GeoDataFrame:
        return self.areas["lsoa11"]

    @property
    def flows_year(self) -> int:
        """Year label of the patient-flows extract the build used."""
        return int(self.flows["year"].iat[0])

    @property
    def flows_snapshot(self) -> str:
        """Month of that extract, e.g. 'July 2022' (from the file the build used)."""
        vintage = next(s["vintage"] for s in self.quality.sources if s["family"] == "flows" and s["status"] == "used")
        return f"{pd.Timestamp(f'{vintage}-01'):%B %Y}"

    @property
    def years(self) -> list[int]:
        """Years with GP FTE: the years every supply-based measure supports."""
        reported = self.practice_years[self.practice_years["gp_fte"].notna()]
        return sorted(int(y) for y in reported["year"].unique())

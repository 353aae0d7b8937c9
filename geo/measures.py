"""The measures registry: the one place a provision measure is declared.

Each `Measure` says how to compute it per LSOA (a numerator and a denominator
from `geo.provision.Provision`'s building blocks), its unit, direction (which
end is poor provision), the years it has, and what its basis line states.
Every coarser area is the ratio of summed numerators and denominators: that
*is* the population-weighted (or list-weighted) mean, never a plain mean of
ratios. Nothing outside this module branches on a measure's name: adding a
measure is one `Measure` entry plus its compute function.

Measures (basis strings below are shown in legends, tooltips and exports):

* ``e2sfca``: E2SFCA access (geo/access.py), GP FTE of practices open in the
  year as supply, need-weighted LSOA residents at LSOA centroids as demand;
  x 10,000. Areas: need-weighted-population-weighted mean. Only London
  practices and London residents enter (the workforce series covers London
  practices only), so LSOAs on the Greater London boundary whose nearest
  surgeries lie outside London read lower than their residents' real access,
  and a boundary practice's FTE is shared among London residents only.
* ``gp_fte_per_10k``: GP FTE attributed to the LSOA per 10,000 need-weighted
  residents. Each practice's FTE is shared over London LSOAs in proportion to
  where its registered patients live (July 2022 flows, London residents only,
  carried to other years); a practice without flows (closed before or opened
  after July 2022) is shared by its E2SFCA catchment weights G(d) x P; one with
  nobody within d0 goes wholly to its nearest LSOA. So London's attributed FTE
  equals London's reported FTE. Areas: need-weighted-population-weighted mean.
* ``patients_per_gp_fte``: registered patients / GP FTE, aligned: only
  practices that reported a positive GP FTE and list that year (FY means of
  the same workforce returns; a zero GP FTE is read as an incomplete return,
  e.g. 111 practices in FY2015/16). An area's value is the patients of those
  practices living there divided by the GP FTE attributed to them by the same
  shares (list x share / FTE x share, summed over the practices serving its
  residents). That is the list-weighted *harmonic* mean of the practices'
  ratios: at London level it is the familiar total patients / total FTE, and a
  practice with 0.3 FTE and 9,000 patients cannot swamp an area the way it
  would in an arithmetic mean of ratios (30,000).
* ``nearest_practice_m``: straight-line metres from the LSOA centroid to the
  nearest open GP practice. Areas: resident-population-weighted mean.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from data.years import fy_label
from geo.access import PER
from geo.need import WEIGHTINGS
from geo.params import AnalysisParams
from geo.rules import aligned_supply

if TYPE_CHECKING:
    from geo.provision import Provision

Parts = tuple[np.ndarray, np.ndarray]  # per-LSOA numerator and denominator
SUPPLY_YEARS, LOCATION_YEARS = "supply", "locations"
SUPPLY_BASIS = "GP FTE: NHS Digital workforce (FY mean, fully qualified GPs)"


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    poor: str            # "low" or "high": which end is poor provision
    decimals: int
    description: str
    compute: Callable[[Provision, int, AnalysisParams], Parts]
    years: str           # SUPPLY_YEARS (GP FTE reported) or LOCATION_YEARS (practices located)
    need_weighted: bool  # its basis names the need weighting
    distance_decay: bool  # its basis names the E2SFCA decay and d0
    uses_flows: bool     # residents located by the patient flows
    uses_population: bool  # its basis names the ONS mid-year estimate

    @property
    def higher_is_better(self) -> bool:
        return self.poor == "low"

    def basis(self, provision: Provision, year: int, params: AnalysisParams) -> str:
        """One line stating what the number is built from, for legends, tooltips and exports."""
        parts = [self.unit, fy_label(year)]
        if self.years == SUPPLY_YEARS:
            parts.append(SUPPLY_BASIS)
        if self.need_weighted:
            parts.append(WEIGHTINGS[params.weights])
        if self.distance_decay:
            parts.append(f"Gaussian decay, d0 {params.d0:,.0f} m straight line")
        if self.uses_flows:
            atlas = provision.atlas
            parts.append(f"patients located by {atlas.flows_snapshot} flows"
                         + ("" if year == atlas.flows_year else " (shares carried over)"))
        if self.uses_population:
            parts.append(f"ONS mid-{provision.population_mid_year(year)} population")
        return "; ".join(parts)


def _e2sfca(provision: Provision, year: int, params: AnalysisParams) -> Parts:
    need = provision.need_population(year, params.weights)
    return provision.access(year, params.weights, params.d0).access * PER * need, need


def _gp_fte_per_10k(provision: Provision, year: int, params: AnalysisParams) -> Parts:
    shares, _ = provision.attribution(year, params.weights, params.d0)
    fte = provision.supply_points(year)["gp_fte"].to_numpy()
    return shares @ fte * PER, provision.need_population(year, params.weights)


def _patients_per_gp_fte(provision: Provision, year: int, params: AnalysisParams) -> Parts:
    """Aligned practices only (geo/rules.py), so list and FTE are the same practices' shares."""
    shares, _ = provision.attribution(year, params.weights, params.d0)
    points = provision.supply_points(year)
    aligned = aligned_supply(points["list_size"], points["gp_fte"])
    patients = np.where(aligned, points["list_size"].fillna(0).to_numpy(), 0.0)
    return shares @ patients, shares @ np.where(aligned, points["gp_fte"].to_numpy(), 0.0)


def _nearest_practice_m(provision: Provision, year: int, params: AnalysisParams) -> Parts:
    residents = provision.residents(year)
    return provision.nearest_practice_distance(year) * residents, residents


MEASURES = {measure.key: measure for measure in (
    Measure("e2sfca", "E2SFCA access", "GP FTE per 10,000 need-weighted residents in reach", "low", 2,
            "Enhanced two-step floating catchment access, Gaussian decay to d0 (straight-line metres)",
            _e2sfca, SUPPLY_YEARS, need_weighted=True, distance_decay=True, uses_flows=False, uses_population=True),
    Measure("gp_fte_per_10k", "GP FTE per 10,000", "GP FTE per 10,000 need-weighted residents", "low", 2,
            "GP FTE attributed to residents by where each practice's patients live",
            _gp_fte_per_10k, SUPPLY_YEARS, need_weighted=True, distance_decay=False, uses_flows=True,
            uses_population=True),
    Measure("patients_per_gp_fte", "Patients per GP FTE", "registered patients per GP FTE", "high", 0,
            "List size / fully qualified GP FTE of the practices serving residents",
            _patients_per_gp_fte, SUPPLY_YEARS, need_weighted=False, distance_decay=False, uses_flows=True,
            uses_population=False),
    Measure("nearest_practice_m", "Distance to nearest practice", "metres (straight line)", "high", 0,
            "Straight-line distance from the LSOA centroid to the nearest open GP practice",
            _nearest_practice_m, LOCATION_YEARS, need_weighted=False, distance_decay=False, uses_flows=False,
            uses_population=True),
)}


def check_measure(measure: str) -> Measure:
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; choose one of {', '.join(MEASURES)}")
    return MEASURES[measure]

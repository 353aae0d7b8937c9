"""Need-weighted resident population.

GP workload per resident depends strongly on age, so raw head counts
understate need where the population is old or very young. We weight each
LSOA's residents by age-band workload weights and, optionally, by a
deprivation uplift; the result is rescaled so that London's weighted total
equals its resident total (weights redistribute need, they do not invent it).

Age weights: the age-sex workload index of the GMS Global Sum Allocation
Formula (the "Carr-Hill formula": Carr-Hill R, Sutton M et al., *Review of
the General Medical Services global sum formula*, report to the NHS
Confederation and BMA, 2007; first published in the 2003/04 GMS contract,
"Investing in General Practice"), which expresses the consultation workload
of each age-sex band relative to males aged 5-14. Population estimates here
are persons only, so each band uses the unweighted mean of its male and female
weights (the sex split within a band moves the result by well under 1%).

Deprivation uplift (``weights="age_imd"``): the age weight is multiplied by
``1 + IMD_UPLIFT * (10 - d) / 9`` where d is the LSOA's national IMD 2019
decile (1 = most deprived). The most deprived decile therefore carries 20%
more workload per age-weighted resident than the least deprived, a modelling
assumption in line with the higher consultation rates reported in deprived
areas; it is a named parameter, shown on the About page.
"""
from __future__ import annotations

import pandas as pd

CARR_HILL_AGE_SEX = {  # band: (male, female), relative to males aged 5-14
    "0-4": (3.97, 3.64),
    "5-14": (1.00, 1.00),
    "15-44": (1.02, 2.19),
    "45-64": (2.15, 3.25),
    "65-74": (4.19, 4.57),
    "75-84": (5.18, 5.35),
    "85+": (5.46, 5.32),
}
AGE_WEIGHTS = {band: (male + female) / 2 for band, (male, female) in CARR_HILL_AGE_SEX.items()}
IMD_UPLIFT = 0.20
WEIGHTINGS = {
    "age": "age-weighted (Carr-Hill age bands)",
    "age_imd": f"age- and deprivation-weighted (Carr-Hill age bands, IMD 2019 uplift up to +{IMD_UPLIFT:.0%})",
    "none": "raw residents (unweighted)",
}


def check_weighting(weights: str) -> str:
    if weights not in WEIGHTINGS:
        raise ValueError(f"unknown weights {weights!r}; choose one of {', '.join(WEIGHTINGS)}")
    return weights


def need_weighted_population(population: pd.DataFrame, imd_decile: pd.Series, weights: str = "age") -> pd.Series:
    """Need-weighted residents per LSOA, summing to the resident total.

    population: one row per LSOA (index lsoa11_code) with `population` and the
    pop_<band> columns of `data.readers.AGE_BANDS`; imd_decile: indexed by
    lsoa11_code.
    """
    check_weighting(weights)
    residents = population["population"].astype(float)
    if weights == "none":
        return residents.rename("need_population")
    raw = sum(population[f"pop_{band}"] * weight for band, weight in AGE_WEIGHTS.items())
    if weights == "age_imd":
        decile = imd_decile.reindex(population.index)
        if decile.isna().any():
            raise ValueError(f"{int(decile.isna().sum())} LSOAs have no IMD decile")
        raw = raw * (1 + IMD_UPLIFT * (10 - decile) / 9)
    return (raw * residents.sum() / raw.sum()).rename("need_population")

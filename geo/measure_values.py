"""The long measure-values frame and measure polarity shared by persistence and hot spots.

A values frame holds one measure at one area level: columns ``area_code``,
``year``, ``value``; a NaN value or an absent row means no data for that
area-year. Polarity says which end of the measure is poor provision:
``"low"`` (e.g. GP FTE per 10,000, E2SFCA access) or ``"high"`` (e.g.
patients per GP FTE, distance to the nearest practice).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

POLARITIES = ("low", "high")


def check_poor(poor: str) -> str:
    if poor not in POLARITIES:
        raise ValueError(f"poor must be 'low' (low value = poor provision) or 'high' (high value = poor provision); "
                         f"got {poor!r}")
    return poor


def check_fraction(name: str, value: float, example: str) -> float:
    """A probability-like parameter strictly between 0 and 1 (a cut or a significance level)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number with 0 < {name} < 1, e.g. {example}; got {value!r}")
    return float(value)


def check_values_frame(values: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Copy of `values` with the key columns and a float64 ``value`` (NaN = no data).

    One clear ValueError for a missing column, a non-numeric value, a missing
    key or a key repeated (two values for one area-year cannot both be right).
    """
    if not isinstance(values, pd.DataFrame):
        raise ValueError(f"values must be a DataFrame with columns {[*keys, 'value']}; got {type(values).__name__}")
    missing = [column for column in (*keys, "value") if column not in values.columns]
    if missing:
        raise ValueError(f"values is missing column(s) {missing}; expected columns {[*keys, 'value']}")
    if not (pd.api.types.is_numeric_dtype(values["value"]) or values["value"].isna().all()):
        raise ValueError(f"values['value'] must be numeric; got dtype {values['value'].dtype}")
    frame = values[list(keys)].copy()
    if frame.isna().any().any():
        raise ValueError(f"values has missing {', '.join(c for c in keys if frame[c].isna().any())}; every row needs "
                         f"its {' and '.join(keys)}")
    if "year" in keys:
        frame["year"] = frame["year"].astype("int64")
    frame["value"] = values["value"].to_numpy(dtype="float64", na_value=np.nan)
    repeated = frame[frame.duplicated(list(keys), keep=False)]
    if not repeated.empty:
        examples = repeated[list(keys)].drop_duplicates().head(3).to_dict("records")
        raise ValueError(f"values has {len(repeated)} rows sharing their {' and '.join(keys)} "
                         f"(one value per {'-'.join(keys)} expected), e.g. {examples}")
    return frame.reset_index(drop=True)

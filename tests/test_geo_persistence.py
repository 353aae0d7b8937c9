"""Persistence of poor provision: quintile flags and classes counted by hand, trend, window, bad parameters."""
import numpy as np
import pandas as pd
import pytest

from geo.persistence import classify_persistence, poor_flags

YEARS = [2016, 2017, 2018, 2019, 2020, 2021]
# Five areas x six years. With five values np.quantile(., 0.2) sits 0.8 of the way from the lowest to the
# second lowest value, with four values 0.6 of the way; so only the minimum (and anything tied with it) is poor.
#   low thresholds:  2016 1.8, 2017 1.8, 2018 1.0 (A and C tie), 2019 1.8, 2020 1.6, 2021 1.6
#   poor (low):      2016 A,   2017 A,   2018 A+C,               2019 B,   2020 A,   2021 A
#   high thresholds (quantile 0.8): 2016 4.2 E, 2017 4.2 E, 2018 3.4 D, 2019 4.2 E, 2020 3.8 E, 2021 3.4 D
GRID = {
    "A": [1, 1, 1, 2, 1, 1],
    "B": [2, 2, 3, 1, 2, 2],
    "C": [3, 3, 1, 3, 3, 3],
    "D": [4, 4, 4, 4, np.nan, 4],
    "E": [5, 5, np.nan, 5, 5, np.nan],
}


def long_frame(grid: dict, years: list[int]) -> pd.DataFrame:
    return pd.DataFrame([{"area_code": area, "year": year, "value": value}
                         for area, series in grid.items() for year, value in zip(years, series, strict=True)])


@pytest.fixture
def values():
    return long_frame(GRID, YEARS)


def by_area(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("area_code")


def test_poor_flags_low_marks_the_yearly_minimum_and_ties_and_leaves_missing_unflagged(values):
    flags = poor_flags(values)
    poor = flags[flags["poor"].fillna(False)].groupby("year")["area_code"].apply(sorted).to_dict()
    assert poor == {2016: ["A"], 2017: ["A"], 2018: ["A", "C"], 2019: ["B"], 2020: ["A"], 2021: ["A"]}
    thresholds = flags.drop_duplicates("year").set_index("year")["poor_threshold"]
    assert thresholds.to_dict() == pytest.approx({2016: 1.8, 2017: 1.8, 2018: 1.0, 2019: 1.8, 2020: 1.6, 2021: 1.6})
    missing = flags[flags["value"].isna()]
    assert len(missing) == 3 and missing["poor"].isna().all()
    assert flags["poor"].notna().sum() == 27 and len(flags) == len(values)


def test_poor_flags_threshold_is_numpy_quantile_linear(values):
    flags = poor_flags(values, cut=0.3, poor="high")
    for _year, group in flags.groupby("year"):
        observed = group["value"].dropna().to_numpy()
        assert group["poor_threshold"].iloc[0] == np.quantile(observed, 0.7)


def test_poor_flags_high_marks_the_yearly_maximum(values):
    flags = poor_flags(values, poor="high")
    poor = flags[flags["poor"].fillna(False)].groupby("year")["area_code"].apply(list).to_dict()
    assert poor == {2016: ["E"], 2017: ["E"], 2018: ["D"], 2019: ["E"], 2020: ["E"], 2021: ["D"]}


def test_classes_for_the_last_five_years(values):
    result = by_area(classify_persistence(values, k=4, n=5))
    assert (result["window_start"] == 2017).all() and (result["window_end"] == 2021).all()
    assert result["years_with_data"].to_dict() == {"A": 5, "B": 5, "C": 5, "D": 4, "E": 3}
    assert result["years_poor"].to_dict() == {"A": 4, "B": 1, "C": 1, "D": 0, "E": 0}
    assert result["persistence_class"].astype(str).to_dict() == {
        "A": "persistent", "B": "intermittent", "C": "intermittent", "D": "never", "E": "insufficient data"}


def test_stricter_k_turns_four_poor_years_into_intermittent_and_four_data_years_into_insufficient(values):
    result = by_area(classify_persistence(values, k=5, n=5))
    assert result.loc["A", "persistence_class"] == "intermittent"
    assert result.loc["D", "persistence_class"] == "insufficient data"


def test_polarity_high_counts_the_top_quintile(values):
    result = by_area(classify_persistence(values, k=2, n=5, poor="high"))
    # window 2017..2021: D poor 2018 and 2021 of 4 data years; E poor 2017, 2019, 2020 (3 data years)
    assert result["years_poor"].to_dict() == {"A": 0, "B": 0, "C": 0, "D": 2, "E": 3}
    assert result["persistence_class"].astype(str).to_dict() == {
        "A": "never", "B": "never", "C": "never", "D": "persistent", "E": "persistent"}


def test_end_year_moves_the_window(values):
    result = by_area(classify_persistence(values, k=4, n=5, end_year=2020))
    assert (result["window_start"] == 2016).all() and (result["window_end"] == 2020).all()
    assert result["years_poor"].to_dict() == {"A": 4, "B": 1, "C": 1, "D": 0, "E": 0}
    assert result["years_with_data"].to_dict() == {"A": 5, "B": 5, "C": 5, "D": 4, "E": 4}
    assert result.loc["E", "persistence_class"] == "never"


def test_early_end_year_shortens_the_window_and_leaves_areas_without_enough_years(values):
    result = by_area(classify_persistence(values, k=4, n=5, end_year=2018))
    assert (result["window_start"] == 2016).all() and (result["window_end"] == 2018).all()
    assert result["years_with_data"].max() == 3
    assert (result["persistence_class"] == "insufficient data").all()
    short = by_area(classify_persistence(values, k=1, n=7))  # only six years exist: all of them
    assert (short["window_start"] == 2016).all() and short.loc["A", "persistence_class"] == "persistent"


def test_window_counts_only_years_with_data_and_keeps_areas_without_any_value(values):
    empty_year = pd.DataFrame({"area_code": list(GRID), "year": 2022, "value": np.nan})
    no_data_area = pd.DataFrame({"area_code": "F", "year": YEARS, "value": np.nan})
    gappy = pd.concat([values[values["year"] != 2019], empty_year, no_data_area], ignore_index=True)
    result = by_area(classify_persistence(gappy, k=3, n=4))
    # years with data: 2016, 2017, 2018, 2020, 2021 -> last four end in 2021 and skip the absent 2019
    assert (result["window_start"] == 2017).all() and (result["window_end"] == 2021).all()
    assert result.loc["A", "years_poor"] == 4
    assert result.loc["F", "years_with_data"] == 0 and result.loc["F", "persistence_class"] == "insufficient data"
    assert len(result) == 6


def test_slope_and_change_on_a_perfect_line_with_a_gap():
    series = {"line": [10, 12, np.nan, 16, 18], "flat": [5, 5, 5, 5, 5], "single": [np.nan, 7, np.nan, np.nan, np.nan],
              "noisy": [3.0, 1.0, 4.0, 1.0, 5.0]}
    result = by_area(classify_persistence(long_frame(series, [2017, 2018, 2019, 2020, 2021]), k=1, n=5))
    assert result.loc["line", "slope_per_year"] == pytest.approx(2.0)
    assert result.loc["line", "change"] == pytest.approx(8.0)
    assert result.loc["flat", "slope_per_year"] == 0.0 and result.loc["flat", "change"] == 0.0
    assert np.isnan(result.loc["single", "slope_per_year"]) and np.isnan(result.loc["single", "change"])
    expected = np.polyfit([2017, 2018, 2019, 2020, 2021], series["noisy"], 1)[0]
    assert result.loc["noisy", "slope_per_year"] == pytest.approx(expected)
    assert result.loc["noisy", "change"] == 2.0


def test_change_uses_the_first_and_last_years_with_data_in_the_window():
    series = {"late_start": [np.nan, 4, 6, 9, np.nan], "full": [1, 2, 3, 4, 5]}
    result = by_area(classify_persistence(long_frame(series, [2017, 2018, 2019, 2020, 2021]), k=1, n=5))
    assert result.loc["late_start", "change"] == 5.0


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 0}, r"k must be a whole number of years, between 1 and n = 5; choose one of \[1, 2, 3, 4, 5\]"),
    ({"k": 6, "n": 5}, r"choose one of \[1, 2, 3, 4, 5\]; got 6"),
    ({"k": 2.5}, r"k must be a whole number"),
    ({"n": 0, "k": 1}, r"n must be a whole number of years, a window of at least 1 year"),
    ({"cut": 0}, r"cut must be a number with 0 < cut < 1"),
    ({"cut": 1.0}, r"0 < cut < 1"),
    ({"cut": "0.2"}, r"0 < cut < 1"),
    ({"poor": "bad"}, r"poor must be 'low' .* or 'high'"),
    ({"end_year": 2015},
     r"end_year 2015 is not a year with data; choose end_year from \[2016, 2017, 2018, 2019, 2020, 2021\]"),
])
def test_bad_parameters_name_the_valid_choices(values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        classify_persistence(values, **kwargs)


def test_bad_frames_get_one_clear_message(values):
    with pytest.raises(ValueError, match=r"missing column\(s\) \['year'\]"):
        poor_flags(values.drop(columns="year"))
    with pytest.raises(ValueError, match="rows sharing their area_code and year"):
        classify_persistence(pd.concat([values, values.head(1)]))
    with pytest.raises(ValueError, match="must be numeric"):
        poor_flags(values.assign(value="x"))
    with pytest.raises(ValueError, match="no non-missing value"):
        classify_persistence(values.assign(value=np.nan))


@pytest.mark.real_data
def test_real_lsoa_population_series_is_consistent_with_the_yearly_flags(atlas):
    """Residents per LSOA over the real years (poor='high' just to exercise the top quintile)."""
    lsoa_years = atlas.lsoa_years
    values = lsoa_years[["lsoa11_code", "year", "population"]].rename(
        columns={"lsoa11_code": "area_code", "population": "value"})
    result = classify_persistence(values, k=4, n=5, poor="high")
    assert len(result) == len(atlas.areas["lsoa11"]) == 4835
    assert set(result["area_code"]) == set(atlas.areas["lsoa11"]["area_code"])
    latest = int(values["year"].max())
    assert (result["window_end"] == latest).all() and (result["window_start"] == latest - 4).all()
    assert (result["years_with_data"] == 5).all()

    flags = poor_flags(values, poor="high")
    in_window = flags[flags["year"].between(latest - 4, latest)]
    assert in_window.groupby("year")["poor"].mean().between(0.19, 0.21).all()
    counted = in_window.groupby("area_code")["poor"].sum().reindex(result["area_code"])
    assert (result["years_poor"].to_numpy() == counted.to_numpy()).all()
    classes = result["persistence_class"].value_counts()
    assert classes.sum() == 4835 and classes["persistent"] > 0 and classes["never"] > 0
    assert classes["insufficient data"] == 0

"""Need weighting: hand-computed Carr-Hill age weights, deprivation uplift, London total preserved."""
import pandas as pd
import pytest

from geo.need import AGE_WEIGHTS, need_weighted_population

BANDS = ("0-4", "5-14", "15-44", "45-64", "65-74", "75-84", "85+")


def population(rows):
    frame = pd.DataFrame([{f"pop_{b}": row.get(b, 0) for b in BANDS} for row in rows], index=["L0", "L1"])
    frame["population"] = frame.sum(axis=1)
    return frame


def test_age_weights_are_the_mean_of_the_carr_hill_male_and_female_weights():
    assert AGE_WEIGHTS["0-4"] == pytest.approx((3.97 + 3.64) / 2)
    assert AGE_WEIGHTS["5-14"] == 1.0
    assert AGE_WEIGHTS["85+"] == pytest.approx((5.46 + 5.32) / 2)


def test_age_weighting_by_hand_and_total_preserved():
    pop = population([{"0-4": 100}, {"5-14": 100}])
    weighted = need_weighted_population(pop, pd.Series({"L0": 5, "L1": 5}), "age")
    # raw 380.5 and 100, rescaled to the 200 residents
    assert weighted["L0"] == pytest.approx(380.5 * 200 / 480.5)
    assert weighted["L1"] == pytest.approx(100 * 200 / 480.5)
    assert weighted.sum() == pytest.approx(200)


def test_deprivation_uplift_most_deprived_decile_plus_twenty_percent():
    pop = population([{"5-14": 100}, {"5-14": 100}])
    weighted = need_weighted_population(pop, pd.Series({"L0": 1, "L1": 10}), "age_imd")
    assert weighted["L0"] / weighted["L1"] == pytest.approx(1.2)
    assert weighted.sum() == pytest.approx(200)


def test_unweighted_is_residents_and_bad_choice_names_the_options():
    pop = population([{"0-4": 7}, {"85+": 3}])
    assert need_weighted_population(pop, pd.Series(dtype=float), "none").tolist() == [7, 3]
    with pytest.raises(ValueError, match="age, age_imd, none"):
        need_weighted_population(pop, pd.Series(dtype=float), "sex")

"""Bid scenarios on a tiny model worked on paper (geo/bids/).

Ten 1 km LSOAs in a row (tests/synthetic.py), d0 = 1,500 m, so a site reaches
its own LSOA (G = 1) and the two next to it (G(1000) = g, about 0.4936).
Practices: P1 at LSOA 1 (3 FTE), P4 at LSOA 4 (2 FTE), P7 100 m east of
LSOA 7's centroid (2 FTE; breaks the tie between LSOAs 6 and 8), FAR 60 km
away (5 FTE; nobody within d0). LSOA 9 is reached by no practice (access 0)
and LSOA 6 is the next lowest, so the baseline bottom quintile (access <= the
20th percentile, interpolated between the 2nd and 3rd lowest of ten) is
{9, 6}: need 1,000 + 1,000. Population is all aged 15-44, so need = residents.
The same supply in five years makes {9, 6} persistent (4 of 5).
"""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from geo.access import PER, decay_matrix, e2sfca, gaussian_weight
from geo.bids import (
    DEFAULT_OBJECTIVE,
    BidScenarios,
    PracticeChanges,
    ScenarioSummary,
    bid_baseline,
    evaluate,
    parse_changes,
    ranked_table,
    summary_line,
)
from geo.params import AnalysisParams
from geo.provision import Provision
from geo.tables import AreaTables
from tests.synthetic import ORIGIN_X, ORIGIN_Y, lsoa_row, tiny_atlas

D0 = 1500.0
YEAR = 2023
POPULATION = [1000, 1200, 900, 1100, 1000, 1000, 1000, 1300, 700, 1000]
G = float(gaussian_weight(1000.0, D0))


def centroid_x(i: int) -> float:
    return ORIGIN_X + 1000 * (i + 0.5)


Y = ORIGIN_Y + 500
PRACTICES = pd.DataFrame({"practice_code": ["P1", "P4", "P7", "FAR"],
                          "easting": [centroid_x(1), centroid_x(4), centroid_x(7) + 100, centroid_x(0) + 60_000],
                          "northing": [Y] * 4, "gp_fte": [3.0, 2.0, 2.0, 5.0], "list_size": [5000.0] * 4})


@pytest.fixture(scope="module")
def provision():
    lsoa = lsoa_row(10)
    atlas = tiny_atlas(lsoa, PRACTICES, POPULATION, years=(2019, 2020, 2021, 2022, 2023))
    atlas.practices["practice_name"] = atlas.practices["practice_code"] + " SURGERY"
    atlas.areas["borough"] = lsoa.dissolve("borough_code").reset_index()[["borough_code", "geometry"]].rename(
        columns={"borough_code": "area_code"}).assign(area_name=lambda f: "Borough " + f["area_code"])
    return Provision(atlas)


@pytest.fixture(scope="module")
def tables(provision):
    return AreaTables(provision)


@pytest.fixture(scope="module")
def base(tables):
    return bid_baseline(tables, YEAR, AnalysisParams(d0=D0))


def bids(*rows):
    return pd.DataFrame(list(rows), columns=["label", "easting", "northing", "practice_code", "added_gp_fte", "cost"])


def at_lsoa(i: int, label: str, fte: float, cost=""):
    return (label, str(centroid_x(i)), str(Y), "", str(fte), str(cost))


def uplift(code: str, label: str, fte: float, cost=""):
    return (label, "", "", code, str(fte), str(cost))


def full_rerun(provision, supply_xy, supply):
    """Independent check: E2SFCA from scratch on the changed supply (no deltas)."""
    return e2sfca(decay_matrix(provision.lsoa_xy, supply_xy, D0), provision.need_population(YEAR, "age"), supply).access


def test_baseline_bottom_quintile_and_persistence_worked_on_paper(base):
    assert base.access[9] == 0.0
    assert np.flatnonzero(base.access <= base.cut).tolist() == [6, 9]
    assert base.bottom_quintile_need == pytest.approx(2000.0)
    assert np.flatnonzero(base.persistent).tolist() == [6, 9]


def test_site_where_access_is_lowest_raises_it_there_and_lowers_it_nowhere(provision, base):
    scenario = evaluate(bids(at_lsoa(9, "gap", 1.0)), base)
    change = scenario.lsoa_changes(row=1)
    reach = POPULATION[9] + G * POPULATION[8]  # D of the new site: LSOA 9 (G = 1) and LSOA 8 (G = g)
    expected = np.zeros(10)
    expected[9], expected[8] = 1.0 / reach, G / reach
    assert change["delta"].to_numpy() == pytest.approx(expected * PER, rel=1e-12, abs=1e-15)
    assert (change["delta"] >= 0).all() and change.loc[9, "after"] > change.loc[9, "before"]
    bid = scenario.bids.iloc[0]
    assert bid["status"] == "ok" and bid["need_in_reach"] == pytest.approx(reach)
    assert bid["lsoas_gaining"] == 2 and bid["gainers_need"] == pytest.approx(1700.0)
    assert bid["lifted_need"] == pytest.approx(1000.0)  # 1 / 1345 per resident lifts LSOA 9 past the cut
    assert bid["persistent_reached"] == 1
    assert (bid["gainers_imd_10"], bid["gainers_imd_9"]) == (pytest.approx(1000.0), pytest.approx(700.0))
    assert bid["gainers_imd_1_2_share"] == 0.0
    assert bid["nearest_practice_m"] == pytest.approx(1900.0) and bid["nearest_practice_code"] == "P7"
    assert bid["borough"] == "Borough BOROUGH4"


def test_delta_equals_a_full_rerun_for_new_sites_and_uplifts(provision, base):
    scenario = evaluate(bids(at_lsoa(9, "new", 1.5), uplift("P7", "more P7", 0.5)), base)
    xy = PRACTICES[["easting", "northing"]].to_numpy()
    new_xy = np.vstack([xy, [centroid_x(9), Y]])
    expected = full_rerun(provision, new_xy, np.array([3.0, 2.0, 2.5, 5.0, 1.5]))
    assert scenario.before + np.asarray(scenario.delta.sum(axis=1)).ravel() == pytest.approx(expected, rel=1e-12)
    assert scenario.bids["kind"].tolist() == ["new site", "uplift"]


def test_fte_at_a_practice_with_nobody_within_d0_changes_nothing(base):
    scenario = evaluate(bids(uplift("FAR", "far", 4.0)), base)
    bid = scenario.bids.iloc[0]
    assert bid["status"] == "ok" and bid["need_in_reach"] == 0
    assert scenario.delta.count_nonzero() == 0
    assert (bid["gainers_need"], bid["lifted_need"], bid["access_gain_fte"]) == (0, 0, 0)
    assert bid["note"] == "no residents within d0: the site adds no access"


def test_two_identical_bids_give_twice_the_gain_but_lift_the_same_residents_once(base):
    one = evaluate(bids(at_lsoa(9, "a", 2.0)), base)
    two = evaluate(bids(at_lsoa(9, "a", 2.0), at_lsoa(9, "b", 2.0)), base)
    single = one.lsoa_changes(row=1)["delta"].to_numpy()
    assert np.array_equal(two.lsoa_changes()["delta"].to_numpy(), 2 * single)  # exactly: linear in supply
    assert two.summary.combined_access_gain_fte == pytest.approx(2 * one.summary.combined_access_gain_fte)
    assert one.summary.combined_access_gain_fte == pytest.approx(2.0)  # E2SFCA conserves supply
    assert two.summary.combined_lifted_need == pytest.approx(1000.0)
    assert two.summary.combined_lifted_need <= base.bottom_quintile_need
    assert two.summary.lifted_need_sum_of_singles == pytest.approx(2000.0)
    assert two.summary.interaction_lifted_need == pytest.approx(-1000.0)  # overlap
    assert two.bids["lifted_need_in_combination"].tolist() == [0.0, 0.0]  # each is redundant given the other


def test_lifted_residents_never_exceed_the_baseline_bottom_quintile(base):
    flood = bids(*[at_lsoa(i, f"site {i}", 40.0) for i in range(10)])
    summary = evaluate(flood, base).summary
    assert summary.combined_lifted_need == pytest.approx(base.bottom_quintile_need)  # both lifted, no more


def test_two_small_bids_lift_together_what_neither_lifts_alone(base):
    reach = POPULATION[9] + G * POPULATION[8]
    fte = 0.75 * base.cut * reach  # alone: 0.75 x the cut at LSOA 9; together 1.5 x
    scenario = evaluate(bids(at_lsoa(9, "a", fte), at_lsoa(9, "b", fte)), base)
    assert scenario.bids["lifted_need"].tolist() == [0.0, 0.0]
    assert scenario.bids["lifted_need_in_combination"].tolist() == [1000.0, 1000.0]
    assert scenario.summary.interaction_lifted_need == pytest.approx(1000.0)  # synergy


def test_ranking_by_objectives_and_unranked_rows(base):
    table = bids(at_lsoa(9, "gap", 1.0, cost=2_000_000), at_lsoa(3, "busy", 1.0, cost=100_000),
                 at_lsoa(6, "near gap", 1.0))
    default = evaluate(table, base)
    assert default.objective.key == DEFAULT_OBJECTIVE
    ranked = default.bids.set_index("label")
    # gap lifts LSOA 9 (1,000 per FTE); near gap lifts LSOA 6 (1,000 per FTE) too; busy lifts nobody.
    assert ranked.loc["gap", "objective_value"] == pytest.approx(1000.0)
    assert ranked.loc["near gap", "objective_value"] == pytest.approx(1000.0)
    assert ranked.loc["busy", "rank"] == 3
    per_pound = evaluate(table, base, objective="lifted_per_gbp_m").bids.set_index("label")
    assert per_pound.loc["gap", "objective_value"] == pytest.approx(500.0)  # 1,000 residents / £2m
    assert pd.isna(per_pound.loc["near gap", "rank"]) and "no cost given" in per_pound.loc["near gap", "note"]
    assert ranked_table(evaluate(table, base, objective="lifted_per_gbp_m"))["label"].tolist() == \
        ["gap", "busy", "near gap"]


def test_underserved_share_is_the_part_of_the_fte_reaching_the_bottom_quintile(base):
    scenario = evaluate(bids(at_lsoa(9, "gap", 1.0)), base)
    reach = POPULATION[9] + G * POPULATION[8]
    # LSOA 9 is in the bottom quintile, LSOA 8 is not: share = P9 * (1 / D) = 1000 / 1345.
    assert scenario.bids.loc[0, "underserved_gain_per_fte"] == pytest.approx(POPULATION[9] / reach)
    assert scenario.bids.loc[0, "access_gain_per_fte"] == pytest.approx(1.0)


def test_closures_and_merges_equal_a_full_rerun(provision, base):
    changes, problems = parse_changes("P4", "P7>P1", base)
    assert problems == [] and changes == PracticeChanges(("P4",), (("P7", "P1"),))
    scenario = evaluate(bids(at_lsoa(9, "gap", 1.0)), base, changes)
    xy = PRACTICES[["easting", "northing"]].to_numpy()
    assert scenario.before == pytest.approx(full_rerun(provision, xy, np.array([5.0, 0.0, 0.0, 5.0])), rel=1e-12)
    assert scenario.bids.loc[0, "nearest_practice_code"] == "P1"  # P7 merged away, P4 closed
    assert scenario.summary.fte_closed == 2.0 and scenario.summary.fte_moved == 2.0
    assert scenario.summary.need_losing_access_from_changes > 0
    assert "closed P4; merged P7 into P1" in summary_line(scenario.summary)


def test_bad_changes_are_dropped_with_reasons(base):
    changes, problems = parse_changes("P4, NOPE", "P1>P1, P7, P4>P1, P7>P1", base)
    assert changes == PracticeChanges(("P4",), (("P7", "P1"),))
    assert problems == ["close NOPE: not an open GP practice with a location in FY2022/23",
                        "merge P1>P1: a practice cannot merge into itself",
                        "merge P7: write FROM>INTO, e.g. F84003>F84004",
                        "merge P4>P1: P4 or P1 is already closed or merged in this scenario"]


def test_uplift_of_a_closed_practice_and_site_outside_london_are_refused(base):
    changes, _ = parse_changes("P4", "", base)
    scenario = evaluate(bids(uplift("P4", "reopen", 1.0), ("out", str(ORIGIN_X + 20_000), str(Y), "", "1", ""),
                             uplift("P1", "too big", 48.0)), base, changes)
    status = scenario.bids["status"].tolist()
    assert status[0] == "practice_code P4 is closed or merged away in this scenario"
    assert status[1] == "site outside London (E 520000, N 180500)"
    assert status[2].startswith("more than 50 GP FTE at one site (existing + added = 51.0)")


def test_bad_parameters_raise_one_clear_error(tables):
    with pytest.raises(ValueError, match="choose one of 2019, 2020"):
        bid_baseline(tables, 2030)
    with pytest.raises(ValueError, match="k must be a whole number of years between 1 and n = 5"):
        bid_baseline(tables, YEAR, AnalysisParams(k=6, n=5))
    with pytest.raises(ValueError, match="unknown objective 'best'; choose one of lifted_per_fte"):
        evaluate(bids(at_lsoa(9, "a", 1.0)), bid_baseline(tables, YEAR, AnalysisParams(d0=D0)), objective="best")


def test_persistence_unavailable_is_said_not_hidden(tables):
    early = bid_baseline(tables, 2020, AnalysisParams(d0=D0))
    assert early.persistent is None and "only 2 year(s) of E2SFCA data up to FY2019/20" in early.persistence_note
    scenario = evaluate(bids(at_lsoa(9, "gap", 1.0)), early)
    assert pd.isna(scenario.bids.loc[0, "persistent_reached"])


def test_the_summary_is_typed_read_only_and_adds_up(base):
    summary = evaluate(bids(at_lsoa(9, "gap", 1.0, cost=2_000_000), at_lsoa(3, "busy", 1.0)), base).summary
    assert isinstance(summary, ScenarioSummary) and summary.params == base.params and summary.fy == "FY2022/23"
    assert len(summary.combined_gainers_by_imd) == 10
    assert sum(summary.combined_gainers_by_imd) == pytest.approx(summary.combined_gainers_need)
    assert np.isnan(summary.cost_total)  # "busy" gives no cost, so the scenario has no total cost
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.bids_valid = 3


def test_scenarios_are_memoised_by_rows_and_parameters(tables):
    scenarios = BidScenarios(tables)
    params = AnalysisParams(d0=D0)
    row = {"label": "gap", "easting": str(centroid_x(9)), "northing": str(Y), "added_gp_fte": "1"}
    first, problems = scenarios.scenario([row], YEAR, params, DEFAULT_OBJECTIVE, "", "NOPE>P1")
    again, _ = scenarios.scenario([dict(row)], YEAR, AnalysisParams(d0=D0), DEFAULT_OBJECTIVE, "", "NOPE>P1")
    assert again is first and first.bids.loc[0, "status"] == "ok"
    assert problems == ("merge NOPE>P1: NOPE not an open GP practice with a location in FY2022/23",)
    assert scenarios.baseline(YEAR, params) is first.base
    wider, _ = scenarios.scenario([row], YEAR, params.with_(d0=2 * D0), DEFAULT_OBJECTIVE, "", "")
    assert wider.base is not first.base and wider.base.params.d0 == 2 * D0
    scenarios.clear_scenarios()
    fresh, _ = scenarios.scenario([row], YEAR, params, DEFAULT_OBJECTIVE, "", "NOPE>P1")
    assert fresh is not first and fresh.base is first.base  # baselines outlive the scenarios

"""E2SFCA on a case done on paper, and agreement with PySAL `access` on real London inputs."""
import numpy as np
import pandas as pd
import pytest

from geo.access import decay_matrix, e2sfca, gaussian_weight, nearest_distance

G500 = (np.exp(-0.125) - np.exp(-0.5)) / (1 - np.exp(-0.5))  # d = 500 m, d0 = 1,000 m


def test_gaussian_is_one_at_zero_zero_at_and_beyond_d0():
    assert gaussian_weight(0.0, 1000) == 1.0
    assert gaussian_weight(1000.0, 1000) == pytest.approx(0.0, abs=1e-15)
    assert gaussian_weight(1000.1, 1000) == 0.0
    assert gaussian_weight(500.0, 1000) == pytest.approx(0.7013666, abs=1e-7)


def test_two_practices_three_lsoas_by_hand():
    # LSOAs at x = 0, 500, 2000 with 1000, 2000, 1000 residents; practices at x = 0 (2 FTE), 1500 (1 FTE).
    demand_xy = np.array([[0.0, 0], [500, 0], [2000, 0]])
    supply_xy = np.array([[0.0, 0], [1500, 0]])
    result = e2sfca(decay_matrix(demand_xy, supply_xy, 1000), np.array([1000.0, 2000, 1000]), np.array([2.0, 1]))
    r0 = 2 / (1000 + G500 * 2000)
    r1 = 1 / (G500 * 1000)
    assert result.supply_ratio == pytest.approx([r0, r1], rel=1e-12)
    assert result.access == pytest.approx([r0, G500 * r0, 1 / 1000], rel=1e-12)
    # supply is conserved: everyone's access times population adds up to the FTE in reach
    assert (result.access * [1000, 2000, 1000]).sum() == pytest.approx(3.0, rel=1e-12)


def test_lsoa_out_of_reach_gets_zero_and_unreached_practice_is_flagged():
    demand_xy = np.array([[0.0, 0], [5000, 0]])
    supply_xy = np.array([[0.0, 0], [20000, 0]])
    result = e2sfca(decay_matrix(demand_xy, supply_xy, 1600), np.array([100.0, 100]), np.array([1.0, 4.0]))
    assert result.access.tolist() == [pytest.approx(0.01), 0.0]
    assert result.unreached_supply.tolist() == [False, True]


def test_zero_fte_practice_adds_nothing():
    demand_xy = np.array([[0.0, 0], [800, 0]])
    supply_xy = np.array([[0.0, 0], [800, 0]])
    decay = decay_matrix(demand_xy, supply_xy, 1600)
    with_zero = e2sfca(decay, np.array([50.0, 70]), np.array([3.0, 0.0]))
    alone = e2sfca(decay_matrix(demand_xy, supply_xy[:1], 1600), np.array([50.0, 70]), np.array([3.0]))
    assert with_zero.access == pytest.approx(alone.access, rel=1e-12)


def test_nearest_distance():
    distance, index = nearest_distance(np.array([[0.0, 0], [10, 10]]), np.array([[3.0, 4], [10, 13]]))
    assert distance.tolist() == [5.0, 3.0] and index.tolist() == [0, 1]


@pytest.mark.real_data
@pytest.mark.parametrize("method", ["enhanced_two_stage_fca", "two_stage_fca"])
def test_agrees_with_pysal_access_on_real_london_inputs(provision, method):
    """Same demand, supply, brute-force cost matrix and Gaussian weights: PySAL `access` to 1e-9."""
    from access import Access

    year, d0 = 2023, 1600.0
    points = provision.supply_points(year)
    demand = provision.need_population(year, "age")
    supply_xy = points[["easting", "northing"]].to_numpy(float)
    ours = provision.access(year, "age", d0).access

    full = np.hypot(provision.lsoa_xy[:, None, 0] - supply_xy[None, :, 0],
                    provision.lsoa_xy[:, None, 1] - supply_xy[None, :, 1])
    origin, dest = np.nonzero(full <= d0)
    cost = pd.DataFrame({"origin": provision.lsoa_codes[origin], "dest": points["practice_code"].to_numpy()[dest],
                         "cost": full[origin, dest]})
    model = Access(demand_df=pd.DataFrame({"lsoa": provision.lsoa_codes, "need": demand}), demand_index="lsoa",
                   demand_value="need", supply_df=points[["practice_code", "gp_fte"]], supply_index="practice_code",
                   supply_value="gp_fte", cost_df=cost, cost_origin="origin", cost_dest="dest", cost_name="cost")
    theirs = getattr(model, method)(name="a", weight_fn=lambda d: float(gaussian_weight(d, d0)), max_cost=d0)
    theirs = theirs.iloc[:, 0].reindex(provision.lsoa_codes).fillna(0.0).to_numpy()
    assert len(ours) == 4835
    assert np.abs(ours - theirs).max() < 1e-9
    assert (ours > 0).sum() > 4500  # a real comparison, not two arrays of zeros

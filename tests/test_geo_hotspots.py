"""Gi* hot spots: queen weights with float noise, Gi* z by the textbook formula, exact permutation p, labels."""
from itertools import combinations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from shapely.geometry import box

from data.config import BNG
from geo.hotspots import GOOD_CLUSTER, NOT_SIGNIFICANT, POOR_CLUSTER, getis_ord_gi_star, lsoa_weights

X0, Y0, SIDE = 500_000.0, 180_000.0, 100.0
# 3 x 3 grid, row 0 at the bottom. A low-value cluster fills the corner R0C0 (values 1-4 on R0C0, R0C1, R1C0,
# R1C1); the opposite corner R2C2 holds the highest value but has the low R1C1 among its neighbours.
GRID_VALUES = {"R0C0": 1, "R0C1": 2, "R0C2": 10, "R1C0": 3, "R1C1": 4, "R1C2": 11, "R2C0": 12, "R2C1": 13, "R2C2": 14}


def cell(row: int, col: int):
    return box(X0 + col * SIDE, Y0 + row * SIDE, X0 + (col + 1) * SIDE, Y0 + (row + 1) * SIDE)


def grid_frame() -> gpd.GeoDataFrame:
    codes = [f"R{r}C{c}" for r in range(3) for c in range(3)]
    return gpd.GeoDataFrame({"area_code": codes}, geometry=[cell(r, c) for r in range(3) for c in range(3)], crs=BNG)


def grid_values(**overrides) -> pd.DataFrame:
    values = {**GRID_VALUES, **overrides}
    return pd.DataFrame({"area_code": list(values), "value": list(values.values())})


def queen_by_hand(codes: list[str]) -> np.ndarray:
    """Binary queen adjacency of the grid cells, self included: cells whose row and column differ by at most 1."""
    rows = np.array([int(code[1]) for code in codes])
    cols = np.array([int(code[3]) for code in codes])
    return ((np.abs(rows[:, None] - rows) <= 1) & (np.abs(cols[:, None] - cols) <= 1)).astype(float)


def textbook_gi_star(x: np.ndarray, adjacency) -> np.ndarray:
    """Getis & Ord (1995) Gi* z with binary weights including i:
    (sum w x - xbar W) / (S sqrt((n sum w^2 - W^2)/(n-1)))."""
    n = len(x)
    mean, sd = x.mean(), x.std()
    weight_sum = adjacency.sum(axis=1)
    spread = np.sqrt((n * (adjacency ** 2).sum(axis=1) - weight_sum ** 2) / (n - 1))
    with np.errstate(invalid="ignore"):  # an area neighbouring all others: 0 / 0
        return (adjacency @ x - mean * weight_sum) / (sd * spread)


def exact_directed_p(x: np.ndarray, adjacency: np.ndarray, i: int) -> float:
    """Conditional permutation p by enumeration: area i keeps its value, its m neighbours take any m others.

    esda's directed rule: the smaller of P(sum >= observed) and P(sum < observed).
    """
    neighbours = [j for j in np.flatnonzero(adjacency[i]) if j != i]
    others = np.delete(x, i)
    sums = np.array([sum(draw) for draw in combinations(others, len(neighbours))])
    observed = x[neighbours].sum()
    return min((sums >= observed).mean(), (sums < observed).mean())


@pytest.fixture(scope="module")
def grid_weights():
    return lsoa_weights(grid_frame())


def test_weights_match_queen_adjacency_by_hand(grid_weights):
    codes = grid_weights.id_order
    assert codes == grid_frame()["area_code"].tolist()
    expected = queen_by_hand(codes) - np.eye(9)
    assert (grid_weights.sparse.toarray() == expected).all()


def test_weights_survive_float_noise_on_shared_vertices():
    """As in the GLA file: the same vertex stored 1e-7 m apart in two polygons still makes neighbours."""
    noise = 1e-7
    frame = gpd.GeoDataFrame({"area_code": ["west", "east", "corner", "island"]}, geometry=[
        box(X0, Y0, X0 + 100.0, Y0 + 100.0),
        box(X0 + 100.0 + noise, Y0 - noise, X0 + 200.0, Y0 + 100.0 + noise),
        box(X0 + 200.0 - noise, Y0 + 100.0 + noise, X0 + 300.0, Y0 + 200.0),  # touches east at one corner only
        box(X0 + 1000.0, Y0, X0 + 1100.0, Y0 + 100.0),
    ], crs=BNG)
    weights = lsoa_weights(frame)
    assert {code: sorted(neighbours) for code, neighbours in weights.neighbors.items()} == {
        "west": ["east"], "east": ["corner", "west"], "corner": ["east"], "island": []}
    assert weights.islands == ["island"]


def test_weights_refuse_geographic_coordinates():
    with pytest.raises(ValueError, match="EPSG:27700"):
        lsoa_weights(grid_frame().to_crs(4326))


def test_gi_star_z_matches_the_textbook_formula(grid_weights):
    result = getis_ord_gi_star(grid_values(), grid_weights, permutations=0).set_index("area_code")
    codes = list(GRID_VALUES)
    x = np.array([GRID_VALUES[code] for code in codes], dtype=float)
    expected = pd.Series(textbook_gi_star(x, queen_by_hand(codes)), index=codes)
    # the centre neighbours every cell: its Gi* is constant (0/0) and it is not tested
    assert np.isnan(result.loc["R1C1", "gi_z"]) and pd.isna(result.loc["R1C1", "hotspot_class"])
    tested = [code for code in codes if code != "R1C1"]
    assert result.loc[tested, "gi_z"].to_numpy() == pytest.approx(expected[tested].to_numpy())
    assert (result.loc[tested, "p_value"] == result.loc[tested, "p_norm"]).all()  # permutations=0: analytical


def test_permutation_p_matches_exact_enumeration_and_the_low_corner_is_a_poor_cluster(grid_weights):
    result = getis_ord_gi_star(grid_values(), grid_weights).set_index("area_code")
    codes = list(GRID_VALUES)
    x = np.array([GRID_VALUES[code] for code in codes], dtype=float)
    adjacency = queen_by_hand(codes)
    for i, code in enumerate(codes):
        if code != "R1C1":
            two_sided = min(1.0, 2 * exact_directed_p(x, adjacency, i))
            assert result.loc[code, "p_value"] == pytest.approx(two_sided, abs=0.06), code
    # R0C0 with 2, 3, 4 is the lowest possible sum: no permutation is lower, so p = 2 x 1 / (999 + 1)
    assert result.loc["R0C0", "p_value"] == 0.002
    assert result.loc["R0C0", "gi_z"] < 0 and result.loc["R0C0", "hotspot_class"] == POOR_CLUSTER
    assert result.loc["R2C2", "p_value"] > 0.05 and result.loc["R2C2", "hotspot_class"] == NOT_SIGNIFICANT
    assert result.loc["R0C0", "neighbours_with_data"] == 3 and result.loc["R0C1", "neighbours_with_data"] == 5


def test_polarity_high_relabels_the_low_value_cluster_as_good_provision(grid_weights):
    low = getis_ord_gi_star(grid_values(), grid_weights, poor="low").set_index("area_code")
    high = getis_ord_gi_star(grid_values(), grid_weights, poor="high").set_index("area_code")
    assert high.loc["R0C0", "hotspot_class"] == GOOD_CLUSTER
    assert (high["gi_z"].dropna() == low["gi_z"].dropna()).all()
    swapped = low["hotspot_class"].astype(object).replace({POOR_CLUSTER: GOOD_CLUSTER, GOOD_CLUSTER: POOR_CLUSTER})
    assert swapped.equals(high["hotspot_class"].astype(object))


def test_alpha_decides_significance(grid_weights):
    strict = getis_ord_gi_star(grid_values(), grid_weights, alpha=0.0005).set_index("area_code")
    assert strict.loc["R0C0", "hotspot_class"] == NOT_SIGNIFICANT


def test_same_seed_same_answer_and_weights_left_as_they_were(grid_weights):
    before = grid_weights.sparse.toarray().copy(), grid_weights.transform
    first = getis_ord_gi_star(grid_values(), grid_weights, seed=7)
    second = getis_ord_gi_star(grid_values(), grid_weights, seed=7)
    pd.testing.assert_frame_equal(first, second)
    assert (grid_weights.sparse.toarray() == before[0]).all() and grid_weights.transform == before[1]


def test_missing_areas_are_dropped_from_the_weights_and_left_untested(grid_weights):
    values = grid_values(R2C1=np.nan).query("area_code != 'R0C2'")  # one NaN, one absent row
    result = getis_ord_gi_star(values, grid_weights, permutations=0).set_index("area_code")
    assert result.loc[["R2C1", "R0C2"], "hotspot_class"].isna().all()
    assert result.loc[["R2C1", "R0C2"], "gi_z"].isna().all()
    kept = [code for code in GRID_VALUES if code not in ("R2C1", "R0C2")]
    x = np.array([GRID_VALUES[code] for code in kept], dtype=float)
    adjacency = queen_by_hand(kept)
    assert result.loc[kept, "neighbours_with_data"].tolist() == (adjacency.sum(axis=1) - 1).astype(int).tolist()
    # the centre still neighbours every area with data (z = 0/0): untested, like the full grid
    assert result.loc[kept, "gi_z"].to_numpy() == pytest.approx(textbook_gi_star(x, adjacency), nan_ok=True)
    assert pd.isna(result.loc["R1C1", "hotspot_class"])


def test_an_area_whose_neighbours_all_lack_data_is_an_untested_island(grid_weights):
    values = grid_values(R0C1=np.nan, R1C0=np.nan, R1C1=np.nan)
    result = getis_ord_gi_star(values, grid_weights).set_index("area_code")
    assert result.loc["R0C0", "neighbours_with_data"] == 0
    assert pd.isna(result.loc["R0C0", "hotspot_class"]) and np.isnan(result.loc["R0C0", "p_value"])
    assert result.loc["R2C2", "hotspot_class"] in (NOT_SIGNIFICANT, POOR_CLUSTER, GOOD_CLUSTER)


@pytest.mark.parametrize("values, kwargs, message", [
    (grid_values(R0C0=-1), {}, "non-negative"),
    (grid_values(**dict.fromkeys(GRID_VALUES, 3)), {}, "same value"),
    (pd.concat([grid_values(), pd.DataFrame({"area_code": ["E01000001"], "value": [1.0]})]), {},
     r"not areas of the weights .* \['E01000001'\]"),
    (pd.concat([grid_values().assign(year=2020), grid_values().assign(year=2021)]), {},
     r"several years \[2020, 2021\]"),
    (grid_values(), {"alpha": 1.5}, "0 < alpha < 1"),
    (grid_values(), {"poor": "up"}, "poor must be 'low'"),
    (grid_values(), {"permutations": -1}, "permutations must be a whole number >= 0"),
    (grid_values(**dict.fromkeys(GRID_VALUES, np.nan)), {}, "no non-missing value"),
    (grid_values(R0C1=np.nan, R1C0=np.nan, R1C1=np.nan, R0C2=np.nan, R1C2=np.nan, R2C0=np.nan, R2C1=np.nan), {},
     "no area with a value has a neighbour with a value"),
])
def test_bad_input_gets_one_clear_message(grid_weights, values, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getis_ord_gi_star(values, grid_weights, **kwargs)


# ---------------------------------------------------------------- real bundle

@pytest.fixture(scope="module")
def lsoa(atlas):
    return atlas.areas["lsoa11"]


@pytest.fixture(scope="module")
def real_weights(lsoa):
    return lsoa_weights(lsoa)


@pytest.mark.real_data
def test_real_lsoa_queen_weights_are_the_pairs_within_a_millimetre(lsoa, real_weights):
    assert real_weights.n == len(lsoa) == 4835
    assert real_weights.islands == [] and real_weights.n_components == 1
    left, right = lsoa.sindex.query(lsoa.geometry, predicate="dwithin", distance=0.001)
    codes = lsoa["area_code"].to_numpy()
    within = {(a, b) for a, b in zip(codes[left], codes[right], strict=True) if a != b}
    queen = {(a, b) for a, neighbours in real_weights.neighbors.items() for b in neighbours}
    assert queen == within and len(queen) == 28_678


@pytest.mark.real_data
def test_real_road_distance_hot_spots(lsoa, real_weights):
    """IMD 2019 road distance to a GP surgery: long distance is poor provision."""
    values = lsoa[["area_code", "road_dist_gp_km"]].rename(columns={"road_dist_gp_km": "value"})
    result = getis_ord_gi_star(values, real_weights, poor="high")
    assert len(result) == 4835 and result["hotspot_class"].notna().all()
    significant = result["p_value"] < 0.05
    counts = result["hotspot_class"].value_counts()
    assert counts[POOR_CLUSTER] > 100 and counts[GOOD_CLUSTER] > 100
    assert (result.loc[result["hotspot_class"] == POOR_CLUSTER, "gi_z"] > 0).all()
    assert (result.loc[result["hotspot_class"] == GOOD_CLUSTER, "gi_z"] < 0).all()
    assert ((result["hotspot_class"] != NOT_SIGNIFICANT) == significant).all()
    # poor clusters really are far from a surgery: their mean distance is above London's
    assert result.loc[result["hotspot_class"] == POOR_CLUSTER, "value"].mean() > values["value"].mean()

    x = values["value"].to_numpy()
    adjacency = sp.csr_array(real_weights.sparse) + sp.eye_array(len(x))
    expected = textbook_gi_star(x, adjacency)
    assert result["gi_z"].to_numpy() == pytest.approx(expected)


@pytest.mark.parametrize("seed", [1, 12345])
def test_permutation_p_values_are_esdas_exactly(grid_weights, seed):
    """The fast permutation test draws esda's permuted ids and adds them up as esda does: the same p-values,
    to the last bit, as esda's own G_Local (missing areas make islands and uneven neighbour counts)."""
    import esda
    from libpysal.weights import w_subset

    from geo.hotspots import _g_local_star
    values = np.random.default_rng(seed).gamma(2.0, 3.0, len(grid_weights.id_order))
    kept = [code for i, code in enumerate(grid_weights.id_order) if i % 7 != 3]
    weights = w_subset(grid_weights, kept, silence_warnings=True)
    y = values[: len(kept)]
    with pytest.warns(DeprecationWarning):  # esda's own: the permutation alternative will change
        theirs = esda.G_Local(y, weights, transform="B", star=True, permutations=99, seed=seed,
                              keep_simulations=False, n_jobs=1)
    ours = _g_local_star(y, weights, 99, seed)
    assert np.array_equal(np.round(theirs.p_sim.astype(float) * 100) / 100, ours.p_sim)
    assert np.array_equal(theirs.Zs, ours.Zs, equal_nan=True)

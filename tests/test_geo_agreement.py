"""Method agreement, E2SFCA stability, robust persistence and correlations: rules worked on paper, the
official-format bundle of tests/fixtures/bundle.py worked by hand, and invariants on the real data.

The bundle in FY2024/25 (year 2025) has one located GP practice, F83001 at NW1 2AA (530250, 180500), 7.0 GP
FTE, whose July 2022 patients live in L1 (100) and L2 (50). The six LSOA strips have centroids at
x = 530250 + 500 i, y = 181000, so the practice is 500, 707, 1,118, 1,581, 2,062 and 2,550 m from L1..L6.
"""
import io
import json
import math
from contextlib import redirect_stderr, redirect_stdout

import numpy as np
import pandas as pd
import pytest
from scipy.spatial import cKDTree
from scipy.stats import spearmanr

from geo.access import gaussian_weight
from geo.agreement import (
    METHODS,
    STABILITY_SETTINGS,
    STABILITY_WEIGHTINGS,
    AccessInputs,
    correlations,
    poor_verdicts,
    robust_persistence,
    settings_area_access,
    stability,
)
from geo.agreement_tables import AgreementTables
from geo.export import main
from geo.measures import MEASURES
from geo.params import AnalysisParams
from geo.persistence import poor_flags
from geo.provision import Provision
from geo.tables import AreaTables

PARAMS = AnalysisParams()  # cut 0.2
L = [f"E0100090{i}" for i in range(1, 7)]


# ---------------------------------------------------------------- rules on paper

def test_verdicts_follow_each_measures_polarity_ties_and_missing_values():
    values = pd.DataFrame({
        "area_code": list("ABCDEF"),
        "e2sfca": [1, 2, 3, 4, 5, 6],                           # q0.2 at position 1.0 -> 2: A, B
        "gp_fte_per_10k": [0, 0, 0, 5, 6, 7],                   # threshold 0, three tied: A, B, C
        "patients_per_gp_fte": [np.nan, 2000, 3000, np.nan, 1000, 4000],  # q0.8 of 4 -> 3,400: F only
        "nearest_practice_m": [900, 100, 200, 300, 400, 800],   # q0.8 at position 4.0 -> 800: A, F
    })
    frame = poor_verdicts(values, PARAMS).set_index("area_code")
    assert frame["poor_e2sfca"].tolist() == [True, True, False, False, False, False]
    assert frame["poor_gp_fte_per_10k"].tolist() == [True, True, True, False, False, False]
    assert frame["poor_patients_per_gp_fte"].isna().tolist() == [True, False, False, True, False, False]
    assert frame["poor_patients_per_gp_fte"].dropna().tolist() == [False, False, False, True]
    assert frame["poor_nearest_practice_m"].tolist() == [True, False, False, False, False, True]
    assert frame["methods_available"].tolist() == [3, 4, 4, 3, 4, 4]
    assert frame["methods_poor"].tolist() == [3, 2, 1, 0, 0, 2]
    assert frame["robust"].tolist() == [True, False, False, False, False, False]
    assert frame["contested"].tolist() == [False, True, True, False, False, True]


def test_one_method_alone_is_never_robust_and_absent_measures_give_no_verdict():
    values = pd.DataFrame({"area_code": ["X", "Y"], "nearest_practice_m": [100.0, 200.0]})
    frame = poor_verdicts(values, PARAMS).set_index("area_code")
    assert frame.loc["Y", "poor_nearest_practice_m"] and frame.loc["Y", "methods_available"] == 1
    assert not frame["robust"].any() and not frame["contested"].any()
    assert frame["poor_e2sfca"].isna().all() and frame["poor_gp_fte_per_10k"].isna().all()


def test_robust_persistence_counts_only_methods_with_history():
    classes = pd.DataFrame({
        "area_code": ["A", "B", "C", "D"],
        "persistence_e2sfca": ["persistent", "persistent", "persistent", "persistent"],
        "persistence_gp_fte_per_10k": ["persistent", "intermittent", "insufficient data", "insufficient data"],
        "persistence_nearest_practice_m": ["persistent", "persistent", "persistent", "insufficient data"],
    })  # patients_per_gp_fte absent: no data at all
    frame = robust_persistence(classes).set_index("area_code")
    assert frame["methods_with_history"].tolist() == [3, 3, 2, 1]
    assert frame["methods_persistent"].tolist() == [3, 2, 2, 1]
    assert frame["robust_persistent"].tolist() == [True, False, True, False]
    assert frame["persistence_patients_per_gp_fte"].isna().all()


def test_spearman_is_pairwise_complete_in_method_order():
    values = pd.DataFrame({"area_code": list("ABCD"), "nearest_practice_m": [1.0, 2.0, 3.0, 4.0],
                           "e2sfca": [10.0, 20.0, 40.0, 30.0], "gp_fte_per_10k": [np.nan, 1.0, 2.0, 3.0]})
    matrix = correlations(values)
    assert matrix.index.tolist() == list(METHODS) and matrix.columns.tolist() == list(METHODS)
    assert matrix.loc["e2sfca", "nearest_practice_m"] == pytest.approx(1 - 6 * 2 / (4 * 15))  # d^2 = 0+0+1+1
    assert matrix.loc["gp_fte_per_10k", "nearest_practice_m"] == pytest.approx(1.0)  # B, C, D only
    assert matrix.loc["patients_per_gp_fte"].isna().all()


def test_stability_access_by_hand_one_practice_three_lsoas():
    """LSOAs 600, 1,000 and 3,000 m east of one 5-FTE practice; need 100, 200, 300 (the same for every
    weighting). With one practice A_k = G(d_k) S / sum_j G(d_j) P_j, so the far LSOA reads 0 until d0 = 3,200."""
    inputs = AccessInputs(lsoa_xy=np.array([[600.0, 0.0], [1000.0, 0.0], [3000.0, 0.0]]),
                          supply_xy=np.array([[0.0, 0.0]]), supply=np.array([5.0]),
                          need=dict.fromkeys(STABILITY_WEIGHTINGS, np.array([100.0, 200.0, 300.0])))
    access = settings_area_access(inputs, pd.Series(["a", "b", "c"]))
    for column, (d0, _) in zip(access.columns, STABILITY_SETTINGS, strict=True):
        g = gaussian_weight(np.array([600.0, 1000.0, 3000.0]), d0)
        assert access[column].tolist() == pytest.approx((g * 5 / (g @ [100, 200, 300]) * 1e4).tolist(), rel=1e-12)
    assert access.loc["b", "d0 800 m, none"] == 0 and access.loc["c", "d0 2,400 m, age"] == 0
    assert access.loc["c", "d0 3,200 m, age_imd"] > 0
    # poorest fifth of three areas: q0.2 at position 0.4, so the lowest and any tie with it are poor: c always,
    # and b too at d0 800, where both read 0
    shares = stability(inputs, pd.Series(["a", "b", "c"]), PARAMS)
    assert shares.tolist() == pytest.approx([0.0, 3 / 15, 1.0])
    # aggregation is sum(access x need) / sum(need)
    pair = settings_area_access(inputs, pd.Series(["ab", "ab", None]))
    assert pair.index.tolist() == ["ab"]
    assert pair.iloc[0].tolist() == pytest.approx(((access.loc["a"] * 100 + access.loc["b"] * 200) / 300).tolist())


def test_access_inputs_are_checked():
    good = dict(lsoa_xy=np.zeros((2, 2)), supply_xy=np.zeros((1, 2)), supply=np.ones(1),
                need=dict.fromkeys(STABILITY_WEIGHTINGS, np.ones(2)))
    with pytest.raises(ValueError, match="supply has 2 values for 1 practice points"):
        AccessInputs(**good | {"supply": np.ones(2)})
    with pytest.raises(ValueError, match="missing \\['age_imd'\\]"):
        AccessInputs(**good | {"need": {"none": np.ones(2), "age": np.ones(2)}})
    with pytest.raises(ValueError, match="\\(n, 2\\) arrays"):
        AccessInputs(**good | {"lsoa_xy": np.zeros((2, 3))})


# ---------------------------------------------------------------- the official-format bundle, by hand

@pytest.fixture(scope="module")
def bundle_agreement(bundle_model):
    return AgreementTables(AreaTables(Provision(bundle_model)))


def test_bundle_verdicts_2025(bundle_agreement):
    """e2sfca (d0 1,600): L5, L6 out of reach read 0, tied at the threshold -> poor. FTE per 10,000: only L1, L2
    hold F83001's patients, L3..L6 read 0 -> poor. Patients per GP FTE: L1 and L2 both 9,500.5 / 7 (one
    practice), tied -> both poor; L3..L6 have no patients -> no verdict. Distance: q0.8 at position 4 is
    L5's 2,062 m -> L5, L6."""
    frame = bundle_agreement.agreement("lsoa11", 2025).set_index("area_code").loc[L]
    assert frame["poor_e2sfca"].tolist() == [False, False, False, False, True, True]
    assert frame["poor_gp_fte_per_10k"].tolist() == [False, False, True, True, True, True]
    assert frame["poor_patients_per_gp_fte"].tolist()[:2] == [True, True]
    assert frame["poor_patients_per_gp_fte"].isna().tolist() == [False, False, True, True, True, True]
    assert frame["poor_nearest_practice_m"].tolist() == [False, False, False, False, True, True]
    assert frame["methods_available"].tolist() == [4, 4, 3, 3, 3, 3]
    assert frame["methods_poor"].tolist() == [1, 1, 1, 1, 3, 3]
    assert frame["robust"].tolist() == [False, False, False, False, True, True]
    assert frame["contested"].tolist() == [True, True, True, True, False, False]


def test_bundle_stability(bundle_agreement):
    """2025 (one practice, so weighting never changes the order): zero access ties at the threshold.
    d0 800: L3..L6 out of reach -> poor; 1,200: L4..L6; 1,600: L5, L6; 2,400: L6 is 0 and L5 the 2nd
    lowest (q0.2 at position 1.0) -> L5, L6; 3,200: all reached, L6 then L5 lowest -> L5, L6.
    So L3 is poor in 3 of 15 settings, L4 in 6. 2023 (practice at NW1 3AA, 707 / 500 / 707 / 1,118 / 1,581 /
    2,062 m): only d0 800 leaves L4 out of reach. Boroughs: Islington (L4..L6) is always the lower of two."""
    lsoa_2025 = bundle_agreement.stability("lsoa11", 2025).loc[L]
    assert lsoa_2025.tolist() == pytest.approx([0, 0, 3 / 15, 6 / 15, 1, 1])
    assert bundle_agreement.stability("lsoa11", 2023).loc[L].tolist() == pytest.approx([0, 0, 0, 3 / 15, 1, 1])
    borough = bundle_agreement.stability("borough", 2025)
    assert borough.to_dict() == {"E09000007": 0.0, "E09000019": 1.0}


def test_bundle_robust_persistence_2021_to_2025(bundle_agreement):
    """Window 2021..2025 (k 4 of n 5). L5, L6: E2SFCA poor every year (out of reach of F83001, or 0.14 vs 0
    in 2021), FTE per 10,000 0 every year, distance poor every year except L6 in 2021, when the closing
    F83002 (NW1 9ZZ) was still open 800 m away -> persistent under all three methods with history
    (patients per GP FTE has none there). L3: persistent for FTE only."""
    frame = bundle_agreement.persistence("lsoa11", 2025).set_index("area_code").loc[L]
    assert frame["robust_persistent"].tolist() == [False, False, False, False, True, True]
    assert frame["persistence_nearest_practice_m"].tolist() == ["never", "never", "never", "intermittent",
                                                                "persistent", "persistent"]
    assert frame["persistence_patients_per_gp_fte"].tolist()[2:] == ["insufficient data"] * 4
    assert frame["methods_with_history"].tolist() == [4, 4, 3, 3, 3, 3]
    assert frame["methods_persistent"].tolist() == [1, 1, 1, 1, 3, 3]


def test_bundle_correlation_by_hand(bundle_agreement):
    """E2SFCA ranks (L1..L6) 6, 5, 4, 3, 1.5, 1.5 (L5, L6 tied at 0) against distance ranks 1..6:
    r = -17 / sqrt(17 x 17.5)."""
    matrix = bundle_agreement.correlations("lsoa11", 2025)
    assert matrix.loc["e2sfca", "nearest_practice_m"] == pytest.approx(-17 / math.sqrt(17 * 17.5), rel=1e-12)


def test_bundle_table_places_lsoas_in_borough_icb_and_serving_pcn(bundle_agreement):
    table = bundle_agreement.table("lsoa11", 2025).set_index("area_code").loc[L]
    assert table["borough_name"].tolist() == ["Camden"] * 3 + ["Islington"] * 3
    assert table["icb_code"].eq("E54000028").all()
    assert table["serving_pcn_name"].eq("Camden South PCN").all()  # F83001 moved to U44444 in July 2022
    assert table["serving_pcn_basis"].tolist() == ["flows"] * 2 + ["nearest practice (no flows)"] * 4
    assert table["value_nearest_practice_m"].tolist() == pytest.approx(
        [500, math.hypot(500, 500), math.hypot(1000, 500), math.hypot(1500, 500), math.hypot(2000, 500),
         math.hypot(2500, 500)])
    assert "FY2024/25" in table["basis"].iloc[0] and "poorest 20%" in table["basis"].iloc[0]
    early = bundle_agreement.table("lsoa11", 2019)  # before PCNs: no serving PCN
    assert early["serving_pcn_code"].isna().all()


def test_bundle_years_need_two_measures(bundle_agreement):
    assert bundle_agreement.years("lsoa11")[0] == 2016  # 2015 has distance only
    with pytest.raises(ValueError, match="needs 2 measures with data.*choose one of 2016"):
        bundle_agreement.agreement("lsoa11", 2015)


# ---------------------------------------------------------------- real London data

@pytest.fixture(scope="module")
def agreement(services):
    return AgreementTables(services.tables)


@pytest.mark.real_data
@pytest.mark.parametrize("level, year", [("lsoa11", 2025), ("lsoa11", 2023), ("borough", 2023), ("pcn", 2021)])
def test_verdict_invariants(agreement, level, year):
    frame = agreement.agreement(level, year)
    verdicts = frame[[f"poor_{m}" for m in METHODS]]
    assert (frame["methods_poor"] == verdicts.sum(axis=1)).all()
    assert (frame["methods_available"] == verdicts.notna().sum(axis=1)).all()
    assert (frame["robust"] == ((frame["methods_poor"] == frame["methods_available"])
                                & (frame["methods_available"] >= 2))).all()
    assert not (frame["robust"] & frame["contested"]).any()
    values = agreement.values(level, year).set_index("area_code")
    for measure in METHODS:
        value = values[measure].dropna()
        poor = frame.set_index("area_code")[f"poor_{measure}"].reindex(value.index)
        threshold = np.quantile(value, PARAMS.cut if MEASURES[measure].poor == "low" else 1 - PARAMS.cut)
        below = math.floor((len(value) - 1) * PARAMS.cut)  # values strictly beyond the interpolated threshold
        ties = int((value == threshold).sum())
        assert below + 1 <= poor.sum() <= below + max(1, ties), measure  # the cut share, ties aside
    assert 0 <= frame["stability"].min() and frame["stability"].max() <= 1


@pytest.mark.real_data
@pytest.mark.parametrize("level, year", [("lsoa11", 2025), ("lsoa11", 2023), ("borough", 2025), ("pcn", 2023)])
def test_masked_settings_equal_naive_recomputation(agreement, provision, level, year):
    """One pair matrix re-weighted per d0 gives the values of 15 separate Provision computations (each its own
    KD-tree), to 1e-12, and so the same stability."""
    masked = settings_area_access(agreement.access_inputs(year), agreement.area_of_lsoa(level, year))
    assignment = agreement.tables.pcn_assignment(year) if level == "pcn" else None
    naive_poor = []
    for column, (d0, weights) in zip(masked.columns, STABILITY_SETTINGS, strict=True):
        naive = provision.area_values("e2sfca", level, year, PARAMS.with_(weights=weights, d0=d0),
                                      lsoa_to_area=assignment)
        naive = naive.set_index("area_code")["value"].reindex(masked.index)
        np.testing.assert_allclose(masked[column], naive, rtol=1e-12, atol=0)
        flags = poor_flags(naive.rename("value").reset_index().assign(year=year), cut=PARAMS.cut)
        naive_poor.append(flags["poor"].astype(float).to_numpy())
    shares = agreement.stability(level, year)
    np.testing.assert_array_equal(shares.reindex(masked.index).to_numpy(), np.mean(naive_poor, axis=0))


@pytest.mark.real_data
def test_stability_is_one_where_no_practice_is_within_3200_m(agreement):
    """No London LSOA is that far from a practice, so close every practice within 3,200 m of the 25 LSOAs
    furthest from one: those LSOAs then have zero access under all 15 settings."""
    inputs = agreement.access_inputs(2025)
    distance, _ = cKDTree(inputs.supply_xy).query(inputs.lsoa_xy)
    remote = np.argsort(distance)[-25:]
    near_remote = cKDTree(inputs.supply_xy).query_ball_point(inputs.lsoa_xy[remote], 3200.0)
    closed = np.unique(np.concatenate([np.asarray(found, dtype=int) for found in near_remote]))
    kept = np.setdiff1d(np.arange(len(inputs.supply)), closed)
    reduced = AccessInputs(inputs.lsoa_xy, inputs.supply_xy[kept], inputs.supply[kept], inputs.need)
    codes = agreement.area_of_lsoa("lsoa11", 2025)
    shares = stability(reduced, pd.Series(codes), PARAMS)
    assert len(closed) > 0 and (shares.loc[codes[remote]] == 1).all()
    assert (shares < 1).sum() > len(shares) / 2  # the rest of London still varies


@pytest.mark.real_data
def test_real_robust_persistence_and_correlations(agreement):
    persistence = agreement.persistence("lsoa11", 2025)
    robust = persistence[persistence["robust_persistent"]]
    assert len(robust) > 0
    classes = robust[[f"persistence_{m}" for m in METHODS]]
    assert (classes.isin(["persistent", "insufficient data"])).all().all()
    values = agreement.values("lsoa11", 2023)
    matrix = agreement.correlations("lsoa11", 2023)
    expected = spearmanr(values[list(METHODS)]).statistic  # every LSOA has all four values
    np.testing.assert_allclose(matrix.to_numpy(), expected, rtol=1e-12)
    assert (np.diag(matrix) == 1).all()


# ---------------------------------------------------------------- the command line

def run_export(*args):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.mark.real_data
def test_cli_agreement_csv_has_the_issue_columns_at_every_level(atlas):
    code, out, err = run_export("--level", "borough", "--measure", "agreement", "--year", "2023", "--weights",
                                "age_imd", "--d0", "2000", "--cut", "0.25", "--out", "-")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert table.columns[:2].tolist() == ["area_code", "area_name"] and len(table) == 33
    assert {"methods_poor", "methods_available", "poor_e2sfca", "poor_gp_fte_per_10k", "poor_patients_per_gp_fte",
            "poor_nearest_practice_m", "stability", "robust", "contested", "robust_persistent", "basis"} <= set(table)
    assert "poorest 25%" in table["basis"][0] and "d0 2,000 m" in table["basis"][0]
    assert "age- and deprivation-weighted" in table["basis"][0]


@pytest.mark.real_data
def test_cli_agreement_geojson_and_correlations(tmp_path):
    out = tmp_path / "icb.geojson"
    code, _, err = run_export("--level", "icb", "--measure", "agreement", "--year", "2025", "--format", "geojson",
                              "--out", str(out))
    assert code == 0, err
    features = json.loads(out.read_text())["features"]
    assert len(features) == 5 and features[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert set(features[0]["properties"]) >= {"methods_poor", "stability", "robust"}
    code, out, err = run_export("--level", "lsoa11", "--measure", "agreement", "--year", "2023", "--correlations",
                                "--out", "-")
    assert code == 0, err
    matrix = pd.read_csv(io.StringIO(out)).set_index("measure")
    assert matrix.index.tolist() == list(METHODS) and (matrix["areas_with_value"] == 4835).all()
    assert matrix.loc["e2sfca", "gp_fte_per_10k"] == pytest.approx(matrix.loc["gp_fte_per_10k", "e2sfca"])


@pytest.mark.real_data
@pytest.mark.parametrize("args, message", [
    (["--measure", "agreement", "--year", "2015"], "choose one of 2016"),
    (["--measure", "agreement", "--hotspots"], "--hotspots applies to a single measure"),
    (["--measure", "agreement", "--correlations", "--format", "geojson"], "use --format csv"),
    (["--measure", "e2sfca", "--correlations"], "use it with --measure agreement"),
    (["--measure", "agreement", "--k", "6"], "choose one of [1, 2, 3, 4, 5]"),
    (["--measure", "agreement", "--cut", "0.6"], "cut must be a fraction"),
])
def test_cli_bad_agreement_arguments_one_line_exit_2(args, message):
    base = {"--level": "icb", "--year": "2023", "--out": "-"}
    options = [item for pair in base.items() for item in pair]
    code, out, err = run_export(*options, *args)
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1 and message in lines[0], err

"""Score and rank bids for new GP premises against unmet need: E2SFCA scenarios by deltas.

A *scenario* holds any number of bids (geo/bids/sites.py) and may also close
practices (their supply is removed) or merge them (the closing practice's FTE
moves to another practice); it is scored against a baseline
(geo/bids/baseline.py).

Why deltas, not reruns: E2SFCA (geo/access.py) is linear in supply once the
locations are fixed. A site j's ratio is ``R_j = S_j / D_j`` with
``D_j = sum_k G(d_kj) P_k`` depending on demand only, and ``A_k = sum_j G(d_kj) R_j``.
So adding supply ``s`` at a site changes access by exactly
``delta_k = G(d_kj) * s / D_j`` and leaves every other site's ratio alone: a new
site is one new decay column (Gaussian weights from the LSOA centroids within
d0, via a KD-tree); an uplift scales the existing column's ratio; a closure is
``-S_j`` on its column; a merge is ``-S_a`` on a and ``+S_a`` on b. Several bids
add up. A site with nobody within d0 has no ratio and adds nothing, as in
`geo.access.e2sfca`.

Definitions of the scores (per bid alone, and for the combined scenario), with
the bottom quintile and its fixed cut as in geo/bids/baseline.py:

* **gainers_need**: need-weighted residents of LSOAs whose access rises
  (delta > 0); ``lsoas_gaining`` counts those LSOAs.
* **lifted_need**: need-weighted residents of LSOAs in the bottom quintile
  before and above the cut after ("residents lifted out of the bottom
  quintile"). It can never exceed the baseline bottom quintile's need-weighted
  population when the scenario has no closures.
* **persistent_reached**: LSOAs classed "persistent" for E2SFCA at LSOA level
  (bottom quintile in >= k of the last n years up to the scenario's year,
  default 4 of 5) whose access rises. NaN when the year has fewer than k years
  of data up to it.
* **gainers_imd_1 .. gainers_imd_10**: need-weighted gainers by IMD 2019
  national decile (1 = most deprived); ``gainers_imd_1_2_share`` is the share of
  gainers in the two most deprived deciles.
* **access_gain_fte**: ``sum_k P_k * delta_k``, need-weighted access gained, in
  GP FTE. E2SFCA conserves supply (``sum_k P_k A_k = sum_j S_j`` over sites with
  anyone in reach), so this equals the added FTE whenever the site reaches
  anyone and 0 when it reaches nobody; ``access_gain_per_fte`` (= it / added FTE)
  is therefore 1 for every reaching bid. It is reported as a check, and is why
  it is not offered as a ranking objective (it cannot tell bids apart).
* **underserved_gain_fte**: the part of ``access_gain_fte`` landing in LSOAs in
  the bottom quintile before: how many of the added FTE reach under-served
  residents. Per added FTE it is a share between 0 and 1.
* **need_in_reach**: the site's E2SFCA denominator ``D_j`` (Gaussian-weighted
  need-weighted residents within d0).
* **nearest_practice_m**: straight-line metres from the site to the nearest
  other GP practice open in the *before* state (closed and merged-away
  practices excluded; an uplifted practice does not count as its own neighbour).

*Alone* means the bid on its own against *before*; *in combination* means its
marginal effect within the combined scenario (the combined score minus the
score of the combination without it). Access deltas add up, so the linear
scores (access and underserved gain) are the same both ways; the threshold
score ``lifted_need`` is not: two nearby sites may each lift an LSOA alone that
either could lift (overlap: combined < sum of singles) or lift together an LSOA
neither lifts alone (synergy: combined > sum). The summary reports the combined
total, the sum of singles and their difference (the interaction).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.spatial import cKDTree

from geo.access import PER, decay_matrix
from geo.bids.baseline import NO_CHANGES, BidBaseline, PracticeChanges
from geo.bids.objectives import DEFAULT_OBJECTIVE, Objective, check_objective
from geo.bids.report import ScenarioSummary, summarise
from geo.bids.sites import read_bids


def _column_deltas(columns: sp.csc_matrix, added_supply: np.ndarray, need: np.ndarray):
    """Access change per LSOA (one column per site) from adding supply at each site, and each site's D_j."""
    in_reach = columns.T @ need
    ratio = np.divide(added_supply, in_reach, out=np.zeros(len(added_supply)), where=in_reach > 0)
    return (columns @ sp.diags(ratio)).tocsc(), in_reach


def _changes_delta(base: BidBaseline, changes: PracticeChanges) -> np.ndarray:
    """Access change per LSOA from the scenario's closures and merges (negative where supply leaves)."""
    sources = list(changes.closures) + [source for source, _ in changes.merges]
    targets = [target for _, target in changes.merges]
    if not sources:
        return np.zeros(len(base.lsoa_codes))
    source_index = base.practice_index(pd.Series(sources))
    target_index = base.practice_index(pd.Series(targets, dtype=object))
    fte = base.practices["gp_fte"].to_numpy()
    moved = fte[source_index[len(changes.closures):]]
    columns = np.concatenate([source_index, target_index])
    supply = np.concatenate([-fte[source_index], moved])
    delta, _ = _column_deltas(base.decay[:, columns], supply, base.need)
    return np.asarray(delta.sum(axis=1)).ravel()


@dataclass(frozen=True, eq=False)
class Scenario:
    """A scored scenario: every bid row (status, scores, rank), the LSOA deltas and the combined summary."""
    base: BidBaseline
    changes: PracticeChanges
    objective: Objective
    bids: pd.DataFrame             # one row per input row
    before: np.ndarray             # access per LSOA before the bids (baseline + closures/merges)
    delta: sp.csc_matrix           # access change per LSOA, one column per valid bid (in `bids` order)
    summary: ScenarioSummary

    def lsoa_changes(self, row: int | None = None) -> pd.DataFrame:
        """Per LSOA: before / after / delta access x 10,000 for one bid (its input `row`) or all bids combined."""
        if row is None:
            delta = np.asarray(self.delta.sum(axis=1)).ravel()
        else:
            column = int(np.flatnonzero(self.bids.loc[self.bids["status"] == "ok", "row"].to_numpy() == row)[0])
            delta = self.delta[:, column].toarray().ravel()
        after = self.before + delta
        base = self.base
        return pd.DataFrame({
            "lsoa11_code": base.lsoa_codes, "need_population": base.need, "imd_decile": base.imd_decile,
            "before": self.before * PER, "after": after * PER, "delta": delta * PER,
            "bottom_quintile_before": self.before <= base.cut,
            "lifted": (self.before <= base.cut) & (after > base.cut),
            "persistent": base.persistent if base.persistent is not None else False})


def evaluate(raw: pd.DataFrame, base: BidBaseline, changes: PracticeChanges = NO_CHANGES,
             objective: str = DEFAULT_OBJECTIVE) -> Scenario:
    """Validate, score alone and in combination, and rank every bid; summarise the combined scenario."""
    objective = check_objective(objective)
    bids = read_bids(raw, base, changes)
    before = base.access + _changes_delta(base, changes)
    valid = bids["status"] == "ok"
    delta, in_reach = _bid_deltas(bids[valid], base)
    bids["need_in_reach"] = np.nan
    bids.loc[valid, "need_in_reach"] = in_reach
    bids["cost_gbp_m"] = bids["cost"] / 1e6

    combined = np.asarray(delta.sum(axis=1)).ravel()
    scores = _score_columns(delta, before, combined, base)
    for column in scores:
        bids[column] = np.nan
        bids.loc[valid, column] = scores[column].to_numpy()
    bids["access_gain_per_fte"] = bids["access_gain_fte"] / bids["added_gp_fte"]
    bids["underserved_gain_per_fte"] = bids["underserved_gain_fte"] / bids["added_gp_fte"]
    bids["nearest_practice_m"], bids["nearest_practice_code"] = _nearest_practice(bids, valid, base, changes)
    per = bids[objective.per].where(bids[objective.per] > 0)
    score_in_combination = "lifted_need_in_combination" if objective.score == "lifted_need" else objective.score
    bids["objective"] = objective.key
    bids["objective_value"] = bids[objective.score] / per
    bids["objective_in_combination"] = bids[score_in_combination] / per
    bids["rank"] = _rank(bids, "objective_value")
    bids["rank_in_combination"] = _rank(bids, "objective_in_combination")
    bids["note"] = _notes(bids, valid, objective)

    total = _score_columns(sp.csc_matrix(combined[:, None]), before, combined, base).iloc[0]
    return Scenario(base, changes, objective, bids, before, delta, summarise(bids, total, before, base, changes,
                                                                             objective))


def _bid_deltas(valid: pd.DataFrame, base: BidBaseline):
    """One access-delta column per valid bid: existing decay columns for uplifts, new KD-tree columns otherwise."""
    uplift = valid["practice_column"].to_numpy() >= 0
    new_xy = valid.loc[~uplift, ["easting", "northing"]].to_numpy(dtype=float)
    new_columns = (decay_matrix(base.lsoa_xy, new_xy, base.params.d0) if len(new_xy)
                   else sp.csr_matrix((len(base.lsoa_codes), 0)))
    columns = sp.hstack([base.decay[:, valid["practice_column"].to_numpy()[uplift]], new_columns]).tocsc()
    order = np.argsort(np.concatenate([np.flatnonzero(uplift), np.flatnonzero(~uplift)]), kind="stable")
    return _column_deltas(columns[:, order], valid["added_gp_fte"].to_numpy(dtype=float), base.need)


def _score_columns(delta: sp.csc_matrix, before: np.ndarray, combined: np.ndarray, base: BidBaseline) -> pd.DataFrame:
    """Scores of each delta column against `before` (definitions in the module docstring), from its non-zeros."""
    entries = delta.tocoo()
    lsoa, column, change = entries.row, entries.col, entries.data
    count = delta.shape[1]
    need, start = base.need[lsoa], before[lsoa]
    gains = change > 0
    poor_before = start <= base.cut

    def total(values):
        return np.bincount(column, weights=values, minlength=count)

    def lifted(from_access, to_access):
        return total(need * (from_access <= base.cut) * (to_access > base.cut))

    others = combined[lsoa] - change
    scores = pd.DataFrame({
        "lsoas_gaining": total(gains),
        "gainers_need": total(need * gains),
        "lifted_need": lifted(start, start + change),
        "lifted_need_in_combination": lifted(start + others, start + combined[lsoa]),
        "access_gain_fte": total(need * change),
        "underserved_gain_fte": total(need * change * poor_before),
        "persistent_reached": total(base.persistent[lsoa] & gains) if base.persistent is not None else np.nan,
    })
    by_decile = np.bincount(column * 10 + np.clip(base.imd_decile[lsoa], 1, 10) - 1, weights=need * gains,
                            minlength=count * 10).reshape(count, 10)
    for decile in range(10):
        scores[f"gainers_imd_{decile + 1}"] = by_decile[:, decile]
    scores["gainers_imd_1_2_share"] = np.divide(by_decile[:, :2].sum(axis=1), scores["gainers_need"].to_numpy(),
                                                out=np.full(count, np.nan), where=scores["gainers_need"].to_numpy() > 0)
    return scores


def _nearest_practice(bids: pd.DataFrame, valid: pd.Series, base: BidBaseline, changes: PracticeChanges):
    """Metres from each valid site to the nearest other practice open before the bids, and that practice.

    The two nearest open practices are found at once; where the nearest is the
    uplifted practice itself, the second is taken (NaN with under two practices).
    """
    distance = pd.Series(np.nan, index=bids.index)
    nearest = pd.Series("", index=bids.index, dtype=object)
    open_index = np.flatnonzero(~base.practices["practice_code"].isin(changes.removed).to_numpy())
    if not valid.any() or len(open_index) < 2:
        return distance, nearest
    tree = cKDTree(base.practices[["easting", "northing"]].to_numpy(dtype=float)[open_index])
    found, at = tree.query(bids.loc[valid, ["easting", "northing"]].to_numpy(dtype=float), k=2)
    pick = (open_index[at[:, 0]] == bids.loc[valid, "practice_column"].to_numpy()).astype(int)
    rows = np.arange(len(at))
    distance[valid] = found[rows, pick]
    nearest[valid] = base.practices["practice_code"].to_numpy()[open_index[at[rows, pick]]]
    return distance, nearest


def _rank(bids: pd.DataFrame, column: str) -> pd.Series:
    """1 = best by `column`; ties broken by the share of FTE reaching the bottom quintile, then input order."""
    rankable = bids[bids[column].notna()]
    order = rankable.sort_values([column, "underserved_gain_per_fte", "row"], ascending=[False, False, True]).index
    rank = pd.Series(pd.NA, index=bids.index, dtype="Int64")
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def _notes(bids: pd.DataFrame, valid: pd.Series, objective: Objective) -> pd.Series:
    notes = pd.Series("", index=bids.index, dtype=object)
    notes[valid & (bids["need_in_reach"] <= 0)] = "no residents within d0: the site adds no access"
    notes[valid & bids["objective_value"].isna() & (objective.per == "cost_gbp_m")] = \
        f"no cost given: not ranked by {objective.key}"
    return notes



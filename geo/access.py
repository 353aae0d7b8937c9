"""Enhanced two-step floating catchment area (E2SFCA) access, vectorised.

Distances are straight lines in British National Grid metres between LSOA
centroids (demand) and practice points (supply); a travel-time matrix could
replace them later without changing the algebra. Only pairs within the
catchment ``d0`` matter, so they come from a KD-tree as a sparse matrix and
both steps are sparse matrix-vector products: no loop over practices or LSOAs.

Distance decay is the Gaussian of Dai (2010), truncated at d0 and rescaled so
that the weight is 1 at distance 0 and falls continuously to 0 at d0:

    G(d) = (exp(-(d/d0)^2 / 2) - exp(-1/2)) / (1 - exp(-1/2))   for d <= d0,  0 beyond.

Step 1: R_j = S_j / sum_k G(d_kj) P_k  (supply per need-weighted resident in reach)
Step 2: A_k = sum_j G(d_kj) R_j          (reported x 10,000: GP FTE per 10,000)

A practice with nobody within d0 has no defined ratio; it contributes nothing
(and is counted by `unreached_supply`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

PER = 10_000
_TAIL = np.exp(-0.5)


def gaussian_weight(distance, d0: float):
    """Dai (2010) truncated Gaussian decay; accepts scalars, arrays or pandas Series."""
    distance = np.asarray(distance, dtype=float)
    weight = (np.exp(-0.5 * (distance / d0) ** 2) - _TAIL) / (1 - _TAIL)
    return np.where(distance <= d0, weight, 0.0)


def decay_matrix(demand_xy: np.ndarray, supply_xy: np.ndarray, d0: float) -> sp.csr_matrix:
    """Sparse (n_demand x n_supply) matrix of G(d) for every pair within d0 (EPSG:27700 metres)."""
    pairs = cKDTree(demand_xy).sparse_distance_matrix(cKDTree(supply_xy), d0, output_type="ndarray")
    return sp.csr_matrix((gaussian_weight(pairs["v"], d0), (pairs["i"], pairs["j"])),
                         shape=(len(demand_xy), len(supply_xy)))


@dataclass(frozen=True)
class E2SFCAResult:
    access: np.ndarray          # A_k per demand point (supply units per resident; x PER for display)
    supply_ratio: np.ndarray    # R_j per supply point
    demand_in_reach: np.ndarray  # sum_k G(d_kj) P_k per supply point

    @property
    def unreached_supply(self) -> np.ndarray:
        """Supply points with no demand within d0 (their supply reaches nobody)."""
        return self.demand_in_reach <= 0


def e2sfca(decay: sp.csr_matrix, demand: np.ndarray, supply: np.ndarray) -> E2SFCAResult:
    """Both E2SFCA steps on a precomputed decay matrix (linear in supply)."""
    demand_in_reach = decay.T @ demand
    ratio = np.divide(supply, demand_in_reach, out=np.zeros(len(supply), dtype=float), where=demand_in_reach > 0)
    return E2SFCAResult(access=decay @ ratio, supply_ratio=ratio, demand_in_reach=demand_in_reach)


def nearest_distance(origin_xy: np.ndarray, target_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Straight-line distance (m) from each origin to its nearest target, and that target's index."""
    distance, index = cKDTree(target_xy).query(origin_xy, k=1)
    return distance, index

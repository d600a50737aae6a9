"""Resampling at scale: random blocks of units instead of units, above 2**18 (262,144) units.

The bootstrap of :mod:`labeleval.inference.stats` draws one Poisson(1) weight per (resample, item): at 1e8 judgments
(about 6.7 million items) and 1,000 resamples that is 6.7e9 draws and a product of the same size, more than the whole
rest of the evaluation. Every bootstrapped statistic is a function of *column totals* of a (units x statistics)
matrix, so the units can be summed into blocks first: above :data:`~labeleval.tuning.MAX_UNITS` units, each unit goes
to one of :data:`~labeleval.tuning.N_BLOCKS` blocks at random (a seeded permutation cut into equal parts), the block
sums replace the units, and the resampling draws one weight per (resample, block). The cost becomes ``units x
statistics`` (one sparse product) plus ``resamples x blocks x statistics``, whatever the size.

Why it matches the item bootstrap: for a smooth function of the totals (a ratio, alpha, kappa) the bootstrap
variance is that of the linearised statistic, ``sum_i r_i^2`` over the units' centred residuals ``r_i``
(which sum to 0). Resampling blocks gives ``sum_b (sum_{i in b} r_i)^2``, whose expectation over the random
assignment is ``sum_i r_i^2 (1 - (m - 1) / (n - 1))`` with ``m = n / N_BLOCKS`` units per block: the item
bootstrap's variance times ``1 - 1/65,536`` at most. Units in a block are independent of each other (the
assignment ignores everything about them), so the blocks are independent too. ``benchmarks/calibration_scale.py``
checks coverage by simulation. Below :data:`~labeleval.tuning.MAX_UNITS` nothing changes (the same weights, the
same numbers).

The threshold: with 2**16 blocks, 2**18 units put at least 4 units in a block (a variance factor of at least
``1 - 3 / (2**18 - 1)``, 0.99999). Below it, drawing one weight per unit costs ``units x resamples`` and
matches the item bootstrap exactly; above it, the item bootstrap at 1,000 resamples was the largest single
step of a 1e7-judgment evaluation (666,666 items: 7 s of 37 s; about 1 s with blocks).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from labeleval.tuning import N_BLOCKS


def unit_blocks(n_units: int, n_blocks: int, seed: int, stream: int = 0) -> np.ndarray:
    """The block of each unit: a seeded random permutation of the units cut into ``n_blocks`` equal parts."""
    rng = np.random.default_rng([seed, stream, 13])
    order = rng.permutation(n_units)
    blocks = np.empty(n_units, dtype=np.int64)
    blocks[order] = np.arange(n_units) % n_blocks
    return blocks


def block_sums(stats: np.ndarray, *, seed: int, stream: int = 0, n_blocks: int = N_BLOCKS) -> np.ndarray:
    """(n_blocks x statistics) sums of the rows of a (units x statistics) matrix over random blocks of units."""
    return sum_into_blocks(stats, assignment(unit_blocks(stats.shape[0], n_blocks, seed, stream), n_blocks))


def assignment(blocks: np.ndarray, n_blocks: int) -> Any:
    """The (n_blocks x units) 0/1 sparse matrix that sums units into their ``blocks``: the CSC view of a units x
    blocks CSR matrix, whose product walks the units in order and adds into the small blocks x statistics result
    (the same sums in the same order as a blocks x units CSR matrix, 2.6 times faster at 666,666 items)."""

    n_units = len(blocks)
    return sparse.csr_matrix(
        (np.ones(n_units), (np.arange(n_units), blocks)), shape=(n_units, n_blocks), dtype=np.float64
    ).T


def sum_into_blocks(stats: Any, assign: Any) -> np.ndarray:
    """(blocks x statistics) sums of the rows of ``stats`` (dense, or a SciPy sparse matrix) by ``assign``."""

    if sparse.issparse(stats):  # a product of two sparse matrices: by rows of blocks, as it always was
        return np.asarray((sparse.csr_matrix(assign) @ stats.astype(np.float64)).toarray())
    return np.asarray(assign @ np.asarray(stats, dtype=np.float64))

"""Coverage of the block bootstrap used above 2**18 items (labeleval.inference.blocks).

Simulated projects: ``n_items`` items drawn from a population (each item's chance of a correct judgment
~ Beta(2, 1), so the population accuracy is 2/3; 1 to 5 judgments per item). Per project, the accuracy's 95%
percentile interval from resampling random blocks of items (as ``stats.bootstrap_totals`` does above
``labeleval.tuning.MAX_UNITS`` items) and from resampling items. Two designs have fewer, larger blocks than at 1e8
judgments (the harder case: 100 items per block there); one has 4 items per block, as just above the threshold
(2**18 items in 65,536 blocks). Reported: how often each interval covers 2/3, whether the block coverage lies in the 99%
binomial band around 95%, and the ratio of the two bootstrap standard errors (1 when they agree).

``run_block_designs(reps, seed)`` is what ``benchmarks/calibration.py`` can call; alone:
    python benchmarks/calibration_scale.py [--reps 400]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy.stats import binom

from labeleval.inference.blocks import block_sums
from labeleval.inference.stats import bootstrap_totals, percentile_ci

TRUTH = 2.0 / 3.0


def _project(rng: np.random.Generator, n_items: int) -> np.ndarray:
    """(items x 2): correct judgments and judgments per item."""
    p = rng.beta(2.0, 1.0, n_items)
    m = rng.integers(1, 6, n_items)
    return np.column_stack([rng.binomial(m, p), m]).astype(np.float64)


def _ratio(totals: np.ndarray) -> np.ndarray:
    return totals[:, 0] / totals[:, 1]


def block_bootstrap_coverage(
    reps: int = 200, seed: int = 0, *, n_items: int = 20_000, n_blocks: int = 256, n_boot: int = 1000
) -> dict[str, object]:
    """One design: coverage of the block and the item bootstrap intervals over ``reps`` simulated projects."""
    rng = np.random.default_rng(seed)
    covered_block = covered_item = 0
    se_ratio = []
    for rep in range(reps):
        stats = _project(rng, n_items)
        blocks = block_sums(stats, seed=rep, n_blocks=n_blocks)
        by_block = _ratio(bootstrap_totals(blocks, n_boot=n_boot, seed=rep))
        by_item = _ratio(bootstrap_totals(stats, n_boot=n_boot, seed=rep))
        low, high = percentile_ci(by_block[:, None], 0.95)
        covered_block += bool(low[0] <= TRUTH <= high[0])
        low, high = percentile_ci(by_item[:, None], 0.95)
        covered_item += bool(low[0] <= TRUTH <= high[0])
        se_ratio.append(float(np.std(by_block) / np.std(by_item)))
    band = (binom.ppf(0.005, reps, 0.95) / reps, binom.ppf(0.995, reps, 0.95) / reps)
    coverage = covered_block / reps
    return {
        "design": f"{n_items:,} items in {n_blocks} random blocks",
        "reps": reps,
        "coverage_block": coverage,
        "coverage_item": covered_item / reps,
        "band_99": f"[{band[0]:.3f}, {band[1]:.3f}]",
        "within": bool(band[0] <= coverage <= band[1]),
        "se_block_over_item": float(np.mean(se_ratio)),
    }


def run_block_designs(reps: int = 200, seed: int = 0) -> pd.DataFrame:
    """The block-bootstrap designs, one row each (for benchmarks/calibration.py)."""
    designs = [(20_000, 256), (50_000, 1024), (8_192, 2048)]
    return pd.DataFrame(
        [block_bootstrap_coverage(reps, seed + i, n_items=n, n_blocks=b) for i, (n, b) in enumerate(designs)]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(run_block_designs(args.reps, args.seed).to_markdown(index=False))

"""Resampling random blocks of units above 2**18 units (labeleval.inference.blocks)."""

from __future__ import annotations

import functools
import sys

import numpy as np
import pytest

import labeleval.inference.stats as stats_module
from labeleval.inference.blocks import block_sums, unit_blocks
from labeleval.inference.stats import bootstrap_totals, weight_blocks
from labeleval.tuning import MAX_UNITS
from tests.helpers.paths import ROOT


def test_units_fill_equal_blocks_the_same_way_for_the_same_seed() -> None:
    blocks = unit_blocks(10_000, 64, seed=3)
    assert np.bincount(blocks).tolist() == [10_000 // 64 + (b < 10_000 % 64) for b in range(64)]
    assert (blocks == unit_blocks(10_000, 64, seed=3)).all()
    assert not (blocks == unit_blocks(10_000, 64, seed=4)).all()


def test_block_sums_keep_the_totals() -> None:
    stats = np.random.default_rng(0).random((5_000, 3))
    sums = block_sums(stats, seed=1, n_blocks=50)
    assert sums.shape == (50, 3)
    np.testing.assert_allclose(sums.sum(axis=0), stats.sum(axis=0))


def test_below_a_million_units_the_weights_are_the_items_own() -> None:
    stats = np.random.default_rng(1).random((20_000, 2))
    expected = sum(w.astype(float) @ stats[block] for block, w in weight_blocks(50, 20_000, 7))
    np.testing.assert_array_equal(bootstrap_totals(stats, n_boot=50, seed=7), expected)
    assert MAX_UNITS >= 2**18  # 4 units per block at least (N_BLOCKS = 2**16)


def test_above_the_threshold_blocks_give_the_item_bootstrap_spread(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    m = rng.integers(1, 6, 40_000)
    stats = np.column_stack([rng.binomial(m, rng.beta(2, 1, 40_000)), m]).astype(float)
    items = bootstrap_totals(stats, n_boot=2000, seed=0)
    monkeypatch.setattr(stats_module, "MAX_UNITS", 10_000)
    monkeypatch.setattr(stats_module, "block_sums", functools.partial(block_sums, n_blocks=1024))
    blocks = bootstrap_totals(stats, n_boot=2000, seed=0)
    ratio_items, ratio_blocks = items[:, 0] / items[:, 1], blocks[:, 0] / blocks[:, 1]
    assert np.std(ratio_blocks) / np.std(ratio_items) == pytest.approx(1.0, abs=0.1)
    assert np.mean(ratio_blocks) == pytest.approx(stats[:, 0].sum() / stats[:, 1].sum(), abs=1e-3)


def test_calibration_script_reports_coverage_of_the_block_bootstrap() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from calibration_scale import block_bootstrap_coverage

    row = block_bootstrap_coverage(reps=12, seed=0, n_items=4_000, n_blocks=128, n_boot=300)
    assert 0.6 <= row["coverage_block"] <= 1.0
    assert row["se_block_over_item"] == pytest.approx(1.0, abs=0.15)

"""Sample-size plans: formulas against independent computations and by simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from labeleval.analyses.plan import (
    connor_n,
    consensus_accuracy,
    judgment_n,
    mcnemar_n,
    mcnemar_power,
    pair_plan,
    pilot_plan,
)
from labeleval.errors import LabelevalError
from labeleval.inference.stats import mcnemar_exact


def test_connor_formula_by_hand() -> None:
    # p10 = 0.10, p01 = 0.05: psi = 0.15, delta = 0.05
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    expected = (za * math.sqrt(0.15) + zb * math.sqrt(0.15 - 0.05**2)) ** 2 / 0.05**2
    assert connor_n(0.10, 0.05) == pytest.approx(expected)
    assert connor_n(0.05, 0.05) == math.inf


def test_exact_power_equals_enumeration() -> None:
    """Power of the exact McNemar test by brute force over every (only_a, only_b) outcome."""
    n, p10, p01 = 40, 0.2, 0.05
    total = 0.0
    for a in range(n + 1):
        for b in range(n + 1 - a):
            prob = stats.multinomial.pmf([a, b, n - a - b], n, [p10, p01, 1 - p10 - p01])
            total += prob * (mcnemar_exact(a, b) < 0.05)
    assert mcnemar_power(n, p10, p01) == pytest.approx(total, abs=1e-9)


def test_planned_n_is_the_first_to_reach_power() -> None:
    n = int(mcnemar_n(0.10, 0.05))
    assert mcnemar_power(n, 0.10, 0.05) >= 0.8
    assert mcnemar_power(n - 1, 0.10, 0.05) < 0.8
    assert mcnemar_n(0.05, 0.05) == math.inf


def test_consensus_accuracy_closed_forms() -> None:
    p = 0.8
    assert consensus_accuracy(p, 3, 2) == pytest.approx(p**3 + 3 * p**2 * (1 - p))
    assert consensus_accuracy(p, 1, 4) == pytest.approx(p)
    assert consensus_accuracy(p, 2, 2) == pytest.approx(p**2 + 2 * p * (1 - p) / 2)  # a 1-1 tie earns 1/2
    assert consensus_accuracy(p, 2, 2, ties="abstain") == pytest.approx(p**2)
    # more classes spread the errors: the majority is right more often
    assert consensus_accuracy(0.6, 5, 4) > consensus_accuracy(0.6, 5, 2)


@pytest.mark.slow
def test_judgment_plan_says_never_when_the_pool_is_too_small() -> None:
    assert judgment_n(0.88, 0.90, labels_per_item=3, pool_a=10, pool_b=10, skill_sd=0.05) == math.inf
    finite = judgment_n(0.80, 0.88, labels_per_item=3, pool_a=30, pool_b=30, skill_sd=0.05)
    assert 0 < finite < math.inf
    plan = pilot_plan({"A": 0.88, "B": 0.90}, pool_size=10, skill_sd=0.05, n_classes=4)
    assert any("staff more annotators" in note for note in plan.notes)


def test_pilot_plan_costs() -> None:
    plan = pilot_plan(
        {"A": 0.80, "B": 0.88},
        labels_per_item=3,
        pool_size=40,
        n_classes=4,
        gold_share=0.5,
        cost_per_label={"A": 0.05, "B": 0.20},
    )
    assert plan.items_per_vendor == math.ceil(plan.gold_items / 0.5)
    costs = plan.vendors.set_index("vendor")["cost"]
    assert costs["A"] == pytest.approx(0.05 * 3 * plan.items_per_vendor)
    assert costs["B"] == pytest.approx(0.20 * 3 * plan.items_per_vendor)
    with pytest.raises(LabelevalError):
        pilot_plan({"A": 0.8})


def test_pair_plan_on_a_report_items_frame() -> None:
    rng = np.random.default_rng(0)
    n = 200
    a = (rng.random(n) < 0.9).astype(float)
    b = (rng.random(n) < 0.8).astype(float)
    items = pd.DataFrame(
        {
            "item_id": np.tile(np.arange(n), 3),
            "vendor": np.repeat(["A", "B", "C"], n),
            "consensus_correct": np.concatenate([a, b, np.full(n, np.nan)]),  # C has no gold
        }
    )
    plan = pair_plan(items, difference=0.05)
    ab = plan.iloc[0]
    assert ab["shared_gold_items"] == n
    assert ab["only_a_right"] == pytest.approx(np.mean(a * (1 - b)))
    assert ab["items_needed"] == mcnemar_n(ab["only_a_right"], ab["only_b_right"])
    assert ab["more_items_needed"] == max(ab["items_needed"] - n, 0)
    assert ab["items_needed_named"] > 0
    no_gold = plan[plan["vendor_b"] == "C"]
    assert (no_gold["shared_gold_items"] == 0).all() and no_gold["items_needed"].isna().all()


def test_plan_by_simulation() -> None:
    """Planned n gives the stated power within Monte-Carlo error (99% band), every design."""
    from benchmarks.calibration_plan import run_plan_designs

    table = run_plan_designs(reps=800, seed=3)
    assert table["within"].all(), table.to_string()
    assert table["reaches_target"].all(), table.to_string()

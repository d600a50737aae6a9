"""The alternative annotator test and TOST against independent implementations written here: the procedure as
the paper states it (loops over dictionaries of annotations, scipy's one-sample t-test, statsmodels'
Benjamini-Yekutieli) and TOST as two scipy one-sided tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_1samp
from statsmodels.stats.multitest import multipletests

from labeleval.inference.alternative import annotator_tests, decide, leave_one_out_scores, one_sided_t, tost
from labeleval.inference.stats import benjamini_yekutieli


def _reference(humans: dict[int, dict[int, int]], model: dict[int, int], match, epsilon: float) -> dict[int, dict]:
    """The procedure written from the paper: per held-out human, W_f and W_h per item, the t-test on W_h - W_f."""
    out = {}
    for held in humans:
        llm_ind, human_ind = [], []
        for item, own in humans[held].items():
            rest = [humans[h][item] for h in humans if h != held and item in humans[h]]
            if not rest or item not in model:
                continue
            s_h = float(np.mean([match(own, r) for r in rest]))
            s_f = float(np.mean([match(model[item], r) for r in rest]))
            llm_ind.append(1 if s_f >= s_h else 0)
            human_ind.append(1 if s_h >= s_f else 0)
        diff = np.asarray(human_ind) - np.asarray(llm_ind)
        p = ttest_1samp(diff, epsilon, alternative="less").pvalue if len(diff) > 1 else np.nan
        out[held] = {"n": len(diff), "rho_f": float(np.mean(llm_ind)), "rho_h": float(np.mean(human_ind)), "p": p}
    return out


def _random_panel(rng: np.random.Generator, n_items: int, n_humans: int, k: int, missing: float):
    truth = rng.integers(0, k, n_items)
    humans: dict[int, dict[int, int]] = {}
    for h in range(n_humans):
        noisy = np.where(rng.random(n_items) < 0.7, truth, rng.integers(0, k, n_items))
        humans[h] = {i: int(noisy[i]) for i in range(n_items) if rng.random() >= missing}
    model_labels = np.where(rng.random(n_items) < 0.75, truth, rng.integers(0, k, n_items))
    model = {i: int(model_labels[i]) for i in range(n_items) if rng.random() >= missing / 2}
    return humans, model


def _arrays(humans: dict[int, dict[int, int]], model: dict[int, int], n_items: int):
    rows = np.asarray([(i, h, c) for h, labels in humans.items() for i, c in labels.items()], dtype=np.int64)
    candidate = np.full(n_items, -1, dtype=np.int64)
    for i, c in model.items():
        candidate[i] = c
    return rows[:, 0], rows[:, 1], rows[:, 2], candidate


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("tolerance", [None, 1])
def test_annotator_tests_match_the_procedure_written_from_the_paper(seed: int, tolerance: int | None) -> None:
    rng = np.random.default_rng(seed)
    k, n_items = 5, 80
    humans, model = _random_panel(rng, n_items, n_humans=3 + seed % 3, k=k, missing=0.2)
    if tolerance is None:
        hit = np.eye(k, dtype=bool)
    else:  # an ordinal scale within one step
        hit = np.abs(np.subtract.outer(np.arange(k), np.arange(k))) <= tolerance
    expected = _reference(humans, model, lambda a, b: bool(hit[a, b]), epsilon=0.15)
    item, annotator, code, candidate = _arrays(humans, model, n_items)
    got = annotator_tests(item, annotator, code, candidate, hit, epsilon=0.15).set_index("annotator")
    assert sorted(got.index) == sorted(expected)
    for h, want in expected.items():
        row = got.loc[h]
        assert row["n_items"] == want["n"]
        assert row["candidate_advantage"] == pytest.approx(want["rho_f"])
        assert row["annotator_advantage"] == pytest.approx(want["rho_h"])
        assert row["p_value"] == pytest.approx(want["p"], rel=1e-9, abs=1e-12)


def test_by_adjustment_and_wins_match_statsmodels() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(12) ** 3
    want = multipletests(p, alpha=0.05, method="fdr_by")
    assert benjamini_yekutieli(p) == pytest.approx(want[1])
    tests = pd.DataFrame({"annotator": range(12), "n_items": [40] * 11 + [10], "p_value": p})
    decided = decide(tests, level=0.05, min_items=30)
    assert not decided["tested"].iloc[-1] and np.isnan(decided["p_adjusted"].iloc[-1])
    kept = multipletests(p[:11], alpha=0.05, method="fdr_by")
    assert decided["candidate_wins"].iloc[:11].tolist() == kept[0].tolist()


def test_leave_one_out_scores_on_a_hand_worked_item() -> None:
    # one item, three humans say 0, 0, 1; the candidate says 0
    human, model = leave_one_out_scores(
        np.zeros(3, dtype=int), np.array([0, 0, 1]), np.array([0]), np.eye(2, dtype=bool)
    )
    assert human.tolist() == [0.5, 0.5, 0.0]  # each human against the two others
    assert model.tolist() == [0.5, 0.5, 1.0]  # the candidate against the same two


def test_a_single_judgment_is_not_scored() -> None:
    human, model = leave_one_out_scores(
        np.array([0, 1, 1]), np.array([0, 0, 0]), np.array([0, 0]), np.eye(2, dtype=bool)
    )
    assert np.isnan(human[0]) and np.isnan(model[0]) and human[1] == 1.0


def test_one_sided_t_without_spread() -> None:
    assert one_sided_t(np.zeros(40), 0.1)["p_value"] == 0.0
    assert one_sided_t(np.full(40, 0.5), 0.1)["p_value"] == 1.0
    assert np.isnan(one_sided_t(np.zeros(1), 0.1)["p_value"])


@pytest.mark.parametrize("shift", [0.0, 0.03, 0.08])
def test_tost_matches_two_one_sided_scipy_tests(shift: float) -> None:
    rng = np.random.default_rng(int(shift * 100))
    d = rng.normal(shift, 0.2, 150)
    got = tost(d, margin=0.05, level=0.05)
    p_low = ttest_1samp(d, -0.05, alternative="greater").pvalue
    p_high = ttest_1samp(d, 0.05, alternative="less").pvalue
    assert got.p_value == pytest.approx(max(p_low, p_high))
    assert got.equivalent == (max(p_low, p_high) <= 0.05)
    # the 90% interval inside the margins is the same decision
    assert got.equivalent == (got.ci_low > -0.05 and got.ci_high < 0.05)

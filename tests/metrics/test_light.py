"""Light's kappa's evidence and leave-one-item-out values (labeleval/metrics/light.py) against recomputing it
without each item."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeleval.metrics.family import ratings
from labeleval.metrics.light import light_evidence, light_jackknife


def _frame(seed: int, n_items: int = 40, pool: int = 5, per_item: int = 3, k: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, k, n_items)
    who = np.argsort(rng.random((n_items, pool)), axis=1)[:, :per_item]
    right = rng.random(who.shape) < 0.7
    label = np.where(right, truth[:, None], rng.integers(0, k, who.shape))
    return pd.DataFrame(
        {"item_id": np.repeat(np.arange(n_items), per_item), "annotator_id": who.ravel(), "label": label.ravel()}
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_jackknife_values_equal_recomputing_without_each_item(seed: int) -> None:
    r = ratings(_frame(seed))
    jack = light_jackknife(r.item, r.rater, r.label, r.n.shape[0])
    assert jack is not None
    for i in range(r.n.shape[0]):
        keep = r.item != i
        expected = light_evidence(r.item[keep], r.rater[keep], r.label[keep], None)[0]
        assert jack[i] == pytest.approx(expected, abs=1e-12) or (np.isnan(jack[i]) and np.isnan(expected))


def test_pairs_that_fall_under_ten_shared_items_leave_the_mean() -> None:
    """Pairs sharing exactly 10 items qualify; without one of their items they do not."""
    r = ratings(_frame(3, n_items=14, pool=4, per_item=3))
    jack = light_jackknife(r.item, r.rater, r.label, r.n.shape[0])
    assert jack is not None
    for i in range(r.n.shape[0]):
        keep = r.item != i
        expected = light_evidence(r.item[keep], r.rater[keep], r.label[keep], None)[0]
        assert (np.isnan(jack[i]) and np.isnan(expected)) or jack[i] == pytest.approx(expected, abs=1e-12)


def test_an_annotator_twice_on_an_item_gives_no_jackknife() -> None:
    frame = _frame(4)
    twice = pd.concat([frame, frame.iloc[:1]], ignore_index=True)
    r = ratings(twice)
    assert light_jackknife(r.item, r.rater, r.label, r.n.shape[0]) is None

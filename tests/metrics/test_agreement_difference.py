"""The difference of two agreement coefficients: its standard error against a jackknife over items computed
naively from the public point functions (paired: one item out of both frames; independent: each frame's own),
its symmetries, and the coverage of its interval by simulation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

import labeleval as le

LABELS = [0, 1, 2, 3]
POINT: dict[str, Callable[[pd.DataFrame], float]] = {
    "percent_agreement": lambda f: le.percent_agreement(f, labels=LABELS),
    "fleiss_kappa": lambda f: le.fleiss_kappa(f, labels=LABELS),
    "gwet_ac1": lambda f: le.gwet_ac1(f, labels=LABELS),
    "brennan_prediger": lambda f: le.brennan_prediger(f, labels=LABELS),
    "conger_kappa": lambda f: le.conger_kappa(f, labels=LABELS),
}


def _vendor(rng: np.random.Generator, truth: np.ndarray, skill: float, who: str, per_item: int = 3) -> pd.DataFrame:
    """``per_item`` of a pool of 5 annotators on each item, right with probability ``skill``, else at random."""
    n = len(truth)
    raters = np.argsort(rng.random((n, 5)), axis=1)[:, :per_item]
    right = rng.random(raters.shape) < skill
    label = np.where(right, truth[:, None], rng.integers(0, 4, raters.shape))
    return pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(n), per_item),
            "annotator_id": np.char.add(who, raters.ravel().astype(str)),
            "label": label.ravel(),
        }
    )


def _jackknife(values: np.ndarray) -> float:
    n = len(values)
    return float(np.sqrt((n - 1.0) / n * ((values - values.mean()) ** 2).sum()))


def _without(frame: pd.DataFrame, item: int) -> pd.DataFrame:
    return frame[frame["item_id"] != item]


@pytest.mark.slow
def test_paired_se_is_the_jackknife_of_the_difference() -> None:
    rng = np.random.default_rng(0)
    truth = rng.choice(4, 60, p=[0.4, 0.3, 0.2, 0.1])
    a, b = _vendor(rng, truth, 0.75, "a"), _vendor(rng, truth, 0.6, "b")
    table = le.kappa_difference(a, b, labels=LABELS).set_index("coefficient")
    for name, point in POINT.items():
        jack = np.array([point(_without(a, i)) - point(_without(b, i)) for i in range(60)])
        row = table.loc[name]
        assert row["difference"] == pytest.approx(point(a) - point(b), abs=1e-12)
        assert row["se"] == pytest.approx(_jackknife(jack), rel=0.1), name
        assert row["design"] == "paired by item" and row["shared_items"] == 60 and row["df"] == 59


def test_partly_shared_items_are_paired_where_shared() -> None:
    """a on items 0-59, b on 20-79: the jackknife leaves each of the 80 items out of whichever frames have it."""
    rng = np.random.default_rng(1)
    truth = rng.choice(4, 80, p=[0.4, 0.3, 0.2, 0.1])
    a = _vendor(rng, truth[:60], 0.75, "a")
    b = _vendor(rng, truth[20:], 0.6, "b").assign(item_id=lambda f: f["item_id"] + 20)
    row = le.kappa_difference(a, b, coefficients="fleiss_kappa", labels=LABELS).iloc[0]
    point = POINT["fleiss_kappa"]
    jack = np.array([point(_without(a, i)) - point(_without(b, i)) for i in range(80)])
    assert row["shared_items"] == 40 and row["se"] == pytest.approx(_jackknife(jack), rel=0.1)


def test_independent_se_adds_each_frames_jackknife() -> None:
    rng = np.random.default_rng(2)
    a = _vendor(rng, rng.choice(4, 50), 0.75, "a")
    b = _vendor(rng, rng.choice(4, 70), 0.6, "b").assign(item_id=lambda f: f["item_id"] + 1000)
    row = le.kappa_difference(a, b, coefficients="gwet_ac1", labels=LABELS).iloc[0]
    point = POINT["gwet_ac1"]
    va = _jackknife(np.array([point(_without(a, i)) for i in range(50)])) ** 2
    vb = _jackknife(np.array([point(_without(b, i + 1000)) for i in range(70)])) ** 2
    assert row["design"] == "independent" and row["shared_items"] == 0
    assert row["se"] == pytest.approx(np.sqrt(va + vb), rel=0.1)
    assert 48 < row["df"] < 119  # Welch-Satterthwaite: between the smaller sample's and the pooled


def test_symmetries_and_evidence() -> None:
    rng = np.random.default_rng(3)
    truth = rng.choice(4, 40)
    a, b = _vendor(rng, truth, 0.8, "a"), _vendor(rng, truth, 0.5, "b")
    ab = le.kappa_difference(a, b, labels=LABELS)
    ba = le.kappa_difference(b, a, labels=LABELS)
    np.testing.assert_allclose(ab["difference"], -ba["difference"], atol=1e-12)
    np.testing.assert_allclose(ab["se"], ba["se"], rtol=1e-12)
    same = le.kappa_difference(a, a, labels=LABELS)
    assert (same["difference"] == 0).all() and np.allclose(same["se"], 0.0)
    forced = le.kappa_difference(a, b, labels=LABELS, paired=False)
    assert (forced["design"] == "independent").all() and (forced["se"] > ab["se"]).all()  # the items' shared part
    thin = le.kappa_difference(a, _vendor(rng, truth[:5], 0.5, "b"), labels=LABELS)
    assert thin["difference"].isna().all() and thin["note"].str.startswith("b: 5 items").all()
    weighted = le.kappa_difference(a, b, labels=LABELS, weights="quadratic")
    assert "gwet_ac2" in weighted["coefficient"].tolist() and (weighted["weights"] == "quadratic").all()
    with pytest.raises(le.SchemaError, match="coefficient"):
        le.kappa_difference(a, b, coefficients="cohen")


@pytest.mark.slow
@pytest.mark.parametrize("paired", [True, False])
def test_the_interval_covers_the_population_difference(paired: bool) -> None:
    """200 replications of 80 items (paired: the same items for both vendors), Fleiss' kappa; the population
    difference from 40,000 items. A 95% interval must cover 90-99% here (Monte-Carlo error 1.5 points);
    benchmarks/coverage_agreement.py measures it finely."""
    rng = np.random.default_rng(4 + paired)

    def pair(n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        truth = rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
        a = _vendor(rng, truth, 0.75, "a")
        other = truth if paired else rng.choice(4, n, p=[0.4, 0.3, 0.2, 0.1])
        b = _vendor(rng, other, 0.6, "b").assign(item_id=lambda f: f["item_id"] + (0 if paired else n))
        return a, b

    big_a, big_b = pair(40_000)
    truth = POINT["fleiss_kappa"](big_a) - POINT["fleiss_kappa"](big_b)
    hits = []
    for _ in range(200):
        row = le.kappa_difference(*pair(80), coefficients="fleiss_kappa", labels=LABELS).iloc[0]
        hits.append(row["ci_low"] <= truth <= row["ci_high"])
    assert 0.90 <= np.mean(hits) <= 0.99

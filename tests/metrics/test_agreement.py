"""Every agreement metric against peer libraries on random data, plus the properties any metric must have:
perfect agreement gives 1, invariance to row order and to renaming annotators, items and labels,
inputs not mutated, undefined cases give NaN with a warning. Above the package's size the headline alpha is
the bootstrap statistic's point value: it equals the closed forms of ``alpha_from_counts`` at every level,
dense counts and non-zero cells alike."""

from __future__ import annotations

import warnings

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

import labeleval as le
from labeleval.metrics.agreement import (
    LEVELS,
    alpha_from_counts,
    alpha_from_stats,
    alpha_stats,
    package_sized,
)
from labeleval.metrics.counts import count_matrix
from labeleval.tuning import PACKAGE_MAX_CELLS


def random_long(
    rng: np.random.Generator, n_items: int, n_annotators: int, k: int, per_item: int, p_agree: float = 0.6
) -> pd.DataFrame:
    """Random long-form judgments: each item gets ``per_item`` distinct annotators; labels agree with a
    hidden truth with probability ``p_agree``."""
    truth = rng.integers(0, k, n_items)
    rows = []
    for i in range(n_items):
        annotators = rng.choice(n_annotators, per_item, replace=False)
        for a in annotators:
            label = truth[i] if rng.random() < p_agree else rng.integers(0, k)
            rows.append((f"i{i}", f"a{a}", int(label)))
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


METRICS = {
    "alpha_nominal": lambda df, labels: le.krippendorff_alpha(df, level="nominal", labels=labels),
    "alpha_ordinal": lambda df, labels: le.krippendorff_alpha(df, level="ordinal", labels=labels),
    "alpha_interval": lambda df, labels: le.krippendorff_alpha(df, level="interval", labels=labels),
    "percent_agreement": lambda df, labels: le.percent_agreement(df, labels=labels),
    "fleiss_kappa": lambda df, labels: le.fleiss_kappa(df, labels=labels),
    "gwet_ac1": lambda df, labels: le.gwet_ac1(df, labels=labels),
    "light_kappa": lambda df, labels: le.light_kappa(df, labels=labels, min_overlap=1),
}


def dense_reliability(df: pd.DataFrame, k_values: list[int]) -> np.ndarray:
    """The peer's input: a dense annotators x items matrix (fine at test sizes)."""
    wide = df.pivot(index="annotator_id", columns="item_id", values="label")
    return wide.to_numpy(dtype=float)


@st.composite
def long_frames(draw, max_items: int = 25, max_annotators: int = 6, max_k: int = 5):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n_items = draw(st.integers(2, max_items))
    n_annot = draw(st.integers(2, max_annotators))
    k = draw(st.integers(2, max_k))
    per_item = draw(st.integers(2, n_annot))
    df = random_long(rng, n_items, n_annot, k, per_item, p_agree=draw(st.floats(0.0, 0.95)))
    # drop some judgments so items have varying numbers of ratings
    keep = rng.random(len(df)) > draw(st.floats(0.0, 0.3))
    return df[keep].reset_index(drop=True), list(range(k))


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(long_frames())
def test_alpha_matches_krippendorff_package_on_dense_input(data) -> None:
    df, labels = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for level in LEVELS:
            ours = le.krippendorff_alpha(df, level=level, labels=labels)
            if level == "ratio":
                df_shift = df.assign(label=df["label"] + 1)
                ours = le.krippendorff_alpha(df_shift, level=level, labels=[x + 1 for x in labels])
                peer_df = df_shift
            else:
                peer_df = df
            try:
                peer = krippendorff.alpha(
                    reliability_data=dense_reliability(peer_df, labels),
                    value_domain=sorted(set(peer_df["label"])),
                    level_of_measurement=level,
                )
            except ValueError:
                peer = float("nan")  # the package refuses a single-valued domain
            if np.isnan(peer) or np.isinf(peer):
                assert np.isnan(ours)
            else:
                assert ours == pytest.approx(peer, abs=1e-9), level


@settings(max_examples=60, deadline=None)
@given(long_frames())
def test_alpha_sufficient_statistics_equal_package(data) -> None:
    """The bootstrap's alpha (from summed per-item statistics) equals the package's point estimate."""
    df, labels = data
    counts = count_matrix(df, labels)
    values = np.arange(len(labels), dtype=float)
    for level in ("nominal", "ordinal", "interval"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            point = le.krippendorff_alpha(df, level=level, labels=labels)
        ours = float(alpha_from_stats(alpha_stats(counts.n, level, values).sum(axis=0), level, values)[0])
        if np.isnan(point):
            assert np.isnan(ours)
        else:
            assert ours == pytest.approx(point, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 6), st.integers(3, 30), st.integers(2, 5))
def test_fleiss_matches_statsmodels_with_equal_ratings(seed, k, n_items, per_item) -> None:
    rng = np.random.default_rng(seed)
    df = random_long(rng, n_items, per_item + 2, k, per_item)
    table = count_matrix(df, list(range(k))).n
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = le.fleiss_kappa(df, labels=list(range(k)))
        peer = sm_fleiss(table, method="fleiss")
    if np.isnan(peer):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(peer, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(2, 6),
    st.integers(2, 40),
    st.sampled_from([None, "linear", "quadratic"]),
)
def test_cohen_matches_scikit_learn(seed, k, n_items, weights) -> None:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, k, n_items)
    b = np.where(rng.random(n_items) < 0.6, a, rng.integers(0, k, n_items))
    df = pd.DataFrame(
        {
            "item_id": np.tile(np.arange(n_items), 2),
            "annotator_id": ["x"] * n_items + ["y"] * n_items,
            "label": np.concatenate([a, b]),
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = le.cohen_kappa(df, weights=weights, labels=list(range(k)))
        peer = cohen_kappa_score(a, b, weights=weights, labels=list(range(k)))
    if np.isnan(peer):
        assert np.isnan(ours)
    else:
        assert ours == pytest.approx(peer, abs=1e-9)


def test_light_kappa_is_mean_of_pairwise_sklearn() -> None:
    rng = np.random.default_rng(3)
    df = random_long(rng, 60, 4, 3, 4, p_agree=0.7)
    kappas = []
    for a, b in [
        (x, y)
        for i, x in enumerate(sorted(df.annotator_id.unique()))
        for y in sorted(df.annotator_id.unique())[i + 1 :]
    ]:
        wa = df[df.annotator_id == a].set_index("item_id")["label"]
        wb = df[df.annotator_id == b].set_index("item_id")["label"]
        both = wa.index.intersection(wb.index)
        kappas.append(cohen_kappa_score(wa[both], wb[both], labels=[0, 1, 2]))
    assert le.light_kappa(df, labels=[0, 1, 2], min_overlap=1) == pytest.approx(np.mean(kappas), abs=1e-12)


# ------------------------------------------------------------------------------------- properties
@pytest.mark.parametrize("name", sorted(METRICS))
def test_perfect_agreement_gives_one(name) -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, 30)
    truth[:3] = [0, 1, 2]
    df = pd.DataFrame(
        {
            "item_id": np.repeat(np.arange(30), 3),
            "annotator_id": np.tile(["a", "b", "c"], 30),
            "label": np.repeat(truth, 3),
        }
    )
    assert METRICS[name](df, [0, 1, 2]) == pytest.approx(1.0)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_invariant_to_row_order_and_renaming(name) -> None:
    rng = np.random.default_rng(7)
    df = random_long(rng, 40, 5, 3, 4, p_agree=0.6)
    base = METRICS[name](df, [0, 1, 2])
    shuffled = df.sample(frac=1.0, random_state=1).reset_index(drop=True)
    renamed = shuffled.assign(
        annotator_id="ann_" + shuffled["annotator_id"].str[::-1],
        item_id="x" + shuffled["item_id"] + "_y",
    )
    before = renamed.copy()
    assert METRICS[name](renamed, [0, 1, 2]) == pytest.approx(base, abs=1e-12)
    pd.testing.assert_frame_equal(renamed, before)  # inputs are not mutated


@pytest.mark.parametrize("name", ["alpha_nominal", "percent_agreement", "fleiss_kappa", "gwet_ac1"])
def test_nominal_metrics_invariant_to_renaming_labels(name) -> None:
    rng = np.random.default_rng(11)
    df = random_long(rng, 40, 5, 3, 4, p_agree=0.6)
    names = {0: "spam", 1: "ham", 2: "eggs"}
    relabelled = df.assign(label=df["label"].map(names))
    assert METRICS[name](relabelled, ["spam", "ham", "eggs"]) == pytest.approx(METRICS[name](df, [0, 1, 2]))


def test_undefined_alpha_is_nan_with_warning() -> None:
    df = pd.DataFrame({"item_id": [1, 1, 2, 2], "annotator_id": list("abab"), "label": ["x"] * 4})
    with pytest.warns(le.UndefinedMetricWarning):
        assert np.isnan(le.krippendorff_alpha(df))
    with pytest.warns(le.UndefinedMetricWarning):
        assert np.isnan(le.fleiss_kappa(df))


def test_unknown_labels_and_missing_columns_raise_clear_errors() -> None:
    df = pd.DataFrame({"item_id": [1, 1], "annotator_id": ["a", "b"], "label": ["x", "Z"]})
    with pytest.raises(le.SchemaError, match="'Z'"):
        le.krippendorff_alpha(df, labels=["x", "y"])
    with pytest.raises(le.SchemaError, match="missing annotator_id"):
        le.fleiss_kappa(df.drop(columns="annotator_id"))
    with pytest.raises(le.SchemaError, match="exactly two annotators"):
        le.cohen_kappa(pd.concat([df, df.assign(annotator_id="c")]))
    with pytest.raises(le.SchemaError, match="level must be"):
        le.krippendorff_alpha(df, level="cardinal")


# ---------------------------------------------------------------------------- alpha's point value
def _counts(rng: np.random.Generator, n_items: int, k: int) -> np.ndarray:
    truth = rng.integers(0, k, n_items)
    m = rng.integers(1, 6, n_items)
    counts = np.zeros((n_items, k), dtype=np.int64)
    for j in range(5):
        rated = j < m
        right = rng.random(n_items) < 0.7
        label = np.where(right, truth, rng.integers(0, k, n_items))
        np.add.at(counts, (np.flatnonzero(rated), label[rated]), 1)
    return counts


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
@pytest.mark.parametrize("as_cells", [False, True])
def test_point_value_of_the_statistic_is_the_closed_form(level: str, as_cells: bool) -> None:
    rng = np.random.default_rng(["nominal", "ordinal", "interval", "ratio"].index(level))
    k = 5
    counts = _counts(rng, 2 * PACKAGE_MAX_CELLS // k**2, k)  # pairable items x 25 above the limit
    n: np.ndarray | sparse.csr_array = sparse.csr_array(counts) if as_cells else counts
    assert not package_sized(n)
    values = np.array([1.0, 2.0, 3.0, 5.0, 8.0])
    block = alpha_stats(n, level, values)
    totals = np.asarray(block.sum(axis=0)).reshape(1, -1)
    point = float(alpha_from_stats(totals, level, values)[0])  # what the engine's alpha statistic computes
    expected = alpha_from_counts(n, level=level, values=values)
    assert 0.2 < expected < 0.9
    assert point == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_small_counts_still_go_to_the_package() -> None:
    counts = _counts(np.random.default_rng(9), 1_000, 4)
    assert package_sized(counts)
    assert package_sized(sparse.csr_array(counts))


def test_every_class_alpha_at_once_is_each_class_alpha() -> None:
    """The per-class frame's one-against-the-rest alphas of every class at once (for speed) equal the
    per-class function's, undefined classes (never or always given) included."""
    from labeleval.metrics.agreement import one_vs_rest_alpha, one_vs_rest_alphas

    rng = np.random.default_rng(4)
    for trial in range(60):
        n_items, k = int(rng.integers(1, 300)), int(rng.integers(2, 7))
        counts = rng.integers(0, 4, (n_items, k)) * (rng.random((n_items, k)) < rng.random())
        if trial % 3 == 0:
            counts[:, 0] = 0  # a class nobody gave
        m = counts.sum(axis=1)
        each = np.array([one_vs_rest_alpha(counts[:, c], m) for c in range(k)])
        np.testing.assert_allclose(one_vs_rest_alphas(sparse.csr_array(counts), m), each, rtol=1e-12, equal_nan=True)

"""Gwet's AC2, the ICC and within-one agreement against published values.

Sources: Gwet (2014) Handbook of Inter-Rater Reliability, 4th ed., pp. 89-90 (16 units x 4 raters on a
0.5-2.5 scale, quadratic weights: p_a 0.9206, p_e 0.6462, AC2 0.7755; data as transcribed in the
jmgirard/agreement R package's data-raw and asserted in its test-categorical_interval.R); Shrout & Fleiss
(1979) Psychological Bulletin 86(2), Tables 2 and 4 (6 targets x 4 judges: ICC(1,1) .17, ICC(2,1) .29,
ICC(3,1) .71, ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

import labeleval as le
from labeleval.metrics.counts import count_matrix
from labeleval.metrics.ordinal import ac2_from_counts, agreement_weights

NA = None
GWET_P89: list[list[float | None]] = [
    [1.0, 1.5, 1.0, NA], [2.0, 2.0, 2.0, 2.0], [0.5, 1.0, 1.5, 1.5], [1.0, 1.0, 1.0, 1.0],
    [1.0, 1.0, 1.0, 1.5], [NA, 1.0, 2.5, NA], [2.5, 2.5, 2.5, 2.5], [1.0, 1.0, NA, 1.0],
    [NA, 1.0, 2.0, 1.0], [1.0, 1.0, 0.5, 1.0], [1.5, 1.5, 1.5, 1.5], [1.0, 1.5, 1.0, NA],
    [1.0, 1.0, 1.5, NA], [1.0, 2.0, 2.5, 2.0], [NA, 1.0, 1.5, 1.0], [0.5, 0.5, 0.5, 0.5],
]  # fmt: skip
SHROUT_FLEISS: list[list[float | None]] = [
    [9, 2, 5, 8],
    [6, 1, 3, 2],
    [8, 4, 6, 8],
    [7, 1, 2, 6],
    [10, 5, 6, 9],
    [6, 2, 4, 7],
]


def long(matrix: Sequence[Sequence[object]]) -> pd.DataFrame:
    rows = [(f"u{i}", f"r{j}", v) for i, row in enumerate(matrix) for j, v in enumerate(row) if v is not None]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def test_gwet_ac2_quadratic_gwet_2014_p89() -> None:
    df = long(GWET_P89)
    scale = [0.5, 1.0, 1.5, 2.0, 2.5]
    assert le.gwet_ac2(df, weights="quadratic", labels=scale) == pytest.approx(0.7755, abs=5e-5)
    _, pa, pe = ac2_from_counts(count_matrix(df, scale).n, agreement_weights(5, "quadratic"))
    assert pa == pytest.approx(0.9206, abs=5e-5)
    assert pe == pytest.approx(0.6462, abs=5e-5)


def test_ac2_with_identity_weights_is_ac1() -> None:
    df = long(GWET_P89)
    counts = count_matrix(df).n
    ac1 = ac2_from_counts(counts, np.eye(counts.shape[1]))[0]
    assert ac1 == pytest.approx(le.gwet_ac1(df), abs=1e-12)


def test_icc_shrout_fleiss_1979() -> None:
    table = le.icc(long(SHROUT_FLEISS)).set_index("form")
    published = {"ICC1": 0.17, "ICC2": 0.29, "ICC3": 0.71, "ICC1k": 0.44, "ICC2k": 0.62, "ICC3k": 0.91}
    for form, value in published.items():
        assert table.loc[form, "icc"] == pytest.approx(value, abs=0.005), form
    assert (table["ci_low"] < table["icc"]).all() and (table["icc"] < table["ci_high"]).all()


@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.dropna")  # inside pingouin 0.7
@pytest.mark.parametrize("seed", [None, 0, 1, 2])
def test_icc_and_its_intervals_match_pingouin(seed: int | None) -> None:
    """pingouin's intraclass_corr as the peer for every form's value and 95% interval (pingouin rounds the
    interval to two decimals); ``None`` is Shrout & Fleiss's table, the seeds are random crossed designs."""
    import pingouin as pg

    if seed is None:
        df = long(SHROUT_FLEISS)
    else:
        rng = np.random.default_rng(seed)
        truth = rng.normal(size=(12, 1))
        df = long((truth + rng.normal(scale=0.8, size=(12, 3)) + rng.normal(size=(1, 3))).round(2).tolist())
    ours = le.icc(df).set_index("form")
    peer = pg.intraclass_corr(df, targets="item_id", raters="annotator_id", ratings="label").set_index("Type")
    names = {"ICC1": "ICC(1,1)", "ICC2": "ICC(A,1)", "ICC3": "ICC(C,1)", "ICC1k": "ICC(1,k)", "ICC2k": "ICC(A,k)"}
    names["ICC3k"] = "ICC(C,k)"
    for form, theirs in names.items():
        assert ours.loc[form, "icc"] == pytest.approx(peer.loc[theirs, "ICC"], abs=1e-9), form
        low, high = peer.loc[theirs, "CI95"]
        assert round(ours.loc[form, "ci_low"], 2) == pytest.approx(low, abs=1e-9), form
        assert round(ours.loc[form, "ci_high"], 2) == pytest.approx(high, abs=1e-9), form


def test_icc_perfect_agreement_and_missing_ratings() -> None:
    perfect = long([[1, 1, 1], [4, 4, 4], [2, 2, 2], [5, 5, 5]])
    assert le.icc(perfect)["icc"].to_numpy() == pytest.approx(np.ones(6))
    with_gap = long([*SHROUT_FLEISS, [3, None, 4, 5]])  # listwise deletion leaves the published table
    np.testing.assert_allclose(le.icc(with_gap)["icc"], le.icc(long(SHROUT_FLEISS))["icc"])
    with pytest.raises(le.InsufficientDataError):
        le.icc(long([[1, 2]]))


def test_weighted_kappa_rank_spacing_matches_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    a = rng.integers(1, 8, 60)
    b = np.clip(a + rng.integers(-1, 2, 60), 1, 7)
    df = pd.DataFrame(
        {"item_id": np.tile(np.arange(60), 2), "annotator_id": ["x"] * 60 + ["y"] * 60, "label": np.concatenate([a, b])}
    )
    for weights in ("linear", "quadratic"):
        expected = cohen_kappa_score(a, b, weights=weights, labels=list(range(1, 8)))
        assert le.cohen_kappa(df, weights=weights, labels=list(range(1, 8))) == pytest.approx(expected)


def test_within_one_agreement_by_hand() -> None:
    # item 1: ratings 1, 2, 4 -> pairs (1,2) ok, (1,4) no, (2,4) no -> 1/3; item 2: 3, 3 -> 1
    df = long([[1, 2, 4], [3, 3, None]])
    assert le.within_one_agreement(df, labels=[1, 2, 3, 4, 5]) == pytest.approx((1 / 3 + 1) / 2)

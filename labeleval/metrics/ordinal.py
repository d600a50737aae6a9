"""Agreement for ordered and numeric scales: Gwet's AC2, within-one agreement, the intraclass correlation.

Weights follow the declared order (rank spacing), as for weighted kappa: linear ``1 - |k - l| / (q - 1)``,
quadratic ``1 - (k - l)^2 / (q - 1)^2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from labeleval.errors import InsufficientDataError, SchemaError
from labeleval.metrics.counts import check_frame, count_matrix, label_codes, numeric_values
from labeleval.metrics.family import WEIGHT_FAMILIES, Weights, coefficient, weight_matrix

AC2_WEIGHTS: Final = WEIGHT_FAMILIES


def agreement_weights(q: int, weights: Weights) -> np.ndarray:
    """Gwet's agreement weights (1 on the diagonal) by position in the declared order: a family of
    :data:`~labeleval.metrics.family.WEIGHT_FAMILIES` or a q x q matrix."""
    return weight_matrix(weights, q)


def ac2_from_counts(n: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """(AC2, p_a, p_e) from an items x categories count matrix and an agreement-weight matrix.

    ``p_a`` is the mean over items with two or more ratings of ``sum_k n_ik (n*_ik - 1) / (m_i (m_i - 1))``
    with ``n*_ik = sum_l w_kl n_il``; ``pi_k`` the mean over rated items of ``n_ik / m_i``;
    ``p_e = T_w / (q (q - 1)) * sum_k pi_k (1 - pi_k)`` with ``T_w`` the sum of the weights (Gwet 2014, as
    irrCAC). With identity weights this is AC1.
    """
    nf = n.astype(np.float64)
    m = nf.sum(axis=1)
    q = n.shape[1]
    pairable = m >= 2
    rated = m >= 1
    if not pairable.any() or q < 2:
        return float("nan"), float("nan"), float("nan")
    weighted = nf @ weights.T
    pa = float(np.mean((nf[pairable] * (weighted[pairable] - 1)).sum(axis=1) / (m[pairable] * (m[pairable] - 1))))
    pi = (nf[rated] / m[rated, None]).mean(axis=0)
    pe = float(weights.sum() / (q * (q - 1)) * (pi * (1 - pi)).sum())
    if np.isclose(pe, 1.0):
        return float("nan"), pa, pe
    return (pa - pe) / (1 - pe), pa, pe


def gwet_ac2(
    annotations: pd.DataFrame,
    *,
    weights: Weights = "quadratic",
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
) -> float:
    """Gwet's AC2: AC1 with partial credit for near misses on an ordered scale (Gwet 2014, ch. 3).

    ``weights``: ``"quadratic"`` (default) or another of Gwet's families (``linear``, ``ordinal``, ``radical``,
    ``ratio``, ``circular``, ``bipolar``; ``identity`` gives AC1; or a q x q matrix), by position in ``labels``
    (the scale's order; default: the sorted distinct values). Unused scale points still count in ``q`` when
    declared (``labels``, or ``n_categories`` for unweighted AC1).

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator_id": list("ababab"),
    ...                    "label": [1, 2, 3, 3, 5, 4]})
    >>> round(le.gwet_ac2(df, labels=[1, 2, 3, 4, 5]), 3)
    0.846
    """
    return coefficient(annotations, "gwet", "Gwet's AC2", labels=labels, n_categories=n_categories, weights=weights)


def within_one_from_counts(n: np.ndarray) -> float:
    """Share of rater pairs on an item whose ratings are at most one scale step apart, averaged over items
    with two or more ratings (percent agreement with one step of tolerance)."""
    nf = n.astype(np.float64)
    m = nf.sum(axis=1)
    pairable = m >= 2
    if not pairable.any():
        return float("nan")
    same = (nf * (nf - 1)).sum(axis=1)
    adjacent = 2 * (nf[:, :-1] * nf[:, 1:]).sum(axis=1)
    return float(np.mean(((same + adjacent) / np.maximum(m * (m - 1), 1))[pairable]))


def within_one_agreement(annotations: pd.DataFrame, *, labels: Sequence[object] | None = None) -> float:
    """Share of rater pairs within one scale step of each other (mean over items), for Likert scales."""
    return within_one_from_counts(count_matrix(annotations, labels).n)


# ----------------------------------------------------------------------------------------------- ICC
ICC_FORMS: Final = ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")
ICC_DESCRIPTIONS: Final = {
    "ICC1": "single rater, one-way random (each item rated by different raters)",
    "ICC2": "single rater, two-way random, absolute agreement",
    "ICC3": "single rater, two-way mixed, consistency",
    "ICC1k": "mean of k raters, one-way random",
    "ICC2k": "mean of k raters, two-way random, absolute agreement",
    "ICC3k": "mean of k raters, two-way mixed, consistency",
}


def icc_from_matrix(x: np.ndarray, confidence: float = 0.95) -> pd.DataFrame:
    """The six Shrout & Fleiss (1979) intraclass correlations of a complete targets x raters matrix, with
    F-distribution confidence intervals (Shrout & Fleiss; McGraw & Wong 1996 for ICC2's Satterthwaite
    degrees of freedom, as in pingouin)."""
    from scipy.stats import f as f_dist  # imported here: scipy.stats is slow to import

    n, k = x.shape
    if n < 2 or k < 2:
        raise InsufficientDataError(f"the ICC needs at least 2 items and 2 raters with complete ratings; got {n} x {k}")
    grand = x.mean()
    ss_rows = k * ((x.mean(axis=1) - grand) ** 2).sum()
    ss_cols = n * ((x.mean(axis=0) - grand) ** 2).sum()
    ss_total = ((x - grand) ** 2).sum()
    ss_error = ss_total - ss_rows - ss_cols
    msr = ss_rows / (n - 1)
    msc = ss_cols / (k - 1)
    msw = (ss_cols + ss_error) / (n * (k - 1))
    mse = ss_error / ((n - 1) * (k - 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        icc1 = (msr - msw) / (msr + (k - 1) * msw)
        icc2 = (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n)
        icc3 = (msr - mse) / (msr + (k - 1) * mse)
        icc1k = (msr - msw) / msr
        icc2k = (msr - mse) / (msr + (msc - mse) / n)
        icc3k = (msr - mse) / msr
        alpha = 1 - confidence
        # ICC1 and ICC1k
        f1 = msr / msw
        fl1 = f1 / f_dist.ppf(1 - alpha / 2, n - 1, n * (k - 1))
        fu1 = f1 * f_dist.ppf(1 - alpha / 2, n * (k - 1), n - 1)
        # ICC3 and ICC3k
        f3 = msr / mse
        fl3 = f3 / f_dist.ppf(1 - alpha / 2, n - 1, (n - 1) * (k - 1))
        fu3 = f3 * f_dist.ppf(1 - alpha / 2, (n - 1) * (k - 1), n - 1)
        # ICC2 and ICC2k (Satterthwaite)
        a = k * icc2 / (n * (1 - icc2))
        b = 1 + k * icc2 * (n - 1) / (n * (1 - icc2))
        v = (a * msc + b * mse) ** 2 / ((a * msc) ** 2 / (k - 1) + (b * mse) ** 2 / ((n - 1) * (k - 1)))
        fs = f_dist.ppf(1 - alpha / 2, n - 1, v)
        ft = f_dist.ppf(1 - alpha / 2, v, n - 1)
        l2 = n * (msr - fs * mse) / (fs * (k * msc + (k * n - k - n) * mse) + n * msr)
        u2 = n * (ft * msr - mse) / (k * msc + (k * n - k - n) * mse + n * ft * msr)
        rows = [
            (icc1, (fl1 - 1) / (fl1 + k - 1), (fu1 - 1) / (fu1 + k - 1)),
            (icc2, l2, u2),
            (icc3, (fl3 - 1) / (fl3 + k - 1), (fu3 - 1) / (fu3 + k - 1)),
            (icc1k, 1 - 1 / fl1, 1 - 1 / fu1),
            (icc2k, l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
            (icc3k, 1 - 1 / fl3, 1 - 1 / fu3),
        ]
    return pd.DataFrame(
        {
            "form": list(ICC_FORMS),
            "description": [ICC_DESCRIPTIONS[f] for f in ICC_FORMS],
            "icc": [float(r[0]) for r in rows],
            "ci_low": [float(r[1]) for r in rows],
            "ci_high": [float(r[2]) for r in rows],
            "items": n,
            "raters": k,
        }
    )


def icc(annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Intraclass correlations in the six Shrout-Fleiss forms, one row each: ``form``, ``icc``, ``ci_low``,
    ``ci_high``.

    Needs a crossed design: the items every annotator rated (items missing any annotator's rating are
    left out, as listwise deletion). Numeric labels are used as values; ordered category labels by their
    position in ``labels``. Which form to read: ICC2 when the same raters would rate future items and
    absolute values matter; ICC3 when only consistency matters; ICC1 when each item has different raters;
    the ``k`` forms for the reliability of the mean of k ratings.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3, 4, 4], "annotator_id": list("abababab"),
    ...                    "label": [1, 2, 3, 3, 5, 4, 2, 2]})
    >>> round(float(le.icc(df).set_index("form").loc["ICC2", "icc"]), 3)
    0.864
    """
    check_frame(annotations)
    frame = annotations.loc[annotations["label"].notna()]
    codes, cats = label_codes(frame["label"], labels)
    values = numeric_values(cats)[codes]
    wide = pd.DataFrame({"i": frame["item_id"].to_numpy(), "a": frame["annotator_id"].to_numpy(), "v": values})
    if wide.duplicated(["i", "a"]).any():
        raise SchemaError("icc: an annotator rated the same item more than once")
    matrix = wide.pivot(index="i", columns="a", values="v").dropna(axis=0, how="any")
    return icc_from_matrix(matrix.to_numpy(dtype=np.float64), confidence)

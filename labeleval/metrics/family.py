"""The chance-corrected family: one observed agreement, several chance agreements, Gwet's variances.

Every coefficient here is ``(p_a - p_e) / (1 - p_e)`` with the same weighted observed agreement ``p_a`` (the mean
over items with two or more ratings of ``sum_k n_ik (n*_ik - 1) / (m_i (m_i - 1))``, ``n*_ik = sum_l w_kl n_il``)
and its own chance agreement ``p_e`` (Gwet 2014, *Handbook of Inter-Rater Reliability*, 4th ed., ch. 2-5; the
irrCAC package's ``*.raw`` functions):

=====================================  ===========================================================================
Fleiss' kappa / Scott's pi             ``sum_kl w_kl pi_k pi_l``, ``pi_k`` the mean over rated items of
                                       ``n_ik / m_i``
Gwet's AC1 / AC2                       ``T_w / (q (q - 1)) sum_k pi_k (1 - pi_k)``, ``T_w`` the sum of the weights
Brennan-Prediger / Bennett's S /       ``T_w / q^2`` (``1 / q`` unweighted): q the number of declared categories
Randolph's kappa                       (``labels`` or ``n_categories``), not only the observed ones
Conger's kappa / Hubert's kappa        ``sum_kl w_kl (pbar_k pbar_l - s_kl / r)`` from each rater's own category
                                       shares ``p_gk`` (mean ``pbar_k``, covariance ``s_kl`` over the r raters)
=====================================  ===========================================================================

The standard error is Gwet's linearisation over items: each item's contribution ``c_i = (n / n_2) (p_a|i -
p_e [m_i >= 2]) / (1 - p_e) - 2 (1 - kappa) (p_e|i - p_e) / (1 - p_e)`` and
``var = (1 - f) / (n (n - 1)) sum_i (c_i - kappa)^2`` with ``f = n / N`` for a finite population of N items.

Weights are agreement weights (1 on the diagonal), Gwet's families, by position in the declared order (rank
spacing, positions 1..q, as the rest of labeleval's weighted metrics): ``identity``, ``linear``
``1 - |k - l| / (q - 1)``, ``quadratic`` ``1 - (k - l)^2 / (q - 1)^2``, ``ordinal`` (``1 - C(|k - l| + 1, 2) /``
its maximum), ``radical`` ``1 - sqrt(|k - l|) / sqrt(q - 1)``, ``ratio`` ``1 - ((k - l) / (k + l))^2 /
((q - 1) / (q + 1))^2``, ``circular`` ``1 - sin^2(pi (k - l) / q) /`` its maximum, ``bipolar`` ``1 - (k - l)^2 /
((k + l - 2) (2 q - k - l))`` over its maximum; or a q x q matrix of agreement weights.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.errors import SchemaError, UndefinedMetricWarning
from labeleval.metrics.counts import check_frame, check_ids, item_codes, label_codes
from labeleval.options import invalid_option
from labeleval.tuning import DENSE_MAX_CELLS, HIT_MATRIX_MAX

WEIGHT_FAMILIES: Final = ("identity", "linear", "quadratic", "ordinal", "radical", "ratio", "circular", "bipolar")
#: names that mean "no weights"
UNWEIGHTED: Final = (None, "identity", "none")
Weights = str | np.ndarray | None
Chance = Literal["percent", "fleiss", "gwet", "uniform", "conger"]


def weight_matrix(weights: Weights, q: int) -> np.ndarray:
    """Gwet's agreement weights (q x q, 1 on the diagonal) of a family, by rank position; or ``weights`` itself
    when it is a q x q matrix."""
    if isinstance(weights, np.ndarray | list):
        w = np.asarray(weights, dtype=np.float64)
        if w.shape != (q, q):
            raise SchemaError(f"a weight matrix must be {q} x {q} (one row and column per category); got {w.shape}")
        return w
    if weights in UNWEIGHTED or q < 2:
        if weights not in UNWEIGHTED and weights not in WEIGHT_FAMILIES:
            raise SchemaError(invalid_option("weights", ("None", *WEIGHT_FAMILIES), weights))
        return np.eye(q)
    x = np.arange(1.0, q + 1.0)
    k, l_ = np.meshgrid(x, x, indexing="ij")
    d = np.abs(k - l_)
    span = q - 1.0
    if weights == "linear":
        return 1.0 - d / span
    if weights == "quadratic":
        return 1.0 - (d / span) ** 2
    if weights == "radical":
        return 1.0 - np.sqrt(d) / np.sqrt(span)
    if weights == "ratio":
        return 1.0 - ((k - l_) / (k + l_)) ** 2 / (span / (q + 1.0)) ** 2
    if weights == "ordinal":
        raw = (d + 1.0) * d / 2.0
    elif weights == "circular":
        raw = np.sin(np.pi * (k - l_) / q) ** 2
    elif weights == "bipolar":
        with np.errstate(invalid="ignore", divide="ignore"):
            raw = np.where(d == 0, 0.0, (k - l_) ** 2 / ((k + l_ - 2.0) * (2.0 * q - k - l_)))
    else:
        raise SchemaError(invalid_option("weights", ("None", *WEIGHT_FAMILIES), weights))
    return 1.0 - raw / raw.max()


def weights_or_identity(weights: Weights, q: int) -> np.ndarray | None:
    """:func:`weight_matrix`, or None for identity weights (no q x q matrix: the coefficients then work on the
    counts' non-zero cells). Weighted forms need at most :data:`~labeleval.tuning.HIT_MATRIX_MAX` categories."""
    if weights_name(weights) == "identity" and not isinstance(weights, np.ndarray | list):
        return None
    if q > HIT_MATRIX_MAX:
        raise SchemaError(f"weights need a {q} x {q} matrix; at most {HIT_MATRIX_MAX} categories are allowed")
    return weight_matrix(weights, q)


def weights_name(weights: Weights) -> str:
    """How ``weights`` is written in a table: the family's name, ``identity`` for none, ``custom`` for a matrix."""
    if isinstance(weights, np.ndarray | list):
        return "custom"
    return "identity" if weights in UNWEIGHTED else str(weights)


@dataclass(frozen=True)
class Ratings:
    """One frame's judgments as codes: ``n`` the rated items x q counts (dense, or its non-zero cells as a CSR
    array when items x q passes :data:`~labeleval.tuning.DENSE_MAX_CELLS`), and per judgment its item, rater and
    category codes (for the coefficients that need the raters, Conger's)."""

    n: np.ndarray | sparse.csr_array
    item: np.ndarray
    rater: np.ndarray
    label: np.ndarray
    n_raters: int
    categories: list[object]

    @property
    def m(self) -> np.ndarray:
        """Judgments per item."""
        return np.asarray(self.n.sum(axis=1), dtype=np.float64).reshape(-1)

    @property
    def q(self) -> int:
        return int(self.n.shape[1])

    def column(self, c: int) -> np.ndarray:
        """Category ``c``'s counts per item."""
        col = self.n[:, [c]]
        return np.asarray(col.toarray() if isinstance(col, sparse.csr_array) else col, dtype=np.float64).reshape(-1)

    def totals(self) -> np.ndarray:
        """Judgments per category."""
        return np.asarray(self.n.sum(axis=0), dtype=np.float64).reshape(-1)

    def shares(self) -> np.ndarray:
        """``pi_k``: the mean over rated items of ``n_ik / m_i``."""
        scaled = sparse.diags_array(1.0 / np.maximum(self.m, 1.0)) @ self.n
        return np.asarray(scaled.sum(axis=0), dtype=np.float64).reshape(-1) / max(self.n.shape[0], 1)


def ratings(
    annotations: pd.DataFrame,
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
    weights: Weights = None,
) -> Ratings:
    """The frame's :class:`Ratings`; ``n_categories`` adds unused categories after the declared (or observed)
    ones, which only unweighted coefficients can place."""
    check_frame(annotations)
    check_ids(annotations)
    frame = annotations.loc[annotations["label"].notna()]
    codes, cats = label_codes(frame["label"], labels)
    if n_categories is not None:
        if int(n_categories) < len(cats):
            raise SchemaError(f"n_categories is {n_categories} but {len(cats)} categories are declared or used")
        extra = int(n_categories) - len(cats)
        if extra and weights_name(weights) != "identity":
            raise SchemaError("weights need every category placed on the scale: give labels= instead of n_categories=")
        cats = [*cats, *(f"<unused {i + 1}>" for i in range(extra))]
    items, _ = pd.factorize(item_codes(frame["item_id"]), sort=True)
    raters, rater_names = pd.factorize(frame["annotator_id"], sort=True)
    q, n_items = max(len(cats), 1), int(items.max(initial=-1)) + 1
    if n_items * q <= DENSE_MAX_CELLS:
        n: np.ndarray | sparse.csr_array = np.bincount(items * q + codes, minlength=n_items * q).reshape(n_items, q)
    else:
        ones = np.ones(len(codes), dtype=np.int64)
        n = sparse.csr_array((ones, (items, codes)), shape=(n_items, q))
        n.sum_duplicates()
    return Ratings(n, items.astype(np.int64), raters.astype(np.int64), codes, len(rater_names), cats)


@dataclass(frozen=True)
class Fit:
    """One coefficient on one frame: its value, ``p_a`` and ``p_e``, and each rated item's linearised
    contribution (Gwet's ``c_i``), from which :meth:`se` follows."""

    value: float
    pa: float
    pe: float
    contributions: np.ndarray
    centre: float | None = None

    @property
    def n_items(self) -> int:
        return len(self.contributions)

    def se(self, population: float | None = None) -> float:
        """Gwet's standard error, with the finite-population correction ``1 - n / population`` when given."""
        n = self.n_items
        if n < 2 or not np.isfinite(self.value):
            return float("nan")
        f = 0.0 if population is None else n / float(population)
        centre = self.value if self.centre is None else self.centre
        var = (1.0 - f) / (n * (n - 1.0)) * float(((self.contributions - centre) ** 2).sum())
        return float(np.sqrt(max(var, 0.0)))


def _observed(r: Ratings, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, float]:
    """(per-item weighted agreement ``p_a|i`` (0 where unpairable), pairable mask, ``p_a``)."""
    m = r.m
    pairable = m >= 2
    nf = r.n.astype(np.float64)
    if w is None:
        same = np.asarray((nf.multiply(nf) if isinstance(nf, sparse.csr_array) else nf * nf).sum(axis=1)).reshape(-1)
    else:
        dense = nf.toarray() if isinstance(nf, sparse.csr_array) else nf
        same = (dense * (dense @ w.T)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        pa_i = np.where(pairable, (same - m) / (m * (m - 1.0)), 0.0)
    n2 = int(pairable.sum())
    return pa_i, pairable, float(pa_i.sum() / n2) if n2 else float("nan")


def fit(r: Ratings, w: np.ndarray | None, chance: Chance) -> Fit:
    """The coefficient whose chance agreement is ``chance`` (``percent`` for none), with its contributions;
    ``w`` the agreement weights, None for identity."""
    m = r.m
    pa_i, pairable, pa = _observed(r, w)
    q, n_items, n2 = r.q, len(m), int(pairable.sum())
    if n2 == 0 or q < 1:
        return Fit(float("nan"), pa, float("nan"), np.zeros(n_items))
    if chance == "percent":
        return Fit(pa, pa, 0.0, n_items / n2 * pa_i)
    pi = r.shares()
    tw = float(q if w is None else w.sum())
    nf = r.n.astype(np.float64)
    if chance == "fleiss":
        pe = float(pi @ pi) if w is None else float(pi @ w @ pi)
        pe_i = np.asarray(nf @ (pi if w is None else (w @ pi + w.T @ pi) / 2.0)).reshape(-1) / m
    elif chance == "gwet":
        scale = tw / (q * (q - 1.0)) if q >= 2 else 0.0
        pe = scale * float((pi * (1.0 - pi)).sum())
        pe_i = scale * np.asarray(nf @ (1.0 - pi)).reshape(-1) / m
    elif chance == "uniform":
        pe = tw / q**2
        pe_i = np.full(n_items, pe)
    else:
        pe, pe_i = _conger_chance(r, w)
    if not 1.0 - pe > 1e-12:
        return Fit(float("nan"), pa, pe, np.zeros(n_items))
    value = (pa - pe) / (1.0 - pe)
    c = n_items / n2 * (pa_i - pe * pairable) / (1.0 - pe)
    return Fit(value, pa, pe, c - 2.0 * (1.0 - value) * (pe_i - pe) / (1.0 - pe))


def _conger_chance(r: Ratings, w: np.ndarray | None) -> tuple[float, np.ndarray]:
    """Conger's chance agreement and its per-item linearisation (Gwet 2014, sec. 5; irrCAC's conger.kappa.raw),
    in memory linear in the judgments plus the raters' non-zero category shares (raters x q, and q x q only with
    weights)."""
    n_items, q, n_r = r.n.shape[0], r.q, r.n_raters
    if n_r < 2:
        return float("nan"), np.zeros(n_items)
    ones = np.ones(len(r.label))
    classified = sparse.csr_array((ones, (r.rater, r.label)), shape=(n_r, q))
    classified.sum_duplicates()
    ng = np.asarray(classified.sum(axis=1)).reshape(-1)
    p = sparse.csr_array(sparse.diags_array(1.0 / ng) @ classified)
    total = np.asarray(p.sum(axis=0)).reshape(-1)  # sum over raters of p_gk
    pbar = total / n_r
    if w is None:
        s2_diag = (np.asarray(p.multiply(p).sum(axis=0)).reshape(-1) - n_r * pbar**2) / (n_r - 1.0)
        pe = float((pbar**2 - s2_diag / n_r).sum())
        own = np.asarray(p[r.rater, r.label]).reshape(-1)  # p_gl at each judgment's rater and label
        cg = np.asarray(p @ total).reshape(-1) - np.asarray(p.multiply(p).sum(axis=1)).reshape(-1)
        at_judgment = total[r.label] - own  # C[g, l] = sum_h p_hl - p_gl
    else:
        dense = p.toarray()
        s2 = (dense.T @ dense - n_r * np.outer(pbar, pbar)) / (n_r - 1.0)
        pe = float((w * (np.outer(pbar, pbar) - s2 / n_r)).sum())
        cmat = (total[None, :] - dense) @ w  # C[g, l] = sum_k w_kl b_gk
        cg = (cmat * dense).sum(axis=1)
        at_judgment = cmat[r.rater, r.label]
    per_judgment = n_items / ng[r.rater] * (at_judgment - cg[r.rater])
    lam = np.bincount(r.item, weights=per_judgment, minlength=n_items) + cg.sum()
    return pe, lam / (n_r * (n_r - 1.0))


def undefined(metric: str, why: str) -> float:
    warnings.warn(f"{metric} is undefined: {why}; returning NaN", UndefinedMetricWarning, stacklevel=3)
    return float("nan")


def coefficient(
    annotations: pd.DataFrame,
    chance: Chance,
    metric: str,
    *,
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
    weights: Weights = None,
) -> float:
    """The point value of one member of the family on a long frame (NaN with a warning where undefined)."""
    r = ratings(annotations, labels, n_categories, weights)
    if r.q < 2 and chance != "percent":
        return undefined(metric, "fewer than two categories")
    if not (r.m >= 2).any():
        return undefined(metric, "no item has two or more judgments")
    if chance == "conger" and r.n_raters < 2:
        return undefined(metric, "fewer than two annotators")
    result = fit(r, weights_or_identity(weights, r.q), chance)
    if not np.isfinite(result.value):
        return undefined(metric, "chance agreement is 1")
    return float(result.value)


def scott_pi(annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, weights: Weights = None) -> float:
    """Scott's pi (Scott 1955): chance agreement from the pooled category shares. Fleiss' kappa is its
    generalisation to many raters and the same number here on any frame.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3, 4, 4], "annotator_id": list("abababab"),
    ...                    "label": ["x", "x", "y", "y", "x", "y", "y", "y"]})
    >>> round(le.scott_pi(df), 4)
    0.4667
    """
    return coefficient(annotations, "fleiss", "Scott's pi", labels=labels, weights=weights)


def brennan_prediger(
    annotations: pd.DataFrame,
    *,
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
    weights: Weights = None,
) -> float:
    """Brennan and Prediger's (1981) coefficient: chance agreement ``1 / q`` (``T_w / q^2`` weighted), q the
    number of categories declared by ``labels`` or ``n_categories`` (else the observed ones)."""
    return coefficient(
        annotations, "uniform", "Brennan-Prediger", labels=labels, n_categories=n_categories, weights=weights
    )


def bennett_s(
    annotations: pd.DataFrame,
    *,
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
    weights: Weights = None,
) -> float:
    """Bennett, Alpert and Goldstein's (1954) S: chance agreement ``1 / q``. The same number as
    :func:`brennan_prediger` and :func:`randolph_kappa` (their many-rater forms)."""
    return coefficient(annotations, "uniform", "Bennett's S", labels=labels, n_categories=n_categories, weights=weights)


def randolph_kappa(
    annotations: pd.DataFrame,
    *,
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
    weights: Weights = None,
) -> float:
    """Randolph's (2005) free-marginal multirater kappa: Fleiss' observed agreement against chance ``1 / q``.
    The same number as :func:`bennett_s` and :func:`brennan_prediger`.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": list("abcabc"),
    ...                    "label": ["x", "x", "y", "y", "y", "y"]})
    >>> round(le.randolph_kappa(df, n_categories=3), 4)  # 3 declared categories, 2 of them used
    0.5
    """
    return coefficient(
        annotations, "uniform", "Randolph's kappa", labels=labels, n_categories=n_categories, weights=weights
    )


def conger_kappa(
    annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, weights: Weights = None
) -> float:
    """Conger's (1980) kappa: Cohen's kappa for many raters, chance agreement from each rater's own category
    shares (averaged over rater pairs). With two raters who rated the same items it is Cohen's kappa."""
    return coefficient(annotations, "conger", "Conger's kappa", labels=labels, weights=weights)


def hubert_kappa(
    annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, weights: Weights = None
) -> float:
    """Hubert's (1977) kappa: the mean over rater pairs of their Cohen-type chance agreement, the coefficient
    Conger (1980) and Davies and Fleiss (1982) also gave; the same number as :func:`conger_kappa`."""
    return coefficient(annotations, "conger", "Hubert's kappa", labels=labels, weights=weights)


@dataclass(frozen=True)
class TableFit:
    """Cohen's kappa of a two-rater q x q table of counts: value, ``p_a``, ``p_e``, Gwet's standard error (the
    Fleiss-Cohen-Everitt (1969) large-sample variance) and the standard error under no agreement (kappa = 0,
    the same authors; for the test of zero agreement only, too narrow for an interval)."""

    value: float
    pa: float
    pe: float
    n: int
    se: float
    se_no_agreement: float


def cohen_fit(table: np.ndarray, w: np.ndarray, population: float | None = None) -> TableFit:
    """:class:`TableFit` of a two-rater table (rows: the first rater, columns: the second)."""
    n = int(table.sum())
    nan = float("nan")
    if n == 0:
        return TableFit(nan, nan, nan, 0, nan, nan)
    p = table.astype(np.float64) / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    pa = float((w * p).sum())
    pe = float((w * np.outer(rows, cols)).sum())
    if not 1.0 - pe > 1e-12:
        return TableFit(nan, pa, pe, n, nan, nan)
    kappa = (pa - pe) / (1.0 - pe)
    w_row, w_col = w @ cols, w.T @ rows  # mean weight of row category k, of column category l
    f = 0.0 if population is None else n / float(population)
    around = w - (1.0 - kappa) * np.add.outer(w_row, w_col)
    var = (1.0 - f) * (float((p * around**2).sum()) - (pa - 2.0 * (1.0 - kappa) * pe) ** 2) / (n * (1.0 - pe) ** 2)
    null = (float((np.outer(rows, cols) * (w - np.add.outer(w_row, w_col)) ** 2).sum()) - pe**2) / (n * (1 - pe) ** 2)
    return TableFit(kappa, pa, pe, n, float(np.sqrt(max(var, 0.0))), float(np.sqrt(max((1.0 - f) * null, 0.0))))


def alpha_fit(r: Ratings, w: np.ndarray | None) -> Fit:
    """Krippendorff's alpha with agreement weights ``w`` (None: identity, the nominal level) and Gwet's variance
    (Gwet 2014, sec. 5; irrCAC's krippen.alpha.raw), over the pairable items. The contributions are centred on
    alpha before its small-sample correction, as Gwet's are; :attr:`Fit.centre` holds that value."""
    keep = r.m >= 2
    nf = r.n[np.flatnonzero(keep)].astype(np.float64)
    n_items = int(keep.sum())
    if n_items == 0:
        return Fit(float("nan"), float("nan"), float("nan"), np.zeros(0))
    m = r.m[keep]
    rbar = float(m.mean())
    epsilon = 1.0 / float(m.sum())
    if w is None:
        same = np.asarray((nf.multiply(nf) if isinstance(nf, sparse.csr_array) else nf * nf).sum(axis=1)).reshape(-1)
    else:
        dense = nf.toarray() if isinstance(nf, sparse.csr_array) else nf
        same = (dense * (dense @ w.T)).sum(axis=1)
    agree = (same - m) / (rbar * (m - 1.0))
    pa_prime = float(agree.mean())
    pa = (1.0 - epsilon) * pa_prime + epsilon
    pi = np.asarray(nf.sum(axis=0)).reshape(-1) / (rbar * n_items)
    pe = float(pi @ pi) if w is None else float(pi @ w @ pi)
    if not 1.0 - pe > 1e-12:
        return Fit(float("nan"), pa, pe, np.zeros(n_items))
    value, centre = (pa - pe) / (1.0 - pe), (pa_prime - pe) / (1.0 - pe)
    item = (agree - pa * (m - rbar) / rbar - pe) / (1.0 - pe)
    pi_w = pi if w is None else (w @ pi + w.T @ pi) / 2.0
    pe_i = np.asarray(nf @ pi_w).reshape(-1) / rbar - pe * (m - rbar) / rbar
    return Fit(value, pa, pe, item - 2.0 * (1.0 - centre) * (pe_i - pe) / (1.0 - pe), centre)


def fleiss_se_no_agreement(r: Ratings) -> float:
    """The standard error of Fleiss' kappa under no agreement (Fleiss, Nee & Landis 1979), for the test of zero
    agreement; defined when every item has the same number of ratings (NaN otherwise)."""
    m = r.m
    if len(m) == 0 or m.min() != m.max() or m[0] < 2:
        return float("nan")
    p = r.totals() / float(m.sum())
    pq = p * (1.0 - p)
    s = float(pq.sum())
    if not s > 0:
        return float("nan")
    inside = s**2 - float((pq * (1.0 - 2.0 * p)).sum())
    return float(np.sqrt(2.0 / (len(m) * m[0] * (m[0] - 1.0)) * max(inside, 0.0)) / s)

"""Chance-corrected inter-annotator agreement.

Every public function takes a long frame with ``item_id``, ``annotator_id`` and ``label`` (one row per
judgment) and returns a float; ``labels`` gives the declared category order, which matters for ordinal
metrics, for kappa weights and for categories nobody used. Internally each metric is a function of the
items x categories count matrix (:mod:`labeleval.metrics.counts`), and each is written as per-item
*sufficient statistics* plus a ``finalize`` step, so that the bootstrap (:mod:`labeleval.inference.stats`) can
resample items by one matrix product instead of recomputing from rows.

Definitions
-----------
Krippendorff's alpha
    Krippendorff's coincidence-matrix definition, ``1 - (n - 1) * sum(o_ck d_ck) / sum(n_c n_k d_ck)``;
    units with fewer than two values are not pairable and are ignored. ``ordinal`` uses his rank metric.
    The point estimate comes from the ``krippendorff`` package fed the items x values count matrix.
Percent agreement
    Mean over items with at least two ratings of the share of agreeing rater pairs (Fleiss' P-bar,
    Gwet's p_a).
Fleiss' kappa
    Fleiss (1971) when all items have the same number of ratings; with varying numbers, Gwet's (2014)
    generalisation as in irrCAC: p_a over items with at least two ratings, category shares
    ``pi_c = mean_i(n_ic / m_i)`` over all rated items, ``p_e = sum_c pi_c^2``.
Gwet's AC1
    Same p_a and pi_c; ``p_e = sum_c pi_c (1 - pi_c) / (q - 1)`` with ``q`` the number of categories
    (declared labels count even when unused).
Cohen's kappa
    Exactly two annotators, items both rated; weights by position in the declared order (linear
    ``|i-j|/(q-1)``, quadratic its square), as scikit-learn's ``cohen_kappa_score``.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence
from typing import Final, Literal, cast

import krippendorff
import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.errors import SchemaError, UndefinedMetricWarning
from labeleval.metrics.counts import SparseCounts, check_frame, check_ids, label_codes, numeric_values, sparse_counts
from labeleval.metrics.family import (
    Weights,
    alpha_fit,
    coefficient,
    cohen_fit,
    ratings,
    weights_name,
    weights_or_identity,
)
from labeleval.options import invalid_option
from labeleval.tuning import ORDINAL_EXACT_MAX, PACKAGE_MAX_CELLS, PAIR_INDEX_MAX_CELLS

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: Final[tuple[Level, ...]] = ("nominal", "ordinal", "interval", "ratio")
WEIGHTS: Final = (None, "linear", "quadratic")


def _undefined(metric: str, why: str) -> float:
    warnings.warn(f"{metric} is undefined: {why}; returning NaN", UndefinedMetricWarning, stacklevel=3)
    return float("nan")


# --------------------------------------------------------------------------------------------- alpha
def delta(level: str, values: np.ndarray, marginals: np.ndarray | None = None) -> np.ndarray:
    """Krippendorff's squared difference function ``d[c, k]`` (K x K), or (B x K x K) for batched
    ordinal marginals (B x K)."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    if level == "interval":
        return np.subtract.outer(values, values) ** 2
    if level == "ratio":
        total = np.add.outer(values, values)
        diff = np.subtract.outer(values, values)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.where(total == 0, 0.0, (diff / np.where(total == 0, 1.0, total)) ** 2)
        return out
    if level == "ordinal":
        if marginals is None:
            raise ValueError("the ordinal metric needs the category marginals")
        nc = np.atleast_2d(marginals).astype(np.float64)
        cs = np.cumsum(nc, axis=1)
        lo = np.minimum.outer(np.arange(nc.shape[1]), np.arange(nc.shape[1]))
        hi = np.maximum.outer(np.arange(nc.shape[1]), np.arange(nc.shape[1]))
        between = cs[:, hi] - cs[:, lo] + nc[:, lo]  # sum_{g=lo..hi} n_g
        d = (between - (nc[:, lo] + nc[:, hi]) / 2.0) ** 2
        d[:, np.arange(nc.shape[1]), np.arange(nc.shape[1])] = 0.0
        return d if np.ndim(marginals) == 2 else d[0]
    raise ValueError(invalid_option("level", LEVELS, level))


def alpha_item_stats(n: np.ndarray) -> np.ndarray:
    """Per-item coincidence contributions, flattened: row i holds ``n_ic n_ik / (m_i - 1)`` minus the
    self-pairs on the diagonal, for pairable items (zeros for items with fewer than two values)."""
    m = n.sum(axis=1)
    pairable = m >= 2
    scale = np.zeros(len(m), dtype=np.float64)
    scale[pairable] = 1.0 / (m[pairable] - 1)
    nf = n.astype(np.float64)
    outer = nf[:, :, None] * nf[:, None, :]
    k = n.shape[1]
    outer[:, np.arange(k), np.arange(k)] -= nf
    return (outer * scale[:, None, None]).reshape(len(m), k * k)


def alpha_from_coincidences(o: np.ndarray, level: str, values: np.ndarray) -> np.ndarray:
    """Alpha from coincidence matrices ``o`` (B x K*K, or K*K); NaN where undefined."""
    o2 = np.atleast_2d(o)
    k = len(values)
    o3 = o2.reshape(len(o2), k, k)
    nc = o3.sum(axis=2)
    ntot = nc.sum(axis=1)
    d = delta(level, values, nc if level == "ordinal" else None)
    d3 = d if d.ndim == 3 else np.broadcast_to(d, (len(o2), k, k))
    observed = (o3 * d3).sum(axis=(1, 2))
    expected = np.einsum("bc,bck,bk->b", nc, d3, nc)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 1.0 - (ntot - 1.0) * observed / expected
    out[expected <= 0] = np.nan
    return out if np.ndim(o) == 2 else out[:1]


def alpha_stats(n: np.ndarray | sparse.csr_array, level: str, values: np.ndarray) -> np.ndarray | sparse.csr_array:
    """Per-item sufficient statistics for alpha at ``level``: items x (1 + K); items x 4 at the interval level
    (observed disagreement, pairable values, their sum and sum of squares); items x K*K for ordinal alpha on at
    most :data:`~labeleval.tuning.ORDINAL_EXACT_MAX` categories.

    For nominal, interval and ratio the difference function is fixed, so two things per item suffice:
    its observed disagreement ``sum_ck n_ic n_ik d_ck / (m_i - 1)`` and its pairable values per category.
    Memory is linear in items x categories: the nominal and interval disagreements have closed forms
    (``m_i^2 - sum_c n_ic^2`` and ``2 (m_i sum_c n_ic v_c^2 - (sum_c n_ic v_c)^2)``), ratio sums over the
    pairs of values within each item; no K x K matrix is formed.

    Krippendorff's ordinal metric is the interval metric on mid-ranks ``r_c = sum_{g<c} n_g + n_c / 2``
    that depend on the marginals, so an exact resample needs the coincidence contributions (K*K per item);
    that is done for up to :data:`~labeleval.tuning.ORDINAL_EXACT_MAX` categories. For longer scales column 0 is
    the observed disagreement at the full sample's mid-ranks and the expected disagreement uses each resample's:
    the point estimate is exact; a resample's observed part holds the ranks at the full sample's.
    """
    if level == "ordinal" and n.shape[1] <= ORDINAL_EXACT_MAX:
        return alpha_item_stats(n.toarray() if isinstance(n, sparse.csr_array) else n)
    m = n.sum(axis=1)
    pairable = m >= 2
    if level == "interval":  # the interval metric needs only moments: four columns, whatever the values
        v = np.asarray(values, dtype=np.float64)
        mp = np.where(pairable, m, 0).astype(np.float64)
        s1, s2 = np.where(pairable, n @ v, 0.0), np.where(pairable, n @ (v * v), 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            observed = np.where(pairable, 2.0 * np.maximum(mp * s2 - s1**2, 0.0) / np.maximum(m - 1, 1), 0.0)
        return np.column_stack([observed, mp, s1, s2])
    if isinstance(n, sparse.csr_array):
        return _alpha_stats_cells(n, m, level, values)
    out = np.zeros((len(m), 1 + n.shape[1]))  # [observed, pairable values per category], built in place
    nf = out[:, 1:]
    nf[pairable] = n[pairable]
    if level == "ordinal":
        values = midranks(nf.sum(axis=0))
    item, cat = np.nonzero(nf)
    observed_sum = _observed_by_item(item, cat, nf[item, cat], len(m), level, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:, 0] = np.where(pairable, observed_sum / np.maximum(m - 1, 1), 0.0)
    return out


def _alpha_stats_cells(n: sparse.csr_array, m: np.ndarray, level: str, values: np.ndarray) -> sparse.csr_array:
    """:func:`alpha_stats` (nominal, ratio, long ordinal scales) of non-zero cells, as a sparse block."""
    pairable = m >= 2
    nf = sparse.csr_array(sparse.diags_array(pairable.astype(np.float64)) @ n.astype(np.float64))
    nf.eliminate_zeros()
    nf.sort_indices()
    if level == "ordinal":
        values = midranks(np.asarray(nf.sum(axis=0)).reshape(-1))
    item = np.repeat(np.arange(len(m)), np.diff(nf.indptr))
    observed_sum = _observed_by_item(item, nf.indices, nf.data, len(m), level, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = np.where(pairable, observed_sum / np.maximum(m - 1, 1), 0.0)
    return sparse.csr_array(sparse.hstack([sparse.csr_array(observed[:, None]), nf], format="csr"))


def midranks(marginals: np.ndarray) -> np.ndarray:
    """Krippendorff's ordinal metric as distances between mid-ranks: ``d_ck = (r_k - r_c)^2`` with
    ``r_c = sum_{g<c} n_g + n_c / 2`` (rows of ``marginals`` are resamples when it is 2-D)."""
    nc = np.asarray(marginals, dtype=np.float64)
    return np.cumsum(nc, axis=-1) - nc / 2.0


def _observed_by_item(
    item: np.ndarray, cat: np.ndarray, count: np.ndarray, n_items: int, level: str, values: np.ndarray
) -> np.ndarray:
    """``sum_ck n_ic n_ik d_ck`` per item from the non-zero counts (item, category, count), linear in them."""
    if level == "nominal":
        m = np.bincount(item, weights=count, minlength=n_items)
        return m**2 - np.bincount(item, weights=count**2, minlength=n_items)
    if level in ("interval", "ordinal"):
        v = values[cat]
        m = np.bincount(item, weights=count, minlength=n_items)
        s1 = np.bincount(item, weights=count * v, minlength=n_items)
        s2 = np.bincount(item, weights=count * v * v, minlength=n_items)
        return np.maximum(2.0 * (m * s2 - s1**2), 0.0)
    if level == "ratio":
        left, right = _pairs_within_groups(item)
        d = delta_pairs("ratio", values[cat[left]], values[cat[right]])
        return 2.0 * np.bincount(item[left], weights=count[left] * count[right] * d, minlength=n_items)
    raise ValueError(invalid_option("level", LEVELS, level))


def delta_pairs(level: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Krippendorff's squared difference between the values ``a`` and ``b``, elementwise."""
    if level == "nominal":
        return (a != b).astype(np.float64)
    if level in ("interval", "ordinal"):
        return (a - b) ** 2
    total = a + b
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total == 0, 0.0, ((a - b) / np.where(total == 0, 1.0, total)) ** 2)


def _pairs_within_groups(group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j) of entries sharing a group value; ``group`` sorted. No loop over groups: one over
    distinct group sizes."""
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[starts, len(group)])
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for size in np.unique(sizes[sizes >= 2]):
        group_starts = starts[sizes == size]
        for i, j in itertools.combinations(range(int(size)), 2):
            firsts.append(group_starts + i)
            seconds.append(group_starts + j)
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(firsts), np.concatenate(seconds)


def expected_disagreement(marginals: np.ndarray, level: str, values: np.ndarray, block: int = 512) -> np.ndarray:
    """``sum_ck n_c n_k d_ck`` for each row of ``marginals`` (B x K), without a K x K matrix for nominal,
    interval and ordinal (closed forms) and in blocks of ``block`` categories for ratio."""
    nc = np.atleast_2d(np.asarray(marginals, dtype=np.float64))
    total = nc.sum(axis=1)
    if level == "nominal":
        return total**2 - (nc**2).sum(axis=1)
    if level in ("interval", "ordinal"):
        v = midranks(nc) if level == "ordinal" else np.broadcast_to(values, nc.shape)
        s1 = (nc * v).sum(axis=1)
        s2 = (nc * v * v).sum(axis=1)
        return np.maximum(2.0 * (total * s2 - s1**2), 0.0)
    used = np.flatnonzero(nc.sum(axis=0) > 0)
    nu, vu = nc[:, used], values[used]
    out = np.zeros(len(nc))
    for start in range(0, len(used), block):
        d = delta_pairs("ratio", vu[start : start + block, None], vu[None, :])  # block x K_used
        out += ((nu[:, start : start + block] @ d) * nu).sum(axis=1)
    return out


def alpha_from_stats(totals: np.ndarray, level: str, values: np.ndarray) -> np.ndarray:
    """Alpha from summed :func:`alpha_stats` (one row per resample); NaN where undefined."""
    t = np.atleast_2d(totals)
    if level == "ordinal" and t.shape[1] != 1 + len(values):
        return alpha_from_coincidences(t, level, values)
    if level == "interval":  # [observed, pairable values, sum of values, sum of squares]
        ntot, s1, s2 = t[:, 1], t[:, 2], t[:, 3]
        expected = 2.0 * (ntot * s2 - s1**2)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = 1.0 - (ntot - 1.0) * t[:, 0] / expected
        out[~(expected > 1e-12 * np.maximum(ntot * s2, 1.0))] = np.nan
        return out
    nc = t[:, 1:]
    ntot = nc.sum(axis=1)
    expected = expected_disagreement(nc, level, values)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 1.0 - (ntot - 1.0) * t[:, 0] / expected
    out[~(expected > 0)] = np.nan
    return out


def one_vs_rest_alpha(present: np.ndarray, m: np.ndarray) -> float:
    """Nominal alpha of one label against the rest: ``present`` judgments with the label per item, out of
    ``m`` judgments (the per-class and per-label alphas of the Report)."""
    binary = np.column_stack([present, m - present])
    totals = alpha_stats(binary, "nominal", np.arange(2.0)).sum(axis=0)
    return float(alpha_from_stats(totals, "nominal", np.arange(2.0))[0])


def one_vs_rest_alphas(cells: sparse.csr_array, m: np.ndarray) -> np.ndarray:
    """:func:`one_vs_rest_alpha` of every category at once, from the non-zero cells of the items x K counts:
    per category, observed ``sum_i 2 n_ic (m_i - n_ic) / (m_i - 1)`` and expected ``2 N_c (N - N_c)`` over
    pairable items (nominal alpha of two values in closed form); NaN where the category never or always occurs."""
    k = cells.shape[1]
    item = np.repeat(np.arange(cells.shape[0]), np.diff(cells.indptr))
    mf = np.asarray(m, dtype=np.float64)
    pairable = (mf >= 2)[item]
    n = cells.data.astype(np.float64)[pairable]
    mi = mf[item][pairable]
    cat = cells.indices[pairable]
    observed = np.bincount(cat, weights=2.0 * n * (mi - n) / (mi - 1.0), minlength=k)
    present = np.bincount(cat, weights=n, minlength=k)
    total = float(mf[mf >= 2].sum())
    expected = 2.0 * present * (total - present)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 1.0 - (total - 1.0) * observed / expected
    out[~(expected > 0)] = np.nan
    return out


def krippendorff_alpha(
    annotations: pd.DataFrame,
    *,
    level: str = "nominal",
    labels: Sequence[object] | None = None,
    weights: Weights = None,
) -> float:
    """Krippendorff's alpha at the ``nominal``, ``ordinal``, ``interval`` or ``ratio`` level.

    ``weights`` instead of a level: one of Gwet's weight families or a q x q matrix of agreement weights in the
    order of ``labels`` (a distance matrix ``d`` is ``1 - d / d.max()``), for alpha with that distance
    (Gwet 2014; irrCAC's ``krippen.alpha.raw``). ``ordinal`` weights are Gwet's, not Krippendorff's rank metric.

    Computed from the non-zero item x value counts, in memory linear in the judgments (never a dense annotators x
    items, items x values or values x values matrix); on small inputs (:data:`~labeleval.tuning.PACKAGE_MAX_CELLS`)
    the ``krippendorff`` package computes it (the two agree; see the tests). Items with fewer than two judgments are
    not pairable and are ignored.
    Interval and ratio levels use the label values when every label is a number, else positions in the
    declared order. Returns NaN with :class:`UndefinedMetricWarning` when there is no variation.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 2, 2, 3, 3], "annotator_id": list("ababab"),
    ...                    "label": ["x", "x", "y", "y", "x", "y"]})
    >>> round(le.krippendorff_alpha(df), 3)
    0.444
    """
    if level not in LEVELS:
        raise SchemaError(invalid_option("level", LEVELS, level))
    if weights_name(weights) != "identity" or isinstance(weights, np.ndarray | list):
        if level != "nominal":
            raise SchemaError("krippendorff_alpha takes a level or weights, not both")
        return _weighted_alpha(annotations, labels, weights)
    sc = sparse_counts(annotations, labels)
    return alpha_from_sparse(sc, level=level, values=_values(sc.categories, level))


def _weighted_alpha(annotations: pd.DataFrame, labels: Sequence[object] | None, weights: Weights) -> float:
    r = ratings(annotations, labels, weights=weights)
    if r.q < 2:
        return _undefined("Krippendorff's alpha", "fewer than two categories")
    value = alpha_fit(r, weights_or_identity(weights, r.q)).value
    if not np.isfinite(value):
        return _undefined("Krippendorff's alpha", "no item has two or more judgments, or no expected disagreement")
    return float(value)


def _values(categories: Sequence[object], level: str) -> np.ndarray:
    if level in ("interval", "ratio"):
        return numeric_values(categories)
    return np.arange(len(categories), dtype=np.float64)


def package_sized(n: np.ndarray | sparse.csr_array) -> bool:
    """Whether :func:`alpha_from_counts` of ``n`` calls the ``krippendorff`` package (pairable items x used
    values^2 within :data:`~labeleval.tuning.PACKAGE_MAX_CELLS`); otherwise it uses the closed forms that
    :func:`alpha_stats` sums per item."""
    m = np.asarray(n.sum(axis=1)).reshape(-1)
    pairable = m >= 2
    if isinstance(n, sparse.csr_array):
        rows = np.repeat(np.arange(n.shape[0]), np.diff(n.indptr))
        used = len(np.unique(n.indices[pairable[rows] & (n.data > 0)]))
    else:
        used = int(np.count_nonzero(np.asarray(n[pairable].sum(axis=0))))
    return int(pairable.sum()) * used**2 <= PACKAGE_MAX_CELLS


def alpha_from_counts(n: np.ndarray | sparse.csr_array, *, level: str, values: np.ndarray) -> float:
    """Alpha from an items x categories count matrix, dense or its non-zero cells (a CSR array); the
    ``krippendorff`` package on few used values."""
    if isinstance(n, sparse.csr_array):
        item = np.repeat(np.arange(n.shape[0]), np.diff(n.indptr))
        sc = SparseCounts(item, n.indices, n.data.astype(np.float64), n.shape[0], list(range(n.shape[1])))
        return alpha_from_sparse(sc, level=level, values=np.asarray(values, dtype=np.float64))
    item, cat = np.nonzero(n)
    sc = SparseCounts(item, cat, n[item, cat].astype(np.float64), n.shape[0], list(range(n.shape[1])))
    return alpha_from_sparse(sc, level=level, values=np.asarray(values, dtype=np.float64))


def alpha_from_sparse(sc: SparseCounts, *, level: str, values: np.ndarray) -> float:
    """Alpha from non-zero counts: the package on few used values, closed forms otherwise."""
    m = np.bincount(sc.item, weights=sc.count, minlength=sc.n_items)
    keep = m[sc.item] >= 2
    if not keep.any():
        return _undefined("Krippendorff's alpha", "no item has two or more judgments")
    item, cat, count = sc.item[keep], sc.cat[keep], sc.count[keep]
    nc = np.bincount(cat, weights=count, minlength=len(values))
    used = nc > 0
    if used.sum() < 2:
        return _undefined("Krippendorff's alpha", "every pairable judgment has the same value")
    if len(np.unique(item)) * int(used.sum()) ** 2 > PACKAGE_MAX_CELLS:
        observed = _observed_by_item(
            item, cat, count, sc.n_items, level, midranks(nc) if level == "ordinal" else values
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            total_observed = float((observed / np.maximum(m - 1, 1))[m >= 2].sum())
        expected = float(expected_disagreement(nc, level, values)[0])
        if not expected > 0:
            return _undefined("Krippendorff's alpha", "there is no expected disagreement")
        return 1.0 - (nc.sum() - 1.0) * total_observed / expected
    rows, row_codes = np.unique(item, return_inverse=True)
    used_codes = np.flatnonzero(used)
    col = np.searchsorted(used_codes, cat)
    pairable = np.zeros((len(rows), len(used_codes)))
    np.add.at(pairable, (row_codes, col), count)
    values = values[used_codes]
    used = np.ones(len(used_codes), dtype=bool)
    # The package rejects a value domain with unused values at some levels; dropping unused columns
    # leaves alpha unchanged (nominal, interval, ratio; the ordinal rank metric counts only used values).
    return float(
        krippendorff.alpha(
            value_counts=pairable[:, used].astype(np.float64),
            value_domain=list(values[used]),
            level_of_measurement=cast(Level, level),
        )
    )


# ------------------------------------------------------------------ percent agreement, Fleiss, AC1
def agreement_item_stats(n: np.ndarray | sparse.csr_array) -> np.ndarray | sparse.csr_array:
    """Per-item statistics shared by percent agreement, Fleiss' kappa and Gwet's AC1.

    Columns: ``[p_i * [m_i >= 2], [m_i >= 2], n_i1 / m_i, ..., n_iK / m_i, [m_i >= 1]]`` where ``p_i``
    is the share of agreeing rater pairs on item i. From non-zero cells (a CSR array) the block is sparse.
    """
    if isinstance(n, sparse.csr_array):
        return _agreement_stats_cells(n)
    m = n.sum(axis=1).astype(np.float64)
    pairable = m >= 2
    rated = m >= 1
    k = n.shape[1]
    out = np.zeros((len(m), k + 3))  # built in place: no items x K temporaries beyond the result
    same_pairs = np.einsum("ik,ik->i", n, n) - m  # sum_c n_ic (n_ic - 1)
    out[pairable, 0] = same_pairs[pairable] / (m[pairable] * (m[pairable] - 1))
    out[:, 1] = pairable
    np.divide(n, np.maximum(m, 1)[:, None], out=out[:, 2 : 2 + k])
    out[:, 2 + k] = rated
    return out


def _agreement_stats_cells(n: sparse.csr_array) -> sparse.csr_array:
    """:func:`agreement_item_stats` of non-zero cells, as a sparse block (the same columns)."""
    m = np.asarray(n.sum(axis=1), dtype=np.float64).reshape(-1)
    pairable = m >= 2
    nf = n.astype(np.float64)
    same_pairs = np.asarray((nf * nf).sum(axis=1)).reshape(-1) - m
    first = np.zeros((len(m), 2))
    first[pairable, 0] = same_pairs[pairable] / (m[pairable] * (m[pairable] - 1))
    first[:, 1] = pairable
    shares = sparse.diags_array(1.0 / np.maximum(m, 1)) @ nf
    rated = (m >= 1).astype(np.float64)[:, None]
    return sparse.csr_array(sparse.hstack([sparse.csr_array(first), shares, sparse.csr_array(rated)], format="csr"))


def _pa_pi(totals: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.atleast_2d(totals)
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = t[:, 0] / t[:, 1]
        pi = t[:, 2 : 2 + k] / t[:, [2 + k]]
    return pa, pi


def percent_from_totals(totals: np.ndarray, k: int) -> np.ndarray:
    return _pa_pi(totals, k)[0]


def _chance_corrected(pa: np.ndarray, pe: np.ndarray) -> np.ndarray:
    """``(p_a - p_e) / (1 - p_e)``; NaN where chance agreement is 1."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (pa - pe) / (1.0 - pe)
    out[np.isclose(pe, 1.0)] = np.nan
    return out


def fleiss_from_totals(totals: np.ndarray, k: int) -> np.ndarray:
    pa, pi = _pa_pi(totals, k)
    return _chance_corrected(pa, (pi**2).sum(axis=1))


def ac1_from_totals(totals: np.ndarray, k: int) -> np.ndarray:
    pa, pi = _pa_pi(totals, k)
    return _chance_corrected(pa, (pi * (1.0 - pi)).sum(axis=1) / (k - 1))


def agreement_totals(sc: SparseCounts) -> np.ndarray:
    """The column sums of :func:`agreement_item_stats`, from non-zero counts (memory linear in them)."""
    k = len(sc.categories)
    m = np.bincount(sc.item, weights=sc.count, minlength=sc.n_items)
    pairable = m >= 2
    pairs = np.bincount(sc.item, weights=sc.count * (sc.count - 1), minlength=sc.n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(pairable, pairs / (m * (m - 1)), 0.0)
    shares = np.bincount(sc.cat, weights=sc.count / m[sc.item], minlength=k)
    return np.r_[p.sum(), pairable.sum(), shares, (m >= 1).sum()].astype(np.float64)


def _from_item_stats(annotations: pd.DataFrame, labels: Sequence[object] | None, finalize: str, metric: str) -> float:
    sc = sparse_counts(annotations, labels)
    k = len(sc.categories)
    if k < 2:
        return _undefined(metric, "fewer than two categories")
    totals = agreement_totals(sc)
    if totals[1] == 0:
        return _undefined(metric, "no item has two or more judgments")
    value = float(
        {"percent": percent_from_totals, "fleiss": fleiss_from_totals, "ac1": ac1_from_totals}[finalize](totals, k)[0]
    )
    if np.isnan(value):
        return _undefined(metric, "chance agreement is 1 (a single category is used)")
    return value


def percent_agreement(
    annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, weights: Weights = None
) -> float:
    """Observed agreement: the mean over items with two or more ratings of the share of agreeing pairs.

    ``weights``: a family of :data:`~labeleval.metrics.family.WEIGHT_FAMILIES` (or a q x q matrix) gives partial
    credit to near misses on an ordered scale (Gwet's weighted ``p_a``).

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": list("abcabc"),
    ...                    "label": ["x", "x", "y", "y", "y", "y"]})
    >>> round(le.percent_agreement(df), 4)  # item 1: 1 of 3 pairs agree; item 2: 3 of 3
    0.6667
    """
    if weights_name(weights) != "identity":
        return coefficient(annotations, "percent", "percent agreement", labels=labels, weights=weights)
    return _from_item_stats(annotations, labels, "percent", "percent agreement")


def fleiss_kappa(
    annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, weights: Weights = None
) -> float:
    """Fleiss' kappa (Fleiss 1971); with varying ratings per item, Gwet's generalisation (see module doc).

    ``weights``: a family of :data:`~labeleval.metrics.family.WEIGHT_FAMILIES` (or a q x q matrix) for Gwet's
    weighted form, chance agreement ``sum_kl w_kl pi_k pi_l``.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2, 2], "annotator_id": list("abcabc"),
    ...                    "label": ["x", "x", "y", "y", "y", "y"]})
    >>> round(le.fleiss_kappa(df), 4)
    0.25
    """
    if weights_name(weights) != "identity":
        return coefficient(annotations, "fleiss", "Fleiss' kappa", labels=labels, weights=weights)
    return _from_item_stats(annotations, labels, "fleiss", "Fleiss' kappa")


def gwet_ac1(
    annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, n_categories: int | None = None
) -> float:
    """Gwet's AC1 (Gwet 2008, 2014): chance agreement ``sum_c pi_c (1 - pi_c) / (q - 1)``.

    Less affected than kappa by skewed class prevalence ("kappa paradox"); ``labels`` or ``n_categories``
    fixes ``q`` (declared categories count even when nobody used them).
    """
    if n_categories is not None:
        return coefficient(annotations, "gwet", "Gwet's AC1", labels=labels, n_categories=n_categories)
    return _from_item_stats(annotations, labels, "ac1", "Gwet's AC1")


# ---------------------------------------------------------------------------------------- kappas
def _kappa_weights(k: int, weights: str | None) -> np.ndarray:
    if weights not in WEIGHTS:
        raise SchemaError(invalid_option("weights", ("None", "linear", "quadratic"), weights))
    if weights is None:
        return 1.0 - np.eye(k)
    dist = np.abs(np.subtract.outer(np.arange(k), np.arange(k))).astype(np.float64)
    return dist if weights == "linear" else dist**2


def kappas(confusions: np.ndarray, weights: str | None = None) -> np.ndarray:
    """Cohen's kappa of each K x K confusion matrix in ``confusions`` (pairs, K, K): ``1 - sum(w o) /
    sum(w e)`` with ``e`` the product of the margins; NaN where chance disagreement is 0 or nothing is shared."""
    c = confusions.astype(np.float64)
    totals = c.sum(axis=(1, 2))
    w = _kappa_weights(c.shape[1], weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = c.sum(axis=2)[:, :, None] * c.sum(axis=1)[:, None, :] / totals[:, None, None]
        denominator = (w * expected).sum(axis=(1, 2))
        out = 1.0 - (w * c).sum(axis=(1, 2)) / denominator
    out[~(denominator > 0)] = np.nan
    return out


def kappa_from_confusion(confusion: np.ndarray, weights: str | None = None) -> float:
    """Cohen's kappa from a K x K confusion matrix (rows: first annotator, columns: second)."""
    if confusion.sum() == 0:
        return _undefined("Cohen's kappa", "the two annotators share no item")
    value = float(kappas(confusion[None], weights)[0])
    return _undefined("Cohen's kappa", "chance agreement is 1") if np.isnan(value) else value


def cohen_kappa(annotations: pd.DataFrame, *, weights: Weights = None, labels: Sequence[object] | None = None) -> float:
    """Cohen's kappa between exactly two annotators on the items both labelled.

    ``weights``: None (unweighted) or a family of :data:`~labeleval.metrics.family.WEIGHT_FAMILIES` (``linear``,
    ``quadratic``, ``ordinal``, ``radical``, ``ratio``, ``circular``, ``bipolar``; or a q x q matrix of agreement
    weights), by position in ``labels`` (the declared order; default the sorted distinct labels). Linear and
    quadratic match scikit-learn's ``cohen_kappa_score``; every family matches irrCAC.
    """
    left, right, q = two_raters(annotations, labels)
    if len(left) == 0:
        return _undefined("Cohen's kappa", "the two annotators share no item")
    name = weights_name(weights)
    if isinstance(weights, str | None) and name in ("identity", "linear", "quadratic"):
        kind = None if name == "identity" else name
        disagreement, expected = pair_disagreements(left, right, np.zeros(len(left), np.int64), 1, kind)
        if not expected[0] > 0:
            return _undefined("Cohen's kappa", "chance agreement is 1")
        return float(1.0 - disagreement[0] / expected[0])
    w = weights_or_identity(weights, q)  # a q x q matrix: refused above HIT_MATRIX_MAX categories
    table = np.bincount(left * q + right, minlength=q * q).reshape(q, q)
    value = cohen_fit(table, np.eye(q) if w is None else w).value
    return _undefined("Cohen's kappa", "chance agreement is 1") if np.isnan(value) else value


def two_raters(annotations: pd.DataFrame, labels: Sequence[object] | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """The label codes of exactly two annotators on the items both labelled (first annotator in frame order,
    then the second), and the number of categories."""
    check_frame(annotations)
    check_ids(annotations)
    frame = annotations.loc[annotations["label"].notna()]
    annotators = pd.unique(frame["annotator_id"])
    if len(annotators) != 2:
        raise SchemaError(
            f"cohen_kappa needs exactly two annotators, found {len(annotators)}; "
            "use fleiss_kappa, gwet_ac1 or light_kappa for more"
        )
    codes, cats = label_codes(frame["label"], labels)
    a = frame["annotator_id"].to_numpy() == annotators[0]
    first = pd.Series(codes[a], index=frame["item_id"].to_numpy()[a])
    second = pd.Series(codes[~a], index=frame["item_id"].to_numpy()[~a])
    if first.index.has_duplicates or second.index.has_duplicates:
        raise SchemaError("cohen_kappa: an annotator labelled the same item more than once")
    both = first.index.intersection(second.index)
    left, right = first.loc[both].to_numpy(np.int64), second.loc[both].to_numpy(np.int64)
    return left, right, len(cats)


def pair_disagreements(
    left: np.ndarray, right: np.ndarray, pair: np.ndarray, n_pairs: int, weights: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Observed and chance-expected weighted disagreement of each annotator pair, from the label codes of the
    items both labelled (``left[j]``, ``right[j]`` belong to pair ``pair[j]``); kappa is ``1 - observed /
    expected``. Memory is linear in the co-rated judgments, whatever the number of categories."""
    _kappa_weights(1, weights)  # validates
    left = left.astype(np.int64)
    right = right.astype(np.int64)
    n = np.bincount(pair, minlength=n_pairs).astype(np.float64)
    if weights == "quadratic":
        observed = np.bincount(pair, weights=(left - right) ** 2.0, minlength=n_pairs)
        s1l, s1r = (np.bincount(pair, weights=x.astype(np.float64), minlength=n_pairs) for x in (left, right))
        s2l, s2r = (np.bincount(pair, weights=x**2.0, minlength=n_pairs) for x in (left, right))
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = (n * s2l + n * s2r - 2.0 * s1l * s1r) / n
        return observed, expected
    span = max(int(max(left.max(initial=0), right.max(initial=0))) + 1, 1)
    lk, lc = np.unique(pair * span + left, return_counts=True)
    rk, rc = np.unique(pair * span + right, return_counts=True)
    if weights is None:
        observed = np.bincount(pair, weights=(left != right).astype(np.float64), minlength=n_pairs)
        common, li, ri = np.intersect1d(lk, rk, assume_unique=True, return_indices=True)
        same = np.bincount(common // span, weights=lc[li] * rc[ri].astype(np.float64), minlength=n_pairs)
        with np.errstate(invalid="ignore", divide="ignore"):
            return observed, n - same / n
    observed = np.bincount(pair, weights=np.abs(left - right).astype(np.float64), minlength=n_pairs)
    lp, rp = lk // span, rk // span
    li, ri = _pairs_across(lp, rp)  # every (left label, right label) of the same annotator pair
    cross = lc[li] * rc[ri] * np.abs(lk[li] % span - rk[ri] % span).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return observed, np.bincount(lp[li], weights=cross, minlength=n_pairs) / n


def _pairs_across(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i, j) with ``a[i] == b[j]``; ``a`` and ``b`` sorted."""
    groups = np.unique(np.r_[a, b])
    a_start, a_end = np.searchsorted(a, groups), np.searchsorted(a, groups, side="right")
    b_start, b_end = np.searchsorted(b, groups), np.searchsorted(b, groups, side="right")
    sizes = (a_end - a_start) * (b_end - b_start)
    total = int(sizes.sum())
    g = np.repeat(np.arange(len(groups)), sizes)
    offset = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    width = (b_end - b_start)[g]
    return a_start[g] + offset // np.maximum(width, 1), b_start[g] + offset % np.maximum(width, 1)


def pair_confusions(
    item_codes: np.ndarray, annotator_codes: np.ndarray, label_codes_: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All co-rating annotator pairs and their K x K confusion matrices, without a Python loop over items.

    Returns (first annotator code, second annotator code, confusions of shape (pairs, K, K)).
    """
    n_annot = int(annotator_codes.max(initial=0)) + 1
    order = np.argsort(item_codes.astype(np.int64) * n_annot + annotator_codes, kind="stable")
    it, an, lab = item_codes[order], annotator_codes[order], label_codes_[order]
    starts = np.flatnonzero(np.r_[True, it[1:] != it[:-1]])
    sizes = np.diff(np.r_[starts, len(it)])
    firsts: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    for size in np.unique(sizes[sizes >= 2]):  # loop over distinct group sizes, not items
        group_starts = starts[sizes == size]
        for i, j in itertools.combinations(range(int(size)), 2):
            firsts.append(group_starts + i)
            seconds.append(group_starts + j)
    if not firsts:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros((0, k, k), dtype=np.int64)
    left = np.concatenate(firsts)
    right = np.concatenate(seconds)
    pair_key = an[left].astype(np.int64) * n_annot + an[right]
    if n_annot * n_annot * k * k <= PAIR_INDEX_MAX_CELLS:  # a dense pair index is cheaper than sorting the keys
        seen = np.zeros(n_annot * n_annot, dtype=np.int64)
        seen[pair_key] = 1
        pair_ids = np.flatnonzero(seen)
        lookup = np.cumsum(seen) - 1
        pair_index = lookup[pair_key]
    else:
        pair_ids, pair_index = np.unique(pair_key, return_inverse=True)
    flat = np.bincount(pair_index * k * k + lab[left] * k + lab[right], minlength=len(pair_ids) * k * k)
    return pair_ids // n_annot, pair_ids % n_annot, flat.reshape(len(pair_ids), k, k)


def light_kappa(
    annotations: pd.DataFrame,
    *,
    labels: Sequence[object] | None = None,
    weights: str | None = None,
    min_overlap: int = 10,
) -> float:
    """Light's kappa: the mean Cohen's kappa over annotator pairs sharing at least ``min_overlap`` items.

    The usual summary for a pool where each item is labelled by a different subset of annotators.
    Pairs whose kappa is undefined (chance agreement 1) are left out of the mean.
    """
    check_frame(annotations)
    check_ids(annotations)
    frame = annotations.loc[annotations["label"].notna()]
    codes, _ = label_codes(frame["label"], labels)
    item_codes, _ = pd.factorize(frame["item_id"])
    annot_codes, _ = pd.factorize(frame["annotator_id"])
    return light_from_codes(item_codes, annot_codes, codes, weights=weights, min_overlap=min_overlap)


def pair_statistics(
    item_codes: np.ndarray, annotator_codes: np.ndarray, label_codes_: np.ndarray, weights: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per co-rating annotator pair: (observed disagreement, chance-expected disagreement, shared items), in
    memory linear in the co-rated judgments (no pairs x K x K array); kappa is ``1 - observed / expected``."""
    observed, expected, shared, _, _ = pair_statistics_named(item_codes, annotator_codes, label_codes_, weights)
    return observed, expected, shared


def pair_statistics_named(
    item_codes: np.ndarray, annotator_codes: np.ndarray, label_codes_: np.ndarray, weights: str | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`pair_statistics` and each pair's two annotator codes (first, second)."""
    ok = label_codes_ >= 0
    it, an, lab = item_codes[ok], annotator_codes[ok], label_codes_[ok]
    n_annot = int(an.max(initial=0)) + 1
    order = np.argsort(it.astype(np.int64) * n_annot + an, kind="stable")
    it, an, lab = it[order], an[order], lab[order]
    left, right = _pairs_within_groups(it)
    pair_ids, pair = np.unique(an[left].astype(np.int64) * n_annot + an[right], return_inverse=True)
    observed, expected = pair_disagreements(lab[left], lab[right], pair, len(pair_ids), weights)
    shared = np.bincount(pair, minlength=len(pair_ids))
    return observed, expected, shared, pair_ids // n_annot, pair_ids % n_annot


def light_from_codes(
    item_codes: np.ndarray,
    annotator_codes: np.ndarray,
    label_codes_: np.ndarray,
    *,
    weights: str | None = None,
    min_overlap: int = 10,
) -> float:
    """Light's kappa from integer codes, in memory linear in the co-rated judgments (the same value as
    ``light_from_confusions(pair_confusions(...)[2])``, without a pairs x K x K array)."""
    observed, expected, shared = pair_statistics(item_codes, annotator_codes, label_codes_, weights)
    keep = shared >= max(min_overlap, 1)
    if not keep.any():
        return _undefined("Light's kappa", f"no annotator pair shares {min_overlap} or more items")
    ok_pairs = keep & (expected > 0)
    if not ok_pairs.any():
        return _undefined("Light's kappa", "chance agreement is 1 for every pair")
    return float(np.mean(1.0 - observed[ok_pairs] / expected[ok_pairs]))


def light_from_confusions(conf: np.ndarray, *, weights: str | None = None, min_overlap: int = 10) -> float:
    """Mean kappa over pair confusion matrices (pairs, K, K) with at least ``min_overlap`` shared items."""
    keep = conf.sum(axis=(1, 2)) >= max(min_overlap, 1)
    if not keep.any():
        return _undefined("Light's kappa", f"no annotator pair shares {min_overlap} or more items")
    values = kappas(conf[keep], weights)
    if np.isnan(values).all():
        return _undefined("Light's kappa", "chance agreement is 1 for every pair")
    return float(np.nanmean(values))

"""Agreement by category and by annotator, each with an interval: which label the annotators cannot agree on,
and which annotator disagrees with the rest.

``category_agreement``: Fleiss' (1971) kappa of each category against all the others (the category-specific kappa R
irr's ``kappam.fleiss(detail=TRUE)`` prints), i.e. Fleiss' kappa of the one-against-the-rest judgments, with Gwet's
variance and Fieller's interval. ``annotator_agreement``: each annotator's agreement with the other annotators on
the same items: the share of their pairings with another annotator's judgment on an item that agree, and that share
chance-corrected against the pooled category shares (Fleiss' chance agreement, held fixed), with a ratio estimator's
variance over the annotator's items.

Both work on codes (:func:`category_table` on the items x categories counts' non-zero cells, :func:`annotator_table`
on each judgment's item, annotator and category), in memory linear in the judgments whatever the number of
categories; the scoring engine calls them on each vendor's codes, so a Report's figures are these functions'.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.metrics.agreement_table import t_interval, too_few_items
from labeleval.metrics.family import ratings
from labeleval.tuning import DENSE_MAX_CELLS, MIN_AGREEMENT_ITEMS, MIN_CATEGORY_ITEMS

CATEGORY_COLUMNS: Final = ("category", "share", "kappa", "se", "ci_low", "ci_high", "p_value", "items", "note")
ANNOTATOR_COLUMNS: Final = (
    "annotator_id",
    "judgments",
    "items",
    "agreement",
    "kappa",
    "se",
    "ci_low",
    "ci_high",
    "note",
)


def category_agreement(
    annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """One row per category: ``category``, ``share`` (of all judgments), ``kappa`` (Fleiss' kappa of the category
    against the rest), ``se`` (Gwet's), ``ci_low``, ``ci_high``, ``p_value``, ``items`` (with two or more
    judgments) and ``note`` (why a figure is missing: too few items, too few items giving the category twice or
    more, or the category never or always used). The interval is Fieller's (see :func:`category_table`).

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [i for i in range(12) for _ in "abc"], "annotator_id": list("abc") * 12,
    ...                    "label": list("xxxyyyxxyyyyxxxzzzyyyxxxzzyxxxyyyzzz")})
    >>> table = le.category_agreement(df)
    >>> table[["category", "kappa"]].round(3).values.tolist()
    [['x', 0.883], ['y', 0.766], ['z', nan]]
    >>> table["note"].iloc[2]
    '3 items with two or more judgments giving the category; 4 needed'
    """
    r = ratings(annotations, labels)
    cells = sparse.csr_array(r.n)
    cells.eliminate_zeros()
    return category_table(cells, r.categories, confidence)


def category_table(cells: sparse.csr_array, categories: Sequence[object], confidence: float) -> pd.DataFrame:
    """:func:`category_agreement` of the rated items x categories counts ``cells`` (every row an item with a
    judgment), from their non-zero cells.

    For category c with ``x_i`` of item i's ``m_i`` judgments: ``pi_c`` the mean of ``x_i / m_i``,
    ``D_c`` the sum over the ``n_2`` pairable items of ``x_i (m_i - x_i) / (m_i (m_i - 1))``, and kappa
    ``1 - D_c / (n_2 pi_c (1 - pi_c))``. Gwet's variance sums each item's linearised contribution; an item
    without the category contributes one of two constants (pairable or not), so only the cells are visited.
    The interval is :func:`_fieller`'s; a category fewer than :data:`~labeleval.tuning.MIN_CATEGORY_ITEMS` items
    give twice or more has no figure."""
    n, q = cells.shape
    m = np.asarray(cells.sum(axis=1), dtype=np.float64).reshape(-1)
    pairable = m >= 2
    n2 = int(pairable.sum())
    row = np.repeat(np.arange(n), np.diff(cells.indptr))
    col, x = cells.indices, cells.data.astype(np.float64)
    mi, two = m[row], pairable[row]
    total = float(m.sum())
    share = np.bincount(col, weights=x, minlength=q) / total if total else np.full(q, np.nan)
    rows: list[dict[str, Any]] = [{"category": c, "share": share[k], "items": n2} for k, c in enumerate(categories)]
    thin = too_few_items(n2)
    if thin:
        return pd.DataFrame([row_ | {"note": thin} for row_ in rows], columns=list(CATEGORY_COLUMNS))
    pi = np.bincount(col, weights=x / mi, minlength=q) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(two, x * (mi - x) / (mi * (mi - 1.0)), 0.0)
    spread = 2.0 * pi * (1.0 - pi)  # 1 - p_e
    defined = spread > 1e-12
    safe = np.where(defined, spread, 1.0)
    kappa = np.where(defined, 1.0 - 2.0 * np.bincount(col, weights=d, minlength=q) / (n2 * safe), np.nan)
    pe = 1.0 - spread
    # each cell's item: p_a|i = 1 - 2 d, p_e|i = (1 - pi) + (x / m)(2 pi - 1)
    k_c, pe_c, pi_c, s_c = kappa[col], pe[col], pi[col], safe[col]
    pe_i = (1.0 - pi_c) + x / mi * (2.0 * pi_c - 1.0)
    c_i = n / n2 * ((1.0 - 2.0 * d) - pe_c) * two / s_c - 2.0 * (1.0 - k_c) * (pe_i - pe_c) / s_c
    squares = np.bincount(col, weights=(c_i - k_c) ** 2, minlength=q)
    # the items without the category: p_a|i = 1 where pairable, p_e|i = 1 - pi
    unpaired = -2.0 * (1.0 - kappa) * (1.0 - pi - pe) / safe
    paired = n / n2 + unpaired
    zero_paired = n2 - np.bincount(col, weights=two.astype(np.float64), minlength=q)
    zero_single = (n - n2) - np.bincount(col, weights=(~two).astype(np.float64), minlength=q)
    squares += zero_paired * (paired - kappa) ** 2 + zero_single * (unpaired - kappa) ** 2
    se = np.sqrt(np.maximum(squares, 0.0) / (n * (n - 1.0))) if n >= 2 else np.full(q, np.nan)
    low, high = _fieller(_Cells(n, n2, col, x / mi, d, two, q), pi, kappa, confidence)
    often = np.bincount(col, weights=(x >= 2).astype(np.float64), minlength=q)
    for k, row_ in enumerate(rows):
        if not defined[k]:
            row_["note"] = "the category is never or always given"
        elif often[k] < MIN_CATEGORY_ITEMS:
            row_["note"] = (
                f"{int(often[k])} item{'' if often[k] == 1 else 's'} with two or more judgments giving the "
                f"category; {MIN_CATEGORY_ITEMS} needed"
            )
        else:
            p = t_interval(float(kappa[k]), float(se[k]), n, confidence)[2]
            row_ |= {"kappa": kappa[k], "se": se[k], "ci_low": low[k], "ci_high": high[k], "p_value": p}
    return pd.DataFrame(rows, columns=list(CATEGORY_COLUMNS))


@dataclass(frozen=True)
class _Cells:
    """The non-zero cells of the items x categories counts, as :func:`category_table` sees them: ``n`` items,
    ``n2`` of them pairable; per cell its category ``col``, the item's share ``u`` (x / m) of its judgments in
    it, its disagreement ``d`` and whether its item is pairable ``two``; ``q`` categories."""

    n: int
    n2: int
    col: np.ndarray
    u: np.ndarray
    d: np.ndarray
    two: np.ndarray
    q: int

    def sum(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.col, weights=weights, minlength=self.q)


def _fieller(cell: _Cells, pi: np.ndarray, kappa: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Each category's interval: Fieller's for the ratio r = 1 - kappa of the observed disagreement ``A`` (the
    mean over items of ``a_i = 2 d_i n / n_2``) to the chance disagreement ``B = 2 pi (1 - pi)``, linearised in
    pi, i.e. the r whose ``A - r B`` a t test (n - 1 degrees of freedom) does not reject. Unlike kappa +- t SE
    it widens on the side where a small sample's chance disagreement is uncertain. Unbounded: [-1, 1]."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    n = cell.n
    scale = 2.0 * n / cell.n2
    a = scale * cell.d
    mean_a = cell.sum(a) / n
    s_aa = (cell.sum(a * a) - n * mean_a**2) / (n - 1.0)
    s_uu = (cell.sum(cell.u**2) - n * pi**2) / (n - 1.0)
    s_au = (cell.sum(a * cell.u) - n * mean_a * pi) / (n - 1.0)
    b, slope = 2.0 * pi * (1.0 - pi), 2.0 * (1.0 - 2.0 * pi)
    t2 = float(stats.t.ppf(0.5 + confidence / 2.0, max(n - 1, 1))) ** 2 / n
    qa = b**2 - t2 * slope**2 * s_uu
    qb = -2.0 * (mean_a * b - t2 * slope * s_au)
    qc = mean_a**2 - t2 * s_aa
    disc = qb**2 - 4.0 * qa * qc
    bounded = (qa > 0) & (disc >= 0) & np.isfinite(kappa)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(np.where(bounded, disc, 0.0))
        r_low, r_high = (-qb - root) / (2.0 * qa), (-qb + root) / (2.0 * qa)
    low = np.where(bounded, np.maximum(1.0 - r_high, -1.0), -1.0)
    high = np.where(bounded, np.minimum(1.0 - r_low, 1.0), 1.0)
    return low, high


def annotator_agreement(
    annotations: pd.DataFrame, *, labels: Sequence[object] | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """One row per annotator, lowest kappa first: ``annotator_id``, ``judgments``, ``items`` (their items that
    another annotator also labelled), ``agreement`` (the share of their pairings with the others' judgments on
    those items that agree), ``kappa`` (that share chance-corrected against the pooled category shares), ``se``,
    ``ci_low``, ``ci_high`` and ``note`` (why a figure is missing: fewer than
    :data:`~labeleval.tuning.MIN_AGREEMENT_ITEMS` shared items).

    The interval is the ratio estimator's over the annotator's items (each item's agreeing and total pairings
    move together), a t interval with items - 1 degrees of freedom; the chance agreement, estimated from every
    judgment, is held fixed.
    """
    r = ratings(annotations, labels)
    names = pd.factorize(annotations.loc[annotations["label"].notna(), "annotator_id"], sort=True)[1]
    return annotator_table(r.item, r.rater, r.label, r.q, [str(name) for name in names], confidence)


def annotator_table(
    item: np.ndarray, rater: np.ndarray, label: np.ndarray, q: int, names: Sequence[str], confidence: float
) -> pd.DataFrame:
    """:func:`annotator_agreement` of the judgments' codes: ``item``, ``rater`` (into ``names``) and ``label``
    (into q categories), one entry per judgment; items are numbered from 0 (numbers no judgment uses are
    ignored). Every annotator at once, from sums per annotator (a few passes over the judgments)."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    m = np.bincount(item).astype(np.float64)
    shares = np.bincount(label, weights=1.0 / m[item], minlength=q) / max(int((m > 0).sum()), 1)
    pe = float((shares**2).sum())
    d = m[item] - 1.0  # the other judgments on each judgment's item
    key = item.astype(np.int64) * q + label
    if len(m) * q <= DENSE_MAX_CELLS:  # counts per (item, label) by position, else by sorting the judgments
        same = np.bincount(key, minlength=len(m) * q)[key]
    else:
        _, cell, counts = np.unique(key, return_inverse=True, return_counts=True)
        same = counts[cell]
    a = same - 1.0  # ... and how many of them give the same label
    k = len(names)

    def per(weights: np.ndarray) -> np.ndarray:
        return np.bincount(rater, weights=weights, minlength=k)

    judgments, n = np.bincount(rater, minlength=k), per((d > 0).astype(np.float64))
    sd, sa = per(d), per(a)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = sa / sd
        spread = per(a * a) - 2.0 * share * per(a * d) + share**2 * per(d * d)  # sum (a_i - R d_i)^2
        se_share = np.sqrt(n / (n - 1.0) * np.maximum(spread, 0.0)) / sd
        half = stats.t.ppf(0.5 + confidence / 2.0, np.maximum(n - 1.0, 1.0)) * se_share / (1.0 - pe)
    kappa = (share - pe) / (1.0 - pe) if pe < 1.0 else np.full(k, np.nan)
    table = pd.DataFrame(
        {
            "annotator_id": list(names),
            "judgments": judgments,
            "items": n.astype(np.int64),
            "agreement": share,
            "kappa": kappa,
            "se": se_share / (1.0 - pe) if pe < 1.0 else np.nan,
            "ci_low": np.maximum(kappa - half, -1.0),
            "ci_high": np.minimum(kappa + half, 1.0),
        }
    )
    table["note"] = [too_few_items(int(x), "shared with another annotator") or np.nan for x in n]
    if not pe < 1.0:
        table.loc[table["note"].isna(), "note"] = "chance agreement is 1 (one category)"
    thin = table["items"] < MIN_AGREEMENT_ITEMS
    table.loc[thin, ["agreement", "kappa", "se", "ci_low", "ci_high"]] = np.nan
    table = table.reindex(columns=list(ANNOTATOR_COLUMNS))
    return table.sort_values("kappa", kind="stable", na_position="last").reset_index(drop=True)

"""Agreement by category and by annotator, each with an interval: which label the annotators cannot agree on,
and which annotator disagrees with the rest.

``category_agreement``: Fleiss' (1971) kappa of each category against all the others (the category-specific
kappa R irr's ``kappam.fleiss(detail=TRUE)`` prints), i.e. Fleiss' kappa of the one-against-the-rest judgments,
with Gwet's variance. ``annotator_agreement``: each annotator's agreement with the other annotators on the same
items: the share of their pairings with another annotator's judgment on an item that agree, and that share
chance-corrected against the pooled category shares (Fleiss' chance agreement, held fixed), with a ratio
estimator's variance over the annotator's items.

Both work on codes (:func:`category_table` on the items x categories counts' non-zero cells, :func:`annotator_table`
on each judgment's item, annotator and category), in memory linear in the judgments whatever the number of
categories; the scoring engine calls them on each vendor's codes, so a Report's figures are these functions'.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.metrics.agreement_table import t_interval, too_few_items
from labeleval.metrics.family import ratings

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
    judgments) and ``note`` (why a figure is missing: too few items, or the category never or always used).

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [i for i in range(12) for _ in "abc"], "annotator_id": list("abc") * 12,
    ...                    "label": list("xxxyyyxxyyyyxxxzzzyyyxxxzzyxxxyyyzzz")})
    >>> le.category_agreement(df)[["category", "kappa"]].round(3).values.tolist()
    [['x', 0.883], ['y', 0.766], ['z', 0.839]]
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
    without the category contributes one of two constants (pairable or not), so only the cells are visited."""
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
    for k, row_ in enumerate(rows):
        if not defined[k]:
            row_["note"] = "the category is never or always given"
            continue
        low, high, p = t_interval(float(kappa[k]), float(se[k]), n, confidence)
        row_ |= {"kappa": kappa[k], "se": se[k], "ci_low": low, "ci_high": high, "p_value": p}
    return pd.DataFrame(rows, columns=list(CATEGORY_COLUMNS))


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
    (into q categories), one entry per judgment; items need not be numbered densely."""
    _, item, m_of = np.unique(item, return_inverse=True, return_counts=True)
    m = m_of.astype(np.float64)
    n_items = len(m)
    shares = np.bincount(label, weights=1.0 / m[item], minlength=q) / max(n_items, 1)
    pe = float((shares**2).sum())
    others = m[item] - 1.0  # the other judgments on each judgment's item
    _, cell, same = np.unique(item.astype(np.int64) * q + label, return_inverse=True, return_counts=True)
    agree = same[cell] - 1.0  # ... and how many of them give the same label
    order = np.argsort(rater, kind="stable")
    bounds = np.searchsorted(rater[order], np.arange(len(names) + 1))
    rows = []
    for a, name in enumerate(names):
        mine = order[bounds[a] : bounds[a + 1]]
        rows.append(_annotator_row(name, others[mine], agree[mine], pe, confidence))
    table = pd.DataFrame(rows, columns=list(ANNOTATOR_COLUMNS))
    return table.sort_values("kappa", kind="stable", na_position="last").reset_index(drop=True)


def _annotator_row(name: str, others: np.ndarray, agree: np.ndarray, pe: float, confidence: float) -> dict[str, Any]:
    shared = others > 0
    n = int(shared.sum())
    row: dict[str, Any] = {"annotator_id": name, "judgments": len(others), "items": n}
    thin = too_few_items(n, "shared with another annotator")
    if thin:
        return row | {"note": thin}
    d, a = others[shared], agree[shared]
    share = float(a.sum() / d.sum())
    se_share = float(np.sqrt(n / (n - 1.0) * ((a - share * d) ** 2).sum()) / d.sum())
    if not pe < 1.0:
        return row | {"agreement": share, "note": "chance agreement is 1 (one category)"}
    kappa, se = (share - pe) / (1.0 - pe), se_share / (1.0 - pe)
    low, high, _ = t_interval(kappa, se, n, confidence)
    return row | {"agreement": share, "kappa": kappa, "se": se, "ci_low": low, "ci_high": high}

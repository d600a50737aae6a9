"""Agreement by category and by annotator, each with an interval: which label the annotators cannot agree on,
and which annotator disagrees with the rest.

``category_agreement``: Fleiss' (1971) kappa of each category against all the others (the category-specific
kappa R irr's ``kappam.fleiss(detail=TRUE)`` prints), i.e. Fleiss' kappa of the one-against-the-rest judgments,
with Gwet's variance. ``annotator_agreement``: each annotator's agreement with the other annotators on the same
items: the share of their pairings with another annotator's judgment on an item that agree, and that share
chance-corrected against the pooled category shares (Fleiss' chance agreement, held fixed), with a ratio
estimator's variance over the annotator's items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from labeleval.metrics.agreement_table import t_interval, too_few_items
from labeleval.metrics.family import fit, ratings


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
    m = r.m
    items = int((m >= 2).sum())
    total = float(m.sum())
    totals = r.totals()
    rows: list[dict[str, Any]] = []
    for c, category in enumerate(r.categories):
        row: dict[str, Any] = {"category": category, "share": totals[c] / total if total else np.nan}
        row["items"] = items
        column = r.column(c)
        binary = np.column_stack([column, m - column])
        thin = too_few_items(items)
        if thin:
            rows.append(row | {"note": thin})
            continue
        result = fit(replace(r, n=binary, categories=[category, "the rest"]), None, "fleiss")
        if not np.isfinite(result.value):
            rows.append(row | {"note": "the category is never or always given"})
            continue
        se = result.se()
        low, high, p = t_interval(result.value, se, result.n_items, confidence)
        rows.append(row | {"kappa": result.value, "se": se, "ci_low": low, "ci_high": high, "p_value": p})
    columns = ["category", "share", "kappa", "se", "ci_low", "ci_high", "p_value", "items", "note"]
    return pd.DataFrame(rows, columns=columns)


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
    pi = r.shares()
    pe = float((pi**2).sum())
    others = r.m[r.item] - 1.0  # the other judgments on each judgment's item
    _, cell, same = np.unique(r.item * r.q + r.label, return_inverse=True, return_counts=True)
    agree = same[cell] - 1.0  # ... and how many of them give the same label
    names = pd.factorize(annotations.loc[annotations["label"].notna(), "annotator_id"], sort=True)[1]
    rows = [_annotator_row(str(name), r.rater == a, others, agree, pe, confidence) for a, name in enumerate(names)]
    columns = ["annotator_id", "judgments", "items", "agreement", "kappa", "se", "ci_low", "ci_high", "note"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("kappa", kind="stable", na_position="last").reset_index(drop=True)


def _annotator_row(
    name: str, mine: np.ndarray, others: np.ndarray, agree: np.ndarray, pe: float, confidence: float
) -> dict[str, Any]:
    d, a = others[mine], agree[mine]
    shared = d > 0
    row: dict[str, Any] = {"annotator_id": name, "judgments": int(mine.sum()), "items": int(shared.sum())}
    n = int(shared.sum())
    thin = too_few_items(n, "shared with another annotator")
    if thin:
        return row | {"note": thin}
    d, a = d[shared], a[shared]
    share = float(a.sum() / d.sum())
    se_share = float(np.sqrt(n / (n - 1.0) * ((a - share * d) ** 2).sum()) / d.sum())
    if not pe < 1.0:
        return row | {"agreement": share, "note": "chance agreement is 1 (one category)"}
    kappa, se = (share - pe) / (1.0 - pe), se_share / (1.0 - pe)
    low, high, _ = t_interval(kappa, se, n, confidence)
    return row | {"agreement": share, "kappa": kappa, "se": se, "ci_low": low, "ci_high": high}

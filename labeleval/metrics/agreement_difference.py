"""The difference of two agreement coefficients with its interval: ``kappa_difference`` (two vendors, two
batches, two guidelines).

Each coefficient is Gwet's linearisation (:mod:`labeleval.metrics.family`): on its own n items,
``kappa ~ kappa + (1/n) sum_i (c_i - kappa)``. **Paired by item** (the two frames share items): over the N items
of either frame, each item's influence on coefficient g is ``z_gi = (N / n_g)(c_gi - kappa_g)`` (0 where frame g
lacks the item), and ``var(kappa_a - kappa_b) = 1/(N (N - 1)) sum_i (d_i - dbar)^2`` with ``d_i = z_ai - z_bi``;
on the same items for both frames this is Gwet's (2016) variance of correlated coefficients, and an item both
frames find hard counts once, not twice. **Independent samples**: ``se_a^2 + se_b^2``, a t interval on
Welch-Satterthwaite's degrees of freedom.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from labeleval.errors import SchemaError
from labeleval.metrics.agreement_table import FAMILY, too_few_items
from labeleval.metrics.counts import check_frame, item_codes, label_codes
from labeleval.metrics.family import Fit, Ratings, Weights, alpha_fit, fit, ratings, weights_name, weights_or_identity
from labeleval.options import invalid_option

COEFFICIENTS: Final = (*(name for name, _ in FAMILY), "gwet_ac2", "krippendorff_alpha")
DIFFERENCE_COLUMNS: Final = (
    "coefficient",
    "weights",
    "estimate_a",
    "estimate_b",
    "difference",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "df",
    "design",
    "items_a",
    "items_b",
    "shared_items",
    "note",
)


def kappa_difference(
    a: pd.DataFrame,
    b: pd.DataFrame,
    *,
    coefficients: str | Sequence[str] | None = None,
    paired: bool | None = None,
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
    weights: Weights = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One row per coefficient: ``estimate_a``, ``estimate_b``, their ``difference`` (a - b), its ``se``,
    ``ci_low``, ``ci_high`` (a t interval on ``df`` degrees of freedom), ``p_value`` (two-sided, of no
    difference), ``design`` (``paired by item`` or ``independent``), ``items_a``, ``items_b`` (with two or more
    judgments), ``shared_items`` and ``note`` (why a figure is missing).

    ``coefficients``: names from ``percent_agreement``, ``brennan_prediger``, ``fleiss_kappa``, ``conger_kappa``,
    ``gwet_ac1`` (``gwet_ac2`` when weighted), ``krippendorff_alpha``; all of them by default. ``paired``: True
    pairs the frames by item id (items in one frame only still count, on their side), False treats them as
    independent samples; by default paired when they share an item id. The categories are ``labels`` (else those
    either frame uses), the same for both.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> items = [i for i in range(12) for _ in "ab"]
    >>> a = pd.DataFrame({"item_id": items, "annotator_id": list("ab") * 12, "label": list("xxyyxxyyxxyyxxyyxxyyxyyx")})
    >>> b = pd.DataFrame({"item_id": items, "annotator_id": list("cd") * 12, "label": list("xyyyxxyxxxyyxyyyxxyxxyyx")})
    >>> row = le.kappa_difference(a, b, coefficients="fleiss_kappa").iloc[0]
    >>> round(float(row["difference"]), 3), row["design"], int(row["shared_items"])
    (0.667, 'paired by item', 12)
    """
    chosen = _coefficients(coefficients, weights)
    if not 0.5 <= confidence < 1.0:
        raise SchemaError(f"confidence must be between 0.5 and 1; got {confidence}")
    for frame in (a, b):
        check_frame(frame)
    both = pd.concat([a["label"], b["label"]], ignore_index=True)
    categories = list(labels) if labels is not None else label_codes(both[both.notna()])[1]
    ra = ratings(a, categories, n_categories, weights)
    rb = ratings(b, categories, n_categories, weights)
    w = weights_or_identity(weights, ra.q)
    ids_a, ids_b = _item_ids(a), _item_ids(b)
    union = ids_a.union(ids_b)
    shared = len(ids_a) + len(ids_b) - len(union)
    pos_a, pos_b = union.get_indexer(ids_a), union.get_indexer(ids_b)  # each rated item's place in the union
    design = "paired by item" if (shared > 0 if paired is None else paired) else "independent"
    rows = [
        _difference(name, _fit(ra, w, name), _fit(rb, w, name), (ra, pos_a), (rb, pos_b), design, confidence)
        | {"coefficient": name, "shared_items": shared}
        for name in chosen
    ]
    table = pd.DataFrame(rows, columns=list(DIFFERENCE_COLUMNS))
    table["weights"] = weights_name(weights)
    return table


def _coefficients(coefficients: str | Sequence[str] | None, weights: Weights) -> list[str]:
    weighted = weights_name(weights) != "identity"
    if coefficients is None:
        return [("gwet_ac2" if weighted else n) if n == "gwet_ac1" else n for n in COEFFICIENTS if n != "gwet_ac2"]
    chosen = [coefficients] if isinstance(coefficients, str) else list(coefficients)
    for name in chosen:
        if name not in COEFFICIENTS:
            raise SchemaError(invalid_option("coefficient", COEFFICIENTS, name))
    return chosen


def _item_ids(frame: pd.DataFrame) -> pd.Index:
    """The ids of the frame's rated items, as text, in the order of its :class:`Ratings` rows."""
    rows = frame.loc[frame["label"].notna(), "item_id"]
    _, first = np.unique(item_codes(rows), return_index=True)
    return pd.Index(rows.iloc[first].astype(str).to_numpy())


def _fit(r: Ratings, w: np.ndarray | None, name: str) -> tuple[Fit, np.ndarray]:
    """The coefficient's fit and the rows of ``r`` its contributions belong to."""
    if name == "krippendorff_alpha":
        return alpha_fit(r, w), np.flatnonzero(r.m >= 2)
    chance = dict(FAMILY).get(name, "gwet")
    return fit(r, w, chance), np.arange(r.n.shape[0])


def _difference(
    name: str,
    fa: tuple[Fit, np.ndarray],
    fb: tuple[Fit, np.ndarray],
    side_a: tuple[Ratings, np.ndarray],
    side_b: tuple[Ratings, np.ndarray],
    design: str,
    confidence: float,
) -> dict[str, Any]:
    (one, rows_a), (two, rows_b) = fa, fb
    items_a, items_b = int((side_a[0].m >= 2).sum()), int((side_b[0].m >= 2).sum())
    row: dict[str, Any] = {"design": design, "items_a": items_a, "items_b": items_b}
    thin = too_few_items(min(items_a, items_b))
    if thin:
        return row | {"note": f"{'a' if items_a <= items_b else 'b'}: {thin}"}
    if not (np.isfinite(one.value) and np.isfinite(two.value)):
        return row | {"estimate_a": one.value, "estimate_b": two.value, "note": "undefined: chance agreement is 1"}
    difference = one.value - two.value
    if design == "independent":
        va, vb = one.se() ** 2, two.se() ** 2
        se = float(np.sqrt(va + vb))
        na, nb = one.n_items, two.n_items
        df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1)) if va + vb > 0 else float(na + nb - 2)
    else:
        where_a, where_b = side_a[1][rows_a], side_b[1][rows_b]
        used = np.union1d(where_a, where_b)  # the items either coefficient stands on
        d = _influence(one, np.searchsorted(used, where_a), len(used))
        d -= _influence(two, np.searchsorted(used, where_b), len(used))
        n = len(used)
        se = float(np.sqrt(((d - d.mean()) ** 2).sum() / (n * (n - 1.0))))
        df = float(n - 1)
    low, high, p = _t_interval(difference, se, df, confidence)
    figures = {"estimate_a": one.value, "estimate_b": two.value, "difference": difference, "se": se, "df": df}
    return row | figures | {"ci_low": low, "ci_high": high, "p_value": p}


def _t_interval(value: float, se: float, df: float, confidence: float) -> tuple[float, float, float]:
    """(low, high, two-sided p of zero) of a t statistic on ``df`` degrees of freedom, not capped (a difference
    lies in [-2, 2])."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    if not (np.isfinite(se) and df >= 1):
        return float("nan"), float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    p = float(2.0 * stats.t.sf(abs(value) / se, df)) if se > 0 else float(value == 0)
    return max(value - half, -2.0), min(value + half, 2.0), p


def _influence(result: Fit, where: np.ndarray, n: int) -> np.ndarray:
    """Each of the n items' influence ``(n / n_g)(c_i - kappa)`` on the coefficient, its contributions at
    ``where`` (0 where the frame lacks the item)."""
    centre = result.value if result.centre is None else result.centre
    out = np.zeros(n)
    out[where] = n / result.n_items * (result.contributions - centre)
    return out

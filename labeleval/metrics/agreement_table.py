"""Every agreement coefficient of one frame with its standard error, interval and p-value: ``agreement_table``.

Gwet's variances where they exist (the chance-corrected family, Krippendorff's alpha with weights, Cohen's kappa;
:mod:`labeleval.metrics.family`), a bootstrap over items where they do not (Light's kappa). Each row says how it
was made (``method``) and what it stands on (``items``, ``raters``, ``pairs``); a coefficient built on fewer
than :data:`~labeleval.tuning.MIN_AGREEMENT_ITEMS` items with two or more judgments, or Light's kappa on pairs
covering fewer than :data:`~labeleval.tuning.MIN_PAIR_COVERAGE` of the annotators, has no figures and a
``note`` saying why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from labeleval.errors import SchemaError
from labeleval.metrics.agreement_null import permutation_null
from labeleval.metrics.bands import BENCHMARKS, band_reading
from labeleval.metrics.family import (
    Chance,
    Fit,
    Ratings,
    Weights,
    alpha_fit,
    cohen_fit,
    fit,
    fleiss_se_no_agreement,
    ratings,
    weights_name,
    weights_or_identity,
)
from labeleval.metrics.light import LIGHT_MIN_OVERLAP, light_evidence, light_jackknife, light_resamples
from labeleval.options import invalid_option
from labeleval.tuning import HIT_MATRIX_MAX, MIN_AGREEMENT_ITEMS, MIN_PAIR_COVERAGE

GWET: Final = "Gwet variance (general)"
TABLE_COLUMNS: Final = (
    "coefficient",
    "weights",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "method",
    "se_no_agreement",
    "no_agreement_method",
    "p_no_agreement",
    "items",
    "raters",
    "pairs",
    "band",
    "band_probability",
    "note",
)
#: the chance-corrected coefficients and their chance agreement, in the table's order
FAMILY: Final[tuple[tuple[str, Chance], ...]] = (
    ("percent_agreement", "percent"),
    ("brennan_prediger", "uniform"),
    ("fleiss_kappa", "fleiss"),
    ("conger_kappa", "conger"),
    ("gwet_ac1", "gwet"),
)


def agreement_table(
    annotations: pd.DataFrame,
    *,
    labels: Sequence[object] | None = None,
    n_categories: int | None = None,
    weights: Weights = None,
    confidence: float = 0.95,
    population: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    benchmark: str = "landis_koch",
    n_permutations: int = 0,
) -> pd.DataFrame:
    """One row per agreement coefficient of a long frame: ``coefficient`` (the public function's name),
    ``weights``, ``estimate``, ``se``, ``ci_low``, ``ci_high`` (a t interval with items - 1 degrees of freedom,
    capped at 1, as irrCAC), ``p_value`` (two-sided, of no agreement beyond chance), ``method``,
    ``se_no_agreement`` (the SE under no agreement: for the test only, too narrow for an interval) and
    ``no_agreement_method`` (its formula's authors, or ``permutation`` with ``n_permutations`` > 0 for the
    coefficients without one: each annotator's labels shuffled over their items,
    :mod:`labeleval.metrics.agreement_null`), ``p_no_agreement`` (the test of no agreement with it: z for a
    formula, the permutation test's p otherwise), ``items`` (with two or more judgments), ``raters``, ``pairs``
    (annotator pairs, for the pairwise coefficients) and ``note`` (why a figure is missing).

    Rows: percent agreement, Brennan-Prediger (also Bennett's S and Randolph's kappa), Fleiss' kappa (Scott's pi),
    Conger's kappa (Hubert's), Gwet's AC1 (AC2 when weighted), Krippendorff's alpha (nominal, or with the
    weights), Cohen's kappa when there are exactly two annotators, and Light's kappa (a bootstrap over items,
    ``n_boot`` resamples from ``seed``) when there are more. ``population`` is the number of items the frame is a
    sample of, for the finite-population correction of Gwet's variances. ``band`` is the band of ``benchmark``
    (``landis_koch``, ``altman``, ``fleiss``) the coefficient reaches with probability ``band_probability`` of at
    least 0.95 (Gwet's benchmarking, :func:`~labeleval.metrics.bands.agreement_bands`).

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [i for i in range(12) for _ in "ab"], "annotator_id": list("ab") * 12,
    ...                    "label": list("xxyyxyyyxxyyxxyyxyxxyyxx")})
    >>> table = le.agreement_table(df).set_index("coefficient")
    >>> row = table.loc["cohen_kappa"]
    >>> round(float(row["estimate"]), 3), round(float(row["se"]), 3), int(row["items"]), row["method"]
    (0.676, 0.198, 12, 'Gwet variance (general)')
    """
    if benchmark not in BENCHMARKS:
        raise SchemaError(invalid_option("benchmark", tuple(BENCHMARKS), benchmark))
    if not 0.5 <= confidence < 1.0:
        raise SchemaError(f"confidence must be between 0.5 and 1; got {confidence}")
    r = ratings(annotations, labels, n_categories, weights)
    q = r.q
    w = weights_or_identity(weights, q)
    name = weights_name(weights)
    pairable = int((r.m >= 2).sum())
    rows: list[dict[str, Any]] = []
    for coefficient, chance in FAMILY:
        if coefficient == "gwet_ac1" and name != "identity":
            coefficient = "gwet_ac2"
        result = fit(r, w, chance) if q >= 2 or chance == "percent" else None
        extra = {"se_no_agreement": fleiss_se_no_agreement(r)} if chance == "fleiss" and name == "identity" else {}
        rows.append(_gwet_row(coefficient, result, r, pairable, confidence, population, **extra))
    alpha = alpha_fit(r, w) if q >= 2 else None
    rows.append(_gwet_row("krippendorff_alpha", alpha, r, pairable, confidence, population))
    if r.n_raters == 2:
        rows.append(_cohen_row(r, w, confidence, population))
    elif r.n_raters > 2:
        rows.append(_light_row(r, name, confidence, n_boot, seed))
    table = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    table["weights"] = name
    _no_agreement(table, r, w, name, n_permutations, seed)
    table["pairs"] = table["pairs"].astype("Int64")
    readings = [
        band_reading(float(e), float(se), benchmark) for e, se in zip(table["estimate"], table["se"], strict=True)
    ]
    table["band"] = [None if x is None else x[0] for x in readings]
    table["band_probability"] = [np.nan if x is None else x[1] for x in readings]
    return table


#: the authors of each formula for the SE under no agreement
NULL_FORMULAS: Final = {"fleiss_kappa": "Fleiss, Nee & Landis (1979)", "cohen_kappa": "Fleiss, Cohen & Everitt (1969)"}


def _no_agreement(
    table: pd.DataFrame, r: Ratings, w: np.ndarray | None, name: str, n_permutations: int, seed: int
) -> None:
    """Name each SE under no agreement's method and give its p-value (the z test of the formula); with
    ``n_permutations``, fill the ones without a formula from a permutation null, with the permutation test's p
    (Light's kappa's too: the shuffle keeps each annotator's items, so its pairs stay the same pairs)."""
    formula = table["se_no_agreement"].notna()
    table["no_agreement_method"] = pd.Series(
        np.where(formula, table["coefficient"].map(NULL_FORMULAS), None), index=table.index, dtype=object
    )
    z = (table["estimate"] / table["se_no_agreement"]).abs().to_numpy(dtype=np.float64)
    table["p_no_agreement"] = [math.erfc(x / math.sqrt(2.0)) if np.isfinite(x) else np.nan for x in z]
    statistics = _null_statistics(w, name)
    wanted = table[~formula & table["estimate"].notna() & table["coefficient"].isin(list(statistics))]
    if n_permutations <= 0 or wanted.empty:
        return
    chosen = [
        (str(c), statistics[str(c)], float(e)) for c, e in zip(wanted["coefficient"], wanted["estimate"], strict=True)
    ]
    null = permutation_null(r, chosen, n_permutations, seed)
    table.loc[wanted.index, "se_no_agreement"] = [null[c][0] for c, _, _ in chosen]
    table.loc[wanted.index, "p_no_agreement"] = [null[c][1] for c, _, _ in chosen]
    table.loc[wanted.index, "no_agreement_method"] = f"permutation ({n_permutations})"


def _null_statistics(w: np.ndarray | None, name: str) -> dict[str, Callable[[Ratings], float]]:
    """Each coefficient the permutation null can fill, as a function of the shuffled Ratings."""

    def chance_corrected(chance: Chance) -> Callable[[Ratings], float]:
        return lambda null: fit(null, w, chance).value

    out = {coefficient: chance_corrected(chance) for coefficient, chance in FAMILY}
    out["gwet_ac2"] = chance_corrected("gwet")
    out["krippendorff_alpha"] = lambda null: alpha_fit(null, w).value
    if name in ("identity", "linear", "quadratic"):
        kind = None if name == "identity" else name
        out["light_kappa"] = lambda null: light_evidence(null.item, null.rater, null.label, kind)[0]
    return out


def t_interval(value: float, se: float, n: int, confidence: float) -> tuple[float, float, float]:
    """(low, high, two-sided p of zero) of a t statistic with n - 1 degrees of freedom, as irrCAC's."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    if not (np.isfinite(value) and np.isfinite(se) and n >= 2):
        return float("nan"), float("nan"), float("nan")
    half = float(stats.t.ppf(0.5 + confidence / 2.0, n - 1)) * se
    p = float(2.0 * stats.t.sf(abs(value) / se, n - 1)) if se > 0 else float(value == 0)
    return max(value - half, -1.0), min(value + half, 1.0), p


def _row(coefficient: str, r: Ratings, items: int, **figures: Any) -> dict[str, Any]:
    return {"coefficient": coefficient, "items": items, "raters": r.n_raters, "pairs": np.nan} | figures


def too_few_items(items: int, what: str = "with two or more judgments") -> str | None:
    """Why an agreement figure on ``items`` items is not shown (fewer than
    :data:`~labeleval.tuning.MIN_AGREEMENT_ITEMS`), or None."""
    if items >= MIN_AGREEMENT_ITEMS:
        return None
    return f"{items} item{'' if items == 1 else 's'} {what}; {MIN_AGREEMENT_ITEMS} needed"


def _too_few(coefficient: str, r: Ratings, items: int, method: str) -> dict[str, Any] | None:
    note = too_few_items(items)
    return None if note is None else _row(coefficient, r, items, method=method, note=note)


def _gwet_row(
    coefficient: str,
    result: Fit | None,
    r: Ratings,
    items: int,
    confidence: float,
    population: float | None,
    se_no_agreement: float = float("nan"),
) -> dict[str, Any]:
    thin = _too_few(coefficient, r, items, GWET)
    if thin is not None:
        return thin
    if result is None or not np.isfinite(result.value):
        return _row(coefficient, r, items, method=GWET, note="undefined: chance agreement is 1 or one category")
    se = result.se(population)
    low, high, p = t_interval(result.value, se, result.n_items, confidence)
    figures = {"estimate": result.value, "se": se, "ci_low": low, "ci_high": high, "p_value": p}
    return _row(coefficient, r, items, method=GWET, se_no_agreement=se_no_agreement, **figures)


def _cohen_row(r: Ratings, w: np.ndarray | None, confidence: float, population: float | None) -> dict[str, Any]:
    """Cohen's kappa of the two annotators on the items both rated, with the Fleiss-Cohen-Everitt variances."""
    q = r.q
    if q > HIT_MATRIX_MAX:
        return _row("cohen_kappa", r, 0, method=GWET, pairs=1, note=f"more than {HIT_MATRIX_MAX} categories")
    first = np.full(r.n.shape[0], -1)
    second = np.full(r.n.shape[0], -1)
    first[r.item[r.rater == 0]] = r.label[r.rater == 0]
    second[r.item[r.rater == 1]] = r.label[r.rater == 1]
    both = (first >= 0) & (second >= 0)
    table = np.bincount(first[both] * q + second[both], minlength=q * q).reshape(q, q)
    items = int(both.sum())
    thin = _too_few("cohen_kappa", r, items, GWET)
    if thin is not None:
        return thin | {"pairs": 1}
    result = cohen_fit(table, np.eye(q) if w is None else w, population)
    if not np.isfinite(result.value):
        return _row("cohen_kappa", r, items, method=GWET, pairs=1, note="undefined: chance agreement is 1")
    low, high, p = t_interval(result.value, result.se, items, confidence)
    figures = {"estimate": result.value, "se": result.se, "ci_low": low, "ci_high": high, "p_value": p}
    return _row("cohen_kappa", r, items, method=GWET, pairs=1, se_no_agreement=result.se_no_agreement, **figures)


def _light_row(r: Ratings, name: str, confidence: float, n_boot: int, seed: int) -> dict[str, Any]:
    """Light's kappa with a t interval from its jackknife SE over items (unweighted), or its bootstrap SE over
    items (weighted). Both cover better than the bootstrap's percentile interval, which held 90.8% for a 95%
    interval at 100 items (jackknife 94.5%, bootstrap SE 92.5%: benchmarks/coverage_agreement.py)."""
    if name not in ("identity", "linear", "quadratic"):
        return _row("light_kappa", r, 0, method="", note=f"Light's kappa takes no {name} weights")
    kind = None if name == "identity" else name
    value, pairs, covered = light_evidence(r.item, r.rater, r.label, kind)
    items = int((r.m >= 2).sum())
    jack = light_jackknife(r.item, r.rater, r.label, r.n.shape[0]) if kind is None else None
    method = "bootstrap SE over items (t interval)" if jack is None else "jackknife SE over items (t interval)"
    base = {"method": method, "pairs": pairs}
    if pairs == 0:
        return _row("light_kappa", r, items, **base, note=f"no two annotators share {LIGHT_MIN_OVERLAP} or more items")
    if covered < MIN_PAIR_COVERAGE * r.n_raters:
        note = (
            f"{pairs} annotator pair(s) share {LIGHT_MIN_OVERLAP}+ items, covering {covered} of {r.n_raters} "
            f"annotators; at least {MIN_PAIR_COVERAGE:.0%} needed"
        )
        return _row("light_kappa", r, items, **base, note=note)
    if jack is not None and np.isfinite(jack).all():
        n = len(jack)
        se = float(np.sqrt((n - 1.0) / n * ((jack - jack.mean()) ** 2).sum()))
    else:
        draws = light_resamples(r, kind, n_boot, seed)
        finite = draws[np.isfinite(draws)]
        if len(finite) < 2:
            return _row("light_kappa", r, items, **base, note="too few resamples where Light's kappa is defined")
        se = float(np.std(finite, ddof=1))
        base["method"] = "bootstrap SE over items (t interval)"
    low, high, p = t_interval(value, se, items, confidence)
    figures = {"estimate": value, "se": se, "ci_low": low, "ci_high": high, "p_value": p}
    return _row("light_kappa", r, items, **base, **figures)

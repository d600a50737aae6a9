"""Metrics per slice of the items (language, domain, difficulty ...).

``evaluate(project, by="language")`` scores every slice of the items on its own (the engine on the slice's
judgments, see :mod:`labeleval.analyses.subsets`) and fills three frames:

``slices``
    slice x vendor: every headline figure with its interval and counts. ``status`` says why a figure is
    missing: ``absent`` (the vendor labelled nothing in the slice), ``no gold`` or ``too few gold items``
    (fewer than ``min_gold_items`` gold items, default 20: the gold figures are left blank rather than
    shown as a number nobody should read).
``slice_comparisons``
    Each slice's paired vendor comparisons (the engine's columns, its ``p_adjusted`` within the slice), plus
    ``p_adjusted_slices``: the raw p-values adjusted by Holm's method over *every* slice, pair and metric
    together, and ``significant_across_slices``, so that looking in many slices does not manufacture a finding.
``slice_ranking``
    For every vendor pair, whether the ranking differs between slices: Gail & Simon's (1985) test for a
    *qualitative* interaction (the accuracy difference changes sign between slices), on the per-slice
    differences and their bootstrap standard errors; Holm over pairs. Cochran's Q (any heterogeneity of
    the difference, not only a flip) is reported beside it.
"""

from __future__ import annotations

import itertools
from statistics import NormalDist

import numpy as np
import pandas as pd

from labeleval.analyses.subsets import Scorer, score_quietly, subset
from labeleval.errors import LabelevalError
from labeleval.inference.stats import holm
from labeleval.io.dataset import Dataset

MISSING_SLICE = "(missing)"
MIN_GOLD_ITEMS = 20
#: figures measured on gold: blank when the slice has too few gold items
GOLD_FIGURES = ("accuracy", "consensus_accuracy", "usable_rate", "cost_per_usable_label", "cost_per_correct_item")
FIGURES = ("alpha", *GOLD_FIGURES)
SLICE_COLUMNS = (
    "by",
    "slice",
    "vendor",
    "status",
    "n_items",
    "n_judgments",
    "gold_items",
    *(f"{f}{s}" for f in FIGURES for s in ("", "_ci_low", "_ci_high")),
    "total_cost",
)
RANKING_COLUMNS = (
    "vendor_a",
    "vendor_b",
    "slices_compared",
    "a_ahead_in",
    "b_ahead_in",
    "q_plus",
    "q_minus",
    "p_value",
    "p_adjusted",
    "ranking_differs",
    "cochran_q",
    "heterogeneity_p",
    "test",
)


def slice_values(data: Dataset, by: str) -> pd.Series:
    """The slice of every item that was labelled (item metadata column ``by``; missing -> "(missing)")."""
    items = data.items
    if by not in items.columns:
        available = ", ".join(map(repr, items.columns)) or "none (declare [items] or [gold] metadata)"
        raise LabelevalError(f"no item metadata column {by!r} to slice by; the project's item metadata: {available}")
    labelled = pd.Index(pd.unique(data.annotations["item_id"]))
    values = items[by].reindex(labelled)
    return values.fillna(MISSING_SLICE).astype(str)


def _vendor_rows(
    by: str, value: str, report_summary: pd.DataFrame | None, vendors: list[str], min_gold: int
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    summary = report_summary.set_index("vendor") if report_summary is not None else None
    for vendor in vendors:
        row: dict[str, object] = dict.fromkeys(SLICE_COLUMNS, np.nan)
        row.update(by=by, slice=value, vendor=vendor)
        if summary is None or vendor not in summary.index:
            row.update(status="absent", n_items=0, n_judgments=0, gold_items=0)
            rows.append(row)
            continue
        s = summary.loc[vendor]
        for column in SLICE_COLUMNS[4:]:
            if column in s.index:
                row[column] = s[column]
        gold_items = int(s.get("gold_items", 0) or 0)
        if gold_items == 0:
            row["status"] = "no gold"
        elif gold_items < min_gold:
            row["status"] = f"too few gold items ({gold_items} < {min_gold})"
        else:
            row["status"] = "ok"
        if row["status"] != "ok":
            for figure in GOLD_FIGURES:
                for suffix in ("", "_ci_low", "_ci_high"):
                    row[f"{figure}{suffix}"] = np.nan
        rows.append(row)
    return rows


def slice_frames(
    data: Dataset,
    scorer: Scorer,
    by: str,
    *,
    confidence: float,
    min_gold_items: int = MIN_GOLD_ITEMS,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(``slices``, ``slice_comparisons``, ``slice_ranking``) for item metadata column ``by``."""
    values = slice_values(data, by)
    item_slice = data.annotations["item_id"].map(values).astype(str).to_numpy()
    vendors = [v.name for v in data.project.vendors]
    slice_rows: list[dict[str, object]] = []
    comparisons: list[pd.DataFrame] = []
    for value in sorted(pd.unique(values)):
        part = subset(data, item_slice == value)
        report = score_quietly(scorer, part.data) if part.data is not None else None
        rows = _vendor_rows(by, value, report.summary if report is not None else None, vendors, min_gold_items)
        slice_rows += rows
        if report is not None and len(report.comparisons):
            guarded = {str(r["vendor"]) for r in rows if r["status"] != "ok"}
            comp = report.comparisons.copy()
            blank = comp["metric"].isin(GOLD_FIGURES) & (
                comp["vendor_a"].isin(guarded) | comp["vendor_b"].isin(guarded)
            )
            comp.loc[blank, ["p_value", "ci_low", "ci_high"]] = np.nan
            comp.insert(0, "slice", value)
            comp.insert(0, "by", by)
            comparisons.append(comp)
    slices = pd.DataFrame(slice_rows, columns=list(SLICE_COLUMNS))
    comp_frame = pd.concat(comparisons, ignore_index=True) if comparisons else pd.DataFrame(columns=["by", "slice"])
    if len(comp_frame):
        comp_frame["p_adjusted_slices"] = holm(comp_frame["p_value"].to_numpy(dtype=np.float64))
        comp_frame["significant_across_slices"] = comp_frame["p_adjusted_slices"] < (1.0 - confidence)
    return slices, comp_frame, ranking_test(slices, vendors, confidence=confidence)


def gail_simon_p(differences: np.ndarray, ses: np.ndarray) -> tuple[float, float, float]:
    """Gail & Simon's (1985) test that differences change sign across strata: (Q+, Q-, p-value).

    ``Q- = sum (d/se)^2 over d > 0`` and ``Q+ = sum (d/se)^2 over d < 0``; the statistic ``min(Q+, Q-)`` has
    null distribution ``P(min > c) = sum_{i=1}^{k-1} Binomial(i; k-1, 1/2) P(chi2_i > c)``.
    """
    from scipy import stats  # imported here: scipy.stats is slow to import

    z2 = (differences / ses) ** 2
    q_minus = float(z2[differences > 0].sum())
    q_plus = float(z2[differences < 0].sum())
    k = len(differences)
    if k < 2:
        return q_plus, q_minus, float("nan")
    c = min(q_plus, q_minus)
    i = np.arange(1, k)
    p = float(np.sum(stats.binom.pmf(i, k - 1, 0.5) * stats.chi2.sf(c, i))) if c > 0 else 1.0
    return q_plus, q_minus, min(p, 1.0)


def ranking_test(slices: pd.DataFrame, vendors: list[str], *, confidence: float) -> pd.DataFrame:
    """Does the accuracy ranking of two vendors differ between slices? One row per vendor pair."""
    from scipy import stats  # imported here: scipy.stats is slow to import

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    ok = slices[slices["status"] == "ok"].set_index(["slice", "vendor"]) if len(slices) else slices
    rows = []
    for a, b in itertools.combinations(vendors, 2):
        diffs: list[float] = []
        ses: list[float] = []
        a_ahead: list[str] = []
        b_ahead: list[str] = []
        for value in sorted(pd.unique(slices["slice"])) if len(slices) else []:
            if (value, a) not in ok.index or (value, b) not in ok.index:
                continue
            ra, rb = ok.loc[(value, a)], ok.loc[(value, b)]
            se = np.hypot(
                (ra["accuracy_ci_high"] - ra["accuracy_ci_low"]) / (2 * z),
                (rb["accuracy_ci_high"] - rb["accuracy_ci_low"]) / (2 * z),
            )  # slices share no items; the vendors' bootstrap intervals within a slice are treated as independent
            d = float(ra["accuracy"] - rb["accuracy"])
            if not (np.isfinite(se) and se > 0 and np.isfinite(d)):
                continue
            diffs.append(d)
            ses.append(float(se))
            (a_ahead if d > 0 else b_ahead if d < 0 else []).append(str(value))
        row: dict[str, object] = dict.fromkeys(RANKING_COLUMNS, np.nan)
        row.update(
            vendor_a=a,
            vendor_b=b,
            slices_compared=len(diffs),
            a_ahead_in=", ".join(a_ahead),
            b_ahead_in=", ".join(b_ahead),
        )
        row["test"] = "Gail-Simon qualitative interaction on accuracy differences (bootstrap SEs); Cochran's Q"
        if len(diffs) >= 2:
            d_arr, s_arr = np.asarray(diffs), np.asarray(ses)
            q_plus, q_minus, p = gail_simon_p(d_arr, s_arr)
            w = 1 / s_arr**2
            pooled = float(np.sum(w * d_arr) / np.sum(w))
            q = float(np.sum(w * (d_arr - pooled) ** 2))
            row.update(
                q_plus=q_plus,
                q_minus=q_minus,
                p_value=p,
                cochran_q=q,
                heterogeneity_p=float(stats.chi2.sf(q, len(d_arr) - 1)),
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(RANKING_COLUMNS))
    frame["p_adjusted"] = holm(frame["p_value"].to_numpy(dtype=np.float64))
    frame["ranking_differs"] = frame["p_adjusted"] < (1.0 - confidence)
    return frame

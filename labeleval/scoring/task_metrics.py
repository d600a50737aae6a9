"""Metrics that belong to one task kind (``Report.task_metrics``) and per-annotator extras.

- **pairwise**: agreement with and without ties, tie rate, accuracy against gold preferences with and
  without ties, position bias (share of decisive judgments that pick the response shown first, with an
  exact binomial test against 1/2), and agreement by stated preference strength.
- **ordinal**: alpha at the interval level, Gwet's AC2 (linear, quadratic), pairwise quadratic-weighted
  kappa (mean over annotator pairs sharing 10+ items), within-one agreement, mean absolute error against gold
  for judgments and for the median consensus, and the one-way ICC.
- **interval / ratio**: alpha at the interval and ratio levels, the ICC (all six Shrout-Fleiss forms when
  every annotator rated every item, else the one-way ICC1 and ICC1k), MAE and RMSE against gold for
  judgments and for the mean consensus.

Per annotator: tie rate, share choosing the first-shown response and its binomial p-value (pairwise);
leniency, the mean offset of the annotator's ratings from gold (on gold items) or from the item's
consensus, with a normal-approximation interval (ordinal: in scale steps; numeric: in the scale's units).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from statistics import NormalDist
from typing import Protocol

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.errors import UndefinedMetricWarning
from labeleval.inference.stats import binomial_two_sided, wilson_interval
from labeleval.metrics.agreement import (
    agreement_item_stats,
    alpha_from_counts,
    light_from_codes,
    one_vs_rest_alpha,
    pair_statistics,
    percent_from_totals,
)
from labeleval.metrics.ordinal import ac2_from_counts, agreement_weights, icc_from_matrix, within_one_from_counts
from labeleval.metrics.preference import TIE, agreement_without_ties, position_choices
from labeleval.metrics.sets import dice_rows, jaccard_matrix, masi_matrix
from labeleval.scoring.annotators import leave_one_out_agreement


class ScaleKind(Protocol):
    """What these metrics read of a task kind (:class:`labeleval.scoring.kinds.Kind` has it)."""

    @property
    def name(self) -> str: ...

    @property
    def numeric(self) -> bool: ...

    @property
    def values(self) -> np.ndarray: ...


class SetKind(Protocol):
    """What the multi-label metrics read of their kind: each category's label set as a bit row."""

    @property
    def bits(self) -> np.ndarray: ...


class MetricsKind(Protocol):
    """A task kind's own rows of ``Report.task_metrics`` and per-annotator extras."""

    def vendor_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> list[dict[str, object]]: ...

    def annotator_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> pd.DataFrame | None: ...


COLUMNS = ("vendor", "metric", "value", "ci_low", "ci_high", "n", "p_value", "note")


@dataclass
class VendorData:
    """One vendor's judgments as codes (every array is per judgment unless named per item)."""

    name: str
    counts: np.ndarray | sparse.csr_array  # items x K (global item index); CSR cells only for numeric kinds
    item_codes: np.ndarray
    label_codes: np.ndarray
    keys: np.ndarray  # annotator keys
    consensus_value: np.ndarray  # per item
    shown_first: np.ndarray | None  # per judgment: A, B codes or -1
    strength: np.ndarray | None  # per judgment: text or None


def _row(
    vendor: str,
    metric: str,
    value: float,
    n: int,
    low: float = np.nan,
    high: float = np.nan,
    p: float = np.nan,
    note: str = "",
) -> dict[str, object]:
    return {
        "vendor": vendor,
        "metric": metric,
        "value": float(value),
        "ci_low": float(low),
        "ci_high": float(high),
        "n": int(n),
        "p_value": float(p),
        "note": note,
    }


def task_metrics(
    kind: MetricsKind, vendors: list[VendorData], gold_code: np.ndarray, confidence: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``Report.task_metrics``, per-annotator extras keyed by annotator key): what the kind reports of
    each vendor (:meth:`labeleval.scoring.kinds.Kind.vendor_metrics`) and of each annotator."""
    rows: list[dict[str, object]] = []
    extras: list[pd.DataFrame] = []
    with warnings.catch_warnings():  # a metric undefined for a vendor is NaN in the frame
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for v in vendors:
            rows += kind.vendor_metrics(v, gold_code, confidence)
            extra = kind.annotator_metrics(v, gold_code, confidence)
            if extra is not None:
                extras.append(extra)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    extra = pd.concat(extras, ignore_index=True) if extras else pd.DataFrame({"key": pd.Series(dtype=np.int64)})
    return frame, extra


def _share_row(
    vendor: str, metric: str, hits: np.ndarray, scored: np.ndarray, confidence: float, p: float = np.nan, note: str = ""
) -> dict[str, object]:
    """A share (hits among the scored judgments) with its Wilson interval."""
    k, n = int((hits & scored).sum()), int(scored.sum())
    low, high = wilson_interval(np.array([k]), np.array([n]), confidence)
    return _row(vendor, metric, k / n if n else np.nan, n, low[0], high[0], p, note)


# ------------------------------------------------------------------------------------------ pairwise
def pairwise_metrics(v: VendorData, gold_code: np.ndarray, confidence: float) -> list[dict[str, object]]:
    out = []
    m = v.counts.sum(axis=1)
    n_items = int((m >= 2).sum())
    with_ties = float(percent_from_totals(agreement_item_stats(v.counts).sum(axis=0)[None, :], 3)[0])
    out.append(_row(v.name, "agreement_with_ties", with_ties, n_items, note="share of agreeing judgment pairs"))
    out.append(
        _row(
            v.name,
            "agreement_without_ties",
            agreement_without_ties(v.counts),
            n_items,
            note="pairs where neither judgment is a tie (MT-Bench's convention)",
        )
    )
    is_tie = v.label_codes == TIE
    out.append(_share_row(v.name, "tie_rate", is_tie, np.ones_like(is_tie), confidence))
    gold = gold_code[v.item_codes]
    on_gold = gold >= 0
    out.append(
        _share_row(
            v.name,
            "accuracy_with_ties",
            v.label_codes == gold,
            on_gold,
            confidence,
            note="a tie is right only when gold is a tie",
        )
    )
    decisive = on_gold & (gold != TIE) & ~is_tie
    out.append(
        _share_row(
            v.name,
            "accuracy_without_ties",
            v.label_codes == gold,
            decisive,
            confidence,
            note="non-tie judgments on items whose gold is not a tie",
        )
    )
    if v.shown_first is not None:
        first, known = position_choices(v.label_codes, v.shown_first)
        k, n = int(first.sum()), int(known.sum())
        out.append(
            _share_row(
                v.name,
                "chose_first_shown",
                first,
                known,
                confidence,
                p=binomial_two_sided(k, n),
                note="position bias: 50% means none; exact binomial test",
            )
        )
    if v.strength is not None:
        agrees, comparable = leave_one_out_agreement(v.counts[v.item_codes], v.label_codes)
        strength = pd.Series(v.strength, dtype="object")
        for level in sorted(strength.dropna().unique(), key=str):
            mine = (strength == level).to_numpy() & comparable
            if mine.any():
                out.append(
                    _row(
                        v.name,
                        f"agreement_at_strength={level}",
                        agrees[mine].mean(),
                        int(mine.sum()),
                        note="share agreeing with the majority of the other annotators",
                    )
                )
    return out


def pairwise_annotators(v: VendorData) -> pd.DataFrame:
    n_keys = int(v.keys.max()) + 1 if len(v.keys) else 0
    counts = np.bincount(v.keys, minlength=n_keys)
    present = counts > 0
    ties = np.bincount(v.keys, weights=v.label_codes == TIE, minlength=n_keys)
    frame = pd.DataFrame({"key": np.flatnonzero(present), "tie_rate": (ties / np.maximum(counts, 1))[present]})
    if v.shown_first is not None:
        first, known = position_choices(v.label_codes, v.shown_first)
        k = np.bincount(v.keys, weights=first, minlength=n_keys).astype(np.int64)
        n = np.bincount(v.keys, weights=known, minlength=n_keys).astype(np.int64)
        frame["chose_first_shown"] = np.where(n > 0, k / np.maximum(n, 1), np.nan)[present]
        frame["position_p_value"] = [
            binomial_two_sided(int(a), int(b)) for a, b in zip(k[present], n[present], strict=True)
        ]
    return frame


# -------------------------------------------------------------------------------------- multilabel
def _pair_mean(counts: np.ndarray, similarity: np.ndarray) -> float:
    """Mean over items with 2+ judgments of the mean similarity of their judgment pairs."""
    nf = counts.astype(np.float64)
    m = nf.sum(axis=1)
    ok = m >= 2
    if not ok.any():
        return float("nan")
    pairs = ((nf @ similarity) * nf).sum(axis=1) - nf @ np.diag(similarity)
    return float(np.mean(pairs[ok] / (m[ok] * (m[ok] - 1))))


def _alpha_with_distance(counts: np.ndarray, distance: np.ndarray) -> float:
    """Krippendorff's alpha with an arbitrary distance between categories (here MASI, as NLTK's
    AnnotationTask offers)."""
    nf = counts[counts.sum(axis=1) >= 2].astype(np.float64)
    if len(nf) == 0:
        return float("nan")
    m = nf.sum(axis=1)
    observed = (((nf @ distance) * nf).sum(axis=1) / (m - 1)).sum()
    nc = nf.sum(axis=0)
    expected = nc @ distance @ nc
    return float(1.0 - (nc.sum() - 1.0) * observed / expected) if expected > 0 else float("nan")


def multilabel_metrics(kind: SetKind, v: VendorData, gold_code: np.ndarray) -> list[dict[str, object]]:
    out = []
    m = v.counts.sum(axis=1)
    pairable = int((m >= 2).sum())
    bits = kind.bits
    present = v.counts @ bits.astype(np.int64)  # items x labels
    per_label = [one_vs_rest_alpha(present[:, j], m) for j in range(bits.shape[1])]
    out.append(
        _row(
            v.name,
            "alpha_per_label_macro",
            float(np.nanmean(per_label)) if np.isfinite(per_label).any() else np.nan,  # no label has an alpha: NaN
            pairable,
            note="mean over labels of the present/absent alpha",
        )
    )
    for name, similarity in (("masi", masi_matrix(bits, bits)), ("jaccard", jaccard_matrix(bits, bits))):
        out.append(
            _row(
                v.name,
                f"{name}_agreement",
                _pair_mean(v.counts, similarity),
                pairable,
                note=f"mean over judgment pairs of 1 - {name.upper() if name == 'masi' else 'Jaccard'} distance",
            )
        )
    out.append(
        _row(
            v.name,
            "alpha_masi",
            _alpha_with_distance(v.counts, 1.0 - masi_matrix(bits, bits)),
            pairable,
            note="Krippendorff's alpha with the MASI distance",
        )
    )
    gold = gold_code[v.item_codes]
    on_gold = gold >= 0
    if on_gold.any():
        given = bits[v.label_codes[on_gold]]
        truth = bits[gold[on_gold]]
        f1 = dice_rows(given, truth)
        out.append(
            _row(
                v.name,
                "example_based_f1",
                float(f1.mean()),
                int(on_gold.sum()),
                note="mean over judgments on gold items of 2|Y∩Ŷ|/(|Y|+|Ŷ|)",
            )
        )
        out.append(
            _row(
                v.name,
                "exact_set_accuracy",
                float((v.label_codes[on_gold] == gold[on_gold]).mean()),
                int(on_gold.sum()),
            )
        )
    out.append(_row(v.name, "labels_per_judgment", float(bits[v.label_codes].sum(axis=1).mean()), len(v.label_codes)))
    return out


# ------------------------------------------------------------------------------- ordinal and numeric
def scale_metrics(kind: ScaleKind, v: VendorData, gold_code: np.ndarray) -> list[dict[str, object]]:
    out = []
    values = kind.values
    m = v.counts.sum(axis=1)
    pairable = int((m >= 2).sum())
    spacing = np.arange(len(values), dtype=np.float64)
    if kind.name == "ordinal":
        out.append(
            _row(
                v.name,
                "alpha_interval",
                alpha_from_counts(v.counts, level="interval", values=spacing),
                pairable,
                note="scale points equally spaced",
            )
        )
        for weights in ("linear", "quadratic"):
            ac2, _, _ = ac2_from_counts(v.counts, agreement_weights(len(values), weights))
            out.append(_row(v.name, f"gwet_ac2_{weights}", ac2, pairable))
        pairs = len(pair_statistics(v.item_codes, v.keys, v.label_codes)[2])
        out.append(
            _row(
                v.name,
                "weighted_kappa_quadratic",
                light_from_codes(v.item_codes, v.keys, v.label_codes, weights="quadratic"),
                pairs,
                note="mean over annotator pairs sharing 10+ items",
            )
        )
        out.append(_row(v.name, "within_one_agreement", within_one_from_counts(v.counts), pairable))
    else:
        out.append(
            _row(v.name, "alpha_interval", alpha_from_counts(v.counts, level="interval", values=values), pairable)
        )
        if (values >= 0).all():
            out.append(_row(v.name, "alpha_ratio", alpha_from_counts(v.counts, level="ratio", values=values), pairable))
    out += _icc_rows(kind, v)
    gold = gold_code[v.item_codes]
    on_gold = gold >= 0
    if on_gold.any():
        error = values[v.label_codes[on_gold]] - values[gold[on_gold]]
        unit = "scale steps" if kind.name == "ordinal" else "scale units"
        out.append(_row(v.name, "mae_vs_gold", np.abs(error).mean(), int(on_gold.sum()), note=unit))
        if kind.numeric:
            out.append(_row(v.name, "rmse_vs_gold", np.sqrt((error**2).mean()), int(on_gold.sum()), note=unit))
        items = (gold_code >= 0) & (m > 0)
        c_error = v.consensus_value[items] - values[gold_code[items]]
        name = "median" if kind.name == "ordinal" else "mean"
        out.append(_row(v.name, f"consensus_mae_vs_gold ({name})", np.abs(c_error).mean(), int(items.sum()), note=unit))
        if kind.numeric:
            out.append(
                _row(
                    v.name,
                    f"consensus_rmse_vs_gold ({name})",
                    np.sqrt((c_error**2).mean()),
                    int(items.sum()),
                    note=unit,
                )
            )
    return out


def _icc_rows(kind: ScaleKind, v: VendorData) -> list[dict[str, object]]:
    """All six forms when every annotator rated every item (crossed design), else the one-way forms on the
    items with the most common number of ratings, their first k ratings (different raters per item)."""
    values = kind.values if kind.numeric else np.arange(len(kind.values), dtype=np.float64)
    frame = pd.DataFrame({"i": v.item_codes, "a": v.keys, "v": values[v.label_codes]})
    annotators = frame["a"].nunique()
    per_item = frame.groupby("i").size()
    crossed = annotators >= 2 and bool((per_item == annotators).all()) and not frame.duplicated(["i", "a"]).any()
    if crossed:
        matrix = frame.pivot(index="i", columns="a", values="v").to_numpy(dtype=np.float64)
        forms = None
        note = "crossed design: every annotator rated every item"
    else:
        k = int(per_item.mode().iloc[0]) if len(per_item) else 0
        if k < 2:
            return []
        keep = per_item.index[per_item >= k]
        sub = frame[frame["i"].isin(keep)].sort_values(["i", "a"], kind="stable")
        sub = sub.groupby("i").head(k)
        matrix = sub["v"].to_numpy(dtype=np.float64).reshape(-1, k)
        forms = ("ICC1", "ICC1k")
        note = f"one-way: different raters per item; first {k} ratings of {len(keep)} items"
    if matrix.shape[0] < 2:
        return []
    table = icc_from_matrix(matrix)
    rows = []
    for r in table.itertuples(index=False):
        if forms is None or r.form in forms:
            rows.append(_row(v.name, str(r.form), r.icc, matrix.shape[0], r.ci_low, r.ci_high, note=note))
    return rows


def leniency(kind: ScaleKind, v: VendorData, gold_code: np.ndarray, confidence: float) -> pd.DataFrame:
    values = kind.values if kind.numeric else np.arange(len(kind.values), dtype=np.float64)
    rating = values[v.label_codes]
    gold = gold_code[v.item_codes]
    consensus = v.consensus_value[v.item_codes]
    if not kind.numeric:  # the consensus value of an ordinal scale is already a position
        consensus = consensus.astype(np.float64)
    reference = np.where(gold >= 0, values[np.maximum(gold, 0)], consensus)
    offset = rating - reference
    ok = np.isfinite(offset)
    n_keys = int(v.keys.max()) + 1 if len(v.keys) else 0
    n = np.bincount(v.keys[ok], minlength=n_keys)
    total = np.bincount(v.keys[ok], weights=offset[ok], minlength=n_keys)
    squares = np.bincount(v.keys[ok], weights=offset[ok] ** 2, minlength=n_keys)
    present = n > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        var = (squares - n * mean**2) / np.maximum(n - 1, 1)
        half = NormalDist().inv_cdf(0.5 + confidence / 2) * np.sqrt(np.maximum(var, 0) / n)
    return pd.DataFrame(
        {
            "key": np.flatnonzero(present),
            "leniency": mean[present],
            "leniency_ci_low": (mean - half)[present],
            "leniency_ci_high": (mean + half)[present],
        }
    )

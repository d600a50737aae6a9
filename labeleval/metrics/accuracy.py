"""Accuracy against gold: per judgment, per class, per annotator, and of consensus labels.

Composed from a gold x label confusion matrix built with ``np.bincount`` (scikit-learn's approach);
precision, recall and F1 of a class with no support or no predictions are NaN (with a warning from the
public functions), and macro-F1 averages the classes where F1 is defined.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from labeleval.errors import SchemaError, UndefinedMetricWarning
from labeleval.metrics.counts import check_frame, label_codes


def confusion_from_codes(gold_codes: np.ndarray, label_codes_: np.ndarray, k: int) -> np.ndarray:
    """K x K counts: rows gold, columns given label (pairs with a negative code are skipped)."""
    ok = (gold_codes >= 0) & (label_codes_ >= 0)
    return np.bincount(gold_codes[ok] * k + label_codes_[ok], minlength=k * k).reshape(k, k)


def per_class_from_confusion(confusion: np.ndarray) -> pd.DataFrame:
    """Precision, recall, F1 and support per class (rows of the result follow the confusion's order)."""
    c = confusion.astype(np.float64)
    return per_class_from_totals(tp=np.diag(c), predicted=c.sum(axis=0), support=c.sum(axis=1))


def per_class_from_totals(*, tp: np.ndarray, predicted: np.ndarray, support: np.ndarray) -> pd.DataFrame:
    """:func:`per_class_from_confusion` from the confusion's diagonal and margins (no K x K matrix)."""
    tp, predicted, support = (np.asarray(a, dtype=np.float64) for a in (tp, predicted, support))
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / predicted, np.nan)
        recall = np.where(support > 0, tp / support, np.nan)
        f1 = np.where(
            (precision + recall) > 0,
            2 * precision * recall / (precision + recall),
            np.where(support > 0, 0.0, np.nan),
        )
    return pd.DataFrame(
        {
            "support": support.astype(np.int64),
            "predicted": predicted.astype(np.int64),
            "precision": precision,
            "recall": recall,
            "f1": f1,
        }
    )


def _gold_codes(
    annotations: pd.DataFrame, gold: pd.Series, labels: Sequence[object] | None
) -> tuple[np.ndarray, np.ndarray, list[object]]:
    check_frame(annotations)
    if not isinstance(gold, pd.Series):
        raise SchemaError("gold must be a pandas Series of gold labels indexed by item_id")
    frame = annotations.loc[annotations["label"].notna()]
    if labels is None:
        values = pd.concat([frame["label"].astype(object), gold.astype(object)], ignore_index=True)
        _, cats = label_codes(values)
    else:
        cats = list(labels)
    codes, _ = label_codes(frame["label"].astype(object), cats)
    gold_codes, _ = label_codes(gold.dropna().astype(object), cats)
    lookup = pd.Series(gold_codes, index=gold.dropna().index.astype("str"))
    if lookup.index.has_duplicates:
        raise SchemaError("gold gives an item more than once")
    row_gold = lookup.reindex(frame["item_id"].astype("str").to_numpy()).fillna(-1).to_numpy(dtype=np.int64)
    return row_gold, codes, cats


def accuracy(annotations: pd.DataFrame, gold: pd.Series, *, labels: Sequence[object] | None = None) -> float:
    """Share of judgments on gold items that equal the gold label.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 2], "annotator_id": list("aba"), "label": ["x", "y", "y"]})
    >>> le.accuracy(df, pd.Series({1: "x", 2: "y"}))
    0.6666666666666666
    """
    row_gold, codes, _ = _gold_codes(annotations, gold, labels)
    scored = row_gold >= 0
    if not scored.any():
        warnings.warn("no judgment is on a gold item; accuracy is NaN", UndefinedMetricWarning, stacklevel=2)
        return float("nan")
    return float(np.mean(codes[scored] == row_gold[scored]))


def confusion_matrix(
    annotations: pd.DataFrame, gold: pd.Series, *, labels: Sequence[object] | None = None
) -> pd.DataFrame:
    """Gold x given-label counts over judgments on gold items, as a labelled frame."""
    row_gold, codes, cats = _gold_codes(annotations, gold, labels)
    matrix = confusion_from_codes(row_gold, codes, len(cats))
    names = [str(c) for c in cats]
    return pd.DataFrame(matrix, index=pd.Index(names, name="gold"), columns=pd.Index(names, name="label"))


def per_class(annotations: pd.DataFrame, gold: pd.Series, *, labels: Sequence[object] | None = None) -> pd.DataFrame:
    """Per-class precision, recall, F1 and support of judgments against gold."""
    table = confusion_matrix(annotations, gold, labels=labels)
    out = per_class_from_confusion(table.to_numpy())
    out.insert(0, "label", list(table.index))
    return out


def macro_f1(annotations: pd.DataFrame, gold: pd.Series, *, labels: Sequence[object] | None = None) -> float:
    """Unweighted mean of per-class F1 over classes with gold support."""
    table = per_class(annotations, gold, labels=labels)
    f1 = table.loc[table["support"] > 0, "f1"]
    return float(f1.mean()) if len(f1) else float("nan")

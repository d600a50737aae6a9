"""Per-class frames: the confusion matrix against gold, per-class (or, for multi-label tasks, per-label)
precision, recall, F1, share of judgments and one-vs-rest alpha.

Single-label kinds with classes give precision, recall and F1 their intervals (two-way, as the headline
figures', :mod:`.class_ratios`); multi-label tasks' per-label figures have none.

With many labels (more than :data:`~labeleval.tuning.CONFUSION_GRID_MAX`) nothing here is K x K: per-class counts come
from the judgments' codes, each class's one-vs-rest alpha from the non-zero count cells (one pass for every class),
and the confusion frame lists only the (gold, given) pairs that occur instead of every cell of the grid.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from labeleval.metrics.accuracy import confusion_from_codes, per_class_from_totals
from labeleval.metrics.agreement import one_vs_rest_alpha, one_vs_rest_alphas
from labeleval.scoring.class_ratios import CLASS_METRICS, ClassEstimates
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.kinds import MultilabelKind
from labeleval.tuning import CONFUSION_GRID_MAX

PER_CLASS_COLUMNS = (
    "vendor",
    "label",
    "support",
    "predicted",
    "precision",
    "precision_ci_low",
    "precision_ci_high",
    "recall",
    "recall_ci_low",
    "recall_ci_high",
    "f1",
    "f1_ci_low",
    "f1_ci_high",
    "share_of_judgments",
    "class_alpha",
)


def vendor_confusion(enc: Encoded, batch: VendorBatch) -> np.ndarray:
    """K x K counts of (gold label, given label) over the vendor's judgments on gold items."""
    return confusion_from_codes(enc.gold_code[enc.item_codes[batch.rows]], enc.label_codes[batch.rows], enc.k)


def class_table(enc: Encoded, batch: VendorBatch) -> pd.DataFrame:
    """Support, predicted, precision, recall and F1 per class of the vendor's judgments on gold items: the
    confusion matrix's diagonal and margins, counted from the codes (no K x K matrix)."""
    gold = enc.gold_code[enc.item_codes[batch.rows]]
    given = enc.label_codes[batch.rows]
    ok = (gold >= 0) & (given >= 0)
    return per_class_from_totals(
        tp=np.bincount(given[ok & (given == gold)], minlength=enc.k),
        predicted=np.bincount(given[ok], minlength=enc.k),
        support=np.bincount(gold[ok], minlength=enc.k),
    )


def per_class(enc: Encoded, batches: list[VendorBatch], estimates: ClassEstimates | None = None) -> pd.DataFrame:
    """vendor x label; empty for numeric kinds (a continuous scale has no classes). The intervals come from
    ``estimates`` (:func:`labeleval.scoring.class_ratios.class_estimates`); NaN without them."""
    if isinstance(enc.kind, MultilabelKind):
        frame = pd.concat([_per_label(enc, enc.kind, b) for b in batches], ignore_index=True)
        return frame.reindex(columns=list(PER_CLASS_COLUMNS))
    if not enc.kind.has_classes:
        return pd.DataFrame(columns=list(PER_CLASS_COLUMNS))
    frames = []
    for b in batches:
        table = class_table(enc, b)
        table.insert(0, "label", enc.labels)
        table.insert(0, "vendor", b.name)
        per_label = np.asarray(b.store.matrix.sum(axis=0)).reshape(enc.k)
        table["share_of_judgments"] = per_label / max(b.n_judgments, 1)
        # every class at once, from the non-zero cells (made here, not cached on the batch: 0.5 GB held at 1e8)
        table["class_alpha"] = one_vs_rest_alphas(b.store.cells(), b.m)
        for metric in CLASS_METRICS:
            ratios = [estimates.get(b.name, metric, label) if estimates else None for label in enc.labels]
            table[f"{metric}_ci_low"] = [r.low if r is not None else np.nan for r in ratios]
            table[f"{metric}_ci_high"] = [r.high if r is not None else np.nan for r in ratios]
        frames.append(table.reindex(columns=list(PER_CLASS_COLUMNS)))
    return pd.concat(frames, ignore_index=True)


def _per_label(enc: Encoded, kind: MultilabelKind, b: VendorBatch) -> pd.DataFrame:
    """Multilabel: precision, recall and F1 of each declared label over judgments on gold items, and its
    present/absent alpha."""
    bits = kind.bits
    row_gold = enc.gold_code[enc.item_codes[b.rows]]
    on_gold = row_gold >= 0
    given = bits[enc.label_codes[b.rows]]
    truth = bits[np.maximum(row_gold, 0)] & on_gold[:, None]
    given_gold = given & on_gold[:, None]
    tp = (given_gold & truth).sum(axis=0)
    predicted = given_gold.sum(axis=0)
    support = truth.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tp / predicted, np.nan)
        recall = np.where(support > 0, tp / support, np.nan)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), np.nan)
    present = b.counts @ bits.astype(np.int64)  # items x labels
    return pd.DataFrame(
        {
            "vendor": b.name,
            "label": list(kind.vocabulary),
            "support": support,
            "predicted": predicted,
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "share_of_judgments": given.mean(axis=0) if len(given) else np.nan,
            "class_alpha": [one_vs_rest_alpha(present[:, j], b.m) for j in range(bits.shape[1])],
        }
    )


def confusion(enc: Encoded, batches: list[VendorBatch]) -> pd.DataFrame:
    """vendor x gold label x given label counts (kinds with classes only)."""
    if not enc.kind.has_classes:
        return pd.DataFrame(columns=["vendor", "gold_label", "label", "count"])
    if enc.k > CONFUSION_GRID_MAX:
        return _confusion_pairs(enc, batches)
    gold_idx, label_idx = np.meshgrid(np.arange(enc.k), np.arange(enc.k), indexing="ij")
    labels = np.asarray(enc.labels)
    frames = [
        pd.DataFrame(
            {
                "vendor": b.name,
                "gold_label": labels[gold_idx.ravel()],
                "label": labels[label_idx.ravel()],
                "count": vendor_confusion(enc, b).ravel(),
            }
        )
        for b in batches
    ]
    return pd.concat(frames, ignore_index=True)


def _confusion_pairs(enc: Encoded, batches: list[VendorBatch]) -> pd.DataFrame:
    """The confusion frame with only the (gold, given) pairs that occur, by gold then given label order."""
    labels = np.asarray(enc.labels)
    frames = []
    for b in batches:
        gold = enc.gold_code[enc.item_codes[b.rows]]
        given = enc.label_codes[b.rows]
        ok = (gold >= 0) & (given >= 0)
        pairs, count = np.unique(gold[ok].astype(np.int64) * enc.k + given[ok], return_counts=True)
        frames.append(
            pd.DataFrame(
                {
                    "vendor": b.name,
                    "gold_label": labels[pairs // enc.k],
                    "label": labels[pairs % enc.k],
                    "count": count.astype(np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)

"""Per-class recall, precision and F1 against gold as ratios, with the two-way intervals of the headline figures.

For class ``c`` every judgment on a gold item contributes ``x = [given c and gold c]`` and

- recall: ``s = [gold c]``; precision: ``s = [given c]``;
- F1: ``s = ([gold c] + [given c]) / 2``, since ``F1 = 2 TP / (support + predicted)`` is a ratio of sums too.

So each is a ratio ``sum(x) / sum(s)`` like accuracy, and gets its interval from the same place
(:func:`labeleval.scoring.uncertainty.resample_ratios`): item resamples, annotator resamples scaled to the
annotator variance beyond judgment noise, a Satterthwaite t, and a Wilson interval on the effective sample size.
The item resamples are the Poisson bootstrap of :mod:`labeleval.inference.stats` over the gold items (the only
items that contribute), shared by every vendor so that differences are paired; the annotator resamples are the
evaluation's own (the same stream as the headline ratios').

Memory: per vendor, a sparse gold items x 3K matrix of per-item sums (``X``, recall's ``S``, precision's ``S``
of each class; non-zero cells only: at most twice the vendor's gold (item, label) cells plus one per item) and
dense annotators x K sums; nothing per judgment is kept beyond one pass of
:data:`~labeleval.tuning.RATIO_ROWS_PER_PASS` rows. Above :data:`~labeleval.tuning.CLASS_INTERVALS_MAX` classes the
figures have no intervals (``reason`` says so): the resamples grow with the number of classes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from labeleval.inference.blocks import assignment, unit_blocks
from labeleval.inference.stats import weight_blocks
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.settings import Settings
from labeleval.scoring.uncertainty import RatioEstimate, RatioSums, resample_ratios
from labeleval.tuning import CLASS_INTERVALS_MAX, MAX_UNITS, N_BLOCKS, RATIO_ROWS_PER_PASS

CLASS_METRICS = ("recall", "precision", "f1")
COMPARED_METRICS = ("recall", "precision")  # F1 is a function of the two: not a third test per class
DENSE_COLUMNS = 2048  # up to this many columns a block of 8,192 rows is resampled dense (128 MB at most)


@dataclass(frozen=True)
class ClassEstimates:
    """Per-class ratios by (vendor, metric, label) and, on the items shared with another vendor where that is a
    smaller set, (vendor, metric, label, other vendor); ``reason`` says why there are none (empty when there are)."""

    ratios: Mapping[tuple[str, ...], RatioEstimate] = field(default_factory=dict)
    reason: str = ""

    def get(self, vendor: str, metric: str, label: str, other: str | None = None) -> RatioEstimate | None:
        if other is not None and (vendor, metric, label, other) in self.ratios:
            return self.ratios[(vendor, metric, label, other)]
        return self.ratios.get((vendor, metric, label))


def class_estimates(enc: Encoded, batches: list[VendorBatch], settings: Settings) -> ClassEstimates:
    """Every vendor's per-class recall, precision and F1 with intervals (kinds with classes, up to
    ``CLASS_INTERVALS_MAX`` classes); on shared items too where a vendor's gold items differ from another's."""
    if not enc.kind.has_classes:
        return ClassEstimates(reason="the task has no classes")
    if enc.k > CLASS_INTERVALS_MAX:
        return ClassEstimates(reason=f"more than {CLASS_INTERVALS_MAX} classes: per-class intervals are not computed")
    gold_items = np.flatnonzero(enc.has_gold)
    if not len(gold_items):
        return ClassEstimates(reason="no gold items")
    sums: dict[tuple[str, ...], RatioSums] = {}
    columns: dict[tuple[str, ...], slice] = {}
    matrices: list[sparse.csr_array] = []
    for b in batches:
        wanted: list[tuple[tuple[str, ...], np.ndarray | None]] = [((b.name,), None)]
        for other in batches:
            if other is not b and (b.labelled & ~other.labelled & enc.has_gold).any():
                wanted.append(((b.name, other.name), b.labelled & other.labelled))
        for key, within in wanted:
            matrix, ratios = vendor_class_sums(enc, b, gold_items, within)
            for (metric, c), one in ratios.items():
                name = (key[0], metric, enc.labels[c], *key[1:])
                sums[name] = one
                start = 6 * enc.k * len(matrices) + 2 * (CLASS_METRICS.index(metric) * enc.k + c)
                columns[name] = slice(start, start + 2)
            matrices.append(matrix)
    totals = resample_gold_items(sparse.csr_array(sparse.hstack(matrices, format="csr")), settings)
    width = 3 * enc.k
    item_boot = np.hstack([metric_pairs(totals[:, j * width : (j + 1) * width], enc.k) for j in range(len(matrices))])
    return ClassEstimates(resample_ratios(enc, sums, item_boot, columns, settings))


def metric_pairs(totals: np.ndarray, k: int) -> np.ndarray:
    """``(X, S)`` column pairs of recall for each class, then of precision, then of F1, from the three distinct
    columns ``X``, ``S`` of recall and ``S`` of precision (F1's ``S`` is their mean; every metric's ``X`` is the
    same): (rows x 3K) to (rows x 6K)."""
    x, s_recall, s_precision = totals[:, :k], totals[:, k : 2 * k], totals[:, 2 * k : 3 * k]
    out = np.empty((len(totals), 6 * k))
    for j, s in enumerate((s_recall, s_precision, (s_recall + s_precision) / 2)):
        out[:, 2 * j * k : 2 * (j + 1) * k : 2] = x
        out[:, 2 * j * k + 1 : 2 * (j + 1) * k : 2] = s
    return out


def resample_gold_items(matrix: sparse.csr_array, settings: Settings) -> np.ndarray:
    """(resamples x columns) Poisson-bootstrap totals of a sparse (gold items x columns) matrix, with the weights of
    :func:`labeleval.inference.stats.weight_blocks` (above ``MAX_UNITS`` items, of random blocks of items)."""
    totals = np.zeros((settings.n_boot, matrix.shape[1]))
    if settings.n_boot == 0 or matrix.shape[0] == 0:
        return totals
    if matrix.shape[0] > MAX_UNITS:
        assign = assignment(unit_blocks(matrix.shape[0], N_BLOCKS, settings.seed), N_BLOCKS)
        matrix = sparse.csr_array(sparse.csr_matrix(assign) @ matrix)
    dense = matrix.shape[1] <= DENSE_COLUMNS
    for block, weights in weight_blocks(settings.n_boot, matrix.shape[0], settings.seed):
        if dense:  # a block of rows made dense: one single-precision BLAS product (whole counts: exact while a
            # block's weighted sum stays below 2**24), 2x faster than double and 8x faster than the sparse product
            totals += weights.astype(np.float32) @ matrix[block].toarray().astype(np.float32)
        else:
            totals += np.asarray((matrix[block].T @ weights.astype(np.float64).T).T)
    return totals


def vendor_class_sums(
    enc: Encoded, batch: VendorBatch, gold_items: np.ndarray, within: np.ndarray | None = None
) -> tuple[sparse.csr_array, dict[tuple[str, int], RatioSums]]:
    """One vendor's per-class sums on its gold items (or those in ``within``, a mask over items).

    Returns the per-item sums, a (gold items x 3K) sparse matrix whose columns are each class's ``X`` (correct
    judgments), then ``S`` of recall (judgments on items of that gold class), then ``S`` of precision (judgments
    giving that label) (:func:`metric_pairs` makes each metric's pairs of them), and each (metric, class)'s
    :class:`RatioSums` (``item_sums`` left out: the matrix holds them)."""
    k = enc.k
    use = batch.labelled[gold_items] if within is None else (batch.labelled & within)[gold_items]
    rows = np.flatnonzero(use)
    coo = batch.store.rows(gold_items[rows]).cells().tocoo()
    r, c, v = rows[coo.row], coo.col.astype(np.int64), coo.data.astype(np.float64)
    g = enc.gold_code[gold_items].astype(np.int64)
    m = np.bincount(r, v, len(gold_items))
    parts = [(r, c, v * (c == g[r])), (rows, k + g[rows], m[rows]), (r, 2 * k + c, v)]  # X, S recall, S precision
    matrix = sparse.csr_array(
        (
            np.concatenate([p[2] for p in parts]),
            (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])),
        ),
        shape=(len(gold_items), 3 * k),
    )
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    key_x, key_s = annotator_class_sums(enc, batch, use, gold_items)
    return matrix, _ratios(matrix, key_x, key_s, k)


def annotator_class_sums(
    enc: Encoded, batch: VendorBatch, use: np.ndarray, gold_items: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per annotator (key) x class: the correct judgments ``X`` (the same for the three metrics) and ``S`` of each
    metric, in passes over the vendor's judgments on the gold items in ``use``."""
    k, n_keys = enc.k, enc.n_keys
    in_use = np.zeros(enc.n_items, dtype=bool)
    in_use[gold_items[use]] = True
    x, by_gold, by_given = np.zeros(n_keys * k), np.zeros(n_keys * k), np.zeros(n_keys * k)
    for part in batch.passes(RATIO_ROWS_PER_PASS):
        item = enc.item_codes[part]
        label = enc.label_codes[part].astype(np.int64)
        ok = in_use[item] & (label >= 0)
        key = enc.keys[part][ok].astype(np.int64) * k
        gold, label = enc.gold_code[item[ok]].astype(np.int64), label[ok]
        x += np.bincount(key + gold, label == gold, n_keys * k)
        by_gold += np.bincount(key + gold, minlength=n_keys * k)
        by_given += np.bincount(key + label, minlength=n_keys * k)
    shape = (n_keys, k)
    s = {"recall": by_gold, "precision": by_given, "f1": (by_gold + by_given) / 2}
    return x.reshape(shape), {name: one.reshape(shape) for name, one in s.items()}


def _ratios(
    matrix: sparse.csr_array, key_x: np.ndarray, key_s: dict[str, np.ndarray], k: int
) -> dict[tuple[str, int], RatioSums]:
    """Each (metric, class)'s sums and delta-method variances (items, annotators, judgments)."""
    x, s_recall, s_precision = (matrix[:, j * k : (j + 1) * k] for j in range(3))

    def total(a: sparse.csr_array, b: sparse.csr_array | None = None) -> np.ndarray:
        return np.asarray((a if b is None else a.multiply(b)).sum(axis=0), dtype=np.float64).reshape(-1)

    xx, rr, pp, rp = (
        total(x, x),
        total(s_recall, s_recall),
        total(s_precision, s_precision),
        total(s_recall, s_precision),
    )
    xr, xp = total(x, s_recall), total(x, s_precision)
    # per metric: sum X, sum S, and the per-item sums of squares X^2, X S, S^2 (F1's S is the mean of the two)
    sx, sr, sp = total(x), total(s_recall), total(s_precision)
    parts = {
        "recall": (sr, xr, rr, s_recall),
        "precision": (sp, xp, pp, s_precision),
        "f1": ((sr + sp) / 2, (xr + xp) / 2, (rr + 2 * rp + pp) / 4, s_recall + s_precision),
    }
    out: dict[tuple[str, int], RatioSums] = {}
    for metric, (s_total, xs, ss, s_items) in parts.items():
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(s_total > 0, sx / s_total, 0.0)
        item_var = (xx - 2 * rate * xs + rate * rate * ss) / np.where(s_total > 0, s_total, 1.0) ** 2
        items = np.bincount(sparse.csr_array(s_items).indices, minlength=k)
        for c in range(k):
            trials, tp, r = float(s_total[c]), float(sx[c]), float(rate[c])
            ax, a_s = key_x[:, c], key_s[metric][:, c]
            residual = ax - r * a_s
            # per judgment x and s are 0/1 (F1: s is 1 for a hit, 1/2 for a miss or a false alarm)
            squares = trials if metric != "f1" else tp + (trials - tp) / 2
            v_judgments = max(tp - 2 * r * tp + r * r * squares, 0.0) / trials**2 if trials > 0 else np.nan
            out[(metric, c)] = RatioSums(
                successes=tp,
                trials=trials,
                items=int(items[c]),
                annotators=int(np.count_nonzero(a_s > 0)),
                item_variance=float(item_var[c]) if trials > 0 else float("nan"),
                annotator_variance=float(residual @ residual) / trials**2 if trials > 0 else float("nan"),
                judgment_variance=float(v_judgments),
                per_item=1.0,
                key_sums=np.column_stack([ax, a_s]),
                item_sums=None,
            )
    return out

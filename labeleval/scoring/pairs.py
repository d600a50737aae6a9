"""Light's kappa of a vendor over ranges of items: pairs of co-rated judgments a range at a time.

:func:`labeleval.metrics.agreement.light_from_codes` forms every pair of judgments that share an item (ten per
item at five labels per item) for the whole vendor at once: at 1e8 judgments several GB of pair indices, keys
and sorts. Cohen's kappa of an annotator pair needs only sums over the items the two share: the number of
shared items, the disagreements, and each side's label counts. Those add up over any partition of the items,
so :func:`light_kappa` forms the pairs for one range of items at a time, keeps these sums per annotator pair,
and adds them up: the same value as ``light_from_codes`` (unweighted kappa), in memory bounded by the range.
"""

from __future__ import annotations

import numpy as np

from labeleval.metrics.agreement import _pairs_within_groups
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.tuning import LIGHT_JUDGMENTS_PER_RANGE, PAIR_SUMS_DENSE_CELLS


def light_kappa(enc: Encoded, batch: VendorBatch, min_overlap: int = 10) -> float:
    """Light's kappa (mean unweighted Cohen's kappa over annotator pairs sharing ``min_overlap`` or more items)
    of one vendor; NaN where no pair qualifies (as :func:`~labeleval.metrics.agreement.light_from_codes`)."""
    return light_evidence(enc, batch, min_overlap)[0]


def light_evidence(enc: Encoded, batch: VendorBatch, min_overlap: int = 10) -> tuple[float, int, int]:
    """(:func:`light_kappa`, the annotator pairs it averages, the annotators those pairs cover)."""
    keys = np.flatnonzero(np.bincount(enc.keys[batch.rows], minlength=enc.n_keys))  # np.unique's, without a sort
    if len(keys) ** 2 * max(enc.k, 1) <= PAIR_SUMS_DENSE_CELLS:
        return _light_dense(enc, batch, keys, min_overlap)
    k = max(enc.k, 1)
    item_all = enc.item_codes[batch.rows]
    n_annot = int(enc.keys.max(initial=0)) + 1
    per_range = max(1, int(enc.n_items * LIGHT_JUDGMENTS_PER_RANGE / max(len(item_all), 1)))
    pair_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    left_parts: list[tuple[np.ndarray, np.ndarray]] = []
    right_parts: list[tuple[np.ndarray, np.ndarray]] = []
    for lo in range(0, enc.n_items, per_range):
        picked = np.flatnonzero((item_all >= lo) & (item_all < lo + per_range))
        rows = batch.rows[picked]
        label = enc.label_codes[rows]
        ok = label >= 0
        it, an, lab = item_all[picked][ok], enc.keys[rows][ok], label[ok]
        order = np.argsort(it.astype(np.int64) * n_annot + an, kind="stable")
        it, an, lab = it[order], an[order], lab[order]
        left, right = _pairs_within_groups(it)
        if not len(left):
            continue
        key = an[left].astype(np.int64) * n_annot + an[right]
        pairs, inverse, shared = np.unique(key, return_inverse=True, return_counts=True)
        differ = np.bincount(inverse, weights=(lab[left] != lab[right]).astype(np.float64), minlength=len(pairs))
        pair_parts.append((pairs, shared, differ))
        left_parts.append(np.unique(key * k + lab[left], return_counts=True))
        right_parts.append(np.unique(key * k + lab[right], return_counts=True))
    if not pair_parts:
        return float("nan"), 0, 0
    pairs, inverse = np.unique(np.concatenate([p[0] for p in pair_parts]), return_inverse=True)
    n = np.bincount(inverse, weights=np.concatenate([p[1] for p in pair_parts]), minlength=len(pairs))
    observed = np.bincount(inverse, weights=np.concatenate([p[2] for p in pair_parts]), minlength=len(pairs))
    left_cells, left_counts = _merge(left_parts)
    right_cells, right_counts = _merge(right_parts)
    common, li, ri = np.intersect1d(left_cells, right_cells, assume_unique=True, return_indices=True)
    same = np.bincount(
        np.searchsorted(pairs, common // k), weights=left_counts[li] * right_counts[ri], minlength=len(pairs)
    )
    return _mean_kappa(n, observed, same, min_overlap, (pairs // n_annot, pairs % n_annot))


def _mean_kappa(
    n: np.ndarray, observed: np.ndarray, same: np.ndarray, min_overlap: int, who: tuple[np.ndarray, np.ndarray]
) -> tuple[float, int, int]:
    """Mean Cohen's kappa over the annotator pairs with ``min_overlap`` or more shared items, from each pair's
    shared items ``n``, disagreements ``observed`` and sum over labels of both sides' label counts ``same``; with
    the number of those pairs and of the annotators (``who``: each pair's two) they cover."""
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = n - same / n
    keep = (n >= max(min_overlap, 1)) & (expected > 0)
    if not keep.any():
        return float("nan"), 0, 0
    covered = len(np.union1d(who[0][keep], who[1][keep]))
    return float(np.mean(1.0 - observed[keep] / expected[keep])), int(keep.sum()), covered


def _merge(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Cells and counts from several ranges, added up (cells sorted, each once)."""
    cells, inverse = np.unique(np.concatenate([c for c, _ in parts]), return_inverse=True)
    counts = np.bincount(
        inverse, weights=np.concatenate([n for _, n in parts]).astype(np.float64), minlength=len(cells)
    )
    return cells, counts


def _light_dense(enc: Encoded, batch: VendorBatch, keys: np.ndarray, min_overlap: int) -> tuple[float, int, int]:
    """:func:`light_kappa` with the pair sums in dense arrays over the vendor's annotator pairs (its annotators
    numbered in key order, so pairs come in the same order and give the same value), and without sorting a range
    whose rows are already grouped by item."""
    k = max(enc.k, 1)
    n_local = len(keys)
    local = np.zeros(enc.n_keys, dtype=np.int64)
    local[keys] = np.arange(n_local)
    item_all = enc.item_codes[batch.rows]
    per_range = max(1, int(enc.n_items * LIGHT_JUDGMENTS_PER_RANGE / max(len(item_all), 1)))
    n = np.zeros(n_local * n_local)
    observed = np.zeros(n_local * n_local)
    left_counts = np.zeros(n_local * n_local * k)
    right_counts = np.zeros(n_local * n_local * k)
    for lo in range(0, enc.n_items, per_range):
        if per_range >= enc.n_items:  # one range: every row
            rows, it = batch.rows, item_all
        else:
            picked = np.flatnonzero((item_all >= lo) & (item_all < lo + per_range))
            rows, it = batch.rows[picked], item_all[picked]
        label = enc.label_codes[rows]
        ok = label >= 0
        if not ok.all():
            rows, it, label = rows[ok], it[ok], label[ok]
        an, lab = local[enc.keys[rows]], label
        if len(it) > 1 and not (it[1:] >= it[:-1]).all():
            order = np.argsort(it, kind="stable")
            it, an, lab = it[order], an[order], lab[order]
        left, right = _pairs_within_groups(it)
        if not len(left):
            continue
        # each pair in the order its rows come (annotators a, b); the two orders are added up after the loop
        la, lb = lab[left].astype(np.int64), lab[right].astype(np.int64)
        pair = an[left] * n_local + an[right]
        n += np.bincount(pair, minlength=len(n))
        observed += np.bincount(pair, weights=(la != lb).astype(np.float64), minlength=len(n))
        left_counts += np.bincount(pair * k + la, minlength=len(left_counts))
        right_counts += np.bincount(pair * k + lb, minlength=len(right_counts))
    n, observed, left_counts, right_counts = _as_lower_higher(n, observed, left_counts, right_counts, n_local)
    present = n > 0
    if not present.any():
        return float("nan"), 0, 0
    same = (left_counts * right_counts).reshape(-1, k).sum(axis=1)
    n, observed, same = n[present], observed[present], same[present]
    cells = np.flatnonzero(present)
    return _mean_kappa(n, observed, same, min_overlap, (cells // n_local, cells % n_local))


def _as_lower_higher(
    n: np.ndarray, observed: np.ndarray, left: np.ndarray, right: np.ndarray, n_local: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pair sums over (a, b) in either order, as sums over (lower annotator, higher annotator): cell (a, b) with
    a < b gets (b, a)'s counts added, its sides swapped; a judgment paired with its own annotator's (a = b) stays
    as it came. Cells with a > b are left at 0. The same cells as swapping each pair's sides one by one."""
    swap = ~np.eye(n_local, dtype=bool)  # the diagonal is not added to itself
    higher = np.triu(np.ones((n_local, n_local), dtype=bool))

    def pairs(cells: np.ndarray) -> np.ndarray:
        return cells.reshape(n_local, n_local, -1)

    def folded(same_side: np.ndarray, other_side: np.ndarray) -> np.ndarray:
        out = pairs(same_side) + pairs(other_side).transpose(1, 0, 2) * swap[:, :, None]
        out *= higher[:, :, None]
        return out.reshape(-1)

    return folded(n, n), folded(observed, observed), folded(left, right), folded(right, left)

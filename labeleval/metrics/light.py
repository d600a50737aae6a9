"""Light's kappa with its evidence and its uncertainty: the pairs behind it, and leave-one-item-out values.

Light's kappa is the mean Cohen's kappa over the annotator pairs sharing at least 10 items. It has no variance
formula; :func:`light_jackknife` gives its delete-one-item jackknife values in time linear in the co-rated
judgments (each pair's sums less one item's share), :func:`light_resamples` a bootstrap over items for the
weighted forms.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from labeleval.metrics.agreement import _pairs_within_groups, pair_statistics_named
from labeleval.metrics.family import Ratings

LIGHT_MIN_OVERLAP: Final = 10


def light_evidence(
    item: np.ndarray, rater: np.ndarray, label: np.ndarray, weights: str | None
) -> tuple[float, int, int]:
    """(Light's kappa, annotator pairs behind it, annotators those pairs cover): the mean Cohen's kappa over pairs
    sharing at least 10 items (NaN where none does)."""
    observed, expected, shared, firsts, seconds = pair_statistics_named(item, rater, label, weights)
    keep = (shared >= LIGHT_MIN_OVERLAP) & (expected > 0)
    if not keep.any():
        return float("nan"), 0, 0
    covered = len(np.union1d(firsts[keep], seconds[keep]))
    return float(np.mean(1.0 - observed[keep] / expected[keep])), int(keep.sum()), covered


def light_resamples(r: Ratings, kind: str | None, n_boot: int, seed: int) -> np.ndarray:
    """Light's kappa of ``n_boot`` resamples of the items (with replacement); a drawn item's copies are new items."""
    rng = np.random.default_rng(seed)
    n_items = r.n.shape[0]
    order = np.argsort(r.item, kind="stable")
    item, rater, label = r.item[order], r.rater[order], r.label[order]
    starts = np.searchsorted(item, np.arange(n_items))
    sizes = np.bincount(item, minlength=n_items)
    out = np.full(n_boot, np.nan)
    for b in range(n_boot):
        drawn = rng.integers(0, n_items, n_items)
        take = np.repeat(starts[drawn], sizes[drawn]) + (
            np.arange(int(sizes[drawn].sum())) - np.repeat(np.cumsum(sizes[drawn]) - sizes[drawn], sizes[drawn])
        )
        copies = np.repeat(np.arange(n_items), sizes[drawn])
        out[b] = light_evidence(copies, rater[take], label[take], kind)[0]
    return out


def light_jackknife(item: np.ndarray, rater: np.ndarray, label: np.ndarray, n_items: int) -> np.ndarray | None:
    """Unweighted Light's kappa with each item left out in turn (``n_items`` values, items numbered from 0), from
    each annotator pair's sums less that item's share: shared items ``n``, disagreements ``o`` and ``S = sum_c
    L_c R_c`` (the two sides' label counts), which loses ``R_a + L_b - [a = b]`` with the item's labels a, b.
    None where an annotator labelled an item twice (the item's share is then not one judgment pair)."""
    ok = label >= 0
    it, an, lab = item[ok], rater[ok], label[ok]
    n_annot = int(an.max(initial=0)) + 1
    order = np.argsort(it.astype(np.int64) * n_annot + an, kind="stable")
    it, an, lab = it[order], an[order], lab[order]
    if len(it) > 1 and ((it[1:] == it[:-1]) & (an[1:] == an[:-1])).any():
        return None
    left, right = _pairs_within_groups(it)
    keys, pair = np.unique(an[left].astype(np.int64) * n_annot + an[right], return_inverse=True)
    k = int(lab.max(initial=0)) + 1
    la, lb = lab[left].astype(np.int64), lab[right].astype(np.int64)
    n = np.bincount(pair, minlength=len(keys)).astype(np.float64)
    o = np.bincount(pair, weights=(la != lb).astype(np.float64), minlength=len(keys))
    left_keys, left_counts = np.unique(pair * k + la, return_counts=True)
    right_keys, right_counts = np.unique(pair * k + lb, return_counts=True)
    common, li, ri = np.intersect1d(left_keys, right_keys, assume_unique=True, return_indices=True)
    s = np.bincount(common // k, weights=left_counts[li] * right_counts[ri].astype(np.float64), minlength=len(keys))

    def count_at(keys_: np.ndarray, counts: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(keys_, wanted), len(keys_) - 1)
        return np.where(keys_[at] == wanted, counts[at], 0).astype(np.float64)

    kappa, qualifies = _pair_kappas(n, o, s)
    n1 = n[pair] - 1.0
    s1 = s[pair] - count_at(right_keys, right_counts, pair * k + la) - count_at(left_keys, left_counts, pair * k + lb)
    kappa1, qualifies1 = _pair_kappas(n1, o[pair] - (la != lb), s1 + (la == lb))
    owner = it[left]
    total = float(np.where(qualifies, kappa, 0.0).sum())
    count = float(qualifies.sum())
    change = np.where(qualifies1, kappa1, 0.0) - np.where(qualifies[pair], kappa[pair], 0.0)
    moved = qualifies1.astype(np.float64) - qualifies[pair]
    with np.errstate(invalid="ignore", divide="ignore"):
        return (total + np.bincount(owner, weights=change, minlength=n_items)) / (
            count + np.bincount(owner, weights=moved, minlength=n_items)
        )


def _pair_kappas(n: np.ndarray, o: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pair's Cohen's kappa ``1 - o / (n - s / n)`` and whether it enters Light's mean."""
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = n - s / n
        kappa = 1.0 - o / expected
    return kappa, (n >= LIGHT_MIN_OVERLAP) & (expected > 0)

"""Consensus per vendor (the kind's rule and Dawid-Skene) and the reference label of the usability rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.inference.consensus import LOG_EPS, dawid_skene_codes, dawid_skene_fits
from labeleval.metrics import cells as sparse_cells
from labeleval.options import TiePolicy, UsabilityRule
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.kinds import ItemConsensus
from labeleval.scoring.settings import Settings
from labeleval.tuning import DS_REFIT_ANNOTATORS, DS_REFIT_WORK


@dataclass(frozen=True)
class VendorConsensus:
    """A vendor's consensus per item by its kind's rule (``rule``: majority vote, median, mean, per-label
    majority) and by Dawid-Skene among its own annotators (``ds``; None where the kind has no categories),
    whether each matches gold, and which of the two the settings chose (``chosen``)."""

    rule: ItemConsensus
    rule_correct: np.ndarray  # per item: True/False, or the fractional credit of a tie (tie = "fractional")
    ds: ItemConsensus | None
    ds_correct: np.ndarray
    ds_accuracy: np.ndarray  # per annotator key of this vendor (NaN elsewhere)
    chosen: ItemConsensus
    chosen_correct: np.ndarray
    ds_votes: DawidSkeneVotes | None = None  # what removing one vote does to the Dawid-Skene consensus


@dataclass(frozen=True)
class DawidSkeneVotes:
    """A vendor's Dawid-Skene fit as the influence of single votes needs it: each gold item's log posterior and
    each annotator's log confusion matrix. Removing annotator ``a``'s vote ``l`` on item ``i`` with the fit held
    subtracts ``log_confusion[a, :, l]`` from the item's log posterior (memory: gold items x K + annotators x K^2).
    """

    gold_items: np.ndarray  # sorted item codes of the gold items the vendor labelled
    log_posterior: np.ndarray  # len(gold_items) x K
    log_confusion: np.ndarray  # the vendor's annotators x K (true) x K (given)
    log_prior: np.ndarray  # K
    local: np.ndarray  # per annotator key: its row of log_confusion (-1 for other vendors' keys)
    n_items: int = 0  # the project's items (the pair keys' stride)
    # refitted without each annotator (sorted pair keys ``local x items + item`` of its gold votes, and the
    # consensus code of that item in the fit without it), or None where the fit is held
    refit: tuple[np.ndarray, np.ndarray] | None = None

    def without(self, item: np.ndarray, key: np.ndarray, label: np.ndarray) -> np.ndarray:
        """The consensus code of each (gold) ``item`` once ``key``'s vote ``label`` is taken out: refitted
        without the annotator where the vendor was refitted, else with the fit held."""
        if self.refit is not None:
            pairs, codes = self.refit
            at = np.searchsorted(pairs, self.local[key] * self.n_items + item)
            return np.asarray(codes[at], dtype=np.int64)
        rows = np.searchsorted(self.gold_items, item)
        less = self.log_posterior[rows] - self.log_confusion[self.local[key], :, label]
        return np.asarray(less.argmax(axis=1), dtype=np.int64)


#: A vendor's Dawid-Skene consensus, each annotator key's model accuracy and its votes' influence, or None
#: where no fit is made.
DawidSkeneFit = tuple[ItemConsensus, np.ndarray, DawidSkeneVotes] | None


def vendor_dawid_skene(enc: Encoded, batch: VendorBatch, settings: Settings) -> DawidSkeneFit:
    """Dawid-Skene among one vendor's annotators, or None where the kind has no categories or a fit nobody
    asked for would be too large (``dawid_skene_fits``). Independent of every other vendor's: the in-memory
    engine fits the vendors side by side (labeleval/executor.py)."""
    kind = enc.kind
    fits = settings.dawid_skene or dawid_skene_fits(len(np.unique(enc.keys[batch.rows])), enc.k)
    if not (kind.supports_dawid_skene and fits):
        return None
    return _vendor_dawid_skene(enc, batch, refit=settings.dawid_skene)


def vendor_consensus(
    enc: Encoded,
    batch: VendorBatch,
    settings: Settings,
    rng: np.random.Generator,
    fit: DawidSkeneFit | Literal["make"] = "make",
) -> VendorConsensus:
    """Both consensus methods for one vendor (``rng`` breaks ties under ``tie = "random"``); ``fit``: the
    vendor's :func:`vendor_dawid_skene` if made already."""
    kind = enc.kind
    counts = batch.store
    rule = kind.consensus(counts, tie=settings.tie, rng=rng)
    rule_correct = kind.correct(rule.code, rule.value, enc.gold_code)
    if settings.tie == TiePolicy.FRACTIONAL and kind.majority_vote:
        # credit, not a verdict: a tie among t labels that include the right one earns 1/t
        rule_correct = np.where(batch.labelled, counts.tie_credit(enc.gold_code, kind.hit)[0], 0.0)
    made = vendor_dawid_skene(enc, batch, settings) if fit == "make" else fit
    votes = None
    if made is not None:
        ds, ds_accuracy, votes = made
        ds_correct = kind.correct(ds.code, kind.values[np.maximum(ds.code, 0)], enc.gold_code)
    else:
        ds, ds_accuracy = None, np.full(enc.n_keys, np.nan)
        ds_correct = np.zeros(enc.n_items, dtype=bool)
    use_ds = settings.dawid_skene and ds is not None
    return VendorConsensus(
        rule=rule,
        rule_correct=rule_correct,
        ds=ds,
        ds_correct=ds_correct,
        ds_accuracy=ds_accuracy,
        chosen=ds if use_ds and ds is not None else rule,
        chosen_correct=ds_correct if use_ds else rule_correct,
        ds_votes=votes,
    )


def _vendor_dawid_skene(
    enc: Encoded, batch: VendorBatch, *, refit: bool = False
) -> tuple[ItemConsensus, np.ndarray, DawidSkeneVotes]:
    """Dawid-Skene among one vendor's annotators (no gold: accuracy is then measured on gold).

    Returns the consensus per item (code -1 / confidence NaN where the vendor gave no judgment) and each
    annotator key's model accuracy ``sum_k prior_k confusion[k, k]``; ``refit`` (Dawid-Skene is the chosen
    consensus): also fit once without each annotator (:func:`_refits`), within ``DS_REFIT_ANNOTATORS`` and
    ``DS_REFIT_WORK``.
    """
    rows = batch.rows
    items_local, items = pd.factorize(enc.item_codes[rows])
    items_local = items_local.astype(np.int32 if len(items) < 2**31 else np.int64)  # half the memory
    annot_local, annotators = pd.factorize(enc.keys[rows])
    annot_local = annot_local.astype(np.int32 if len(annotators) < 2**31 else np.int64)
    fit = dawid_skene_codes(items_local, annot_local, enc.label_codes[rows], len(items), len(annotators), enc.k)
    g = len(annotators)
    affordable = refit and g <= DS_REFIT_ANNOTATORS and g * len(rows) <= DS_REFIT_WORK
    code = np.full(enc.n_items, -1, dtype=np.int64)
    posterior = np.full(enc.n_items, np.nan)
    code[items] = fit.posteriors.argmax(axis=1)
    posterior[items] = fit.posteriors.max(axis=1)
    accuracy = np.full(enc.n_keys, np.nan)
    accuracy[annotators] = np.einsum("k,akk->a", fit.priors, fit.confusions)
    value = enc.kind.values[np.maximum(code, 0)]
    local = np.full(enc.n_keys, -1, dtype=np.int64)
    local[annotators] = np.arange(len(annotators))
    on_gold = enc.has_gold[items]
    order = np.argsort(items[on_gold], kind="stable")
    with np.errstate(divide="ignore"):
        log_posterior = np.log(np.maximum(fit.posteriors[on_gold][order], 1e-300))
    votes = DawidSkeneVotes(
        gold_items=np.asarray(items[on_gold][order], dtype=np.int64),
        log_posterior=log_posterior,
        log_confusion=np.log(fit.confusions + LOG_EPS),
        log_prior=np.log(fit.priors + LOG_EPS),
        local=local,
        n_items=enc.n_items,
        refit=_refits(enc, items_local, annot_local, rows, items, len(annotators)) if affordable else None,
    )
    return ItemConsensus(code, value, posterior), accuracy, votes


def _refits(
    enc: Encoded, items_local: np.ndarray, annot_local: np.ndarray, rows: np.ndarray, items: np.ndarray, n_annot: int
) -> tuple[np.ndarray, np.ndarray]:
    """The consensus of each gold item an annotator voted on, in the vendor's fit made without that annotator
    (a refitted jackknife: the others' confusions and the priors move too). Keyed by ``local x items + item``
    (project codes), sorted. An item left with no vote has the priors' class; its effect is taken as the
    item's removal by the caller (``ds_leave_one_out``)."""
    labels = enc.label_codes[rows]
    gold = enc.has_gold[items[items_local]]
    pairs: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for a in range(n_annot):
        mine = annot_local == a
        voted = np.unique(items_local[mine & gold])
        if not len(voted):
            continue
        rest = ~mine
        fit = dawid_skene_codes(items_local[rest], annot_local[rest], labels[rest], len(items), n_annot, enc.k)
        pairs.append(a * enc.n_items + items[voted].astype(np.int64))
        codes.append(fit.posteriors[voted].argmax(axis=1))
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key, code = np.concatenate(pairs), np.concatenate(codes)
    order = np.argsort(key, kind="stable")
    return key[order], code[order]


def usability_reference(enc: Encoded, batches: list[VendorBatch], settings: Settings) -> np.ndarray:
    """Reference label per item for the usability rule (-1 where none): gold, a confident cross-vendor
    consensus, or gold where it exists and the consensus elsewhere."""
    if settings.usability == UsabilityRule.GOLD:
        return enc.gold_code.copy()
    total = np.sum([b.m for b in batches], axis=0) if batches else np.zeros(enc.n_items)
    if settings.dawid_skene:
        consensus = _pooled_dawid_skene(enc, settings, total)
    else:
        consensus = _pooled_shares(enc, batches, settings, total)
    if settings.usability == UsabilityRule.CONSENSUS:
        return consensus
    return np.where(enc.has_gold, enc.gold_code, consensus)


def _pooled_shares(enc: Encoded, batches: list[VendorBatch], settings: Settings, total: np.ndarray) -> np.ndarray:
    """The cross-vendor consensus weights each vendor equally (the mean of the vendors' label shares on the
    item), so a vendor that sells more labels per item does not outvote the others. It counts only where it
    reaches ``min_confidence``, is not tied, and rests on at least two judgments."""
    if not all(b.dense for b in batches):
        return _pooled_shares_cells(enc, batches, settings, total)
    shares = np.zeros((enc.n_items, enc.k))
    voters = np.zeros(enc.n_items)
    for b in batches:
        with np.errstate(invalid="ignore", divide="ignore"):
            shares += np.where(b.m[:, None] > 0, b.counts / np.maximum(b.m, 1)[:, None], 0.0)
        voters += b.labelled
    pooled = shares / np.maximum(voters, 1)[:, None]
    top = pooled.max(axis=1) if enc.k else np.zeros(enc.n_items)
    tied = (np.isclose(pooled, top[:, None])).sum(axis=1) > 1
    confident = (top >= settings.min_confidence - 1e-12) & ~tied & (total >= 2)
    return np.where(confident, pooled.argmax(axis=1), -1)


def _pooled_shares_cells(enc: Encoded, batches: list[VendorBatch], settings: Settings, total: np.ndarray) -> np.ndarray:
    """:func:`_pooled_shares` from the vendors' non-zero cells (memory linear in them, not items x K)."""
    voters = np.zeros(enc.n_items)
    shares = sparse.csr_array((enc.n_items, enc.k), dtype=np.float64)
    for b in batches:
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = sparse.diags_array(np.where(b.m > 0, 1.0 / np.maximum(b.m, 1), 0.0))
        shares = shares + scale @ b.cells.astype(np.float64)
        voters += b.labelled
    pooled = sparse_cells.canonical(sparse.csr_array(sparse.diags_array(1.0 / np.maximum(voters, 1)) @ shares))
    rows = sparse_cells.row_of_cell(pooled)
    top = sparse_cells.row_max(pooled)
    tied = np.bincount(rows[np.isclose(pooled.data, top[rows])], minlength=enc.n_items) > 1
    confident = (top >= settings.min_confidence - 1e-12) & ~tied & (total >= 2)
    first = np.full(enc.n_items, -1, dtype=np.int64)
    at_top = np.flatnonzero(pooled.data == top[rows])[::-1]
    first[rows[at_top]] = pooled.indices[at_top]
    return np.where(confident, first, -1)


def _pooled_dawid_skene(enc: Encoded, settings: Settings, total: np.ndarray) -> np.ndarray:
    """Dawid-Skene over every vendor's judgments (annotators keyed by vendor); with the rule
    ``gold_or_consensus`` gold items are clamped, which sharpens the annotators' confusion matrices.
    The reference is the posterior mode where its probability reaches ``min_confidence``."""
    clamp = enc.gold_code if settings.usability == UsabilityRule.GOLD_OR_CONSENSUS else None
    fit = dawid_skene_codes(enc.item_codes, enc.keys, enc.label_codes, enc.n_items, enc.n_keys, enc.k, gold_codes=clamp)
    top = fit.posteriors.max(axis=1)
    return np.where((top >= settings.min_confidence - 1e-12) & (total >= 2), fit.posteriors.argmax(axis=1), -1)

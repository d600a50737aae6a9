"""The per-judgment two-way interval pieces in their per-judgment form: the reference that
tests/scoring/test_uncertainty.py holds the sufficient-statistics version to (per-judgment arrays: fine at test
sizes). The volume correction and the annotator df are computed by brute force (the quadratic form's traces),
the Dawid-Skene votes' influence by recomputing each item's posterior without the vote."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labeleval.inference.consensus import dawid_skene_codes
from labeleval.inference.stats import (
    ANNOTATOR_STREAM,
    bootstrap_totals,
    group_variance,
    proportion_interval,
    two_way_samples,
)
from labeleval.metrics.forms import DenseCounts
from labeleval.options import TiePolicy, Uncertainty
from labeleval.scoring.consensus import VendorConsensus
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.kinds import Kind
from labeleval.scoring.settings import Settings

RATIOS = ("accuracy", "consensus_accuracy_mv", "consensus_accuracy_ds", "consensus_accuracy", "usable_rate")
SHARED_RATIOS = ("accuracy", "consensus_accuracy", "usable_rate")  # what comparisons need on shared items


@dataclass(frozen=True)
class RatioParts:
    """One ratio's per-judgment contributions (``x`` over ``s``), with each judgment's item and annotator."""

    x: np.ndarray
    s: np.ndarray
    item: np.ndarray
    key: np.ndarray
    influence: np.ndarray | None = None  # item-level ratios: the item's judgment count (see group_variance)
    # item-level ratios whose consensus can be recomputed: each vote's leave-one-out effect on its item's credit
    deletion: np.ndarray | None = None


@dataclass(frozen=True)
class RatioEstimate:
    """A ratio's value, its resamples (two-way or item-only), and the pieces of its interval."""

    value: float
    samples: np.ndarray  # (resamples,)
    item_part: np.ndarray  # item deviations of the resamples
    annotator_part: np.ndarray  # scaled annotator deviations (0 for items only)
    variance: float  # V_i + annotator excess (analytic)
    item_variance: float
    annotator_variance: float  # the excess the annotators add (0 for items only)
    df: float
    trials: float  # sum(s): judgments (accuracy, usable rate) or items (consensus)
    successes: float
    items: int  # items with s > 0
    annotators: int  # annotators with s > 0
    effective_annotators: float  # Kish's effective number (volume-weighted); the df of the annotator part
    low: float
    high: float


def vendor_parts(
    enc: Encoded,
    batch: VendorBatch,
    consensus: VendorConsensus,
    reference: np.ndarray,
    within: np.ndarray | None = None,
    tie: TiePolicy = TiePolicy.FRACTIONAL,
) -> dict[str, RatioParts]:
    """The ratios of one vendor, on its own items or (``within``, a mask over items) on a subset."""
    rows = batch.rows
    item = enc.item_codes[rows]
    key = enc.keys[rows]
    label = enc.label_codes[rows]
    keep = np.ones(len(rows), dtype=bool) if within is None else within[item]
    hit = enc.kind.hit
    gold = enc.gold_code[item]
    on_gold = (gold >= 0) & keep
    ref = reference[item]
    has_ref = (ref >= 0) & keep
    m = np.maximum(batch.m[item], 1).astype(np.float64)
    scored = on_gold / m  # a gold item's weight, shared by its judgments
    ds_scored = scored if enc.kind.supports_dawid_skene else np.zeros(len(rows))
    credit_rule = np.asarray(consensus.rule_correct, dtype=np.float64)[item]
    credit_ds = np.asarray(consensus.ds_correct, dtype=np.float64)[item]

    deletion = leave_one_out(enc, batch, tie) * on_gold
    ds_deletion = None
    if consensus.ds_votes is not None and enc.kind.supports_dawid_skene:
        ds_deletion = ds_leave_one_out(enc, batch, consensus) * on_gold

    def parts(
        x: np.ndarray, s: np.ndarray, influence: np.ndarray | None = None, removed: np.ndarray | None = None
    ) -> RatioParts:
        return RatioParts(x.astype(np.float64), s.astype(np.float64), item, key, influence, removed)

    out = {
        "accuracy": parts(on_gold & hit[label, np.maximum(gold, 0)], on_gold),
        "consensus_accuracy_mv": parts(scored * credit_rule, scored, m, deletion),
        "consensus_accuracy_ds": parts(ds_scored * credit_ds, ds_scored, m, ds_deletion),
        "usable_rate": parts(has_ref & hit[label, np.maximum(ref, 0)], has_ref),
    }
    # the chosen consensus is one of the two: the same parts, resampled once
    out["consensus_accuracy"] = out[
        "consensus_accuracy_ds" if consensus.chosen is consensus.ds else "consensus_accuracy_mv"
    ]
    if reference is enc.gold_code or np.array_equal(reference, enc.gold_code):  # the gold rule: usable = accurate
        out["usable_rate"] = out["accuracy"]
    return out


def leave_one_out(enc: Encoded, batch: VendorBatch, tie: TiePolicy) -> np.ndarray:
    """Per judgment of the vendor: its item's consensus credit minus the credit without this one vote.

    The annotator part of consensus accuracy is how much the result leans on who voted: summed over an
    annotator's votes, these effects are its influence (the jackknife with the vote recounted). A vote
    that is its item's only one removes the item, so its effect is the item's credit minus the vendor's
    mean (accounted for by the caller's centring). Ties count by the tie policy (random: its expectation).
    Only votes on gold items are scored (0 elsewhere).
    """
    kind = enc.kind
    on_gold = np.flatnonzero(enc.has_gold[enc.item_codes[batch.rows]])
    rows = batch.rows[on_gold]
    item, label = enc.item_codes[rows], enc.label_codes[rows]
    gold = enc.gold_code[item]
    effect = np.zeros(len(rows))
    majority = kind.majority_vote
    chunk = max(1, 20_000_000 // max(enc.k, 1))
    for start in range(0, len(rows), chunk):
        sl = slice(start, start + chunk)
        full = batch.counts[item[sl]]
        less = full.copy()
        less[np.arange(len(less)), label[sl]] -= 1
        effect[sl] = _credit(kind, full, gold[sl], tie, majority) - _credit(kind, less, gold[sl], tie, majority)
    single = batch.m[item] <= 1
    effect[single] = _credit(kind, batch.counts[item[single]], gold[single], tie, majority)
    out = np.zeros(len(batch.rows))
    out[on_gold] = effect
    return out


def ds_leave_one_out(enc: Encoded, batch: VendorBatch, consensus: VendorConsensus) -> np.ndarray:
    """Per judgment of the vendor on a gold item: its item's Dawid-Skene credit minus the credit once the vote
    is taken out: where the engine refitted the vendor without each annotator, a fit of the vendor's other
    annotators' votes (made here afresh); else the fit held, each item's posterior recomputed from the prior and
    the item's other votes, one vote at a time (loops: test sizes only)."""
    votes = consensus.ds_votes
    assert votes is not None
    kind = enc.kind
    rows = batch.rows
    item, key, label = enc.item_codes[rows], enc.keys[rows], enc.label_codes[rows]
    credit = np.asarray(consensus.ds_correct, dtype=np.float64)
    refitted = {a: _refit_without(enc, item, key, label, a) for a in np.unique(key)} if votes.refit else {}
    out = np.zeros(len(rows))
    for j in np.flatnonzero(enc.has_gold[item]):
        others = np.flatnonzero((item == item[j]) & (np.arange(len(rows)) != j))
        if not len(others):  # the item's only vote: the item goes
            out[j] = credit[item[j]]
            continue
        if votes.refit is not None:
            code = int(refitted[key[j]][item[j]])
        else:
            log_post = votes.log_prior + sum(votes.log_confusion[votes.local[key[o]], :, label[o]] for o in others)
            code = int(np.argmax(log_post))
        right = kind.correct(np.array([code]), kind.values[[code]], enc.gold_code[[item[j]]])[0]
        out[j] = credit[item[j]] - float(right)
    return out


def _refit_without(enc: Encoded, item: np.ndarray, key: np.ndarray, label: np.ndarray, a: int) -> np.ndarray:
    """Each item's Dawid-Skene consensus code in a fit made on the vendor's votes without annotator ``a``'s (-1
    where none is left)."""
    keep = key != a
    items, local_item = np.unique(item[keep], return_inverse=True)
    annotators, local_key = np.unique(key[keep], return_inverse=True)
    fit = dawid_skene_codes(local_item, local_key, label[keep], len(items), len(annotators), enc.k)
    code = np.full(enc.n_items, -1, dtype=np.int64)
    code[items] = fit.posteriors.argmax(axis=1)
    return code


def volume_shrinkage(volume: np.ndarray) -> tuple[float, float]:
    """The exact shrinkage factor and df of the annotator sum of squares, by brute force: with shares ``w``, the
    residuals ``D_w (I - 1 w') a`` have the quadratic form ``A``; factor ``sum w^2 / tr A``, df
    ``tr(A)^2 / tr(A^2)``."""
    v = volume[volume > 0]
    if len(v) < 2:
        return float("nan"), 0.0
    w = v / v.sum()
    centre = np.eye(len(w)) - np.outer(np.ones(len(w)), w)
    a = centre.T @ np.diag(w**2) @ centre
    return float(np.sum(w**2) / np.trace(a)), float(np.trace(a) ** 2 / np.trace(a @ a))


def _incidence_sums(codes: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``Z' M`` for the 0/1 incidence ``Z`` (judgments x groups) of ``codes``: the rows of ``M`` summed by group."""
    out = np.zeros((int(codes.max()) + 1, matrix.shape[1]))
    np.add.at(out, codes, matrix)
    return out


def crossed_variance(p: RatioParts) -> float:
    """The moment variance of a judgment-level ratio over its crossed items x annotators design, by brute force.

    Per judgment ``y = mu + a_annotator + b_item + e``; the residuals ``d = x - r s`` are ``L u`` with
    ``L = diag(s) - s s' / S``. Each sum of squares is ``u' L' P P' L u`` for the incidence ``P`` of annotators,
    items or judgments, so its expectation is ``sum_c var_c ||Z_c' L' P||_F^2`` over the components' incidences
    ``Z_c``: the 3 x 3 system is solved for the variances (each then at least 0), and the ratio's variance is
    ``sum_c var_c ||Z_c' s||^2 / S^2``. NaN where the system is singular or fewer than two items or annotators."""
    used = p.s > 0
    x, s, item, key = p.x[used], p.s[used], p.item[used], p.key[used]
    if len(np.unique(key)) < 2 or len(np.unique(item)) < 2:
        return float("nan")
    total = float(s.sum())
    r = float(x.sum()) / total
    judgment = np.arange(len(s))
    groups = (key, item, judgment)
    moments = np.zeros((3, 3))
    squares = np.zeros(3)
    for row, codes in enumerate(groups):
        incidence = np.zeros((len(s), int(codes.max()) + 1))
        incidence[judgment, codes] = 1.0
        lp = s[:, None] * incidence - np.outer(s, s @ incidence) / total  # L' P (L is symmetric)
        residual = incidence.T @ (x - r * s)
        squares[row] = float(residual @ residual)
        for column, component in enumerate(groups):
            moments[row, column] = float(np.sum(_incidence_sums(component, lp) ** 2))
    if np.linalg.cond(moments) > 1e10:
        return float("nan")
    variances = np.maximum(np.linalg.solve(moments, squares), 0.0)
    loads = [float(np.sum(np.bincount(codes, s) ** 2)) for codes in groups]
    return float(variances @ np.array(loads)) / total**2


def _credit(kind: Kind, counts: np.ndarray, gold: np.ndarray, tie: TiePolicy, majority: bool) -> np.ndarray:
    if majority and tie in (TiePolicy.FRACTIONAL, TiePolicy.RANDOM):
        return DenseCounts(counts).tie_credit(gold, kind.hit)[0]
    consensus = kind.consensus(DenseCounts(counts), tie=tie, rng=None)
    return kind.correct(consensus.code, consensus.value, gold).astype(np.float64)


def resample_ratios(
    enc: Encoded,
    ratios: dict[tuple[str, ...], RatioParts],
    item_boot: np.ndarray,
    item_columns: dict[tuple[str, ...], slice],
    settings: Settings,
) -> dict[tuple[str, ...], RatioEstimate]:
    """Two-way (or item-only) estimates of every ratio.

    ``item_boot`` holds the item resamples of the ratios' per-item sums at ``item_columns`` (drawn with
    every other statistic in one pass); the annotator resamples are drawn here, once for all ratios.
    """
    two_way = settings.uncertainty == Uncertainty.ITEMS_AND_ANNOTATORS
    keys = list(ratios)
    annot_boot = np.zeros((settings.n_boot, 0))
    annot_columns: dict[tuple[str, ...], slice] = {}
    if two_way and settings.n_boot and keys:
        columns: list[np.ndarray] = []
        seen: dict[int, slice] = {}
        for name in keys:
            p = ratios[name]
            if id(p) not in seen:
                seen[id(p)] = slice(len(columns), len(columns) + 2)
                columns += [np.bincount(p.key, p.x, enc.n_keys), np.bincount(p.key, p.s, enc.n_keys)]
            annot_columns[name] = seen[id(p)]
        matrix = np.column_stack(columns)
        annot_boot = bootstrap_totals(matrix, n_boot=settings.n_boot, seed=settings.seed, stream=ANNOTATOR_STREAM)
    out = {}
    done: dict[int, RatioEstimate] = {}
    for name in keys:
        p = ratios[name]
        if id(p) not in done:
            boot_i = item_boot[:, item_columns[name]] if len(item_boot) else np.zeros((0, 2))
            boot_a = annot_boot[:, annot_columns[name]] if name in annot_columns else None
            done[id(p)] = _estimate(enc, p, boot_i, boot_a, settings.confidence)
        out[name] = done[id(p)]
    return out


def _ratio(totals: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = totals[:, 0] / totals[:, 1]
    out[totals[:, 1] <= 0] = np.nan
    return out


def _estimate(
    enc: Encoded, p: RatioParts, boot_i: np.ndarray, boot_a: np.ndarray | None, confidence: float
) -> RatioEstimate:
    trials = float(p.s.sum())
    successes = float(p.x.sum())
    value = successes / trials if trials > 0 else float("nan")
    used = p.s > 0
    n_items = int(np.count_nonzero(np.bincount(p.item[used], minlength=enc.n_items)))
    n_annotators = int(np.count_nonzero(np.bincount(p.key[used], minlength=enc.n_keys)))
    v_items = group_variance(p.x, p.s, p.item, enc.n_items) if trials > 0 else float("nan")
    item_samples = _ratio(boot_i)
    item_part = item_samples - value
    annotator_part = np.zeros_like(item_part)
    excess, df, effective = 0.0, float("inf"), float(n_annotators)
    if boot_a is not None and trials > 0:
        if p.deletion is not None:  # leave-one-vote-out effects, centred: an annotator's sum is its influence
            residual = np.where(used, p.deletion - np.average(p.deletion[used]), 0.0) if used.any() else p.deletion
            per_annotator = np.bincount(p.key, residual, enc.n_keys)
            total = float(p.s.sum())
            v_annotators = float(per_annotator @ per_annotator) / total**2
            v_judgments = float(residual @ residual) / total**2
            per_item = 1.0
        else:
            v_annotators = group_variance(p.x, p.s, p.key, enc.n_keys, influence=p.influence)
            v_judgments = group_variance(p.x, p.s, np.arange(len(p.x)), influence=p.influence)
            per_item = 1.0 if p.influence is None else float(np.average(p.influence[used], weights=p.s[used]))
        # unequal volumes: the exact shrinkage factor and df of the volume shares (brute force)
        volume = np.bincount(p.key, p.s, enc.n_keys)
        effective = float(volume.sum() ** 2 / (volume**2).sum()) if volume.any() else 0.0
        factor, df_a = volume_shrinkage(volume)
        dilution = max(effective - per_item, 1.0) / max(effective - 1.0, 1.0)
        c = factor / dilution**2 if effective > 1 else float("nan")
        excess = max(c * (v_annotators - v_judgments), 0.0) if np.isfinite(c) else 0.0
        terms = 0.0
        if np.isfinite(c) and df_a > 0:
            judgments = trials * per_item
            half = v_judgments / 2
            terms = (c * max(v_annotators - half, 0.0)) ** 2 / df_a + (c * half) ** 2 / max(
                judgments - n_annotators, 1.0
            )
        crossed = crossed_variance(p) if p.deletion is None and p.influence is None else float("nan")
        if np.isfinite(crossed):  # the moment variance: the excess is what it adds; the df stay the same
            same = (v_items + excess) ** 2 / (v_items**2 / max(n_items - 1, 1) + terms) if v_items + terms > 0 else 0.0
            excess = max(crossed - v_items, 0.0)
            if np.isfinite(same) and same > 0:
                terms = max((v_items + excess) ** 2 / same - v_items**2 / max(n_items - 1, 1), 0.0)
        combined = two_way_samples(
            np.array([value]), item_samples[:, None], _ratio(boot_a)[:, None], np.array([excess])
        )
        annotator_part = combined[:, 0] - item_samples
        denominator = v_items**2 / max(n_items - 1, 1) + terms
        df = (v_items + excess) ** 2 / denominator if denominator > 0 else float("inf")
    variance = v_items + excess if trials > 0 else float("nan")
    low, high = proportion_interval(np.array([value]), np.array([trials]), np.array([variance]), confidence, df)
    if not len(boot_i):  # no resamples: no interval (as for every other statistic)
        low, high = np.array([np.nan]), np.array([np.nan])
    return RatioEstimate(
        value=value,
        samples=value + item_part + annotator_part,
        item_part=item_part,
        annotator_part=annotator_part,
        variance=variance,
        item_variance=v_items,
        annotator_variance=excess,
        df=df,
        trials=trials,
        successes=successes,
        items=n_items,
        annotators=n_annotators,
        effective_annotators=effective,
        low=float(low[0]),
        high=float(high[0]),
    )


def item_sums(enc: Encoded, p: RatioParts) -> np.ndarray:
    """The ratio's (items x 2) per-item sums, for the shared item resampling."""
    return np.column_stack([np.bincount(p.item, p.x, enc.n_items), np.bincount(p.item, p.s, enc.n_items)])

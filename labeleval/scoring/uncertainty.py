"""Vendor-level uncertainty of the accuracy-type figures: items *and* annotators (docs/metrics.md).

Accuracy, consensus accuracy and the usable rate are ratios ``sum(x) / sum(s)`` of per-judgment
contributions (a consensus item's credit is shared equally by the judgments behind it). A vendor is its
workforce, so "what accuracy would hiring this vendor give?" varies with the annotators as well as the
items. Each ratio gets, from one evaluation-wide pair of resamplings:

- item resamples (the shared item weights of :mod:`labeleval.inference.stats`, so vendor differences are paired),
- annotator resamples (independent Poisson weights per annotator, keyed by vendor),
- the delta-method variances of resampling items, annotators and single judgments (``V_i``, ``V_a``, ``V_e``).

The two-way variance is ``V_i + max(0, c (V_a - V_e))`` (the components estimator; product "pigeonhole"
weights would count judgment noise three times and lose half the power when annotators do not differ),
``c`` the exact correction for the annotators' volume shares, with a Satterthwaite t whose df the annotators
bound (:mod:`labeleval.inference.stats`). For accuracy and the usable rate the annotator part is instead what the
crossed design's moment variance (:func:`~labeleval.inference.stats.crossed_variance`) adds to ``V_i``: the
components estimator loses item variance when annotators share their items. ``uncertainty = "items"`` keeps
the item part alone. Intervals of proportions are Wilson intervals on the design-effect sample size (never
zero-width). Under hourly pay the cost per usable label is a ratio of two ratios (pay per judgment over the
usable rate): its four per-item and per-annotator sums are resampled together (``relative_cost``), and its
interval is on the log scale.

Memory: nothing per judgment is kept. :func:`vendor_sums` runs over a vendor's judgments in passes of
:data:`~labeleval.tuning.RATIO_ROWS_PER_PASS` rows and keeps, per ratio, its per-item sums ``(X_i, S_i)`` (what the
item bootstrap resamples), its per-annotator sums ``(X_a, S_a)`` (the annotator bootstrap and volumes), the
influence-weighted per-annotator sums and three scalar sums of squares (the judgment-level variance, by expanding
``sum (w (x - r s))^2``), or for consensus accuracy the per-annotator sums of leave-one-out effects. The variances are
then those of the per-judgment formulas (``tests/scoring/test_uncertainty.py`` checks them against the per-judgment
implementation this replaced, to a relative 1e-9), in memory linear in items + annotators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri, stdtrit

from labeleval.inference.stats import (
    ANNOTATOR_STREAM,
    CrossedDesign,
    annotator_df_terms_array,
    bootstrap_totals,
    crossed_variance,
    excess_factor,
    proportion_interval,
    two_way_df,
    two_way_df_array,
    two_way_samples,
    volume_df,
    volume_factor,
)
from labeleval.metrics.forms import Counts
from labeleval.options import TiePolicy, Uncertainty
from labeleval.scoring.consensus import DawidSkeneVotes, VendorConsensus
from labeleval.scoring.cost import judgment_pay
from labeleval.scoring.encode import Encoded, VendorBatch
from labeleval.scoring.kinds import Kind
from labeleval.scoring.settings import Settings
from labeleval.tuning import RATIO_ROWS_PER_PASS

RATIOS = ("accuracy", "consensus_accuracy_mv", "consensus_accuracy_ds", "consensus_accuracy", "usable_rate")
SHARED_RATIOS = ("accuracy", "consensus_accuracy", "usable_rate")  # what comparisons need on shared items


@dataclass(frozen=True)
class RatioSums:
    """One ratio's sufficient statistics: totals, per-item and per-annotator sums, and its variance pieces.

    ``item_sums`` (items x 2: ``X_i``, ``S_i``) is what the shared item resampling needs; the engine moves it
    into the resampled matrix (:class:`labeleval.scoring.statistics.Blocks`, which sums it into random blocks
    of items above 2**18 items) and keeps only ``item_block``, the matrix's name for it.
    """

    successes: float  # sum(x)
    trials: float  # sum(s): judgments (accuracy, usable rate) or items (consensus)
    items: int  # items with s > 0
    annotators: int  # annotators with s > 0
    item_variance: float  # V_i: sum_i (X_i - r S_i)^2 / S^2
    annotator_variance: float  # V_a (influence-weighted, or from leave-one-out effects)
    judgment_variance: float  # V_e
    per_item: float  # c: judgments per item, s-weighted (item-level ratios), else 1
    key_sums: np.ndarray  # annotators x 2: X_a, S_a (annotator resamples; S_a is the annotator's volume)
    item_sums: np.ndarray | None  # items x 2, until moved into the resampled matrix
    item_block: tuple[str, str] | None = None
    # the relative cost per usable label under variable pay (``relative_cost``): the sums have four columns,
    # pay, judgments, usable and scored judgments (``successes`` / ``trials`` are then the usable rate's)
    pay: bool = False
    totals: np.ndarray | None = None  # the four columns' totals (pay)
    # the moment variance over the crossed design (inference.stats.crossed_variance), where the judgments' ``s``
    # is item-level and unweighted (accuracy, the usable rate); NaN where the components estimator stays
    crossed: float = float("nan")

    @property
    def value(self) -> float:
        return self.successes / self.trials if self.trials > 0 else float("nan")


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
    effective_annotators: float  # Kish's effective number (volume-weighted)
    low: float
    high: float
    df_terms: float = 0.0  # the annotator part's Satterthwaite terms (inference.stats.annotator_df_terms)


class _Sums:
    """Running sums of one ratio over passes of judgments (see the module docstring)."""

    def __init__(
        self,
        n_items: int,
        n_keys: int,
        *,
        weighted: bool = False,
        deletion: bool = False,
        crossed: bool = False,
    ) -> None:
        self.n_items, self.n_keys = n_items, n_keys
        self.weighted, self.deletion = weighted, deletion
        # the crossed design's moment variance, for a judgment-level ratio whose ``s`` is 0 or 1 and the same for
        # every judgment of an item (accuracy, the usable rate): then S_i = s_i m_i, sum s^2 = sum s^3 = S, and
        # the one sum the design needs beyond the totals is sum_j s_j S_i(j) by annotator
        self.crossed = crossed and not (weighted or deletion)
        self.cross_key = np.zeros(n_keys if self.crossed else 0)
        self.x = self.s = 0.0
        self.item_x, self.item_s = np.zeros(n_items), np.zeros(n_items)
        self.key_x, self.key_s = np.zeros(n_keys), np.zeros(n_keys)
        self.key_xw, self.key_sw = (np.zeros(n_keys), np.zeros(n_keys)) if weighted else (self.key_x, self.key_s)
        self.squares = np.zeros(3)  # sum (w x)^2, sum (w x)(w s), sum (w s)^2
        self.key_d, self.key_n = np.zeros(n_keys), np.zeros(n_keys)  # leave-one-out effects of used votes
        self.d_squares = 0.0

    def add(
        self,
        item: np.ndarray,
        key: np.ndarray,
        x: np.ndarray,
        s: np.ndarray,
        weight: np.ndarray | None = None,
        effect: np.ndarray | None = None,
        per_item: np.ndarray | None = None,
    ) -> None:
        """Add a pass of judgments; ``per_item``: each judgment's item's count of judgments in the ratio (crossed)."""
        x = np.asarray(x, dtype=np.float64)
        s = np.asarray(s, dtype=np.float64)
        self.x += float(x.sum())
        self.s += float(s.sum())
        self.item_x += np.bincount(item, x, self.n_items)
        self.item_s += np.bincount(item, s, self.n_items)
        self.key_x += np.bincount(key, x, self.n_keys)
        self.key_s += np.bincount(key, s, self.n_keys)
        if self.deletion and effect is not None:
            used = s > 0
            d = effect[used]
            self.key_d += np.bincount(key[used], d, self.n_keys)
            self.key_n += np.bincount(key[used], minlength=self.n_keys)
            self.d_squares += float(d @ d)
        if self.weighted and weight is not None:
            x, s = x * weight, s * weight
            self.key_xw += np.bincount(key, x, self.n_keys)
            self.key_sw += np.bincount(key, s, self.n_keys)
        self.squares += [float(x @ x), float(x @ s), float(s @ s)]
        if self.crossed and per_item is not None:  # s_j S_i(j) = s_j m_i
            self.cross_key += np.bincount(key, s * per_item, self.n_keys)

    def _crossed(self, annotator_ss: float, item_ss: float, judgment_ss: float) -> float:
        """The moment variance over the crossed design (:func:`~labeleval.inference.stats.crossed_variance`) from
        the residuals' sums of squares by annotator, item and judgment."""
        design = CrossedDesign(
            total=self.s,
            annotators=self.key_s,
            items=self.item_s,
            squares=self.s,
            cubes=self.s,
            annotator_squares=float(self.key_s @ self.key_s),
            item_squares=float(self.item_s @ self.item_s),
            cross=float(self.key_s @ self.cross_key),
        )
        return crossed_variance(design, annotator_ss, item_ss, judgment_ss)

    def finish(self) -> RatioSums:
        trials, successes = self.s, self.x
        v_items = v_annotators = v_judgments = crossed = float("nan")
        per_item = 1.0
        if trials > 0:
            r = successes / trials
            item_residual = self.item_x - r * self.item_s
            v_items = float(item_residual @ item_residual) / trials**2
            if self.deletion:  # leave-one-vote-out effects, centred: an annotator's sum is its influence
                n_used = float(self.key_n.sum())
                total_d = float(self.key_d.sum())
                mean = total_d / n_used if n_used else 0.0
                residual = self.key_d - mean * self.key_n
                v_annotators = float(residual @ residual) / trials**2
                v_judgments = max(self.d_squares - mean * total_d, 0.0) / trials**2
            else:
                residual = self.key_xw - r * self.key_sw
                v_annotators = float(residual @ residual) / trials**2
                xx, xs, ss = self.squares
                v_judgments = max(xx - 2 * r * xs + r * r * ss, 0.0) / trials**2
                if self.weighted:
                    per_item = float(self.key_sw.sum()) / trials
                elif self.crossed:
                    squares = trials**2
                    crossed = self._crossed(v_annotators * squares, v_items * squares, v_judgments * squares)
        return RatioSums(
            successes=successes,
            trials=trials,
            items=int(np.count_nonzero(self.item_s > 0)),
            annotators=int(np.count_nonzero(self.key_s > 0)),
            item_variance=v_items,
            annotator_variance=v_annotators,
            judgment_variance=v_judgments,
            per_item=per_item,
            key_sums=np.column_stack([self.key_x, self.key_s]),
            item_sums=np.column_stack([self.item_x, self.item_s]),
            crossed=crossed,
        )


class _PaySums:
    """Running sums of the cost per usable label under variable pay: per judgment the vector ``(pay, 1, usable,
    scored)``, summed per item and per annotator, and its 4 x 4 sum of outer products (the judgment-level
    variance). The relative cost ``(P / N) / (U / R)`` is a ratio of two ratios; its log has the linear
    influence ``g . v`` with ``g = (1/P, -1/N, -1/U, 1/R)``, so the item, annotator and judgment variances are
    those of the per-item, per-annotator and per-judgment sums of ``g . v``, with no per-judgment array kept."""

    def __init__(self, n_items: int, n_keys: int) -> None:
        self.n_items, self.n_keys = n_items, n_keys
        self.item, self.key = np.zeros((n_items, 4)), np.zeros((n_keys, 4))
        self.gram = np.zeros((4, 4))

    def add(self, item: np.ndarray, key: np.ndarray, pay: np.ndarray, usable: np.ndarray, scored: np.ndarray) -> None:
        columns = np.column_stack([pay, np.ones(len(pay)), usable, scored]).astype(np.float64)
        for k in range(4):
            self.item[:, k] += np.bincount(item, columns[:, k], self.n_items)
            self.key[:, k] += np.bincount(key, columns[:, k], self.n_keys)
        self.gram += columns.T @ columns

    def finish(self) -> RatioSums:
        pay, judgments, usable, scored = self.item.sum(axis=0)
        v = [float("nan")] * 3
        if pay > 0 and usable > 0 and scored > 0:
            g = np.array([1.0 / pay, -1.0 / judgments, -1.0 / usable, 1.0 / scored])
            item_residual, key_residual = self.item @ g, self.key @ g
            v = [float(item_residual @ item_residual), float(key_residual @ key_residual), float(g @ self.gram @ g)]
        return RatioSums(
            successes=float(usable),
            trials=float(scored),
            items=int(np.count_nonzero(self.item[:, 1] > 0)),
            annotators=int(np.count_nonzero(self.key[:, 1] > 0)),
            item_variance=v[0],
            annotator_variance=v[1],
            judgment_variance=max(v[2], 0.0) if np.isfinite(v[2]) else v[2],
            per_item=1.0,
            key_sums=self.key.copy(),
            item_sums=self.item.copy(),
            pay=True,
            totals=self.item.sum(axis=0),
        )


def vendor_sums(
    enc: Encoded,
    batch: VendorBatch,
    consensus: VendorConsensus,
    reference: np.ndarray,
    within: np.ndarray | None = None,
    tie: TiePolicy = TiePolicy.FRACTIONAL,
) -> dict[str, RatioSums]:
    """The ratios of one vendor, on its own items or (``within``, a mask over items) on a subset.

    Per judgment (never held beyond one pass): accuracy's ``x`` is a correct judgment on a gold item, ``s`` a
    judgment on a gold item; consensus accuracy shares a gold item's credit among its ``m`` judgments
    (``x = credit / m``, ``s = 1 / m``; weight ``m`` for the annotator part, and the vote's leave-one-out effect
    for the kind's rule); the usable rate counts judgments matching the reference label.
    """
    n_items, n_keys = enc.n_items, enc.n_keys
    hit = enc.kind.hit
    gold_rule = reference is enc.gold_code or np.array_equal(reference, enc.gold_code)
    m_item = np.maximum(batch.m, 1).astype(np.float64)
    credit_rule = np.asarray(consensus.rule_correct, dtype=np.float64)
    credit_ds = np.asarray(consensus.ds_correct, dtype=np.float64)
    ds_on = enc.kind.supports_dawid_skene
    counts, whole = _item_counts(enc, batch, m_item)  # judgments per item among those summed (crossed design)
    accuracy = _Sums(n_items, n_keys, crossed=True)
    rule = _Sums(n_items, n_keys, weighted=True, deletion=True)
    ds_votes = consensus.ds_votes if ds_on else None
    ds = _Sums(n_items, n_keys, weighted=True, deletion=ds_votes is not None)
    usable = None if gold_rule else _Sums(n_items, n_keys, crossed=True)  # the gold rule: usable = accurate
    pay_of = _pay_columns(enc, batch)
    paid = None if pay_of is None else _PaySums(n_items, n_keys)
    for start in range(0, len(batch.rows), RATIO_ROWS_PER_PASS):
        rows = batch.rows[start : start + RATIO_ROWS_PER_PASS]
        item = enc.item_codes[rows]
        key = enc.keys[rows]
        label = enc.label_codes[rows]
        gold = enc.gold_code[item]
        on_gold = gold >= 0
        if within is not None:
            on_gold &= within[item]
        # accuracy and both consensus accuracies are 0 / 0 off gold: their sums run over the judgments on gold only
        scoring = np.flatnonzero(on_gold)
        g_item, g_key, g_label = item[scoring], key[scoring], label[scoring]
        m = m_item[g_item]
        scored = 1.0 / m  # a gold item's weight, shared by its judgments
        accuracy.add(g_item, g_key, hit[g_label, gold[scoring]], m > 0, per_item=m if whole else counts[g_item])
        effect = leave_one_out(enc, batch, g_item, g_label, tie)
        rule.add(g_item, g_key, scored * credit_rule[g_item], scored, m, effect)
        ds_scored = scored if ds_on else np.zeros(len(scoring))
        ds_effect = (
            None if ds_votes is None else ds_leave_one_out(enc, batch, ds_votes, credit_ds, g_item, g_key, g_label)
        )
        ds.add(g_item, g_key, ds_scored * credit_ds[g_item], ds_scored, m, ds_effect)
        ref = reference[item]
        has_ref = ref >= 0
        if within is not None:
            has_ref &= within[item]
        if usable is not None:
            usable.add(item, key, has_ref & hit[label, np.maximum(ref, 0)], has_ref, per_item=counts[item])
        if paid is not None and pay_of is not None:
            mine = slice(None) if within is None else within[item]
            paid.add(
                item[mine],
                key[mine],
                pay_of(rows)[mine],
                (has_ref & hit[label, np.maximum(ref, 0)])[mine],
                has_ref[mine],
            )
    out = {
        "accuracy": accuracy.finish(),
        "consensus_accuracy_mv": rule.finish(),
        "consensus_accuracy_ds": ds.finish(),
    }
    # the chosen consensus is one of the two: the same sums, resampled once
    out["consensus_accuracy"] = out[
        "consensus_accuracy_ds" if consensus.chosen is consensus.ds else "consensus_accuracy_mv"
    ]
    out["usable_rate"] = out["accuracy"] if usable is None else usable.finish()
    if paid is not None:
        out["relative_cost"] = paid.finish()
    return out


def _item_counts(enc: Encoded, batch: VendorBatch, m_item: np.ndarray) -> tuple[np.ndarray, bool]:
    """Each item's count of the judgments summed: the vendor's own (``m_item``; True) or a window's (False)."""
    if isinstance(batch.positions, range) and len(batch.positions) == int(batch.m.sum()):
        return m_item, True
    return np.bincount(enc.item_codes[batch.rows], minlength=enc.n_items).astype(np.float64), False


def _pay_columns(enc: Encoded, batch: VendorBatch) -> Callable[[np.ndarray], np.ndarray] | None:
    """Each judgment's pay by row positions where the vendor's pricing makes it vary (hourly), else None."""
    ann = enc.data.annotations
    pricing = enc.data.project.vendors[batch.index].pricing
    durations = ann["duration_s"].to_numpy(dtype=np.float64) if "duration_s" in ann.columns else None
    costs = ann["cost"].to_numpy(dtype=np.float64) if "cost" in ann.columns else None
    empty = np.zeros(0)
    if judgment_pay(pricing, None if durations is None else empty, None if costs is None else empty) is None:
        return None

    def pay(rows: np.ndarray) -> np.ndarray:
        out = judgment_pay(
            pricing, None if durations is None else durations[rows], None if costs is None else costs[rows]
        )
        return np.zeros(len(rows)) if out is None else out

    return pay


def leave_one_out(enc: Encoded, batch: VendorBatch, item: np.ndarray, label: np.ndarray, tie: TiePolicy) -> np.ndarray:
    """Per judgment (``item``, ``label``, of the vendor): its item's consensus credit minus the credit without
    this one vote.

    The annotator part of consensus accuracy is how much the result leans on who voted: summed over an
    annotator's votes, these effects are its influence (the jackknife with the vote recounted). A vote
    that is its item's only one removes the item, so its effect is the item's credit minus the vendor's
    mean (accounted for by the centring of :meth:`_Sums.finish`). Ties count by the tie policy (random: its
    expectation). Only votes on gold items are scored (0 elsewhere).
    """
    kind = enc.kind
    on_gold = np.flatnonzero(enc.has_gold[item])
    out = np.zeros(len(item))
    # the effect depends on the (item, label) cell only: computed once per cell, then given to its votes
    cell, votes = np.unique(item[on_gold].astype(np.int64) * max(enc.k, 1) + label[on_gold], return_inverse=True)
    item, label = cell // max(enc.k, 1), cell % max(enc.k, 1)
    gold = enc.gold_code[item]
    effect = np.zeros(len(item))
    majority = kind.majority_vote
    counts = batch.store
    chunk = counts.rows_per_pass()
    for start in range(0, len(item), chunk):
        sl = slice(start, start + chunk)
        full = counts.rows(item[sl])
        less = full.without_votes(label[sl])
        effect[sl] = _credit(kind, full, gold[sl], tie, majority) - _credit(kind, less, gold[sl], tie, majority)
    single = batch.m[item] <= 1
    effect[single] = _credit(kind, counts.rows(item[single]), gold[single], tie, majority)
    out[on_gold] = effect[votes]
    return out


def ds_leave_one_out(
    enc: Encoded,
    batch: VendorBatch,
    votes: DawidSkeneVotes,
    credit: np.ndarray,
    item: np.ndarray,
    key: np.ndarray,
    label: np.ndarray,
) -> np.ndarray:
    """Per judgment on a gold item: its item's Dawid-Skene credit minus the credit without this vote, the fit held.

    Dawid-Skene weighs each vote by its annotator's confusion matrix, so one skilled annotator can carry many
    items: summed over an annotator's votes, these effects are its influence on the consensus (as
    :func:`leave_one_out` for the kind's rule). A vote that is its item's only one removes the item (its effect
    is the item's credit; the centring of :meth:`_Sums.finish` takes the vendor's mean off).
    """
    kind = enc.kind
    out = np.asarray(credit[item], dtype=np.float64).copy()
    several = np.flatnonzero(batch.m[item] > 1)
    if len(several):
        code = votes.without(item[several], key[several], label[several])
        less = kind.correct(code, kind.values[code], enc.gold_code[item[several]])
        out[several] = out[several] - np.asarray(less, dtype=np.float64)
    return out


def _credit(kind: Kind, counts: Counts, gold: np.ndarray, tie: TiePolicy, majority: bool) -> np.ndarray:
    if majority and tie in (TiePolicy.FRACTIONAL, TiePolicy.RANDOM):
        return counts.tie_credit(gold, kind.hit)[0]
    consensus = kind.consensus(counts, tie=tie, rng=None)
    return kind.correct(consensus.code, consensus.value, gold).astype(np.float64)


def resample_ratios(
    enc: Encoded,
    ratios: dict[tuple[str, ...], RatioSums],
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
        width = 0
        for name in keys:
            p = ratios[name]
            if id(p) not in seen:
                seen[id(p)] = slice(width, width + p.key_sums.shape[1])
                width += p.key_sums.shape[1]
                columns.append(p.key_sums)
            annot_columns[name] = seen[id(p)]
        matrix = np.hstack(columns)
        annot_boot = bootstrap_totals(matrix, n_boot=settings.n_boot, seed=settings.seed, stream=ANNOTATOR_STREAM)
    out = {}
    done: dict[int, RatioEstimate] = {}
    for name in keys:
        p = ratios[name]
        if id(p) not in done:
            boot_i = item_boot[:, item_columns[name]] if len(item_boot) else np.zeros((0, p.key_sums.shape[1]))
            boot_a = annot_boot[:, annot_columns[name]] if name in annot_columns else None
            estimate = _relative_cost if p.pay else _estimate
            done[id(p)] = estimate(p, boot_i, boot_a, settings.confidence)
        out[name] = done[id(p)]
    return out


def _ratio(totals: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        out = totals[:, 0] / totals[:, 1]
    out[totals[:, 1] <= 0] = np.nan
    return out


def _estimate(p: RatioSums, boot_i: np.ndarray, boot_a: np.ndarray | None, confidence: float) -> RatioEstimate:
    trials, value = p.trials, p.value
    v_items = p.item_variance
    item_samples = _ratio(boot_i)
    item_part = item_samples - value
    annotator_part = np.zeros_like(item_part)
    excess, df, effective, terms = 0.0, float("inf"), float(p.annotators), 0.0
    if boot_a is not None and trials > 0:
        excess, effective, terms = two_way_excess(p)
        combined = two_way_samples(
            np.array([value]), item_samples[:, None], _ratio(boot_a)[:, None], np.array([excess])
        )
        annotator_part = combined[:, 0] - item_samples
        df = two_way_df(v_items, max(p.items - 1, 1), excess, terms)
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
        successes=p.successes,
        items=p.items,
        annotators=p.annotators,
        effective_annotators=effective,
        low=float(low[0]),
        high=float(high[0]),
        df_terms=terms,
    )


def _log_cost(totals: np.ndarray) -> np.ndarray:
    """log of ``(pay / judgments) / (usable / scored)`` per row of (resamples x 4) sums; NaN where undefined."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.log(totals[:, 0] / totals[:, 1]) - np.log(totals[:, 2] / totals[:, 3])
    return np.where(np.isfinite(out), out, np.nan)


def _relative_cost(p: RatioSums, boot_i: np.ndarray, boot_a: np.ndarray | None, confidence: float) -> RatioEstimate:
    """The cost per usable label under variable pay, relative to its point value (1): its resamples, the pieces of
    its interval (on the log scale, where the two ratios' deviations add), and the interval ``exp(+-t sqrt(V))``.

    The pay per judgment and the usable labels are resampled together: the same item weights (paired with every
    other statistic) and the same annotator weights, combined as for every ratio (:func:`two_way_samples`), with
    the annotator excess of the linearised log cost (:class:`_PaySums`)."""
    centre = float(_log_cost(np.asarray(p.totals, dtype=np.float64)[None, :])[0])
    v_items = p.item_variance
    item_dev = _log_cost(boot_i) - centre if len(boot_i) else np.zeros(0)
    annotator_dev = np.zeros_like(item_dev)
    excess, df, effective, terms = 0.0, float("inf"), float(p.annotators), 0.0
    defined = np.isfinite(v_items)
    if boot_a is not None and defined:
        excess, effective, terms = two_way_excess(p)
        a_dev = _log_cost(boot_a)[:, None] - centre
        annotator_dev = two_way_samples(np.zeros(1), np.zeros_like(a_dev), a_dev, np.array([excess]))[:, 0]
        df = two_way_df(v_items, max(p.items - 1, 1), excess, terms)
    variance = v_items + excess if defined else float("nan")
    quantile = 0.5 + confidence / 2.0
    t = float(stdtrit(df, quantile)) if np.isfinite(df) else float(ndtri(quantile))
    half = t * float(np.sqrt(variance)) if defined else float("nan")
    no_interval = not len(boot_i) or not half < 700.0  # NaN, or an interval exp() cannot hold: none
    return RatioEstimate(
        value=1.0,
        samples=np.exp(item_dev + annotator_dev),
        item_part=np.expm1(item_dev),
        annotator_part=np.exp(item_dev + annotator_dev) - np.exp(item_dev),
        variance=variance,
        item_variance=v_items,
        annotator_variance=excess,
        df=df,
        trials=p.trials,
        successes=p.successes,
        items=p.items,
        annotators=p.annotators,
        effective_annotators=effective,
        low=float("nan") if no_interval else float(np.exp(-half)),
        high=float("nan") if no_interval else float(np.exp(half)),
        df_terms=terms,
    )


def two_way_excess(p: RatioSums) -> tuple[float, float, float]:
    """The annotator excess of a ratio, Kish's effective number of its annotators, and its Satterthwaite terms.

    Unequal volumes: the shrinkage of effects measured against the vendor's own mean is corrected by the exact
    factor of the volume shares (:func:`~labeleval.inference.stats.volume_factor`), and the annotator part has
    the degrees of freedom of those shares (:func:`~labeleval.inference.stats.volume_df`, ``G - 1`` when equal).

    Where the ratio has the crossed design's moment variance (``p.crossed``: accuracy, the usable rate), the
    excess is what it adds to the item variance, ``max(0, crossed - V_i)``: the components estimator subtracts
    the judgment-level variance whole, which takes away part of the item variance when annotators share their
    items (with 3 annotators who each label every item, half of it). The correction reweights the same mean
    squares by constants of the design; it adds no information, so the degrees of freedom stay those of the
    components estimator (the terms are set so that :func:`~labeleval.inference.stats.two_way_df` gives them).
    The arithmetic is :func:`excess_terms` on :func:`excess_parts`.
    """
    parts, effective = excess_parts(p)
    excess, terms = excess_terms(parts)
    return float(excess), effective, float(terms)


#: what :func:`excess_parts` keeps of a ratio, in this order (the columns :func:`excess_terms` reads)
EXCESS_PARTS = (
    "item_variance",  # V_i
    "items",
    "annotator_variance",  # V_a
    "judgment_variance",  # V_e
    "factor",  # c of inference.stats.excess_factor
    "annotator_df",  # inference.stats.volume_df
    "judgments",
    "annotators",
    "crossed",  # the crossed design's moment variance, NaN where the components estimator stays
)


def excess_parts(p: RatioSums) -> tuple[np.ndarray, float]:
    """The numbers a ratio's annotator excess and its Satterthwaite terms are made of (:data:`EXCESS_PARTS`),
    and Kish's effective number of its annotators."""
    volume = p.key_sums[:, 1]
    effective = float(volume.sum() ** 2 / (volume**2).sum()) if volume.any() else 0.0
    c = float(excess_factor([effective], p.per_item, factor=[volume_factor(volume)])[0])
    values = [p.item_variance, p.items, p.annotator_variance, p.judgment_variance, c, volume_df(volume)]
    return np.array([*values, p.trials * p.per_item, p.annotators, p.crossed], dtype=np.float64), effective


def rescaled_parts(parts: np.ndarray, scale: float | np.ndarray) -> np.ndarray:
    """:func:`excess_parts` (last axis) of a pilot of ``scale`` times the items, by the same annotators: the item
    and judgment-level variances divided by ``scale`` (each is a sum over ``scale`` times the judgments over a
    total ``scale`` times larger), the annotators' mean square keeping its annotator part ``V_a - V_e`` with the
    judgment part rescaled, the crossed variance keeping what it adds to the item variance, and the items and
    judgments multiplied. The excess stays the same; its terms (hence the df) become those of the larger or
    smaller pilot: more items, less judgment noise in the annotators' mean square, more df. ``scale``
    broadcasts against the rows (e.g. a column of sizes against a row of pilots)."""
    f = np.asarray(scale, dtype=np.float64)
    v_i, items, v_a, v_e, c, df_a, judgments, annotators, crossed = np.moveaxis(np.asarray(parts, np.float64), -1, 0)
    columns = (
        v_i / f,
        items * f,
        v_a - v_e + v_e / f,
        v_e / f,
        c,
        df_a,
        judgments * f,
        annotators,
        crossed - v_i + v_i / f,
    )
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def excess_terms(parts: np.ndarray, scale: float | np.ndarray = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The annotator excess and its Satterthwaite terms (:func:`two_way_excess`) from :func:`excess_parts` on the
    last axis (element-wise over the others, for a plan's simulated pilots); ``scale``: those of a pilot of
    ``scale`` times the items (:func:`rescaled_parts`)."""
    rows = np.asarray(parts, dtype=np.float64)
    if np.any(np.asarray(scale) != 1.0):
        rows = rescaled_parts(rows, scale)
    v_i, items, v_a, v_e, c, df_a, judgments, annotators, crossed = np.moveaxis(rows, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        excess = c * (v_a - v_e)
        excess = np.where(np.isfinite(excess), np.maximum(excess, 0.0), 0.0)
        terms = annotator_df_terms_array(v_a, v_e, c, df_a, np.maximum(judgments - annotators, 1.0))
        moment = np.isfinite(crossed) & np.isfinite(v_i)  # the same df, the crossed design's variance
        item_df = np.maximum(items - 1, 1)
        df = two_way_df_array(v_i, item_df, excess, terms)
        excess = np.where(moment, np.maximum(crossed - v_i, 0.0), excess)
        matched = np.maximum((v_i + excess) ** 2 / df - v_i**2 / item_df, 0.0)
        terms = np.where(moment & np.isfinite(df) & (df > 0), matched, terms)
    return excess, terms


def ratio_sums(
    n_items: int,
    n_keys: int,
    item: np.ndarray,
    key: np.ndarray,
    x: np.ndarray,
    s: np.ndarray,
    *,
    weight: np.ndarray | None = None,
    effect: np.ndarray | None = None,
) -> RatioSums:
    """One ratio's sums from its judgments in one pass, as :func:`vendor_sums` keeps them (``weight``: the
    consensus influence weight; ``effect``: the votes' leave-one-out effects). For a simulated pilot (the
    sample-size plans), so that a plan's variances are the report's own. Without ``weight`` and ``effect``, ``s`` is
    0 or 1 and the same for an item's judgments (the crossed design's moment variance assumes it)."""
    counts = np.bincount(item, minlength=n_items).astype(np.float64)
    sums = _Sums(n_items, n_keys, weighted=weight is not None, deletion=effect is not None, crossed=True)
    sums.add(item, key, x, s, weight, effect, per_item=counts[item])
    return sums.finish()


def analytic_estimate(sums: RatioSums, confidence: float, *, two_way: bool = True) -> RatioEstimate:
    """A ratio's estimate without resamples: the variance components, the annotators' excess and the df the
    report's interval uses (its interval and resamples are NaN and empty)."""
    none = np.zeros((0, 2))
    return _estimate(sums, none, none if two_way else None, confidence)

"""Gold audit: gold items that the pooled evidence of every vendor contradicts, with a stated error rate.

Gold labels are written by people and some are wrong; a wrong gold item lowers every vendor's accuracy and
can reorder them. Each gold item with at least ``min_judgments`` (3) judgments is **tested**: the null
hypothesis is that its gold label is right (:mod:`labeleval.inference.gold_null`). Items differ in
difficulty, so the number of judgments (every vendor's, pooled) that agree with a correct gold label is
binomial given the item's chance of a right judgment, and that chance is logit-normal (the logistic model of
skill plus difficulty): a mixture of ordinary and hard items, fitted beside a component for the wrong gold so
that the hard one does not swallow it, each null component's spread widened to about its estimate + 1.4
standard errors (the wrong-gold component could otherwise take the hardest correct items), and refitted
without the flagged items until the flags are stable; the misses of a correct gold label fall on the other
labels spread or, on an ambiguous item, clustered on one, in shares fitted on every item's off-top votes (the
hard component's items taken as all clustered). The p-value is the null probability that the most-voted other
label leads the gold label by at least the observed lead. The p-values are adjusted across the gold items, by
Holm (``control="fwer"``, the default: when every gold label is right, the chance that *any* item is called
suspect is at most ``level``, 5%, and with some wrong the chance of any false flag stays near it) or
Benjamini-Hochberg (``control="fdr"``: the expected share of correct gold items among the suspects is at most
``level``; more wrong gold found, more correct gold flagged).

An item is *suspect* when its adjusted p-value is at most ``level``, the pooled Dawid-Skene model
(:func:`labeleval.inference.consensus.dawid_skene_codes`, fitted over every vendor's judgments **without**
clamping gold) names another label as most probable, and at least ``min_vendors`` (2) vendors' own majority
votes name that label (one vendor's systematic confusion cannot overturn the gold alone). Ordinal tasks are
tested on the gold votes alone (within the task's tolerance of the gold rating), since their misses fall on
the neighbouring ratings by nature; pairwise and ordinal tasks keep their rules on what can be suspect
(:func:`_flippable`). The audit is a list to send back to the experts, not a correction:
``evaluate(..., exclude_suspect_gold=True)`` leaves the suspect items out of every accuracy figure and says
so; it never replaces a gold label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from labeleval.errors import LabelevalError
from labeleval.inference.consensus import dawid_skene_codes, dawid_skene_fits
from labeleval.inference.gold_null import (
    fit_difficulty_null,
    fit_error_clustering,
    null_lead_tail,
)
from labeleval.inference.stats import benjamini_hochberg, holm
from labeleval.io.dataset import Dataset
from labeleval.metrics.counts import counts_from_codes
from labeleval.options import AuditControl, parse_option
from labeleval.scoring.encode import encode

AUDIT_COLUMNS = (
    "rank",
    "item_id",
    "gold_label",
    "suggested_label",
    "posterior_suggested",
    "posterior_gold",
    "n_judgments",
    "vote_share_suggested",
    "vote_share_gold",
    "n_vendors",
    "vendors_agreeing",
    "p_value",
    "p_adjusted_gold",
    "suspect",
    "votes",
)

#: refits of the null on the unflagged gold items before the flags are taken as stable
_MAX_REFITS = 10


@dataclass(frozen=True)
class AuditRule:
    """When a gold item is suspect (see the module docstring)."""

    level: float = 0.05
    control: AuditControl = AuditControl.FWER
    min_vendors: int = 2
    min_judgments: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.level < 1:
            raise LabelevalError(f"the gold-audit level must be in (0, 1); got {self.level!r}")
        object.__setattr__(self, "control", parse_option(AuditControl, self.control, "gold-audit control"))
        if self.min_vendors < 1 or self.min_judgments < 1:
            raise LabelevalError("min_vendors and min_judgments of the gold audit must be at least 1")

    def statement(self) -> str:
        """The audit's error rate in words, for every output that lists suspects."""
        return error_statement(self.level, self.control)


def error_statement(level: float, control: str) -> str:
    """What the suspect list promises: Holm's family-wise or Benjamini-Hochberg's false-discovery rate."""
    if str(control) == AuditControl.FDR:
        return (
            f"on average at most {level:.0%} of the items called suspect have a correct gold label "
            "(Benjamini-Hochberg across the gold items)"
        )
    return (
        f"the chance that any correct gold item is called suspect is at most {level:.0%} (Holm across the gold items)"
    )


def supports_audit(data: Dataset) -> bool:
    """The audit needs one category per judgment: nominal, ordinal and pairwise tasks."""
    return data.project.task.kind in ("nominal", "ordinal", "pairwise")


def empty_audit(vendors: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in AUDIT_COLUMNS})
    for name in vendors:
        frame[f"votes_{name}"] = pd.Series(dtype=object)
    return frame


def gold_audit(data: Dataset, rule: AuditRule | None = None) -> pd.DataFrame:
    """Gold items contradicted by the pooled cross-vendor evidence, tested with a stated error rate.

    Returns one row per gold item whose most probable label (pooled Dawid-Skene over every vendor's
    annotators, gold not clamped) differs from the gold label: ``suggested_label`` with
    ``posterior_suggested``, ``posterior_gold``, ``n_judgments``, ``n_vendors`` (vendors that labelled it),
    ``vendors_agreeing`` (vendors whose majority vote is the suggested label), ``p_value`` (of "the gold
    label is right", allowing for item difficulty; NaN below ``min_judgments``), ``p_adjusted_gold`` (Holm or
    Benjamini-Hochberg across every tested gold item, as ``rule.control`` says), ``suspect`` (adjusted p-value
    at most ``rule.level`` and the vendor rule holds) and each vendor's votes as text (``votes_<vendor>``,
    e.g. ``"violating 4, allowed 1"``; empty when it did not label the item). Suspect rows come first,
    smallest p-value first; ``rank`` numbers them from 1. Empty for numeric and multi-label tasks, and when
    there is no gold.

    Examples
    --------
    >>> import labeleval as le
    >>> from labeleval.io.pipeline import load_data
    >>> audit = gold_audit(load_data(le.load_project("sample_data/content_safety")))  # doctest: +SKIP
    >>> audit.query("suspect")[["item_id", "gold_label", "suggested_label"]]  # doctest: +SKIP
    """
    rule = rule or AuditRule()
    vendor_names = [v.name for v in data.project.vendors]
    if not supports_audit(data) or len(data.gold) == 0 or len(data.annotations) == 0:
        return empty_audit(vendor_names)
    codes = _Codes.of(data)
    if not dawid_skene_fits(codes.n_keys, codes.k):  # too many labels for the pooled model: no audit
        return empty_audit(vendor_names)
    contradicted = _contradicted(codes, data.gold, rule)
    if contradicted is None:
        return empty_audit(vendor_names)
    evidence = _vendor_evidence(codes, contradicted, vendor_names)
    return _ranked(_audit_frame(codes, contradicted, evidence, rule), vendor_names, evidence)


@dataclass(frozen=True)
class _Codes:
    """The judgments as integer codes: items sorted, annotators keyed by vendor."""

    labels: np.ndarray
    items: np.ndarray
    item_codes: np.ndarray
    vendor_codes: np.ndarray
    label_codes: np.ndarray
    keys: np.ndarray
    n_keys: int
    kind: str
    tolerance: float

    @property
    def k(self) -> int:
        return len(self.labels)

    @classmethod
    def of(cls, data: Dataset) -> _Codes:
        """The engine's codes (:func:`labeleval.scoring.encode.encode`): the same values as factorizing the columns
        (items sorted, keys in order of first appearance), but views of the categorical codes where they are
        usable and int32 keys, not five int64 arrays per judgment (4 GB at 1e8 judgments)."""

        enc = encode(data)
        return cls(
            labels=np.asarray(enc.labels, dtype=object),
            items=enc.items,
            item_codes=enc.item_codes,
            vendor_codes=enc.vendor_codes,
            label_codes=enc.label_codes,
            keys=enc.keys,
            n_keys=enc.n_keys,
            kind=str(data.project.task.kind),
            tolerance=float(data.project.task.tolerance),
        )

    def counts(self, rows: np.ndarray | None = None) -> np.ndarray:
        """items x labels vote counts (of the judgments ``rows``, default all)."""
        if rows is None:
            return counts_from_codes(self.item_codes, self.label_codes, len(self.items), self.k)
        return counts_from_codes(self.item_codes[rows], self.label_codes[rows], len(self.items), self.k)


@dataclass(frozen=True)
class _Contradicted:
    """Gold items whose pooled posterior's best label is not gold: item index, best and gold codes, posteriors,
    the test's p-value and its adjusted value across the gold items, and whether the test flags the item."""

    idx: np.ndarray
    best: np.ndarray
    gold: np.ndarray
    posteriors: np.ndarray
    p_value: np.ndarray
    p_adjusted_gold: np.ndarray
    rejected: np.ndarray

    def at(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return values[np.arange(len(self.idx)), codes]


def _contradicted(codes: _Codes, gold: pd.Series, rule: AuditRule) -> _Contradicted | None:
    """Test every gold item, fit the pooled Dawid-Skene model (gold not clamped) and keep the gold items it
    contradicts."""
    fit = dawid_skene_codes(codes.item_codes, codes.keys, codes.label_codes, len(codes.items), codes.n_keys, codes.k)
    gold_codes = (
        pd.Series(gold.cat.codes.to_numpy(dtype=np.int64), index=gold.index)
        .reindex(pd.Index(codes.items))
        .fillna(-1)
        .to_numpy(dtype=np.int64)
    )
    on_gold = np.flatnonzero(gold_codes >= 0)
    posteriors = fit.posteriors[on_gold]
    best = posteriors.argmax(axis=1)
    keep = best != gold_codes[on_gold]
    if not keep.any():
        return None
    p_value, p_adjusted, rejected = _tests(codes, on_gold, gold_codes[on_gold], rule)
    return _Contradicted(
        on_gold[keep],
        best[keep],
        gold_codes[on_gold][keep],
        posteriors[keep],
        p_value[keep],
        p_adjusted[keep],
        rejected[keep],
    )


def _tests(
    codes: _Codes, on_gold: np.ndarray, gold: np.ndarray, rule: AuditRule
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per gold item: the p-value of "this gold label is right", its adjusted value across the gold items with
    at least ``min_judgments`` judgments (NaN for the others) and whether it is rejected. The null's
    null is refitted on the items not rejected until the rejections are stable."""
    total = codes.counts()
    agree, other, n, width = _votes_for_test(codes, total[on_gold], gold)
    spread = fit_error_clustering(_off_top(total)) if width >= 2 else None
    tested = n >= rule.min_judgments
    adjust = benjamini_hochberg if rule.control == AuditControl.FDR else holm
    p_value = np.full(len(n), np.nan)
    adjusted = np.full(len(n), np.nan)
    rejected = np.zeros(len(n), dtype=bool)
    for _ in range(_MAX_REFITS):
        null = fit_difficulty_null(agree[~rejected], n[~rejected], floor=1.0 / codes.k)
        p_value[tested] = null_lead_tail(agree[tested], other[tested], n[tested], null, spread, width)
        adjusted = adjust(p_value)
        now = tested & (np.nan_to_num(adjusted, nan=1.0) <= rule.level) & (other > agree)
        if np.array_equal(now, rejected):
            break
        rejected = now
    return p_value, adjusted, rejected


def _votes_for_test(
    codes: _Codes, counts: np.ndarray, gold: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Per gold item, what the test counts: votes for gold, votes for the most-voted other label, judgments,
    and how many other labels the misses can fall on. Ordinal: the ratings within the task's tolerance of
    gold count for it, and the gold votes alone are tested (misses fall on the neighbouring ratings by
    nature, so their clustering says nothing)."""
    rows = np.arange(len(gold))
    n = counts.sum(axis=1)
    if codes.kind == "ordinal":
        agree = _mass(codes, counts, gold)
        return agree, n - agree, n, 1
    masked = counts.copy()
    masked[rows, gold] = -1
    other = masked.max(axis=1) if codes.k > 1 else np.zeros_like(n)
    return counts[rows, gold], other, n, codes.k - 1


def _off_top(total: np.ndarray) -> np.ndarray:
    """The votes off the most-voted label of each item where they are at least a third of its votes: the
    ambiguous items, whose misses are the ones that matter when a gold label gets few votes."""
    off = total.sum(axis=1) - total.max(axis=1)
    total = total[(off >= 2) & (3 * off >= total.sum(axis=1))]
    mask = np.ones(total.shape, dtype=bool)
    mask[np.arange(len(total)), total.argmax(axis=1)] = False
    return total[mask].reshape(len(total), total.shape[1] - 1)


@dataclass(frozen=True)
class _Evidence:
    """Per contradicted item: vendors that labelled it, vendors whose sole majority is the suggested label, and
    each vendor's votes as text."""

    n_vendors: np.ndarray
    agreeing: np.ndarray
    votes: dict[str, list[str]]


def _vendor_evidence(codes: _Codes, c: _Contradicted, vendor_names: list[str]) -> _Evidence:
    n_vendors = np.zeros(len(c.idx), dtype=np.int64)
    agreeing = np.zeros(len(c.idx), dtype=np.int64)
    votes: dict[str, list[str]] = {}
    for index, name in enumerate(vendor_names):
        counts = codes.counts(codes.vendor_codes == index)[c.idx]
        labelled = counts.sum(axis=1) > 0
        n_vendors += labelled
        if codes.kind == "ordinal" and codes.tolerance > 0:  # most of its ratings within tolerance of it
            near = _mass(codes, counts, c.best)
            agreeing += labelled & (near > counts.sum(axis=1) / 2) & (near > _mass(codes, counts, c.gold))
        else:  # its majority vote is the suggested label, alone at the top
            top = counts.max(axis=1)
            sole_top = (counts == top[:, None]).sum(axis=1) == 1
            agreeing += labelled & sole_top & (c.at(counts, c.best) == top)
        votes[name] = [_votes(row, codes.labels) for row in counts]
    return _Evidence(n_vendors, agreeing, votes)


def _flippable(codes: _Codes, c: _Contradicted) -> np.ndarray:
    """Which contradictions can make an item suspect. In a pairwise task only a reversed preference (gold A,
    evidence B or the reverse) does: annotators call a close pair a tie far more often than experts, so
    "gold A, crowd says tie" is a close pair, not a wrong gold (the preference_pairs sample had 6 such false
    alarms among 250 correct gold items). In an ordinal task, evidence within the task's tolerance (in scale
    steps) of the gold rating does not make it suspect either. Those rows stay in the audit, not suspect."""
    if codes.kind == "ordinal":  # within the task's tolerance a rating is right: off by that much is not wrong
        return np.abs(c.best - c.gold) > codes.tolerance + 1e-9
    if codes.kind != "pairwise":
        return np.ones(len(c.idx), dtype=bool)
    return (codes.labels[c.best] != "tie") & (codes.labels[c.gold] != "tie")


def _mass(codes: _Codes, values: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Per row, ``values`` at label ``centre``; in an ordinal task with a tolerance, summed over the labels
    within the tolerance of it (the ratings that count as right if ``centre`` is the truth)."""
    if codes.kind != "ordinal" or codes.tolerance <= 0:
        return values[np.arange(len(centre)), centre]
    window = np.abs(np.arange(codes.k)[None, :] - centre[:, None]) <= codes.tolerance + 1e-9
    return (values * window).sum(axis=1)


def _audit_frame(codes: _Codes, c: _Contradicted, e: _Evidence, rule: AuditRule) -> pd.DataFrame:
    """One row per contradicted gold item, with the suspect rule applied."""
    total = codes.counts()[c.idx]
    n_judgments = total.sum(axis=1)
    share_suggested = _mass(codes, total, c.best) / np.maximum(n_judgments, 1)
    share_gold = _mass(codes, total, c.gold) / np.maximum(n_judgments, 1)
    posterior_suggested = _mass(codes, c.posteriors, c.best)
    posterior_gold = _mass(codes, c.posteriors, c.gold)
    suspect = (
        c.rejected
        & (e.agreeing >= np.minimum(rule.min_vendors, np.maximum(e.n_vendors, 1)))
        & (n_judgments >= rule.min_judgments)
        & _flippable(codes, c)
    )
    return pd.DataFrame(
        {
            "item_id": codes.items[c.idx],
            "gold_label": codes.labels[c.gold],
            "suggested_label": codes.labels[c.best],
            "posterior_suggested": posterior_suggested,
            "posterior_gold": posterior_gold,
            "n_judgments": n_judgments.astype(np.int64),
            "vote_share_suggested": share_suggested,
            "vote_share_gold": share_gold,
            "n_vendors": e.n_vendors,
            "vendors_agreeing": e.agreeing,
            "p_value": c.p_value,
            "p_adjusted_gold": c.p_adjusted_gold,
            "suspect": suspect,
            "votes": [_votes(row, codes.labels) for row in total],
        }
    )


def _ranked(frame: pd.DataFrame, vendor_names: list[str], e: _Evidence) -> pd.DataFrame:
    """Each vendor's votes as a column; suspects first, smallest p-value first; ``rank`` from 1."""
    for name in vendor_names:
        frame[f"votes_{name}"] = e.votes[name]
    frame = frame.sort_values(
        ["suspect", "p_value", "posterior_gold", "item_id"],
        ascending=[False, True, True, True],
        na_position="last",
        ignore_index=True,
    )
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def _votes(row: np.ndarray, labels: np.ndarray) -> str:
    order = np.argsort(-row, kind="stable")
    return ", ".join(f"{labels[c]} {int(row[c])}" for c in order if row[c] > 0)


def suspect_items(audit: pd.DataFrame) -> list[str]:
    """Item ids the audit marks as suspect."""
    if audit.empty:
        return []
    return [str(i) for i in audit.loc[audit["suspect"].astype(bool), "item_id"]]


def without_items(data: Dataset, item_ids: list[str]) -> Dataset:
    """The same Dataset with ``item_ids`` removed from the gold (their judgments stay: they still count for
    agreement and cost, only not as gold)."""

    if not item_ids:
        return data
    keep = ~pd.Index(data.gold.index).isin(item_ids)
    return replace(data, gold=data.gold[keep])

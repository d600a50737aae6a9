"""Gold audit: gold items that the pooled evidence of every vendor contradicts.

Gold labels are written by people and some are wrong; a wrong gold item lowers every vendor's accuracy and
can reorder them. The audit fits one Dawid-Skene model (:func:`labeleval.inference.consensus.dawid_skene_codes`) over
the judgments of *every* vendor, each annotator keyed by vendor and id, **without** clamping gold items
(the gold label must not vote for itself). An item is *suspect* when the model's most probable label is not
the gold label, with posterior probability at least ``threshold`` (default 0.99), the model's probability of
the gold label at most ``1 - threshold``, at least ``min_vendors`` (2) vendors' own majority votes name
that same other label (so a single vendor's systematic confusion cannot overturn the gold alone), and the
pooled judgments favour that label over the gold label by at least ``min_margin`` (0.25) of the votes
(a near-split is an ambiguous item, listed but not called suspect).

Dawid-Skene treats annotators as independent given the true label; items that fool everyone the same way
(a hard item, not a wrong gold) break that assumption and yield over-confident posteriors. The vendor rule
is the guard against that, and the audit is a list to send back to the experts, not a correction:
``evaluate(..., exclude_suspect_gold=True)`` leaves the suspect items out of every accuracy figure and says
so; it never replaces a gold label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from labeleval.errors import LabelevalError
from labeleval.inference.consensus import dawid_skene_codes, dawid_skene_fits
from labeleval.io.dataset import Dataset
from labeleval.metrics.counts import counts_from_codes
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
    "suspect",
    "votes",
)


@dataclass(frozen=True)
class AuditRule:
    """When a gold item is suspect (see the module docstring)."""

    threshold: float = 0.99
    min_vendors: int = 2
    min_judgments: int = 3
    min_margin: float = 0.25

    def __post_init__(self) -> None:
        if not 0.5 < self.threshold < 1:
            raise LabelevalError(f"the gold-audit threshold must be in (0.5, 1); got {self.threshold!r}")
        if not 0 <= self.min_margin <= 1:
            raise LabelevalError(f"the gold-audit min_margin must be in [0, 1]; got {self.min_margin!r}")
        if self.min_vendors < 1 or self.min_judgments < 1:
            raise LabelevalError("min_vendors and min_judgments of the gold audit must be at least 1")


def supports_audit(data: Dataset) -> bool:
    """The audit needs one category per judgment: nominal, ordinal and pairwise tasks."""
    return data.project.task.kind in ("nominal", "ordinal", "pairwise")


def empty_audit(vendors: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in AUDIT_COLUMNS})
    for name in vendors:
        frame[f"votes_{name}"] = pd.Series(dtype=object)
    return frame


def gold_audit(data: Dataset, rule: AuditRule | None = None) -> pd.DataFrame:
    """Gold items contradicted by the pooled cross-vendor Dawid-Skene posterior, most contradicted first.

    Returns one row per gold item whose most probable label (pooled over every vendor's annotators, gold
    not clamped) differs from the gold label: ``suggested_label`` with ``posterior_suggested``,
    ``posterior_gold`` (the model's probability that the gold label is right), ``n_judgments``,
    ``n_vendors`` (vendors that labelled it), ``vendors_agreeing`` (vendors whose majority vote is the
    suggested label), ``suspect`` (the rule holds) and each vendor's votes as text
    (``votes_<vendor>``, e.g. ``"violating 4, allowed 1"``; empty when it did not label the item). Suspect
    rows come first, ranked by ``posterior_gold`` (lowest first); ``rank`` numbers them from 1.
    Empty for numeric and multi-label tasks, and when there is no gold.

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
    contradicted = _contradicted(codes, data.gold)
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
    """Gold items whose pooled posterior's best label is not gold: item index, best and gold codes, posteriors."""

    idx: np.ndarray
    best: np.ndarray
    gold: np.ndarray
    posteriors: np.ndarray

    def at(self, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        return values[np.arange(len(self.idx)), codes]


def _contradicted(codes: _Codes, gold: pd.Series) -> _Contradicted | None:
    """Fit the pooled Dawid-Skene model (gold not clamped) and keep the gold items it contradicts."""
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
    return _Contradicted(on_gold[keep], best[keep], gold_codes[on_gold][keep], posteriors[keep])


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
        (share_suggested - share_gold >= rule.min_margin)
        & (posterior_suggested >= rule.threshold)
        & (posterior_gold <= 1.0 - rule.threshold)
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
            "suspect": suspect,
            "votes": [_votes(row, codes.labels) for row in total],
        }
    )


def _ranked(frame: pd.DataFrame, vendor_names: list[str], e: _Evidence) -> pd.DataFrame:
    """Each vendor's votes as a column; suspects first, lowest gold posterior first; ``rank`` from 1."""
    for name in vendor_names:
        frame[f"votes_{name}"] = e.votes[name]
    frame = frame.sort_values(
        ["suspect", "posterior_gold", "posterior_suggested", "item_id"],
        ascending=[False, True, False, True],
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

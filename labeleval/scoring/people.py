"""Frames with one row per annotator (report cards) and per (item, vendor), and the kind's own metrics."""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from labeleval.scoring.annotators import report_cards
from labeleval.scoring.consensus import VendorConsensus
from labeleval.scoring.encode import Encoded, VendorBatch, narrow
from labeleval.scoring.settings import Settings
from labeleval.scoring.task_metrics import VendorData, task_metrics
from labeleval.tuning import AGREEMENT_ROWS_PER_PASS, VOTE_COLUMNS_MAX


def kind_metrics(
    enc: Encoded, batches: list[VendorBatch], consensus: list[VendorConsensus], settings: Settings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``Report.task_metrics``, per-annotator extras keyed by annotator key): see
    :mod:`labeleval.scoring.task_metrics`."""
    ann = enc.data.annotations
    shown_all = None
    if "shown_first" in ann.columns:
        order = ann["shown_first"].to_numpy(dtype=object)
        shown_all = np.where(order == "A", 0, np.where(order == "B", 1, -1)).astype(np.int64)
    strength_all = ann["strength"].to_numpy(dtype=object) if "strength" in ann.columns else None
    vendors = [
        VendorData(
            name=b.name,
            counts=b.counts if enc.kind.dense_metrics else b.store.matrix,
            item_codes=b.of(enc.item_codes),  # views where a vendor's rows are one range
            label_codes=b.of(enc.label_codes),
            keys=b.of(enc.keys),
            consensus_value=c.chosen.value,
            shown_first=b.of(shown_all) if shown_all is not None else None,
            strength=b.of(strength_all) if strength_all is not None else None,
        )
        for b, c in zip(batches, consensus, strict=True)
    ]
    return task_metrics(enc.kind, vendors, enc.gold_code, settings.confidence)


def annotators(
    enc: Encoded,
    batches: list[VendorBatch],
    consensus: list[VendorConsensus],
    settings: Settings,
    extras: pd.DataFrame,
) -> pd.DataFrame:
    """Report cards (see :mod:`labeleval.scoring.annotators`), with the kind's per-annotator extras joined."""
    ann = enc.data.annotations
    keys = enc.keys
    first = np.full(enc.n_keys, -1, dtype=np.int64)
    for start in reversed(range(0, len(keys), AGREEMENT_ROWS_PER_PASS)):  # passes from the last: the first row wins
        stop = min(start + AGREEMENT_ROWS_PER_PASS, len(keys))
        first[keys[start:stop][::-1]] = np.arange(start, stop, dtype=narrow(keys[:0], len(keys)).dtype)[::-1]
    agrees = np.zeros(len(keys), dtype=bool)
    comparable = np.zeros(len(keys), dtype=bool)
    ds_accuracy = np.full(enc.n_keys, np.nan)
    for b, c in zip(batches, consensus, strict=True):
        # each judgment against the majority of the others on its item, from the item's top two counts
        # (no judgments x K matrix), over passes of the vendor's rows (a few int64 arrays per pass)
        for rows in b.passes(AGREEMENT_ROWS_PER_PASS):
            agrees[rows], comparable[rows] = b.store.leave_one_out_agreement(
                enc.item_codes[rows], enc.label_codes[rows]
            )
        known = np.isfinite(c.ds_accuracy)
        ds_accuracy[known] = c.ds_accuracy[known]
    # the first row of each annotator, not a per-judgment object array
    vendor_names = ann["vendor"].iloc[first].to_numpy().astype(str)
    row_gold = enc.gold_code.astype(_small_signed(enc.k))[enc.item_codes]  # compared and indexed only
    row_hit = gold_hits(enc, row_gold)
    frame = report_cards(
        keys=keys,
        n_keys=enc.n_keys,
        vendor_names=vendor_names,
        annotator_ids=ann["annotator_id"].iloc[first].to_numpy(),
        label_codes=enc.label_codes,
        row_gold=row_gold,
        leave_one_out=(agrees, comparable),
        durations=ann["duration_s"].to_numpy(dtype=np.float64) if "duration_s" in ann.columns else None,
        ds_accuracy=ds_accuracy,
        vendor_of_key=vendor_names,
        vendor_accuracy={b.name: _gold_accuracy(b.of(row_gold), b.of(row_hit)) for b in batches},
        k=enc.k,
        confidence=settings.confidence,
        rules=settings.rules,
        row_hit=row_hit,
    )
    if len(extras.columns) > 1:
        frame = frame.join(extras.set_index("key"), how="left")
    if enc.data.consolidated:  # a vendor's consolidated answers are no person's: no report card
        frame = frame[~frame["vendor"].astype(str).isin(enc.data.consolidated)]
    return frame.sort_values(["vendor", "annotator_id"], ignore_index=True)


def _small_signed(k: int) -> np.dtype:
    """The narrowest signed integer type that holds the codes -1 .. k - 1 (1 byte per judgment for a few labels)."""
    return np.dtype(np.int8 if k < 2**7 else np.int16 if k < 2**15 else np.int32 if k < 2**31 else np.int64)


def gold_hits(enc: Encoded, row_gold: np.ndarray) -> np.ndarray:
    """Per judgment: on a gold item and matching gold under the kind's rule (``kind.hit``: a rating within the
    tolerance, a label set at the Jaccard threshold), as the vendor's accuracy counts it."""
    on_gold = row_gold >= 0
    hit = np.zeros(len(row_gold), dtype=bool)
    hit[on_gold] = enc.kind.hit[enc.label_codes[on_gold], row_gold[on_gold]]
    return hit


def _gold_accuracy(row_gold: np.ndarray, row_hit: np.ndarray) -> float:
    """The vendor's share of judgments on gold items that match gold under the kind's rule (the annotators'
    baseline: the point estimate of the vendor's accuracy on the other pages)."""
    total = int((row_gold >= 0).sum())
    return float(row_hit.sum() / total) if total else float("nan")


#: the items frame's one text column of votes above :data:`~labeleval.tuning.VOTE_COLUMNS_MAX` labels: the labels
#: the item received and their counts, most votes first ("c12 2, c7 1")
VOTES_TEXT: Final = "votes_by_label"


def vote_text(b: VendorBatch, labels: list[str]) -> np.ndarray:
    """Per item: ``"label count, label count"`` over the labels it received, most votes first (ties in label
    order); empty text where the vendor gave none."""
    cells = b.cells
    item = np.repeat(np.arange(cells.shape[0]), np.diff(cells.indptr))
    order = np.lexsort((cells.indices, -cells.data, item))
    names = np.asarray(labels, dtype=object)[cells.indices[order]]
    parts = pd.Series(names + " " + cells.data[order].astype(str).astype(object), dtype=object)
    joined = parts.groupby(item[order], sort=True).agg(", ".join)
    out = np.full(cells.shape[0], "", dtype=object)
    out[joined.index.to_numpy()] = joined.to_numpy()
    return out


def items(enc: Encoded, batches: list[VendorBatch], consensus: list[VendorConsensus]) -> pd.DataFrame:
    """One row per (item, vendor): consensus, confidence, gold, whether vendors disagree, votes per label.

    Each column is put together across vendors first and the frame made once: a frame per vendor
    and their concatenation held the frame's 20M rows twice at 1e8 judgments. Counts (``n_judgments``,
    ``votes_<label>``) are int32 (a vendor's judgments of one item), half the int64's memory."""
    pairs = list(zip(batches, consensus, strict=True))
    values = np.column_stack([np.where(b.labelled & (c.chosen.code >= 0), c.chosen.value, np.nan) for b, c in pairs])
    resolved = np.isfinite(values)
    high = np.where(resolved, values, -np.inf).max(axis=1)
    low = np.where(resolved, values, np.inf).min(axis=1)
    disagree = (resolved.sum(axis=1) >= 2) & (high - low > enc.kind.tolerance + 1e-9)
    del values, resolved, high, low
    labels = np.asarray([*enc.labels, None], dtype=object)
    columns: dict[str, list[np.ndarray]] = {}

    def put(name: str, part: np.ndarray) -> None:
        columns.setdefault(name, []).append(np.asarray(part))

    for b, c in pairs:
        idx = np.flatnonzero(b.labelled)
        gold = enc.gold_code[idx]
        put("item_id", enc.items[idx])
        put("vendor", np.full(len(idx), b.name, dtype=object))
        put("n_judgments", b.m[idx].astype(np.int32))  # counts as int32: 4 bytes a row less at 20M rows
        put("consensus", enc.kind.consensus_text(c.chosen, idx))
        put("confidence", c.chosen.confidence[idx])
        if enc.kind.numeric:
            put("gold_label", np.where(gold >= 0, enc.kind.values[np.maximum(gold, 0)], np.nan))
        else:
            put("gold_label", labels[gold])
        put("consensus_correct", np.where(gold >= 0, c.chosen_correct[idx].astype(float), np.nan))
        put("vendors_disagree", disagree[idx])
        if enc.kind.numeric:
            continue
        if enc.k <= VOTE_COLUMNS_MAX:  # vote columns, not one insert per label
            for j, label in enumerate(enc.labels):
                put(f"votes_{label}", b.counts[idx, j].astype(np.int32))
        else:  # many labels: the item's own labels as text, most votes first (not K columns)
            put(VOTES_TEXT, vote_text(b, enc.labels)[idx])
    frame: dict[str, np.ndarray | pd.Series] = {}
    for name in list(columns):
        values = np.concatenate(columns.pop(name))
        # text columns become the frame's string dtype one at a time (as the constructor would infer it), so that
        # no more than one column is held both as Python objects and as strings
        frame[name] = pd.Series(values, copy=False) if values.dtype == object else values
        del values
    return pd.DataFrame(frame, copy=False)  # the arrays are this frame's own: no second copy of 20M rows

"""Encoding: integer codes for items, labels, vendors and annotators, and one count matrix per vendor.

Everything after this step works on these arrays; it is computed once per evaluation and never changed.
Items are indexed in sorted order, so results do not depend on the order of the input rows.

Each vendor's count matrix is a :class:`~labeleval.metrics.forms.Counts` in the form
:func:`~labeleval.metrics.forms.counts_for` chooses: dense where it is small, else its non-zero cells (memory
linear in the judgments whatever the number of categories: many labels, or a numeric scale's many distinct
values). Every later step asks the counts through that interface, whichever form they are in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Final

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.io.dataset import Dataset
from labeleval.metrics.forms import Counts, DenseCounts, counts_for
from labeleval.scoring.cost import CostBreakdown, cost_breakdown
from labeleval.scoring.kinds import Kind, kind_for

#: why a consolidated-only vendor (``Dataset.consolidated``) has no per-judgment accuracy and no agreement
CONSOLIDATED_NOTE: Final = (
    "one consolidated answer per item, no per-annotator judgments: compared on consensus accuracy"
)


@dataclass(frozen=True)
class Encoded:
    """A project's judgments as codes, shared by every vendor.

    Per judgment: ``item_codes`` (into ``items``), ``label_codes`` (into ``labels``), ``vendor_codes`` and
    ``keys`` (annotator keyed by vendor + annotator id). Per item: ``gold_code`` (-1 without gold).
    """

    data: Dataset
    kind: Kind
    labels: list[str]
    items: np.ndarray
    item_codes: np.ndarray
    label_codes: np.ndarray
    vendor_codes: np.ndarray
    gold_code: np.ndarray
    keys: np.ndarray

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def k(self) -> int:
        return len(self.labels)

    @cached_property
    def has_gold(self) -> np.ndarray:
        return self.gold_code >= 0

    @cached_property
    def n_keys(self) -> int:
        return int(self.keys.max()) + 1 if len(self.keys) else 0


@dataclass(frozen=True)
class VendorBatch:
    """One vendor's judgments: row positions, items x labels counts and what it costs.

    ``store`` holds the counts as the engine uses them (:func:`~labeleval.metrics.forms.counts_for`: dense where
    small, else the non-zero cells). :attr:`counts` and :attr:`cells` give either raw form on demand, held once
    made (the dense one only for few categories)."""

    index: int
    name: str
    positions: np.ndarray | range  # the row positions, or their range where they are contiguous
    store: Counts
    m: np.ndarray  # judgments per item
    cost: CostBreakdown

    @property
    def rows(self) -> np.ndarray:
        """The vendor's row positions in the Dataset (int32 where they fit). A Dataset holds each vendor's rows
        together, so they are a range, made on each use rather than held (4 bytes per judgment)."""
        if isinstance(self.positions, range):
            return np.arange(self.positions.start, self.positions.stop, dtype=_position_dtype(self.positions.stop))
        return self.positions

    def passes(self, size: int) -> Iterator[np.ndarray | slice]:
        """The vendor's row positions, ``size`` at a time: slices where they are one range, else arrays."""
        for start in range(0, len(self.positions), size):
            if isinstance(self.positions, range):
                yield slice(self.positions.start + start, min(self.positions.start + start + size, self.positions.stop))
            else:
                yield self.positions[start : start + size]

    def of(self, values: np.ndarray) -> np.ndarray:
        """The vendor's part of a per-judgment array: a view where its rows are one range (no copy), else
        ``values[rows]``."""
        if isinstance(self.positions, range):
            return values[self.positions.start : self.positions.stop]
        return values[self.positions]

    @property
    def dense(self) -> bool:
        """Whether the counts are held dense (for a step that combines several vendors' counts in one form)."""
        return isinstance(self.store, DenseCounts)

    @cached_property
    def counts(self) -> np.ndarray:
        """The dense items x K count matrix (int64)."""
        return self.store.dense()

    @cached_property
    def cells(self) -> sparse.csr_array:
        """The counts' non-zero cells (CSR; ``indices`` the labels, ``data`` the counts)."""
        return self.store.cells()

    @cached_property
    def labelled(self) -> np.ndarray:
        """Items the vendor labelled at least once."""
        return self.m > 0

    @property
    def n_judgments(self) -> int:
        return len(self.positions)

    @cached_property
    def n_items(self) -> int:
        return int(self.labelled.sum())

    @property
    def cost_per_label(self) -> float:
        return self.cost.total / self.n_judgments if self.n_judgments else float("nan")


def encode(data: Dataset) -> Encoded:
    """Codes for every judgment of ``data``."""
    ann = data.annotations
    labels = [str(c) for c in ann["label"].cat.categories]
    item_codes, items = _item_codes(ann["item_id"])
    item_codes = narrow(item_codes, len(items) * max(len(labels), 1))
    gold = data.gold
    gold_codes = pd.Series(gold.cat.codes.to_numpy(dtype=np.int64), index=gold.index)
    vendor_codes = ann["vendor"].cat.codes.to_numpy()
    return Encoded(
        data=data,
        kind=kind_for(data.project.task, tuple(labels)),
        labels=labels,
        items=np.asarray(items, dtype=object),
        item_codes=item_codes,
        label_codes=_label_codes(ann["label"]),
        vendor_codes=vendor_codes,
        gold_code=gold_codes.reindex(pd.Index(items)).fillna(-1).to_numpy(dtype=np.int64),
        keys=_annotator_keys(ann["annotator_id"], vendor_codes),
    )


def _item_codes(item_ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Items in sorted order and each judgment's item code: ``pd.factorize(item_ids, sort=True)``. A chunked
    read's item ids are categorical with their categories sorted already; where every category is used those
    codes are the answer, taken as they are (no per-judgment copy or hash table at 1e8 judgments)."""
    if isinstance(item_ids.dtype, pd.CategoricalDtype):
        codes = np.asarray(item_ids.array.codes)  # a read-only view of the codes, not a copy
        categories = item_ids.cat.categories
        sorted_ids = categories.is_monotonic_increasing and len(codes) > 0 and codes.min() >= 0
        if sorted_ids and np.bincount(codes, minlength=len(categories)).all():
            return codes, categories
    item_codes, items = pd.factorize(item_ids, sort=True)
    return item_codes, pd.Index(items)


def _position_dtype(bound: int) -> np.dtype:
    return np.dtype(np.int32 if bound < 2**31 else np.int64)


def _label_codes(labels: pd.Series) -> np.ndarray:
    """Each judgment's label code: the categorical's own codes (int8 up to 127 labels) as they are, a read-only
    view, not an int32 copy (4 bytes per judgment less). They are only compared, used as indices or
    added to wider arrays (``key * k + label``), never multiplied in their own type."""
    codes = np.asarray(labels.array.codes)
    codes.flags.writeable = False
    return codes


def narrow(codes: np.ndarray, bound: int) -> np.ndarray:
    """Codes as int32 where ``bound`` (the largest value formed from them, e.g. code x K) fits, else int64:
    half the memory per judgment."""
    return codes.astype(np.int32 if bound < 2**31 else np.int64, copy=False)


def _annotator_keys(annotator_ids: pd.Series, vendor_codes: np.ndarray) -> np.ndarray:
    """Annotator code per judgment, keyed by vendor + annotator id (the same id at two vendors is two people);
    codes in order of first appearance (a chunked read's categorical ids give the same codes as text)."""
    a_codes = annotator_ids.cat.codes.to_numpy() if isinstance(annotator_ids.dtype, pd.CategoricalDtype) else None
    if a_codes is not None and (a_codes >= 0).all():  # the category codes: no per-judgment factorize
        n_a = len(annotator_ids.cat.categories)
    else:
        a_codes, uniques = pd.factorize(annotator_ids)
        n_a = len(uniques)
    n_v = int(vendor_codes.max()) + 1 if len(vendor_codes) else 1
    wide = np.dtype(np.int32) if n_v * max(n_a, 1) < 2**31 else np.dtype(np.int64)
    key = vendor_codes.astype(wide) * max(n_a, 1) + a_codes.astype(wide, copy=False)
    codes, uniques = pd.factorize(key)
    del key
    return narrow(codes, len(uniques) * 2**16)


def vendor_batches(enc: Encoded) -> list[VendorBatch]:
    """One :class:`VendorBatch` per vendor of the project, in manifest order."""
    out = []
    for index, spec in enumerate(enc.data.project.vendors):
        rows = narrow(np.flatnonzero(enc.vendor_codes == index), len(enc.vendor_codes))
        positions: np.ndarray | range = rows
        where: np.ndarray | slice = rows
        if len(rows) and int(rows[-1]) - int(rows[0]) == len(rows) - 1:  # one contiguous range (the usual case)
            positions = range(int(rows[0]), int(rows[-1]) + 1)
            where = slice(positions.start, positions.stop)  # views of the codes, not copies
        item_codes, label_codes = enc.item_codes[where], enc.label_codes[where]
        del rows, where
        store = counts_for(item_codes, label_codes, enc.n_items, enc.k)
        out.append(
            VendorBatch(
                index=index,
                name=spec.name,
                positions=positions,
                store=store,
                m=np.asarray(store.totals(), dtype=np.int64).reshape(enc.n_items),
                cost=cost_breakdown(spec.pricing, enc.data.billing[spec.name]),
            )
        )
    return out


def per_item_only(enc: Encoded, batches: list[VendorBatch]) -> tuple[Encoded, list[VendorBatch]]:
    """``enc`` and ``batches`` without their per-judgment arrays (label codes, annotator keys, vendor codes,
    row positions where held: 0.8 GB at 1e8 judgments), for the last step, which needs only per-item arrays (the items
    frame): so that they are let go before it, not held with it. ``n_judgments`` and
    ``cost_per_label`` are not meaningful on the result."""
    empty = np.zeros(0, dtype=np.int32)
    slim = replace(enc, item_codes=empty, label_codes=empty, vendor_codes=empty, keys=empty)
    return slim, [replace(b, positions=empty) for b in batches]

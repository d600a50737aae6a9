"""Encoding: integer codes for items, labels, vendors and annotators, and one count matrix per vendor.

Everything after this step works on these arrays; it is computed once per evaluation and never changed.
Items are indexed in sorted order, so results do not depend on the order of the input rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from labeleval.cost import CostBreakdown, cost_breakdown
from labeleval.dataset import Dataset
from labeleval.kinds import Kind, kind_for
from labeleval.metrics.counts import counts_from_codes


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
    """One vendor's judgments: row positions, items x labels counts and what it costs."""

    index: int
    name: str
    rows: np.ndarray
    counts: np.ndarray
    m: np.ndarray  # judgments per item
    cost: CostBreakdown

    @cached_property
    def labelled(self) -> np.ndarray:
        """Items the vendor labelled at least once."""
        return self.m > 0

    @property
    def n_judgments(self) -> int:
        return len(self.rows)

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
    item_codes, items = pd.factorize(ann["item_id"], sort=True)
    gold = data.gold
    gold_codes = pd.Series(gold.cat.codes.to_numpy(dtype=np.int64), index=gold.index)
    vendor_codes = ann["vendor"].cat.codes.to_numpy()
    return Encoded(
        data=data,
        kind=kind_for(data.project.task, tuple(labels)),
        labels=labels,
        items=np.asarray(items, dtype=object),
        item_codes=item_codes,
        label_codes=ann["label"].cat.codes.to_numpy().astype(np.int64),
        vendor_codes=vendor_codes,
        gold_code=gold_codes.reindex(pd.Index(items)).fillna(-1).to_numpy(dtype=np.int64),
        keys=_annotator_keys(ann["annotator_id"], vendor_codes),
    )


def _annotator_keys(annotator_ids: pd.Series, vendor_codes: np.ndarray) -> np.ndarray:
    """Annotator code per judgment, keyed by vendor + annotator id (the same id at two vendors is two people)."""
    a_codes, _ = pd.factorize(annotator_ids)
    key = vendor_codes.astype(np.int64) * (int(a_codes.max()) + 1 if len(a_codes) else 1) + a_codes
    return pd.factorize(key)[0]


def vendor_batches(enc: Encoded) -> list[VendorBatch]:
    """One :class:`VendorBatch` per vendor of the project, in manifest order."""
    out = []
    for index, spec in enumerate(enc.data.project.vendors):
        rows = np.flatnonzero(enc.vendor_codes == index)
        counts = counts_from_codes(enc.item_codes[rows], enc.label_codes[rows], enc.n_items, enc.k)
        out.append(
            VendorBatch(
                index=index,
                name=spec.name,
                rows=rows,
                counts=counts,
                m=counts.sum(axis=1),
                cost=cost_breakdown(spec.pricing, enc.data.billing[spec.name]),
            )
        )
    return out

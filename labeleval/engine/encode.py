"""Encoding: integer codes for items, labels, vendors and annotators, and one count matrix per vendor.

Everything after this step works on these arrays; it is computed once per evaluation and never changed.
Items are indexed in sorted order, so results do not depend on the order of the input rows.

The count matrix is held as its non-zero cells (a SciPy CSR array, memory linear in the judgments). Where
the dense items x K matrix is small (:func:`dense_ok`) it is also materialised once and the engine uses the
dense forms; above that (many labels, or a numeric scale's many distinct values) every step works from the
non-zero cells, so memory stays linear in the judgments whatever the number of categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import pandas as pd
from scipy import sparse

from labeleval.cost import CostBreakdown, cost_breakdown
from labeleval.dataset import Dataset
from labeleval.kinds import Kind, kind_for

#: the dense items x K count matrix is used up to this many labels, or up to this many cells
DENSE_MAX_LABELS: Final = 64
DENSE_MAX_CELLS: Final = 4_000_000


def dense_ok(n_items: int, k: int) -> bool:
    """Whether the engine works on a dense items x K count matrix (else on its non-zero cells)."""
    return k <= DENSE_MAX_LABELS or n_items * k <= DENSE_MAX_CELLS


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

    ``cells`` holds the counts' non-zero cells (CSR, sorted labels within each item); ``counts`` is the
    dense matrix, materialised on first use: read it only where :attr:`dense` is true, or for kinds whose
    categories are few by construction."""

    index: int
    name: str
    rows: np.ndarray
    cells: sparse.csr_array
    m: np.ndarray  # judgments per item
    cost: CostBreakdown

    @property
    def dense(self) -> bool:
        """Whether the engine uses the dense count matrix for this vendor (see :func:`dense_ok`)."""
        return dense_ok(*self.cells.shape)

    @cached_property
    def counts(self) -> np.ndarray:
        """The dense items x K count matrix (int64)."""
        return self.cells.toarray()

    @cached_property
    def cell_items(self) -> np.ndarray:
        """The item of each non-zero cell (``cells.indices`` holds its label, ``cells.data`` its count)."""
        return np.repeat(np.arange(self.cells.shape[0]), np.diff(self.cells.indptr))

    def counts_or_cells(self) -> np.ndarray | sparse.csr_array:
        """The dense matrix where the engine uses it, else the sparse cells."""
        return self.counts if self.dense else self.cells

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
        cells = count_cells(enc.item_codes[rows], enc.label_codes[rows], enc.n_items, enc.k)
        out.append(
            VendorBatch(
                index=index,
                name=spec.name,
                rows=rows,
                cells=cells,
                m=np.asarray(cells.sum(axis=1), dtype=np.int64).reshape(enc.n_items),
                cost=cost_breakdown(spec.pricing, enc.data.billing[spec.name]),
            )
        )
    return out


def count_cells(item_codes: np.ndarray, label_codes: np.ndarray, n_items: int, k: int) -> sparse.csr_array:
    """The non-zero cells of the items x K count matrix (int64 counts, labels sorted within each item)."""
    ok = (item_codes >= 0) & (label_codes >= 0)
    key = item_codes[ok].astype(np.int64) * max(k, 1) + label_codes[ok]
    cells, count = np.unique(key, return_counts=True)
    item, label = cells // max(k, 1), cells % max(k, 1)
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(np.bincount(item, minlength=n_items), out=indptr[1:])
    return sparse.csr_array((count.astype(np.int64), label.astype(np.int64), indptr), shape=(n_items, k))

"""The count-matrix operations the engine needs, on the matrix's non-zero cells (a SciPy CSR array).

With many categories (thousands of labels, or a numeric scale's distinct values) the dense items x K count
matrix outgrows memory while each item has only a few non-zero cells. These functions are how
:class:`labeleval.metrics.forms.CellCounts` answers the :class:`~labeleval.metrics.forms.Counts` interface: each
gives what the same method of :class:`~labeleval.metrics.forms.DenseCounts` gives (the same rule, the same
first-maximum and tie conventions; see the tests), in work and memory linear in the non-zero cells:
:func:`majority`, :func:`tie_credit`, :func:`lower_median`, :func:`nearest_value` (``argmin(|values - mean|)``
over items x K), :func:`matching`, :func:`top_two` and :func:`remove_votes`.

A CSR array's rows are items, ``indices`` the labels (sorted within a row) and ``data`` the counts; explicit
zeros are not allowed (:func:`canonical` removes them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from scipy import sparse


class PairRule:
    """A K x K match rule answered pair by pair: ``rule[labels, references]`` (arrays or ints, broadcast) is
    what the matrix would give, for kinds with too many categories to hold the matrix
    (:attr:`labeleval.scoring.kinds.Kind.hit`). Only pair indexing is supported (no slices, no transpose)."""

    def __init__(self, pairs: Callable[[np.ndarray, np.ndarray], np.ndarray], k: int) -> None:
        self._pairs = pairs
        self.shape = (k, k)

    def __getitem__(self, key: tuple[object, object]) -> np.ndarray:
        label, reference = key
        if isinstance(label, slice) or isinstance(reference, slice):
            raise TypeError("a PairRule answers hit[labels, references] pair by pair, not slices")
        return self._pairs(np.asarray(label), np.asarray(reference))

    def matrix(self) -> np.ndarray:
        """The K x K matrix (only for a few categories)."""
        labels, references = np.meshgrid(np.arange(self.shape[0]), np.arange(self.shape[1]), indexing="ij")
        return np.asarray(self._pairs(labels, references), dtype=bool)


Hit: TypeAlias = np.ndarray | PairRule  # a kind's match rule: the K x K matrix or pair by pair


def as_matrix(hit: Hit | None) -> np.ndarray | None:
    """The match rule as a K x K matrix (for the dense forms, which run only on few categories)."""
    return hit.matrix() if isinstance(hit, PairRule) else hit


def count_cells(item_codes: np.ndarray, label_codes: np.ndarray, n_items: int, k: int) -> sparse.csr_array:
    """The non-zero cells of the items x K count matrix (int64 counts, labels sorted within each item; codes
    below 0 are skipped)."""
    ok = (item_codes >= 0) & (label_codes >= 0)
    key = item_codes[ok].astype(np.int64) * max(k, 1) + label_codes[ok]
    cells, count = np.unique(key, return_counts=True)
    item, label = cells // max(k, 1), cells % max(k, 1)
    indptr = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(np.bincount(item, minlength=n_items), out=indptr[1:])
    return sparse.csr_array((count.astype(np.int64), label.astype(np.int64), indptr), shape=(n_items, k))


def canonical(cells: sparse.csr_array) -> sparse.csr_array:
    """``cells`` without explicit zeros and with sorted labels within each item (in place)."""
    cells.eliminate_zeros()
    if not cells.has_sorted_indices:
        cells.sort_indices()
    return cells


def row_of_cell(cells: sparse.csr_array) -> np.ndarray:
    """The row (item) of each stored cell."""
    return np.repeat(np.arange(cells.shape[0]), np.diff(cells.indptr))


def row_sums(cells: sparse.csr_array) -> np.ndarray:
    """Judgments per item (as the dense ``counts.sum(axis=1)``)."""
    return np.asarray(cells.sum(axis=1)).reshape(cells.shape[0])


def _zeros(cells: sparse.csr_array) -> np.ndarray:
    return np.zeros(cells.shape[0], dtype=cells.data.dtype)


def row_max(cells: sparse.csr_array) -> np.ndarray:
    """The largest count per item (0 for an item without judgments)."""
    if not cells.nnz:
        return _zeros(cells)
    filled = np.diff(cells.indptr) > 0
    out = _zeros(cells)
    out[filled] = np.maximum.reduceat(cells.data, cells.indptr[:-1][filled])  # filled rows' starts increase
    return out


def _first_per_row(rows: np.ndarray, flag: np.ndarray, n_rows: int) -> np.ndarray:
    """Index (into the cells) of the first flagged cell of each row, -1 where none."""
    out = np.full(n_rows, -1, dtype=np.int64)
    where = np.flatnonzero(flag)[::-1]  # written last-to-first, so the first flagged cell of a row stays
    out[rows[where]] = where
    return out


def _label_at(cells: sparse.csr_array, cell: np.ndarray, missing: int) -> np.ndarray:
    """The label of each cell index (``missing`` where the index is -1)."""
    return np.where(cell >= 0, np.r_[cells.indices, missing][cell], missing).astype(np.int64)


def majority(
    cells: sparse.csr_array, *, tie: str, rng: np.random.Generator | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(code, confidence, tied) as :meth:`labeleval.metrics.forms.Counts.majority`. Under ``tie="random"`` a
    tied item draws among its top labels (one uniform number per top cell: the same distribution as the dense
    form, not the same draws)."""
    rows = row_of_cell(cells)
    n = cells.shape[0]
    m = row_sums(cells)
    top = row_max(cells)
    at_top = cells.data == top[rows]
    ties = np.bincount(rows[at_top], minlength=n)
    tied = (ties > 1) & (m > 0)
    if tie == "random":
        if rng is None:
            raise ValueError("tie='random' needs a numpy Generator")
        draw = np.where(at_top, rng.random(len(rows)), -1.0)
        best = np.full(n, -1.0)
        np.maximum.at(best, rows, draw)
        first = _first_per_row(rows, at_top & (draw == best[rows]), n)
    else:
        first = _first_per_row(rows, at_top, n)  # the lowest label among the top ones
    code = _label_at(cells, first, 0)
    if tie in ("abstain", "fractional"):
        code[tied] = -1
    code[m == 0] = -1
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.where(m > 0, top / np.maximum(m, 1), np.nan)
    return code, confidence, tied


def tie_credit(cells: sparse.csr_array, gold: np.ndarray, hit: Hit | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Majority-vote credit with fractional ties and the number of top labels, as
    :meth:`labeleval.metrics.forms.Counts.tie_credit`."""
    gold = np.asarray(gold, dtype=np.int64)
    rows = row_of_cell(cells)
    n = cells.shape[0]
    top = row_max(cells)
    at_top = (cells.data == top[rows]) & (top[rows] > 0)
    ties = np.bincount(rows[at_top], minlength=n)
    g = np.maximum(gold, 0)[rows]
    right = cells.indices == g if hit is None else np.asarray(hit[cells.indices, g], dtype=bool)
    right_at_top = np.bincount(rows[at_top & right], minlength=n)
    credit = right_at_top / np.maximum(ties, 1)
    return np.where((gold >= 0) & (ties > 0), credit, 0.0), ties


def lower_median(cells: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    """(code, confidence) of the lower median: the first category whose cumulative count reaches half the
    item's judgments (an ordered scale's codes are its order)."""
    rows = row_of_cell(cells)
    n = cells.shape[0]
    m = row_sums(cells)
    before = np.cumsum(cells.data) - cells.data
    start = np.zeros(n, dtype=before.dtype)
    filled = np.diff(cells.indptr) > 0
    start[filled] = before[cells.indptr[:-1][filled]]
    cumulative = np.cumsum(cells.data) - start[rows]
    first = _first_per_row(rows, cumulative >= np.ceil(m / 2.0)[rows], n)
    code = np.where(m > 0, _label_at(cells, first, -1), -1)
    count = np.where(first >= 0, np.r_[cells.data, 0][first], 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.where(m > 0, count / np.maximum(m, 1), np.nan)
    return code, confidence


def nearest_value(values: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per target, the index of the nearest value, the lowest index among equally near ones (as
    ``argmin(|values - target|)`` over a dense items x K array), in memory linear in the targets."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    pos = np.searchsorted(sorted_values, target)
    best = np.full(len(target), -1, dtype=np.int64)
    best_distance = np.full(len(target), np.inf)
    for shift in (-1, 0):  # the nearest values lie either side of the insertion point
        candidate = sorted_values[np.clip(pos + shift, 0, len(values) - 1)]
        lowest = _lowest_index(
            order,
            np.searchsorted(sorted_values, candidate, side="left"),
            np.searchsorted(sorted_values, candidate, side="right"),
        )
        distance = np.abs(candidate - target)
        better = (distance < best_distance) | ((distance == best_distance) & (lowest < best))
        best = np.where(better, lowest, best)
        best_distance = np.where(better, distance, best_distance)
    return best


def _lowest_index(order: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The smallest original index among ``order[lo:hi]`` for each (lo, hi) (runs of equal values)."""
    out = order[lo].copy()
    longer = hi - lo > 1
    for i in np.flatnonzero(longer):  # repeated values: rare (a scale's categories are distinct)
        out[i] = order[lo[i] : hi[i]].min()
    return out


def matching(cells: sparse.csr_array, hit: Hit, reference: np.ndarray) -> np.ndarray:
    """Judgments on each item that match its reference label (``hit[c, g]``), as
    :meth:`labeleval.metrics.forms.Counts.matching`."""
    rows = row_of_cell(cells)
    ref = np.maximum(np.asarray(reference), 0)[rows]
    ok = np.asarray(hit[cells.indices, ref], dtype=bool)  # a matrix or a pair-by-pair rule (kinds.PairRule)
    return np.bincount(rows, weights=np.where(ok, cells.data, 0).astype(np.float64), minlength=cells.shape[0])


def top_two(cells: sparse.csr_array) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per item: the largest count, how many labels have it, the largest count below it (0 if none) and how
    many labels have that (0 if it is 0)."""
    rows = row_of_cell(cells)
    n = cells.shape[0]
    first = row_max(cells)
    at_first = cells.data == first[rows]
    below = np.where(at_first, 0, cells.data)
    second = np.zeros(n, dtype=cells.data.dtype)
    np.maximum.at(second, rows, below)
    n_first = np.bincount(rows[at_first], minlength=n)
    n_second = np.bincount(rows[(below == second[rows]) & (below > 0)], minlength=n)
    return first, n_first, second, n_second


def remove_votes(cells: sparse.csr_array, label: np.ndarray) -> sparse.csr_array:
    """``cells`` with one vote for ``label[i]`` taken from row ``i`` (each row holds that label)."""
    one = sparse.csr_array(
        (np.ones(len(label), dtype=cells.data.dtype), (np.arange(len(label)), label)), shape=cells.shape
    )
    return canonical(sparse.csr_array(cells - one))

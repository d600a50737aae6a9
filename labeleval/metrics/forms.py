"""The items x K count matrix in one of two forms, behind one interface.

Everything the scoring asks of a vendor's counts (consensus, tie credit, matching judgments, leave-one-out
agreement, items' rows) goes through :class:`Counts`. :func:`counts_for` chooses the form once, where the counts
are made: :class:`DenseCounts`, an items x K array, while that is small (:func:`dense_ok`), else
:class:`CellCounts`, the matrix's non-zero cells (a SciPy CSR array; :mod:`labeleval.metrics.cells`), in memory
linear in the judgments whatever the number of categories. The two give the same answers (the same rules,
first-maximum and tie conventions; ``tests/metrics/test_cells.py``). Metric functions that take either raw form
(:mod:`labeleval.metrics.agreement`'s per-item blocks) get it as :attr:`Counts.matrix`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
from scipy import sparse

from labeleval.errors import SchemaError
from labeleval.metrics import cells as sparse_cells
from labeleval.metrics.cells import Hit, as_matrix, count_cells
from labeleval.metrics.counts import counts_from_codes
from labeleval.options import TiePolicy, invalid_option
from labeleval.tuning import (
    DENSE_MAX_CELLS,
    DENSE_MAX_LABELS,
    HIT_MATRIX_MAX,
    MATCHING_ROWS,
    ROW_COPY_DENSE_CELLS,
    ROW_COPY_ITEMS,
)

TopTwo = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class Counts(Protocol):
    """``n[i, c]``: how many judgments put item ``i`` in category ``c``, in either form."""

    @property
    def matrix(self) -> np.ndarray | sparse.csr_array:
        """The counts as held: the dense array or the CSR array of non-zero cells."""
        ...

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    def totals(self) -> np.ndarray:
        """Judgments per item (int64)."""
        ...

    def dense(self) -> np.ndarray:
        """The items x K array (made from the cells where they are held: only for few categories)."""
        ...

    def cells(self) -> sparse.csr_array:
        """The non-zero cells (CSR; ``indices`` the labels, sorted within each item, ``data`` the counts)."""
        ...

    def rows(self, items: np.ndarray) -> Counts:
        """The counts of ``items`` (one row each, in order), in the same form."""
        ...

    def without_votes(self, label: np.ndarray) -> Counts:
        """These counts with one vote for ``label[i]`` taken from row ``i`` (each row holds that label)."""
        ...

    def rows_per_pass(self) -> int:
        """How many items' rows a step takes at a time (:meth:`rows`), for a bounded working set."""
        ...

    def majority(self, *, tie: str, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Majority vote per item: (code, -1 where unresolved or unlabelled; confidence, the top label's share;
        tied flag). Ties by ``tie``: ``abstain`` and ``fractional`` leave the item without a label, ``lowest``
        takes the first tied label in the declared order, ``random`` draws among them with ``rng``."""
        ...

    def tie_credit(self, gold: np.ndarray, hit: Hit | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Majority-vote credit per item with fractional ties, and the number of tied top labels.

        An item whose ``t`` most frequent labels are tied gets credit ``(tied labels that are right) / t``:
        1/t when they include the gold label, the expected accuracy of breaking the tie at random, without
        randomness. So one label per item never beats two by construction (a 1-1 tie between the right and a
        wrong label earns 1/2, as a coin would). ``hit[label, g]`` says whether ``label`` counts as right for
        gold ``g`` (identity by default; a tolerance widens it). Items without judgments or gold get 0 credit;
        ``ties`` counts the top labels of every item (0 without judgments)."""
        ...

    def lower_median(self) -> tuple[np.ndarray, np.ndarray]:
        """(code, confidence) of the lower median: the first category whose cumulative count reaches half the
        item's judgments (an ordered scale's codes are its order); code -1 and confidence NaN without any."""
        ...

    def nearest(self, values: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Per item, the index of the category value nearest ``target`` (the lowest among equally near ones)."""
        ...

    def matching(self, hit: Hit, reference: np.ndarray) -> np.ndarray:
        """Judgments on each item that count as matching its reference label (``hit[c, g]``: label c matches g)."""
        ...

    def top_two(self) -> TopTwo:
        """Per item with judgments: the largest count, how many labels have it, the largest count below it (0 if
        none) and how many labels have that (0 if it is 0)."""
        ...

    def leave_one_out_agreement(self, item: np.ndarray, label: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per judgment (``item``, ``label``): does its label equal the unique majority of the *other* judgments
        on the item, and is there one (others present and not tied)? As
        :func:`labeleval.scoring.annotators.leave_one_out_agreement`, from each item's top two counts instead of
        a judgments x K matrix: removing one vote changes only its own label's count."""
        first, n_first, second, n_second = self.top_two()
        own = np.asarray(self.matrix[item, label]).reshape(-1)  # this judgment's label count on its item (>= 1)
        top1, t1, top2, t2 = first[item], n_first[item], second[item], n_second[item]
        was_top = own == top1
        # the vote was on the only top label: its count drops by one, which may meet the runner-up
        alone = was_top & (t1 == 1)
        new_top = np.where(alone, np.maximum(top1 - 1, top2), top1)
        unique = np.where(alone, ~((top2 == top1 - 1) & (t2 > 0)), np.where(was_top, t1 == 2, t1 == 1))
        comparable = (new_top > 0) & unique
        agrees = comparable & alone
        return agrees, comparable


def dense_ok(n_items: int, k: int) -> bool:
    """Whether counts of ``n_items`` x ``k`` labels are held dense (else as their non-zero cells); the thresholds
    are :data:`~labeleval.tuning.DENSE_MAX_LABELS`, :data:`~labeleval.tuning.DENSE_MAX_CELLS` and
    :data:`~labeleval.tuning.HIT_MATRIX_MAX`."""
    return k <= DENSE_MAX_LABELS or (n_items * k <= DENSE_MAX_CELLS and k <= HIT_MATRIX_MAX)


def counts_for(item_codes: np.ndarray, label_codes: np.ndarray, n_items: int, k: int) -> Counts:
    """The items x K counts of judgments (``item_codes``, ``label_codes``; codes below 0 are skipped), in the
    form :func:`dense_ok` chooses: the one place the form is chosen."""
    if dense_ok(n_items, k):
        return DenseCounts(counts_from_codes(item_codes, label_codes, n_items, k))
    return CellCounts(count_cells(item_codes, label_codes, n_items, k))


def counts_by_rank(
    items: np.ndarray, labels: np.ndarray, rank: np.ndarray, n_items: int, n_labels: int, max_k: int
) -> Iterator[Counts]:
    """The counts of each item's first k judgments (by ``rank``, 0 first), for k = 1 .. ``max_k``, each in the
    form :func:`counts_for` would choose. Dense counts grow by
    the judgments of rank k - 1 only (one pass over the judgments per draw, not one per k); the cells form is
    made afresh for each k. The array is updated in place: each k's counts are for use before the next."""
    if not dense_ok(n_items, n_labels):
        for k in range(1, max_k + 1):
            chosen = rank < k
            yield counts_for(items[chosen], labels[chosen], n_items, n_labels)
        return
    # a stable sort of small whole numbers is a radix sort (the same order, several times faster)
    by_rank = np.argsort(rank.astype(np.int16) if max_k < 2**15 else rank, kind="stable")
    bounds = np.searchsorted(rank[by_rank], np.arange(max_k + 1))
    flat = np.zeros(n_items * n_labels, dtype=np.int64)
    for k in range(1, max_k + 1):
        new = by_rank[bounds[k - 1] : bounds[k]]
        new = new[labels[new] >= 0]  # a judgment without a label code is not counted (as counts_from_codes)
        flat += np.bincount(items[new].astype(np.int64) * n_labels + labels[new], minlength=n_items * n_labels)
        yield DenseCounts(flat.reshape(n_items, n_labels))


class DenseCounts(Counts):
    """The counts as a dense items x K array: whole-array numpy steps."""

    def __init__(self, n: np.ndarray) -> None:
        self._n = n

    @property
    def matrix(self) -> np.ndarray:
        return self._n

    def totals(self) -> np.ndarray:
        return self._n.sum(axis=1)

    def dense(self) -> np.ndarray:
        return self._n

    def cells(self) -> sparse.csr_array:
        return sparse_cells.canonical(sparse.csr_array(self._n))

    def rows(self, items: np.ndarray) -> DenseCounts:
        return DenseCounts(self._n[items])

    def without_votes(self, label: np.ndarray) -> DenseCounts:
        less = self._n.copy()
        less[np.arange(len(less)), label] -= 1
        return DenseCounts(less)

    def rows_per_pass(self) -> int:
        return max(1, ROW_COPY_DENSE_CELLS // max(self._n.shape[1], 1))

    def majority(self, *, tie: str, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if tie not in TiePolicy.values():
            raise SchemaError(invalid_option("tie", TiePolicy.values(), tie))
        n = self._n
        m = n.sum(axis=1)
        top = n.max(axis=1) if n.shape[1] else np.zeros(len(n), dtype=n.dtype)
        at_top = n == top[:, None]
        tied = (at_top.sum(axis=1) > 1) & (m > 0)
        if tie == "random":
            if rng is None:
                raise SchemaError("tie='random' needs a seed (or a numpy Generator)")
            code = np.argmax(at_top * rng.random(n.shape), axis=1)
        else:
            code = np.argmax(n, axis=1)  # first maximum: the lowest label in declared order
        code = code.astype(np.int64)
        if tie in ("abstain", "fractional"):  # fractional credit is scored by tie_credit; no one label wins
            code[tied] = -1
        code[m == 0] = -1
        with np.errstate(invalid="ignore", divide="ignore"):
            confidence = np.where(m > 0, top / np.maximum(m, 1), np.nan)
        return code, confidence, tied

    def tie_credit(self, gold: np.ndarray, hit: Hit | None = None) -> tuple[np.ndarray, np.ndarray]:
        """See :meth:`Counts.tie_credit`.

        >>> credit, ties = DenseCounts(np.array([[1, 1, 0], [2, 0, 1], [0, 1, 1]])).tie_credit(np.array([0, 0, 0]))
        >>> credit.tolist(), ties.tolist()
        ([0.5, 1.0, 0.0], [2, 1, 2])
        """
        counts = np.asarray(self._n)
        matrix = as_matrix(hit)
        gold = np.asarray(gold, dtype=np.int64)
        n, k = counts.shape
        top = counts.max(axis=1) if k else np.zeros(n)
        at_top = (counts == top[:, None]) & (top[:, None] > 0)
        ties = at_top.sum(axis=1)
        has_gold = gold >= 0
        g = np.maximum(gold, 0)
        if matrix is None or (matrix.shape == (k, k) and np.array_equal(matrix, np.eye(k, dtype=bool))):
            right_at_top = at_top[np.arange(n), g] if k else np.zeros(n, dtype=bool)  # exact match: one label
        else:
            right = np.asarray(matrix, dtype=bool)[:, g].T  # [item, label]: label is right for the item's gold
            right_at_top = (at_top & right).sum(axis=1)
        credit = right_at_top / np.maximum(ties, 1)
        return np.where(has_gold & (ties > 0), credit, 0.0), ties

    def lower_median(self) -> tuple[np.ndarray, np.ndarray]:
        counts = self._n
        m = counts.sum(axis=1)
        threshold = np.ceil(m / 2.0)
        code = np.argmax(np.cumsum(counts, axis=1) >= threshold[:, None], axis=1).astype(np.int64)
        code[m == 0] = -1
        with np.errstate(invalid="ignore", divide="ignore"):
            confidence = np.where(m > 0, counts[np.arange(len(m)), np.maximum(code, 0)] / np.maximum(m, 1), np.nan)
        return code, confidence

    def nearest(self, values: np.ndarray, target: np.ndarray) -> np.ndarray:
        return np.argmin(np.abs(values[None, :] - target[:, None]), axis=1)

    def matching(self, hit: Hit, reference: np.ndarray) -> np.ndarray:
        """In items x K work and memory (not the items x K x K product ``counts @ hit``), a block of
        :data:`~labeleval.tuning.MATCHING_ROWS` items at a time."""
        counts = self._n
        matrix = np.asarray(as_matrix(hit))
        ref = np.maximum(reference, 0)
        out = np.zeros(len(counts), dtype=np.float64)
        for start in range(0, len(counts), MATCHING_ROWS):
            block = slice(start, start + MATCHING_ROWS)
            out[block] = np.einsum("ik,ik->i", counts[block], matrix.T[ref[block]].astype(counts.dtype))
        return out

    def top_two(self) -> TopTwo:
        counts = self._n
        first = counts.max(axis=1) if counts.shape[1] else np.zeros(len(counts), dtype=counts.dtype)
        at_first = counts == first[:, None]
        below = np.where(at_first, 0, counts)
        second = below.max(axis=1) if counts.shape[1] else np.zeros(len(counts), dtype=counts.dtype)
        n_second = ((below == second[:, None]) & (below > 0)).sum(axis=1)
        return first, at_first.sum(axis=1), second, n_second


class CellCounts(Counts):
    """The counts as their non-zero cells (CSR, canonical: labels sorted within each item, no explicit zeros): work
    and memory linear in the cells (:mod:`labeleval.metrics.cells`)."""

    def __init__(self, matrix: sparse.csr_array) -> None:
        self._cells = matrix

    @property
    def matrix(self) -> sparse.csr_array:
        return self._cells

    def totals(self) -> np.ndarray:
        return sparse_cells.row_sums(self._cells)

    def dense(self) -> np.ndarray:
        return np.asarray(self._cells.toarray())

    def cells(self) -> sparse.csr_array:
        return self._cells

    def rows(self, items: np.ndarray) -> CellCounts:
        return CellCounts(sparse_cells.canonical(sparse.csr_array(self._cells[items])))

    def without_votes(self, label: np.ndarray) -> CellCounts:
        return CellCounts(sparse_cells.remove_votes(self._cells, label))

    def rows_per_pass(self) -> int:
        return ROW_COPY_ITEMS

    def majority(self, *, tie: str, rng: np.random.Generator | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return sparse_cells.majority(self._cells, tie=tie, rng=rng)

    def tie_credit(self, gold: np.ndarray, hit: Hit | None = None) -> tuple[np.ndarray, np.ndarray]:
        return sparse_cells.tie_credit(self._cells, gold, hit)

    def lower_median(self) -> tuple[np.ndarray, np.ndarray]:
        return sparse_cells.lower_median(self._cells)

    def nearest(self, values: np.ndarray, target: np.ndarray) -> np.ndarray:
        return sparse_cells.nearest_value(values, target)  # no items x K array: the nearest value by search

    def matching(self, hit: Hit, reference: np.ndarray) -> np.ndarray:
        return sparse_cells.matching(self._cells, hit, reference)

    def top_two(self) -> TopTwo:
        return sparse_cells.top_two(self._cells)

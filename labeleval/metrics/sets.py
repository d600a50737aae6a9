"""Set-valued (multi-label) judgments: membership, Jaccard and MASI, in one place.

Every set computation of labeleval goes through this module: the scalar distances of the public API
(:func:`jaccard_distance`, :func:`masi_distance`) and the matrix forms the engine uses on set categories
(rows of a boolean membership matrix), so both always agree.

MASI (Passonneau 2006) is ``J * M`` with ``J`` the Jaccard similarity and the monotonicity weight ``M`` = 1
for identical sets, 2/3 when one contains the other, 1/3 when they overlap otherwise and 0 when they are
disjoint. (Older NLTK releases rounded these to 0.67 and 0.33; current NLTK uses 2/3 and 1/3.)
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from typing import Final

import numpy as np

EMPTY_SET: Final = "(none)"  # the text of an empty set category
SEPARATOR: Final = "|"  # members of a set category are joined by this in declared order


def members(text: str) -> list[str]:
    """The labels of one set category's text (``"a|b"`` -> ``["a", "b"]``; the empty set -> ``[]``)."""
    return [] if text == EMPTY_SET else text.split(SEPARATOR)


def set_text(labels: Sequence[str]) -> str:
    """The category text of a set of labels, already in declared order."""
    return SEPARATOR.join(labels) if labels else EMPTY_SET


def membership(categories: Sequence[str], vocabulary: Sequence[str]) -> np.ndarray:
    """Boolean (categories x vocabulary): which labels each set category holds."""
    position = {label: i for i, label in enumerate(vocabulary)}
    out = np.zeros((len(categories), len(vocabulary)), dtype=bool)
    for c, text in enumerate(categories):
        out[c, [position[m] for m in members(text)]] = True
    return out


def _overlap(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(intersection, |a|, |b|) between every row of ``a`` and every row of ``b`` (boolean membership)."""
    ai, bi = a.astype(np.int64), b.astype(np.int64)
    return ai @ bi.T, ai.sum(axis=1)[:, None], bi.sum(axis=1)[None, :]


def jaccard_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard similarity between rows of ``a`` and rows of ``b``; two empty sets are identical (1)."""
    inter, size_a, size_b = _overlap(a, b)
    union = size_a + size_b - inter
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def jaccard_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard similarity of row i of ``a`` with row i of ``b`` (paired rows); two empty sets give 1."""
    inter = (a & b).sum(axis=1)
    union = (a | b).sum(axis=1)
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def dice_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``2 |a & b| / (|a| + |b|)`` of paired rows (the example-based F1 of a predicted set against a true
    one); two empty sets give 1."""
    inter = (a & b).sum(axis=1)
    sizes = a.sum(axis=1) + b.sum(axis=1)
    return np.where(sizes > 0, 2 * inter / np.maximum(sizes, 1), 1.0)


def masi_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MASI similarity ``J * M`` between rows of ``a`` and rows of ``b`` (module docstring)."""
    inter, size_a, size_b = _overlap(a, b)
    same = (inter == size_a) & (inter == size_b)
    nested = inter == np.minimum(size_a, size_b)
    weight = np.where(same, 1.0, np.where(nested, 2.0 / 3.0, np.where(inter > 0, 1.0 / 3.0, 0.0)))
    return jaccard_matrix(a, b) * weight


def _as_rows(a: Set[object], b: Set[object]) -> tuple[np.ndarray, np.ndarray]:
    vocabulary = {label: i for i, label in enumerate(a | b)}
    rows = np.zeros((2, len(vocabulary)), dtype=bool)
    for r, s in enumerate((a, b)):
        rows[r, [vocabulary[x] for x in s]] = True
    return rows[:1], rows[1:]


def jaccard_distance(a: Set[object], b: Set[object]) -> float:
    """``1 - |a & b| / |a | b|`` (NLTK's definition); 0 for two empty sets.

    Examples
    --------
    >>> import labeleval as le
    >>> le.jaccard_distance({1, 2}, {1, 2, 3, 4})
    0.5
    """
    return float(1.0 - jaccard_matrix(*_as_rows(a, b))[0, 0])


def masi_distance(a: Set[object], b: Set[object]) -> float:
    """MASI distance (Passonneau 2006): ``1 - J * M``, with ``M`` = 1, 2/3, 1/3 or 0 (module docstring).

    Examples
    --------
    >>> import labeleval as le
    >>> round(le.masi_distance({1, 2}, {1, 2, 3, 4}), 4)  # current NLTK: 0.6667
    0.6667
    >>> round(le.masi_distance({1, 2, 3, 4}, {3, 4, 5}), 4)  # current NLTK: 0.8667
    0.8667
    """
    return float(1.0 - masi_matrix(*_as_rows(a, b))[0, 0])

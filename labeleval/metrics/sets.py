"""Set-valued (multi-label) judgments: MASI and Jaccard distances and the agreement built on them."""

from __future__ import annotations

from collections.abc import Set


def jaccard_distance(a: Set[object], b: Set[object]) -> float:
    """``1 - |a & b| / |a | b|`` (NLTK's definition); 0 for two empty sets.

    Examples
    --------
    >>> import labeleval as le
    >>> le.jaccard_distance({1, 2}, {1, 2, 3, 4})
    0.5
    """
    union = len(a | b)
    return 0.0 if union == 0 else (union - len(a & b)) / union


def masi_distance(a: Set[object], b: Set[object]) -> float:
    """MASI distance (Passonneau 2006), NLTK's definition: ``1 - J * m`` where ``J`` is the Jaccard
    similarity and ``m`` is 1 for identical sets, 0.67 when one contains the other, 0.33 for some overlap
    and 0 for none. Two empty sets are identical (distance 0).

    Examples
    --------
    >>> import labeleval as le
    >>> le.masi_distance({1, 2}, {1, 2, 3, 4})  # NLTK's doctest: 0.665
    0.665
    """
    inter = len(a & b)
    union = len(a | b)
    if union == 0:
        return 0.0
    if len(a) == len(b) == inter:
        m = 1.0
    elif inter == min(len(a), len(b)):
        m = 0.67
    elif inter > 0:
        m = 0.33
    else:
        m = 0.0
    return 1.0 - inter / union * m

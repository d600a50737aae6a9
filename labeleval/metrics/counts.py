"""The one internal shape every metric shares: an items x categories count matrix.

Built with ``pd.factorize`` and ``np.bincount``: no dense annotators x items matrix, no Python loop
over rows or items (the model is fast-krippendorff's value-counts input).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from labeleval.errors import SchemaError

REQUIRED = ("item_id", "annotator_id", "label")


@dataclass(frozen=True)
class CountMatrix:
    """``n[i, c]``: how many judgments put item ``items[i]`` in category ``categories[c]``."""

    items: np.ndarray
    categories: list[object]
    n: np.ndarray

    @property
    def m(self) -> np.ndarray:
        """Judgments per item."""
        return self.n.sum(axis=1)


def check_frame(annotations: pd.DataFrame, columns: Sequence[str] = REQUIRED) -> None:
    if not isinstance(annotations, pd.DataFrame):
        raise SchemaError(f"annotations must be a pandas DataFrame, got {type(annotations).__name__}")
    missing = [c for c in columns if c not in annotations.columns]
    if missing:
        raise SchemaError(
            f"annotations need columns {', '.join(columns)}; missing {', '.join(missing)} "
            f"(found: {', '.join(map(str, annotations.columns[:12]))})"
        )


def _sort_key(value: object) -> tuple[int, float, str]:
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def label_codes(labels: pd.Series, declared: Sequence[object] | None = None) -> tuple[np.ndarray, list[object]]:
    """Integer codes of ``labels`` into the category list (declared order, or sorted distinct values).

    Missing labels get code -1. Labels outside ``declared`` raise a :class:`SchemaError` listing them.
    Values are matched as given, then by their text (so ``1`` matches ``"1"``).
    """
    if isinstance(labels.dtype, pd.CategoricalDtype) and declared is None:
        cats = list(labels.cat.categories)
        return labels.cat.codes.to_numpy(dtype=np.int64), cats
    codes, uniques = pd.factorize(labels, use_na_sentinel=True)
    uniq = list(uniques)
    if declared is None:
        merged = _merge_same_text(codes, uniques, "labels")
        if merged is not codes:  # 1 and "1": one category, named by its text
            printed = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in uniq]
            codes, uniq = merged, list(pd.unique(pd.Series(printed, dtype=object)))
        cats = sorted(uniq, key=_sort_key)
    else:
        cats = list(declared)
        if len(set(map(str, cats))) != len(cats):
            raise SchemaError(f"labels lists a category twice: {cats}")
    exact = {c: i for i, c in enumerate(cats)}
    text = {str(c): i for i, c in enumerate(cats)}
    lookup = np.empty(len(uniq) + 1, dtype=np.int64)
    unknown: list[object] = []
    for k, u in enumerate(uniq):
        pos = exact.get(u) if _hashable(u) else None
        if pos is None:
            pos = text.get(str(u))
            if pos is None and isinstance(u, float) and u.is_integer():
                pos = text.get(str(int(u)))
        if pos is None:
            unknown.append(u)
            pos = -1
        lookup[k] = pos
    lookup[-1] = -1
    if unknown:
        raise SchemaError(
            f"{len(unknown)} label value(s) are not among the declared labels {cats}: "
            f"{', '.join(map(repr, unknown[:8]))}"
        )
    return lookup[codes], cats


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def count_matrix(annotations: pd.DataFrame, labels: Sequence[object] | None = None) -> CountMatrix:
    """Build the items x categories count matrix of a long frame (rows with a missing label are skipped)."""
    check_frame(annotations)
    codes, cats = label_codes(annotations["label"], labels)
    item_codes(annotations["item_id"])  # refuses missing ids, warns on 1 and "1"
    ok = codes >= 0
    item_codes_, items = pd.factorize(annotations["item_id"].to_numpy()[ok], sort=True)
    k = len(cats)
    flat = np.bincount(item_codes_.astype(np.int64) * k + codes[ok], minlength=len(items) * k)
    return CountMatrix(items=np.asarray(items), categories=cats, n=flat.reshape(len(items), k))


def counts_from_codes(item_codes: np.ndarray, label_codes: np.ndarray, n_items: int, n_categories: int) -> np.ndarray:
    """Items x categories counts from integer codes (codes < 0 are skipped)."""
    ok = (item_codes >= 0) & (label_codes >= 0)
    flat = np.bincount(
        item_codes[ok].astype(np.int64) * n_categories + label_codes[ok], minlength=n_items * n_categories
    )
    return flat.reshape(n_items, n_categories)


def numeric_values(categories: Sequence[object]) -> np.ndarray:
    """Numeric value of each category for interval/ratio metrics: the value itself when every category is
    a number (or numeric text), else its position in the declared order (rank spacing)."""
    try:
        return np.array([float(str(c)) for c in categories], dtype=np.float64)
    except ValueError:
        return np.arange(len(categories), dtype=np.float64)


@dataclass(frozen=True)
class SparseCounts:
    """The non-zero cells of the items x categories count matrix: ``count[j]`` judgments put item
    ``item[j]`` in category ``cat[j]`` (sorted by item). Memory is linear in the judgments, whatever the
    number of categories."""

    item: np.ndarray
    cat: np.ndarray
    count: np.ndarray
    n_items: int
    categories: list[object]


def sparse_counts(annotations: pd.DataFrame, labels: Sequence[object] | None = None) -> SparseCounts:
    """Non-zero item x category counts of a long frame (rows with a missing label are skipped).

    Missing item ids are refused with a :class:`SchemaError` naming the rows; item ids or labels that are
    different values with the same text (``1`` and ``"1"``) are merged, with a :class:`UserWarning` naming
    them.
    """
    check_frame(annotations)
    codes, cats = label_codes(annotations["label"], labels)
    ok = codes >= 0
    items = item_codes(annotations["item_id"])
    k = max(len(cats), 1)
    key = items[ok].astype(np.int64) * k + codes[ok]
    cells, count = np.unique(key, return_counts=True)
    n_items = int(items.max(initial=-1)) + 1
    return SparseCounts(cells // k, cells % k, count.astype(np.float64), n_items, cats)


def item_codes(ids: pd.Series) -> np.ndarray:
    """Integer codes of item ids; missing ids raise, ids that print alike (1 and "1") are merged with a warning."""
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    if (codes < 0).any():
        rows = np.flatnonzero(codes < 0)[:5]
        raise SchemaError(
            f"item_id is missing in {int((codes < 0).sum())} rows (rows {', '.join(map(str, rows))}); "
            f"drop or fill them first"
        )
    return _merge_same_text(codes, uniques, "item ids")


def _merge_same_text(codes: np.ndarray, uniques: object, what: str) -> np.ndarray:
    values = list(uniques)  # type: ignore[call-overload]
    if all(isinstance(v, str) for v in values) or len({type(v) for v in values}) == 1:
        return codes
    text = [str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values]
    merged, names = pd.factorize(pd.Series(text, dtype=object))
    if len(names) == len(values):
        return codes
    groups = pd.Series(values, dtype=object).groupby(merged).agg(list)
    clashes = [g for g in groups if len(g) > 1][:3]
    warnings.warn(
        f"{what} of different types print alike and are treated as the same: "
        + "; ".join(" and ".join(repr(v) for v in g) for g in clashes),
        UserWarning,
        stacklevel=4,
    )
    return merged[codes]


def check_ids(annotations: pd.DataFrame, columns: Sequence[str] = ("item_id", "annotator_id")) -> None:
    """Refuse rows whose item or annotator id is missing, naming the column and the first rows."""
    for column in columns:
        missing = np.flatnonzero(annotations[column].isna().to_numpy())
        if len(missing):
            rows = ", ".join(map(str, missing[:5]))
            raise SchemaError(f"{column} is missing in {len(missing)} rows (rows {rows}); drop or fill them first")

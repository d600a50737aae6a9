"""What changes with the task kind: one small class per kind.

| kind | alpha level | match | consensus | Dawid-Skene |
|---|---|---|---|---|
| nominal | nominal | exact | majority vote (tie policy) | yes |
| pairwise (A, B, tie) | nominal | exact (a tie is right only when gold is a tie) | majority vote | yes |
| ordinal | ordinal | within ``tolerance`` scale steps (default 0: exact) | median (lower median) | yes |
| interval, ratio | interval, ratio | within ``tolerance`` in the scale's units | mean | no |
| multilabel | nominal, exact sets | Jaccard at least ``min_jaccard`` (1: the same set) | per-label majority | no |

Every kind sees its judgments as codes of the shared count matrix's categories (numeric kinds: the
distinct values; multilabel: the distinct sets), so alpha, the bootstrap and the ledger work unchanged.
``consensus`` asks the counts through :class:`~labeleval.metrics.forms.Counts`, so it gives the same result
whether they are dense or held as their non-zero cells (many labels or many distinct values).
A kind knows its categories' values, when a label matches a reference, how a consensus is formed and
scored, and which metrics only it has (:mod:`labeleval.scoring.task_metrics`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import ClassVar

import numpy as np
import pandas as pd

from labeleval.metrics.cells import Hit, PairRule
from labeleval.metrics.counts import numeric_values
from labeleval.metrics.forms import Counts
from labeleval.metrics.sets import jaccard_matrix, jaccard_rows, membership, set_text
from labeleval.options import TaskKind, TiePolicy
from labeleval.project.schema import TaskSpec
from labeleval.scoring.task_metrics import (
    VendorData,
    leniency,
    multilabel_metrics,
    pairwise_annotators,
    pairwise_metrics,
    scale_metrics,
)
from labeleval.tuning import HIT_MATRIX_MAX

EPS = 1e-9  # tolerance comparisons: a value exactly at the tolerance counts as a match


@dataclass(frozen=True)
class ItemConsensus:
    """A consensus per item: ``code`` (-1 where unresolved or unlabelled), ``value`` on the scale (the mean
    for numeric kinds; a bitmask over the declared labels for multilabel) and ``confidence``."""

    code: np.ndarray
    value: np.ndarray
    confidence: np.ndarray


class Kind:
    """A task kind over a fixed list of categories (the columns of the count matrix)."""

    name: TaskKind
    consensus_name: ClassVar[str] = "majority vote"
    majority_vote: ClassVar[bool] = True  # the consensus is a vote among categories (ties can happen)
    supports_dawid_skene: ClassVar[bool] = True  # one category per judgment and a finite label set
    has_classes: ClassVar[bool] = True  # a confusion matrix and per-class precision/recall make sense
    dense_metrics: ClassVar[bool] = False  # the kind's own metrics read the dense count matrix

    def __init__(self, categories: tuple[str, ...], *, tolerance: float = 0.0) -> None:
        self.categories = categories
        self.tolerance = tolerance
        self.values = self._values()

    @property
    def level(self) -> str:
        """Krippendorff's alpha level."""
        return "nominal"

    @property
    def numeric(self) -> bool:
        return False

    def _values(self) -> np.ndarray:
        """The numeric value of each category: its position, unless the kind has numbers."""
        return np.arange(len(self.categories), dtype=np.float64)

    @cached_property
    def hit(self) -> Hit:
        """Does label c count as matching reference g (``hit[c, g]``)? A K x K boolean matrix up to
        :data:`~labeleval.tuning.HIT_MATRIX_MAX` categories; above (a numeric scale's many distinct values, thousands
        of labels) a :class:`~labeleval.metrics.cells.PairRule` that answers ``hit[labels, references]`` pair by
        pair."""
        if len(self.categories) <= HIT_MATRIX_MAX:
            return self._hit()
        return PairRule(self._pairs, len(self.categories))

    def _hit(self) -> np.ndarray:
        return np.eye(len(self.categories), dtype=bool)

    def _pairs(self, label: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """``hit[label, reference]`` elementwise (the same rule as :meth:`_hit`)."""
        return np.asarray(label == reference)

    @property
    def exact_match(self) -> bool:
        """Whether a label matches only itself (``hit`` is the identity): callers can skip the K x K ``hit``."""
        return type(self)._hit is Kind._hit

    def consensus(self, counts: Counts, *, tie: TiePolicy, rng: np.random.Generator | None) -> ItemConsensus:
        code, confidence, _ = counts.majority(tie=tie, rng=rng)
        return ItemConsensus(code, self.value_of(code), confidence)

    def value_of(self, code: np.ndarray) -> np.ndarray:
        """The scale value of category codes (NaN for -1)."""
        return np.where(code >= 0, self.values[np.maximum(code, 0)], np.nan)

    def correct(self, code: np.ndarray, value: np.ndarray, gold: np.ndarray) -> np.ndarray:
        """Does the consensus match gold (within tolerance)? False where unresolved or without gold."""
        ok = (code >= 0) & (gold >= 0)
        return ok & self.hit[np.maximum(code, 0), np.maximum(gold, 0)]

    def consensus_text(self, consensus: ItemConsensus, idx: np.ndarray) -> np.ndarray:
        """The consensus of items ``idx`` as people read it (None where unresolved)."""
        labels = np.asarray([*self.categories, None], dtype=object)
        return labels[consensus.code[idx]]

    def vendor_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> list[dict[str, object]]:
        """Rows of ``Report.task_metrics`` that only this kind has (none for nominal tasks)."""
        return []

    def annotator_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> pd.DataFrame | None:
        """Per-annotator columns only this kind has, keyed by annotator key (None: nothing to add)."""
        return None


class NominalKind(Kind):
    name = TaskKind.NOMINAL


class PairwiseKind(Kind):
    name = TaskKind.PAIRWISE
    dense_metrics = True

    def vendor_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> list[dict[str, object]]:
        return pairwise_metrics(v, gold_code, confidence)

    def annotator_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> pd.DataFrame | None:
        return pairwise_annotators(v)


class OrdinalKind(Kind):
    name = TaskKind.ORDINAL
    consensus_name = "median"
    majority_vote = False
    dense_metrics = True  # Gwet's AC2 and within-one agreement (a scale has few points)

    @property
    def level(self) -> str:
        return "ordinal"

    def _hit(self) -> np.ndarray:
        v = self.values
        return np.abs(np.subtract.outer(v, v)) <= self.tolerance + EPS

    def _pairs(self, label: np.ndarray, reference: np.ndarray) -> np.ndarray:
        return np.asarray(np.abs(self.values[label] - self.values[reference]) <= self.tolerance + EPS)

    def consensus(self, counts: Counts, *, tie: TiePolicy, rng: np.random.Generator | None) -> ItemConsensus:
        """The lower median: the first category whose cumulative count reaches half the judgments."""
        code, confidence = counts.lower_median()
        return ItemConsensus(code, self.value_of(code), confidence)

    def vendor_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> list[dict[str, object]]:
        return scale_metrics(self, v, gold_code)

    def annotator_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> pd.DataFrame | None:
        return leniency(self, v, gold_code, confidence)


class NumericKind(OrdinalKind):
    """Interval and ratio scales: categories are the distinct values seen; the consensus is the mean."""

    name = TaskKind.INTERVAL
    consensus_name = "mean"
    supports_dawid_skene = False
    has_classes = False
    dense_metrics = False  # alpha from the non-zero cells: no items x distinct values matrix

    def __init__(self, categories: tuple[str, ...], *, tolerance: float = 0.0, ratio: bool = False) -> None:
        self.ratio = ratio
        self.name = TaskKind.RATIO if ratio else TaskKind.INTERVAL
        super().__init__(categories, tolerance=tolerance)

    @property
    def level(self) -> str:
        return "ratio" if self.ratio else "interval"

    @property
    def numeric(self) -> bool:
        return True

    def _values(self) -> np.ndarray:
        return numeric_values(self.categories)

    def consensus(self, counts: Counts, *, tie: TiePolicy, rng: np.random.Generator | None) -> ItemConsensus:
        """The mean rating; ``code`` is the nearest category; confidence ``1 / (1 + sd)``."""
        m = counts.totals()
        values = self.values
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (counts.matrix @ values) / m
        code = np.where(m > 0, counts.nearest(values, np.nan_to_num(mean)), -1)
        spread = np.sqrt(np.maximum((counts.matrix @ values**2) / np.maximum(m, 1) - np.nan_to_num(mean) ** 2, 0))
        confidence = np.where(m > 0, 1.0 / (1.0 + spread), np.nan)  # 1 when every rating agrees
        return ItemConsensus(code.astype(np.int64), mean, confidence)

    def correct(self, code: np.ndarray, value: np.ndarray, gold: np.ndarray) -> np.ndarray:
        ok = (code >= 0) & (gold >= 0)
        return ok & (np.abs(np.nan_to_num(value) - self.values[np.maximum(gold, 0)]) <= self.tolerance + EPS)

    def consensus_text(self, consensus: ItemConsensus, idx: np.ndarray) -> np.ndarray:
        return consensus.value[idx]


class MultilabelKind(Kind):
    """Set-valued judgments; each distinct set seen is a category (set maths: :mod:`labeleval.metrics.sets`)."""

    name = TaskKind.MULTILABEL
    consensus_name = "per-label majority"
    majority_vote = False
    supports_dawid_skene = False
    has_classes = False
    dense_metrics = True

    def __init__(self, categories: tuple[str, ...], *, vocabulary: tuple[str, ...], min_jaccard: float = 1.0) -> None:
        self.vocabulary = vocabulary
        self.min_jaccard = min_jaccard
        self.bits = membership(categories, vocabulary)  # categories x labels
        super().__init__(categories)

    def _hit(self) -> np.ndarray:
        return jaccard_matrix(self.bits, self.bits) >= self.min_jaccard - EPS

    def _pairs(self, label: np.ndarray, reference: np.ndarray) -> np.ndarray:
        a, b = np.broadcast_arrays(np.asarray(label), np.asarray(reference))
        return jaccard_rows(self.bits[a.ravel()], self.bits[b.ravel()]).reshape(a.shape) >= self.min_jaccard - EPS

    def consensus(self, counts: Counts, *, tie: TiePolicy, rng: np.random.Generator | None) -> ItemConsensus:
        """Each label that more than half the judgments include; ``value`` is that set as a bitmask over the
        declared labels, ``code`` the nearest set category, confidence the mean Jaccard to it."""
        n = counts.dense()  # the distinct sets seen: few enough for the set maths below
        m = n.sum(axis=1)
        present = n @ self.bits.astype(np.int64)  # items x labels: judgments including each label
        chosen = 2 * present > m[:, None]
        mask = chosen @ (2 ** np.arange(len(self.vocabulary), dtype=np.float64))
        similarity = jaccard_matrix(chosen, self.bits)
        code = np.where(m > 0, similarity.argmax(axis=1), -1).astype(np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            confidence = np.where(m > 0, (n * similarity).sum(axis=1) / np.maximum(m, 1), np.nan)
        return ItemConsensus(code, np.where(m > 0, mask, np.nan), confidence)

    def chosen_sets(self, value: np.ndarray) -> np.ndarray:
        """Boolean (items x labels) from consensus bitmasks (NaN: the empty set)."""
        weights = 2 ** np.arange(len(self.vocabulary))
        return (np.nan_to_num(value).astype(np.int64)[:, None] & weights[None, :]) > 0

    def correct(self, code: np.ndarray, value: np.ndarray, gold: np.ndarray) -> np.ndarray:
        ok = (code >= 0) & (gold >= 0)
        chosen = self.chosen_sets(value)
        truth = self.bits[np.maximum(gold, 0)]
        similarity = jaccard_rows(chosen, truth)
        return ok & (similarity >= self.min_jaccard - EPS)

    def consensus_text(self, consensus: ItemConsensus, idx: np.ndarray) -> np.ndarray:
        chosen = self.chosen_sets(consensus.value[idx])
        out = []
        for row, known in zip(chosen, np.isfinite(consensus.value[idx]), strict=True):
            labels = [lab for j, lab in enumerate(self.vocabulary) if row[j]]
            out.append(set_text(labels) if known else None)
        return np.asarray(out, dtype=object)

    def vendor_metrics(self, v: VendorData, gold_code: np.ndarray, confidence: float) -> list[dict[str, object]]:
        return multilabel_metrics(self, v, gold_code)


def kind_for(task: TaskSpec, categories: tuple[str, ...] | pd.Index) -> Kind:
    """The :class:`Kind` of ``task`` over the count matrix's ``categories``."""
    cats = tuple(str(c) for c in categories)
    if task.kind == TaskKind.MULTILABEL:
        return MultilabelKind(cats, vocabulary=task.labels, min_jaccard=task.min_jaccard)
    if task.kind in (TaskKind.INTERVAL, TaskKind.RATIO):
        return NumericKind(cats, tolerance=task.tolerance, ratio=task.kind == TaskKind.RATIO)
    if task.kind == TaskKind.ORDINAL:
        return OrdinalKind(cats, tolerance=task.tolerance)
    if task.kind == TaskKind.PAIRWISE:
        return PairwiseKind(cats)
    return NominalKind(cats)

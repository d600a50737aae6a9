"""What changes with the task kind: the alpha level, the numeric value of each category, when a label
counts as matching a reference (exact, or within a tolerance), and how a consensus is formed.

| kind | alpha level | match | consensus |
|---|---|---|---|
| nominal | nominal | exact | majority vote (tie policy) or Dawid-Skene |
| pairwise (A, B, tie) | nominal | exact (a tie is right only when gold is a tie) | majority vote or Dawid-Skene |
| ordinal | ordinal | within ``tolerance`` scale steps (default 0: exact) | median (lower median) or Dawid-Skene |
| interval, ratio | interval, ratio | within ``tolerance`` in the scale's units (default 0) | mean |
| multilabel | nominal, exact sets | Jaccard at least ``min_jaccard`` (1: the same set) | per-label majority |

Numeric kinds keep their distinct values as the categories of the shared count matrix, so alpha, the
bootstrap and the ledger work unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labeleval.consensus import majority_from_counts
from labeleval.metrics.counts import numeric_values

LEVEL = {
    "nominal": "nominal",
    "pairwise": "nominal",
    "ordinal": "ordinal",
    "interval": "interval",
    "ratio": "ratio",
    "multilabel": "nominal",
}
EMPTY_SET = "(none)"
NUMERIC = ("interval", "ratio")
PAIRWISE_LABELS = ("A", "B", "tie")


@dataclass(frozen=True)
class KindRules:
    kind: str
    categories: tuple[str, ...]
    tolerance: float = 0.0
    vocabulary: tuple[str, ...] = ()
    min_jaccard: float = 1.0

    @property
    def bits(self) -> np.ndarray:
        """Multilabel: categories x vocabulary membership (which labels each set category holds)."""
        position = {lab: i for i, lab in enumerate(self.vocabulary)}
        out = np.zeros((len(self.categories), len(self.vocabulary)), dtype=bool)
        for c, text in enumerate(self.categories):
            if text != EMPTY_SET:
                out[c, [position[m] for m in text.split("|")]] = True
        return out

    @property
    def set_similarity(self) -> np.ndarray:
        """Multilabel: Jaccard similarity between every pair of set categories (two empty sets: 1)."""
        b = self.bits.astype(np.int64)
        inter = b @ b.T
        union = b.sum(axis=1)[:, None] + b.sum(axis=1)[None, :] - inter
        return np.where(union > 0, inter / np.maximum(union, 1), 1.0)

    @property
    def level(self) -> str:
        return LEVEL[self.kind]

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    @property
    def values(self) -> np.ndarray:
        """Numeric value of each category: the value for numeric kinds, else the position."""
        if self.numeric:
            return numeric_values(self.categories)
        return np.arange(len(self.categories), dtype=np.float64)

    @property
    def hit(self) -> np.ndarray:
        """K x K: does label c count as matching reference g?"""
        v = self.values
        if self.kind in ("nominal", "pairwise"):
            return np.eye(len(v), dtype=bool)
        if self.kind == "multilabel":
            return self.set_similarity >= self.min_jaccard - 1e-9
        return np.abs(np.subtract.outer(v, v)) <= self.tolerance + 1e-9

    @property
    def consensus_name(self) -> str:
        names = {"ordinal": "median", "interval": "mean", "ratio": "mean", "multilabel": "per-label majority"}
        return names.get(self.kind, "majority vote")

    def consensus(
        self, counts: np.ndarray, *, tie: str, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(code, value, confidence) per item; code -1 where unresolved or unlabelled.

        ``value`` is the consensus on the numeric scale (the mean for numeric kinds, the category's value
        otherwise; for multilabel the per-label majority set as a bitmask over the declared labels);
        ``code`` the consensus category (for numeric and multilabel kinds, the nearest category).
        """
        m = counts.sum(axis=1)
        values = self.values
        if self.kind == "ordinal":
            threshold = np.ceil(m / 2.0)
            code = np.argmax(np.cumsum(counts, axis=1) >= threshold[:, None], axis=1).astype(np.int64)
            code[m == 0] = -1
            with np.errstate(invalid="ignore", divide="ignore"):
                confidence = np.where(m > 0, counts[np.arange(len(m)), np.maximum(code, 0)] / np.maximum(m, 1), np.nan)
            return code, np.where(code >= 0, values[np.maximum(code, 0)], np.nan), confidence
        if self.kind == "multilabel":
            bits = self.bits
            present = counts @ bits.astype(np.int64)  # items x labels: judgments including each label
            chosen = 2 * present > m[:, None]
            mask = chosen @ (2 ** np.arange(bits.shape[1], dtype=np.float64))
            inter = chosen.astype(np.int64) @ bits.T.astype(np.int64)
            union = chosen.sum(axis=1)[:, None] + bits.sum(axis=1)[None, :] - inter
            similarity = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
            code = np.where(m > 0, similarity.argmax(axis=1), -1).astype(np.int64)  # nearest set category
            with np.errstate(invalid="ignore", divide="ignore"):
                confidence = np.where(m > 0, (counts * similarity).sum(axis=1) / np.maximum(m, 1), np.nan)
            return code, np.where(m > 0, mask, np.nan), confidence
        if self.numeric:
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = (counts @ values) / m
            code = np.where(m > 0, np.argmin(np.abs(values[None, :] - np.nan_to_num(mean)[:, None]), axis=1), -1)
            spread = np.sqrt(np.maximum((counts @ values**2) / np.maximum(m, 1) - np.nan_to_num(mean) ** 2, 0))
            confidence = np.where(m > 0, 1.0 / (1.0 + spread), np.nan)  # 1 when every rating agrees
            return code.astype(np.int64), mean, confidence
        code, confidence, _ = majority_from_counts(counts, tie=tie, rng=rng)
        return code, np.where(code >= 0, values[np.maximum(code, 0)], np.nan), confidence

    def correct(self, code: np.ndarray, value: np.ndarray, gold: np.ndarray) -> np.ndarray:
        """Does the consensus match gold (within tolerance)? False where unresolved or without gold."""
        ok = (code >= 0) & (gold >= 0)
        if self.numeric:
            return ok & (np.abs(np.nan_to_num(value) - self.values[np.maximum(gold, 0)]) <= self.tolerance + 1e-9)
        if self.kind == "multilabel":
            weights = 2 ** np.arange(len(self.vocabulary))
            chosen = (np.nan_to_num(value).astype(np.int64)[:, None] & weights[None, :]) > 0
            truth = self.bits[np.maximum(gold, 0)]
            inter = (chosen & truth).sum(axis=1)
            union = (chosen | truth).sum(axis=1)
            similarity = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
            return ok & (similarity >= self.min_jaccard - 1e-9)
        return ok & self.hit[np.maximum(code, 0), np.maximum(gold, 0)]

"""Consensus labels per item: majority vote with an explicit tie policy (DESIGN §6).

Ties are never broken silently: ``abstain`` (default) leaves the item without a consensus label
(counted as unresolved), ``lowest`` takes the first tied label in the declared order, ``random`` picks
uniformly among the tied labels with a seeded generator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from labeleval.errors import SchemaError
from labeleval.metrics.counts import count_matrix

TIE_POLICIES: Final = ("abstain", "lowest", "random")


@dataclass(frozen=True)
class Consensus:
    """Consensus labels. ``labels`` is indexed by ``item_id`` with columns ``label`` (missing where
    unresolved), ``confidence`` (share of judgments for the consensus label; for an abstained tie, the
    tied share) and ``n_judgments``."""

    labels: pd.DataFrame
    method: str
    tie: str

    @property
    def unresolved(self) -> int:
        return int(self.labels["label"].isna().sum())


def majority_from_counts(
    n: np.ndarray, *, tie: str = "abstain", rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Majority vote over an items x categories count matrix.

    Returns (consensus code per item, -1 where unresolved or unlabelled; confidence; tied flag).
    """
    if tie not in TIE_POLICIES:
        raise SchemaError(f"tie must be one of {', '.join(TIE_POLICIES)}; got {tie!r}")
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
    if tie == "abstain":
        code[tied] = -1
    code[m == 0] = -1
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.where(m > 0, top / np.maximum(m, 1), np.nan)
    return code, confidence, tied


def majority_vote(
    annotations: pd.DataFrame,
    *,
    tie: str = "abstain",
    seed: int | None = None,
    labels: Sequence[object] | None = None,
) -> Consensus:
    """Majority vote per item.

    Examples
    --------
    >>> import pandas as pd, labeleval as le
    >>> df = pd.DataFrame({"item_id": [1, 1, 1, 2, 2], "annotator_id": list("abcab"),
    ...                    "label": ["x", "x", "y", "x", "y"]})
    >>> le.majority_vote(df).labels["label"].tolist()  # item 2 is a tie: abstain
    ['x', nan]
    >>> le.majority_vote(df, tie="lowest").labels["label"].tolist()
    ['x', 'x']
    """
    counts = count_matrix(annotations, labels)
    rng = np.random.default_rng(seed) if tie == "random" else None
    if tie == "random" and seed is None:
        raise SchemaError("tie='random' needs seed=... so that the result is reproducible")
    code, confidence, _ = majority_from_counts(counts.n, tie=tie, rng=rng)
    cats = np.asarray([*counts.categories, None], dtype=object)
    frame = pd.DataFrame(
        {"label": cats[code], "confidence": confidence, "n_judgments": counts.m},
        index=pd.Index(counts.items, name="item_id"),
    )
    return Consensus(labels=frame, method="majority_vote", tie=tie)

"""A generated project with imbalanced classes, per-class vendor recalls and a known population truth.

A judgment is right with probability ``sigmoid(skill_a + shift_v[gold class] + difficulty_i)`` (annotator skill sd
0.5, item difficulty sd 1, shared by the vendors), else one of the other classes at random; 3 distinct annotators
per item. :func:`population` gives each class's population recall, precision and F1 (Gauss-Hermite quadrature).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

SKILL_SD = 0.5
DIFFICULTY_SD = 1.0
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _recall_for(shift: float) -> float:
    return float(np.sum(_WEIGHTS / (1.0 + np.exp(-(shift + np.hypot(SKILL_SD, DIFFICULTY_SD) * _NODES)))))


def shift_for(recall: float) -> float:
    """The logit shift whose population recall is ``recall`` (bisection)."""
    low, high = -8.0, 8.0
    for _ in range(80):
        mid = (low + high) / 2
        low, high = (mid, high) if _recall_for(mid) < recall else (low, mid)
    return (low + high) / 2


def population(prevalence: Sequence[float], recalls: Sequence[float]) -> dict[str, np.ndarray]:
    """Population recall, precision and F1 of each class (errors spread evenly over the other classes)."""
    pi, recall = np.asarray(prevalence, dtype=float), np.asarray(recalls, dtype=float)
    wrong = pi * (1 - recall) / (len(pi) - 1)
    predicted = pi * recall + (wrong.sum() - wrong)
    return {"recall": recall, "precision": pi * recall / predicted, "f1": 2 * pi * recall / (pi + predicted)}


def write_classes(
    folder: Path,
    prevalence: Sequence[float],
    vendors: dict[str, Sequence[float]],
    *,
    gold_items: int = 300,
    annotators: int = 8,
    seed: int = 0,
) -> Path:
    """A nominal project with classes ``c0, c1, ...`` at ``prevalence`` and each vendor's per-class recalls."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    k = len(prevalence)
    labels = np.array([f"c{j}" for j in range(k)])
    items = np.array([f"i{i:05d}" for i in range(gold_items)])
    gold = rng.choice(k, size=gold_items, p=np.asarray(prevalence))
    difficulty = DIFFICULTY_SD * rng.standard_normal(gold_items)
    pd.DataFrame({"item_id": items, "label": labels[gold]}).to_csv(folder / "gold.csv", index=False)
    blocks = []
    for name, recalls in vendors.items():
        skill = SKILL_SD * rng.standard_normal(annotators)
        shift = np.array([shift_for(r) for r in recalls])
        who = np.argsort(rng.random((gold_items, annotators)), axis=1)[:, :3].ravel()
        item = np.repeat(np.arange(gold_items), 3)
        right = rng.random(len(item)) < 1.0 / (1.0 + np.exp(-(skill[who] + shift[gold[item]] + difficulty[item])))
        given = np.where(right, gold[item], (gold[item] + rng.integers(1, k, len(item))) % k)
        who_ids = [f"{name}{w}" for w in who]
        frame = pd.DataFrame({"item_id": items[item], "annotator_id": who_ids, "label": labels[given]})
        frame.to_csv(folder / f"{name}.csv", index=False)
        pricing = 'pricing = { model = "per_label", rate = 0.1 }'
        blocks.append(f'[[vendors]]\nname = "{name}"\npath = "{name}.csv"\n{pricing}\n')
    listed = ", ".join(f'"{x}"' for x in labels)
    (folder / "labeleval.toml").write_text(
        f'[task]\nname = "classes"\nkind = "nominal"\nlabels = [{listed}]\n\n[gold]\npath = "gold.csv"\n\n'
        + "\n".join(blocks)
    )
    return folder

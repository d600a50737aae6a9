"""Pilots simulated from a sample-size plan's model, written as projects for :func:`labeleval.evaluate`.

The model of :mod:`labeleval.analyses.power`, drawn independently of it: a nominal task with the model's labels,
gold uniform over them; a judgment is right with probability ``sigmoid(u_a + d_i)`` (the annotators' logit skills
``N(mu, tau)`` of :func:`~labeleval.analyses.power.logit_skill`, fresh for every pilot; the items' difficulty
``N(0, difficulty_sd)``, shared by every vendor); wrong judgments fall evenly on the other labels; each item gets
``labels_per_item`` distinct annotators of the pool, uniformly; every vendor is priced per label (0.10 when the
model has no price).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from labeleval.analyses.power import PilotModel, logit_skill


def write_pilot_project(model: PilotModel, n: int, rng: np.random.Generator, folder: Path) -> None:
    """One simulated pilot of ``n`` gold items of ``model``, written into ``folder``."""
    k_labels = model.n_classes
    names = np.array([f"l{c}" for c in range(k_labels)])
    items = np.array([f"i{i:06d}" for i in range(n)])
    gold = rng.integers(0, k_labels, n)
    difficulty = model.difficulty_sd * rng.standard_normal(n)
    pd.DataFrame({"item_id": items, "label": names[gold]}).to_csv(folder / "gold.csv", index=False)
    blocks = []
    for w in model.vendors:
        mu, tau = logit_skill(w.accuracy, w.skill_sd, model.difficulty_sd)
        skills = mu + tau * rng.standard_normal(w.pool)
        k = min(w.labels_per_item, w.pool)
        who = np.argsort(rng.random((n, w.pool)), axis=1)[:, :k]
        item = np.repeat(np.arange(n), k)
        right = rng.random(len(item)) < 1 / (1 + np.exp(-(skills[who.ravel()] + difficulty[item])))
        labels = np.where(right, gold[item], (gold[item] + rng.integers(1, k_labels, len(item))) % k_labels)
        frame = pd.DataFrame({"item_id": items[item], "annotator_id": who.ravel(), "label": names[labels]})
        frame.to_csv(folder / f"{w.name}.csv", index=False)
        rate = w.price if math.isfinite(w.price) else 0.10
        blocks.append(
            f'[[vendors]]\nname = "{w.name}"\npath = "{w.name}.csv"\n'
            f'pricing = {{ model = "per_label", rate = {rate}, currency = "USD" }}\n'
        )
    labels_list = ", ".join(f'"{x}"' for x in names)
    manifest = (
        f'[task]\nname = "simulated"\nkind = "nominal"\nlabels = [{labels_list}]\n\n'
        '[gold]\npath = "gold.csv"\n\n' + "\n".join(blocks)
    )
    (folder / "labeleval.toml").write_text(manifest)

"""Projects with a human panel and a model labeller (read through the ``llm`` format), for the replacement and
watch tests: every kind with a match rule, a chosen number of humans and items, and submission times over days.

Deterministic (seeded). The panel's annotators each label every item with probability ``human_accuracy`` of
the truth (else a random other value); the model does so with ``model_accuracy``. Every item has gold.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

KIND_LABELS = {
    "nominal": ("billing", "technical", "account", "other"),
    "pairwise": ("A", "B", "tie"),
    "ordinal": ("1", "2", "3", "4", "5"),
    "interval": ("1", "2", "3", "4", "5", "6", "7"),
    "multilabel": ("spam", "abuse", "adult"),
}
SETS = ("spam", "abuse", "adult", "spam|abuse", "spam|adult", "abuse|adult")


def _values(kind: str) -> tuple[str, ...]:
    return SETS if kind == "multilabel" else KIND_LABELS[kind]


def _draw(rng: np.random.Generator, truth: np.ndarray, accuracy: float, values: tuple[str, ...]) -> np.ndarray:
    right = rng.random(len(truth)) < accuracy
    other = (truth + rng.integers(1, len(values), len(truth))) % len(values)
    return np.asarray(values)[np.where(right, truth, other)]


def write_replacement_project(
    folder: Path,
    *,
    kind: str = "nominal",
    n_items: int = 120,
    n_humans: int = 4,
    human_accuracy: float = 0.8,
    model_accuracy: float = 0.8,
    days: int = 10,
    seed: int = 0,
) -> Path:
    """Write the project; return its manifest path. Vendors: ``Panel`` (the humans, per label) and ``Model``
    (``llm`` format, per million tokens), both with ``submitted_at`` spread over ``days`` days."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    values = _values(kind)
    truth = rng.integers(0, len(values), n_items)
    items = [f"it-{i:04d}" for i in range(n_items)]
    day = np.sort(rng.integers(0, days, n_items))
    stamp = [f"2026-03-{2 + int(d):02d}T{10 + int(rng.integers(0, 8)):02d}:00:00Z" for d in day]
    pd.DataFrame(
        {"item": items, "gold": np.asarray(values)[truth], "region": np.where(truth % 2, "north", "south")}
    ).to_csv(folder / "gold.csv", index=False)
    rows = []
    for a in range(n_humans):
        labels = _draw(rng, truth, human_accuracy, values)
        rows += [
            {"item": it, "annotator": f"h{a}", "label": lab, "submitted_at": s}
            for it, lab, s in zip(items, labels, stamp, strict=True)
        ]
    pd.DataFrame(rows).to_csv(folder / "panel.csv", index=False)
    model = _draw(rng, truth, model_accuracy, values)
    with (folder / "model.jsonl").open("w", encoding="utf-8") as out:
        for it, lab, s in zip(items, model, stamp, strict=True):
            record = {"item_id": it, "model": "judge-1", "prediction": lab, "created_at": s}
            out.write(json.dumps({**record, "usage": {"input_tokens": 900, "output_tokens": 20}}) + "\n")
    task = [f'kind = "{kind}"']
    if kind != "interval":
        task.append(f"labels = {json.dumps(list(KIND_LABELS[kind]))}")
    if kind == "ordinal":
        task.append("tolerance = 1")
    if kind == "interval":
        task += ["tolerance = 1", "range = [1, 7]"]
    if kind == "multilabel":
        task.append("min_jaccard = 0.5")
    manifest = [
        "[task]",
        'name = "Replacement pilot"',
        *task,
        "",
        "[gold]",
        'path = "gold.csv"',
        'columns = { item_id = "item", label = "gold" }',
        'metadata = ["region"]',
        "",
        "[[vendors]]",
        'name = "Panel"',
        'path = "panel.csv"',
        'columns = { item_id = "item", annotator_id = "annotator", label = "label", submitted_at = "submitted_at" }',
        'pricing = { model = "per_label", rate = 0.40, currency = "USD" }',
        "",
        "[[vendors]]",
        'name = "Model"',
        'path = "model.jsonl"',
        'format = "llm"',
        'columns = { submitted_at = "created_at", annotator_id = "model" }',
        'pricing = { model = "per_million_tokens", input_rate = 3.0, output_rate = 15.0, currency = "USD" }',
    ]
    path = folder / "labeleval.toml"
    path.write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return path

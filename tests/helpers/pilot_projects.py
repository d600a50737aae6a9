"""A small generator of N-vendor pilot projects for the chart and browser tests (2 to 12 vendors, any price range),
and of summary frames shaped like such a pilot's (:func:`pilot_summary`).

Deterministic (seeded): each vendor gets an accuracy, a per-label price spread log-uniformly between
``low`` and ``high``, three annotators per item drawn from its own pool, and the same items; a share of
the items carry gold. Written as a labeleval project folder (manifest, gold.csv, one CSV per vendor).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

LABELS = ("allowed", "borderline", "violating", "spam")
NAMES = (
    "Acme Labelling", "Bright Data Ops", "Crowd North", "Delta Annotate", "Expert Panel", "Fjord Labs",
    "Granite AI", "Harbor Crowd", "In-house QA", "Juniper Tasks", "Kestrel Review", "Lumen Experts",
)  # fmt: skip


def write_pilot(
    folder: Path,
    n_vendors: int,
    *,
    low: float = 0.03,
    high: float = 2.5,
    currency: str = "USD",
    n_items: int = 240,
    gold_share: float = 0.5,
    seed: int = 0,
) -> Path:
    """Write a project with ``n_vendors`` vendors into ``folder``; return its manifest path."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    items = [f"it-{i:04d}" for i in range(n_items)]
    truth = rng.integers(0, len(LABELS), n_items)
    gold = rng.random(n_items) < gold_share
    pd.DataFrame({"item": np.array(items)[gold], "gold": np.array(LABELS)[truth[gold]]}).to_csv(
        folder / "gold.csv", index=False
    )
    prices = np.exp(np.linspace(np.log(low), np.log(high), n_vendors))
    accuracy = np.linspace(0.62, 0.95, n_vendors)  # dearer vendors are better, as in most pilots
    manifest = [
        "[task]",
        f'name = "Pilot with {n_vendors} vendors"',
        'kind = "nominal"',
        f"labels = {list(LABELS)!r}".replace("'", '"'),
        "",
        "[gold]",
        'path = "gold.csv"',
        'columns = { item_id = "item", label = "gold" }',
    ]
    for v in range(n_vendors):
        pool = [f"v{v}-a{a:02d}" for a in range(12)]
        rows = []
        for i, item in enumerate(items):
            for annotator in rng.choice(pool, 3, replace=False):
                right = rng.random() < accuracy[v]
                label = truth[i] if right else rng.choice([k for k in range(len(LABELS)) if k != truth[i]])
                rows.append((item, annotator, LABELS[label], round(float(rng.gamma(4, 3)), 1)))
        file = f"vendor_{v:02d}.csv"
        pd.DataFrame(rows, columns=["item", "worker", "label", "seconds"]).to_csv(folder / file, index=False)
        manifest += [
            "",
            "[[vendors]]",
            f'name = "{NAMES[v]}"',
            f'path = "{file}"',
            'columns = { item_id = "item", annotator_id = "worker", label = "label", duration_s = "seconds" }',
            f'pricing = {{ model = "per_label", rate = {prices[v]:.4f}, currency = "{currency}" }}',
        ]
    path = folder / "labeleval.toml"
    path.write_text("\n".join(manifest) + "\n", encoding="utf-8")
    return path


def pilot_summary(n: int, low: float, high: float, seed: int = 0) -> pd.DataFrame:
    """A summary frame for n vendors with prices spread between low and high (log-uniform)."""
    rng = np.random.default_rng(seed)
    cost = np.exp(rng.uniform(np.log(low), np.log(high), n))
    accuracy = rng.uniform(0.6, 0.995, n)
    return pd.DataFrame(
        {
            "vendor": [f"Vendor {chr(65 + i)}" for i in range(n)],
            "accuracy": accuracy,
            "accuracy_ci_low": accuracy - 0.04,
            "accuracy_ci_high": np.minimum(accuracy + 0.04, 1.0),
            "cost_per_usable_label": cost,
            "cost_per_usable_label_ci_low": cost * 0.9,
            "cost_per_usable_label_ci_high": cost * 1.1,
            "n_judgments": 1000,
            "currency": "EUR",
        }
    )

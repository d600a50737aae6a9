"""Generated projects that several test modules score, and the exact comparison of two Reports.

:func:`write_project`: the engines' synthetic project (Parquet vendor files of many row groups, bad rows and
duplicate judgments, three pricing models; 1e5 judgments by default). :func:`random_design`: a small
nominal project of uneven design (1 to 6 labels per item, partly shared items, gold on about 30%).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import labeleval as le

LABELS = ["c0", "c1", "c2", "c3", "c4"]


def write_project(folder: Path, n_judgments: int = 100_000, *, duplicates: str = "keep_last", seed: int = 0) -> Path:
    """A synthetic project; vendor files have row groups of 4,000 rows, so duplicates span row groups."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_items = n_judgments // 15
    items = np.char.add("item", rng.permutation(n_items).astype(str))  # ids not in sorted order
    truth = rng.choice(5, n_items, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    gold = rng.random(n_items) < 0.2
    pd.DataFrame({"item": items[gold], "gold": np.asarray(LABELS)[truth[gold]]}).to_csv(
        folder / "gold.csv", index=False
    )
    pricing = {
        "A": '{ model = "per_label", rate = 0.05, currency = "USD" }',
        "B": '{ model = "hourly", rate = 18.0, currency = "USD" }',
        "C": '{ model = "per_item", rate = 0.4, currency = "USD", fee_pct = 5.0 }',
    }
    vendors = []
    for v, accuracy in zip("ABC", (0.7, 0.8, 0.9), strict=True):
        pool = 300
        skill = np.clip(rng.normal(accuracy, 0.08, pool), 0.3, 0.99)
        annot = ((rng.integers(0, pool, n_items)[:, None] + np.arange(5)[None, :] * 61) % pool).ravel()
        item_idx = np.repeat(np.arange(n_items), 5)
        right = rng.random(len(annot)) < skill[annot]
        label = np.asarray(LABELS, dtype=object)[np.where(right, truth[item_idx], rng.integers(0, 5, len(annot)))]
        order = rng.permutation(len(annot))  # rows in no particular order
        frame = pd.DataFrame(
            {
                "task": items[item_idx][order],
                "worker": np.char.add(f"{v}w", annot.astype(str))[order],
                "answer": label[order],
                "secs": rng.gamma(2.0, 6.0, len(annot)).round(1),
            }
        )
        bad = rng.random(len(frame))
        frame.loc[bad < 0.002, "answer"] = "not-a-label"
        frame.loc[(bad >= 0.002) & (bad < 0.003), "worker"] = None
        frame.loc[(bad >= 0.003) & (bad < 0.004), "secs"] = -1.0
        repeats = frame.sample(frac=0.01, random_state=seed).assign(answer=LABELS[0])  # re-labelled later
        frame = pd.concat([frame, repeats], ignore_index=True)
        pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / f"{v}.parquet", row_group_size=4000)
        vendors.append(
            f'[[vendors]]\nname = "{v}"\npath = "{v}.parquet"\n'
            f'columns = {{ item_id = "task", annotator_id = "worker", label = "answer", duration_s = "secs" }}\n'
            f"pricing = {pricing[v]}\n"
        )
    (folder / "labeleval.toml").write_text(
        f'[task]\nname = "engines"\nkind = "nominal"\nlabels = {json.dumps(LABELS)}\n\n'
        f'[gold]\npath = "gold.csv"\ncolumns = {{ item_id = "item", label = "gold" }}\n\n'
        f'[data]\nduplicates = "{duplicates}"\n\n' + "\n".join(vendors)
    )
    return folder


def random_design(folder: Path, seed: int) -> Path:
    """Three vendors with 1 to 6 labels per item, partly overlapping items (so shared-item ratios exist),
    annotators of unequal volume and skill, ties, and gold on about 30% of the items."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_items, k = 400, 4
    truth = rng.integers(0, k, n_items)
    gold = rng.random(n_items) < 0.3
    pd.DataFrame({"item_id": [f"i{i}" for i in np.flatnonzero(gold)], "label": [f"c{t}" for t in truth[gold]]}).to_csv(
        folder / "gold.csv", index=False
    )
    vendors = []
    for v, (lo, hi, accuracy) in enumerate([(0, 400, 0.7), (0, 300, 0.85), (150, 400, 0.6)]):
        pool = 15 + 10 * v
        skill = np.clip(rng.normal(accuracy, 0.12, pool), 0.2, 0.99)
        volume = rng.dirichlet(np.full(pool, 0.7))
        rows = []
        for i in range(lo, hi):
            m = int(rng.integers(1, 7))
            for a in rng.choice(pool, size=min(m, pool), replace=False, p=volume):
                label = truth[i] if rng.random() < skill[a] else int(rng.integers(0, k))
                rows.append((f"i{i}", f"w{a}", f"c{label}"))
        pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"]).to_csv(folder / f"v{v}.csv", index=False)
        vendors.append(
            f'[[vendors]]\nname = "V{v}"\npath = "v{v}.csv"\npricing = {{ model = "per_label", rate = 0.1 }}\n'
        )
    labels = ", ".join(f'"c{c}"' for c in range(k))
    (folder / "labeleval.toml").write_text(
        f'[task]\nname = "random"\nkind = "nominal"\nlabels = [{labels}]\n\n[gold]\npath = "gold.csv"\n\n'
        + "\n".join(vendors)
    )
    return folder


def assert_same_report(a: le.Report, b: le.Report) -> None:
    """Every frame equal: counts exactly, estimates and intervals to float round-off."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_dtype=False, check_categorical=False, rtol=1e-12, obj=f.name)
        elif f.name != "settings":
            assert x == y, f.name

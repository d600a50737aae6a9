"""The published crowdsourcing datasets with gold in tests/data/datasets (from ../shared/datasets)."""

from __future__ import annotations

import pandas as pd

from tests.helpers.paths import DATA


def load(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """A dataset's judgments (``item_id``, ``annotator_id``, ``label``) and its gold labels by ``item_id``."""
    folder = DATA / "datasets" / name
    answers = pd.read_csv(folder / "answers.csv", dtype=str).rename(
        columns={"item": "item_id", "worker": "annotator_id"}
    )
    gold = pd.read_csv(folder / "gold.csv", dtype=str).set_index("item")["label"]
    gold.index.name = "item_id"
    return answers, gold

"""Shared fixtures: paths to the bundled sample and test data, and a small random-data helper."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
# the app's disk cache of Reports (ui/report_cache.py): a folder of this test run, not the user's ~/.cache
os.environ.setdefault("LABELEVAL_CACHE_DIR", tempfile.mkdtemp(prefix="labeleval-test-cache-"))
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "sample_data" / "content_safety"


@pytest.fixture(scope="session")
def sample_project() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_report():
    import labeleval as le

    return le.evaluate(SAMPLE, n_boot=300, seed=1)


def random_long(
    rng: np.random.Generator, n_items: int, n_annotators: int, k: int, per_item: int, p_agree: float = 0.6
) -> pd.DataFrame:
    """Random long-form judgments: each item gets ``per_item`` distinct annotators; labels agree with a
    hidden truth with probability ``p_agree``."""
    truth = rng.integers(0, k, n_items)
    rows = []
    for i in range(n_items):
        annotators = rng.choice(n_annotators, per_item, replace=False)
        for a in annotators:
            label = truth[i] if rng.random() < p_agree else rng.integers(0, k)
            rows.append((f"i{i}", f"a{a}", int(label)))
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])

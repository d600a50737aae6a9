"""The items frame made once from columns put together across vendors equals the frame-per-vendor
concatenation it replaced (kept below), on the sample projects and a random design."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from labeleval.io.pipeline import load_data
from labeleval.project.manifest import load_project
from labeleval.scoring.consensus import VendorConsensus, vendor_consensus
from labeleval.scoring.encode import Encoded, VendorBatch, encode, vendor_batches
from labeleval.scoring.people import VOTES_TEXT, items, vote_text
from labeleval.scoring.settings import Settings
from labeleval.tuning import VOTE_COLUMNS_MAX
from tests.helpers.paths import LABEL_SAMPLES, ROOT
from tests.helpers.projects import random_design

SAMPLES = LABEL_SAMPLES


def items_before(enc: Encoded, batches: list[VendorBatch], consensus: list[VendorConsensus]) -> pd.DataFrame:
    """One row per (item, vendor): consensus, confidence, gold, whether vendors disagree, votes per label."""
    pairs = list(zip(batches, consensus, strict=True))
    values = np.column_stack([np.where(b.labelled & (c.chosen.code >= 0), c.chosen.value, np.nan) for b, c in pairs])
    resolved = np.isfinite(values)
    high = np.where(resolved, values, -np.inf).max(axis=1)
    low = np.where(resolved, values, np.inf).min(axis=1)
    disagree = (resolved.sum(axis=1) >= 2) & (high - low > enc.kind.tolerance + 1e-9)
    labels = np.asarray([*enc.labels, None], dtype=object)
    frames = []
    for b, c in zip(batches, consensus, strict=True):
        idx = np.flatnonzero(b.labelled)
        gold = enc.gold_code[idx]
        frame = pd.DataFrame(
            {
                "item_id": enc.items[idx],
                "vendor": b.name,
                "n_judgments": b.m[idx],
                "consensus": enc.kind.consensus_text(c.chosen, idx),
                "confidence": c.chosen.confidence[idx],
                "gold_label": labels[gold],
                "consensus_correct": np.where(gold >= 0, c.chosen_correct[idx].astype(float), np.nan),
                "vendors_disagree": disagree[idx],
            }
        )
        if enc.kind.numeric:
            frame["gold_label"] = np.where(gold >= 0, enc.kind.values[np.maximum(gold, 0)], np.nan)
        elif enc.k <= VOTE_COLUMNS_MAX:  # one frame of vote columns, not one insert per label
            votes = pd.DataFrame(b.counts[idx], columns=[f"votes_{label}" for label in enc.labels])
            frame = pd.concat([frame, votes], axis=1)
        else:  # many labels: the item's own labels as text, most votes first (not K columns)
            frame[VOTES_TEXT] = vote_text(b, enc.labels)[idx]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("name", [*(p.name for p in SAMPLES), "random"])
def test_the_items_frame_is_the_frame_per_vendor_concatenation(tmp_path: Path, name: str) -> None:
    folder = random_design(tmp_path / "r", seed=3) if name == "random" else ROOT / "sample_data" / name
    enc = encode(load_data(load_project(folder)))
    batches = vendor_batches(enc)
    rng = np.random.default_rng(0)
    consensus = [vendor_consensus(enc, b, Settings(), rng) for b in batches]
    expected = items_before(enc, batches, consensus)
    counts = [c for c in expected.columns if c == "n_judgments" or (c.startswith("votes_") and c != VOTES_TEXT)]
    expected[counts] = expected[counts].astype(np.int32)  # the same counts, held as int32 since
    pd.testing.assert_frame_equal(items(enc, batches, consensus), expected)

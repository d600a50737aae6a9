"""Light's kappa over ranges of items (labeleval.scoring.pairs) equals the whole-vendor computation."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from labeleval.errors import UndefinedMetricWarning
from labeleval.io.pipeline import load_data
from labeleval.metrics.agreement import light_from_codes
from labeleval.metrics.light import light_evidence
from labeleval.project.manifest import load_project
from labeleval.scoring import pairs
from labeleval.scoring.encode import Encoded, VendorBatch, encode, vendor_batches
from tests.helpers.paths import LABEL_SAMPLES
from tests.helpers.projects import random_design

SAMPLES = LABEL_SAMPLES


def whole(enc: Encoded, b: VendorBatch, min_overlap: int) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        return light_from_codes(
            enc.item_codes[b.rows], enc.keys[b.rows], enc.label_codes[b.rows], min_overlap=min_overlap
        )


@pytest.mark.slow
@pytest.mark.parametrize("dense_cells", [1 << 25, 0], ids=["dense pairs", "sorted pair keys"])
@pytest.mark.parametrize("per_range", [1 << 22, 50, 7])
@pytest.mark.parametrize("min_overlap", [1, 10])
def test_ranges_of_items_give_the_whole_vendor_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, per_range: int, min_overlap: int, dense_cells: int
) -> None:
    monkeypatch.setattr(pairs, "LIGHT_JUDGMENTS_PER_RANGE", per_range)
    monkeypatch.setattr(pairs, "PAIR_SUMS_DENSE_CELLS", dense_cells)
    folders = [*SAMPLES, random_design(tmp_path / "r", seed=11)]
    checked = 0
    for folder in folders:
        enc = encode(load_data(load_project(folder)))
        for b in vendor_batches(enc):
            expected = whole(enc, b, min_overlap)
            got = pairs.light_kappa(enc, b, min_overlap=min_overlap)
            assert (np.isnan(expected) and np.isnan(got)) or got == expected, folder
            checked += np.isfinite(expected)
    assert checked >= 5


@pytest.mark.parametrize("dense_cells", [1 << 25, 0], ids=["dense pairs", "sorted pair keys"])
def test_evidence_equals_the_frame_level_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dense_cells: int
) -> None:
    """The pairs behind each vendor's Light's kappa and the annotators they cover, as the engine counts them,
    equal le.agreement_table's count from the vendor's rows."""
    monkeypatch.setattr(pairs, "PAIR_SUMS_DENSE_CELLS", dense_cells)
    enc = encode(load_data(load_project(random_design(tmp_path / "r", seed=5))))
    for b in vendor_batches(enc):
        got = pairs.light_evidence(enc, b, min_overlap=10)
        expected = light_evidence(enc.item_codes[b.rows], enc.keys[b.rows], enc.label_codes[b.rows], None)
        assert got[1:] == expected[1:] and (got[0] == pytest.approx(expected[0]) or np.isnan(expected[0]))

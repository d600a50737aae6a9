"""The streamed engine's memory cuts change no value: the Combiner's one frame equals the per-vendor
frames' concatenation, a vendor's row positions made on demand equal the held ones, and the items frame made
after the per-judgment arrays are let go equals the one made before."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.io import combine
from labeleval.io.pipeline import load
from labeleval.project.manifest import load_project
from labeleval.scoring.consensus import vendor_consensus
from labeleval.scoring.encode import encode, per_item_only, vendor_batches
from labeleval.scoring.people import items
from labeleval.scoring.settings import Settings
from tests.helpers.projects import assert_same_report, random_design, write_project


@pytest.fixture(scope="module")
def parquet_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("stream_memory"), 30_000)


@pytest.mark.slow
@pytest.mark.parametrize("design", ["parquet", "random"])
def test_one_frame_equals_the_per_vendor_frames(
    design: str, parquet_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = parquet_project if design == "parquet" else random_design(tmp_path / "r", seed=5)
    project = load_project(folder)
    taken = []
    one_frame = combine._one_frame

    def spy(*args: Any) -> list[pd.DataFrame]:
        out = one_frame(*args)
        taken.append(bool(out))
        return out

    monkeypatch.setattr(combine, "_one_frame", spy)
    fast = load(project, "stream")
    assert taken == [True]  # every vendor has the same columns: one frame
    monkeypatch.setattr(combine, "_one_frame", lambda *args: [])
    slow = load(project, "stream")
    pd.testing.assert_frame_equal(fast.annotations, slow.annotations)
    pd.testing.assert_series_equal(fast.gold, slow.gold)
    pd.testing.assert_frame_equal(fast.ledger, slow.ledger)
    pd.testing.assert_frame_equal(fast.notes, slow.notes)


def test_row_positions_on_demand_equal_the_held_ones(parquet_project: Path) -> None:
    enc = encode(load(load_project(parquet_project), "stream"))
    batches = vendor_batches(enc)
    assert all(isinstance(b.positions, range) for b in batches)  # a Dataset holds each vendor's rows together
    for index, b in enumerate(batches):
        held = np.flatnonzero(enc.vendor_codes == index)
        assert b.rows.dtype == np.int32
        np.testing.assert_array_equal(b.rows, held)
        assert b.n_judgments == len(held)
        np.testing.assert_array_equal(b.of(enc.label_codes), enc.label_codes[held])
        assert np.shares_memory(b.of(enc.label_codes), enc.label_codes)  # a view, not a copy
        np.testing.assert_array_equal(np.concatenate([np.arange(len(enc.keys))[p] for p in b.passes(1000)]), held)


def test_rows_not_in_one_range_are_held(parquet_project: Path) -> None:
    data = load(load_project(parquet_project), "stream")
    shuffled = data.annotations.sample(frac=1.0, random_state=0).reset_index(drop=True)
    enc = encode(dataclasses.replace(data, annotations=shuffled))
    reference = vendor_batches(encode(data))
    for index, b in enumerate(vendor_batches(enc)):
        assert isinstance(b.positions, np.ndarray)
        held = np.flatnonzero(enc.vendor_codes == index)
        np.testing.assert_array_equal(b.rows, held)
        np.testing.assert_array_equal(b.of(enc.keys), enc.keys[held])
        np.testing.assert_array_equal(np.concatenate(list(b.passes(1000))), held)
        np.testing.assert_array_equal(b.counts, reference[index].counts)


def test_items_frame_after_the_per_judgment_arrays_are_let_go(parquet_project: Path) -> None:
    enc = encode(load(load_project(parquet_project), "stream"))
    batches = vendor_batches(enc)
    rng = np.random.default_rng(0)
    consensus = [vendor_consensus(enc, b, Settings(), rng) for b in batches]
    before = items(enc, batches, consensus)
    slim, slim_batches = per_item_only(enc, batches)
    assert len(slim.label_codes) == len(slim.keys) == 0 and all(len(b.rows) == 0 for b in slim_batches)
    pd.testing.assert_frame_equal(items(slim, slim_batches, consensus), before)


@pytest.mark.slow
def test_streamed_report_equals_the_in_memory_report(parquet_project: Path) -> None:
    assert_same_report(
        le.evaluate(parquet_project, engine="memory", n_boot=50),
        le.evaluate(parquet_project, engine="stream", n_boot=50),
    )

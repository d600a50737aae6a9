"""Ids and labels factorized from a Parquet file's dictionary indices give what hashing the text gives (issue 13).

The in-memory reader keeps a Parquet file's text columns dictionary-encoded beside the decoded frame
(``RawTable.dictionaries``); the normaliser takes codes, distinct values and blanks from them. Checked against
``pd.factorize`` and the text check on nulls, empty and whitespace values, row groups with different
dictionaries, a dictionary in another order than first appearance with unused values (a pandas categorical
written as is), pages that fell back from dictionary to plain encoding, and whole Datasets read both ways.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from labeleval.dataset import load_data
from labeleval.io import readers
from labeleval.io.normalize import _missing, factorize_text
from labeleval.io.readers import read_table
from labeleval.project import load_project
from tests.test_engines import write_project


def _column(path: Path, name: str) -> tuple[pd.Series, object]:
    raw = read_table(path, fmt="parquet", encoding="utf-8", sheet=None, display_name=path.name)
    assert name in raw.dictionaries
    return raw.frame[name], raw.dictionaries[name]


def _values(rng: np.random.Generator, n: int, distinct: int) -> list[str | None]:
    pool = np.asarray([f"id{i}" for i in range(distinct)] + ["", " ", "\t", "\u3000"], dtype=object)
    out: list[str | None] = list(pool[rng.integers(0, len(pool), n)])
    for i in rng.choice(n, n // 50, replace=False):
        out[i] = None
    return out


@pytest.mark.parametrize("distinct", [3, 2_000])
@pytest.mark.parametrize("row_group", [500, 100_000])
def test_codes_values_and_blanks_as_from_the_text(tmp_path: Path, distinct: int, row_group: int) -> None:
    rng = np.random.default_rng(distinct + row_group)
    path = tmp_path / "t.parquet"
    # a small dictionary page limit: with 2,000 ids, later pages fall back to plain encoding
    pq.write_table(
        pa.table({"x": pa.array(_values(rng, 20_000, distinct))}),
        path,
        row_group_size=row_group,
        dictionary_pagesize_limit=4_096,
    )
    series, encoded = _column(path, "x")
    codes, values = factorize_text(series, encoded)
    expected_codes, expected_values = pd.factorize(series)
    np.testing.assert_array_equal(codes, expected_codes)
    pd.testing.assert_index_equal(values, pd.Index(expected_values), exact=True)
    np.testing.assert_array_equal(_missing(series, encoded), _missing(series))


def test_a_categorical_written_as_is(tmp_path: Path) -> None:
    """Its dictionary is the categories (sorted, one unused), not the order the values come in."""
    path = tmp_path / "c.parquet"
    values = pd.Categorical(["b", "c", None, "a", "b", "", "c"], categories=["", "a", "b", "c", "unused"])
    pd.DataFrame({"x": values}).to_parquet(path)
    series, encoded = _column(path, "x")
    codes, uniques = factorize_text(series, encoded)
    expected_codes, expected_values = pd.factorize(series)
    np.testing.assert_array_equal(codes, expected_codes)
    pd.testing.assert_index_equal(uniques, pd.Index(expected_values), exact=True)
    assert list(uniques) == ["b", "c", "a", ""]


def test_without_the_dictionary_it_hashes_the_text() -> None:
    series = pd.Series(["b", None, "a", "b"], dtype="str")
    codes, values = factorize_text(series)
    assert codes.tolist() == [0, -1, 1, 0] and list(values) == ["b", "a"]


def test_the_same_dataset_either_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project with bad rows, duplicates and ids in no order: the Dataset read with the dictionaries is the
    Dataset read without them, frame for frame."""
    project = load_project(write_project(tmp_path / "p", 20_000, seed=2))
    with_codes = load_data(project)
    real = readers.RawTable

    def without(*args: object, **kwargs: object) -> readers.RawTable:
        kwargs.pop("dictionaries", None)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(readers, "RawTable", without)
    from_text = load_data(project)
    for f in dataclasses.fields(with_codes):
        x, y = getattr(with_codes, f.name), getattr(from_text, f.name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=f.name)
        elif isinstance(x, pd.Series):
            pd.testing.assert_series_equal(x, y, check_exact=True, obj=f.name)
        elif f.name != "project":
            assert x == y, f.name
    assert len(with_codes.quarantine) > 0

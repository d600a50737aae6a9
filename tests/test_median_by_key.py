"""Report cards' median seconds per annotator by ranges of keys equal pandas' groupby median."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from labeleval.scoring.annotators import median_by_key


@pytest.mark.parametrize(
    ("n", "n_keys", "rows_per_pass"),
    [(1000, 30, 100), (50_000, 700, 1 << 24), (50_000, 700, 777), (10, 40, 3), (0, 5, 10)],
)
def test_the_median_per_key_is_pandas_groupby_median(n: int, n_keys: int, rows_per_pass: int) -> None:
    rng = np.random.default_rng(n + n_keys)
    keys = rng.integers(0, n_keys, n)
    keys[keys == 5] = 6  # a key without rows: NaN
    values = rng.gamma(2.0, 6.0, n).round(1)
    values[rng.random(n) < 0.1] = np.nan  # untimed judgments are skipped
    values[keys == 7] = np.nan  # a key with rows but no time: NaN
    expected = pd.Series(values).groupby(keys).median().reindex(np.arange(n_keys)).to_numpy()
    got = median_by_key(keys, values, n_keys, rows_per_pass=rows_per_pass)
    np.testing.assert_array_equal(got, expected)


def test_report_cards_over_passes_of_rows_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The leave-one-out agreement of the report cards over many small passes of a vendor's rows."""
    import labeleval as le
    from labeleval.scoring import people
    from tests.conftest import SAMPLE

    whole = le.evaluate(SAMPLE, n_boot=0).annotators
    monkeypatch.setattr(people, "AGREEMENT_ROWS_PER_PASS", 13)
    pd.testing.assert_frame_equal(le.evaluate(SAMPLE, n_boot=0).annotators, whole)

"""Benchmarking bands with probabilities against irrCAC's own tests (afergadis/irrCAC
test/unit/irrCAC/benchmark/test_benchmark.py: coefficient 0.67, standard error 0.15), and the reading rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.metrics.bands import BENCHMARKS, band_reading


@pytest.mark.parametrize(
    ("scale", "cumulative", "read"),
    [
        ("landis_koch", [0.18168, 0.67511, 0.96356, 0.99912, 1.0, 1.0], "moderate"),  # test_landis_koch
        ("altman", [0.18168, 0.67511, 0.96356, 0.99912, 1.0], "moderate"),  # test_altman
        ("fleiss", [0.28699, 0.96356, 1.0], "intermediate to good"),  # test_fleiss
    ],
)
def test_irrcac_benchmark_cases(scale: str, cumulative: list[float], read: str) -> None:
    bands = le.agreement_bands(0.67, 0.15, scale=scale)
    assert bands["cumulative"].round(5).tolist() == cumulative
    assert bands.loc[bands["read"], "band"].item() == read
    assert bands["probability"].sum() == pytest.approx(1.0)
    assert list(bands["band"]) == [name for _, _, name in BENCHMARKS[scale]]


def test_reading_moves_down_as_the_standard_error_grows() -> None:
    assert band_reading(0.85, 0.01) == ("almost perfect", pytest.approx(1.0, abs=1e-6))
    band, probability = band_reading(0.85, 0.05) or ("", 0.0)
    assert band == "substantial" and probability >= 0.95
    assert band_reading(0.85, 0.3)[0] in ("fair", "slight")  # type: ignore[index]
    assert band_reading(float("nan"), 0.1) is None


def test_exact_estimates_and_bad_scales() -> None:
    bands = le.agreement_bands(1.0, 0.0)
    assert bands.loc[bands["read"], "band"].item() == "almost perfect"
    with pytest.raises(le.SchemaError, match="must be one of"):
        le.agreement_bands(0.5, 0.1, scale="krippendorff")


def test_agreement_table_reads_a_band_per_coefficient() -> None:
    rng = np.random.default_rng(1)
    truth = rng.integers(0, 3, 200)
    rows = [(i, a, int(truth[i]) if rng.random() < 0.8 else int(rng.integers(0, 3))) for i in range(200) for a in "abc"]
    frame = pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])
    table = le.agreement_table(frame, n_boot=50, benchmark="altman")
    for row in table.itertuples():
        assert (row.band, row.band_probability) == (
            band_reading(row.estimate, row.se, "altman")[0],  # type: ignore[index]
            pytest.approx(band_reading(row.estimate, row.se, "altman")[1]),  # type: ignore[index]
        )
        assert row.band_probability >= 0.95

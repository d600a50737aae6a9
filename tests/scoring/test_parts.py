"""Ratios of parts of a Dataset resampled together (labeleval/scoring/parts.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from labeleval.io.dataset import Dataset
from labeleval.io.pipeline import load
from labeleval.options import Uncertainty
from labeleval.project.manifest import load_project
from labeleval.scoring.parts import Parts
from labeleval.scoring.settings import Settings, resolve_settings
from labeleval.scoring.uncertainty import RatioSums

MANIFEST = """[task]
name = "parts"
kind = "nominal"
labels = ["a", "b"]

[gold]
path = "gold.csv"

[[vendors]]
name = "A"
path = "A.csv"
pricing = { model = "per_label", rate = 0.1, currency = "USD" }
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Settings]:
    """400 gold items, 3 labels each from 12 annotators whose accuracies differ widely (0.55 to 0.98), every
    annotator with the same share of the even and of the odd items."""
    folder = tmp_path_factory.mktemp("parts")
    rng = np.random.default_rng(7)
    n, annotators = 400, 12
    skill = np.linspace(0.55, 0.98, annotators)
    gold = rng.integers(0, 2, n)
    who = ((np.arange(n) // 2)[:, None] * 3 + np.arange(3)[None, :]) % annotators  # items 2t, 2t + 1: same people
    item = np.repeat(np.arange(n), 3)
    right = rng.random(3 * n) < skill[who.ravel()]
    label = np.where(right, gold[item], 1 - gold[item])
    ids = np.array([f"i{i:03d}" for i in range(n)])
    pd.DataFrame({"item_id": ids, "label": np.array(["a", "b"])[gold]}).to_csv(folder / "gold.csv", index=False)
    frame = {"item_id": ids[item], "annotator_id": who.ravel(), "label": np.array(["a", "b"])[label]}
    pd.DataFrame(frame).to_csv(folder / "A.csv", index=False)
    (folder / "labeleval.toml").write_text(MANIFEST)
    loaded = load_project(folder / "labeleval.toml")
    return load(loaded, "memory"), resolve_settings(loaded, n_boot=2000, seed=3)


def _halves(data: Dataset) -> tuple[np.ndarray, np.ndarray]:
    number = data.annotations["item_id"].astype(str).str[1:].astype(int).to_numpy()
    return number % 2 == 0, number % 2 == 1


def test_one_term_is_the_engines_ratio(project: tuple[Dataset, Settings]) -> None:
    data, settings = project
    for uncertainty in Uncertainty:
        parts = Parts(data, replace(settings, uncertainty=uncertainty))
        sums: dict[tuple[str, ...], RatioSums] = {("A",): parts.sums("A")["accuracy"]}
        est = parts.estimates(sums)[("A",)]
        one = parts.combination([(1.0, sums[("A",)], est)])
        assert one.value == pytest.approx(est.value)
        if uncertainty == Uncertainty.ITEMS:
            assert np.allclose(one.samples, est.samples) and one.df == np.inf
        else:  # the same variance pieces as the engine's two-way interval
            assert np.var(one.samples, ddof=1) == pytest.approx(est.variance, rel=0.15)
            assert np.isfinite(one.df) and one.df > 1


def test_an_annotator_in_both_parts_counts_once(project: tuple[Dataset, Settings]) -> None:
    """Annotators who differ widely but work equally on both halves: their effects cancel in the contrast, so its
    two-way variance stays near the item-only one, far below the sum of the halves' two-way variances."""
    data, settings = project
    even, odd = _halves(data)
    spreads = {}
    for uncertainty in Uncertainty:
        parts = Parts(data, replace(settings, uncertainty=uncertainty))
        sums: dict[tuple[str, ...], RatioSums] = {
            ("even",): parts.sums("A", judgments=even)["accuracy"],
            ("odd",): parts.sums("A", judgments=odd)["accuracy"],
        }
        est = parts.estimates(sums)
        contrast = parts.combination([(1.0, sums[("even",)], est[("even",)]), (-1.0, sums[("odd",)], est[("odd",)])])
        assert contrast.value == pytest.approx(est[("even",)].value - est[("odd",)].value)
        assert contrast.floor > 0
        spreads[uncertainty] = (np.var(contrast.samples, ddof=1), est[("even",)].variance + est[("odd",)].variance)
    items_only, _ = spreads[Uncertainty.ITEMS]
    two_way, separately = spreads[Uncertainty.ITEMS_AND_ANNOTATORS]
    assert separately > 2 * items_only, spreads  # the annotators matter for each half's own accuracy
    assert two_way < 1.5 * items_only and two_way < separately / 2, spreads  # not for the difference of the halves

"""The agreement frame's evidence: items, annotators and (Light's kappa) pairs behind each figure, and no figure
where it stands on less than the stated minimum (labeleval/tuning.py), with the reason."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.present.render import agreement_footnotes, agreement_table
from labeleval.present.verdict import verdict
from labeleval.tuning import MIN_AGREEMENT_ITEMS


def _project(folder: Path, vendors: dict[str, pd.DataFrame]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    blocks = []
    for name, frame in vendors.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
        blocks.append(
            f'[[vendors]]\nname = "{name}"\npath = "{name}.csv"\npricing = {{ model = "per_label", rate = 0.1 }}\n'
        )
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "t"\nkind = "nominal"\nlabels = ["a", "b", "c"]\n\n'
        + '[usability]\nrule = "consensus"\n\n'
        + "\n".join(blocks)
    )
    return folder


def _one_pair_of_many(rng: np.random.Generator) -> pd.DataFrame:
    """Annotators p and q share 12 items; 40 others label 60 items two by two, no two of them 10 together."""
    truth = rng.integers(0, 3, 72)
    rows = [(f"s{i}", who, "abc"[truth[i]]) for i in range(12) for who in ("p", "q")]
    rows += [
        (f"o{i}", f"x{(2 * i + k) % 40}", "abc"[truth[12 + i] if rng.random() < 0.7 else 0])
        for i in range(60)
        for k in (0, 1)
    ]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


def _crossed(rng: np.random.Generator, n_items: int, raters: int = 3) -> pd.DataFrame:
    truth = rng.integers(0, 3, n_items)
    rows = [
        (f"i{i}", f"r{a}", "abc"[truth[i] if rng.random() < 0.8 else rng.integers(0, 3)])
        for i in range(n_items)
        for a in range(raters)
    ]
    return pd.DataFrame(rows, columns=["item_id", "annotator_id", "label"])


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> le.Report:
    rng = np.random.default_rng(4)
    vendors = {
        "Pairs": _one_pair_of_many(rng),
        "Tiny": _crossed(rng, MIN_AGREEMENT_ITEMS - 2),
        "Team": _crossed(rng, 40),
    }
    return le.evaluate(_project(tmp_path_factory.mktemp("evidence"), vendors), n_boot=50, seed=0)


def test_every_row_carries_its_evidence(report: le.Report) -> None:
    a = report.agreement.set_index(["vendor", "metric"])
    assert {"items", "raters", "pairs", "note"} <= set(report.agreement.columns)
    assert a.loc[("Team", "krippendorff_alpha"), "items"] == 40 and a.loc[("Team", "fleiss_kappa"), "raters"] == 3
    assert a.loc[("Team", "light_kappa"), "pairs"] == 3 and np.isfinite(a.loc[("Team", "light_kappa"), "value"])
    assert a.loc[("Pairs", "krippendorff_alpha"), "raters"] == 42


def test_light_kappa_of_one_pair_of_many_annotators_is_withheld(report: le.Report) -> None:
    light = report.agreement.set_index(["vendor", "metric"]).loc[("Pairs", "light_kappa")]
    assert np.isnan(light["value"]) and light["pairs"] == 1
    assert "1 annotator pair sharing 10+ items, 2 of 42 annotators" in light["note"]
    shown = agreement_table(report).set_index("Metric")
    assert shown.loc["Light's kappa (mean pairwise Cohen)", "Pairs"] == "—"
    assert shown.loc["Annotators", "Pairs"] == "42"
    assert any("2 of 42 annotators" in note for note in agreement_footnotes(report))


def test_figures_on_too_few_items_are_withheld_with_the_reason(report: le.Report) -> None:
    tiny = report.agreement[report.agreement["vendor"] == "Tiny"]
    assert tiny["value"].isna().all() and tiny["ci_low"].isna().all()
    assert tiny["note"].str.contains(f"{MIN_AGREEMENT_ITEMS - 2} items with two or more judgments").all()
    summary = report.summary.set_index("vendor")
    assert np.isnan(summary.loc["Tiny", "alpha"]) and np.isfinite(summary.loc["Team", "alpha"])
    (sentence,) = [s for s in verdict(report) if s.startswith("Agreement among")]
    assert "Tiny (alpha not shown: built on 8 items" in sentence
    assert "Team" in sentence and "with probability" in sentence and "0.8 or more" not in sentence

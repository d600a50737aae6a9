"""Annotator report cards: detection checked where the truth is known (the GAL toy set's worker types,
the sample's planted spammers), and the pieces against direct computation; the median seconds per annotator
by ranges of keys equal pandas' groupby median."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labeleval as le
from labeleval.cli.main import main
from labeleval.scoring.annotators import leave_one_out_agreement, median_by_key
from tests.helpers.paths import DATA, SAMPLE


def toy_project(tmp_path: Path) -> Path:
    folder = tmp_path / "toy"
    folder.mkdir()
    for name in ("answers.csv", "gold.csv"):
        shutil.copy(DATA / "datasets" / "gal_adultcontent_toy" / name, folder / name)
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "toy"\nlabels = ["notporn", "porn"]\n'
        '[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n'
        "[quality]\nmin_judgments = 5\n"  # five judgments each: the model and skew rules need a lower floor
        '[[vendors]]\nname = "crowd"\npath = "answers.csv"\n'
        'columns = { item_id = "item", annotator_id = "worker" }\npricing = { model = "per_label", rate = 0.01 }\n'
    )
    return folder


def test_toy_set_flags_exactly_the_bad_workers(tmp_path: Path) -> None:
    """GAL README: worker1 always answers porn, worker5 is always wrong, 2 is ok, 3 and 4 are good."""
    cards = le.evaluate(toy_project(tmp_path), n_boot=0).annotators.set_index("annotator_id")
    assert set(cards.index[cards["low_performer"]]) == {"worker1", "worker5"}
    assert "Dawid-Skene accuracy 40%" in cards.loc["worker1", "flag_reason"]
    assert "gold accuracy 0%" in cards.loc["worker5", "flag_reason"]
    assert cards.loc["worker5", "ds_accuracy"] < 0.01
    assert cards.loc["worker3", "ds_accuracy"] == pytest.approx(1.0)


def test_planted_spammers_are_found(sample_report) -> None:
    truth = pd.read_csv(SAMPLE / "_truth" / "annotators.csv")
    cards = sample_report.annotators.merge(truth, left_on="annotator_id", right_on="annotator")
    spam = cards["planted"] == "spammer"
    flagged = cards["low_performer"]
    precision = (spam & flagged).sum() / flagged.sum()
    recall = (spam & flagged).sum() / spam.sum()
    assert spam.sum() == 10
    assert recall == 1.0
    assert precision >= 0.8  # measured: 10 of 12 flags (the other two are honest but clearly below their vendor)
    assert (cards.loc[spam, "too_fast_share"] > 0.5).all()


def test_leave_one_out_agreement_by_hand() -> None:
    # item counts (x, y): judgment 0 says x on an item with 2 x + 1 y -> others 1 x + 1 y: tied, not comparable
    # judgment 1 says y on an item with 3 x + 1 y -> others 3 x: disagrees; judgment 2 says x there: agrees
    counts = np.array([[2, 1], [3, 1], [3, 1]])
    labels = np.array([0, 1, 0])
    agrees, comparable = leave_one_out_agreement(counts, labels)
    assert comparable.tolist() == [False, True, True]
    assert agrees.tolist() == [False, False, True]


def test_report_card_columns_and_totals(sample_report) -> None:
    cards = sample_report.annotators
    for column in (
        "gold_judgments",
        "gold_accuracy",
        "gold_accuracy_ci_low",
        "agreement_with_peers",
        "ds_accuracy",
        "median_seconds",
        "too_fast_share",
        "label_skew",
        "low_performer",
        "flag_reason",
    ):
        assert column in cards.columns
    assert cards["n_judgments"].sum() == sample_report.summary["n_judgments"].sum()
    assert (cards.loc[~cards["low_performer"], "flag_reason"] == "").all()
    assert (cards.loc[cards["low_performer"], "flag_reason"].str.len() > 10).all()


@pytest.mark.slow
def test_cli_lists_flagged_annotators(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["annotators", str(SAMPLE), "--flagged"]) == 0
    out = capsys.readouterr().out
    assert "12 of 202 annotators flagged" in out and "under 2 s" in out
    assert main(["annotators", str(SAMPLE), "--flagged", "--format", "csv", "--out", str(tmp_path / "f.csv")]) == 0
    assert len(pd.read_csv(tmp_path / "f.csv")) == 12


def test_quality_thresholds_come_from_the_manifest(tmp_path: Path) -> None:
    folder = toy_project(tmp_path)
    text = (folder / "labeleval.toml").read_text().replace("min_judgments = 5", "min_judgments = 50")
    (folder / "labeleval.toml").write_text(text)
    cards = le.evaluate(folder, n_boot=0).annotators.set_index("annotator_id")
    assert not cards.loc["worker1", "low_performer"]  # the model rule now needs 50 judgments
    (folder / "labeleval.toml").write_text(text.replace("min_judgments = 50", "min_judgmnts = 5"))
    with pytest.raises(le.ManifestError, match="did you mean 'min_judgments'"):
        le.load_project(folder)


def test_annotator_accuracy_follows_the_vendors_rule() -> None:
    """A rating scale scored within ±1 (helpfulness_likert): each vendor's annotators, pooled, have exactly the
    vendor's accuracy, and a judgment one step off gold counts as right for the annotator too."""
    report = le.evaluate(SAMPLE.parent / "helpfulness_likert", n_boot=0)
    assert float(report.settings["tolerance"]) == 1.0
    cards = report.annotators
    pooled = cards.groupby("vendor")[["gold_correct", "gold_judgments"]].sum()
    for row in report.summary.itertuples():
        mine = pooled.loc[row.vendor]
        assert mine["gold_correct"] / mine["gold_judgments"] == pytest.approx(row.accuracy, abs=1e-12)
    # by hand: judgments within one step of gold, per annotator
    data = le.load_data(le.load_project(SAMPLE.parent / "helpfulness_likert"))
    ann, gold = data.annotations, data.gold
    on_gold = ann[ann["item_id"].isin(gold.index)]
    step = (on_gold["label"].astype(float) - on_gold["item_id"].map(gold).astype(float)).abs()
    right = (step <= 1).groupby([on_gold["vendor"].astype(str), on_gold["annotator_id"].astype(str)]).sum()
    mine = cards.set_index([cards["vendor"].astype(str), cards["annotator_id"].astype(str)])["gold_correct"]
    assert (right.reindex(mine.index).fillna(0).to_numpy() == mine.to_numpy()).all()
    exact = (step == 0).groupby([on_gold["vendor"].astype(str), on_gold["annotator_id"].astype(str)]).sum()
    assert exact.sum() < right.sum()  # near misses exist: exact matching would give other figures


# -------------------------------------------------------------------------- median seconds by key
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


@pytest.mark.slow
def test_report_cards_over_passes_of_rows_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """The leave-one-out agreement of the report cards over many small passes of a vendor's rows."""
    import labeleval as le
    from labeleval.scoring import people
    from tests.helpers.paths import SAMPLE

    whole = le.evaluate(SAMPLE, n_boot=0).annotators
    monkeypatch.setattr(people, "AGREEMENT_ROWS_PER_PASS", 13)
    pd.testing.assert_frame_equal(le.evaluate(SAMPLE, n_boot=0).annotators, whole)

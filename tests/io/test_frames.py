"""evaluate() on frames in memory: the same reading, ledger and Report as a project folder of the same rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import labeleval as le
from tests.helpers.projects import LABELS, write_project

PRICING = {
    "A": {"model": "per_label", "rate": 0.05},
    "B": {"model": "hourly", "rate": 18.0},
    "C": {"model": "per_item", "rate": 0.4, "fee_pct": 5.0},
}
COLUMNS = {"item_id": "task", "annotator_id": "worker", "label": "answer", "duration_s": "secs"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("frames") / "p", 3000)


def _frames(folder: Path) -> dict[str, pd.DataFrame]:
    return {v: pd.read_parquet(folder / f"{v}.parquet") for v in "ABC"}


def _gold(folder: Path) -> pd.Series:
    return pd.read_csv(folder / "gold.csv").set_index("item")["gold"]


@pytest.mark.slow
def test_a_mapping_of_frames_scores_as_the_project_folder(folder: Path) -> None:
    files = le.evaluate(folder, n_boot=30)
    frames = le.evaluate(
        _frames(folder), gold=_gold(folder), pricing=PRICING, columns=COLUMNS, task={"labels": LABELS}, n_boot=30
    )
    for name in ("summary", "accuracy", "agreement", "cost", "comparisons"):
        pd.testing.assert_frame_equal(getattr(files, name), getattr(frames, name), obj=name)
    assert frames.ledger["file"].tolist() == ["gold", "data['A']", "data['B']", "data['C']"]
    counts = ["rows_read", "kept", "quarantined"]
    assert frames.ledger[counts].to_numpy().tolist() == files.ledger[counts].to_numpy().tolist()
    # a frame's row is its position (from 0); a Parquet file's row counts from 1
    assert frames.quarantine["line"].tolist() == (files.quarantine["line"] - 1).tolist()
    assert frames.quarantine["reason"].tolist() == files.quarantine["reason"].tolist()


@pytest.mark.slow
def test_a_long_frame_keeps_or_quarantines_every_row_naming_its_position(folder: Path) -> None:
    long = pd.concat([f.assign(vendor=v) for v, f in _frames(folder).items()], ignore_index=True)
    report = le.evaluate(long, gold=_gold(folder), pricing=PRICING, columns=COLUMNS, task={"labels": LABELS}, n_boot=0)
    vendors = report.ledger[report.ledger["vendor"] != "gold"]
    assert vendors["file"].tolist() == ["data[vendor='A']", "data[vendor='B']", "data[vendor='C']"]
    assert int(vendors["rows_read"].sum()) == len(long)
    assert (vendors["rows_read"] == vendors["kept"] + vendors["quarantined"]).all()
    unknown = report.quarantine[report.quarantine["reason"] == "UNKNOWN_LABEL"]
    assert len(unknown) and (long.loc[unknown["line"], "answer"] == "not-a-label").all()
    assert (long.loc[unknown["line"], "vendor"].to_numpy() == unknown["vendor"].to_numpy()).all()


def test_numbers_and_text_that_read_the_same_are_one_label_and_said_so() -> None:
    mixed = pd.DataFrame(
        {"vendor": "x", "item_id": [1, 1, 2, 2], "annotator_id": ["a", "b"] * 2, "label": [1, "1", 2, 2.0]}
    )
    report = le.evaluate(mixed, pricing={"model": "per_label", "rate": 0.1}, n_boot=0)
    assert report.settings["labels"] == ["1", "2"] and report.summary["n_judgments"].tolist() == [4]
    assert report.notes["message"].str.contains("column 'label' holds numbers and text that read the same").any()


def test_labels_are_inferred_and_gold_may_be_a_frame_or_an_arrow_table() -> None:
    judgments = pd.DataFrame(
        {
            "vendor": ["x"] * 6 + ["y"] * 6,
            "item_id": [1, 1, 2, 2, 3, 3] * 2,
            "annotator_id": ["a", "b"] * 6,
            "label": pd.Categorical(["no", "yes", "yes", "yes", "no", "no"] * 2),
        }
    )
    gold = pa.table({"item_id": [1, 2, 3], "label": ["no", "yes", "no"]})
    report = le.evaluate(judgments, gold=gold, pricing={"model": "per_label", "rate": 0.1}, n_boot=0, min_shared_gold=1)
    assert report.settings["labels"] == ["no", "yes"]
    assert report.summary["n_judgments"].tolist() == [6, 6]
    assert report.summary["accuracy"].tolist() == pytest.approx([5 / 6, 5 / 6])


def test_without_gold_usable_means_the_consensus() -> None:
    judgments = pd.DataFrame(
        {"vendor": "x", "item_id": [1, 1, 2, 2], "annotator_id": ["a", "b"] * 2, "label": ["p", "p", "q", "q"]}
    )
    report = le.evaluate(judgments, pricing={"model": "per_label", "rate": 0.1}, n_boot=0)
    assert report.settings["usability"] == "consensus"


def _small() -> pd.DataFrame:
    return pd.DataFrame(
        {"vendor": ["x", "x", None, "y"], "item_id": [1, 2, 3, 4], "annotator_id": "a", "label": ["p", "q", "p", "q"]}
    )


def test_errors_name_the_frame_and_the_row() -> None:
    pricing = {"model": "per_label", "rate": 0.1}
    with pytest.raises(le.SchemaError, match=r"data row 2: 'vendor' is empty"):
        le.evaluate(_small(), pricing=pricing)
    twice = pd.DataFrame({"vendor": "x", "item_id": [1, 1, 2], "annotator_id": "a", "label": ["p", "q", "p"]})
    with pytest.raises(le.SchemaError, match=r"data\[vendor='x'\]: 1 duplicate judgments .* at row [01]"):
        le.evaluate(twice, pricing=pricing, duplicates="error")
    with pytest.raises(le.SchemaError, match=r"data\['x'\]: missing column 'label'"):
        le.evaluate({"x": _small().drop(columns="label")}, pricing=pricing)
    with pytest.raises(le.SchemaError, match=r"data: no vendor column 'team'"):
        le.evaluate(_small(), pricing=pricing, vendor_column="team")
    with pytest.raises(le.SchemaError, match=r"data\['x'\]: column '1' appears twice"):
        le.evaluate({"x": _small().assign(**{"1": 0}).rename(columns={"vendor": 1})}, pricing=pricing)


def test_column_names_are_text_whatever_their_type() -> None:
    frame = _small().dropna().rename(columns={"label": 5})
    mapping: dict[str, object] = {"label": 5}  # pandas allows any column name; the mapping names it as given
    report = le.evaluate(frame, pricing={"model": "per_label", "rate": 0.1}, columns=mapping, n_boot=0)  # type: ignore[arg-type]
    assert report.summary["n_judgments"].tolist() == [2, 1] and report.settings["labels"] == ["p", "q"]


def test_a_missing_column_is_named_with_the_keyword_that_maps_it() -> None:
    gold = pd.DataFrame({"item": [1], "label": ["p"]})
    with pytest.raises(
        le.SchemaError,
        match=r"gold: missing column 'item_id'; the frame has columns: 'item', 'label'"
        r"\. Map its names to labeleval's with evaluate\(columns=",
    ):
        le.evaluate(_small().dropna(), gold=gold, pricing={"model": "per_label", "rate": 0.1})


def test_pricing_and_task_are_checked_as_a_manifest_is() -> None:
    frames = {"x": _small().drop(columns="vendor")}
    with pytest.raises(le.LabelevalError, match="frames need pricing="):
        le.evaluate(frames)
    with pytest.raises(
        le.ManifestError, match=r"evaluate\(\): \[\[vendors\]\] 'x'.pricing: the per_label model needs rate"
    ):
        le.evaluate(frames, pricing={"model": "per_label"})
    with pytest.raises(le.ManifestError, match=r"evaluate\(\): \[\[vendors\]\] 'y' needs pricing"):
        le.evaluate({**frames, "y": frames["x"]}, pricing={"x": {"model": "per_label", "rate": 1}})
    with pytest.raises(le.ManifestError, match="kind"):
        le.evaluate(frames, pricing={"model": "per_label", "rate": 1}, task={"kind": "nominalish"})


def test_frame_keywords_are_refused_with_a_project_folder(sample_project: Path) -> None:
    with pytest.raises(le.LabelevalError, match="pricing= describe frames"):
        le.evaluate(sample_project, pricing={"model": "per_label", "rate": 1})


@pytest.mark.slow
def test_every_engine_reads_frames_alike_and_items_feed_the_slices(folder: Path) -> None:
    frames = _frames(folder)
    gold = _gold(folder)
    items = pd.DataFrame({"task": gold.index, "lang": ["en", "de"] * (len(gold) // 2) + ["en"] * (len(gold) % 2)})
    common = {"gold": gold, "pricing": PRICING, "columns": COLUMNS, "task": {"labels": LABELS}, "n_boot": 0}
    memory = le.evaluate(frames, **common, engine="memory")
    stream = le.evaluate(frames, **common, engine="stream", items=items, by="lang", min_shared_gold=1)
    pd.testing.assert_frame_equal(memory.summary, stream.summary)
    assert "items" in stream.ledger["file"].tolist()
    assert {"en", "de"} <= set(stream.slices["slice"])  # items without a row in `items` are "(missing)"

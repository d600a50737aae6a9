"""Hostile values in rows and manifests: relative time stamps, amounts near float overflow, rate tables."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import labeleval as le
from labeleval.io.pipeline import load_data
from labeleval.limits import MAX_AMOUNT

MANIFEST = """[task]
name = "t"
labels = ["pos", "neg"]

[gold]
path = "gold.csv"
columns = {{ item_id = "item" }}

[[vendors]]
name = "V"
path = "v.csv"
columns = {{ item_id = "item", annotator_id = "worker" }}
pricing = {{ model = "{model}", rate = {rate} }}
"""
GOLD = "item,label\n" + "".join(f"{i},{'pos' if i % 2 else 'neg'}\n" for i in range(1, 21))


def project(tmp_path: Path, extra: str, values: list[str], *, model: str = "per_label", rate: str = "0.1") -> Path:
    """A 20-item, two-annotator project whose first rows carry ``values`` in the column ``extra`` (the rest a
    plain value of that column)."""
    folder = tmp_path / "p"
    folder.mkdir(exist_ok=True)
    (folder / "gold.csv").write_text(GOLD)
    plain = {"submitted_at": "2024-03-01T10:00:00Z", "duration_s": "30", "cost": "0.1"}[extra]
    lines = [f"item,worker,label,{extra}"]
    for i in range(1, 21):
        for worker in ("a", "b"):
            value = values.pop(0) if values else plain
            lines.append(f"{i},{worker},{'pos' if i % 2 else 'neg'},{value}")
    (folder / "v.csv").write_text("\n".join(lines) + "\n")
    (folder / "labeleval.toml").write_text(MANIFEST.format(model=model, rate=rate))
    return folder


@pytest.mark.parametrize("text", ["now", "today", "yesterday", "tomorrow", "NaT", "Now"])
def test_relative_or_missing_time_stamps_are_quarantined(tmp_path: Path, text: str) -> None:
    """``now`` and ``today`` are what pandas reads as the clock's time: a window would depend on when the project
    is scored. They, and the words pandas does not read, are bad time stamps, never the time of reading."""
    data = load_data(le.load_project(project(tmp_path, "submitted_at", [text])))
    bad = data.quarantine[data.quarantine["reason"] == "BAD_TIMESTAMP"]
    assert list(bad["line"]) == [2] and list(bad["value"]) == [text]
    if text in ("now", "today"):
        assert "relative" in bad["message"].iloc[0]
    stamps = data.annotations["submitted_at"]
    assert len(stamps) == 39 and (stamps == stamps.iloc[0]).all()  # only the plain time stamp was kept


def test_time_stamps_are_not_the_time_of_reading_in_any_window(tmp_path: Path) -> None:
    report = le.evaluate(project(tmp_path, "submitted_at", ["now"] * 6 + ["today"] * 6), n_boot=20, over="day")
    assert set(report.drift["window"].astype(str)) <= {"2024-03-01"}, report.drift["window"].unique()


@pytest.mark.parametrize(("column", "value"), [("duration_s", "1e308"), ("cost", "1e308"), ("cost", "2e12")])
def test_amounts_beyond_the_bound_are_quarantined_with_a_reason(tmp_path: Path, column: str, value: str) -> None:
    """A duration or cost of 1e308 overflowed a sum: the cost per usable label became a blank with the false
    reason "no usable labels" and NumPy warned on stderr. Beyond MAX_AMOUNT the row is quarantined instead."""
    model = "hourly" if column == "duration_s" else "per_label"
    folder = project(tmp_path, column, [value, value], model=model, rate="10")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        report = le.evaluate(folder, n_boot=20)
    bad = report.quarantine[report.quarantine["reason"] == "BAD_NUMBER"]
    assert list(bad["line"]) == [2, 3] and f"{MAX_AMOUNT:.0e}" in bad["message"].iloc[0]
    cost = report.cost.iloc[0]
    assert np.isfinite(cost["total_cost"]) and np.isfinite(cost["cost_per_usable_label"])
    assert report.ledger["quarantined"].sum() == 2


def test_an_amount_at_the_bound_is_kept(tmp_path: Path) -> None:
    data = load_data(le.load_project(project(tmp_path, "cost", [f"{MAX_AMOUNT:.0f}"])))
    assert len(data.quarantine) == 0


@pytest.mark.parametrize("key", ["rate", "amount", "fee_pct", "input_rate"])
def test_a_manifest_price_beyond_the_bound_is_refused_naming_its_line(tmp_path: Path, key: str) -> None:
    folder = project(tmp_path, "cost", [])
    model = {"amount": "fixed", "input_rate": "per_million_tokens"}.get(key, "per_label")
    pricing = {"rate": "rate = 1e308", "amount": "amount = 1e308", "fee_pct": "rate = 0.1, fee_pct = 1e308"}.get(
        key, "input_rate = 1e308, output_rate = 1"
    )
    text = (
        (folder / "labeleval.toml")
        .read_text()
        .replace('model = "per_label", rate = 0.1', f'model = "{model}", {pricing}')
    )
    (folder / "labeleval.toml").write_text(text)
    with pytest.raises(le.ManifestError, match=rf"labeleval\.toml line 13: .*{key} must be at most 1e\+12"):
        le.load_project(folder)


def test_a_rates_table_beyond_the_bound_is_refused_naming_its_line(tmp_path: Path) -> None:
    folder = tmp_path / "hourly"
    folder.mkdir()
    (folder / "sheet.csv").write_text(
        "item,annotator,label,start,end\n1,e1,pos,2024-01-01T10:00:00Z,2024-01-01T10:01:00Z\n"
    )
    (folder / "rates.csv").write_text("annotator,rate\ne1,1e308\n")
    (folder / "labeleval.toml").write_text(
        '[task]\nname = "t"\nlabels = ["pos", "neg"]\n[usability]\nrule = "consensus"\n'
        '[[vendors]]\nname = "E"\npath = "sheet.csv"\nformat = "timesheet"\nrates = "rates.csv"\n'
        'pricing = { model = "hourly", rate = 0.0 }\n'
    )
    with pytest.raises(le.LabelevalError, match=r"rates\.csv line 2: rate '1e308' is not a number from 0 to 1e\+12"):
        load_data(le.load_project(folder))


def test_a_numeric_label_beyond_its_bound_is_quarantined(tmp_path: Path) -> None:
    """An interval label of 1e308 overflowed the consensus spread (values squared) with a NumPy warning."""
    from labeleval.limits import MAX_LABEL_VALUE

    rows = "item,worker,label\n" + "".join(f"{i},{w},{i % 5 + 1}\n" for i in range(1, 21) for w in "abc")
    (tmp_path / "v.csv").write_text(rows.replace("1,a,2", "1,a,1e308", 1))
    (tmp_path / "gold.csv").write_text("item,label\n" + "".join(f"{i},{i % 5 + 1}\n" for i in range(1, 21)))
    (tmp_path / "labeleval.toml").write_text(
        '[task]\nname = "t"\nkind = "interval"\n[gold]\npath = "gold.csv"\ncolumns = { item_id = "item" }\n'
        '[[vendors]]\nname = "V"\npath = "v.csv"\ncolumns = { item_id = "item", annotator_id = "worker" }\n'
        'pricing = { model = "per_label", rate = 0.1 }\n'
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        report = le.evaluate(tmp_path, n_boot=20)
    assert list(report.quarantine["reason"]) == ["OUT_OF_RANGE"] and list(report.quarantine["line"]) == [2]
    assert f"{MAX_LABEL_VALUE:.0e}" in report.quarantine["message"].iloc[0]
    assert np.isfinite(report.task_metrics.set_index("metric").loc["alpha_interval", "value"])

"""The machine-readable exports of a Report: Parquet (one file per frame, the settings in each)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from labeleval.report import Report


def test_to_parquet_writes_every_frame_with_the_settings_as_metadata(sample_report: Report, tmp_path: Path) -> None:
    written = sample_report.to_parquet(tmp_path / "out")
    assert [p.stem for p in written] == Report.frame_names()
    for path in written:
        meta = pq.read_schema(path).metadata
        assert meta[b"labeleval.frame"].decode() == path.stem
        assert json.loads(meta[b"labeleval.seed"]) == sample_report.settings["seed"]
        assert json.loads(meta[b"labeleval.labels"]) == list(sample_report.settings["labels"])
    summary = pd.read_parquet(tmp_path / "out" / "summary.parquet")
    pd.testing.assert_frame_equal(summary, sample_report.summary, check_dtype=False, check_categorical=False)
    # a quarantined row's value holds text and numbers: written as text, as the CSV export gives it
    quarantine = pd.read_parquet(tmp_path / "out" / "quarantine.parquet")
    assert len(quarantine) == len(sample_report.quarantine)
    assert quarantine["line"].tolist() == sample_report.quarantine["line"].tolist()


def test_to_parquet_writes_the_frames_asked_for(sample_report: Report, tmp_path: Path) -> None:
    written = sample_report.to_parquet(tmp_path, ["summary", "cost"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cost.parquet", "summary.parquet"]
    assert len(written) == 2


def test_csv_is_spreadsheet_safe_unless_raw_values_are_asked_for(sample_report: Report, tmp_path: Path) -> None:
    notes = pd.DataFrame(
        {
            "level": ["info"],
            "code": ["X"],
            "vendor": ['=HYPERLINK("http://x")'],
            "count": [-1],
            "message": ["-very negative"],
        }
    )
    report = dataclasses.replace(sample_report, notes=notes)
    report.to_csv(tmp_path / "safe", ["notes"])
    safe = pd.read_csv(tmp_path / "safe" / "notes.csv")
    assert safe.loc[0, "vendor"] == '\'=HYPERLINK("http://x")' and safe.loc[0, "message"] == "'-very negative"
    report.to_csv(tmp_path / "raw", ["notes"], raw=True)
    raw = pd.read_csv(tmp_path / "raw" / "notes.csv")
    assert raw.loc[0, "vendor"] == '=HYPERLINK("http://x")' and raw.loc[0, "message"] == "-very negative"
    assert safe.loc[0, "count"] == raw.loc[0, "count"] == -1  # numbers are never prefixed

"""The frames every evaluation produces (:class:`ReportData`) and their machine-readable exports (JSON, CSV folder).

The public :class:`labeleval.report.Report` adds what people read (Markdown, HTML, the sample-size plan)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from labeleval.safety import spreadsheet_frame

#: Frames left out of the compact exports (Markdown, HTML, and the CLI's JSON unless asked): they grow
#: with the number of items.
LARGE_FRAMES = ("items",)


@dataclass(frozen=True)
class ReportData:
    """Everything ``evaluate()`` found, as tidy frames.

    Attributes
    ----------
    summary
        One row per vendor: volume, agreement, accuracy, cost, each headline figure with its CI.
    agreement
        vendor x metric (Krippendorff's alpha, percent agreement, Fleiss' kappa, Gwet's AC1, Light's
        kappa) with CIs.
    accuracy
        vendor x metric (judgment accuracy, consensus accuracy, usable rate, macro-F1) with CIs.
    per_class
        vendor x label: support, precision, recall, F1 against gold with their intervals (items and annotators,
        as the headline figures'), share of judgments, class alpha (one label against the rest).
    confusion
        vendor x gold label x given label counts.
    annotators
        Report cards, one row per annotator (keyed by vendor): volume, gold accuracy with Wilson CI,
        agreement with the other annotators on the same items, Dawid-Skene accuracy, median seconds, share
        of too-fast judgments, label skew, and a low-performer flag with its reason in words.
    task_metrics
        Metrics of the task kind, vendor x metric (pairwise: agreement with and without ties, tie rate,
        position bias, agreement by strength; ordinal: AC2, weighted kappa, within-one agreement, MAE, ICC;
        numeric: alpha interval and ratio, ICC forms, MAE and RMSE). Empty for nominal tasks.
    redundancy
        Per vendor and k labels per item: majority-vote accuracy on gold items (k judgments drawn per
        item, averaged over seeded draws), cost per item and per correct item, whether the target is met.
    cost
        Pricing model, billed units, labour, fees, total, per label, per item, per usable label, per
        correct consensus item.
    comparisons
        Every pair of vendors on each headline metric: difference, simultaneous interval and adjusted p-value
        from one bootstrap max-T over the family (items and annotators unless ``uncertainty="items"``), the
        unadjusted p-value, and the family and test they come from.
    class_comparisons
        Every pair of vendors on each class's recall and precision (kinds with classes): difference on the
        shared gold items, simultaneous interval and adjusted p-value from one max-T over this family alone.
    category_agreement
        vendor x category (kinds with categories): Fleiss' kappa of the category against the rest with Gwet's
        standard error, t interval and p-value, the items behind it, and a note where it is not shown
        (:mod:`labeleval.scoring.agreement_parts`). Empty for numeric and multi-label tasks.
    annotator_agreement
        vendor x annotator, each vendor's lowest kappa first: the share of the annotator's pairings with the
        vendor's other annotators on the same items that agree, chance-corrected (pooled shares), with the
        ratio estimator's standard error and t interval over the annotator's items. Empty for numeric and
        multi-label tasks.
    items
        One row per (item, vendor): consensus, confidence, votes per label, gold, whether vendors disagree.
    ledger, quarantine, notes
        Rows read / kept / quarantined per file; every quarantined row with file, line, column, reason;
        findings that are not row problems.
    gold_audit
        Gold items the pooled cross-vendor Dawid-Skene posterior contradicts, suspects first, with each
        vendor's votes (:mod:`labeleval.analyses.gold_audit`). Empty for numeric and multi-label tasks.
    slices, slice_comparisons, slice_ranking
        With ``evaluate(..., by=column)``: every headline figure per slice x vendor with a status (absent,
        no gold, too few gold items), the paired comparisons inside each slice and each slice's difference
        against its mean, tested as one family, and whether the vendor ranking differs between slices
        (:mod:`labeleval.analyses.slices`). Empty otherwise.
    drift, annotator_drift
        With ``evaluate(..., over="week"|"day"|"batch")``: accuracy and cost per usable label per window and
        vendor with intervals and a change-point test (each window on against the windows before it);
        annotators whose accuracy or speed changed (:mod:`labeleval.analyses.drift`). Empty otherwise.
    settings
        The options used (n_boot, seed, confidence, CI method, usability rule, tie policy, version).
    """

    summary: pd.DataFrame
    agreement: pd.DataFrame
    accuracy: pd.DataFrame
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    annotators: pd.DataFrame
    redundancy: pd.DataFrame
    task_metrics: pd.DataFrame
    cost: pd.DataFrame
    comparisons: pd.DataFrame
    items: pd.DataFrame
    ledger: pd.DataFrame
    quarantine: pd.DataFrame
    notes: pd.DataFrame
    class_comparisons: pd.DataFrame = field(default_factory=pd.DataFrame)
    category_agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    annotator_agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    gold_audit: pd.DataFrame = field(default_factory=pd.DataFrame)
    slices: pd.DataFrame = field(default_factory=pd.DataFrame)
    slice_comparisons: pd.DataFrame = field(default_factory=pd.DataFrame)
    slice_ranking: pd.DataFrame = field(default_factory=pd.DataFrame)
    drift: pd.DataFrame = field(default_factory=pd.DataFrame)
    annotator_drift: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def frame_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "settings"]

    def frames(self, names: Iterable[str] | None = None) -> dict[str, pd.DataFrame]:
        chosen = list(names) if names is not None else self.frame_names()
        unknown = [n for n in chosen if n not in self.frame_names()]
        if unknown:
            raise ValueError(f"unknown report frame(s) {unknown}; the frames are {self.frame_names()}")
        return {name: getattr(self, name) for name in chosen}

    # ------------------------------------------------------------------------------ exports
    def to_dict(self, frames: Iterable[str] | None = None) -> dict[str, Any]:
        """Plain Python: ``{"settings": {...}, frame: [row records], ...}``; NaN and infinities become None."""
        out: dict[str, Any] = {"settings": _clean(dict(self.settings))}
        for name, frame in self.frames(frames).items():
            out[name] = _records(frame)
        return out

    def to_json(self, frames: Iterable[str] | None = None, *, indent: int | None = None) -> str:
        """One JSON object with a key per frame (a list of row records) and ``settings``."""
        return json.dumps(self.to_dict(frames), indent=indent, ensure_ascii=False)

    def to_csv(self, directory: str | Path, frames: Iterable[str] | None = None, *, raw: bool = False) -> list[Path]:
        """Write one CSV per frame and ``settings.json`` into ``directory``; return the paths written.

        Safe for a spreadsheet by default: a text cell that a spreadsheet would run as a formula (``=HYPERLINK(...)``,
        ``-very negative``) gets a leading ``'`` (:func:`labeleval.safety.spreadsheet_cell`). ``raw=True`` writes
        the values as they are, for a pipeline that reads them back (never open such a file in a spreadsheet)."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in self.frames(frames).items():
            path = folder / f"{name}.csv"
            (frame if raw else spreadsheet_frame(frame)).to_csv(path, index=False)
            written.append(path)
        settings = folder / "settings.json"
        settings.write_text(json.dumps(_clean(dict(self.settings)), indent=2) + "\n", encoding="utf-8")
        return [*written, settings]

    def to_parquet(self, directory: str | Path, frames: Iterable[str] | None = None) -> list[Path]:
        """Write one Parquet file per frame into ``directory`` (column types kept); each file carries the
        settings as key-value metadata (``labeleval.<setting>``: its JSON text; ``labeleval.frame``: the frame's
        name), read back with ``pyarrow.parquet.read_schema(path).metadata``. Return the paths written."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {f"labeleval.{k}": json.dumps(v, ensure_ascii=False) for k, v in _clean(dict(self.settings)).items()}
        written = []
        for name, frame in self.frames(frames).items():
            table = _arrow_table(frame)
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta, "labeleval.frame": name})
            path = folder / f"{name}.parquet"
            pq.write_table(table, path)
            written.append(path)
        return written


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float | np.floating):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _arrow_table(frame: pd.DataFrame) -> pa.Table:
    """``frame`` as an Arrow table; a text column that also holds numbers (a quarantined row's ``value``) is
    written as text, the form the CSV export gives it."""
    frame = frame.rename(columns=str)
    try:
        return pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        mixed = [c for c in frame.columns if frame[c].dtype == object]
        text = {c: frame[c].map(str, na_action="ignore").astype("str") for c in mixed}
        return pa.Table.from_pandas(frame.assign(**text), preserve_index=False)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.replace([np.inf, -np.inf], np.nan)
    text = clean.to_json(orient="records", date_format="iso", double_precision=12)
    return list(json.loads(text))

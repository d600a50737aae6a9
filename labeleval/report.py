"""The :class:`Report`: a frozen set of tidy frames, and its exports (JSON, CSV folder, Markdown, HTML)."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Frames left out of the compact exports (Markdown, HTML, and the CLI's JSON unless asked): they grow
#: with the number of items.
LARGE_FRAMES = ("items",)


@dataclass(frozen=True)
class Report:
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
        vendor x label: support, precision, recall, F1 against gold, share of judgments, class alpha
        (one label against the rest).
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
        Every pair of vendors on each headline metric: difference, paired bootstrap CI, p-value (exact
        McNemar for consensus accuracy), Holm-adjusted p-value.
    items
        One row per (item, vendor): consensus, confidence, votes per label, gold, whether vendors disagree.
    ledger, quarantine, notes
        Rows read / kept / quarantined per file; every quarantined row with file, line, column, reason;
        findings that are not row problems.
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

    def to_csv(self, directory: str | Path, frames: Iterable[str] | None = None) -> list[Path]:
        """Write one CSV per frame and ``settings.json`` into ``directory``; return the paths written."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, frame in self.frames(frames).items():
            path = folder / f"{name}.csv"
            frame.to_csv(path, index=False)
            written.append(path)
        settings = folder / "settings.json"
        settings.write_text(json.dumps(_clean(dict(self.settings)), indent=2) + "\n", encoding="utf-8")
        return [*written, settings]

    def to_markdown(self) -> str:
        """A readable report: verdict, then the compact frames as Markdown tables."""
        from labeleval.verdict import verdict

        lines = [f"# labeleval report: {self.settings.get('task', '')}", ""]
        lines += [f"- {sentence}" for sentence in verdict(self)]
        lines += ["", _settings_line(self.settings), ""]
        for name, frame in self.frames(_compact(self)).items():
            lines += [f"## {name.replace('_', ' ').capitalize()}", "", _markdown_table(frame), ""]
        return "\n".join(lines)

    def to_html(self) -> str:
        """A self-contained HTML page (no scripts, no external resources)."""
        from labeleval.verdict import verdict

        title = html.escape(f"labeleval report: {self.settings.get('task', '')}")
        parts = [
            "<!doctype html>",
            f"<html lang='en'><head><meta charset='utf-8'><title>{title}</title>",
            "<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:80rem;color:#1f2933}"
            "table{border-collapse:collapse;margin:0.5rem 0 1.5rem;font-size:0.85rem}"
            "th,td{border:1px solid #d0d7de;padding:0.25rem 0.5rem;text-align:right}"
            "th{background:#f3f5f7}td:first-child,th:first-child{text-align:left}"
            ".verdict li{margin:0.3rem 0}.settings{color:#52606d;font-size:0.85rem}</style></head><body>",
            f"<h1>{title}</h1>",
            "<ul class='verdict'>" + "".join(f"<li>{html.escape(s)}</li>" for s in verdict(self)) + "</ul>",
            f"<p class='settings'>{html.escape(_settings_line(self.settings))}</p>",
        ]
        for name, frame in self.frames(_compact(self)).items():
            shown = _rounded(frame)
            parts.append(f"<h2>{html.escape(name.replace('_', ' ').capitalize())}</h2>")
            parts.append(shown.to_html(index=False, na_rep="", border=0, escape=True))
        parts.append("</body></html>")
        return "\n".join(parts)


def _compact(report: Report) -> list[str]:
    return [n for n in report.frame_names() if n not in LARGE_FRAMES]


def _settings_line(settings: Mapping[str, Any]) -> str:
    return (
        f"Settings: {settings.get('n_boot')} bootstrap resamples ({settings.get('ci_method')}), "
        f"seed {settings.get('seed')}, confidence {settings.get('confidence')}, usability rule "
        f"'{settings.get('usability')}', ties '{settings.get('tie')}', labeleval {settings.get('version')}."
    )


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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    clean = frame.replace([np.inf, -np.inf], np.nan)
    text = clean.to_json(orient="records", date_format="iso", double_precision=12)
    return list(json.loads(text))


def _rounded(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_float_dtype(out[column].dtype):
            out[column] = out[column].round(4)
    return out


def _markdown_table(frame: pd.DataFrame, max_rows: int = 200) -> str:
    if frame.empty:
        return "_(none)_"
    shown = _rounded(frame.head(max_rows))
    header = "| " + " | ".join(map(str, shown.columns)) + " |"
    rule = "|" + "|".join("---" for _ in shown.columns) + "|"
    body = [
        "| " + " | ".join("" if pd.isna(v) else str(v).replace("|", "\\|") for v in row) + " |"
        for row in shown.itertuples(index=False)
    ]
    more = ["", f"_{len(frame) - max_rows} more rows in the CSV/JSON export._"] if len(frame) > max_rows else []
    return "\n".join([header, rule, *body, *more])

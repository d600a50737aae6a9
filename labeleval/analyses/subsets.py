"""Subsets of a Dataset (a slice, a time window, a batch) that the engine can score.

A filter may leave a vendor with no rows, or with rows but no gold. The first kind is dropped from the
subset's project and reported as *absent* by the caller; the second is scored and its gold figures come
out as missing values (the engine's "no data"). Nothing here raises on an empty subset, and the engine
runs with numpy's floating-point warnings silenced, so no warning reaches the console.

Cost of a subset: a vendor's bill is shared out by what its pricing charges for, so the parts add up to
the whole. ``per_label`` and ``fixed`` (and per-token) pricing by the subset's share of the vendor's
judgments; ``per_item`` by its share of the vendor's items; ``hourly`` by its share of the vendor's
seconds (judgments when the file has no durations).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from labeleval.io.dataset import Dataset
from labeleval.io.normalize import Billing
from labeleval.scoring.report_data import ReportData

Scorer = Callable[[Dataset], ReportData]


@dataclass(frozen=True)
class Subset:
    """A subset's Dataset (None when no vendor has a row in it) and the vendors it left without rows."""

    data: Dataset | None
    absent: tuple[str, ...]


def _share(data: Dataset, vendor: str, rows: np.ndarray) -> float:
    ann = data.annotations
    mine = (ann["vendor"] == vendor).to_numpy()
    model = next(v.pricing.model for v in data.project.vendors if v.name == vendor)
    if model == "per_item":
        total = ann.loc[mine, "item_id"].nunique()
        return ann.loc[mine & rows, "item_id"].nunique() / total if total else 0.0
    if model == "hourly" and "duration_s" in ann.columns:
        seconds = ann["duration_s"].to_numpy(dtype=np.float64, na_value=np.nan)
        total = float(np.nansum(seconds[mine]))
        if total > 0:
            return float(np.nansum(seconds[mine & rows])) / total
    total_rows = int(mine.sum())
    return int((mine & rows).sum()) / total_rows if total_rows else 0.0


def _scaled(billing: Billing, share: float) -> Billing:
    changes: dict[str, Any] = {}
    for f in fields(billing):
        value = getattr(billing, f.name)
        if isinstance(value, bool) or value is None or not isinstance(value, int | float):
            continue
        changes[f.name] = value * share
    return replace(billing, **changes)


def subset(data: Dataset, rows: np.ndarray) -> Subset:
    """``data`` restricted to the judgments where ``rows`` is True (gold: the items still labelled)."""
    rows = np.asarray(rows, dtype=bool)
    ann = data.annotations
    present = set(ann.loc[rows, "vendor"].astype(str).unique())
    vendors = [v for v in data.project.vendors if v.name in present]
    absent = tuple(v.name for v in data.project.vendors if v.name not in present)
    if not vendors:
        return Subset(None, absent)
    specs = []
    billing = {}
    for v in vendors:
        share = _share(data, v.name, rows)
        billing[v.name] = _scaled(data.billing[v.name], share)
        if v.pricing.model == "fixed":
            v = replace(v, pricing=replace(v.pricing, amount=v.pricing.amount * share))
        specs.append(v)
    names = [v.name for v in specs]
    kept = ann.loc[rows].copy()
    kept["vendor"] = kept["vendor"].cat.set_categories(names)
    kept = kept.reset_index(drop=True)
    gold = data.gold[pd.Index(data.gold.index).isin(pd.unique(kept["item_id"]))]
    project = replace(data.project, vendors=tuple(specs))
    return Subset(
        replace(
            data,
            project=project,
            annotations=kept,
            gold=gold,
            notes=data.notes.iloc[0:0],
            billing=billing,
            problems=(),
        ),
        absent,
    )


def score_quietly(scorer: Scorer, data: Dataset) -> ReportData:
    """Run the engine on a subset with numpy's and labeleval's 'undefined' warnings silenced: a vendor
    without gold in a window gets missing values, which the frames show as no data."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return scorer(data)

"""Guess which column of a table is which canonical field, by name first and by content second.

Used by the timesheet and model readers and by the app's column-mapping form. Names are compared after
lower-casing and turning spaces, dashes and dots into underscores. Content decides between candidates and
fills gaps: an item column has many distinct values, an annotator column a few repeated ones, a label
column few distinct short texts, a duration column non-negative numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from labeleval.tuning import PROFILE_SAMPLE_ROWS

NAME_HINTS: dict[str, tuple[str, ...]] = {
    "item_id": (
        "item_id",
        "item",
        "task_id",
        "task",
        "id",
        "object_id",
        "example_id",
        "datasetobjectid",
        "global_key",
        "source_ref",
        "prompt_id",
        "question_id",
        "uid",
    ),
    "annotator_id": (
        "annotator_id",
        "annotator",
        "worker_id",
        "worker",
        "labeler",
        "labeller",
        "rater",
        "completed_by",
        "expert",
        "freelancer",
        "contractor",
        "user_id",
        "user",
        "model",
        "judge",
        "created_by",
        "name",
        "email",
    ),
    "label": (
        "label",
        "answer",
        "response",
        "choice",
        "choices",
        "decision",
        "rating",
        "category",
        "class",
        "verdict",
        "judgment",
        "judgement",
        "prediction",
        "output",
        "result",
    ),
    "duration_s": (
        "duration_s",
        "seconds",
        "secs",
        "sec",
        "time_spent_ms",
        "ms",
        "duration_ms",
        "duration",
        "lead_time",
        "time_spent",
        "time_spent_in_secs",
        "seconds_to_create",
        "minutes",
        "mins",
        "hours",
        "hrs",
        "latency_ms",
    ),
    "submitted_at": (
        "submitted_at",
        "completed_at",
        "timestamp",
        "created_at",
        "updated_at",
        "submitted",
        "date",
        "time",
        "end",
        "end_time",
        "finished_at",
    ),
    "cost": ("cost", "price", "amount", "reward", "pay"),
    "rate": ("rate", "hourly_rate", "rate_per_hour", "rate_usd", "hourly_rate_usd", "usd_per_hour", "pay_rate"),
    "start": ("start", "start_time", "started", "started_at", "begin", "clock_in"),
    "end": ("end", "end_time", "finished", "finished_at", "clock_out", "stop"),
    "input_tokens": ("input_tokens", "prompt_tokens", "tokens_in"),
    "output_tokens": ("output_tokens", "completion_tokens", "tokens_out"),
}


def normal(name: str) -> str:
    return re.sub(r"[\s\-.:/]+", "_", str(name).strip().lower()).strip("_")


def duration_factor_from_name(name: str) -> float | None:
    """Seconds per unit said by a column's name (``_ms`` -> 0.001, minutes -> 60, hours -> 3600), or None."""
    n = normal(name)
    if n.endswith("_ms") or n in ("ms", "milliseconds") or "millis" in n:
        return 0.001
    if any(w in n for w in ("minute", "mins")) or n.endswith("_min") or n == "min":
        return 60.0
    if any(w in n for w in ("hour", "hrs")) or n.endswith("_h") or n == "h":
        return 3600.0
    if any(w in n for w in ("sec", "lead_time")):
        return 1.0
    return None


def by_name(columns: Sequence[str], field: str, taken: set[str] | None = None) -> str | None:
    """The column whose normalised name best matches ``field``'s hints (earlier hints win)."""
    taken = taken or set()
    normals = {normal(c): c for c in columns if c not in taken}
    for hint in NAME_HINTS[field]:
        if hint in normals:
            return normals[hint]
    for hint in NAME_HINTS[field]:
        if len(hint) < 4:
            continue
        for n, c in normals.items():
            if hint in n.split("_") or n.endswith("_" + hint) or n.startswith(hint + "_"):
                return c
    return None


def guess_columns(frame: pd.DataFrame, fields: Sequence[str] = ("item_id", "annotator_id", "label")) -> dict[str, str]:
    """Canonical field -> column, for the fields that can be guessed (names first, then content)."""
    columns = [str(c) for c in frame.columns]
    out: dict[str, str] = {}
    taken: set[str] = set()
    for field in fields:
        column = by_name(columns, field, taken)
        if column is not None:
            out[field] = column
            taken.add(column)
    sample = frame.head(PROFILE_SAMPLE_ROWS)
    free = [c for c in columns if c not in taken]
    stats = {c: _profile(sample[c]) for c in free}
    if "item_id" in fields and "item_id" not in out:
        ranked = sorted(free, key=lambda c: -stats[c][0])
        if ranked and stats[ranked[0]][0] > 0.2:
            out["item_id"] = ranked[0]
            free.remove(ranked[0])
    if "label" in fields and "label" not in out:
        texts = [c for c in free if not stats[c][2] and 1 < stats[c][1] <= 30]
        if texts:
            out["label"] = min(texts, key=lambda c: stats[c][1])
            free.remove(out["label"])
    if "annotator_id" in fields and "annotator_id" not in out:
        repeated = [c for c in free if not stats[c][2] and stats[c][1] > 1 and stats[c][0] < 0.5]
        if repeated:
            out["annotator_id"] = max(repeated, key=lambda c: stats[c][1])
    return out


def _profile(series: pd.Series) -> tuple[float, int, bool]:
    """(share of distinct values, number of distinct values, numeric) of a column's sample."""
    values = series.dropna().astype(str)
    values = values[values.str.strip() != ""]
    if values.empty:
        return 0.0, 0, False
    distinct = values.nunique()
    numeric = bool(pd.to_numeric(values, errors="coerce").notna().mean() > 0.95)
    return distinct / len(values), int(distinct), numeric

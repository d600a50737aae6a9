"""The questions after "who is best?" wired into ``evaluate()``: gold audit, slices, drift.

:func:`score_with_questions` is what ``evaluate()`` calls after reading the data: it audits the gold,
optionally leaves the suspect gold items out of every accuracy figure (``exclude_suspect_gold``), runs the
engine, and adds the gold-audit, slice and drift frames and the item metadata to the Report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pandas as pd

from labeleval.analyses.drift import drift_frames
from labeleval.analyses.gold_audit import AuditRule, error_statement, gold_audit, suspect_items, without_items
from labeleval.analyses.slices import slice_frames
from labeleval.analyses.subsets import score_quietly
from labeleval.executor import Executor
from labeleval.io.dataset import Dataset
from labeleval.scoring.report_data import ReportData
from labeleval.scoring.settings import Settings


def accuracy_ranking(summary: pd.DataFrame) -> list[str]:
    """Vendors by accuracy on gold, best first (ties by name). A vendor with no accuracy (no gold item labelled)
    has no place in it: a sentence must not rank a vendor on a figure it has no data for."""
    frame = summary.loc[summary["accuracy"].notna(), ["vendor", "accuracy"]]
    return [str(v) for v in frame.sort_values(["accuracy", "vendor"], ascending=[False, True])["vendor"]]


def with_item_metadata(items: pd.DataFrame, metadata: pd.DataFrame) -> pd.DataFrame:
    """``Report.items`` with the item metadata columns (language, domain, text, url ...) joined on item_id."""
    if metadata.empty or items.empty:
        return items
    extra = [c for c in metadata.columns if c not in items.columns]
    if not extra:
        return items
    joined = metadata[extra].reindex(items["item_id"].astype(str).to_numpy())
    out = items.copy()
    for column in extra:
        out[column] = joined[column].to_numpy()
    return out


def score_with_questions(
    data: Dataset,
    scorer: Callable[[Dataset], ReportData],
    *,
    settings: Settings,
    subset_scorer: Callable[[Dataset], ReportData] | None = None,
    quick_scorer: Callable[[Dataset], ReportData] | None = None,
    by: str | None = None,
    over: str | None = None,
    exclude_suspect_gold: bool = False,
    audit_rule: AuditRule | None = None,
    min_gold_items: int = 20,
    n_jobs: int | None = 1,
) -> ReportData:
    """The Report of ``data`` with the gold audit, item metadata and (on request) slices and drift.

    ``settings`` are the evaluation's: the slices' and windows' tests draw their resamples from them (the same
    ``uncertainty`` as the verdict's). ``subset_scorer`` scores each slice and window on its own for their
    figures and intervals; default ``scorer``. ``quick_scorer``
    (no resampling) gives the accuracy ranking on the other side of the suspect-gold exclusion, so that the
    verdict can say whether the suspect items change it; default ``scorer``. With ``n_jobs`` above 1 (the
    in-memory engine's; labeleval/executor.py), the gold audit runs beside the scoring, with the same result.
    """
    per_part = subset_scorer or scorer
    audit_rule = audit_rule or AuditRule()

    executor = Executor(n_jobs)
    if exclude_suspect_gold or executor.serial:
        audit = gold_audit(data, audit_rule)
        excluded = suspect_items(audit) if exclude_suspect_gold else []
        scored = without_items(data, excluded)
        report = scorer(scored)
    else:  # the scoring (in this thread) and the audit side by side
        excluded, scored = [], data
        report, audit = executor.side_by_side(lambda: scorer(data), lambda: gold_audit(data, audit_rule))
    extra: dict[str, Any] = {"gold_audit": audit}
    notes: dict[str, Any] = {
        "suspect_gold": len(suspect_items(audit)),
        "excluded_gold": excluded,
        "exclude_suspect_gold": bool(exclude_suspect_gold),
        "level": audit_rule.level,
        "control": str(audit_rule.control),
    }
    suspects = suspect_items(audit)
    if suspects:
        other = score_quietly(quick_scorer or scorer, data if excluded else without_items(data, suspects))
        with_all = other.summary if excluded else report.summary
        without = report.summary if excluded else other.summary
        before, after = accuracy_ranking(with_all), accuracy_ranking(without)
        notes.update(ranking_with_suspects=before, ranking_without_suspects=after, ranking_changed=before != after)
    if by is not None:
        extra["slices"], extra["slice_comparisons"], extra["slice_ranking"] = slice_frames(
            scored, per_part, by, settings=settings, min_gold_items=min_gold_items
        )
        notes["by"] = by
    if over is not None:
        extra["drift"], extra["annotator_drift"] = drift_frames(scored, per_part, over, settings=settings)
        notes["over"] = over
    recorded = {**dict(report.settings), "gold_audit": notes}
    return replace(report, items=with_item_metadata(report.items, data.items), settings=recorded, **extra)


def gold_audit_sentences(report: ReportData) -> list[str]:
    """Verdict sentences on suspect gold: how many, whether they were left out, and whether the accuracy
    ranking depends on them."""
    note = report.settings.get("gold_audit") or {}
    count = int(note.get("suspect_gold", 0) or 0)
    if not count:
        return []
    before = " > ".join(note.get("ranking_with_suspects", []))
    after = " > ".join(note.get("ranking_without_suspects", []))
    changed = bool(note.get("ranking_changed"))
    items = f"{count} gold item{'s' if count != 1 else ''}"
    *first, last = _ranking_sentences(note, items, before, after, changed)
    return [*first, f"{last} {audit_error_sentence(note)}"]


def audit_error_sentence(note: dict[str, Any]) -> str:
    """The error rate the suspect list holds (from ``report.settings["gold_audit"]``)."""
    level = float(note.get("level", 0.05) or 0.05)
    return f"The gold audit's error rate: {error_statement(level, str(note.get('control', 'fwer')))}."


def _ranking_sentences(note: dict[str, Any], items: str, before: str, after: str, changed: bool) -> list[str]:
    if note.get("exclude_suspect_gold"):
        if changed:
            return [
                f"{items} that look wrong (the gold audit) were left out of every accuracy figure, and that changes "
                f"the accuracy ranking: {after} without them, {before} with them."
            ]
        return [
            f"{items} that look wrong (the gold audit) were left out of every accuracy figure; the accuracy "
            f"ranking is the same with them ({after})."
        ]
    if changed:
        return [
            f"{items} look wrong (see the gold audit); leaving them out changes the accuracy ranking from {before} "
            f"to {after} (score with --exclude-suspect-gold), so have the experts check them first."
        ]
    return [
        f"{items} look wrong (see the gold audit); leaving them out does not change the accuracy ranking ({before})."
    ]

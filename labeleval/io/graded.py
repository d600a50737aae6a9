"""A graded task's files read: each vendor's deliverables and the reviews, every row kept or quarantined.

A graded project (``kind = "graded"``) has no labels: its vendors deliver written work (one row per deliverable:
``deliverable_id``, ``item_id`` (the prompt), ``writer_id``, optionally ``text`` or a pointer to it, ``cost``,
``duration_s``, ``submitted_at``), and one reviews file scores the work on the rubric (one row per score:
``deliverable_id``, ``reviewer_id``, ``criterion``, ``score``). Any table format the readers take is read
(CSV, TSV, JSONL, JSON, Parquet, XLSX), with the manifest's ``columns`` mapping; the reviews may instead be Scale's
GenAI export (``format = "scale"``, read by :func:`labeleval.io.formats.scale_v2.rubric_reviews`, which sets aside
with a reason what it cannot tie to one deliverable and reviewer). A row is quarantined, with its
file, line, column and reason, when a required value is missing, a number is bad, a deliverable id repeats, a
review names a criterion or deliverable nobody declared, or a score is off its criterion's scale; the ledger
reconciles per file (rows read = kept + quarantined).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from labeleval.errors import InsufficientDataError
from labeleval.io.formats.scale_v2 import REVIEW_COLUMNS, rubric_reviews
from labeleval.io.normalize import as_id_strings, resolve_columns
from labeleval.io.readers import RawTable
from labeleval.io.source import read_plain, source_name
from labeleval.options import CriterionScale, Reason
from labeleval.project.manifest import Criterion, FileSpec, Project
from labeleval.project.schema import (
    DELIVERABLE_OPTIONAL,
    DELIVERABLE_REQUIRED,
    QUARANTINE_COLUMNS,
    REVIEW_REQUIRED,
    LedgerBuilder,
    empty_quarantine,
)
from labeleval.safety import clean_name

#: ``[reviews] format`` naming Scale's GenAI (v2) export, read by :func:`rubric_reviews`
SCALE: Final = "scale"
#: the words a pass/fail criterion's score may be written in (case-insensitive)
PASS_WORDS: Final = frozenset({"pass", "passed", "yes", "y", "true", "1", "1.0", "ok"})
FAIL_WORDS: Final = frozenset({"fail", "failed", "no", "n", "false", "0", "0.0"})
DELIVERABLE_FRAME: Final = ("vendor", "deliverable_id", "item_id", "writer_id", "text", "cost", "duration_s")
REVIEW_FRAME: Final = ("deliverable_id", "reviewer_id", "criterion", "score", "vendor", "item_id", "writer_id")
_NOTE_COLUMNS: Final = ("level", "code", "vendor", "count", "message")


@dataclass(frozen=True)
class GradedData:
    """A graded project after reading: deliverables, the panel's reviews, the gold reviews, the ledger.

    ``reviews`` (the panel's), ``gold_reviews`` and ``judge_reviews`` carry each deliverable's vendor, prompt and
    writer; ``score`` is the points given (pass/fail as 1/0)."""

    project: Project
    deliverables: pd.DataFrame
    reviews: pd.DataFrame
    gold_reviews: pd.DataFrame
    ledger: pd.DataFrame
    quarantine: pd.DataFrame
    notes: pd.DataFrame
    problems: tuple[str, ...] = field(default_factory=tuple)
    judge_reviews: pd.DataFrame = field(default_factory=pd.DataFrame)

    def raise_problems(self) -> None:
        if self.problems:
            raise InsufficientDataError("; ".join(self.problems))


class _Rows:
    """One file's rows as text columns, and the rows quarantined so far (each once, with its first reason)."""

    def __init__(self, raw: RawTable, file: str, vendor: str, resolved: dict[str, str]) -> None:
        self.raw, self.file, self.vendor = raw, file, vendor
        self.columns = {c: raw.frame[source] for c, source in resolved.items()}
        self.bad = np.zeros(len(raw.frame), dtype=bool)
        self.pieces: list[pd.DataFrame] = [_malformed(raw, file, vendor), _excluded(raw, file, vendor)]

    def flag(self, mask: np.ndarray, column: str, reason: str, message: str) -> None:
        rows = np.flatnonzero(mask & ~self.bad)
        if not len(rows):
            return
        values = self.columns.get(column)
        shown = (
            np.full(len(rows), "", dtype=object)
            if values is None
            else values.iloc[rows].astype("str").str.slice(0, 80).to_numpy(object)
        )
        self.pieces.append(
            pd.DataFrame(
                {
                    "file": self.file,
                    "vendor": self.vendor,
                    "line": self.raw.line[rows].astype(np.int64),
                    "column": column,
                    "reason": str(reason),
                    "value": shown,
                    "message": message,
                },
                columns=list(QUARANTINE_COLUMNS),
            )
        )
        self.bad[rows] = True

    def text(self, column: str) -> pd.Series:
        """The column as clean id text (missing: empty)."""
        values = self.columns.get(column)
        if values is None:
            return pd.Series([""] * len(self.bad), dtype=object)
        text = as_id_strings(values).astype(object).where(values.notna().to_numpy(), "")
        return text.map(lambda v: clean_name(str(v))).reset_index(drop=True)

    def require(self, columns: Sequence[str]) -> None:
        for column in columns:
            self.flag((self.text(column) == "").to_numpy(), column, Reason.MISSING_VALUE, f"{column} is empty")

    def number(self, column: str, reason_negative: str) -> pd.Series:
        """An optional numeric column: not a finite number, or negative, quarantines the row; empty is NaN."""
        values = self.columns.get(column)
        if values is None:
            return pd.Series(np.full(len(self.bad), np.nan))
        given = (self.text(column) != "").to_numpy()
        numbers = pd.to_numeric(values.reset_index(drop=True), errors="coerce").astype("float64")
        finite = np.isfinite(numbers.to_numpy()) & (np.abs(numbers.to_numpy()) <= 1e12)
        self.flag(given & ~finite, column, Reason.BAD_NUMBER, f"{column} is not a finite number within 1e12")
        self.flag(given & finite & (numbers.to_numpy() < 0), column, reason_negative, f"{column} is negative")
        return numbers.where(finite)

    def quarantine(self) -> pd.DataFrame:
        pieces = [p for p in self.pieces if len(p)]
        if not pieces:
            return empty_quarantine()
        return pd.concat(pieces, ignore_index=True).sort_values("line", kind="stable", ignore_index=True)


def _malformed(raw: RawTable, file: str, vendor: str) -> pd.DataFrame:
    if not raw.malformed:
        return empty_quarantine()
    lines, messages = zip(*raw.malformed, strict=True)
    return pd.DataFrame(
        {
            "file": file,
            "vendor": vendor,
            "line": np.asarray(lines, dtype=np.int64),
            "column": [raw.malformed_columns.get(int(line), "") for line in lines],
            "reason": str(Reason.MALFORMED_RECORD),
            "value": "",
            "message": list(messages),
        },
        columns=list(QUARANTINE_COLUMNS),
    )


def _excluded(raw: RawTable, file: str, vendor: str) -> pd.DataFrame:
    """The records a native reader set aside, each with its reason."""
    if raw.excluded is None or not len(raw.excluded):
        return empty_quarantine()
    out = raw.excluded.assign(file=file, vendor=vendor)
    return out[list(QUARANTINE_COLUMNS)].astype({"line": "int64"})


def _read(project: Project, vendor: str, spec: FileSpec, required: Sequence[str], optional: Sequence[str]) -> _Rows:
    name = source_name(spec, project.root)
    if spec.format == SCALE and spec.frame is None:  # reviews from Scale's GenAI export (manifest: reviews only)
        field_ = spec.item_field or "task_id"  # the manifest requires it
        raw = rubric_reviews(spec.path, name=name, encoding=spec.encoding, deliverable_field=field_)
        return _Rows(raw, name, vendor, {c: c for c in REVIEW_COLUMNS})
    raw = read_plain(spec, name)
    resolved = resolve_columns(raw, spec.columns, required=required, optional=optional, file=name)
    return _Rows(raw, name, vendor, resolved)


def read_deliverables(project: Project, ledger: LedgerBuilder) -> pd.DataFrame:
    """Every vendor's kept deliverables (manifest order), one row each; a deliverable id given twice (in one file
    or across vendors: the reviews name deliverables by id alone) keeps its first row."""
    frames: list[pd.DataFrame] = []
    seen: set[str] = set()
    for vendor in project.vendors:
        rows = _read(project, vendor.name, vendor.file, DELIVERABLE_REQUIRED, DELIVERABLE_OPTIONAL)
        rows.require(DELIVERABLE_REQUIRED)
        cost = rows.number("cost", Reason.NEGATIVE_COST)
        seconds = rows.number("duration_s", Reason.NEGATIVE_DURATION) * vendor.duration_unit.seconds
        ids = rows.text("deliverable_id")
        again = ids.duplicated().to_numpy() | ids.isin(seen).to_numpy()
        rows.flag(again & ~rows.bad, "deliverable_id", Reason.DUPLICATE_DELIVERABLE, "deliverable id given again")
        keep = ~rows.bad
        frame = pd.DataFrame(
            {
                "vendor": vendor.name,
                "deliverable_id": ids[keep].to_numpy(object),
                "item_id": rows.text("item_id")[keep].to_numpy(object),
                "writer_id": rows.text("writer_id")[keep].to_numpy(object),
                "text": rows.text("text")[keep].to_numpy(object),
                "cost": cost[keep].to_numpy(np.float64),
                "duration_s": seconds[keep].to_numpy(np.float64),
            },
            columns=list(DELIVERABLE_FRAME),
        )
        seen.update(frame["deliverable_id"])
        quarantine = rows.quarantine()
        ledger.add_file(rows.file, vendor.name, rows.raw.rows_read, len(frame), quarantine)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _scores(rows: _Rows, criteria: dict[str, Criterion]) -> np.ndarray:
    """Each row's score as a number on its criterion's scale (NaN where it is not; those rows are flagged)."""
    text = rows.text("score").str.lower().to_numpy(object)
    names = rows.text("criterion").to_numpy(object)
    out = np.full(len(text), np.nan)
    for name, criterion in criteria.items():
        mine = names == name
        if criterion.scale == CriterionScale.PASS_FAIL:
            out[mine & np.isin(text, list(PASS_WORDS))] = 1.0
            out[mine & np.isin(text, list(FAIL_WORDS))] = 0.0
            allowed = "pass or fail (yes/no, true/false, 1/0)"
        else:
            numbers = pd.to_numeric(pd.Series(text[mine]), errors="coerce").to_numpy(np.float64)
            whole = np.isfinite(numbers) & (numbers == np.round(numbers))
            inside = whole & (numbers >= criterion.low) & (numbers <= criterion.high)
            out[np.flatnonzero(mine)[inside]] = numbers[inside]
            allowed = f"a whole number from {criterion.low} to {criterion.high}"
        rows.flag(mine & np.isnan(out), "score", Reason.OUT_OF_RANGE, f"{name}: the score must be {allowed}")
    return out


def read_reviews(project: Project, deliverables: pd.DataFrame, ledger: LedgerBuilder) -> pd.DataFrame:
    """The kept reviews, joined to their deliverable's vendor, prompt and writer."""
    if project.reviews is None:  # a graded Project always has one; kept for the type checker
        raise InsufficientDataError("a graded task needs a [reviews] file")
    rows = _read(project, "reviews", project.reviews.file, REVIEW_REQUIRED, ())
    rows.require(REVIEW_REQUIRED)
    criteria = {c.name: c for c in project.criteria}
    names = rows.text("criterion")
    declared = ", ".join(criteria)
    rows.flag(~names.isin(criteria).to_numpy(), "criterion", Reason.UNKNOWN_CRITERION, f"declared: {declared}")
    ids = rows.text("deliverable_id")
    known = ids.isin(deliverables["deliverable_id"]).to_numpy()
    rows.flag(~known, "deliverable_id", Reason.UNKNOWN_DELIVERABLE, "no kept deliverable has this id")
    scores = _scores(rows, criteria)
    reviewers = rows.text("reviewer_id")
    key = pd.DataFrame({"d": ids, "r": reviewers, "c": names})
    again = key.duplicated(keep="first").to_numpy() & ~rows.bad
    rows.flag(again, "score", Reason.DUPLICATE_REVIEW, "this reviewer scored this deliverable on this criterion before")
    keep = ~rows.bad
    frame = pd.DataFrame(
        {"deliverable_id": ids[keep], "reviewer_id": reviewers[keep], "criterion": names[keep], "score": scores[keep]}
    ).reset_index(drop=True)
    info = deliverables.set_index("deliverable_id")[["vendor", "item_id", "writer_id"]]
    frame = frame.join(info, on="deliverable_id")[list(REVIEW_FRAME)]
    ledger.add_file(rows.file, "reviews", rows.raw.rows_read, len(frame), rows.quarantine())
    return frame


def read_graded(project: Project) -> GradedData:
    """Read a graded project's deliverables and reviews (gold reviewers' reviews apart), with the ledger."""
    ledger = LedgerBuilder()
    deliverables = read_deliverables(project, ledger)
    reviews = read_reviews(project, deliverables, ledger)
    gold_ids = set(project.reviews.gold_reviewers) if project.reviews else set()
    judge_ids = set(project.reviews.judges) if project.reviews else set()
    is_gold = reviews["reviewer_id"].isin(gold_ids).to_numpy()
    is_judge = reviews["reviewer_id"].isin(judge_ids).to_numpy()
    panel = ~is_gold & ~is_judge
    notes, problems = _findings(project, deliverables, reviews[panel])
    return GradedData(
        project=project,
        deliverables=deliverables,
        reviews=reviews[panel].reset_index(drop=True),
        gold_reviews=reviews[is_gold].reset_index(drop=True),
        judge_reviews=reviews[is_judge].reset_index(drop=True),
        ledger=ledger.ledger(),
        quarantine=ledger.quarantine(),
        notes=notes,
        problems=tuple(problems),
    )


def _findings(project: Project, deliverables: pd.DataFrame, reviews: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Notes (deliverables nobody reviewed) and problems (a vendor without reviewed work)."""
    notes: list[dict[str, object]] = []
    problems: list[str] = []
    reviewed = set(reviews["deliverable_id"])
    for vendor in project.vendors:
        mine = deliverables.loc[deliverables["vendor"] == vendor.name, "deliverable_id"]
        unreviewed = int((~mine.isin(reviewed)).sum())
        if len(mine) == 0 or unreviewed == len(mine):
            problems.append(f"{vendor.name}: no reviewed deliverable to score")
        elif unreviewed:
            notes.append(
                {
                    "level": "warning",
                    "code": "UNREVIEWED",
                    "vendor": vendor.name,
                    "count": unreviewed,
                    "message": f"{unreviewed} deliverables have no review; they count in cost, not in quality",
                }
            )
    frame = pd.DataFrame(notes, columns=list(_NOTE_COLUMNS)).astype({"count": "int64"})
    return frame, problems

"""Canonical columns, task kinds, reason codes and the validation ledger.

Every input row ends up in exactly one place: kept in the canonical ``annotations`` frame, or
quarantined with a reason code, its file, line and column. The :class:`Ledger` counts both per file so
that ``rows_read == kept + quarantined`` can be checked (and is, in the tests) for every file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from labeleval.options import Reason, TaskKind

#: Columns every annotation batch must provide (after the vendor's column mapping).
REQUIRED_COLUMNS: Final = ("item_id", "annotator_id", "label")
#: Columns with a meaning of their own when present.
OPTIONAL_COLUMNS: Final = ("batch_id", "submitted_at", "duration_s", "cost", "shown_first", "strength")
CANONICAL_COLUMNS: Final = ("vendor", *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)

# Reason codes for quarantined rows: the members of :class:`labeleval.options.Reason` (strings, with a
# description each). The names below stay importable from here for the readers.
MISSING_VALUE: Final = Reason.MISSING_VALUE
UNKNOWN_LABEL: Final = Reason.UNKNOWN_LABEL
DUPLICATE_JUDGMENT: Final = Reason.DUPLICATE_JUDGMENT
DUPLICATE_GOLD: Final = Reason.DUPLICATE_GOLD
BAD_TIMESTAMP: Final = Reason.BAD_TIMESTAMP
BAD_NUMBER: Final = Reason.BAD_NUMBER
NEGATIVE_DURATION: Final = Reason.NEGATIVE_DURATION
NEGATIVE_COST: Final = Reason.NEGATIVE_COST
MALFORMED_RECORD: Final = Reason.MALFORMED_RECORD
OUT_OF_RANGE: Final = Reason.OUT_OF_RANGE
BAD_VALUE: Final = Reason.BAD_VALUE
# Work a native reader sets aside (labeleval/io/formats): counted in the ledger, never scored.
REJECTED: Final = Reason.REJECTED
CANCELLED: Final = Reason.CANCELLED
NOT_COMPLETED: Final = Reason.NOT_COMPLETED
REVIEW_ANNOTATION: Final = Reason.REVIEW_ANNOTATION
NO_ANSWER: Final = Reason.NO_ANSWER

#: The annotator id a vendor's rows carry when the export holds one consolidated answer per item and no
#: per-annotator judgments (a reader says so; a table may too): such a vendor is compared as a consensus.
CONSOLIDATED: Final = "consolidated"
#: The note code that names such a vendor (``Dataset.notes``)
CONSOLIDATED_ONLY: Final = "CONSOLIDATED_ONLY"
#: A graded task's deliverables (one file per vendor): the written work, its prompt and writer.
DELIVERABLE_REQUIRED: Final = ("deliverable_id", "item_id", "writer_id")
DELIVERABLE_OPTIONAL: Final = ("text", "cost", "duration_s", "submitted_at")
#: A graded task's reviews (one file): a reviewer's score of a deliverable on one rubric criterion.
REVIEW_REQUIRED: Final = ("deliverable_id", "reviewer_id", "criterion", "score")

QUARANTINE_COLUMNS: Final = ("file", "vendor", "line", "column", "reason", "value", "message")
LEDGER_COLUMNS: Final = ("file", "vendor", "rows_read", "kept", "quarantined")


@dataclass(frozen=True)
class TaskSpec:
    """What is being labelled: the kind of task and the declared label set, in order.

    For ``ordinal`` tasks the order of ``labels`` is the scale's order (low to high).
    """

    name: str
    kind: TaskKind = TaskKind.NOMINAL
    labels: tuple[str, ...] = ()
    tolerance: float = 0.0
    value_range: tuple[float, float] | None = None
    separator: str = "|"
    min_jaccard: float = 1.0

    @property
    def numeric(self) -> bool:
        return self.kind in ("interval", "ratio")

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", TaskKind(self.kind))  # a ValueError names a bad kind


@dataclass
class LedgerBuilder:
    """Collects per-file row counts and quarantined rows while files are read."""

    files: list[dict[str, object]] = field(default_factory=list)
    quarantined: list[pd.DataFrame] = field(default_factory=list)

    def add_file(self, file: str, vendor: str, rows_read: int, kept: int, quarantine: pd.DataFrame) -> None:
        if rows_read != kept + len(quarantine):  # an internal invariant, not a user error
            raise RuntimeError(
                f"ledger does not reconcile for {file}: {rows_read} read != {kept} kept + {len(quarantine)} quarantined"
            )
        self.files.append(
            {
                "file": file,
                "vendor": vendor,
                "rows_read": rows_read,
                "kept": kept,
                "quarantined": len(quarantine),
            }
        )
        if len(quarantine):
            self.quarantined.append(quarantine)

    def ledger(self) -> pd.DataFrame:
        return pd.DataFrame(self.files, columns=list(LEDGER_COLUMNS)).astype(
            {"rows_read": "int64", "kept": "int64", "quarantined": "int64"}
        )

    def quarantine(self) -> pd.DataFrame:
        if not self.quarantined:
            return empty_quarantine()
        return pd.concat(self.quarantined, ignore_index=True)


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": pd.Series(dtype="object"),
            "vendor": pd.Series(dtype="object"),
            "line": pd.Series(dtype="int64"),
            "column": pd.Series(dtype="object"),
            "reason": pd.Series(dtype="object"),
            "value": pd.Series(dtype="object"),
            "message": pd.Series(dtype="object"),
        }
    )


@dataclass(frozen=True)
class FlagRules:
    """Thresholds of the low-performer flags (manifest ``[quality]``)."""

    min_gold: int = 5
    flag_confidence: float = 0.99
    min_judgments: int = 20
    ds_margin: float = 0.25
    too_fast_s: float = 2.0
    too_fast_share: float = 0.5
    skew_tvd: float = 0.35


#: The labels of a pairwise preference task, in this order.
PAIRWISE_LABELS: Final = ("A", "B", "tie")

"""Every option with a fixed set of values, declared once.

Each option is a :class:`~enum.StrEnum` whose members carry a one-line description. The manifest parser,
``evaluate()``, the CLI's ``choices=`` and the app's widgets all read these classes, so an allowed value is
written in one place, and every bad value gets the same message (:func:`invalid_option`), in
scikit-learn's tone: what was expected, what was received.

Members are strings (``TiePolicy.ABSTAIN == "abstain"``), so reports and JSON keep their plain values.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Final, TypeVar

from labeleval.errors import LabelevalError


class Option(StrEnum):
    """A string option whose members carry a description (``Member.description``)."""

    description: str

    def __new__(cls, value: str, description: str = "") -> Option:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    def __repr__(self) -> str:  # messages show the plain value, as the user wrote it
        return repr(self.value)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        return tuple(m.value for m in cls)


class TaskKind(Option):
    NOMINAL = "nominal", "unordered categories"
    ORDINAL = "ordinal", "ordered categories: a scale of named points"
    INTERVAL = "interval", "numbers whose differences mean something"
    RATIO = "ratio", "non-negative numbers with a true zero"
    MULTILABEL = "multilabel", "a set of labels per judgment"
    PAIRWISE = "pairwise", "a preference between two responses: A, B or tie"
    GRADED = "graded", "written work (a demonstration, a rewrite) scored by reviewers against a rubric of criteria"


class CriterionScale(Option):
    """How a graded task's rubric criterion is scored."""

    PASS_FAIL = "pass_fail", "pass or fail (pass/fail, yes/no, true/false or 1/0)"
    POINTS = "points", "whole points on an ordinal scale, e.g. 1 to 5"


class AcceptanceRule(Option):
    """When a graded deliverable counts as accepted (usable)."""

    ALL_PASS = "all_pass", "every criterion passes (its reviewers' mean at or above its pass mark)"
    WEIGHTED_SCORE = "weighted_score", "the weighted mean of the criteria's scores on 0-1 reaches min_score"


class UsabilityRule(Option):
    GOLD = "gold", "equals gold (rate on gold items)"
    CONSENSUS = "consensus", "equals confident cross-vendor consensus"
    GOLD_OR_CONSENSUS = "gold_or_consensus", "equals gold, else confident consensus"


class TiePolicy(Option):
    FRACTIONAL = "fractional", "a tie among t labels earns 1/t if one is right (a random tie-break's expectation)"
    ABSTAIN = "abstain", "a tied item has no consensus (counted as not correct)"
    LOWEST = "lowest", "the first tied label in the declared order"
    RANDOM = "random", "one of the tied labels at random (seeded)"


class Uncertainty(Option):
    """What the intervals of vendor-level figures account for."""

    ITEMS_AND_ANNOTATORS = (
        "items_and_annotators",
        "other items and other annotators of the vendor: what hiring this vendor would give",
    )
    ITEMS = "items", "other items labelled by these same annotators"


class AuditControl(Option):
    """Which error rate the gold audit holds at its level across the gold items."""

    FWER = "fwer", "Holm: the chance that any correct gold item is called suspect is at most the level"
    FDR = "fdr", "Benjamini-Hochberg: the expected share of correct gold among the suspects is at most the level"


class ConsensusMethod(Option):
    MAJORITY_VOTE = "majority_vote", "majority vote"
    DAWID_SKENE = "dawid_skene", "Dawid-Skene"


class Window(Option):
    """What the metrics are followed over (``evaluate(..., over=...)``)."""

    WEEK = "week", "calendar weeks of submitted_at"
    DAY = "day", "days of submitted_at"
    BATCH = "batch", "the vendor's batch_id"


class Engine(Option):
    """Where the row work runs; every engine gives the same Report."""

    AUTO = "auto", "in memory, or streamed when the vendor files are large (see labeleval.io.stream)"
    MEMORY = "memory", "every row in memory at once (fastest for small projects)"
    STREAM = "stream", "chunk by chunk on this machine: memory bounded by one chunk plus the codes"
    DASK = "dask", "chunks as tasks on a Dask cluster (a scheduler address, or a local cluster)"


class DuplicatePolicy(Option):
    KEEP_LAST = "keep_last", "keep the annotator's last judgment of the item"
    KEEP_FIRST = "keep_first", "keep the annotator's first judgment of the item"
    KEEP_ALL = "keep_all", "keep every repeated judgment"
    ERROR = "error", "stop with an error naming the repeated judgments"


class PricingModel(Option):
    PER_LABEL = "per_label", "rate x judgments delivered"
    PER_ITEM = "per_item", "rate x distinct items delivered"
    HOURLY = "hourly", "rate x hours worked (summed durations)"
    FIXED = "fixed", "a fixed amount for the batch"
    PER_MILLION_TOKENS = "per_million_tokens", "input_rate and output_rate per million tokens (a model as a vendor)"


class DurationUnit(Option):
    S = "s", "seconds"
    MS = "ms", "milliseconds"
    MIN = "min", "minutes"
    H = "h", "hours"

    @property
    def seconds(self) -> float:
        return {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0}[self.value]


class Reason(Option):
    """Why an input row was quarantined (tests assert these codes, not prose)."""

    MISSING_VALUE = "MISSING_VALUE", "a required value (item, annotator or label) is empty"
    UNKNOWN_LABEL = "UNKNOWN_LABEL", "the label is not one of the task's declared labels"
    DUPLICATE_JUDGMENT = "DUPLICATE_JUDGMENT", "the same annotator labelled the same item again (duplicate policy)"
    DUPLICATE_GOLD = "DUPLICATE_GOLD", "the gold file gives the same item again"
    DUPLICATE_ITEM = "DUPLICATE_ITEM", "the item metadata file ([items]) gives the same item id again"
    BAD_TIMESTAMP = "BAD_TIMESTAMP", "the timestamp cannot be parsed, or is relative ('now', 'today')"
    BAD_NUMBER = "BAD_NUMBER", "a numeric field (duration or cost) is not a finite number within 1e12"
    NEGATIVE_DURATION = "NEGATIVE_DURATION", "the duration is negative"
    NEGATIVE_COST = "NEGATIVE_COST", "the per-row cost is negative"
    MALFORMED_RECORD = "MALFORMED_RECORD", "the record cannot be parsed (for example invalid JSON on that line)"
    OUT_OF_RANGE = "OUT_OF_RANGE", "a numeric label outside the task's range, negative on a ratio scale, or over 1e100"
    BAD_VALUE = "BAD_VALUE", "a field holds a value its column does not allow (for example shown_first not A or B)"
    REJECTED = "REJECTED", "the vendor's platform marks the work rejected (excluded; billed only if bill_excluded)"
    CANCELLED = "CANCELLED", "the annotation or task was cancelled or skipped (excluded; billed only if bill_excluded)"
    NOT_COMPLETED = "NOT_COMPLETED", "the task is not completed (pending, expired, error): nothing delivered yet"
    REVIEW_ANNOTATION = "REVIEW_ANNOTATION", "a reviewer's or ground-truth annotation, not the vendor's judgment"
    NO_ANSWER = "NO_ANSWER", "the export holds no answer for the question (missing result, empty choices, no responses)"
    UNKNOWN_CRITERION = "UNKNOWN_CRITERION", "a review names a criterion the manifest's [[criteria]] do not declare"
    UNKNOWN_DELIVERABLE = (
        "UNKNOWN_DELIVERABLE",
        "a review names a deliverable no vendor's file holds (or one set aside)",
    )
    DUPLICATE_DELIVERABLE = "DUPLICATE_DELIVERABLE", "a deliverable id given again (in this or another vendor's file)"
    DUPLICATE_REVIEW = "DUPLICATE_REVIEW", "the same reviewer scored the same deliverable on the same criterion again"
    AMBIGUOUS_REVIEW = (
        "AMBIGUOUS_REVIEW",
        "the file does not say which one deliverable a review scores (several texts reviewed under one id)",
    )


E = TypeVar("E", bound=Option)


def invalid_option(name: str, allowed: Iterable[str], got: Any) -> str:
    """The one message shape for a bad option value."""
    listing = ", ".join(repr(str(a)) for a in allowed)
    return f"{name} must be one of {listing}; got {got!r} instead"


def parse_option(option: type[E], value: Any, name: str) -> E:
    """``value`` as a member of ``option``, or a :class:`LabelevalError` naming the allowed values."""
    if isinstance(value, option):
        return value
    if isinstance(value, str) and value in option.values():
        return option(value)
    raise LabelevalError(invalid_option(name, option.values(), value))


#: The table formats the readers take, each with the file extensions that name it.
TABLE_FORMATS: Final[dict[str, tuple[str, ...]]] = {
    "csv": (".csv",),
    "tsv": (".tsv", ".tab"),
    "jsonl": (".jsonl", ".ndjson"),
    "json": (".json",),
    "parquet": (".parquet", ".pq"),
    "xlsx": (".xlsx", ".xlsm"),
}

#: The vendors' own export formats (:mod:`labeleval.io.formats` reads each), with a title for people.
EXPORT_FORMATS: Final[dict[str, str]] = {
    "label_studio": "Label Studio JSON export",
    "label_studio_min": "Label Studio JSON-MIN or CSV export",
    "scale": "Scale AI task export / callbacks",
    "surge": "Surge AI export (tasks with responses)",
    "labelbox": "Labelbox export v2 (NDJSON)",
    "toloka": "Toloka assignments TSV",
    "sagemaker_gt": "SageMaker Ground Truth manifest / worker annotations",
    "timesheet": "Hourly timesheet with per-person rates",
    "llm": "Model predictions with token counts",
}
#: The export formats that can also carry the gold answers (``[gold] format = ...``).
GOLD_EXPORT_FORMATS: Final[frozenset[str]] = frozenset({"surge", "toloka"})

"""The ``labeleval.toml`` manifest and the :class:`Project` it describes.

A project is a folder with a manifest. Paths resolve relative to the manifest and, after symlinks, must stay
inside its folder (unless ``load_project(..., allow_outside=True)``, the CLI's ``--allow-outside``); nothing in
it executes.
Every mistake is a :class:`ManifestError` naming the manifest, the line where it can be found, the key,
what is allowed and what was found.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from labeleval.errors import ManifestError
from labeleval.limits import MAX_AMOUNT
from labeleval.limits import current as current_limits
from labeleval.options import (
    EXPORT_FORMATS,
    GOLD_EXPORT_FORMATS,
    TABLE_FORMATS,
    AcceptanceRule,
    ConsensusMethod,
    CriterionScale,
    DuplicatePolicy,
    DurationUnit,
    Option,
    PricingModel,
    TaskKind,
    TiePolicy,
    Uncertainty,
    UsabilityRule,
    invalid_option,
)
from labeleval.project.paths import is_multi_path, parquet_files
from labeleval.project.schema import (
    DELIVERABLE_OPTIONAL,
    DELIVERABLE_REQUIRED,
    OPTIONAL_COLUMNS,
    PAIRWISE_LABELS,
    REQUIRED_COLUMNS,
    REVIEW_REQUIRED,
    FlagRules,
    TaskSpec,
)
from labeleval.safety import clean_name, look_alike, look_alike_letters

if TYPE_CHECKING:
    import pandas as pd

MANIFEST_NAME: Final = "labeleval.toml"
E = TypeVar("E", bound=Option)

_TOP_KEYS: Final = (
    "task",
    "gold",
    "usability",
    "data",
    "quality",
    "vendors",
    "items",
    "criteria",
    "acceptance",
    "reviews",
)
#: the top-level tables only a graded task has, and those it does not
_GRADED_ONLY: Final = ("criteria", "acceptance", "reviews")
_LABELS_ONLY: Final = ("gold", "usability", "quality")
_CRITERION_KEYS: Final = ("name", "scale", "points", "pass_at", "weight")
_ACCEPTANCE_KEYS: Final = ("rule", "min_score")
_REVIEWS_KEYS: Final = (
    "path",
    "format",
    "columns",
    "encoding",
    "sheet",
    "gold_reviewers",
    "judges",
    "deliverable_field",
)
_TASK_KEYS: Final = ("name", "kind", "labels", "tolerance", "range", "separator", "min_jaccard")
_FILE_KEYS: Final = (
    "path",
    "format",
    "columns",
    "encoding",
    "sheet",
    "label_map",
    "question",
    "item_field",
    "annotator_field",
)
_GOLD_KEYS: Final = (*_FILE_KEYS, "metadata")
_ITEMS_KEYS: Final = ("path", "format", "columns", "encoding", "sheet", "metadata")
_VENDOR_KEYS: Final = (
    "name",
    *_FILE_KEYS,
    "duration_unit",
    "pricing",
    "rates",
    "bill_excluded",
    "worker_responses",
    "metadata",
    "reviewers",
)
_PRICING_KEYS: Final = ("model", "rate", "amount", "currency", "fee_pct", "input_rate", "output_rate")
_USABILITY_KEYS: Final = ("rule", "min_confidence")
_DATA_KEYS: Final = ("duplicates", "tie", "consensus", "uncertainty", "min_shared_gold")
_QUALITY_KEYS: Final = (
    "target_accuracy",
    "min_gold",
    "flag_confidence",
    "min_judgments",
    "ds_margin",
    "too_fast_s",
    "too_fast_share",
    "skew_tvd",
)


@dataclass(frozen=True)
class Pricing:
    """How a vendor charges.

    ``per_label``: ``rate`` per judgment delivered; ``per_item``: ``rate`` per distinct item delivered;
    ``hourly``: ``rate`` per hour of ``duration_s`` (or each person's own rate, from a timesheet);
    ``fixed``: ``amount`` for the batch; ``per_million_tokens``: ``input_rate`` and ``output_rate`` per
    million input and output tokens (a model as a vendor). ``fee_pct`` is a platform fee in percent added
    on top of the labour cost.
    """

    model: PricingModel
    rate: float = 0.0
    amount: float = 0.0
    currency: str = "USD"
    fee_pct: float = 0.0
    input_rate: float = 0.0
    output_rate: float = 0.0


@dataclass(frozen=True)
class FileSpec:
    """One input file and how to read it."""

    path: Path
    #: a vendor's Parquet files on object storage (fsspec URL, read by the chunked engines); None: ``path``
    url: str | None = None
    format: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    sheet: str | int | None = None
    label_map: Mapping[str, str] = field(default_factory=dict)
    #: native formats (labeleval/io/formats): which question holds the label; dotted paths to the ids
    question: str | None = None
    item_field: str | None = None
    annotator_field: str | None = None
    #: an in-memory table (``evaluate(frame)``), read in place of ``path``: its index holds each row's position in
    #: the frame the caller gave, which messages name
    frame: pd.DataFrame | None = field(default=None, compare=False, repr=False)
    #: what messages and the ledger call this input (None: ``path`` within the project folder)
    name: str | None = None

    @property
    def native(self) -> bool:
        """Whether ``format`` names a vendor's own export format (read by labeleval.io.formats)."""
        return self.format is not None and self.format in EXPORT_FORMATS


@dataclass(frozen=True)
class VendorSpec:
    """A vendor's batch file, its column mapping and its pricing."""

    name: str
    file: FileSpec
    pricing: Pricing
    duration_unit: DurationUnit = DurationUnit.S
    #: a table of hourly rates per annotator (timesheets), joined on annotator id
    rates: Path | None = None
    #: whether work a native reader set aside (rejected, cancelled ...) is billed
    bill_excluded: bool = False
    #: a folder of per-worker answers joined to the vendor's file (SageMaker Ground Truth's worker responses)
    worker_responses: Path | None = None
    #: dotted paths into a native export's records kept as item metadata (``data.lang``), named by their last part
    metadata: tuple[str, ...] = ()
    #: annotator ids whose annotations are a reviewer's ground truth (Label Studio), set aside, not judgments
    reviewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Usability:
    """Which judgments count as usable: equal to gold, to a confident cross-vendor consensus, or either."""

    rule: UsabilityRule = UsabilityRule.GOLD
    min_confidence: float = 0.9


@dataclass(frozen=True)
class Quality:
    """The redundancy target and the annotator flag thresholds (``[quality]``)."""

    target_accuracy: float = 0.95
    rules: FlagRules = field(default_factory=FlagRules)


@dataclass(frozen=True)
class ItemsSpec:
    """``[items]``: a file with one row per item id and metadata columns (language, domain, text, url ...).
    ``metadata`` names the columns to keep; empty keeps every column but the item id."""

    file: FileSpec
    metadata: tuple[str, ...] = ()


@dataclass(frozen=True)
class Criterion:
    """One rubric criterion of a graded task (``[[criteria]]``): pass/fail, or whole points from ``low`` to
    ``high`` with a pass mark; ``weight`` in the weighted score."""

    name: str
    scale: CriterionScale = CriterionScale.PASS_FAIL
    low: int = 0
    high: int = 1
    pass_at: float = 1.0
    weight: float = 1.0

    def unit(self, score: float) -> float:
        """``score`` on 0-1: 0 the scale's lowest point, 1 its highest."""
        return (score - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class Acceptance:
    """``[acceptance]``: when a deliverable is accepted (usable): every criterion passes, or the weighted mean of
    the criteria's 0-1 scores reaches ``min_score``."""

    rule: AcceptanceRule = AcceptanceRule.ALL_PASS
    min_score: float = 0.75


@dataclass(frozen=True)
class ReviewsSpec:
    """``[reviews]``: the reviews file of a graded task; the reviewers whose reviews are the lab's gold, and the
    judges (an LLM judge, say) asked whether they could stand in for the panel: both are compared with the panel,
    never part of it."""

    file: FileSpec
    gold_reviewers: tuple[str, ...] = ()
    judges: tuple[str, ...] = ()


@dataclass(frozen=True)
class Project:
    """A parsed manifest: the task, the gold file, the vendors and the rules. Files are read later."""

    root: Path
    manifest: Path
    task: TaskSpec
    vendors: tuple[VendorSpec, ...]
    gold: FileSpec | None = None
    usability: Usability = Usability()
    duplicates: DuplicatePolicy = DuplicatePolicy.KEEP_LAST
    tie: TiePolicy = TiePolicy.FRACTIONAL
    consensus: ConsensusMethod = ConsensusMethod.MAJORITY_VOTE
    uncertainty: Uncertainty = Uncertainty.ITEMS_AND_ANNOTATORS
    min_shared_gold: int = 20
    quality: Quality = Quality()
    items: ItemsSpec | None = None
    gold_metadata: tuple[str, ...] = ()  # extra gold-file columns kept as item metadata
    #: a graded task's rubric, acceptance rule and reviews (empty and None for the other kinds)
    criteria: tuple[Criterion, ...] = ()
    acceptance: Acceptance = Acceptance()
    reviews: ReviewsSpec | None = None

    @property
    def graded(self) -> bool:
        """Whether the vendors deliver written work that reviewers score against a rubric."""
        return self.task.kind == TaskKind.GRADED

    @property
    def currency(self) -> str:
        return self.vendors[0].pricing.currency if self.vendors else "USD"

    def files(self) -> list[Path]:
        """Every input file, gold first."""
        out = [self.gold.path] if self.gold else []
        out += [self.items.file.path] if self.items else []
        out += [self.reviews.file.path] if self.reviews else []
        return out + [v.file.path for v in self.vendors]


class _Manifest:
    """Helpers that turn TOML values into checked settings, with line numbers for messages."""

    def __init__(
        self, path: Path, text: str, allow_outside: bool = False, frames: Mapping[str, pd.DataFrame] | None = None
    ) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.allow_outside = allow_outside
        #: in-memory tables by the name a file table's ``path`` gives them (``evaluate(frame)``; none from TOML)
        self.frames = dict(frames or {})

    def line_of(self, key: str, after: int = 0) -> int | None:
        pattern = re.compile(rf"(^|[\s{{,])[\"']?{re.escape(key)}[\"']?\s*=")
        for number, line in enumerate(self.lines[after:], start=after + 1):
            if pattern.search(line.split("#", 1)[0]):
                return number
        return None

    def section_line(self, header: str, occurrence: int = 0) -> int:
        seen = -1
        for number, line in enumerate(self.lines, start=1):
            if line.strip().replace(" ", "") == header:
                seen += 1
                if seen == occurrence:
                    return number
        return 0

    def error(self, message: str, key: str | None = None, after: int = 0) -> ManifestError:
        line = self.line_of(key, after) if key else None
        where = f"{self.path.name} line {line}" if line else self.path.name
        return ManifestError(f"{where}: {message}")

    def check_keys(self, table: Mapping[str, Any], allowed: tuple[str, ...], where: str, after: int = 0) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise self.error(
                    f"unknown key {key!r} in {where}{hint}; allowed keys: {', '.join(allowed)}", key, after
                )

    def table(self, parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            raise self.error(f"{where}.{key} must be a table, found {type(value).__name__}", key)
        return value

    def string(self, table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise self.error(f'{where} needs {key} = "..."')
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{where}.{key} must be a non-empty string, found {value!r}", key)
        return value

    def number(self, table: Mapping[str, Any], key: str, where: str, default: float, after: int = 0) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise self.error(f"{where}.{key} must be a finite number, found {value!r}", key, after)
        if value < 0:
            raise self.error(f"{where}.{key} must be >= 0, found {value}", key, after)
        if value > MAX_AMOUNT:
            raise self.error(f"{where}.{key} must be at most {MAX_AMOUNT:.0e}, found {value:g}", key, after)
        return float(value)

    def choice(self, table: Mapping[str, Any], key: str, option: type[E], where: str, default: E, after: int = 0) -> E:
        value = table.get(key, default)
        if value not in option.values():
            raise self.error(invalid_option(f"{where}.{key}", option.values(), value), key, after)
        return option(value)

    def str_map(self, table: Mapping[str, Any], key: str, where: str, after: int) -> dict[str, str]:
        value = table.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str | int) for v in value.values()):
            raise self.error(f'{where}.{key} must be a table of strings, e.g. {{ a = "b" }}', key, after)
        return {str(k): str(v) for k, v in value.items()}


def _file_spec(
    m: _Manifest, table: Mapping[str, Any], where: str, allowed_columns: tuple[str, ...], after: int
) -> FileSpec:
    """A ``[gold]``, ``[items]`` or ``[[vendors]]`` file: its path (inside the project folder unless allowed
    outside; a vendor's may be a URL, folder or glob of Parquet files), format, columns and reading options."""
    rel = m.string(table, "path", where)
    frame = m.frames.get(rel)
    path, url = (Path(rel), None) if frame is not None else _located(m, rel, where, after)
    fmt = table.get("format")
    if fmt is not None and fmt not in TABLE_FORMATS and fmt not in EXPORT_FORMATS:
        raise m.error(
            f"{where}.format must be a table format ({', '.join(TABLE_FORMATS)}) or a vendor export format "
            f"({', '.join(EXPORT_FORMATS)}); found {fmt!r}",
            "format",
            after,
        )
    columns = m.str_map(table, "columns", where, after)
    for canonical in columns:
        if canonical not in allowed_columns:
            raise m.error(
                f"{where}.columns: unknown canonical column {canonical!r}; allowed: {', '.join(allowed_columns)}",
                canonical,
                after,
            )
    sheet = table.get("sheet")
    if sheet is not None and not isinstance(sheet, str | int):
        raise m.error(f"{where}.sheet must be a sheet name or index", "sheet", after)
    return FileSpec(
        path=path,
        url=url,
        format=fmt,
        columns=columns,
        encoding=m.string(table, "encoding", where, "utf-8"),
        sheet=sheet,
        label_map=m.str_map(table, "label_map", where, after),
        question=m.string(table, "question", where) if "question" in table else None,
        item_field=m.string(table, "item_field", where) if "item_field" in table else None,
        annotator_field=m.string(table, "annotator_field", where) if "annotator_field" in table else None,
        frame=frame,
        name=None if frame is None else rel,
    )


def _located(m: _Manifest, rel: str, where: str, after: int) -> tuple[Path, str | None]:
    """A file table's ``path`` as (path, URL or None), refused unless it names a file, or a vendor's URL,
    folder or glob of Parquet files."""
    url = _data_url(m, rel, where, after)
    path = Path(rel) if url else _confined(m, rel, where, after)
    try:
        folder = url is None and where.startswith("[[vendors]]") and _parquet_set(m, path, rel, where, after)
        found = url is not None or folder or path.is_file()
    except OSError as exc:  # a name too long for the file system, say: the path cannot name a file here
        raise m.error(f"{where}.path: cannot be opened: {exc.strerror} ({rel[:80]!r})", "path", after) from None
    if not found:
        raise m.error(f"{where}.path: file not found: {rel} (looked in {m.path.parent})", "path", after)
    return path, url


def _confined(m: _Manifest, rel: str, where: str, after: int) -> Path:
    """``rel`` resolved against the manifest's folder (symlinks followed); outside it only when allowed."""
    base = m.path.parent
    try:
        path = (base / rel).resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise m.error(f"{where}.path: not a usable file path: {rel!r} ({exc})", "path", after) from None
    if not m.allow_outside and not path.is_relative_to(base):
        raise m.error(
            f"{where}.path: {rel!r} is outside the project folder (absolute paths, '..' and symlinks that "
            f"leave the folder are refused); copy the file into the project, or on the command line pass "
            f"--allow-outside (Python: load_project(..., allow_outside=True))",
            "path",
            after,
        )
    return path


def _data_url(m: _Manifest, rel: str, where: str, after: int) -> str | None:
    """A vendor's Parquet data on object storage (an fsspec URL: ``s3://bucket/prefix/*.parquet``), or None.

    A URL reads data from outside the project folder, so it needs ``allow_outside`` (never for uploads)."""
    if "://" not in rel:
        return None
    if not where.startswith("[[vendors]]"):
        raise m.error(f"{where}.path: a URL is accepted only for vendor data (Parquet files)", "path", after)
    if not m.allow_outside:
        raise m.error(
            f"{where}.path: {rel!r} is a URL, outside the project folder; on the command line pass "
            f"--allow-outside (Python: load_project(..., allow_outside=True)) to read it",
            "path",
            after,
        )
    return rel


def _parquet_set(m: _Manifest, path: Path, rel: str, where: str, after: int) -> bool:
    """Whether a vendor's ``path`` names a folder or glob of Parquet files (read chunk by chunk),
    each inside the project folder unless allowed outside."""
    if not is_multi_path(path):
        return False
    files = parquet_files(path)
    base = m.path.parent
    outside = [f for f in files if not m.allow_outside and not f.resolve().is_relative_to(base)]
    if outside:
        raise m.error(
            f"{where}.path: {rel!r} matches {outside[0].name}, which is outside the project folder (a symlink?); "
            f"pass --allow-outside to read it",
            "path",
            after,
        )
    return bool(files)


def find_manifest(path: str | Path) -> Path:
    """Accept a project folder or the manifest itself; return the manifest's path.

    The folder is resolved (symlinks followed) but the manifest's own name is kept, so a manifest that is a
    symlink does not move the project folder that its paths are confined to.
    """
    p = Path(path)
    if p.is_dir():
        p = p / MANIFEST_NAME
    if not p.is_file():
        raise ManifestError(f"no manifest at {p}; a project is a folder with a {MANIFEST_NAME}")
    return p.parent.resolve() / p.name


def load_project(path: str | Path, *, allow_outside: bool = False) -> Project:
    """Read and check a manifest. ``path`` is a project folder holding ``labeleval.toml`` or the file itself.

    Every file the manifest names must resolve (after symlinks) inside the manifest's folder; pass
    ``allow_outside=True`` to read files elsewhere (never done for uploads in the app).

    Examples
    --------
    >>> import labeleval as le
    >>> project = le.load_project("sample_data/content_safety")  # doctest: +SKIP
    >>> [v.name for v in project.vendors]  # doctest: +SKIP
    ['Scale', 'Surge', 'Mercor']
    """
    manifest = find_manifest(path)
    text, data = _read_toml(manifest)
    return project_from_tables(data, manifest, text=text, allow_outside=allow_outside)


def project_from_tables(
    data: dict[str, Any],
    manifest: Path,
    *,
    text: str = "",
    allow_outside: bool = False,
    frames: Mapping[str, pd.DataFrame] | None = None,
) -> Project:
    """The :class:`Project` a manifest's tables describe, every value checked (a ``ManifestError`` names the
    manifest, the line in ``text`` and the key): a ``labeleval.toml`` as parsed, or the tables ``evaluate()``
    builds around in-memory ``frames`` (a file table's ``path`` naming one of them reads it)."""
    m = _Manifest(manifest, text, allow_outside, frames)
    m.check_keys(data, _TOP_KEYS, "the manifest")
    task = _task(m, m.table(data, "task", "manifest"))
    if task.kind == TaskKind.GRADED:
        return _graded_project(m, data, task)
    misplaced = [key for key in _GRADED_ONLY if key in data]
    if misplaced:
        raise _section_error(
            m, misplaced[0], f'[{misplaced[0]}] belongs to graded tasks (kind = "graded"), not {task.kind}'
        )
    gold, gold_metadata = _gold(m, data, task.labels)
    options = _data_options(m, m.table(data, "data", "manifest"))
    return Project(
        root=manifest.parent,
        manifest=manifest,
        task=task,
        vendors=_vendors(m, data.get("vendors"), task.labels),
        gold=gold,
        usability=_usability(m, m.table(data, "usability", "manifest"), has_gold=gold is not None),
        quality=_quality(m, m.table(data, "quality", "manifest")),
        items=_items(m, data),
        gold_metadata=gold_metadata,
        **options,
    )


def _read_toml(manifest: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = manifest.read_text(encoding="utf-8").removeprefix("\ufeff")  # a BOM, as Windows editors write
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{manifest.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{manifest.name}: invalid TOML: {exc}") from None
    except RecursionError:  # arrays or inline tables nested thousands deep: tomllib recurses once a level
        raise ManifestError(f"{manifest.name}: invalid TOML: arrays or tables nested too deeply") from None


def _task(m: _Manifest, task_t: dict[str, Any]) -> TaskSpec:
    """``[task]``: name, kind, labels and the kind's own keys."""
    if not task_t:
        raise m.error("the manifest needs a [task] table with name, kind and labels")
    m.check_keys(task_t, _TASK_KEYS, "[task]")
    kind = m.choice(task_t, "kind", TaskKind, "[task]", TaskKind.NOMINAL)
    tolerance = m.number(task_t, "tolerance", "[task]", 0.0)
    if "tolerance" in task_t and kind not in ("ordinal", "interval", "ratio"):
        raise m.error(
            f"[task].tolerance applies to ordinal, interval and ratio tasks; a {kind} label is right or wrong, "
            f"so remove it",
            "tolerance",
        )
    min_jaccard = m.number(task_t, "min_jaccard", "[task]", 1.0)
    if ("separator" in task_t or "min_jaccard" in task_t) and kind != "multilabel":
        raise m.error("[task].separator and min_jaccard apply to multilabel tasks only", "separator")
    if not 0 < min_jaccard <= 1:
        raise m.error(f"[task].min_jaccard must be in (0, 1]; found {min_jaccard}", "min_jaccard")
    return TaskSpec(
        name=clean_name(m.string(task_t, "name", "[task]", "Untitled task")) or "Untitled task",
        kind=kind,
        labels=_task_labels(m, task_t, kind),
        tolerance=tolerance,
        value_range=_task_range(m, task_t, kind),
        separator=m.string(task_t, "separator", "[task]", "|"),
        min_jaccard=min_jaccard,
    )


def _gold(m: _Manifest, data: dict[str, Any], labels: tuple[str, ...]) -> tuple[FileSpec | None, tuple[str, ...]]:
    """``[gold]``: the gold file (a table, or a native format that carries gold) and its metadata columns."""
    if "gold" not in data:
        return None, ()
    gold_t = m.table(data, "gold", "manifest")
    after = m.section_line("[gold]")
    m.check_keys(gold_t, _GOLD_KEYS, "[gold]", after)
    gold = _file_spec(m, gold_t, "[gold]", ("item_id", "label"), after)
    if gold.native and str(gold.format) not in GOLD_EXPORT_FORMATS:
        carriers = ", ".join(n for n in EXPORT_FORMATS if n in GOLD_EXPORT_FORMATS)
        raise m.error(
            f"[gold].format = {gold.format!r} carries no gold answers (formats that do: {carriers}); "
            f"give [gold] a table of item ids and gold labels",
            "format",
            after,
        )
    _check_label_map(m, gold.label_map, labels, "[gold]", after)
    return gold, _metadata_columns(m, gold_t, "[gold]")


def _items(m: _Manifest, data: dict[str, Any]) -> ItemsSpec | None:
    """``[items]``: a file of item metadata (language, domain, text ...)."""
    if "items" not in data:
        return None
    items_t = m.table(data, "items", "manifest")
    after = m.section_line("[items]")
    m.check_keys(items_t, _ITEMS_KEYS, "[items]", after)
    return ItemsSpec(_file_spec(m, items_t, "[items]", ("item_id",), after), _metadata_columns(m, items_t, "[items]"))


def _usability(m: _Manifest, usability_t: dict[str, Any], *, has_gold: bool) -> Usability:
    m.check_keys(usability_t, _USABILITY_KEYS, "[usability]")
    rule = m.choice(usability_t, "rule", UsabilityRule, "[usability]", UsabilityRule.GOLD)
    min_conf = m.number(usability_t, "min_confidence", "[usability]", 0.9)
    if not 0 < min_conf <= 1:
        raise m.error(f"[usability].min_confidence must be in (0, 1]; found {min_conf}", "min_confidence")
    if rule != UsabilityRule.CONSENSUS and not has_gold:
        raise m.error(f"[usability].rule = {rule!r} needs a [gold] table with a gold file", "rule")
    return Usability(rule=rule, min_confidence=min_conf)


def _data_options(m: _Manifest, data_t: dict[str, Any]) -> dict[str, Any]:
    """``[data]``: duplicate and tie policies, the consensus method, what the intervals cover."""
    m.check_keys(data_t, _DATA_KEYS, "[data]")
    min_shared_gold = m.number(data_t, "min_shared_gold", "[data]", 20)
    if min_shared_gold < 1 or min_shared_gold != int(min_shared_gold):
        raise m.error(f"[data].min_shared_gold must be a whole number >= 1; found {min_shared_gold}", "min_shared_gold")
    return {
        "duplicates": m.choice(data_t, "duplicates", DuplicatePolicy, "[data]", DuplicatePolicy.KEEP_LAST),
        "tie": m.choice(data_t, "tie", TiePolicy, "[data]", TiePolicy.FRACTIONAL),
        "consensus": m.choice(data_t, "consensus", ConsensusMethod, "[data]", ConsensusMethod.MAJORITY_VOTE),
        "uncertainty": m.choice(data_t, "uncertainty", Uncertainty, "[data]", Uncertainty.ITEMS_AND_ANNOTATORS),
        "min_shared_gold": int(min_shared_gold),
    }


def _vendors(
    m: _Manifest, vendor_list: object, labels: tuple[str, ...], *, graded: bool = False
) -> tuple[VendorSpec, ...]:
    """``[[vendors]]``: at least one, unique names, one currency (a graded task's: its deliverables)."""
    if not isinstance(vendor_list, list) or not vendor_list:
        raise m.error("the manifest needs at least one [[vendors]] table with name, path and pricing")
    current_limits().check("vendors", len(vendor_list), f"{m.path.name}: [[vendors]]")
    columns = (*DELIVERABLE_REQUIRED, *DELIVERABLE_OPTIONAL) if graded else (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    vendors = tuple(_vendor(m, v, k, labels, columns) for k, v in enumerate(vendor_list))
    given = [str(v.get("name")) for v in vendor_list]  # as written: a refusal names them so
    lines = [m.section_line("[[vendors]]", k) for k in range(len(vendors))]
    _distinct(m, "[[vendors]] names", given, lines, fold_case=True)
    currencies = sorted({v.pricing.currency for v in vendors})
    if len(currencies) > 1:
        listing = ", ".join(f"{v.name}: {v.pricing.currency}" for v in vendors)
        raise m.error(
            f"vendors are priced in different currencies ({listing}); labeleval does not convert currencies, "
            f"so convert the rates to one currency in the manifest",
            "currency",
        )
    return vendors


def _metadata_columns(m: _Manifest, table: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """``metadata = ["language", "domain"]``: item metadata columns of a file."""
    value = table.get("metadata", [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise m.error(f'{where}.metadata must be a list of column names, e.g. ["language", "domain"]', "metadata")
    return tuple(value)


def _quality(m: _Manifest, table: dict[str, Any]) -> Quality:
    m.check_keys(table, _QUALITY_KEYS, "[quality]")
    defaults = FlagRules()
    values = {key: m.number(table, key, "[quality]", float(getattr(defaults, key))) for key in _QUALITY_KEYS[1:]}
    for share in ("too_fast_share", "skew_tvd", "ds_margin", "flag_confidence"):
        if values[share] > 1:
            raise m.error(f"[quality].{share} is a share and must be at most 1; found {values[share]}", share)
    target = m.number(table, "target_accuracy", "[quality]", 0.95)
    if not 0 < target <= 1:
        raise m.error(f"[quality].target_accuracy must be in (0, 1]; found {target}", "target_accuracy")
    rules = FlagRules(
        min_gold=int(values["min_gold"]),
        flag_confidence=values["flag_confidence"],
        min_judgments=int(values["min_judgments"]),
        ds_margin=values["ds_margin"],
        too_fast_s=values["too_fast_s"],
        too_fast_share=values["too_fast_share"],
        skew_tvd=values["skew_tvd"],
    )
    return Quality(target_accuracy=target, rules=rules)


def _task_labels(m: _Manifest, task_t: dict[str, Any], kind: str) -> tuple[str, ...]:
    labels = task_t.get("labels")
    if kind == "graded":
        if labels is not None:
            raise m.error(
                "[task].labels is not used by kind = 'graded': its scores are declared by [[criteria]]", "labels"
            )
        return ()
    if kind in ("interval", "ratio"):
        if labels is not None:
            raise m.error(
                f"[task].labels is not used by kind = {kind!r} (labels are numbers); remove it, or use "
                f'kind = "ordinal" for a scale of named points',
                "labels",
            )
        return ()
    if kind == "pairwise":
        if labels is None:
            return PAIRWISE_LABELS
        if sorted(map(str, labels)) != sorted(PAIRWISE_LABELS):
            raise m.error(
                f"[task].labels of a pairwise task must be {list(PAIRWISE_LABELS)}; found {labels!r}. Map a "
                f'vendor\'s own names with label_map, e.g. {{ left = "A", right = "B", same = "tie" }}',
                "labels",
            )
        return PAIRWISE_LABELS
    if not isinstance(labels, list) or len(labels) < 2:
        raise m.error('[task].labels must list at least two labels, e.g. labels = ["yes", "no"]', "labels")
    current_limits().check("labels", len(labels), f"{m.path.name}: [task].labels")
    odd = [lab for lab in labels if isinstance(lab, bool) or not isinstance(lab, str | int | float)]
    if odd:
        raise m.error(f"[task].labels must be strings (or numbers); found {odd[0]!r}", "labels")
    label_strs = tuple(str(lab) for lab in labels)
    blank = [lab for lab in label_strs if not lab.strip() or lab != lab.strip()]
    if blank:
        raise m.error(
            f"[task].labels must be non-empty text without leading or trailing spaces; found {blank[0]!r}", "labels"
        )
    if len(set(label_strs)) != len(label_strs):
        raise m.error(f"[task].labels lists a label twice: {list(label_strs)}", "labels")
    hidden = [lab for lab in label_strs if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in lab)]
    if hidden:
        raise m.error(
            f"[task].labels: {hidden[0]!r} holds invisible or control characters; the files' labels must match it "
            f"exactly, so write it as {clean_name(hidden[0])!r} (and the files too)",
            "labels",
        )
    line = m.line_of("labels") or 0
    _distinct(m, "[task].labels", list(label_strs), [line] * len(label_strs), fold_case=False)
    if kind == "multilabel":
        bad = [lab for lab in label_strs if "|" in lab or lab.startswith("[") or lab == "(none)"]
        if bad:
            raise m.error(
                f"[task].labels of a multilabel task cannot contain '|', start with '[' or be '(none)' (label sets "
                f"are written a|b, as a JSON list, or (none)); found {bad[0]!r}",
                "labels",
            )
    return label_strs


def _distinct(m: _Manifest, what: str, given: list[str], lines: list[int], *, fold_case: bool) -> None:
    """Refuse two of ``given`` (names as written, at ``lines``) that a reader could not tell apart
    (:func:`~labeleval.safety.look_alike`): the same once invisible characters and spaces are removed, or
    differing only in look-alike letters (Cyrillic or Greek for Latin) or, with ``fold_case``, in case."""
    seen: dict[str, int] = {}
    for k, name in enumerate(given):
        j = seen.setdefault(look_alike(name, fold_case=fold_case), k)
        if j == k:
            continue
        first = given[j]
        if clean_name(first) == clean_name(name):
            why = "they are the same once invisible characters and surrounding spaces are removed"
        elif letters := look_alike_letters(first) + look_alike_letters(name):
            why = f"they differ only in letters that look alike ({'; '.join(letters)})"
        else:
            why = "they differ only in case"
        where = f"{m.path.name} line {lines[k]}" if lines[k] else m.path.name
        raise ManifestError(
            f"{where}: {what} {name!r} and {first!r}"
            + (f" (line {lines[j]})" if lines[j] and lines[j] != lines[k] else "")
            + f" look the same: {why}; give them names a reader can tell apart"
        )


def _task_range(m: _Manifest, task_t: dict[str, Any], kind: str) -> tuple[float, float] | None:
    value = task_t.get("range")
    if value is None:
        return (0.0, float("inf")) if kind == "ratio" else None
    if kind not in ("interval", "ratio"):
        raise m.error(f"[task].range applies to interval and ratio tasks, not {kind!r}", "range")
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        or value[0] >= value[1]
    ):
        raise m.error(f"[task].range must be [low, high] with low < high; found {value!r}", "range")
    if kind == "ratio" and value[0] < 0:
        raise m.error("[task].range of a ratio scale cannot start below 0", "range")
    return (float(value[0]), float(value[1]))


def _check_label_map(
    m: _Manifest, label_map: Mapping[str, str], labels: tuple[str, ...], where: str, after: int
) -> None:
    if not labels:  # numeric kinds: labels are numbers; a label_map may rewrite vendor codes to numbers
        return
    for source, target in label_map.items():
        if target not in labels:
            raise m.error(
                f"{where}.label_map maps {source!r} to {target!r}, which is not one of [task].labels "
                f"({', '.join(labels)})",
                "label_map",
                after,
            )


def _rates(m: _Manifest, table: dict[str, Any], where: str, after: int) -> Path | None:
    """A vendor's table of hourly rates per annotator (confined to the project), if named."""
    if "rates" not in table:
        return None
    rates = _confined(m, m.string(table, "rates", where), where, after)
    if not rates.is_file():
        raise m.error(f"{where}.rates: file not found: {table['rates']}", "rates", after)
    return rates


def _vendor_metadata(m: _Manifest, table: dict[str, Any], where: str, after: int, file: FileSpec) -> tuple[str, ...]:
    """A native export's fields kept as item metadata: ``metadata = ["data.lang", ...]`` (dotted paths)."""
    if "metadata" not in table:
        return ()
    value = table["metadata"]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        raise m.error(
            f'{where}.metadata must be a list of field paths like ["data.lang"]; found {value!r}', "metadata", after
        )
    if not file.native:
        raise m.error(
            f"{where}.metadata names fields of a vendor's own export format (format = ...); for a table, give the "
            "items' metadata as [items] or [gold] metadata",
            "metadata",
            after,
        )
    return tuple(v.strip() for v in value)


#: the formats whose annotations a reviewer may have made beside the vendor's (``reviewers``)
REVIEWED_FORMATS: Final = ("label_studio", "label_studio_min")


def _reviewers(m: _Manifest, table: dict[str, Any], where: str, after: int, file: FileSpec) -> tuple[str, ...]:
    """``reviewers = ["lead@acme.example"]``: annotators whose annotations are a reviewer's ground truth. Label
    Studio's JSON-MIN and CSV exports keep such annotations as ordinary records (no ``ground_truth`` flag)."""
    if "reviewers" not in table:
        return ()
    value = table["reviewers"]
    if not isinstance(value, list) or not value or not all(isinstance(v, str | int) and str(v).strip() for v in value):
        raise m.error(
            f'{where}.reviewers must be a list of annotator ids, e.g. ["lead@acme.example"]; found {value!r}',
            "reviewers",
            after,
        )
    if file.format not in REVIEWED_FORMATS:
        raise m.error(
            f'{where}.reviewers is read with format = "label_studio" or "label_studio_min" (Label Studio exports); '
            "for another format, leave the reviewer's rows out of the file",
            "reviewers",
            after,
        )
    return tuple(str(v).strip() for v in value)


def _worker_responses(m: _Manifest, table: dict[str, Any], where: str, after: int, file: FileSpec) -> Path | None:
    """A vendor's ``worker_responses`` folder (confined to the project), read with the ``sagemaker_gt`` format."""
    if "worker_responses" not in table:
        return None
    responses = _confined(m, m.string(table, "worker_responses", where), where, after)
    if not responses.is_dir():
        raise m.error(
            f"{where}.worker_responses: folder not found: {table['worker_responses']}", "worker_responses", after
        )
    if file.format != "sagemaker_gt":
        raise m.error(
            f'{where}.worker_responses is read with format = "sagemaker_gt" (the output manifest as path)',
            "worker_responses",
            after,
        )
    return responses


def _vendor(m: _Manifest, table: object, index: int, labels: tuple[str, ...], columns: tuple[str, ...]) -> VendorSpec:
    after = m.section_line("[[vendors]]", index)
    if not isinstance(table, dict):
        raise m.error(f"[[vendors]] #{index + 1} must be a table")
    name = clean_name(m.string(table, "name", f"[[vendors]] #{index + 1}"))
    if not name:
        raise m.error(f"[[vendors]] #{index + 1}.name has no visible character", "name", after)
    where = f"[[vendors]] {name!r}"
    m.check_keys(table, _VENDOR_KEYS, where, after)
    file = _file_spec(m, table, where, columns, after)
    _check_label_map(m, file.label_map, labels, where, after)
    unit = m.choice(table, "duration_unit", DurationUnit, where, DurationUnit.S, after)
    rates = _rates(m, table, where, after)
    responses = _worker_responses(m, table, where, after, file)
    metadata = _vendor_metadata(m, table, where, after, file)
    bill_excluded = table.get("bill_excluded", False)
    if not isinstance(bill_excluded, bool):
        raise m.error(f"{where}.bill_excluded must be true or false; found {bill_excluded!r}", "bill_excluded", after)
    per_person = file.format == "timesheet"
    pricing_t = table.get("pricing")
    if not isinstance(pricing_t, dict):
        raise m.error(f'{where} needs pricing = {{ model = "per_label", rate = 0.1, currency = "USD" }}')
    m.check_keys(pricing_t, _PRICING_KEYS, f"{where}.pricing", after)
    if "model" not in pricing_t:
        raise m.error(invalid_option(f"{where}.pricing.model", PricingModel.values(), None), "pricing", after)
    model = m.choice(pricing_t, "model", PricingModel, f"{where}.pricing", PricingModel.PER_LABEL, after)
    if model == PricingModel.FIXED:
        if "amount" not in pricing_t:
            raise m.error(f"{where}.pricing: the fixed model needs amount = ...", "model", after)
        if "rate" in pricing_t:
            raise m.error(f"{where}.pricing: the fixed model uses amount, not rate; remove rate", "rate", after)
    elif model == PricingModel.PER_MILLION_TOKENS:
        if "input_rate" not in pricing_t and "output_rate" not in pricing_t:
            raise m.error(
                f"{where}.pricing: the per_million_tokens model needs input_rate = ... and output_rate = ... "
                f"(price per million input and output tokens)",
                "model",
                after,
            )
    elif "rate" not in pricing_t and not (model == PricingModel.HOURLY and per_person):
        raise m.error(
            f"{where}.pricing: the {model} model needs rate = ..."
            + (' (or a timesheet with a rate per person: format = "timesheet")' if model == "hourly" else ""),
            "model",
            after,
        )
    elif "amount" in pricing_t:
        raise m.error(
            f"{where}.pricing: amount is the price of the fixed model and is not used by {model}; remove it "
            f'(or use model = "fixed")',
            "amount",
            after,
        )
    currency = pricing_t.get("currency", "USD")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise m.error(
            f'{where}.pricing.currency must be a 3-letter ISO code like "USD"; found {currency!r}',
            "currency",
            after,
        )
    pricing = Pricing(
        model=model,
        rate=m.number(pricing_t, "rate", f"{where}.pricing", 0.0, after),
        amount=m.number(pricing_t, "amount", f"{where}.pricing", 0.0, after),
        currency=currency,
        fee_pct=m.number(pricing_t, "fee_pct", f"{where}.pricing", 0.0, after),
        input_rate=m.number(pricing_t, "input_rate", f"{where}.pricing", 0.0, after),
        output_rate=m.number(pricing_t, "output_rate", f"{where}.pricing", 0.0, after),
    )
    return VendorSpec(
        name=name,
        file=file,
        pricing=pricing,
        duration_unit=unit,
        rates=rates,
        bill_excluded=bill_excluded,
        worker_responses=responses,
        metadata=metadata,
        reviewers=_reviewers(m, table, where, after, file),
    )


def _graded_project(m: _Manifest, data: dict[str, Any], task: TaskSpec) -> Project:
    """A graded task: ``[[criteria]]``, ``[acceptance]``, ``[reviews]`` and each vendor's deliverables."""
    misplaced = [key for key in _LABELS_ONLY if key in data]
    if misplaced:
        raise _section_error(
            m,
            misplaced[0],
            f"[{misplaced[0]}] does not apply to a graded task: its reviewers score the work against [[criteria]], "
            f"and [acceptance] says which work is usable",
        )
    criteria = _criteria(m, data.get("criteria"))
    vendors = _vendors(m, data.get("vendors"), (), graded=True)
    for k, vendor in enumerate(vendors):
        if vendor.pricing.model == PricingModel.PER_MILLION_TOKENS or vendor.file.native:
            raise m.error(
                f"[[vendors]] {vendor.name!r}: a graded task's deliverables are a table (csv, tsv, jsonl, json, "
                f"parquet, xlsx) priced per deliverable (per_item or per_label), hourly or fixed",
                "model" if not vendor.file.native else "format",
                m.section_line("[[vendors]]", k),
            )
    options = _data_options(m, m.table(data, "data", "manifest"))
    return Project(
        root=m.path.parent,
        manifest=m.path,
        task=task,
        vendors=vendors,
        items=_items(m, data),
        usability=Usability(rule=UsabilityRule.CONSENSUS),  # not used: [acceptance] says what is usable
        criteria=criteria,
        acceptance=_acceptance(m, m.table(data, "acceptance", "manifest"), criteria),
        reviews=_reviews(m, data),
        **options,
    )


def _section_error(m: _Manifest, key: str, message: str) -> ManifestError:
    """An error about a whole table, naming the line of its header."""
    line = m.section_line(f"[{key}]") or m.section_line(f"[[{key}]]")
    return ManifestError(f"{m.path.name} line {line}: {message}" if line else f"{m.path.name}: {message}")


def _criteria(m: _Manifest, listing: object) -> tuple[Criterion, ...]:
    """``[[criteria]]``: at least one, distinct names."""
    if not isinstance(listing, list) or not listing:
        raise m.error(
            'a graded task needs at least one [[criteria]] table, e.g. name = "accuracy", scale = "points", '
            "points = [1, 5], pass_at = 4"
        )
    current_limits().check("labels", len(listing), f"{m.path.name}: [[criteria]]")
    criteria = tuple(_criterion(m, table, k) for k, table in enumerate(listing))
    lines = [m.section_line("[[criteria]]", k) for k in range(len(criteria))]
    _distinct(m, "[[criteria]] names", [c.name for c in criteria], lines, fold_case=True)
    return criteria


def _criterion(m: _Manifest, table: object, index: int) -> Criterion:
    after = m.section_line("[[criteria]]", index)
    if not isinstance(table, dict):
        raise m.error(f"[[criteria]] #{index + 1} must be a table")
    name = clean_name(m.string(table, "name", f"[[criteria]] #{index + 1}"))
    if not name:
        raise m.error(f"[[criteria]] #{index + 1}.name has no visible character", "name", after)
    where = f"[[criteria]] {name!r}"
    m.check_keys(table, _CRITERION_KEYS, where, after)
    scale = m.choice(table, "scale", CriterionScale, where, CriterionScale.PASS_FAIL, after)
    weight = m.number(table, "weight", where, 1.0, after)
    if weight <= 0:
        raise m.error(f"{where}.weight must be above 0; found {weight:g}", "weight", after)
    if scale == CriterionScale.PASS_FAIL:
        extra = [key for key in ("points", "pass_at") if key in table]
        if extra:
            raise m.error(f"{where}.{extra[0]} applies to scale = 'points', not pass_fail; remove it", extra[0], after)
        return Criterion(name, scale, 0, 1, 1.0, weight)
    points = table.get("points", [1, 5])
    if (
        not isinstance(points, list)
        or len(points) != 2
        or not all(isinstance(p, int) and not isinstance(p, bool) for p in points)
        or not 0 <= points[0] < points[1] <= 100
    ):
        raise m.error(
            f"{where}.points must be [lowest, highest] whole points with 0 <= lowest < highest <= 100, e.g. [1, 5]; "
            f"found {points!r}",
            "points",
            after,
        )
    low, high = int(points[0]), int(points[1])
    pass_at = m.number(table, "pass_at", where, float(math.ceil((low + high) / 2)), after)
    if not low < pass_at <= high:
        raise m.error(f"{where}.pass_at must be above {low} and at most {high}; found {pass_at:g}", "pass_at", after)
    return Criterion(name, scale, low, high, pass_at, weight)


def _acceptance(m: _Manifest, table: dict[str, Any], criteria: tuple[Criterion, ...]) -> Acceptance:
    after = m.section_line("[acceptance]")
    m.check_keys(table, _ACCEPTANCE_KEYS, "[acceptance]", after)
    rule = m.choice(table, "rule", AcceptanceRule, "[acceptance]", AcceptanceRule.ALL_PASS, after)
    if rule == AcceptanceRule.ALL_PASS and "min_score" in table:
        raise m.error(
            "[acceptance].min_score applies to rule = 'weighted_score'; all_pass uses each criterion's pass mark",
            "min_score",
            after,
        )
    min_score = m.number(table, "min_score", "[acceptance]", 0.75, after)
    if not 0 < min_score <= 1:
        raise m.error(
            f"[acceptance].min_score is on 0-1 and must be in (0, 1]; found {min_score:g}", "min_score", after
        )
    return Acceptance(rule, min_score)


def _reviews_file(m: _Manifest, table: dict[str, Any], after: int) -> FileSpec:
    """``[reviews]``'s file: a table, or Scale's GenAI export (``format = "scale"``) with ``deliverable_field``, the
    dotted path in each task to the id of the deliverable it reviews (kept as the file's ``item_field``)."""
    file = _file_spec(m, table, "[reviews]", REVIEW_REQUIRED, after)
    if file.native and file.format != "scale":
        raise m.error(
            "[reviews].format must be a table format (csv, tsv, jsonl, json, parquet, xlsx) or scale (Scale's GenAI "
            "export, whose rubric evaluations are the reviews)",
            "format",
            after,
        )
    if "deliverable_field" not in table and file.format == "scale":
        raise m.error(
            '[reviews] format = "scale" needs deliverable_field: the task field naming the deliverable each task '
            'reviews, e.g. "metadata.deliverable_id" (or "task_id" when the deliverables are keyed by Scale task)',
            "format",
            after,
        )
    if "deliverable_field" not in table:
        return file
    if file.format != "scale":
        raise m.error('[reviews].deliverable_field applies to format = "scale" only', "deliverable_field", after)
    deliverable = m.string(table, "deliverable_field", "[reviews]")
    return replace(file, item_field=deliverable)


def _reviews(m: _Manifest, data: dict[str, Any]) -> ReviewsSpec:
    """``[reviews]``: the reviews file (deliverable, reviewer, criterion, score) and the gold reviewers."""
    if "reviews" not in data:
        raise m.error(
            'a graded task needs a [reviews] table: path = "reviews.csv" (deliverable, reviewer, criterion, score)'
        )
    table = m.table(data, "reviews", "manifest")
    after = m.section_line("[reviews]")
    m.check_keys(table, _REVIEWS_KEYS, "[reviews]", after)
    file = _reviews_file(m, table, after)
    named = {}
    for key, example in (("gold_reviewers", "lab_expert"), ("judges", "llm-judge")):
        ids = table.get(key, [])
        if not isinstance(ids, list) or not all(isinstance(g, str) and g.strip() for g in ids):
            raise m.error(f'[reviews].{key} must be a list of reviewer ids, e.g. ["{example}"]', key, after)
        named[key] = tuple(clean_name(g) for g in ids)
    both = set(named["gold_reviewers"]) & set(named["judges"])
    if both:
        raise m.error(f"[reviews]: {sorted(both)[0]!r} is both a gold reviewer and a judge", "judges", after)
    return ReviewsSpec(file, named["gold_reviewers"], named["judges"])

"""The :class:`Dataset` a project's files become: kept judgments, gold, the ledger and the notes.

Reading (:mod:`labeleval.io.pipeline`) never drops a row silently: each input row is kept or quarantined (see
:mod:`labeleval.io.normalize`), and the ledger reconciles per file. Findings that are not row-level
problems (gold for items nobody labelled, items with a single judgment) become ``notes``; findings that
make scoring impossible (a vendor with no usable rows) become ``problems``, which ``evaluate`` raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from labeleval.errors import InsufficientDataError
from labeleval.io.items import empty_items, gold_metadata, normalize_items
from labeleval.io.normalize import Billing, normalize_gold
from labeleval.io.source import read_plain, read_source, source_name
from labeleval.metrics.sets import members
from labeleval.project.manifest import Project
from labeleval.project.schema import CONSOLIDATED, CONSOLIDATED_ONLY, LedgerBuilder

NOTE_COLUMNS = ("level", "code", "vendor", "count", "message")


@dataclass(frozen=True)
class Dataset:
    """A project's data after reading: kept judgments, gold, the ledger and what was noticed."""

    project: Project
    annotations: pd.DataFrame
    gold: pd.Series
    ledger: pd.DataFrame
    quarantine: pd.DataFrame
    notes: pd.DataFrame
    billing: Mapping[str, Billing] = field(default_factory=dict)
    problems: tuple[str, ...] = field(default_factory=tuple)
    #: Item metadata (``[items]`` table and ``[gold] metadata`` columns), text, indexed by item_id.
    items: pd.DataFrame = field(default_factory=empty_items)
    #: Vendors whose rows are one consolidated answer per item (annotator ``consolidated``), compared as a consensus
    consolidated: frozenset[str] = frozenset()

    def raise_problems(self) -> None:
        if self.problems:
            raise InsufficientDataError("; ".join(self.problems))


def read_gold(project: Project, ledger: LedgerBuilder) -> tuple[pd.Series, pd.DataFrame]:
    """The project's gold labels (empty without a gold file) and the item metadata its file carries."""
    gold = pd.Series(
        pd.Categorical([], categories=list(project.task.labels)),
        index=pd.Index([], name="item_id", dtype="str"),
        name="gold_label",
    )
    from_gold = empty_items()
    if project.gold is not None:
        spec = project.gold
        name = source_name(spec, project.root)
        source = read_source(spec, name, gold=True)
        raw = source.raw
        gold, quarantine = normalize_gold(
            raw,
            file=name,
            columns=source.columns,
            labels=project.task.labels,
            label_map=spec.label_map,
            kind=project.task.kind,
            value_range=project.task.value_range,
            separator=project.task.separator,
        )
        ledger.add_file(name, "gold", raw.rows_read, len(gold), quarantine)
        from_gold = gold_metadata(raw, columns=dict(spec.columns), metadata=project.gold_metadata, file=name)
    return gold, from_gold


def read_item_table(project: Project, ledger: LedgerBuilder) -> pd.DataFrame:
    """The ``[items]`` table's metadata (empty without one)."""
    if project.items is None:
        return empty_items()
    spec = project.items.file
    name = source_name(spec, project.root)
    raw = read_plain(spec, name)
    item_meta, quarantine = normalize_items(raw, file=name, columns=dict(spec.columns), metadata=project.items.metadata)
    ledger.add_file(name, "items", raw.rows_read, len(item_meta), quarantine)
    return item_meta


def assemble(
    project: Project,
    frames: list[pd.DataFrame],
    gold: pd.Series,
    ledger: LedgerBuilder,
    billing: dict[str, Billing],
    native_notes: list[tuple[str, str]],
    items: pd.DataFrame,
) -> Dataset:
    """One Dataset from the vendors' kept rows (in manifest order; categorical ids), gold, the ledger and billing
    facts (:meth:`labeleval.io.combine.Combiner.finish`)."""
    labels = project.task.labels
    vendor_names = [v.name for v in project.vendors]
    if project.task.numeric:
        frames, gold = _numeric_categories(frames, gold)
        labels = tuple(gold.cat.categories)
    elif project.task.kind == "multilabel":
        frames, gold = _set_categories(frames, gold, project.task.labels)
        labels = tuple(gold.cat.categories)
    for frame in frames:  # shared categories, so that concat keeps both columns categorical
        frame["vendor"] = frame["vendor"].cat.set_categories(vendor_names)
        frame["label"] = frame["label"].cat.set_categories(list(labels), ordered=project.task.kind != "nominal")
    annotations = pd.concat(frames, ignore_index=True)
    ledger_frame = ledger.ledger()
    notes, problems = _findings(project, annotations, gold, ledger_frame)
    if native_notes:  # what a vendor's export format cannot tell (no worker ids, estimated seconds ...)
        extra = pd.DataFrame(
            [{"level": "info", "code": "FORMAT_NOTE", "vendor": v, "count": 0, "message": m} for v, m in native_notes]
        )
        notes = pd.concat([notes, extra.astype({"count": "int64"})], ignore_index=True)
    return Dataset(
        project=project,
        annotations=annotations,
        gold=gold,
        ledger=ledger_frame,
        quarantine=ledger.quarantine(),
        notes=notes,
        billing=billing,
        problems=tuple(problems),
        items=items,
        consolidated=frozenset(notes.loc[notes["code"] == CONSOLIDATED_ONLY, "vendor"].astype(str)),
    )


def value_text(values: np.ndarray) -> np.ndarray:
    """Category names of numeric values: as short as possible without losing precision."""
    return np.asarray([format(float(v), ".12g") for v in values], dtype=object)


def _numeric_categories(frames: list[pd.DataFrame], gold: pd.Series) -> tuple[list[pd.DataFrame], pd.Series]:
    """Numeric labels become ordered categories (every distinct value seen in any batch or in gold), so that
    the shared count matrix, alpha at the interval and ratio levels and the bootstrap work unchanged."""
    parts = [f["label"].to_numpy(dtype=np.float64) for f in frames] + [np.asarray(gold, dtype=np.float64)]
    distinct = np.unique(np.concatenate(parts)) if parts else np.zeros(0)
    # values equal to 12 significant digits (0.3 and 0.30000000000000004) are one value, not two categories
    group, uniques = pd.factorize(pd.Series(value_text(distinct), dtype=object))
    names = [str(u) for u in uniques]
    for frame in frames:
        codes = group[np.searchsorted(distinct, frame["label"].to_numpy(dtype=np.float64))]
        frame["label"] = pd.Categorical.from_codes(codes, categories=names, ordered=True)
    gold_codes = group[np.searchsorted(distinct, np.asarray(gold, dtype=np.float64))]
    gold = pd.Series(
        pd.Categorical.from_codes(gold_codes, categories=names, ordered=True), index=gold.index, name="gold_label"
    )
    return frames, gold


def _set_categories(
    frames: list[pd.DataFrame], gold: pd.Series, vocabulary: tuple[str, ...]
) -> tuple[list[pd.DataFrame], pd.Series]:
    """Each distinct label set seen becomes a category (ordered by size, then by the declared labels), so
    exact-set agreement, majority vote and the bootstrap work on the shared count matrix."""
    seen = set().union(*(set(f["label"].astype(str)) for f in frames), set(map(str, gold)))
    position = {lab: i for i, lab in enumerate(vocabulary)}

    def key(text: str) -> tuple[int, list[int]]:
        labels = members(text)
        return (len(labels), [position[m] for m in labels])

    names = sorted(seen, key=key)
    for frame in frames:
        frame["label"] = pd.Categorical(frame["label"].astype(str), categories=names)
    gold = pd.Series(
        pd.Categorical(np.asarray(gold, dtype=object).astype(str), categories=names),
        index=gold.index,
        name="gold_label",
    )
    return frames, gold


def _findings(
    project: Project, annotations: pd.DataFrame, gold: pd.Series, ledger: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[dict[str, object]] = []
    problems: list[str] = []

    def note(level: str, code: str, vendor: str, count: int, message: str) -> None:
        notes.append({"level": level, "code": code, "vendor": vendor, "count": count, "message": message})

    item_codes, items = pd.factorize(annotations["item_id"])
    item_is_gold = np.zeros(len(items), dtype=bool)
    if len(gold):
        orphan = pd.Index(gold.index).get_indexer(pd.Index(items))  # each item's gold row, -1 for none
        item_is_gold = orphan >= 0
        seen_gold = np.zeros(len(gold), dtype=bool)
        seen_gold[orphan[item_is_gold]] = True
        if not seen_gold.all():
            count = int((~seen_gold).sum())
            examples = ", ".join(map(str, gold.index[~seen_gold][:3]))
            note(
                "warning",
                "GOLD_UNLABELLED",
                "gold",
                count,
                f"{count} gold items were labelled by no vendor (e.g. {examples}); they are not scored",
            )
    vendor_codes = annotations["vendor"].cat.codes.to_numpy()
    for index, vendor in enumerate(project.vendors):
        rows = ledger.loc[ledger["vendor"] == vendor.name]
        read = int(rows["rows_read"].sum())
        mine = vendor_codes == index
        if not mine.any():
            problems.append(f"vendor {vendor.name!r} has no usable rows ({read} read, all quarantined; see the ledger)")
            continue
        counts = np.bincount(item_codes[mine], minlength=len(items))
        labelled = counts > 0
        single = int((counts == 1).sum())
        if (annotations.loc[mine, "annotator_id"].astype(str) == CONSOLIDATED).all():
            note(
                "info",
                CONSOLIDATED_ONLY,
                vendor.name,
                int(labelled.sum()),
                "one consolidated answer per item and no per-annotator judgments: compared as a consensus (consensus "
                "accuracy and cost); its per-judgment accuracy and agreement within it are not measured",
            )
        elif single:
            note(
                "info",
                "SINGLE_JUDGMENT_ITEMS",
                vendor.name,
                single,
                f"{single} of {int(labelled.sum())} items have one judgment only; they cannot show agreement",
            )
        if len(gold) and not (labelled & item_is_gold).any():
            note(
                "warning",
                "NO_GOLD_ITEMS",
                vendor.name,
                0,
                "no gold items were labelled by this vendor; accuracy is not measured",
            )
        if vendor.pricing.model == "hourly":
            if "duration_s" not in annotations.columns or annotations.loc[mine, "duration_s"].isna().all():
                problems.append(
                    f"vendor {vendor.name!r} is priced hourly but its file has no duration column; map one as "
                    f'columns = {{ duration_s = "..." }}'
                )
            else:
                missing = int(annotations.loc[mine, "duration_s"].isna().sum())
                if missing:
                    note(
                        "warning",
                        "MISSING_DURATION",
                        vendor.name,
                        missing,
                        f"{missing} judgments have no duration; hours are summed over the rest",
                    )
    frame = pd.DataFrame(notes, columns=list(NOTE_COLUMNS)).astype({"count": "int64"})
    return frame, problems

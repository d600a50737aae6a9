"""Read every file of a :class:`Project` into one canonical frame, with the ledger and notes.

``load_data`` never drops a row silently: each input row is kept or quarantined (see
:mod:`labeleval.io.normalize`), and the ledger reconciles per file. Findings that are not row-level
problems (gold for items nobody labelled, items with a single judgment) become ``notes``; findings that
make scoring impossible (a vendor with no usable rows) become ``problems``, which ``evaluate`` raises.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from labeleval.errors import InsufficientDataError, LabelevalError
from labeleval.io.normalize import Billing, normalize_batch, normalize_gold
from labeleval.io.readers import read_table
from labeleval.project import DURATION_UNITS, Project
from labeleval.schema import LedgerBuilder

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

    def raise_problems(self) -> None:
        if self.problems:
            raise InsufficientDataError("; ".join(self.problems))


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name


def load_data(project: Project) -> Dataset:
    """Read the gold file and every vendor file of ``project``."""
    ledger = LedgerBuilder()
    labels = project.task.labels
    gold = pd.Series(
        pd.Categorical([], categories=list(labels)),
        index=pd.Index([], name="item_id", dtype="str"),
        name="gold_label",
    )
    if project.gold is not None:
        spec = project.gold
        name = _display(spec.path, project.root)
        raw = read_table(spec.path, fmt=spec.format, encoding=spec.encoding, sheet=spec.sheet, display_name=name)
        gold, quarantine = normalize_gold(raw, file=name, columns=spec.columns, labels=labels, label_map=spec.label_map)
        ledger.add_file(name, "gold", raw.rows_read, len(gold), quarantine)

    frames: list[pd.DataFrame] = []
    billing: dict[str, Billing] = {}
    for vendor in project.vendors:
        spec = vendor.file
        name = _display(spec.path, project.root)
        raw = read_table(spec.path, fmt=spec.format, encoding=spec.encoding, sheet=spec.sheet, display_name=name)
        kept, quarantine, billing[vendor.name] = normalize_batch(
            raw,
            file=name,
            vendor=vendor.name,
            columns=spec.columns,
            labels=labels,
            label_map=spec.label_map,
            duration_factor=DURATION_UNITS[vendor.duration_unit],
            duplicates=project.duplicates,
        )
        ledger.add_file(name, vendor.name, raw.rows_read, len(kept), quarantine)
        frames.append(kept)

    vendor_names = [v.name for v in project.vendors]
    annotations = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    annotations["vendor"] = pd.Categorical(annotations["vendor"].astype("str"), categories=vendor_names)
    annotations["label"] = pd.Categorical(
        annotations["label"].astype("str"), categories=list(labels), ordered=project.task.kind == "ordinal"
    )
    ledger_frame = ledger.ledger()
    notes, problems = _findings(project, annotations, gold, ledger_frame)
    return Dataset(
        project=project,
        annotations=annotations,
        gold=gold,
        ledger=ledger_frame,
        quarantine=ledger.quarantine(),
        notes=notes,
        billing=billing,
        problems=tuple(problems),
    )


def _findings(
    project: Project, annotations: pd.DataFrame, gold: pd.Series, ledger: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    notes: list[dict[str, object]] = []
    problems: list[str] = []

    def note(level: str, code: str, vendor: str, count: int, message: str) -> None:
        notes.append({"level": level, "code": code, "vendor": vendor, "count": count, "message": message})

    labelled = pd.Index(annotations["item_id"].unique())
    if len(gold):
        orphan = ~gold.index.isin(labelled)
        if orphan.any():
            examples = ", ".join(map(str, gold.index[orphan][:3]))
            note(
                "warning",
                "GOLD_UNLABELLED",
                "gold",
                int(orphan.sum()),
                f"{int(orphan.sum())} gold items were labelled by no vendor (e.g. {examples}); they are not scored",
            )
    for vendor in project.vendors:
        rows = ledger.loc[ledger["vendor"] == vendor.name]
        read = int(rows["rows_read"].sum())
        sub = annotations.loc[annotations["vendor"] == vendor.name] if read else annotations.iloc[:0]
        if len(sub) == 0:
            problems.append(f"vendor {vendor.name!r} has no usable rows ({read} read, all quarantined; see the ledger)")
            continue
        counts = sub.groupby("item_id", observed=True).size()
        single = int((counts == 1).sum())
        if single:
            note(
                "info",
                "SINGLE_JUDGMENT_ITEMS",
                vendor.name,
                single,
                f"{single} of {len(counts)} items have one judgment only; they cannot show agreement",
            )
        if len(gold):
            seen = int(counts.index.isin(gold.index).sum())
            if seen == 0:
                note(
                    "warning",
                    "NO_GOLD_ITEMS",
                    vendor.name,
                    0,
                    "no gold items were labelled by this vendor; accuracy is not measured",
                )
        if vendor.pricing.model == "hourly":
            if "duration_s" not in sub.columns:
                problems.append(
                    f"vendor {vendor.name!r} is priced hourly but its file has no duration column; map one as "
                    f'columns = {{ duration_s = "..." }}'
                )
            else:
                missing = int(sub["duration_s"].isna().sum())
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


def check_reconciles(ledger: pd.DataFrame) -> None:
    """Raise if any file's rows read differ from kept + quarantined (an internal invariant)."""
    diff = ledger["rows_read"].to_numpy() - ledger["kept"].to_numpy() - ledger["quarantined"].to_numpy()
    if np.any(diff != 0):
        raise LabelevalError(f"ledger does not reconcile: {ledger[diff != 0].to_dict('records')}")

"""``read_file``: what one vendor file yields as canonical rows, and its ledger -- check a reader before scoring.

The same code as scoring runs (native reader or table reader, then the normaliser), so what it prints is
what ``evaluate()`` would keep and quarantine. Without ``labels`` every label the file holds is accepted
(nothing is UNKNOWN_LABEL); give the task's labels to see which ones a ``label_map`` still has to map.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError
from labeleval.io.formats import (
    NATIVE_FORMATS,
    REGISTRY,
    ReadOptions,
    metadata_fields,
    read_native,
    sniff,
    suggest_item_field,
)
from labeleval.io.formats.guess import duration_factor_from_name, guess_columns
from labeleval.io.normalize import Billing, normalize_batch
from labeleval.io.readers import FORMATS, RawTable, read_table
from labeleval.options import DurationUnit, parse_option
from labeleval.project.schema import LedgerBuilder

CANONICAL_OUT = ("item_id", "annotator_id", "label", "duration_s", "submitted_at", "cost", "batch_id")


@dataclass(frozen=True)
class FileReading:
    """What :func:`read_file` found: canonical ``rows`` (with the source ``line``), the ``quarantine``
    (every row not kept, with reason and line), the one-line ``ledger``, the ``format`` used, the column
    ``mapping`` applied to a plain table, the reader's ``notes`` and the ``billing`` facts."""

    rows: pd.DataFrame
    quarantine: pd.DataFrame
    ledger: pd.DataFrame
    format: str
    mapping: Mapping[str, str]
    notes: tuple[str, ...]
    billing: Billing
    #: item metadata the export carries, where asked for (``metadata``): text, indexed by item_id
    items: pd.DataFrame | None = None


def read_file(
    path: str | Path,
    *,
    format: str | None = None,
    question: str | None = None,
    labels: Sequence[str] | None = None,
    label_map: Mapping[str, str] | None = None,
    columns: Mapping[str, str] | None = None,
    item_field: str | None = None,
    annotator_field: str | None = None,
    rates: str | Path | None = None,
    duration_unit: str = "s",
    bill_excluded: bool = False,
    worker_responses: str | Path | None = None,
    metadata: Sequence[str] | None = None,
    reviewers: Sequence[str] | None = None,
) -> FileReading:
    """Read one vendor file the way scoring would and return its canonical rows and ledger.

    ``format`` is a native format (``label_studio``, ``scale``, ``surge``, ``toloka`` ...) or a table
    format (``csv``, ``jsonl`` ...); by default the content is sniffed for a native format, else the
    extension decides and the columns are guessed by name and content (or given in ``columns``).

    Examples
    --------
    >>> import labeleval as le
    >>> reading = le.read_file("sample_data/content_safety/label_studio_export.json")  # doctest: +SKIP
    >>> reading.ledger  # doctest: +SKIP
    """
    file = Path(path)
    if not file.is_file():
        raise AdapterError(f"{file.name}: file not found ({file})")
    unit = parse_option(DurationUnit, duration_unit, "duration_unit")
    options = ReadOptions(
        question=question,
        item_field=item_field,
        annotator_field=annotator_field,
        rates=Path(rates) if rates is not None else None,
        duration_factor=unit.seconds,
        extra=dict(columns or {}),
        worker_responses=Path(worker_responses) if worker_responses is not None else None,
        metadata=tuple(metadata or ()),
        reviewers=tuple(str(r) for r in reviewers or ()),
    )
    raw, fmt, mapping, factor = _read(file, format, options, guess_unit=duration_unit == "s")
    task_labels = list(labels) if labels else _labels_found(raw, mapping, label_map or {})
    raw = replace(raw, frame=raw.frame.assign(_source_line=raw.line))  # carried through as metadata
    name = file.name
    kept, quarantine, billing = normalize_batch(
        raw,
        file=name,
        vendor=file.stem,
        columns=mapping,
        labels=task_labels,
        label_map=label_map,
        duration_factor=factor,
        duplicates="keep_all",
        bill_excluded=bill_excluded,
    )
    ledger = LedgerBuilder()
    ledger.add_file(name, file.stem, raw.rows_read, len(kept), quarantine)
    rows = kept[[c for c in CANONICAL_OUT if c in kept.columns]].copy()
    rows["label"] = rows["label"].astype("object")
    rows.insert(0, "line", kept["_source_line"].to_numpy(np.int64))
    return FileReading(
        rows=rows,
        quarantine=quarantine,
        ledger=ledger.ledger(),
        format=str(fmt),
        mapping=mapping,
        notes=(
            *raw.notes,
            *_id_field_notes(file, str(fmt), item_field, annotator_field),
            *_metadata_notes(file, str(fmt), metadata),
        ),
        billing=billing,
        items=raw.items,
    )


def _id_field_notes(file: Path, fmt: str, item_field: str | None, annotator_field: str | None) -> list[str]:
    """Where a native export's default ids are the platform's (Label Studio's task id) and the export also
    carries the customer's own (``data.item_id``), say so: a gold file knows the customer's ids, not the
    platform's, and scoring on the wrong one joins nothing."""
    out = []
    for canonical, given, flag in (("item_id", item_field, "item"), ("annotator_id", annotator_field, "annotator")):
        found = None if given is not None else suggest_item_field(file, fmt, canonical)
        if found is not None:
            out.append(
                f"{flag} ids are the platform's; this export also holds {found!r}, your own id (the one a gold file "
                f'uses): read it with --{flag}-field {found} (manifest: {flag}_field = "{found}")'
            )
    return out


def _metadata_notes(file: Path, fmt: str, asked: Sequence[str] | None) -> list[str]:
    """Where a native export carries item fields (language, domain, text) and none were asked for, say which."""
    if asked or fmt not in REGISTRY or not REGISTRY[fmt].takes_metadata:
        return []
    fields = metadata_fields(file, fmt)
    if not fields:
        return []
    listed = ", ".join(f'"{f}"' for f in fields)
    return [
        f"the export also carries item fields ({', '.join(fields)}): keep them as item metadata, to slice by or "
        f"show, with --metadata {','.join(fields)} (manifest: metadata = [{listed}])"
    ]


def _read(
    file: Path, fmt: str | None, options: ReadOptions, *, guess_unit: bool
) -> tuple[RawTable, str, dict[str, str], float]:
    """(records, format used, column mapping, seconds per duration unit) for a native format or a table."""
    fmt = fmt or sniff(file)
    mapping = dict(options.extra)
    if fmt in NATIVE_FORMATS:
        raw = read_native(file, str(fmt), name=file.name, options=options, columns=mapping)
        return raw, str(fmt), {}, 1.0  # canonical columns, seconds already
    if fmt is not None and fmt not in FORMATS:
        known = ", ".join([*NATIVE_FORMATS, *FORMATS])
        raise AdapterError(f"{file.name}: unknown format {fmt!r}; expected one of {known}")
    raw = read_table(file, fmt=fmt, display_name=file.name)
    guessed = guess_columns(raw.frame, ("item_id", "annotator_id", "label", "duration_s", "submitted_at"))
    for canonical, column in guessed.items():
        mapping.setdefault(canonical, column)
    factor = options.duration_factor
    if "duration_s" in mapping and guess_unit:
        factor = duration_factor_from_name(mapping["duration_s"]) or 1.0
    return raw, raw.fmt, mapping, factor


def _labels_found(raw: RawTable, mapping: Mapping[str, str], label_map: Mapping[str, str]) -> list[str]:
    column = mapping.get("label", "label")
    if column not in raw.frame.columns:
        return ["(none)", "(none 2)"]
    values = raw.frame[column].dropna().astype(str).str.strip()
    found = sorted({label_map.get(v, v) for v in values if v})
    return found if len(found) >= 2 else [*found, "(no other label)"][:2] if found else ["(none)", "(none 2)"]

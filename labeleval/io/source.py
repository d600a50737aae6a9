"""One entry point for reading a manifest's file: a plain table, or a vendor's own export format."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from labeleval.io.formats import NATIVE_FORMATS, ReadOptions, read_native
from labeleval.io.readers import RawTable, read_frame, read_table

if TYPE_CHECKING:
    from labeleval.project.manifest import FileSpec


def display_name(path: Path, root: Path) -> str:
    """A file as messages and the ledger name it: its path within the project folder, else its name."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return path.name


def source_name(spec: FileSpec, root: Path) -> str:
    """What messages and the ledger call a manifest's input: an in-memory frame's own name, else its file's."""
    return spec.name if spec.name is not None else display_name(spec.path, root)


def read_plain(spec: FileSpec, name: str, columns: Collection[str] | None = None) -> RawTable:
    """A table (an in-memory frame, or a table file) as read, without a vendor format's reader."""
    if spec.frame is not None:
        return read_frame(spec.frame, name, columns=columns)
    return read_table(
        spec.path, fmt=spec.format, encoding=spec.encoding, sheet=spec.sheet, display_name=name, columns=columns
    )


@dataclass(frozen=True)
class Source:
    """A file as read, with the column mapping and duration factor the normaliser should apply."""

    raw: RawTable
    columns: Mapping[str, str]
    duration_factor: float


def read_source(
    spec: FileSpec,
    name: str,
    *,
    gold: bool = False,
    rates: Path | None = None,
    duration_factor: float = 1.0,
    columns: Collection[str] | None = None,
    currency: str | None = None,
    worker_responses: Path | None = None,
    metadata: tuple[str, ...] = (),
    reviewers: tuple[str, ...] = (),
) -> Source:
    """Read ``spec``: native formats give canonical columns (seconds already), tables keep their mapping;
    ``columns``: the columns of a table file to read (None: all)."""
    if spec.format in NATIVE_FORMATS and spec.frame is None:
        options = ReadOptions(
            question=spec.question,
            item_field=spec.item_field,
            annotator_field=spec.annotator_field,
            rates=rates,
            duration_factor=duration_factor,
            currency=currency,
            encoding=spec.encoding,
            sheet=spec.sheet,
            extra=dict(spec.columns),
            worker_responses=worker_responses,
            metadata=metadata,
            reviewers=reviewers,
        )
        raw = read_native(
            spec.path, str(spec.format), name=name, options=options, columns=dict(spec.columns), gold=gold
        )
        return Source(raw, {}, 1.0)
    return Source(read_plain(spec, name, columns), spec.columns, duration_factor)

"""Native readers for vendors' own export formats, chosen by ``format = "..."`` in the manifest.

Each reader is written from the owner's public documentation or SDK (cited in its module) and returns a
:class:`~labeleval.io.readers.RawTable` of canonical columns with source lines, plus the rows it set
aside (rejected, cancelled, reviewer annotations, tasks not completed, no answer) with a reason code.
``REGISTRY`` maps a format name to its reader; :func:`sniff` tells a file's format from its content.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from labeleval.errors import AdapterError
from labeleval.io.formats import label_studio, labelbox, sagemaker, scale, surge, surge_flat, timesheet, toloka
from labeleval.io.formats.base import NATIVE_JSON_LEVELS, ReadOptions
from labeleval.io.formats.guess import NAME_HINTS, normal
from labeleval.io.readers import RawTable, load_json, too_deep
from labeleval.limits import current as current_limits
from labeleval.options import EXPORT_FORMATS
from labeleval.tuning import FORMAT_SNIFF_BYTES

Reader = Callable[..., RawTable]


@dataclass(frozen=True)
class NativeFormat:
    """A vendor export format: how to read it, and (where the format carries gold) how to read its gold."""

    name: str
    title: str
    read: Reader
    read_gold: Reader | None = None
    #: readers that accept a ``columns`` mapping for fields they cannot find by name
    takes_columns: bool = False
    #: readers that keep item metadata named by dotted paths into each record (``ReadOptions.metadata``)
    takes_metadata: bool = True


REGISTRY: Final[dict[str, NativeFormat]] = {
    f.name: f
    for f in (
        NativeFormat("label_studio", EXPORT_FORMATS["label_studio"], label_studio.read),
        NativeFormat("label_studio_min", EXPORT_FORMATS["label_studio_min"], label_studio.read_min),
        NativeFormat("scale", EXPORT_FORMATS["scale"], scale.read),
        NativeFormat("surge", EXPORT_FORMATS["surge"], surge.read, surge.read_gold),
        NativeFormat("labelbox", EXPORT_FORMATS["labelbox"], labelbox.read),
        NativeFormat("toloka", EXPORT_FORMATS["toloka"], toloka.read, toloka.read_gold, takes_metadata=False),
        NativeFormat("sagemaker_gt", EXPORT_FORMATS["sagemaker_gt"], sagemaker.read),
        NativeFormat(
            "timesheet", EXPORT_FORMATS["timesheet"], timesheet.read, takes_columns=True, takes_metadata=False
        ),
        NativeFormat("llm", EXPORT_FORMATS["llm"], timesheet.read_llm, takes_columns=True, takes_metadata=False),
    )
}
NATIVE_FORMATS: Final[tuple[str, ...]] = tuple(REGISTRY)

_JSON_CHECKS: Final = (
    ("label_studio", label_studio.looks_like),
    ("surge", surge.looks_like),
    ("scale", scale.looks_like),
    ("labelbox", labelbox.looks_like),
    ("sagemaker_gt", sagemaker.looks_like),
    ("surge", surge_flat.looks_like),
    ("label_studio_min", label_studio.looks_like_min),
)


def sniff(path: Path, encoding: str = "utf-8") -> str | None:
    """The native format a file's content looks like, or None (then it is a plain table)."""
    try:
        head = path.open("rb").read(FORMAT_SNIFF_BYTES).decode(encoding, errors="replace").lstrip("\ufeff")
    except OSError:
        return None
    stripped = head.lstrip()
    if stripped[:1] in ("[", "{"):
        record = _first_record(stripped)
        if isinstance(record, dict):
            for name, check in _JSON_CHECKS:
                if check(record):
                    return name
        return None
    first_line = stripped.split("\n", 1)[0]
    columns = [c.strip().strip('"') for c in first_line.replace("\t", ",").split(",")]
    if toloka.looks_like(columns):
        return "toloka"
    if surge_flat.looks_like_columns(columns):
        return "surge"
    if "annotator" in columns and "annotation_id" in columns:
        return "label_studio_min"
    return None


#: Where each JSON format keeps the customer's own data (item ids the gold file also uses live there).
#: Ground Truth keeps them beside ``source`` / ``source-ref`` on the manifest line itself ("").
_DATA_OBJECTS: Final = {"label_studio": "data", "scale": "metadata", "surge": "fields", "sagemaker_gt": ""}
#: hints that name the format's own default id, not the customer's
_DEFAULT_IDS: Final = frozenset({"id", "source_ref", "source", "datasetobjectid"})


def suggest_item_field(path: Path, fmt: str, canonical: str = "item_id") -> str | None:
    """A dotted path to the customer's own item id in a JSON export (``data.item_id``), when one is there.

    The format's default item id is the platform's task id, which the gold file does not know; a field named
    like an item id inside the task's data (Label Studio ``data``, Scale ``metadata``, Surge ``fields``) is
    the better guess. None when there is no such field. ``canonical = "annotator_id"`` looks for a worker
    field the same way (Scale's task object names none).
    """

    container = _DATA_OBJECTS.get(fmt)
    if container is None:
        return None
    try:
        head = path.open("rb").read(FORMAT_SNIFF_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    except OSError:
        return None
    record = _first_record(head)
    task = record.get("task", record) if isinstance(record, dict) else None
    data = task if container == "" else task.get(container) if isinstance(task, dict) else None
    if not isinstance(data, dict):
        return None
    names = {normal(k): k for k in data}
    for hint in NAME_HINTS[canonical]:
        if hint not in _DEFAULT_IDS and hint in names:
            return f"{container}.{names[hint]}" if container else names[hint]
    return None


def metadata_fields(path: Path, fmt: str) -> list[str]:
    """Dotted paths to the item fields a JSON export's first record carries beside its ids (``data.lang``,
    ``metadata.domain``), which ``metadata = [...]`` can keep as item metadata; [] when there are none."""
    container = _DATA_OBJECTS.get(fmt)
    if container is None:
        return []
    try:
        head = path.open("rb").read(FORMAT_SNIFF_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    except OSError:
        return []
    record = _first_record(head)
    task = record.get("task", record) if isinstance(record, dict) else None
    data = task if container == "" else task.get(container) if isinstance(task, dict) else None
    if not isinstance(data, dict):
        return []
    fields = [
        str(k)
        for k, v in data.items()
        if normal(k) not in _DEFAULT_IDS
        and not str(k).endswith("-metadata")
        and not isinstance(v, dict | list)
        and normal(k) not in ("item_id", "task_id", "worker_id")
    ]
    return [f"{container}.{k}" if container else k for k in fields][:12]


def _first_record(text: str) -> object:
    line = text.split("\n", 1)[0]
    depth = current_limits().json_depth + NATIVE_JSON_LEVELS
    value, problem = load_json(line, depth)
    if not problem:
        return value[0] if isinstance(value, list) and value else value
    decoder = json.JSONDecoder()
    body = text[1:].lstrip() if text.startswith("[") else text
    if too_deep(body, depth):
        return None
    try:
        value, _ = decoder.raw_decode(body)
    except (json.JSONDecodeError, RecursionError):
        return None
    return value


def read_native(
    path: Path,
    fmt: str,
    *,
    name: str,
    options: ReadOptions,
    columns: dict[str, str] | None = None,
    gold: bool = False,
) -> RawTable:
    """Read ``path`` with the native reader ``fmt`` (its gold reader when ``gold``)."""
    if fmt not in REGISTRY:
        raise AdapterError(f"{name}: unknown format {fmt!r}; native formats: {', '.join(REGISTRY)}")
    spec = REGISTRY[fmt]
    if options.metadata and not spec.takes_metadata:
        raise AdapterError(
            f"{name}: the {fmt} reader keeps no item metadata from the export; give the items' metadata as [items]"
        )
    if not path.is_file():
        raise AdapterError(f"{name}: file not found ({path})")
    if gold:
        if spec.read_gold is None:
            raise AdapterError(f"{name}: the {fmt} format carries no gold answers; give [gold] a table instead")
        return spec.read_gold(path, name=name, options=options)
    if spec.takes_columns:
        return spec.read(path, name=name, options=options, columns=columns)
    return spec.read(path, name=name, options=options)


__all__ = [
    "NATIVE_FORMATS",
    "REGISTRY",
    "NativeFormat",
    "ReadOptions",
    "metadata_fields",
    "read_native",
    "sniff",
    "suggest_item_field",
]

"""Item metadata: what each item is (language, domain, difficulty, text or URL ...), for slicing and display.

Two sources, both declared in the manifest: an ``[items]`` table (a file with one row per item id) and
extra columns of the gold file (``[gold] metadata = ["language", ...]``). Where both give a column for the
same item, the ``[items]`` table wins. Every row of an ``[items]`` file is kept or quarantined (an empty
item id: ``MISSING_VALUE``; an item id given again: ``DUPLICATE_ITEM``, first kept), and the file has its
own line in the ledger. Values are kept as text (a missing value stays missing).

The columns ``text`` and ``url`` (if declared) are what the app's Items page shows next to each item.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from labeleval.errors import SchemaError
from labeleval.io.formats.base import METADATA_RESERVED
from labeleval.io.normalize import _missing, _Quarantine, as_id_strings, resolve_columns
from labeleval.io.readers import RawTable
from labeleval.options import Reason

#: Metadata column names that would clash with the columns of the report's frames.
RESERVED = METADATA_RESERVED


def empty_items() -> pd.DataFrame:
    return pd.DataFrame(index=pd.Index([], name="item_id", dtype="str"))


def _select(raw: RawTable, id_column: str, metadata: Sequence[str], file: str) -> list[str]:
    present = [str(c) for c in raw.frame.columns]
    chosen = list(metadata) if metadata else [c for c in present if c != id_column]
    missing = [c for c in chosen if c not in present]
    if missing:
        raise SchemaError(
            f"{file}: metadata column(s) {', '.join(map(repr, missing))} not found; the file has columns: "
            f"{', '.join(map(repr, present[:20]))}"
        )
    clash = [c for c in chosen if c in RESERVED]
    if clash:
        raise SchemaError(
            f"{file}: metadata column(s) {', '.join(map(repr, clash))} would clash with labeleval's own columns "
            f"({', '.join(RESERVED)}); rename them in the file"
        )
    return chosen


def _as_text(series: pd.Series) -> pd.Series:
    text = series.astype("object").where(series.notna(), None)
    return pd.Series(
        [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip() or None for v in text],
        index=series.index,
        dtype="object",
    )


def normalize_items(
    raw: RawTable, *, file: str, columns: dict[str, str] | None, metadata: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An ``[items]`` file as (metadata frame indexed by item_id, quarantined rows)."""
    resolved = resolve_columns(raw, columns or {}, required=("item_id",), optional=(), file=file)
    id_column = resolved["item_id"]
    chosen = _select(raw, id_column, metadata, file)
    frame = raw.frame
    q = _Quarantine(raw, file, "items")
    q.flag(_missing(frame[id_column]), id_column, Reason.MISSING_VALUE, frame[id_column], "item_id is empty")
    item = as_id_strings(frame[id_column])
    ok = ~q.bad
    repeat = np.zeros(len(frame), dtype=bool)
    repeat[np.flatnonzero(ok)[pd.Series(item.to_numpy()[ok]).duplicated(keep="first").to_numpy()]] = True
    q.flag(repeat, id_column, Reason.DUPLICATE_ITEM, item, "the same item id again (first kept)")
    keep = ~q.bad
    out = pd.DataFrame(
        {c: _as_text(frame[c])[keep].to_numpy() for c in chosen},
        index=pd.Index(item.to_numpy()[keep], name="item_id", dtype="str"),
    )
    return out, q.frame()


def gold_metadata(raw: RawTable, *, columns: dict[str, str] | None, metadata: Sequence[str], file: str) -> pd.DataFrame:
    """Extra columns of the gold file (the rows the gold kept are the first per item id)."""
    if not metadata:
        return empty_items()
    resolved = resolve_columns(raw, columns or {}, required=("item_id",), optional=(), file=file)
    chosen = _select(raw, resolved["item_id"], metadata, file)
    item = as_id_strings(raw.frame[resolved["item_id"]])
    frame = pd.DataFrame({c: _as_text(raw.frame[c]).to_numpy() for c in chosen}, index=pd.Index(item, name="item_id"))
    frame = frame[frame.index.notna()]
    return frame[~frame.index.duplicated(keep="first")]


def combine(table: pd.DataFrame, *others: pd.DataFrame) -> pd.DataFrame:
    """The ``[items]`` table's values, with each later source (the gold file's, then the vendors' exports, in
    order) filling only what the earlier ones lack."""
    for other in others:
        if other.empty:
            continue
        other = other[~other.index.duplicated(keep="first")]
        table = other if table.empty else table.combine_first(other)
    return table

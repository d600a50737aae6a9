"""Turn a :class:`RawTable` into canonical rows, quarantining every row that cannot be kept.

All checks are vectorised. Each bad row is quarantined once, with the first reason that applies, in the
order: malformed record, missing value, unknown label, bad timestamp, bad number, negative duration,
negative cost, duplicate judgment. The duplicate policy is explicit (``keep_last`` by default: a vendor's
later row for the same item and annotator replaces the earlier one, in file order).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from labeleval.errors import SchemaError
from labeleval.io.readers import LINE_WORD, RawTable
from labeleval.limits import MAX_AMOUNT, MAX_LABEL_VALUE
from labeleval.metrics.sets import EMPTY_SET, set_text
from labeleval.project.schema import (
    BAD_NUMBER,
    BAD_TIMESTAMP,
    BAD_VALUE,
    DUPLICATE_GOLD,
    DUPLICATE_JUDGMENT,
    MALFORMED_RECORD,
    MISSING_VALUE,
    NEGATIVE_COST,
    NEGATIVE_DURATION,
    OPTIONAL_COLUMNS,
    OUT_OF_RANGE,
    QUARANTINE_COLUMNS,
    REQUIRED_COLUMNS,
    UNKNOWN_LABEL,
    empty_quarantine,
)


@dataclass(frozen=True)
class Billing:
    """What a vendor delivered, for pricing: every row read counts, usable or not.

    ``rows``: rows delivered (kept and quarantined); ``items``: distinct item ids among them;
    ``seconds``: summed valid durations (None when the file has no duration column); ``row_cost``: summed
    per-row costs, over ``rows_with_cost`` rows that carry one (their ``seconds_with_cost`` are not billed
    again by an hourly rate).
    """

    rows: int
    items: int
    seconds: float | None
    row_cost: float = 0.0
    rows_with_cost: int = 0
    seconds_with_cost: float = 0.0
    #: summed token counts of a model vendor (``per_million_tokens`` pricing)
    input_tokens: float = 0.0
    output_tokens: float = 0.0
    #: rows a native reader set aside (rejected, cancelled ...) and whether they are billed
    excluded_rows: int = 0
    excluded_billed: bool = False


def resolve_columns(
    raw: RawTable, mapping: Mapping[str, str], *, required: Sequence[str], optional: Sequence[str], file: str
) -> dict[str, str]:
    """Return canonical -> source column names, checking that every required column is there."""
    present = set(raw.frame.columns)
    resolved: dict[str, str] = {}
    missing: list[str] = []
    for canonical in (*required, *optional):
        source = mapping.get(canonical, canonical)
        if source in present:
            resolved[canonical] = source
        elif canonical in required or canonical in mapping:
            missing.append(f"{source!r}" + (f" (for {canonical})" if source != canonical else ""))
            if canonical in required:
                resolved[canonical] = source  # only reached below when every record was malformed
    if missing and (len(raw.frame) or not raw.malformed):
        every = raw.columns_in_file if raw.columns_in_file is not None else list(raw.frame.columns)
        found = ", ".join(map(repr, every[:20])) or "none"
        if raw.fmt == "frame":  # evaluate(frame): the frame's names are mapped by a keyword, not a manifest
            hint = "evaluate(columns={" + ", ".join(f'"{c}": "..."' for c in required) + "})"
            raise SchemaError(
                f"{file}: missing column {', '.join(missing)}; the frame has columns: {found}. Map "
                f"its names to labeleval's with {hint}"
            )
        example = ", ".join(f'{c} = "..."' for c in required)
        raise SchemaError(
            f"{file} {'line 1' if raw.fmt in ('csv', 'tsv') else 'header'}: missing column "
            f"{', '.join(missing)}; the file has columns: {found}. Map the file's names to labeleval's "
            f"in the manifest, e.g. columns = {{ {example} }}"
        )
    return resolved


def _with_columns(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``frame`` with empty columns added for names it lacks (a file whose every record was malformed)."""
    absent = [c for c in columns if c not in frame.columns]
    return frame.reindex(columns=[*frame.columns, *absent]) if absent else frame


def _finite_numbers(series: pd.Series) -> pd.Series:
    """``series`` as float64; text that is not a number and non-finite values (inf, nan) become NaN."""
    values = pd.to_numeric(series, errors="coerce").astype("float64")
    return values.where(np.isfinite(values.to_numpy()))


def _missing(series: pd.Series) -> np.ndarray:
    """Null, empty or whitespace only (pyarrow's Unicode whitespace, as pandas' ``str.strip``)."""
    mask = series.isna().to_numpy()
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        text = series.array.__arrow_array__()  # no copy: the Arrow data behind the column
        blank = pc.or_kleene(pc.equal(pc.utf8_length(text), 0), pc.utf8_is_space(text)).fill_null(True)
        return mask | blank.to_numpy(zero_copy_only=False)  # a third of the time of stripping every value
    if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
        mask = mask | (series.astype("str").str.strip() == "").fillna(True).to_numpy(dtype=bool)
    return mask


def _has_repeats(item: np.ndarray, annotator: np.ndarray) -> bool:
    """Whether an (item, annotator) pair occurs twice. Rows grouped by item (as most exports list them: item
    codes in order of first appearance never decrease) with at most 16 judgments per item need only a
    comparison with the few rows before (linear time); otherwise the pairs' keys are sorted."""
    if len(item) < 2:
        return False
    if (item[1:] >= item[:-1]).all():
        longest = int(np.bincount(item).max())
        if longest <= 16:
            for lag in range(1, longest):
                if ((item[lag:] == item[:-lag]) & (annotator[lag:] == annotator[:-lag])).any():
                    return True
            return False
    ordered = np.sort(item * (int(annotator.max()) + 2) + annotator)
    return bool((ordered[1:] == ordered[:-1]).any())


def as_id_strings(series: pd.Series) -> pd.Series:
    """Identifiers as strings; integral floats (as Excel or Parquet give them) lose the '.0'.

    A float column with a missing value (a Parquet id column with one null) keeps its other ids as whole
    numbers (``1``, not ``1.0``, so that they still match gold); the missing ones stay missing.
    """
    if pd.api.types.is_float_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(values)
        if np.all(values[finite] == np.round(values[finite])) and np.all(np.abs(values[finite]) < 2**53):
            if finite.all():
                return series.astype("int64").astype("str")
            text = np.full(len(values), None, dtype=object)
            text[finite] = values[finite].astype(np.int64).astype(str)
            return pd.Series(text, index=series.index, dtype=object)
    if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object:
        return series
    return series.astype("str")


def _label_codes(
    series: pd.Series, labels: Sequence[str], label_map: Mapping[str, str]
) -> tuple[np.ndarray, np.ndarray]:
    """Codes into ``labels`` (-1 for unknown) and the mapped label text of each row's distinct value."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = [label_map.get(_label_text(u), _label_text(u)) for u in uniques]
    position = {lab: i for i, lab in enumerate(labels)}
    unique_codes = np.array([position.get(m, -1) for m in mapped] + [-1], dtype=np.int64)
    return unique_codes[codes], np.asarray([*mapped, ""], dtype=object)[codes]


def _label_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_timestamps(series: pd.Series) -> pd.Series:
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC")
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return series.dt.tz_localize("UTC")
    text = series.astype("str")
    parsed = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
    retry = parsed.isna() & ~_missing(series)
    if retry.any():
        parsed.loc[retry] = pd.to_datetime(text[retry], utc=True, errors="coerce", format="mixed")
    return parsed


def _quarantine_rows(
    raw: RawTable,
    rows: np.ndarray,
    *,
    file: str,
    vendor: str,
    column: str,
    reason: str,
    values: object,
    message: str,
) -> pd.DataFrame:
    n = len(rows)
    if isinstance(values, pd.Series | np.ndarray):
        shown = pd.Series(np.asarray(values, dtype=object)[rows]).astype("str").str.slice(0, 80).to_numpy(object)
    else:
        shown = np.full(n, "", dtype=object)
    return pd.DataFrame(
        {
            "file": np.full(n, file, dtype=object),
            "vendor": np.full(n, vendor, dtype=object),
            "line": raw.line[rows],
            "column": np.full(n, column, dtype=object),
            "reason": np.full(n, reason, dtype=object),
            "value": shown,
            "message": np.full(n, message, dtype=object),
        },
        columns=list(QUARANTINE_COLUMNS),
    )


def _malformed(raw: RawTable, file: str, vendor: str) -> pd.DataFrame:
    if not raw.malformed:
        return empty_quarantine()
    lines, messages = zip(*raw.malformed, strict=True)
    n = len(lines)
    return pd.DataFrame(
        {
            "file": [file] * n,
            "vendor": [vendor] * n,
            "line": np.asarray(lines, dtype=np.int64),
            "column": [raw.malformed_columns.get(int(line), "") for line in lines],
            "reason": [MALFORMED_RECORD] * n,
            "value": [""] * n,
            "message": list(messages),
        },
        columns=list(QUARANTINE_COLUMNS),
    )


def _excluded(raw: RawTable, file: str, vendor: str) -> pd.DataFrame:
    """Rows a native reader set aside, as quarantine rows with the reader's reason codes."""
    if raw.excluded is None or not len(raw.excluded):
        return empty_quarantine()
    ex = raw.excluded
    return pd.DataFrame(
        {
            "file": np.full(len(ex), file, dtype=object),
            "vendor": np.full(len(ex), vendor, dtype=object),
            "line": ex["line"].to_numpy(np.int64),
            "column": ex["column"].to_numpy(object),
            "reason": ex["reason"].astype(str).to_numpy(object),
            "value": ex["value"].astype(str).to_numpy(object),
            "message": ex["message"].to_numpy(object),
        },
        columns=list(QUARANTINE_COLUMNS),
    )


NUMERIC_KINDS = ("interval", "ratio")


def map_text(series: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """``series`` as text with ``mapping`` applied, computed once per distinct value (not per row)."""
    codes, uniques = pd.factorize(series.astype("str"), use_na_sentinel=True)
    mapped = np.asarray([mapping.get(str(u), str(u)) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=series.index, dtype="object")


class _Quarantine:
    """Collects quarantined rows of one file; each row is quarantined once, with its first reason."""

    def __init__(self, raw: RawTable, file: str, vendor: str) -> None:
        self.raw, self.file, self.vendor = raw, file, vendor
        self.bad = np.zeros(len(raw.frame), dtype=bool)
        self.pieces: list[pd.DataFrame] = [_malformed(raw, file, vendor), _excluded(raw, file, vendor)]

    def flag(self, mask: np.ndarray, column: str, reason: str, values: object, message: str) -> None:
        new = mask & ~self.bad
        if new.any():
            rows = np.flatnonzero(new)
            self.pieces.append(
                _quarantine_rows(
                    self.raw,
                    rows,
                    file=self.file,
                    vendor=self.vendor,
                    column=column,
                    reason=reason,
                    values=values,
                    message=message,
                )
            )
            self.bad[rows] = True

    def frame(self) -> pd.DataFrame:
        pieces = [p for p in self.pieces if len(p)]
        if not pieces:
            return empty_quarantine()
        return pd.concat(pieces, ignore_index=True).sort_values("line", kind="stable", ignore_index=True)


def _checked_labels(
    q: _Quarantine,
    series: pd.Series,
    src: str,
    labels: Sequence[str],
    label_map: Mapping[str, str] | None,
    kind: str,
    value_range: tuple[float, float] | None,
    separator: str = "|",
) -> np.ndarray:
    """Label codes into ``labels`` (categorical kinds), float values (numeric kinds) or canonical set texts
    (multilabel); rows whose label cannot be used are quarantined (UNKNOWN_LABEL, BAD_NUMBER, OUT_OF_RANGE)."""
    if kind == "multilabel":
        return _checked_sets(q, series, src, labels, label_map, separator)
    if kind not in NUMERIC_KINDS:
        codes, mapped = _label_codes(series, labels, label_map or {})
        q.flag(
            codes < 0,
            src,
            UNKNOWN_LABEL,
            mapped,
            f"not one of the task's labels ({', '.join(labels)}); map it with label_map in the manifest",
        )
        return codes
    text = map_text(series, label_map or {})
    values = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy()
    missing = _missing(series)
    q.flag(~np.isfinite(values) & ~missing, src, BAD_NUMBER, series, f"a {kind} task's labels are numbers")
    huge = np.isfinite(values) & (np.abs(values) > MAX_LABEL_VALUE)
    q.flag(huge, src, OUT_OF_RANGE, series, f"beyond {MAX_LABEL_VALUE:.0e} in size, the bound of a numeric label")
    if value_range is not None:
        low, high = value_range
        outside = np.isfinite(values) & ((values < low) | (values > high))
        q.flag(outside, src, OUT_OF_RANGE, series, f"outside the task's range [{low:g}, {high:g}]")
    return values


def parse_set(value: object, separator: str) -> list[str] | None:
    """Members of a set-valued label: a JSON list, or text split on ``separator``; None if unreadable."""
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            return None
        return [str(v) for v in parsed] if isinstance(parsed, list) else None
    if text == EMPTY_SET:
        return []
    return [part.strip() for part in text.split(separator) if part.strip()]


def _checked_sets(
    q: _Quarantine,
    series: pd.Series,
    src: str,
    labels: Sequence[str],
    label_map: Mapping[str, str] | None,
    separator: str,
) -> np.ndarray:
    """Canonical set texts per row ('' for rows quarantined as UNKNOWN_LABEL)."""
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # JSON lists (unhashable): only then turn each into its JSON text
        hashable = series.map(lambda v: json.dumps(list(v)) if isinstance(v, list | tuple) else v)
        codes, uniques = pd.factorize(hashable, use_na_sentinel=True)
    order = {lab: i for i, lab in enumerate(labels)}
    canonical: list[str] = []
    for unique in uniques:
        members = parse_set(unique, separator)
        if members is None:
            canonical.append("")
            continue
        mapped = {(label_map or {}).get(m, m) for m in members}
        canonical.append("" if not mapped <= set(order) else set_text(sorted(mapped, key=order.__getitem__)))
    texts = np.asarray([*canonical, ""], dtype=object)[codes]
    missing = _missing(series)
    q.flag(
        (texts == "") & ~missing,
        src,
        UNKNOWN_LABEL,
        series,
        f"a label set must list labels from ({', '.join(labels)}) separated by '{separator}', or be a JSON list",
    )
    return texts


def normalize_batch(
    raw: RawTable,
    *,
    file: str,
    vendor: str,
    columns: Mapping[str, str],
    labels: Sequence[str],
    label_map: Mapping[str, str] | None = None,
    duration_factor: float = 1.0,
    duplicates: str = "keep_last",
    kind: str = "nominal",
    value_range: tuple[float, float] | None = None,
    separator: str = "|",
    bill_excluded: bool = False,
    categorical_ids: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, Billing]:
    """Return (kept canonical rows, quarantined rows, billing facts) for one vendor file.

    With ``categorical_ids`` the kept ``item_id`` and ``annotator_id`` are categoricals of the kept rows' ids (in
    order of first appearance), from the codes the duplicate check makes anyway, not text: a chunk's result
    (:func:`labeleval.io.chunk.run_chunk`) then carries each distinct id once instead of hashing every
    judgment's id again.

    ``columns`` maps canonical names to the file's names; ``label_map`` maps the vendor's label text
    to the task's labels; ``duration_factor`` converts the duration column to seconds (0.001 for ms).
    Rows a native reader set aside (``raw.excluded``: rejected, cancelled ...) are billed only when
    ``bill_excluded``; quarantined rows are always billed (the vendor delivered them).

    The checks run in the order of the module docstring (each row keeps its first reason), then the kept rows
    and the billing facts are put together.
    """
    resolved = resolve_columns(raw, columns, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, file=file)
    frame = _with_columns(raw.frame, resolved.values())
    q = _Quarantine(raw, file, vendor)
    _flag_missing(q, frame, resolved)
    label_src = resolved["label"]
    label_codes = _checked_labels(q, frame[label_src], label_src, labels, label_map, kind, value_range, separator)
    _flag_shown_first(q, frame, resolved, label_map)
    parsed = _checked_optional(q, frame, resolved, duration_factor)
    ids = _ids(frame, resolved, annotator_codes=duplicates != "keep_all" or categorical_ids)
    _flag_duplicates(q, ids, raw, file=file, duplicates=duplicates, column=resolved["annotator_id"])
    keep = ~q.bad
    kept = _kept_rows(ids, label_codes, keep, vendor=vendor, labels=labels, kind=kind, categorical_ids=categorical_ids)
    kept = _with_optional_columns(kept, frame, resolved, keep, parsed, label_map)
    return kept, q.frame(), _with_excluded(_billing(raw, frame, resolved, ids, parsed), raw, bill_excluded)


def _flag_missing(q: _Quarantine, frame: pd.DataFrame, resolved: Mapping[str, str]) -> None:
    """Rows whose item, annotator or label is empty (MISSING_VALUE)."""
    for canonical in REQUIRED_COLUMNS:
        source = resolved[canonical]
        q.flag(_missing(frame[source]), source, MISSING_VALUE, frame[source], f"{canonical} is empty")


def _flag_shown_first(
    q: _Quarantine, frame: pd.DataFrame, resolved: Mapping[str, str], label_map: Mapping[str, str] | None
) -> None:
    """Rows whose ``shown_first`` is neither A nor B (BAD_VALUE)."""
    if "shown_first" not in resolved:
        return
    src = resolved["shown_first"]
    order = map_text(frame[src], label_map or {})
    q.flag(
        ~order.isin(["A", "B"]).to_numpy() & ~_missing(frame[src]),
        src,
        BAD_VALUE,
        frame[src],
        "shown_first must be A or B (the response shown first)",
    )


def _checked_optional(
    q: _Quarantine, frame: pd.DataFrame, resolved: Mapping[str, str], duration_factor: float
) -> dict[str, pd.Series]:
    """The optional columns the file has, parsed: ``submitted_at`` (timestamps), ``duration_s`` (seconds) and
    ``cost``; rows with a value that cannot be used are quarantined (BAD_TIMESTAMP, BAD_NUMBER, NEGATIVE_*)."""
    out: dict[str, pd.Series] = {}
    if "submitted_at" in resolved:
        src = resolved["submitted_at"]
        relative = _relative_dates(frame[src])
        q.flag(relative, src, BAD_TIMESTAMP, frame[src], "a relative date ('now', 'today') is not a time stamp")
        stamps = _parse_timestamps(frame[src]).mask(relative)
        q.flag(stamps.isna().to_numpy() & ~_missing(frame[src]), src, BAD_TIMESTAMP, frame[src], "not a date-time")
        out["submitted_at"] = stamps
    if "duration_s" in resolved:
        src = resolved["duration_s"]
        seconds = _bounded_numbers(q, frame[src], duration_factor, src, "seconds")
        q.flag((seconds < 0).to_numpy(), src, NEGATIVE_DURATION, frame[src], "duration must be >= 0")
        out["duration_s"] = seconds
    if "cost" in resolved:
        src = resolved["cost"]
        cost = _bounded_numbers(q, frame[src], 1.0, src, "in cost")
        q.flag((cost < 0).to_numpy(), src, NEGATIVE_COST, frame[src], "cost must be >= 0")
        out["cost"] = cost
    return out


#: text that pandas reads as the clock's time when it parses it (``pd.to_datetime("now")``)
RELATIVE_DATES = ("now", "today")


def _relative_dates(series: pd.Series) -> np.ndarray:
    """Rows whose text pandas would parse as the time of reading (:data:`RELATIVE_DATES`): a window, a drift
    test or an order of rows would then depend on when the project is scored."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series.dtype):
        return np.zeros(len(series), dtype=bool)
    return series.isin(RELATIVE_DATES).to_numpy(dtype=bool)


def _bounded_numbers(q: _Quarantine, series: pd.Series, factor: float, src: str, unit: str) -> pd.Series:
    """``series`` x ``factor`` as float64; rows that are not finite numbers, or beyond :data:`MAX_AMOUNT` in
    size, are quarantined (BAD_NUMBER) and become NaN: sums and products of the rest cannot overflow."""
    values = _finite_numbers(series) * factor
    q.flag(values.isna().to_numpy() & ~_missing(series), src, BAD_NUMBER, series, "not a finite number")
    huge = (values.abs() > MAX_AMOUNT).to_numpy()
    q.flag(huge, src, BAD_NUMBER, series, f"over {MAX_AMOUNT:.0e} {unit}, the bound of any amount")
    return values.mask(huge)


@dataclass(frozen=True)
class _Ids:
    """A file's item and annotator ids as text, and as codes in order of first appearance (the annotators' only
    where the duplicate check or categorical ids need them; else empty)."""

    item: pd.Series
    annotator: pd.Series
    item_codes: np.ndarray
    item_values: pd.Index
    annotator_codes: np.ndarray
    annotator_values: pd.Index


def _ids(frame: pd.DataFrame, resolved: Mapping[str, str], *, annotator_codes: bool) -> _Ids:
    item = as_id_strings(frame[resolved["item_id"]]).reset_index(drop=True)
    annotator = as_id_strings(frame[resolved["annotator_id"]]).reset_index(drop=True)
    item_codes, item_values = pd.factorize(item)
    a_codes, a_values = pd.factorize(annotator) if annotator_codes else (np.zeros(0), pd.Index([]))
    return _Ids(item, annotator, item_codes.astype(np.int64), item_values, a_codes.astype(np.int64), a_values)


def _flag_duplicates(q: _Quarantine, ids: _Ids, raw: RawTable, *, file: str, duplicates: str, column: str) -> None:
    """Rows with the same item and annotator as another kept row: all but the one the policy keeps are
    quarantined (DUPLICATE_JUDGMENT); under ``error`` the file is refused, naming the first of them."""
    if duplicates == "keep_all":
        return
    ok = ~q.bad
    dup = np.zeros(len(ok), dtype=bool)
    item_codes, annotator_codes = ids.item_codes, ids.annotator_codes
    if _has_repeats(item_codes[ok], annotator_codes[ok]):  # most files have none: a cheaper check first
        key = item_codes[ok] * (int(annotator_codes.max(initial=0)) + 2) + annotator_codes[ok]
        dup_local = pd.Series(key).duplicated(keep="first" if duplicates == "keep_first" else "last")
        dup[np.flatnonzero(ok)[dup_local.to_numpy()]] = True
    if duplicates == "error" and dup.any():
        rows = np.flatnonzero(dup)[:5]
        where = ", ".join(f"{LINE_WORD[raw.fmt]} {raw.line[r]}" for r in rows)
        raise SchemaError(
            f"{file}: {int(dup.sum())} duplicate judgments (same item and annotator) at {where}; "
            f"the manifest's duplicates policy is 'error' (use keep_last, keep_first or keep_all)"
        )
    which = "an earlier" if duplicates == "keep_first" else "a later"
    q.flag(dup, column, DUPLICATE_JUDGMENT, ids.annotator, f"same item and annotator as {which} row")


def _kept_rows(
    ids: _Ids,
    label_codes: np.ndarray,
    keep: np.ndarray,
    *,
    vendor: str,
    labels: Sequence[str],
    kind: str,
    categorical_ids: bool,
) -> pd.DataFrame:
    """The kept rows' canonical columns: vendor, item, annotator and label."""
    n_kept = int(keep.sum())
    return pd.DataFrame(
        {
            "vendor": pd.Categorical.from_codes(np.zeros(n_kept, dtype=np.int8), categories=[vendor]),
            "item_id": _kept_categorical(ids.item_codes[keep], ids.item_values)
            if categorical_ids
            else ids.item[keep].reset_index(drop=True),
            "annotator_id": _kept_categorical(ids.annotator_codes[keep], ids.annotator_values)
            if categorical_ids
            else ids.annotator[keep].reset_index(drop=True),
            "label": label_codes[keep]
            if kind in (*NUMERIC_KINDS, "multilabel")
            else pd.Categorical.from_codes(label_codes[keep].astype(np.int64), categories=list(labels)),
        }
    )


def _with_optional_columns(
    kept: pd.DataFrame,
    frame: pd.DataFrame,
    resolved: Mapping[str, str],
    keep: np.ndarray,
    parsed: Mapping[str, pd.Series],
    label_map: Mapping[str, str] | None,
) -> pd.DataFrame:
    """``kept`` with the kept rows' optional columns (parsed ones, batch, shown first, strength) and the file's
    columns labeleval does not use, as they are."""
    for canonical, values in parsed.items():
        kept[canonical] = values[keep].reset_index(drop=True)
    if "batch_id" in resolved:
        kept["batch_id"] = as_id_strings(frame[resolved["batch_id"]])[keep].reset_index(drop=True)
    if "shown_first" in resolved:
        order = map_text(frame[resolved["shown_first"]], label_map or {})
        kept["shown_first"] = order.where(order.isin(["A", "B"]))[keep].reset_index(drop=True)
    if "strength" in resolved:
        src = resolved["strength"]
        kept["strength"] = frame[src].astype("str").where(~_missing(frame[src]))[keep].reset_index(drop=True)
    used = set(resolved.values())
    extras = [c for c in frame.columns if c not in used and c not in kept.columns]
    if extras:  # one concat, not one insert per column (a 100,000-column file stays linear)
        kept = pd.concat([kept, frame.loc[keep, extras].reset_index(drop=True)], axis=1)
    return kept


def _billing(
    raw: RawTable, frame: pd.DataFrame, resolved: Mapping[str, str], ids: _Ids, parsed: Mapping[str, pd.Series]
) -> Billing:
    """What every row read bills, kept or quarantined: rows, distinct items, valid durations and costs, tokens."""
    durations = parsed["duration_s"].to_numpy() if "duration_s" in parsed else None
    row_costs = parsed["cost"].to_numpy() if "cost" in parsed else None
    named = ids.item_codes[~_missing(frame[resolved["item_id"]])]
    return Billing(
        rows=raw.rows_read,
        items=int(np.count_nonzero(np.bincount(named, minlength=len(ids.item_values)))),
        seconds=float(np.nansum(np.clip(durations, 0, None))) if durations is not None else None,
        row_cost=float(np.nansum(np.clip(row_costs, 0, None))) if row_costs is not None else 0.0,
        rows_with_cost=int(np.isfinite(row_costs).sum()) if row_costs is not None else 0,
        seconds_with_cost=float(np.nansum(np.clip(durations[np.isfinite(row_costs)], 0, None)))
        if durations is not None and row_costs is not None
        else 0.0,
        input_tokens=_token_sum(frame, "input_tokens"),
        output_tokens=_token_sum(frame, "output_tokens"),
    )


def _kept_categorical(codes: np.ndarray, values: object) -> pd.Categorical:
    """The kept rows' ids as a categorical of the ids they use (codes from ``pd.factorize`` of every row, so in
    order of first appearance; ids seen only in quarantined rows are not categories)."""
    index = pd.Index(values)
    used = np.bincount(codes, minlength=len(index)) > 0
    if used.all():
        return pd.Categorical.from_codes(codes, dtype=_unique_categories(index), validate=False)
    renumber = np.cumsum(used) - 1
    return pd.Categorical.from_codes(renumber[codes], dtype=_unique_categories(index[used]), validate=False)


def _unique_categories(index: pd.Index) -> pd.CategoricalDtype:
    """A categorical dtype of values known to be distinct (``pd.factorize``'s uniques): pandas' constructor would
    hash them all again to check (0.18 s per 666,666 ids); its own fast path, where this pandas has it, does not."""
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    return fast(index, False) if fast is not None else pd.CategoricalDtype(index)


def _token_sum(frame: pd.DataFrame, column: str) -> float:
    if column not in frame.columns:
        return 0.0
    return float(np.nansum(np.clip(pd.to_numeric(frame[column], errors="coerce").to_numpy(float), 0, None)))


def _with_excluded(billing: Billing, raw: RawTable, bill_excluded: bool) -> Billing:
    """Billing facts with the excluded rows taken out (default) or their time and cost added."""
    ex = raw.excluded
    n = 0 if ex is None else len(ex)
    if not n or ex is None:
        return billing
    if not bill_excluded:
        return replace(billing, rows=billing.rows - n, excluded_rows=n)
    seconds = np.clip(ex["seconds"].to_numpy(float), 0, None)
    cost = np.clip(ex["cost"].to_numpy(float), 0, None)
    has_cost = np.isfinite(cost)
    return replace(
        billing,
        seconds=None if billing.seconds is None else billing.seconds + float(np.nansum(seconds)),
        row_cost=billing.row_cost + float(np.nansum(cost)),
        rows_with_cost=billing.rows_with_cost + int(has_cost.sum()),
        seconds_with_cost=billing.seconds_with_cost + float(np.nansum(seconds[has_cost])),
        excluded_rows=n,
        excluded_billed=True,
    )


def normalize_gold(
    raw: RawTable,
    *,
    file: str,
    columns: Mapping[str, str],
    labels: Sequence[str],
    label_map: Mapping[str, str] | None,
    kind: str = "nominal",
    value_range: tuple[float, float] | None = None,
    separator: str = "|",
) -> tuple[pd.Series, pd.DataFrame]:
    """Return (gold labels as a categorical Series indexed by item_id, quarantined rows)."""
    resolved = resolve_columns(raw, columns, required=("item_id", "label"), optional=(), file=file)
    frame = _with_columns(raw.frame, resolved.values())
    n = len(frame)
    q = _Quarantine(raw, file, "gold")
    flag, bad = q.flag, q.bad

    for canonical in ("item_id", "label"):
        src = resolved[canonical]
        flag(_missing(frame[src]), src, MISSING_VALUE, frame[src], f"gold {canonical} is empty")
    codes = _checked_labels(
        q, frame[resolved["label"]], resolved["label"], labels, label_map, kind, value_range, separator
    )
    item = as_id_strings(frame[resolved["item_id"]])
    ok = ~bad
    pairs = pd.DataFrame({"i": item.to_numpy(), "c": codes})[ok]
    conflicting = pairs.groupby("i")["c"].transform("nunique").to_numpy() > 1
    conflict_rows = np.zeros(n, dtype=bool)
    conflict_rows[np.flatnonzero(ok)[conflicting]] = True
    flag(
        conflict_rows,
        resolved["item_id"],
        DUPLICATE_GOLD,
        item,
        "the gold file gives this item different labels",
    )
    ok = ~bad
    repeat = pd.Series(item.to_numpy()[ok]).duplicated(keep="first").to_numpy()
    repeat_rows = np.zeros(n, dtype=bool)
    repeat_rows[np.flatnonzero(ok)[repeat]] = True
    flag(repeat_rows, resolved["item_id"], DUPLICATE_GOLD, item, "the same item and label again (first kept)")
    keep = ~bad
    gold = pd.Series(
        codes[keep]
        if kind in (*NUMERIC_KINDS, "multilabel")
        else pd.Categorical.from_codes(codes[keep].astype(np.int64), categories=list(labels)),
        index=pd.Index(item.to_numpy()[keep], name="item_id"),
        name="gold_label",
    )
    return gold, q.frame()

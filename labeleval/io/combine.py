"""How chunk results add up to one Dataset: the last step of every engine's read.

:class:`Combiner` adds chunk results (:class:`~labeleval.io.chunk.ChunkResult`) up in plan order: ledger counts
and billing sums add, quarantined rows append, and the chunks' distinct values are unified into one
:class:`Dictionary` per column (items, annotators, labels ...) by hash, so that no raw row is held, only codes.
Duplicate judgments (same vendor, item and annotator) are found across the chunks of a vendor on those codes,
under the manifest's policy (``keep_last``, ``keep_first``, ``error``), with the same ledger rows and messages as
a vendor's only chunk finds within itself. In the Dataset every text column is categorical (codes + one copy of
each distinct value): items in sorted order (code point order), annotators and other values in order of first
appearance over the vendors in manifest order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from labeleval.errors import AdapterError, SchemaError
from labeleval.executor import release_memory
from labeleval.io.chunk import ChunkResult, Coded
from labeleval.io.dataset import Dataset, assemble, read_gold, read_item_table
from labeleval.io.items import combine as combine_items
from labeleval.io.normalize import Billing
from labeleval.io.plan import ChunkTask
from labeleval.io.readers import LINE_WORD
from labeleval.project.manifest import Project
from labeleval.project.schema import DUPLICATE_JUDGMENT, QUARANTINE_COLUMNS, LedgerBuilder, empty_quarantine

#: called after each chunk with (rows done, rows planned; 0 when a chunk's rows are not known before reading)
Progress = Callable[[int, int], None]
#: runs chunk tasks and gives their results in task order (in this process, on threads, or on a Dask cluster)
Runner = Callable[[Sequence[ChunkTask]], Iterable[ChunkResult]]


class Dictionary:
    """Distinct values seen so far, each with a code in order of first appearance, found by hash.

    Adding a chunk's distinct values costs a sorted-hash lookup; the values themselves are compared on every
    hash match, and a real 64-bit collision (or values equal as text but not as values, such as 1 and "1")
    switches this dictionary to exact lookups."""

    def __init__(self) -> None:
        self._sorted = np.zeros(0, dtype=np.uint64)
        self._sorted_codes = np.zeros(0, dtype=np.int64)
        self._values = np.empty(1024, dtype=object)
        self._n = 0
        self._exact: dict[object, int] | None = None

    def __len__(self) -> int:
        return self._n

    @property
    def values(self) -> np.ndarray:
        return self._values[: self._n]

    def _append(self, new: np.ndarray) -> None:
        need = self._n + len(new)
        if need > len(self._values):
            grown = np.empty(max(need, 2 * len(self._values)), dtype=object)
            grown[: self._n] = self._values[: self._n]
            self._values = grown
        self._values[self._n : need] = new
        self._n = need

    def add(self, values: np.ndarray, hashes: np.ndarray) -> np.ndarray:
        """Codes of ``values`` (distinct), adding the new ones (codes in order of first appearance)."""
        if self._exact is not None:
            return self._add_exact(values)
        order = np.argsort(hashes, kind="stable")
        ordered = hashes[order]  # looked up in sorted order: five times faster than in the values' order
        at = np.searchsorted(self._sorted, ordered)
        clipped = np.minimum(at, max(len(self._sorted) - 1, 0))
        hit = (at < len(self._sorted)) & (self._sorted[clipped] == ordered) if len(self._sorted) else at < 0
        codes = np.empty(len(values), dtype=np.int64)
        codes[order[hit]] = self._sorted_codes[clipped[hit]]
        found = np.zeros(len(values), dtype=bool)
        found[order[hit]] = True
        same = self.values[codes[found]] == values[found] if found.any() else np.ones(0, dtype=bool)
        new_hashes = ordered[~hit]  # sorted
        if not np.all(same) or bool((new_hashes[1:] == new_hashes[:-1]).any()):  # a collision
            self._go_exact()
            return self._add_exact(values)
        new = np.flatnonzero(~found)
        codes[new] = self._n + np.arange(len(new))
        self._append(values[new])
        self._sorted = np.insert(self._sorted, at[~hit], new_hashes)
        self._sorted_codes = np.insert(self._sorted_codes, at[~hit], codes[order[~hit]])
        return codes

    def _go_exact(self) -> None:
        self._exact = {}
        for code, value in enumerate(self.values):
            self._exact[(type(value), value)] = code

    def _add_exact(self, values: np.ndarray) -> np.ndarray:
        assert self._exact is not None
        codes = np.empty(len(values), dtype=np.int64)
        for i, value in enumerate(values):
            key = (type(value), value)
            code = self._exact.get(key)
            if code is None:
                code = self._n
                self._exact[key] = code
                self._append(np.asarray([value], dtype=object))
            codes[i] = code
        return codes


@dataclass
class _VendorRows:
    """A vendor's kept rows so far, as global codes and arrays, chunk by chunk."""

    parts: list[dict[str, Any]] = field(default_factory=list)
    files: list[tuple[str, int, str, str]] = field(default_factory=list)  # file, kept rows, annotator column, fmt
    lines: list[np.ndarray] = field(default_factory=list)
    other_items: list[np.ndarray] = field(default_factory=list)
    deduplicated: list[bool] = field(default_factory=list)


class Combiner:
    """Adds chunk results up (in plan order) into a Dataset; see the module docstring."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.ledger = LedgerBuilder()
        self.gold, self._from_gold = read_gold(project, self.ledger)
        self._item_meta = read_item_table(project, self.ledger)
        self.dictionaries: dict[str, Dictionary] = {}
        self._rows = [_VendorRows() for _ in project.vendors]
        self._done: dict[int, dict[str, Any]] = {}
        self._billing: dict[int, list[Billing]] = {i: [] for i in range(len(project.vendors))}
        self._billed: dict[int, Billing] = {}
        self._file_rows: dict[tuple[int, str], int] = {}
        self._quarantine: dict[tuple[int, str], list[pd.DataFrame]] = {}
        self._notes: list[tuple[str, str]] = []
        self._vendor_items: list[pd.DataFrame] = []  # item metadata from the vendors' exports, in plan order
        self._current: int | None = None

    def dictionary(self, column: str) -> Dictionary:
        return self.dictionaries.setdefault(column, Dictionary())

    def add(self, result: ChunkResult) -> None:
        """Add one chunk (chunks arrive in plan order: a vendor's chunks together, files in order)."""
        if self._current is not None and result.vendor_index != self._current:
            self._finish_vendor(self._current)
        self._current = v = result.vendor_index
        key = (v, result.file)
        self._file_rows[key] = self._file_rows.get(key, 0) + result.rows_read
        self._quarantine.setdefault(key, []).append(result.quarantine)
        self._billing[v].append(result.billing)
        self._notes.extend((self.project.vendors[v].name, note) for note in result.notes)
        if result.items is not None and len(result.items):
            self._vendor_items.append(result.items)
        part: dict[str, Any] = {}
        for column, values in result.columns.items():
            if isinstance(values, Coded):
                mapping = self.dictionary(column).add(values.values, values.hashes)
                # one take: a missing value's code -1 picks the -1 appended at the end
                part[column] = np.append(mapping, -1).astype(np.int32)[values.codes]
            else:
                part[column] = values
        rows = self._rows[v]
        rows.parts.append(part)
        rows.files.append((result.file, result.n_kept, result.annotator_column, result.fmt))
        rows.lines.append(result.lines)
        rows.deduplicated.append(result.deduplicated)
        if len(result.other_items.values):
            other = result.other_items
            rows.other_items.append(self.dictionary("\x00billed").add(other.values, other.hashes))

    def _finish_vendor(self, v: int) -> None:
        """Duplicates across the vendor's chunks, its ledger rows, billing and kept rows."""
        rows = self._rows[v]
        name = self.project.vendors[v].name
        columns = _concat_parts(rows.parts)
        lines = np.concatenate(rows.lines) if rows.lines else np.zeros(0, dtype=np.int64)
        chunk_of_row = np.repeat(np.arange(len(rows.files)), [f[1] for f in rows.files])
        policy = str(self.project.duplicates)
        if rows.deduplicated == [True]:  # the vendor's only chunk found its duplicates itself
            policy = "keep_all"
        dup = _duplicates(policy, columns, lines, chunk_of_row, rows.files)
        for file in dict.fromkeys(f[0] for f in rows.files):
            in_file = np.isin(chunk_of_row, [c for c, f in enumerate(rows.files) if f[0] == file])
            mine = np.flatnonzero(dup & in_file)
            pieces = [q for q in self._quarantine.pop((v, file), []) if len(q)]
            if len(mine):
                annotator = self.dictionary("annotator_id").values[np.asarray(columns["annotator_id"])[mine]]
                column = rows.files[chunk_of_row[mine[0]]][2]
                pieces.append(_duplicate_rows(file, name, policy, annotator, lines[mine], column))
            kept = int((in_file & ~dup).sum())
            self.ledger.add_file(file, name, self._file_rows[(v, file)], kept, _by_line(pieces))
        keep = ~dup
        self._done[v] = {k: _take(values, keep) for k, values in columns.items()}
        self._billed[v] = replace(_sum_billing(self._billing[v]), items=self._billed_items(columns, rows))
        self._rows[v] = _VendorRows()
        del columns, rows, dup, keep, lines, chunk_of_row
        release_memory()  # the vendor's chunk pieces and duplicate-check tables go back to the system

    def _billed_items(self, columns: dict[str, Any], rows: _VendorRows) -> int:
        """Distinct item ids among every row the vendor delivered (kept or quarantined), as billing counts them."""
        item_codes = np.asarray(columns.get("item_id", np.zeros(0, dtype=np.int64)))
        kept_items = np.flatnonzero(np.bincount(item_codes[item_codes >= 0]))  # np.unique, in linear time
        if not rows.other_items:
            return len(kept_items)
        others = np.unique(np.concatenate(rows.other_items))
        text = self.dictionary("\x00billed").values[others]
        known = pd.Index(self.dictionary("item_id").values[kept_items], dtype=object)
        return len(kept_items) + int((known.get_indexer(pd.Index(text, dtype=object)) < 0).sum())

    def finish(self) -> Dataset:
        """The Dataset: every vendor's kept rows with categorical ids (items in sorted order), gold, ledger."""
        if self._current is not None:
            self._finish_vendor(self._current)
            self._current = None
        for v, spec in enumerate(self.project.vendors):
            if v not in self._done:
                raise AdapterError(f"vendor {spec.name!r}: no data was read")
        dtypes, rank = _categories(self.dictionaries)
        done = [self._done.pop(v) for v in range(len(self.project.vendors))]
        names = [spec.name for spec in self.project.vendors]
        frames = _one_frame(done, dtypes, rank, names) or _vendor_frames(done, dtypes, rank, names)
        billing = {spec.name: self._billed[v] for v, spec in enumerate(self.project.vendors)}
        return assemble(
            self.project,
            frames,
            self.gold,
            self.ledger,
            billing,
            self._notes,
            combine_items(self._item_meta, self._from_gold, *self._vendor_items),
        )


def _duplicates(
    policy: str,
    columns: dict[str, Any],
    lines: np.ndarray,
    chunk_of_row: np.ndarray,
    files: list[tuple[str, int, str, str]],
) -> np.ndarray:
    """Judgments repeated (same item and annotator) under the manifest's policy, across a vendor's chunks."""
    if policy == "keep_all" or not len(lines):
        return np.zeros(len(lines), dtype=bool)
    items = np.asarray(columns["item_id"], dtype=np.int64)
    annotators = np.asarray(columns["annotator_id"], dtype=np.int64)
    key = items * (int(annotators.max(initial=0)) + 2) + annotators
    dup = pd.Series(key).duplicated(keep="first" if policy == "keep_first" else "last").to_numpy()
    if policy == "error" and dup.any():
        first = np.flatnonzero(dup)[:5]
        file, _, _, fmt = files[chunk_of_row[first[0]]]
        where = ", ".join(f"{LINE_WORD.get(fmt, 'row')} {lines[r]}" for r in first)
        raise SchemaError(
            f"{file}: {int(dup.sum())} duplicate judgments (same item and annotator) at {where}; "
            f"the manifest's duplicates policy is 'error' (use keep_last, keep_first or keep_all)"
        )
    return dup


def _duplicate_rows(
    file: str, vendor: str, policy: str, annotator: np.ndarray, lines: np.ndarray, column: str
) -> pd.DataFrame:
    """Quarantine rows of the duplicates found across chunks, as the normaliser writes them within a file: under
    the annotator column, the annotator's id."""
    which = "an earlier" if policy == "keep_first" else "a later"
    n = len(lines)
    return pd.DataFrame(
        {
            "file": np.full(n, file, dtype=object),
            "vendor": np.full(n, vendor, dtype=object),
            "line": lines,
            "column": np.full(n, column, dtype=object),
            "reason": np.full(n, DUPLICATE_JUDGMENT, dtype=object),
            "value": pd.Series(annotator).astype("str").str.slice(0, 80).to_numpy(dtype=object),
            "message": np.full(n, f"same item and annotator as {which} row", dtype=object),
        },
        columns=list(QUARANTINE_COLUMNS),
    )


def _by_line(pieces: list[pd.DataFrame]) -> pd.DataFrame:
    """A file's quarantined rows (the chunks' own, then the duplicates found across chunks), by line."""
    if not pieces:
        return empty_quarantine()
    return pd.concat(pieces, ignore_index=True).sort_values("line", kind="stable", ignore_index=True)


def _categories(dictionaries: dict[str, Dictionary]) -> tuple[dict[str, pd.CategoricalDtype], np.ndarray]:
    """Each text column's categories, and each item code's rank: items in sorted order (code point order, as
    ``pd.factorize(sort=True)`` over text sorts them), every other column in order of first appearance."""
    dtypes: dict[str, pd.CategoricalDtype] = {}
    rank = np.zeros(0, dtype=np.int32)
    if "item_id" in dictionaries:  # the ids are distinct: factorize's codes are their ranks
        codes, uniques = pd.factorize(pd.Series(dictionaries["item_id"].values, dtype="str"), sort=True)
        rank = codes.astype(np.int32)
        dtypes["item_id"] = pd.CategoricalDtype(pd.Index(np.asarray(uniques, dtype=object), dtype=object))
    for column, dictionary in dictionaries.items():
        if column not in dtypes and not column.startswith("\x00"):
            dtypes[column] = pd.CategoricalDtype(pd.Index(dictionary.values, dtype=object))
    return dtypes, rank


def _vendor_frames(
    done: list[dict[str, Any]], dtypes: dict[str, pd.CategoricalDtype], rank: np.ndarray, vendor_names: list[str]
) -> list[pd.DataFrame]:
    """One frame per vendor (concatenated by :func:`~labeleval.io.dataset.assemble`)."""
    frames = []
    for name, columns in zip(vendor_names, done, strict=True):
        n = len(next(iter(columns.values())))
        data: dict[str, Any] = {"vendor": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[name])}
        for column, values in columns.items():
            if column in dtypes:
                codes = np.asarray(values)
                data[column] = pd.Categorical.from_codes(
                    rank[codes] if column == "item_id" else codes, dtype=dtypes[column]
                )
            else:
                data[column] = values
        frames.append(pd.DataFrame(data))
    return frames


def _one_frame(
    done: list[dict[str, Any]], dtypes: dict[str, pd.CategoricalDtype], rank: np.ndarray, vendor_names: list[str]
) -> list[pd.DataFrame]:
    """Every vendor's rows as one frame, each column filled vendor by vendor into one array (each vendor's
    piece let go as soon as it is copied), where every vendor has the same columns with the same array
    types; else [] (the frames are then made per vendor and concatenated). The same frame as the per-vendor
    frames' concatenation, without holding the rows two or three times over."""
    names = list(done[0]) if done else []

    def kind(values: Any) -> np.dtype | None:  # a plain NumPy array's dtype (None: another array type)
        if isinstance(values, pd.arrays.NumpyExtensionArray):
            values = values.to_numpy()
        return values.dtype if isinstance(values, np.ndarray) and values.dtype != object else None

    same = all(list(columns) == names for columns in done)
    if not same or any(n not in dtypes and kind(done[0][n]) is None for n in names):
        return []
    if any(n not in dtypes and kind(columns[n]) != kind(done[0][n]) for columns in done for n in names):
        return []
    lengths = [len(next(iter(columns.values()))) if columns else 0 for columns in done]
    if not names or not all(lengths):
        return []
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    vendor_codes = np.repeat(np.arange(len(done), dtype=np.int8 if len(done) < 127 else np.int32), lengths)
    data: dict[str, Any] = {"vendor": pd.Categorical.from_codes(vendor_codes, categories=vendor_names)}
    for name in names:
        if name in dtypes:  # the codes' dtype as pandas narrows it, so that from_codes keeps this array
            size = len(dtypes[name].categories)
            narrow = np.int8 if size < 127 else np.int16 if size < 32767 else np.int32
            out = np.empty(int(bounds[-1]), dtype=narrow)
        else:
            out = np.empty(int(bounds[-1]), dtype=kind(done[0][name]))
        for v, columns in enumerate(done):
            piece = columns.pop(name)
            piece = piece.to_numpy() if isinstance(piece, pd.arrays.NumpyExtensionArray) else np.asarray(piece)
            out[bounds[v] : bounds[v + 1]] = rank[piece] if name == "item_id" else piece
            del piece
        data[name] = pd.Categorical.from_codes(out, dtype=dtypes[name]) if name in dtypes else out
    return [pd.DataFrame(data, copy=False)]


def _concat_parts(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Each column's chunk pieces, joined (columns a chunk lacks are missing values there)."""
    names = list(dict.fromkeys(k for part in parts for k in part))
    out: dict[str, Any] = {}
    for name in names:
        pieces = []
        for part in parts:
            n = len(next(iter(part.values()))) if part else 0
            piece = part.get(name)
            if piece is None:
                piece = np.full(n, -1, dtype=np.int32) if _is_codes(parts, name) else np.full(n, np.nan)
            pieces.append(piece)
        if pieces and all(isinstance(p, np.ndarray) for p in pieces):
            out[name] = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
        else:
            out[name] = pd.concat([pd.Series(p) for p in pieces], ignore_index=True).array
    return out


def _is_codes(parts: list[dict[str, Any]], name: str) -> bool:
    return any(isinstance(part.get(name), np.ndarray) and part[name].dtype == np.int32 for part in parts)


def _take(values: Any, keep: np.ndarray) -> Any:
    if keep.all():
        return values
    return values[keep]


def _sum_billing(parts: Sequence[Billing]) -> Billing:
    """One vendor's billing facts, summed over its chunks."""
    if not parts:
        return Billing(0, 0, None)
    seconds = [p.seconds for p in parts if p.seconds is not None]
    return Billing(
        rows=sum(p.rows for p in parts),
        items=0,
        seconds=float(sum(seconds)) if seconds else None,
        row_cost=float(sum(p.row_cost for p in parts)),
        rows_with_cost=sum(p.rows_with_cost for p in parts),
        seconds_with_cost=float(sum(p.seconds_with_cost for p in parts)),
        input_tokens=float(sum(p.input_tokens for p in parts)),
        output_tokens=float(sum(p.output_tokens for p in parts)),
        excluded_rows=sum(p.excluded_rows for p in parts),
        excluded_billed=any(p.excluded_billed for p in parts),
    )


def combine(
    project: Project,
    tasks: Sequence[ChunkTask],
    run: Runner,
    progress: Progress | None = None,
) -> Dataset:
    """The Dataset of ``project`` from ``tasks``: gold and the items table read first, then each task's result
    (``run(tasks)`` gives them in task order) added in, reporting progress after each."""
    combiner = Combiner(project)
    total = sum(t.rows for t in tasks)
    done = 0
    for task, result in zip(tasks, run(tasks), strict=True):
        combiner.add(result)
        done += task.rows or result.rows_read
        if progress is not None:
            progress(done, max(total, done))
    data = combiner.finish()
    del combiner
    release_memory()  # the chunks' freed rows go back to the system before the scoring
    return data

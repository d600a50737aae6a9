"""Limits that bound the work any input can cause: one settings object, checked before the expensive step.

Each limit has a default that fits a laptop and the app's shared server, and an environment variable that
raises (or lowers) it, read when the limit is checked::

    LABELEVAL_MAX_UPLOAD_MB=1000 LABELEVAL_MAX_ROWS=50000000 labeleval score big_project

===================  ==============================  ============  ============================================
limit                environment variable            default       checked
===================  ==============================  ============  ============================================
upload_mb            LABELEVAL_MAX_UPLOAD_MB         200           the app: the size of one uploaded file and of
                                                                   all of one session's uploads together, held
                                                                   in memory and on disk
upload_files         LABELEVAL_MAX_UPLOAD_FILES      20            the app: files in one uploader and in one
                                                                   session
reader_mb            LABELEVAL_MAX_READER_MB         8,192         the app: address space of the child process
                                                                   that reads (and scores) an upload
reader_seconds       LABELEVAL_MAX_READER_SECONDS    900           the app: time that child process may take
rows                 LABELEVAL_MAX_ROWS              20,000,000    per file; Parquet from its footer, XLSX from
                                                                   its cell references, before decoding
columns              LABELEVAL_MAX_COLUMNS           10,000        per file, from the header (JSON: distinct keys,
                                                                   counted while parsing)
cells                LABELEVAL_MAX_CELLS             200,000,000   rows x columns per file, before decoding (XLSX:
                                                                   the rectangle its cell references span)
decoded_mb           LABELEVAL_MAX_DECODED_MB        1,000         text a compressed file expands to (Parquet
                                                                   strings and nested values, XLSX sheet XML),
                                                                   before decoding
labels               LABELEVAL_MAX_LABELS            10,000        declared labels of a task
vendors              LABELEVAL_MAX_VENDORS           100           vendors in a manifest
resamples            LABELEVAL_MAX_RESAMPLES         100,000       bootstrap resamples (n_boot, --n-boot)
json_depth           LABELEVAL_MAX_JSON_DEPTH        64            nesting of a JSON or JSONL record
evaluations          LABELEVAL_MAX_EVALUATIONS       2             evaluations the app runs at once (the others
                                                                   wait): server memory is bounded by this many
                                                                   running evaluations plus the cached reports
dawid_skene_cells    LABELEVAL_MAX_DS_CELLS          2,000,000     annotators x labels^2 of a Dawid-Skene fit
                                                                   (its confusion matrices); a fit that was not
                                                                   asked for is skipped above it
===================  ==============================  ============  ============================================

A limit that is exceeded raises :class:`~labeleval.errors.LimitError` (a ``LabelevalError``) whose message
names the file, the limit, what was found and the variable that raises it.

One bound is on values, not work, and has no variable: :data:`MAX_AMOUNT`, the largest duration (in seconds),
cost, rate, fee or price an input may give (1e12: twelve orders of magnitude above any real one, and small
enough that sums over the most rows a file may hold, and their squares, stay far from float overflow). A
larger value in a row is quarantined as ``BAD_NUMBER``; in a manifest or a rates table it is an error. A numeric
label (interval and ratio tasks) beyond :data:`MAX_LABEL_VALUE` (1e100) in size is quarantined as
``OUT_OF_RANGE``: the squares and sums of squares the agreement and error metrics form then stay finite.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Final

from labeleval.errors import LimitError

#: the largest duration (seconds), cost, rate, fee or price an input may give (module docstring)
MAX_AMOUNT: Final = 1e12
#: the largest size of a numeric label (module docstring)
MAX_LABEL_VALUE: Final = 1e100

_ENV: Final[dict[str, str]] = {
    "upload_mb": "LABELEVAL_MAX_UPLOAD_MB",
    "upload_files": "LABELEVAL_MAX_UPLOAD_FILES",
    "reader_mb": "LABELEVAL_MAX_READER_MB",
    "reader_seconds": "LABELEVAL_MAX_READER_SECONDS",
    "rows": "LABELEVAL_MAX_ROWS",
    "columns": "LABELEVAL_MAX_COLUMNS",
    "cells": "LABELEVAL_MAX_CELLS",
    "decoded_mb": "LABELEVAL_MAX_DECODED_MB",
    "labels": "LABELEVAL_MAX_LABELS",
    "vendors": "LABELEVAL_MAX_VENDORS",
    "resamples": "LABELEVAL_MAX_RESAMPLES",
    "json_depth": "LABELEVAL_MAX_JSON_DEPTH",
    "dawid_skene_cells": "LABELEVAL_MAX_DS_CELLS",
    "evaluations": "LABELEVAL_MAX_EVALUATIONS",
}
_WHAT: Final[dict[str, str]] = {
    "upload_mb": "MB uploaded",
    "upload_files": "files uploaded",
    "reader_mb": "MB of memory for reading an upload",
    "reader_seconds": "seconds for reading an upload",
    "rows": "rows",
    "columns": "columns",
    "cells": "cells (rows x columns)",
    "decoded_mb": "MB of decoded text",
    "labels": "labels",
    "vendors": "vendors",
    "resamples": "bootstrap resamples",
    "json_depth": "levels of JSON nesting",
    "dawid_skene_cells": "cells of Dawid-Skene confusion matrices (annotators x labels^2)",
    "evaluations": "evaluations at once",
}


@dataclass(frozen=True)
class Limits:
    """The bounds on input size and work; see the module docstring for each one."""

    upload_mb: int = 200
    upload_files: int = 20
    reader_mb: int = 8_192
    reader_seconds: int = 900
    rows: int = 20_000_000
    columns: int = 10_000
    cells: int = 200_000_000
    decoded_mb: int = 1_000
    labels: int = 10_000
    vendors: int = 100
    resamples: int = 100_000
    json_depth: int = 64
    dawid_skene_cells: int = 2_000_000
    evaluations: int = 2

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, each replaced by its environment variable when that is set."""
        values: dict[str, int] = {}
        for f in fields(cls):
            raw = os.environ.get(_ENV[f.name])
            if raw is None or not raw.strip():
                continue
            try:
                value = int(raw.replace("_", "").replace(",", ""))
            except ValueError:
                raise LimitError(f"{_ENV[f.name]}={raw!r} is not a whole number") from None
            if value <= 0:
                raise LimitError(f"{_ENV[f.name]}={raw!r} must be a positive whole number")
            values[f.name] = value
        return cls(**values)

    def check(self, name: str, found: float, where: str = "") -> None:
        """Raise :class:`LimitError` if ``found`` exceeds the limit ``name``."""
        limit = getattr(self, name)
        if found > limit:
            prefix = f"{where}: " if where else ""
            raise LimitError(
                f"{prefix}{found:,.0f} {_WHAT[name]} is over the limit of {limit:,} ({name}); raise it with the "
                f"environment variable {_ENV[name]}=... if the machine has the memory for it"
            )


def current() -> Limits:
    """The limits in force now (defaults overridden by environment variables)."""
    return Limits.from_env()


_SLOTS: threading.BoundedSemaphore | None = None
_SLOTS_LOCK = threading.Lock()


@contextmanager
def evaluation_slot() -> Iterator[None]:
    """Hold one of ``evaluations`` slots while scoring (the app's sessions share them; the rest wait), so that
    twenty sessions opening twenty large projects at once run two evaluations at a time, not twenty."""
    global _SLOTS
    with _SLOTS_LOCK:
        if _SLOTS is None:
            _SLOTS = threading.BoundedSemaphore(current().evaluations)
    with _SLOTS:
        yield


def env_variable(name: str) -> str:
    """The environment variable that sets the limit ``name``."""
    return _ENV[name]

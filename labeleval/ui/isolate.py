"""Uploads are read, and scored, in a child process that may die without taking the app server with it.

A reader for a file the server did not write can fail in ways Python cannot catch: a native library that asks
for hundreds of GiB aborts the whole process (an XLSX whose cell references reach XFD1048576), a decoder can
run for minutes. The app therefore hands every read of an upload (the column mapping's preview, the scoring of
an uploaded project, the ledger of a project that failed) to :func:`run_isolated`, which runs it in a child
process with

- an address-space limit (``RLIMIT_AS``, ``reader_mb`` in :mod:`labeleval.limits`), so a huge allocation fails
  in the child (a ``MemoryError``, or an abort) instead of swapping the server, and
- a time limit (``reader_seconds``), after which the child is killed,

and turns every way the child can end (a :class:`~labeleval.errors.LabelevalError`, a ``MemoryError``, any other
exception, a signal such as SIGABRT, the time limit) into a ``LabelevalError`` whose message names the file.

The children come from a fork server started once (``multiprocessing``'s ``forkserver``: a fresh, single-threaded
process that has imported this module, and with it the readers and the scoring), so a child starts in tens of
milliseconds without the server's threads or its memory. The server's own projects (the bundled samples, a
project named on the command line) are scored in the server's process as before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing import forkserver, spawn
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from labeleval.api import evaluate
from labeleval.errors import LabelevalError
from labeleval.io.formats import metadata_fields, sniff, suggest_item_field
from labeleval.io.formats.guess import NAME_HINTS, guess_columns
from labeleval.io.graded import read_graded
from labeleval.io.inspect import read_file
from labeleval.io.pipeline import load_data
from labeleval.io.readers import read_table
from labeleval.limits import current as current_limits
from labeleval.limits import env_variable
from labeleval.project.manifest import load_project
from labeleval.report import Report
from labeleval.safety import terminal_text

T = TypeVar("T")


class ReaderStopped(LabelevalError):
    """The child process ended without an answer: over its memory (``reader_mb``) or time (``reader_seconds``)
    limit, or killed by a signal (a native reader's abort)."""


class ReaderTimedOut(ReaderStopped):
    """The child process was stopped at its time limit (``reader_seconds``)."""


_CONTEXT: Any = None
_CONTEXT_LOCK = threading.Lock()


#: The name of every child this module starts (``multiprocessing.Process(name=...)``).
CHILD_NAME = "labeleval-reader"


def _context() -> Any:
    """The fork server's multiprocessing context, made once, with this module preloaded in the fork server."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            if not getattr(spawn.get_preparation_data, "labeleval", False):
                setattr(spawn, "get_preparation_data", _without_main(spawn.get_preparation_data))  # noqa: B010
            _CONTEXT = context
    return _CONTEXT


def _without_main(prepare: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    """``multiprocessing.spawn.get_preparation_data`` for this module's children without the main module.

    A child of the fork server first imports the parent's ``__main__`` again. In the app that is the script
    Streamlit is running (it puts the page script in ``sys.modules["__main__"]`` during a run): the child would run
    the whole app before its one read. The children need nothing of it (their function is in this module, which
    the fork server has imported), so for them, and only them, the main module is left out."""

    def preparation_data(name: str) -> dict[str, Any]:
        data = prepare(name)
        if name == CHILD_NAME:
            data.pop("init_main_from_name", None)
            data.pop("init_main_from_path", None)
        return data

    preparation_data.labeleval = True  # type: ignore[attr-defined]
    return preparation_data


def start() -> None:
    """Start the fork server now (it imports this module, with the readers and the scoring, once), rather than
    at the first upload."""
    _context()
    forkserver.ensure_running()


def run_isolated(function: Callable[..., T], *args: Any, what: str) -> T:
    """``function(*args)`` run in a child process under the ``reader_mb`` and ``reader_seconds`` limits.

    ``function`` is a module-level function (it is sent to the child by name), its arguments and result are
    pickled. ``what`` names the file (or project) in every message. Raises :class:`LabelevalError` (its own
    kind when the child raised one) for every failure; never lets one reach the caller's process otherwise.
    """
    limits = current_limits()
    context = _context()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(send, function, args, limits.reader_mb), name=CHILD_NAME, daemon=True)
    child.start()
    send.close()
    try:
        outcome = _wait(receive, child, limits.reader_seconds)
    finally:
        receive.close()
        if child.is_alive():
            child.kill()
        child.join(5)
        exitcode = child.exitcode
        with contextlib.suppress(ValueError):
            child.close()
    if outcome is None:
        raise ReaderTimedOut(
            f"{what}: reading it took longer than {limits.reader_seconds:,} s (reader_seconds) and was stopped; "
            f"use the command line (labeleval read, labeleval score) for a file this slow, or raise the limit "
            f"with the environment variable {env_variable('reader_seconds')}=... when starting the app"
        )
    return _result(outcome, exitcode, what, limits.reader_mb)


def _wait(receive: Connection, child: Any, seconds: float) -> tuple[Any, ...] | None:
    """The child's message, ``("died",)`` if it ended without one, or None when ``seconds`` ran out."""
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        if receive.poll(min(left, 0.5)):
            try:
                message: tuple[Any, ...] = receive.recv()
            except (EOFError, OSError):  # the pipe closed: the child ended before it had sent a result
                return ("died",)
            return message
        if not child.is_alive() and not receive.poll(0):
            return ("died",)


def _result(outcome: tuple[Any, ...], exitcode: int | None, what: str, memory_mb: int) -> Any:
    kind = outcome[0]
    if kind == "ok":
        return outcome[1]
    if kind == "error":
        error: LabelevalError = outcome[1]
        raise error
    raise_it = (
        f"use the command line (labeleval read, labeleval score) on a machine with the memory for it, or raise "
        f"the limit with the environment variable {env_variable('reader_mb')}=... when starting the app"
    )
    if kind == "memory":
        raise ReaderStopped(
            f"{what}: reading it needed more than the {memory_mb:,} MB of memory the app gives one upload's reader "
            f"(reader_mb); {raise_it}"
        )
    if kind == "crash":
        raise LabelevalError(f"{what}: this file could not be read ({outcome[1]}); check that it is what its name says")
    raise ReaderStopped(
        f"{what}: the reader stopped without an answer ({_signal_name(exitcode)}). Readers stop like this when a "
        f"file makes them ask for more memory than the {memory_mb:,} MB the app allows (reader_mb), such as a "
        f"sheet whose cell references span millions of rows and columns; only this upload was affected. Check "
        f"the file; if it is what it should be, {raise_it}"
    )


def _signal_name(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-exitcode).name}"
    return f"exit status {exitcode}"


def _child(send: Connection, function: Callable[..., Any], args: Sequence[Any], memory_mb: int) -> None:
    """The child's body: the limits, then the call; its result or what went wrong goes back through ``send``."""
    os.environ["RUST_BACKTRACE"] = "0"  # a native reader's panic: one line in the server's log, not a backtrace
    limit = memory_mb * 1024**2
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    message: tuple[Any, ...]
    try:
        message = ("ok", function(*args))
    except LabelevalError as exc:
        message = ("error", exc)
    except MemoryError:
        message = ("memory",)
    except RecursionError:
        message = ("crash", "nested too deeply")
    except BaseException as exc:  # any other failure of a reader (a native panic is a BaseException): named
        message = ("crash", terminal_text(f"{type(exc).__name__}: {exc}", keep_newlines=False)[:300])
    try:
        send.send(message)
    except MemoryError:
        send.send(("memory",))
    except Exception as exc:  # a result that does not pickle: a bug, said as such
        send.send(("crash", f"its result could not be sent back ({type(exc).__name__})"))
    send.close()
    os._exit(0)  # no atexit handlers or finalizers of the fork server's modules in a child


# ------------------------------------------------------------------------ what the children run


@dataclass(frozen=True)
class FileFacts:
    """What the mapping form needs to know about one uploaded file before the user chooses anything: the native
    format its content looks like (None: a plain table), the suggested dotted item id and annotator fields of a
    JSON export, and, for a table, its columns and the guessed mapping of the canonical fields."""

    format: str | None
    item_field: str | None
    annotator_field: str | None
    columns: tuple[str, ...] | None
    guessed: Mapping[str, str]
    #: a JSON export's item fields beside its ids (``data.lang``), offered as item metadata to keep
    metadata: tuple[str, ...] = ()


def file_facts(path: Path, canonical: tuple[str, ...]) -> FileFacts:
    """:class:`FileFacts` of ``path``, a table's columns guessed for the fields ``canonical`` (run in a child)."""
    detected = sniff(path)
    if detected is not None:
        return FileFacts(
            detected,
            suggest_item_field(path, detected),
            suggest_item_field(path, detected, "annotator_id") if detected == "scale" else None,
            None,
            {},
            tuple(metadata_fields(path, detected)),
        )
    columns, guessed = table_columns(path, canonical)
    return FileFacts(None, None, None, columns, guessed)


def table_columns(path: Path, canonical: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, str]]:
    """A table's columns and the guessed column of each canonical field in ``canonical`` (run in a child)."""
    frame = read_table(path).frame
    fields = tuple(f for f in canonical if f in NAME_HINTS)
    return tuple(str(c) for c in frame.columns), dict(guess_columns(frame, fields))


@dataclass(frozen=True)
class Preview:
    """What the mapping form shows of one vendor file read with its settings: the ledger's counts, the reader's
    notes, the set-aside rows' reasons with counts, each label's count, and the rows the export marks excluded
    from billing. Small, whatever the file's size: this is what is cached and sent back, never the rows."""

    rows_read: int
    kept: int
    quarantined: int
    notes: tuple[str, ...]
    reasons: tuple[tuple[str, int], ...]
    label_counts: tuple[tuple[str, int], ...]
    excluded_rows: int


def preview(path: Path, settings: Mapping[str, Any]) -> Preview:
    """The :class:`Preview` of ``path`` read with ``settings`` (``read_file``'s keywords; run in a child)."""
    reading = read_file(path, **settings)
    row = reading.ledger.iloc[0]
    reasons = reading.quarantine["reason"].astype(str).value_counts() if len(reading.quarantine) else pd.Series()
    labels = reading.rows["label"].dropna().astype(str).value_counts()
    return Preview(
        int(row["rows_read"]),
        int(row["kept"]),
        int(row["quarantined"]),
        tuple(str(n) for n in reading.notes),
        tuple((str(k), int(v)) for k, v in reasons.items()),
        tuple((str(k), int(v)) for k, v in labels.items()),
        int(reading.billing.excluded_rows),
    )


def score_project(manifest: str, options: Mapping[str, Any]) -> Report:
    """``evaluate(manifest, **options)`` (run in a child for an uploaded project)."""
    return evaluate(manifest, **dict(options))


def read_ledger(manifest: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ledger and the quarantined rows of what could be read of a project (run in a child)."""
    data = load_data(load_project(manifest))
    return data.ledger, data.quarantine


def read_graded_detail(manifest: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A graded project's deliverables (id, vendor, text) and every review of them (the panel's, the gold
    reviewers', the judges', each with its ``role``), as the Items page shows them (run in a child for an upload)."""
    data = read_graded(load_project(manifest))
    texts = data.deliverables[["deliverable_id", "vendor", "text"]]
    parts = [
        frame[["deliverable_id", "reviewer_id", "criterion", "score"]].assign(role=role)
        for role, frame in (("panel", data.reviews), ("gold", data.gold_reviews), ("judge", data.judge_reviews))
        if len(frame)
    ]
    reviews = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["deliverable_id", "reviewer_id", "criterion", "score", "role"])
    )
    return texts, reviews


def read_one(path: Path, format: str | None) -> int:
    """Read one file of a project the way its reader would (a vendor's format, else a table): the rows read."""
    if format is not None:
        return len(read_file(path, format=format).rows)
    return len(read_table(path).frame)


def culprit(manifest: str) -> ReaderStopped | None:
    """After a project's scoring child was stopped: the error of the first of its files that stops a reader on
    its own, each read in its own child (a vendor's export with its format, every other file as a table);
    None when no file does alone."""
    try:
        project = load_project(manifest)
    except LabelevalError:
        return None
    native = {v.file.path: v.file.format for v in project.vendors if v.file.native and v.file.url is None}
    rates = [v.rates for v in project.vendors if v.rates is not None]
    for path in [*project.files(), *rates]:
        if not path.is_file():
            continue
        try:
            run_isolated(read_one, path, native.get(path), what=path.name)
        except ReaderStopped as exc:
            return exc
        except LabelevalError:
            continue  # an ordinary error of this file: the project's own scoring says it
    return None

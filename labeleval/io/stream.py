"""The streamed engine: a project's rows read and encoded chunk by chunk on this machine.

``evaluate(..., engine="stream")`` reads each chunk (a Parquet row group, a block of lines, or a file) with
:func:`~labeleval.io.chunks.run_chunk`, adds it to a :class:`~labeleval.io.chunks.Combiner` and lets it
go: at no time are more than one chunk's raw rows in memory. The combined Dataset holds codes (categorical
ids), and the in-memory engine's :func:`~labeleval.scoring.run.score` makes the Report from it, so every count,
estimate and interval is the in-memory engine's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import pyarrow.parquet as pq

from labeleval.executor import release_memory
from labeleval.io.chunks import ChunkResult, ChunkTask, Combiner, is_multi_path, plan, run_chunk
from labeleval.io.dataset import Dataset
from labeleval.options import Engine, parse_option
from labeleval.project.manifest import FileSpec, Project

#: called after each chunk with (rows done, rows planned; 0 when a chunk's rows are not known before reading)
Progress = Callable[[int, int], None]

#: ``engine="auto"`` streams when the vendor files hold more than this many bytes on disk (or a vendor path
#: is a folder or glob); below it the in-memory engine is used
AUTO_STREAM_BYTES = 1_000_000_000
#: ... or when their Parquet footers count more than this many rows: Parquet compresses well (the 1e8-judgment
#: benchmark project is 0.5 GB of files, and the in-memory engine peaked at 11.5 GB on it; 1.7 GB at 1e7)
AUTO_STREAM_ROWS = 2**25


def combine_in_order(
    project: Project, tasks: list[ChunkTask], results: Iterable[ChunkResult], progress: Progress | None
) -> Dataset:
    """Add ``results`` (in ``tasks`` order) into one Dataset, reporting progress after each."""
    combiner = Combiner(project)
    total = sum(t.rows for t in tasks)
    done = 0
    for task, result in zip(tasks, results, strict=True):
        combiner.add(result)
        done += task.rows or result.rows_read
        if progress is not None:
            progress(done, max(total, done))
    data = combiner.finish()
    del combiner
    release_memory()  # the chunks' freed rows go back to the system before the scoring
    return data


def load_stream(project: Project, *, progress: Progress | None = None) -> Dataset:
    """Read ``project`` chunk by chunk in this process (see the module docstring)."""
    tasks = plan(project)
    return combine_in_order(project, tasks, _each(tasks), progress)


def _each(tasks: list[ChunkTask]) -> Iterator[ChunkResult]:
    for task in tasks:
        yield run_chunk(task)


def choose_engine(project: Project, engine: Engine | str) -> Engine:
    """The engine ``engine`` names; ``auto`` streams above :data:`AUTO_STREAM_BYTES` of vendor files or
    :data:`AUTO_STREAM_ROWS` rows in their Parquet footers, and every engine reads chunk by chunk when a vendor path
    is a folder, a glob or a URL of Parquet files (which the in-memory reader does not read)."""
    choice = parse_option(Engine, engine, "engine")
    multi = any(v.file.url is not None or is_multi_path(v.file.path) for v in project.vendors)
    if choice == Engine.MEMORY and multi:
        return Engine.STREAM  # a folder or glob is read chunk by chunk whatever the engine
    if choice != Engine.AUTO:
        return choice
    if multi:
        return Engine.STREAM
    size = sum(v.file.path.stat().st_size for v in project.vendors)
    rows = sum(_parquet_rows(v.file) for v in project.vendors)
    return Engine.STREAM if size > AUTO_STREAM_BYTES or rows > AUTO_STREAM_ROWS else Engine.MEMORY


def _parquet_rows(spec: FileSpec) -> int:
    """Rows a Parquet vendor file's footer counts (0 for other formats, or a footer that cannot be read: the
    reader then says what is wrong with the file)."""
    parquet = spec.format == "parquet" or (spec.format is None and spec.path.suffix.lower() in (".parquet", ".pq"))
    if not parquet:
        return 0

    try:
        return int(pq.ParquetFile(spec.path).metadata.num_rows)
    except Exception:  # pyarrow raises several unrelated types for a corrupt file
        return 0

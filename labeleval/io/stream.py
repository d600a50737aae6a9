"""Which engine reads a project (:func:`choose_engine`), and the streamed engine's way of running its chunks.

``stream`` runs the chunked plan (:func:`labeleval.io.plan.plan`) one chunk at a time in this process
(:func:`one_at_a_time`): each chunk is read, normalised and encoded (:func:`~labeleval.io.chunk.run_chunk`), added
to the :class:`~labeleval.io.combine.Combiner` and let go, so at no time are more than one chunk's raw rows in
memory.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pyarrow.parquet as pq

from labeleval.io.chunk import ChunkResult, run_chunk
from labeleval.io.plan import ChunkTask
from labeleval.options import Engine, parse_option
from labeleval.project.manifest import FileSpec, Project
from labeleval.project.paths import is_multi_path
from labeleval.tuning import AUTO_STREAM_BYTES, AUTO_STREAM_ROWS


def one_at_a_time(tasks: Sequence[ChunkTask]) -> Iterator[ChunkResult]:
    """Each task's result in task order, each chunk run only when the previous one's result was taken."""
    return map(run_chunk, tasks)


def choose_engine(project: Project, engine: Engine | str) -> Engine:
    """The engine ``engine`` names; ``auto`` streams above :data:`AUTO_STREAM_BYTES` of vendor files or
    :data:`AUTO_STREAM_ROWS` rows in their Parquet footers, and every engine reads chunk by chunk when a vendor path
    is a folder, a glob or a URL of Parquet files (which the in-memory reader does not read)."""
    choice = parse_option(Engine, engine, "engine")
    multi = any(
        v.file.url is not None or (v.file.frame is None and is_multi_path(v.file.path)) for v in project.vendors
    )
    if choice == Engine.MEMORY and multi:
        return Engine.STREAM  # a folder or glob is read chunk by chunk whatever the engine
    if choice != Engine.AUTO:
        return choice
    if multi:
        return Engine.STREAM
    if any(v.file.frame is not None for v in project.vendors):
        return Engine.MEMORY  # frames are in memory already
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

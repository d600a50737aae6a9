"""The one way in from a project's files to a :class:`~labeleval.io.dataset.Dataset`, whatever the engine.

``memory`` reads each vendor file whole in this process (:func:`labeleval.io.dataset.read_in_memory`);
``stream`` reads it chunk by chunk (:func:`labeleval.io.stream.load_stream`); ``dask`` runs the same chunk tasks
on a Dask cluster (:func:`labeleval.io.distributed.load_dask`). Every engine gives the same Dataset up to the
ids' dtype (text in memory, categorical when chunked).
"""

from __future__ import annotations

from labeleval.executor import release_memory
from labeleval.io.dataset import Dataset, read_in_memory
from labeleval.io.distributed import load_dask
from labeleval.io.stream import Progress, choose_engine, load_stream
from labeleval.options import Engine
from labeleval.project.manifest import Project
from labeleval.project.paths import is_multi_path


def load_data(project: Project, *, n_jobs: int | None = 1) -> Dataset:
    """Read the gold file and every vendor file of ``project`` (``n_jobs`` vendor files at a time in memory).

    A vendor path that names a folder, glob or URL of Parquet files is read chunk by chunk
    (:func:`labeleval.io.stream.load_stream`), with the same result."""
    if any(v.file.url is not None or is_multi_path(v.file.path) for v in project.vendors):
        return load_stream(project)
    return read_in_memory(project, n_jobs=n_jobs)


def load(
    project: Project,
    engine: Engine | str = Engine.AUTO,
    *,
    scheduler: object = None,
    progress: Progress | None = None,
    n_jobs: int | None = 1,
) -> Dataset:
    """Read ``project`` with the chosen engine. ``scheduler``: a Dask scheduler address or ``Client``;
    ``n_jobs``: vendor files the in-memory reader reads at a time (the chunked engines read one chunk at a time)."""
    choice = choose_engine(project, engine)
    if choice == Engine.MEMORY:
        data = load_data(project, n_jobs=n_jobs)
        release_memory()  # the reader's freed text goes back to the system before the scoring
        return data
    if choice == Engine.STREAM:
        return load_stream(project, progress=progress)
    return load_dask(project, scheduler=scheduler, progress=progress)

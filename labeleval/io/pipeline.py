"""The one way from a project's files to a :class:`~labeleval.io.dataset.Dataset`, whatever the engine.

Every engine runs the same three steps, and differs only in how the chunks are cut and where they run:

1. **plan** (:mod:`labeleval.io.plan`): the chunks, without reading rows;
2. **read and normalise each chunk** (:func:`labeleval.io.chunk.run_chunk`): every row kept or quarantined,
   the kept rows encoded;
3. **combine** (:mod:`labeleval.io.combine`): gold and the items table read, the chunks' results added up in plan
   order into the Dataset.

``memory`` plans one chunk per vendor file, read whole, and runs them in this process, ``n_jobs`` at a time
(:class:`labeleval.executor.Executor`); ``stream`` cuts files into row groups and
blocks of lines and runs them one at a time (:func:`labeleval.io.stream.one_at_a_time`); ``dask`` runs the same
chunks as tasks on a cluster (:func:`labeleval.io.distributed.dask_runner`).
"""

from __future__ import annotations

from labeleval.executor import Executor
from labeleval.io.chunk import run_chunk
from labeleval.io.combine import Progress, combine
from labeleval.io.dataset import Dataset
from labeleval.io.distributed import dask_runner
from labeleval.io.plan import plan, plan_files
from labeleval.io.stream import choose_engine, one_at_a_time
from labeleval.options import Engine
from labeleval.project.manifest import Project


def load_data(project: Project, *, n_jobs: int | None = 1) -> Dataset:
    """Read the gold file and every vendor file of ``project`` with the in-memory engine, ``n_jobs`` vendor files
    at a time (a vendor path that names a folder, glob or URL of Parquet files is read chunk by chunk, with the
    same result)."""
    return load(project, Engine.MEMORY, n_jobs=n_jobs)


def load(
    project: Project,
    engine: Engine | str = Engine.AUTO,
    *,
    scheduler: object = None,
    progress: Progress | None = None,
    n_jobs: int | None = 1,
) -> Dataset:
    """Read ``project`` with the chosen engine. ``scheduler``: a Dask scheduler address or ``Client``;
    ``progress``: called after each chunk by the chunked engines; ``n_jobs``: vendor files the in-memory engine
    reads at a time (:mod:`labeleval.executor`; the chunked engines run one chunk at a time). If several files fail,
    the first file's error is raised, whatever ``n_jobs``."""
    choice = choose_engine(project, engine)
    if choice == Engine.MEMORY:
        return combine(project, plan_files(project), lambda tasks: Executor(n_jobs).ordered_map(run_chunk, tasks))
    tasks = plan(project)
    if choice == Engine.STREAM:
        return combine(project, tasks, one_at_a_time, progress)
    with dask_runner(scheduler) as run:
        return combine(project, tasks, run, progress)

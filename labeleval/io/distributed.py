"""The Dask engine: the chunked plan's tasks on a ``dask.distributed`` cluster.

Each chunk (:class:`~labeleval.io.plan.ChunkTask`: a Parquet row group, a block of lines or a file) is one task
running :func:`~labeleval.io.chunk.run_chunk` on a worker: read, normalise, encode. The workers send back codes,
ledger rows and billing sums; this process adds them up in plan order with the same
:class:`~labeleval.io.combine.Combiner` as every engine, so the Dataset, and the Report, is the other engines'.

At most ``window`` tasks are in flight (a few per worker thread), so finished chunks do not pile up in the
cluster's memory faster than this process combines them. Workers must be able to read the vendor files at
the paths the manifest gives (a shared file system, or the same mount on every worker).

``scheduler`` is a scheduler address (``tcp://10.0.0.5:8786``: dask-kubernetes, Coiled, dask-yarn, dask-jobqueue
and ``dask scheduler`` all give one), a ``distributed.Client``, or None for a small local cluster on this machine
(two in-process workers, no network). Requires the extra: ``pip install 'labeleval[dask]'``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from labeleval.errors import LabelevalError
from labeleval.io.chunk import ChunkResult, run_chunk
from labeleval.io.combine import Runner
from labeleval.io.plan import ChunkTask


def _client(scheduler: object) -> tuple[Any, Any]:
    """(client, cluster to close or None) for ``scheduler``."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise LabelevalError("engine 'dask' needs Dask: pip install 'labeleval[dask]' (dask[distributed])") from None
    if isinstance(scheduler, Client):
        return scheduler, None
    if scheduler is None:
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
        return Client(cluster), cluster
    try:
        return Client(str(scheduler), timeout="30s"), None
    except (OSError, TimeoutError) as exc:
        raise LabelevalError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None


@contextmanager
def dask_runner(scheduler: object = None, window: int = 0) -> Iterator[Runner]:
    """Within: a runner of chunk tasks on the cluster ``scheduler`` names (see the module docstring); a client
    or cluster made here is closed on leaving."""
    client, cluster = _client(scheduler)
    owned = cluster is not None or not _is_client(scheduler)
    try:
        threads = sum(client.nthreads().values()) or 1
        yield lambda tasks: _in_order(client, tasks, window or 2 * threads)
    finally:
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()


def _is_client(scheduler: object) -> bool:
    try:
        from distributed import Client
    except ImportError:
        return False
    return isinstance(scheduler, Client)


def _in_order(client: Any, tasks: Sequence[ChunkTask], window: int) -> Iterator[ChunkResult]:
    """Each task's result in plan order, with at most ``window`` tasks submitted and not yet collected."""
    pending: deque[Any] = deque()
    queue = iter(tasks)
    for task in queue:
        pending.append(client.submit(run_chunk, task, pure=False))
        if len(pending) >= window:
            break
    while pending:
        future = pending.popleft()
        result = future.result()  # a LabelevalError raised on a worker is raised here, message intact
        future.release()
        for task in queue:
            pending.append(client.submit(run_chunk, task, pure=False))
            break
        yield result

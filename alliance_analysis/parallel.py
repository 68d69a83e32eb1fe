"""Scale-out on Dask (``dask.distributed``): one place that opens and uses a cluster.

Two functions, shared by the archive ingest (:func:`alliance_analysis.datasets.police_uk.load_street_archive`)
and the forecasting engine:

* :func:`dask_client` is a context manager that yields a ``distributed.Client`` when
  workers or a cluster are asked for, and ``None`` otherwise (so callers run
  in-process with no Dask import at all);
* :func:`map_tasks` maps a function over items, in order, on that client or
  in-process when there is none.

When to use it: a local cluster pays off only when each task is large (a whole
police.uk month folder, thousands of series); starting 2 worker processes costs
about 1-2 s. Pointing at an existing cluster: pass ``client="tcp://host:8786"`` (a
scheduler address) or a ``distributed.Client`` you already opened; the function
never closes a client it did not create.

Examples
--------
>>> with dask_client() as client:
...     map_tasks(abs, [-1, 2, -3], client=client)
[1, 2, 3]
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from alliance_analysis.errors import ParameterError

if TYPE_CHECKING:  # pragma: no cover
    import distributed

logger = logging.getLogger(__name__)

__all__ = ["dask_client", "map_tasks"]

T = TypeVar("T")
R = TypeVar("R")

_QUIET = ("distributed", "distributed.scheduler", "distributed.nanny", "distributed.worker",
          "distributed.core", "distributed.http.proxy", "bokeh", "tornado")


@contextmanager
def _quiet_logs() -> Iterator[None]:
    saved = {}
    for name in _QUIET:
        lg = logging.getLogger(name)
        saved[name] = lg.level
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@contextmanager
def dask_client(
    workers: int | None = None,
    client: distributed.Client | str | None = None,
) -> Iterator[distributed.Client | None]:
    """Open (or reuse) a Dask client for the duration of a ``with`` block.

    Parameters
    ----------
    workers : int, optional
        Start a ``LocalCluster`` with this many worker *processes*, one thread
        each, no dashboard, logs silenced; it is closed when the block ends.
    client : distributed.Client or str, optional
        An existing client (used as is, never closed here) or a scheduler address
        such as ``"tcp://10.0.0.5:8786"`` (connected, closed at the end). Takes
        precedence over ``workers``.

    Yields
    ------
    distributed.Client or None
        ``None`` when neither ``workers`` nor ``client`` is given: run in-process.

    Raises
    ------
    ParameterError
        If ``workers`` is not a positive integer, ``client`` is of the wrong type,
        or the scheduler address cannot be reached.

    Examples
    --------
    >>> with dask_client(None) as c:
    ...     c is None
    True
    """
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise ParameterError(
            f"workers={workers!r} must be a positive integer (or None to run in-process). "
            "Fix: pass e.g. workers=2"
        )
    if client is None and workers is None:
        yield None
        return
    import distributed  # imported only when a cluster is asked for

    if isinstance(client, distributed.Client):
        yield client
        return
    if client is not None and not isinstance(client, str):
        raise ParameterError(
            f"client={client!r} must be a distributed.Client or a scheduler address string. "
            "Fix: pass client='tcp://host:8786' or an open Client"
        )
    with _quiet_logs():
        if isinstance(client, str):
            try:
                c = distributed.Client(client, timeout="10s", set_as_default=False)
            except (OSError, TimeoutError) as exc:
                raise ParameterError(
                    f"could not connect to the Dask scheduler at {client!r}: {exc}. Fix: check "
                    "the address (tcp://host:port) and that the scheduler is running"
                ) from exc
            try:
                yield c
            finally:
                c.close()
            return
        cluster = distributed.LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=logging.ERROR,
        )
        try:
            c = distributed.Client(cluster, set_as_default=False)
            try:
                logger.info("started a local Dask cluster with %d worker process(es)", workers)
                yield c
            finally:
                c.close()
        finally:
            cluster.close()


def map_tasks(
    func: Callable[[T], R],
    items: Iterable[T],
    *,
    client: distributed.Client | None = None,
    progress: bool = False,
) -> list[R]:
    """Apply ``func`` to every item and return the results in the items' order.

    Parameters
    ----------
    func : callable
        A picklable function of one argument (a module-level function, or a
        ``functools.partial`` of one, when a client is used).
    items : iterable
        The work units (files, blocks of series).
    client : distributed.Client, optional
        Run the tasks on this client (one task per item, results gathered in
        order). ``None`` runs them in this process, one after the other.
    progress : bool, default False
        Show a tqdm bar as results arrive.

    Returns
    -------
    list
        ``[func(item) for item in items]``. The first task error is raised as is
        (after the remaining tasks are cancelled).

    Examples
    --------
    >>> map_tasks(len, ["a", "bb", ""])
    [1, 2, 0]
    """
    from alliance_analysis.progress import tqdm

    items = list(items)
    if client is None:
        return [func(x) for x in tqdm(items, disable=not progress, desc="tasks", unit="task")]
    import distributed

    futures = client.map(func, items, pure=False)
    try:
        if progress:
            for _ in tqdm(distributed.as_completed(futures), total=len(futures), desc="tasks",
                          unit="task"):
                pass
        return client.gather(futures)
    finally:
        client.cancel(futures)


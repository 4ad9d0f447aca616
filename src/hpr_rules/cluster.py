"""Running on a Dask cluster (``dask.distributed``): the same per-file checks and the
same scenario replications as in one process, as tasks on the workers of a cluster.

The driver (the process that runs ``hpr``) only submits tasks and adds up what they
return: counts per rule and status, rows read and rejected, and the few ids that occur
in more than one file. Findings are written by the workers, one part per input file,
so the driver's memory does not grow with the number of records. Workers and driver
must see the dataset and the output directory under the same path (a shared file
system), and every worker needs ``hpr-rules`` installed.

The cross-file duplicate check takes two passes over the id columns: each worker hashes
the distinct ids of its file, a tree of reduce tasks on the workers counts the hashes
and hands the driver only those seen in more than one file; the workers then return the
ids of their file behind those hashes, so a hash collision never rejects a row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import HprError, InputError

_EXTRA = "the Dask engine needs the optional extra: pip install 'hpr-rules[dask]'"
_FAN_IN = 8  # inputs per reduce task


def _distributed():
    try:
        import distributed
    except ImportError:
        raise InputError(_EXTRA) from None
    return distributed


LOCAL = "local"  # as a scheduler address: a local cluster, whatever Dask's configuration says


def scheduler_address(scheduler: str | None = None) -> str | None:
    """``scheduler``, else Dask's configured ``scheduler-address`` (e.g. ``DASK_SCHEDULER_ADDRESS``);
    ``None`` for a local cluster."""
    if scheduler == LOCAL:
        return None
    if scheduler:
        return scheduler
    try:
        import dask
    except ImportError:
        raise InputError(_EXTRA) from None
    return dask.config.get("scheduler-address", None) or None


@contextlib.contextmanager
def connect(scheduler: str | None = None, *, n_workers: int | None = None, memory_limit="auto"):
    """A ``distributed.Client`` of the cluster at ``scheduler`` (see :func:`scheduler_address`);
    without an address (or with ``"local"``), of a local cluster of worker processes (one thread each) on 127.0.0.1,
    shut down on leaving."""
    distributed = _distributed()
    address = scheduler_address(scheduler)
    if address:
        try:
            client = distributed.Client(address)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        with client:
            yield client
        return
    import dask
    # Dask starts workers with MALLOC_TRIM_THRESHOLD_ set, which makes every large numpy array a
    # fresh mmap: the checks ran 1.8 times slower. Loopback only; errors still reach the log,
    # routine notices (a slow worker shutdown) do not.
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                           memory_limit=memory_limit, silence_logs=logging.ERROR)
    with cluster, distributed.Client(cluster) as client:
        yield client


def _gather_each(client, futures, progress=None):
    """Results of ``futures`` in submission order; ``progress(1)`` as each completes.

    A task that fails cancels the rest and its error (an :class:`InputError` naming the
    file, say) is raised here, as in one process.
    """
    distributed = _distributed()
    index = {f.key: i for i, f in enumerate(futures)}
    results: list = [None] * len(futures)
    try:
        for fut in distributed.as_completed(futures):
            results[index[fut.key]] = _raised(fut.result())
            fut.release()
            if progress:
                progress(1)
    except distributed.KilledWorker as exc:
        client.cancel(futures)
        raise HprError(f"Dask workers died running {exc.task} (see the workers' log; out of memory?)") from None
    except BaseException:
        client.cancel(futures)
        raise
    return results


class _Expected:
    """An :class:`HprError` a task returns instead of raising: an expected error (a file to
    fix) is the driver's one line, not a crash the worker logs with its traceback."""

    def __init__(self, error: HprError):
        self.error = error


def _expected(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` on a worker; an :class:`HprError` comes back as an :class:`_Expected`."""
    try:
        return fn(*args, **kwargs)
    except HprError as exc:
        return _Expected(exc)


def _submit(client, fn, *args):
    """A task running ``fn(*args)`` through :func:`_expected`, its key named after ``fn`` (as Dask names it)."""
    import uuid
    return client.submit(_expected, fn, *args, key=f"{fn.__name__}-{uuid.uuid4().hex}", pure=False)


def _raised(result):
    """A task's result; the error it returned is raised here."""
    if isinstance(result, _Expected):
        raise result.error
    return result


class ClusterMap:
    """``map(fn, items)`` as one task per item on a Dask cluster, results in the order of
    ``items``: the ``executor`` of :func:`hpr_rules.scenarios.run_scenario`, one task per
    replication. ``fn`` and all it refers to (the compiled rules, the starting workforce)
    travel to each worker once, not with every task; ``progress(1)`` as each task completes.
    """

    def __init__(self, client, progress=None):
        self.client = client
        self.progress = progress

    def map(self, fn, items) -> list:
        [fn_f] = self.client.scatter([fn], hash=False)
        futures = [_submit(self.client, _call, fn_f, x) for x in items]
        return _gather_each(self.client, futures, self.progress)


def _call(fn, x):
    return fn(x)


# ------------------------------------------------------------------ hpr check on a dataset

def check_parts(files, compiled, day: dt.date, out: Path, *, mapping=None, scheduler: str | None = None,
                progress=None, side=None, employer=(), rejects: bool = False) -> list[dict]:
    """Check each file of a dataset on a cluster, as :func:`hpr_rules.scale.check_part` does
    in one process; returns the per-part counts (and ``rejects``: rejected rows) in file order."""
    from .scale import check_part, id_column
    paths = [str(Path(f).resolve()) for f in files]  # workers need not share the driver's working directory
    out = Path(out).resolve()
    with connect(scheduler) as client:
        dups = cross_file_duplicates(client, paths, id_column(mapping), mapping) if len(paths) > 1 else {}
        # the compiled rules (and the mapping) go to each worker once, not with every task
        [book_f] = client.scatter([compiled], broadcast=True, hash=False)
        [dups_f] = client.scatter([dups], broadcast=True, hash=False)
        # the side tables travel loaded (a worker need not see their files)
        side_f = client.scatter([side], broadcast=True, hash=False)[0] if side else None
        futures = [_submit(client, check_part, i, p, book_f, day, str(out), mapping, dups_f, side_f, employer,
                           rejects)
                   for i, p in enumerate(paths)]
        return _gather_each(client, futures, progress)


def _id_hashes(path: str, column: str, mapping=None) -> tuple[np.ndarray, np.ndarray]:
    """(sorted distinct 64-bit hashes of the file's ids, a count of one each)."""
    from .scale import file_ids
    ids = file_ids(path, column, mapping)
    h = np.unique(pd.util.hash_array(np.asarray(ids, dtype=object))) if ids else np.empty(0, dtype=np.uint64)
    return h, np.ones(len(h), dtype=np.int64)


def _add_hash_counts(*parts) -> tuple[np.ndarray, np.ndarray]:
    """The sum of several (hashes, counts) tallies (or the first error one of them returned)."""
    failed = next((p for p in parts if isinstance(p, _Expected)), None)
    if failed is not None:
        return failed
    h = np.concatenate([p[0] for p in parts])
    c = np.concatenate([p[1] for p in parts])
    uniq, inverse = np.unique(h, return_inverse=True)
    return uniq, np.bincount(inverse, weights=c, minlength=len(uniq)).astype(np.int64)


def _repeated(tally) -> np.ndarray:
    if isinstance(tally, _Expected):
        return tally
    return tally[0][tally[1] > 1]


def _ids_behind(path: str, column: str, hashes: np.ndarray, mapping=None) -> list[str]:
    """The ids of a file whose hash is one of ``hashes``."""
    from .scale import file_ids
    ids = np.asarray(file_ids(path, column, mapping), dtype=object)
    if not len(ids):
        return []
    return ids[np.isin(pd.util.hash_array(ids), hashes)].tolist()


def cross_file_duplicates(client, paths: list[str], column: str, mapping=None) -> dict:
    """employee_id -> message for ids in more than one file, as
    :func:`hpr_rules.scale.cross_file_duplicates`, counted on the cluster."""
    from .scale import cross_file_messages
    level = [_submit(client, _id_hashes, p, column, mapping) for p in paths]
    while len(level) > 1:  # a tree of reduce tasks: no worker receives every file's ids at once
        level = [client.submit(_add_hash_counts, *level[i:i + _FAN_IN], pure=False)
                 for i in range(0, len(level), _FAN_IN)]
    suspects = _raised(client.submit(_repeated, level[0], pure=False).result())
    if not len(suspects):
        return {}
    [suspects_f] = client.scatter([suspects], broadcast=True, hash=False)
    where: dict[str, list[int]] = {}
    per_file = _gather_each(client, [_submit(client, _ids_behind, p, column, suspects_f, mapping)
                                     for p in paths])
    for i, ids in enumerate(per_file):
        for v in ids:
            where.setdefault(v, []).append(i)
    return cross_file_messages(where, paths)

"""A Dask cluster checked before a run uses it: one line naming the fix, not a traceback.

Two slips seen on a cluster: an address where no scheduler answers (a typo, a scheduler not yet
started), and workers started without `DASK_DISTRIBUTED__WORKER__DAEMON=False`. Dask's worker
processes are daemonic by default, and a daemonic process may not start children, which every
extraction does (`pipeline.guard`): each task failed with about 200 lines ending in "daemonic
processes are not allowed to have children". `check_cluster` connects once (with a timeout),
asks each worker whether it is daemonic, and raises `ClusterUnusable` with the fix. It costs a
connection (about a second), only for runs given `--dask-address`.
"""

from __future__ import annotations

import multiprocessing

__all__ = ["ClusterUnusable", "check_cluster"]

#: Longest the scheduler may take to accept the connection.
CONNECT_SECONDS = 5.0


class ClusterUnusable(Exception):
    """The Dask cluster named by --dask-address cannot run the extraction."""


def _is_daemonic() -> bool:
    """Run on each worker: whether its process is daemonic (cannot start children)."""
    return bool(multiprocessing.current_process().daemon)


def check_cluster(address: str, timeout: float = CONNECT_SECONDS) -> None:
    """Raise `ClusterUnusable` when no scheduler answers at `address`, when it has no worker,
    or when a worker is a daemonic process."""
    from distributed import Client

    try:
        client = Client(address, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as error:
        raise ClusterUnusable(
            f"no Dask scheduler answers at {address} (--dask-address, LPS_DASK_ADDRESS) within "
            f"{timeout:g} s: start one with `dask scheduler`, correct the address, or leave "
            "--dask-address out to extract on this machine") from error
    try:
        daemonic = client.run(_is_daemonic)
    finally:
        client.close()  # type: ignore[no-untyped-call]
    if not daemonic:
        raise ClusterUnusable(
            f"the Dask scheduler at {address} has no worker: start some with "
            f"`DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker {address}`")
    if any(daemonic.values()):
        raise ClusterUnusable(
            f"the Dask workers at {address} run as daemonic processes, which cannot start the "
            "extraction's guarded child processes: restart them with "
            f"`DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker {address}`")

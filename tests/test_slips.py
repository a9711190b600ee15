"""A hint at every slip: a cluster or API set up wrongly gets one line naming the fix, exit 2,
and nothing is started or written (issue 19, item 5).

Real processes on loopback (the Prefect case in a process of its own, which reads
PREFECT_API_URL as it starts): a Dask `LocalCluster` whose workers are daemonic processes (Dask's
default, which `docs/scaling.md` tells workers to turn off), an address where nothing listens,
and a Prefect API address where nothing listens. Before, the first gave about 200 lines ending
in "daemonic processes are not allowed to have children" for each task.
"""

from __future__ import annotations

import socket
from pathlib import Path

from click.testing import CliRunner
from conftest import PDFS
from distributed import LocalCluster
from ingest_runs import ingest_env, run_ingest

from lps.cli import main

LEAFLET = str(PDFS / "2009-10" / "barnet.pdf")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_daemonic_dask_workers_get_the_setting_that_fixes_them(tmp_path: Path) -> None:
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        result = CliRunner().invoke(main, ["ingest", LEAFLET, "--db", str(tmp_path / "lps.db"),
                                           "--dask-address", address])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: the Dask workers at {address} run as daemonic processes, which cannot start "
        "the extraction's guarded child processes: restart them with "
        f"`DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker {address}`\n")
    assert not (tmp_path / "lps.db").exists()


def test_a_dask_address_where_nothing_answers(tmp_path: Path) -> None:
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = CliRunner().invoke(main, ["ingest", LEAFLET, "--db", str(tmp_path / "lps.db"),
                                       "--dask-address", address])
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        f"Error: no Dask scheduler answers at {address} (--dask-address, LPS_DASK_ADDRESS) "
        "within 5 s: start one with `dask scheduler`, correct the address, or leave "
        "--dask-address out to extract on this machine\n")


def test_a_prefect_api_where_nothing_listens(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}/api"
    code, output = run_ingest([Path(LEAFLET)], tmp_path / "lps.db", ingest_env(
        api_url=url, prefect_home=tmp_path / "home"), tmp_path / "run.log", timeout=120)
    assert code == 2, output
    assert output == (
        "starting Prefect…\n"
        f"Error: cannot reach the Prefect API at {url} (PREFECT_API_URL): connection refused; "
        "start it with `prefect server start`, or unset PREFECT_API_URL to use `lps server "
        "start` or a temporary server\n")

"""The temporary Prefect server's process: uvicorn, which stops itself when its run is gone.

A run stops its temporary server on the way out, but a run ended by SIGTERM or `kill -9` runs
no code on the way out, and its server (about 210 MB, still listening on its port) lived on
(issue 12). So the server guards itself: this script is what `flows.server.TemporaryServer`
runs, as `python server_child.py PARENT_PID UVICORN_ARGS...`. A daemon thread looks at its
parent's pid four times a second; once the process that started it is gone (the server has
been handed to another parent), it sends itself SIGTERM, which uvicorn takes as a request to
shut down, and exits at once if that has not happened within `_SHUTDOWN_SECONDS`.

A watch rather than Linux's parent-death signal (`prctl(PR_SET_PDEATHSIG)`), because that
signal follows the *thread* that started the child, not the process, and it is Linux only;
the watch costs a wake-up every quarter of a second. The script is run by path, not as a
module, so it needs nothing of this project on `sys.path`, and it imports no Prefect before
uvicorn does.

The server imports with Python's cyclic garbage collector off, and turns it back on once it
answers on its port, its start-up objects frozen out of later collections (`gc.freeze`).
Importing Prefect's server makes some hundred thousand objects, and the collector walked them
again and again as they were made: about a fifth of the import's time (2.8 s to 2.2 s,
measured), and the server's start is the longest wait of a run with nothing configured.
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import threading
import time

#: How often the parent's pid is looked at.
_POLL_SECONDS = 0.25

#: How long uvicorn may take to shut down after its run is gone, before it is ended.
_SHUTDOWN_SECONDS = 10.0


def _stop_when_orphaned(parent: int) -> None:
    """Wait until this process's parent is no longer `parent`, then stop the server."""
    while os.getppid() == parent:
        time.sleep(_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(_SHUTDOWN_SECONDS)
    os._exit(1)  # uvicorn did not finish shutting down: end without it


def _collect_once_serving(host: str, port: int) -> None:
    """Wait until the server accepts connections on `host`:`port`, then freeze what its start
    made and turn the garbage collector back on."""
    while True:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                break
        except OSError:
            time.sleep(_POLL_SECONDS / 5)
    gc.freeze()
    gc.enable()


def _option(args: list[str], name: str, default: str) -> str:
    """The value of uvicorn's option `name` in `args` (`--port 4200`)."""
    return args[args.index(name) + 1] if name in args[:-1] else default


def main(argv: list[str]) -> None:
    """Run uvicorn with `argv[1:]`, watched on behalf of the process `argv[0]`."""
    parent = int(argv[0])
    if os.getppid() != parent:  # the run died before this process got going
        sys.exit(1)
    gc.disable()
    threading.Thread(target=_stop_when_orphaned, args=(parent,), daemon=True,
                     name="stop-when-orphaned").start()
    threading.Thread(target=_collect_once_serving, daemon=True, name="collect-once-serving",
                     args=(_option(argv, "--host", "127.0.0.1"),
                           int(_option(argv, "--port", "8000")))).start()
    from uvicorn.main import main as uvicorn_main

    uvicorn_main(args=argv[1:], prog_name="uvicorn")


if __name__ == "__main__":
    main(sys.argv[1:])

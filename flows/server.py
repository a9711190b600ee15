"""Prefect API servers as processes: the long-lived local one (`lps server start|stop|status`)
and the temporary one a run starts when no server is up. No Prefect import here.

**The long-lived server** is Prefect's own `prefect server start`, run detached (its own
session, its log in `<home>/lps-server.log`), with its address in `<home>/lps-server.json`.
While it answers, every `lps` run without `PREFECT_API_URL` uses it: no server start, no
waiting for one to stop, and the run history stays in its UI. `<home>` is the Prefect home of
`lps` (`default_prefect_home`), so it holds the same history as the temporary servers.

**The temporary server** is the command Prefect runs for its own temporary ("ephemeral") server
(`prefect.server.api.server.SubprocessASGIServer`): uvicorn serving Prefect's app factory, with
only the services an ephemeral server needs. It is started here rather than through that class
because importing the class means importing the whole server (about 2.5 s of CPU on this
project's machine), which the run itself never needs; started this way, the server imports and
migrates in its own process while the run imports the Prefect client beside it. A home with no
database yet starts from the template of `flows.prefect_database`, so a first run does not pay
for Prefect's migrations. It runs through `flows/server_child.py`, which stops it as soon as its
run is gone: a run ended by SIGTERM or `kill -9` runs no cleanup of its own, and its server would
live on. It has a process group of its own, so a terminal's Ctrl-C reaches the run, which
marks its flow run cancelled on it before stopping it (`flows.supervise`). One server
starts at a time on one home (`_starting_alone`): concurrent first runs would otherwise migrate
one new `prefect.db` together and fail.

What is private here, and why it stays: the app factory `prefect.server.api.server:create_app`
and the variables `PREFECT__SERVER_EPHEMERAL` and `PREFECT__SERVER_FINAL` (the command Prefect
runs for its own temporary server; the documented `prefect server start` imports Prefect's
CLI and whole server and starts every background service, seconds a one-leaflet run would pay),
and the template database of `flows.prefect_database`. `tests/test_prefect_private.py` fails
when Prefect's own command stops using them; `tests/test_prefect_database.py` when the pinned
Prefect has no template.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import lzma
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from flows.prefect_database import seed_database, template_for

__all__ = [
    "QUIET_ENVIRONMENT",
    "REGISTERED_ENVIRONMENT",
    "TEMPORARY_ENVIRONMENT",
    "LocalServer",
    "ServerError",
    "TemporaryServer",
    "build_database_template",
    "default_prefect_home",
    "healthy",
    "prefect_home",
    "warm_up",
    "why_not_answering",
]

#: Settings for every server `lps` starts, as environment variables (a user's own wins):
#: - telemetry off: on a new database its heartbeat races the start-up's writes ("database is
#:   locked" tracebacks) and, offline, logs "Failed to send telemetry" at ERROR;
#: - the task-run recorder writes up to 100 events a transaction, every second (Prefect's
#:   default of one event per transaction was still writing 20 s after 500 trivial tasks).
QUIET_ENVIRONMENT = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
}

#: Settings of the temporary server alone (a user's own wins):
#: - no automations. Its triggers and actions services would build a second in-process app at
#:   start (about half a second of CPU before it answers, measured) and judge every event of the
#:   run, for automations that a server which stops with its run could not carry out anyway; a
#:   run on `lps server start`'s server or a configured one keeps them;
#: - the task-run recorder writes each event as it comes. The run waits for its task runs to be
#:   recorded before this server stops (`flows.runtime.settle`), and with batches the last of
#:   them waited for the next flush, up to a second (Prefect reads the interval as whole
#:   seconds, so it cannot be shorter): half a second of a one-leaflet run on average. A run
#:   submits tens of task runs (batches, not documents: `pipeline.extract.batches_for`), so a
#:   write an event costs the server little.
TEMPORARY_ENVIRONMENT = {"PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
                         "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "1"}

#: Settings of a temporary server on a home whose database has its block types already (a
#: user's own wins): no block registration at start. Registering, or only checking that nothing
#: changed since the last registration (Prefect's memo), first imports every installed Prefect
#: collection: prefect-dask and with it Dask's `distributed`, 0.7 s of CPU, measured, before
#: the server answers. The template database (`flows.prefect_database`) holds the block types,
#: registered when it was built; a run needs none, and `lps server start` (Prefect's own
#: command) registers them as always.
REGISTERED_ENVIRONMENT = {"PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
                          "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false"}

#: The temporary server's script: uvicorn, stopping itself once the run that started it is
#: gone, so a run ended by SIGTERM or `kill -9` leaves no server behind (`flows.server_child`).
_SERVER_CHILD = Path(__file__).resolve().with_name("server_child.py")

#: Longest a server may take to answer: a new `prefect.db` is migrated first (about 13 s idle
#: on two cores, three times that under load).
START_SECONDS = 180.0


class ServerError(Exception):
    """A Prefect server could not be started, or stopped; the message says why."""


def default_prefect_home() -> Path:
    """Where `lps` keeps Prefect's database when PREFECT_HOME is not set.

    A home of our own, not `~/.prefect`: its `prefect.db` is not shared with other projects'
    servers (more writers on one SQLite file), nor with their profiles, and it stays small. It
    survives runs, so only the first run pays for migrating a new database, and
    `lps server start` shows the history of past runs.
    """
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "lps" / "prefect"


def prefect_home() -> Path:
    """`PREFECT_HOME` when set, else `default_prefect_home()`."""
    configured = os.environ.get("PREFECT_HOME")
    return Path(configured).expanduser() if configured else default_prefect_home()


def why_not_answering(api_url: str, timeout: float = 1.0) -> str | None:
    """Why a Prefect API does not answer its health check at `api_url` (…/api) within
    `timeout` seconds ("connection refused", "no answer within 5 s"); None when it answers."""
    try:
        with urllib.request.urlopen(f"{api_url.rstrip('/')}/health", timeout=timeout) as answer:
            return None if answer.status == 200 else f"its health check answered {answer.status}"
    except urllib.error.HTTPError as error:
        return f"its health check answered {error.code}"
    except TimeoutError:
        return f"no answer within {timeout:g} s"
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, TimeoutError):
            return f"no answer within {timeout:g} s"
        return str(getattr(reason, "strerror", None) or reason).lower()
    except (OSError, ValueError) as error:
        return str(error) or type(error).__name__


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    """Whether a Prefect API answers its health check at `api_url` (…/api)."""
    return why_not_answering(api_url, timeout) is None


#: What a run asks of a server first (`warm_up`): Prefect's documented read endpoints, each
#: asked for one row.
WARM_UP_ENDPOINTS = ("flows", "flow_runs", "task_runs", "logs", "artifacts")


def warm_up(api_url: str, timeout: float = 10.0) -> list[str]:
    """Ask a server that has just started for one row of each thing a run reads and writes
    (`WARM_UP_ENDPOINTS`); return those that answered.

    Why: a Prefect server answers its health check before it has served anything else, and its
    first answers on each kind of record are slow (its database opened, its queries compiled):
    the first run on a fresh `lps server start` took 0.7-1.1 s of flow run where the next took
    0.3 s (one leaflet, three starts each, measured). Asking once, here, costs about 0.6 s of
    the start and leaves nothing in the server's history; the first run is then like the
    next. A warm-up that fails is no failure of the start: the run only pays as before."""
    answered = []
    for endpoint in WARM_UP_ENDPOINTS:
        request = urllib.request.Request(
            f"{api_url.rstrip('/')}/{endpoint}/filter", data=b'{"limit": 1}',
            headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                if answer.status == 200:
                    answered.append(endpoint)
        except (OSError, ValueError):  # URLError and HTTPError are OSErrors
            continue
    return answered


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def _server_environment(home: Path, extra: dict[str, str],
                        defaults: dict[str, str] | None = None) -> dict[str, str]:
    environment = {**QUIET_ENVIRONMENT, **(defaults or {}), **os.environ,
                   "PREFECT_HOME": str(home), **extra}
    environment.pop("PREFECT_API_URL", None)  # a server is not a client of another
    return environment


@contextmanager
def _starting_alone(home: Path) -> Iterator[None]:
    """Hold an exclusive lock on `home` while one server starts and migrates its database;
    other runs wait (the lock is the kernel's, so a killed run cannot leave it held)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "lps-server-start.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _wait_healthy(process: subprocess.Popen[bytes], api_url: str, timeout: float,
                  log: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while not healthy(api_url, timeout=2.0):
        code = process.poll()
        if code is not None or time.monotonic() > deadline:
            if code is None:
                process.kill()
                process.wait()
            tail = ""
            if log is not None and log.exists():
                lines = log.read_text(encoding="utf-8", errors="replace").splitlines()[-5:]
                tail = "; its log ends: " + " | ".join(lines) if lines else ""
            why = (f"it exited with code {code}" if code is not None
                   else f"it did not answer within {timeout:.0f} s")
            raise ServerError(f"the Prefect server at {api_url} did not start: {why}{tail}")
        time.sleep(0.1)


#: Largest the temporary servers' shared log may grow before a server starts it anew.
_LOG_BYTES = 1 << 20


#: The temporary servers' log, in the Prefect home.
_TEMPORARY_LOG = "lps-temporary-server.log"


def _temporary_log(home: Path) -> Path:
    """`<home>/lps-temporary-server.log`, started anew once it passes `_LOG_BYTES`."""
    log = home / _TEMPORARY_LOG
    with suppress(OSError):
        if log.stat().st_size > _LOG_BYTES:
            log.unlink()
    return log


class TemporaryServer:
    """Prefect's temporary server for one run: `start` launches it and returns at once, `wait`
    returns when it answers, `stop` ends it.

    Its output goes to `<home>/lps-temporary-server.log` (uvicorn logs errors only), not to
    the run's terminal: a server still shutting down after its run has exited (`stop(wait=
    False)`) must not hold the run's standard output open, nor write to it; a server that
    does not start is reported with the end of that log.
    """

    def __init__(self, home: Path | None = None, seed: bool = True) -> None:
        self.home = home or prefect_home()
        # start a new home from the template database (flows.prefect_database), and register
        # no block types (it has them); False: a new database, migrated and registered here
        self.seed = seed
        self.port = _free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self._process: subprocess.Popen[bytes] | None = None
        self.log = self.home / _TEMPORARY_LOG
        self._lock = ExitStack()

    def start(self) -> None:
        """Launch the server process (holding the home's start lock until it answers)."""
        spec = importlib.util.find_spec("prefect")
        assert spec is not None and spec.origin is not None, "prefect is not installed"
        self._lock.enter_context(_starting_alone(self.home))
        if self.seed:
            seed_database(self.home)
        # a database there now came from the template, or from a server before this one
        registered = self.seed and (self.home / "prefect.db").exists()
        environment = _server_environment(self.home, {
            "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
            "PREFECT__SERVER_FINAL": "1",
        }, TEMPORARY_ENVIRONMENT | (REGISTERED_ENVIRONMENT if registered else {}))
        self.log = _temporary_log(self.home)
        with self.log.open("ab") as output:
            self._process = subprocess.Popen(
                [sys.executable, str(_SERVER_CHILD), str(os.getpid()),
                 "--app-dir", str(Path(spec.origin).parent.parent),
                 "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--log-level", "error", "--lifespan", "on"],
                env=environment, stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT, process_group=0,
            )

    def wait(self, timeout: float = START_SECONDS) -> None:
        """Return once the server answers; `ServerError` if it exits or takes too long."""
        assert self._process is not None, "start() first"
        try:
            _wait_healthy(self._process, self.api_url, timeout, self.log)
        finally:
            self._release()

    def _release(self) -> None:
        self._lock.close()

    def kill(self) -> None:
        """End the server at once (SIGKILL), as a stopped run does: what it has committed is in
        its SQLite database, and a shutdown would log its unfinished writes to the terminal."""
        self._release()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def stop(self, timeout: float = 5.0, wait: bool = True) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `timeout` seconds). `wait=False`: ask
        it to stop and return; it shuts down on its own (writing what it still holds), in
        about 0.2 s, and `flows/server_child.py` ends it if it has not once this process is
        gone."""
        self._release()
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        if not wait:
            return
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class LocalServer:
    """The long-lived local server `lps server start` runs, as its state file describes it."""

    api_url: str
    pid: int
    started_at: str
    log: str

    @staticmethod
    def state_file(home: Path | None = None) -> Path:
        return (home or prefect_home()) / "lps-server.json"

    @classmethod
    def read(cls, home: Path | None = None) -> LocalServer | None:
        """The server the state file names, whether or not it still answers."""
        try:
            return cls(**json.loads(cls.state_file(home).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    @classmethod
    def running(cls, home: Path | None = None) -> LocalServer | None:
        """The server, when it answers now; None otherwise."""
        server = cls.read(home)
        return server if server is not None and healthy(server.api_url, timeout=0.5) else None

    @classmethod
    def start(cls, port: int, home: Path | None = None, timeout: float = START_SECONDS
              ) -> LocalServer:
        """Start `prefect server start` detached on 127.0.0.1:`port`; return once it answers
        and has been warmed up (`warm_up`)."""
        home = home or prefect_home()
        if _port_in_use("127.0.0.1", port):
            raise ServerError(f"port {port} on 127.0.0.1 is in use: choose another with --port")
        log = home / "lps-server.log"
        with _starting_alone(home), log.open("ab") as output:
            seed_database(home)
            process = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                 "--port", str(port)],
                env=_server_environment(home, {}), stdin=subprocess.DEVNULL, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
            api_url = f"http://127.0.0.1:{port}/api"
            _wait_healthy(process, api_url, timeout, log)
            warm_up(api_url)
        server = cls(api_url, process.pid, time.strftime("%Y-%m-%dT%H:%M:%S%z"), str(log))
        cls.state_file(home).write_text(json.dumps(server.__dict__) + "\n", encoding="utf-8")
        return server

    def stop(self, home: Path | None = None, timeout: float = 15.0) -> bool:
        """Stop the server's process group; True if it was running. Forgets the state file."""
        was_running = True
        try:
            os.killpg(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            was_running = False
        deadline = time.monotonic() + timeout
        while was_running and time.monotonic() < deadline:
            with suppress(ChildProcessError):  # reap it, when it is this process's child
                os.waitpid(self.pid, os.WNOHANG)
            try:
                os.killpg(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            if was_running:
                os.killpg(self.pid, signal.SIGKILL)
        self.state_file(home).unlink(missing_ok=True)
        return was_running


def build_database_template(out: Path | None = None) -> Path:
    """Migrate a new database with a temporary server, compact it and store it compressed as the
    template `flows.prefect_database` seeds new homes from. The server runs on a home of its own
    with no template to copy, so every migration runs and the block types are registered."""
    out = out or template_for()
    with tempfile.TemporaryDirectory(prefix="lps-prefect-template-") as scratch:
        home = Path(scratch)
        server = TemporaryServer(home, seed=False)
        server.start()
        try:
            server.wait()
        finally:
            server.stop()
        database = home / "prefect.db"
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("PRAGMA journal_mode=DELETE")
        connection.close()
        with sqlite3.connect(database, isolation_level=None) as connection:
            connection.execute("VACUUM")
        connection.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        with database.open("rb") as plain, lzma.open(out, "wb", preset=9) as packed:
            shutil.copyfileobj(plain, packed)
    return out


if __name__ == "__main__":
    made = build_database_template(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    print(f"wrote {made} ({made.stat().st_size:,} bytes)")

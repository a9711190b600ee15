"""Exit codes every command keeps: 2 for unusable input, 0 when the reader of its output stops
early (as `| head` does), and the codes of signals listed at the foot of every `--help`."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from conftest import ROOT
from sample_warehouse import build_sample_warehouse

from lps.cli import main


def test_ingest_into_a_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["ingest", str(ROOT / "fixtures" / "pdfs" / "2009-10"),
                                       "--db", str(tmp_path)])
    assert result.exit_code == 2
    assert f"Invalid value for '--db' (env var: 'LPS_DB'): File '{tmp_path}' is a directory." \
        in result.stderr


def test_a_closed_pipe_ends_a_command_quietly_with_exit_0(tmp_path: Path) -> None:
    db = build_sample_warehouse(tmp_path / "sample.db")
    # `true` reads nothing and exits at once: every write of lps meets a closed pipe
    script = f"set -o pipefail; {sys.executable} -m lps.cli coverage --db {db} | true"
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0
    assert re.fullmatch(r"(in \d+\.\ds \(start to exit\)\n)?", done.stderr)  # no error


def test_every_help_lists_the_exit_codes_of_signals() -> None:
    for name in [*main.commands, "server start", "server status", "server stop"]:
        result = CliRunner().invoke(main, [*name.split(), "--help"])
        text = " ".join(result.output.split())
        assert ("130 stopped by Ctrl-C; 143 by SIGTERM (what was loaded is kept; run it again "
                "to go on) A closed pipe (`lps coverage | head`) ends a command quietly, exit "
                "0.") in text, name


def test_commands_that_do_work_report_their_wall_time(tmp_path: Path) -> None:
    db = build_sample_warehouse(tmp_path / "sample.db")
    leaflet = ROOT / "fixtures" / "pdfs" / "2009-10" / "barnet.pdf"
    for command in (["coverage", "--db", str(db)], ["verify", "--db", str(db)],
                    ["extract", str(leaflet)],
                    ["debug", str(leaflet), "--page", "1", "--out", str(tmp_path / "look")]):
        done = subprocess.run([sys.executable, "-m", "lps.cli", *command], cwd=ROOT,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, (command, done.stderr)
        assert re.fullmatch(r"in \d+\.\ds \(start to exit\)\n", done.stderr), command


def test_a_second_signal_ends_the_command_at_once() -> None:
    # A command busy stopping after the first signal (here: sleeping) ends at the second.
    program = ("import time\nfrom pipeline import interrupt\ninterrupt.install()\n"
               "try:\n    time.sleep(30)\nexcept interrupt.Stop as stop:\n"
               "    print(stop.why, stop.code, flush=True)\n    time.sleep(30)\n")
    process = subprocess.Popen([sys.executable, "-c", program], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)  # the handlers are installed
        process.send_signal(signal.SIGTERM)
        assert process.stdout is not None
        assert process.stdout.readline() == "stopped by SIGTERM 143\n"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=5)
    finally:
        process.kill()
    assert (process.returncode, stderr) == (143, "\nstopped at once (a second signal)\n")


def test_serve_says_its_wall_time_when_stopped(tmp_path: Path) -> None:
    db = build_sample_warehouse(tmp_path / "sample.db")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "lps.cli", "serve", "--db", str(db),
                                "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith(f"Serving {db} read-only at ")
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 130
    assert re.fullmatch(r"in \d+\.\ds \(start to exit\)\ninterrupted \(Ctrl-C\)\n", stderr), stderr

"""Benchmark `lps ingest` against a naive single pass over the same corpus.

    .venv/bin/python -m benchmarks.ingest --n 500 --json bench.json      (`make bench`)

Builds N distinct leaflets (`benchmarks.corpus`) in a temporary folder and measures, in one run:

(a) floor: this process opens each PDF with pdfplumber and calls `extract_words()` and
    `extract_tables()` on every page, one document after another;
(b) `lps ingest <corpus> --db <new warehouse>`: the real CLI in a subprocess, Prefect included;
(c) the same command again, when every document is already loaded;
(d) Prefect's own overhead: trivial tasks per second through the same runtime (`flows.runtime`).

Peak RSS is the largest resident set of any one process of (b)'s tree, sampled every 0.1 s with
psutil (and cross-checked with getrusage(RUSAGE_CHILDREN), which sees reaped descendants).
The Prefect server keeps its database in PREFECT_HOME as `lps` does (default
~/.cache/lps/prefect); the very first run on a machine also migrates that database (~20 s).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pdfplumber
import psutil

from benchmarks.corpus import build_corpus

__all__ = ["floor_seconds", "main", "prefect_tasks_per_second", "run_measured"]

ROOT = Path(__file__).resolve().parent.parent
LPS = [sys.executable, "-m", "lps.cli"]
MB = 1024 * 1024


def floor_seconds(paths: list[Path]) -> float:
    """(a): words and tables of every page, sequentially, in this process."""
    started = time.perf_counter()
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_words()
                page.extract_tables()
                page.close()
    return time.perf_counter() - started


class _PeakRss:
    """Samples the resident set of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self.processes = 0
        self._stop = threading.Event()
        self._seen: set[int] = set()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for process in tree:
                try:
                    self.peak = max(self.peak, process.memory_info().rss)
                    self._seen.add(process.pid)
                except psutil.Error:
                    pass
            self._stop.wait(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.processes = len(self._seen)
        return self.peak


def run_measured(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command; its wall time, peak RSS of any one process, exit code and output tail."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    sampler = _PeakRss(process.pid)
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak / MB, 1),
            "processes": sampler.processes, "returncode": process.returncode,
            "output": output}


_TRIVIAL = """
import json, sys, time
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from flows.runtime import local_prefect_api

@task(cache_policy=NO_CACHE)
def nothing(i: int) -> int:
    return i

@flow
def many(n: int) -> float:
    started = time.perf_counter()
    for future in [nothing.submit(i) for i in range(n)]:
        future.result()
    return time.perf_counter() - started

with local_prefect_api() as api:
    n = int(sys.argv[1])
    seconds = many(n)
print(json.dumps({"tasks": n, "seconds": round(seconds, 2)}))
"""


def prefect_tasks_per_second(env: dict[str, str], tasks: int = 200) -> dict[str, Any]:
    """(d): trivial tasks through a thread pool in one flow, timed inside the flow."""
    result = subprocess.run([sys.executable, "-c", _TRIVIAL, str(tasks)], cwd=ROOT, env=env,
                            capture_output=True, text=True, check=True)
    measured: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    measured["tasks_per_second"] = round(measured["tasks"] / measured["seconds"], 1)
    return measured


def _problems(output: str) -> list[str]:
    markers = ("Traceback", "database is locked", "ERROR", "WARNING")
    return [line for line in output.splitlines() if any(m in line for m in markers)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500, help="documents in the corpus")
    parser.add_argument("--workers", type=int, default=None,
                        help="lps ingest --workers (default: lps's own, one per CPU)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--skip-floor", action="store_true",
                        help="do not measure (a) (ratios b/a are then omitted)")
    args = parser.parse_args(argv)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="lps-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        paths = build_corpus(corpus, args.n)
        db = Path(tmp) / "bench.db"
        command = [*LPS, "ingest", str(corpus), "--db", str(db)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        floor = None if args.skip_floor else floor_seconds(paths)
        first = run_measured(command, env)
        second = run_measured(command, env)
        overhead = prefect_tasks_per_second(env)
        children_max_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for name, run in (("b", first), ("c", second)):
        if run["returncode"] != 0:
            print(run["output"], file=sys.stderr)
            raise SystemExit(f"lps ingest ({name}) failed with exit code {run['returncode']}")
    b, c = first["seconds"], second["seconds"]
    figures: dict[str, Any] = {
        "n": args.n, "cpus": os.cpu_count(),
        "a_floor_seconds": round(floor, 2) if floor is not None else None,
        "b_ingest_seconds": b, "c_reingest_seconds": c,
        "a_docs_per_second": round(args.n / floor, 2) if floor else None,
        "b_docs_per_second": round(args.n / b, 2),
        "ratio_b_over_a": round(b / floor, 3) if floor else None,
        "ratio_c_over_b": round(c / b, 3),
        "b_peak_rss_mb_any_process": first["peak_rss_mb"],
        "b_processes_seen": first["processes"],
        "c_peak_rss_mb_any_process": second["peak_rss_mb"],
        "children_max_rss_mb_getrusage": round(children_max_rss_mb, 1),
        "prefect_trivial_tasks": overhead,
        "b_problem_lines": _problems(first["output"]),
        "c_problem_lines": _problems(second["output"]),
        "b_summary": first["output"].strip().splitlines()[-12:],
    }
    for key, value in figures.items():
        if key != "b_summary":
            print(f"{key:32} {value}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark `lps ingest` against a naive single pass over the same corpus.

    make bench                     (N=500, figures to benchmarks/results/500.json)
    make bench N=2000              (or: python -m benchmarks.ingest --n 2000 --json out.json)

Builds N distinct leaflets (`benchmarks.corpus`) in a temporary folder and measures, in one run:

(a) floor: this process opens each PDF with pdfplumber and calls `extract_words()` and
    `extract_tables()` on every page, one document after another;
(b) `lps ingest <corpus> --db <new warehouse>`: the real CLI in a subprocess, Prefect included;
(c) the same command again, when every document is already loaded;
(d) Prefect's own overhead: trivial tasks per second through the same runtime (`flows.runtime`).

Peak RSS is the largest resident set of any one process of (b)'s tree, sampled every 0.1 s with
psutil (and cross-checked with getrusage(RUSAGE_CHILDREN), which sees reaped descendants).
Timings on a shared machine depend on what else runs, so the machine's load average is recorded
before and after each phase (and sampled through (b)): on 2 cores, a load above 2 means other
work was competing for them and every figure, the floor included, is slower.
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
        self.peak_process = ""  # the command line of the process that reached `peak`
        self.processes = 0
        self.loads: list[float] = []
        self._stop = threading.Event()
        self._cpu: dict[int, float] = {}  # last CPU seconds seen, per process
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
                    rss = process.memory_info().rss
                    if rss > self.peak:
                        self.peak, self.peak_process = rss, " ".join(process.cmdline())[:120]
                    times = process.cpu_times()
                    self._cpu[process.pid] = times.user + times.system
                except psutil.Error:
                    pass
            self.loads.append(os.getloadavg()[0])
            self._stop.wait(0.1)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.processes = len(self._cpu)
        return self.peak

    @property
    def cpu_seconds(self) -> float:
        """CPU seconds of every process seen in the tree (each as last sampled, so at most
        0.1 s of each process's last moments is missed). getrusage(RUSAGE_CHILDREN) cannot do
        this: it misses grandchildren that their own parent never reaped."""
        return sum(self._cpu.values())


def run_measured(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a command; its wall time, CPU seconds of its whole process tree, peak RSS of any
    one process, exit code and output tail. CPU seconds depend much less than wall time on
    what else the machine runs, so they compare the work done even on a busy machine."""
    started = time.perf_counter()
    process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    sampler = _PeakRss(process.pid)
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(peak / MB, 1),
            "cpu_seconds": round(sampler.cpu_seconds, 2),
            "peak_process": sampler.peak_process,
            "processes": sampler.processes, "returncode": process.returncode,
            "load_1min_mean": _mean(sampler.loads), "output": output}


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _load() -> dict[str, float]:
    """The machine's load averages now: how contended the cores were (2 cores: 2.0 is full)."""
    one, five, fifteen = os.getloadavg()
    return {"1min": round(one, 2), "5min": round(five, 2), "15min": round(fifteen, 2)}


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
        load = {"start": _load()}
        floor_sampler, floor_cpu = _PeakRss(os.getpid()), time.process_time()
        floor = None if args.skip_floor else floor_seconds(paths)
        floor_cpu, floor_peak = time.process_time() - floor_cpu, floor_sampler.stop()
        load["after_a"] = _load()
        first = run_measured(command, env)
        load["after_b"] = _load()
        second = run_measured(command, env)
        load["after_c"] = _load()
        overhead = prefect_tasks_per_second(env)
        load["after_d"] = _load()
        children_max_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    for name, run in (("b", first), ("c", second)):
        if run["returncode"] != 0:
            print(run["output"], file=sys.stderr)
            raise SystemExit(f"lps ingest ({name}) failed with exit code {run['returncode']}")
    b, c = first["seconds"], second["seconds"]
    figures: dict[str, Any] = {
        "n": args.n, "cpus": os.cpu_count(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": load, "a_load_1min_mean": _mean(floor_sampler.loads),
        "b_load_1min_mean": first["load_1min_mean"],
        "a_floor_seconds": round(floor, 2) if floor is not None else None,
        "b_ingest_seconds": b, "c_reingest_seconds": c,
        "a_cpu_seconds": round(floor_cpu, 2) if floor else None,
        "b_cpu_seconds": first["cpu_seconds"], "c_cpu_seconds": second["cpu_seconds"],
        "cpu_ratio_b_over_a": round(first["cpu_seconds"] / floor_cpu, 3) if floor else None,
        "a_docs_per_second": round(args.n / floor, 2) if floor else None,
        "b_docs_per_second": round(args.n / b, 2),
        "ratio_b_over_a": round(b / floor, 3) if floor else None,
        "ratio_c_over_b": round(c / b, 3),
        "a_peak_rss_mb": round(floor_peak / MB, 1),
        "b_peak_rss_mb_any_process": first["peak_rss_mb"],
        "b_peak_rss_process": first["peak_process"],
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
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
